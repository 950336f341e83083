"""`kaohe batch`, `merge` and `verify` end to end, and extractor isolation:
the seed reports into an OUTDIR, identical output for any -j, an interrupted
run resumed, unchanged inputs skipped, shards merged, verification and
tampering, unit identification against the gold files, manifests, and
plugins that crash, loop or leak (`batch`, `score --isolate`,
`extract --isolate`)."""
import hashlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import yaml

from kh import BIN, GOLD, REPORTS, SEEDS, SRC, KaoheTest, assert_ranked_per_year, run, run_json

BUILD = os.environ.get("KAOHE_BUILD_DIR", "")
PLUGINS = os.path.join(BUILD, "plugins")
HOSTILE = os.path.join(BUILD, "tests", "hostile-plugins")
SEED_FILES = [os.path.join(REPORTS, s + ".txt") for s in SEEDS]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sanitizer_build():
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return False
    return bool(re.search(r"^KH_(SANITIZE|FUZZ):BOOL=ON$", text, re.M))


def results_text_without_times(outdir):
    """results.json as text, the run's start and end times taken out."""
    with open(os.path.join(outdir, "results.json"), encoding="utf-8") as f:
        text = f.read()
    return re.sub(r'\n    "(started|finished)": "[^"]*",', "", text)


def load(outdir):
    with open(os.path.join(outdir, "results.json"), encoding="utf-8") as f:
        return json.load(f)


def by_path(data):
    return {r["path"]: r for r in data["results"]}


def plugin_dir_with(tmp, *extra):
    """A plugin directory: the real plugins plus hostile test plugins."""
    d = os.path.join(tmp, "plugins")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(PLUGINS):
        if f.endswith(".so"):
            os.symlink(os.path.join(PLUGINS, f), os.path.join(d, f))
    for name in extra:
        os.symlink(os.path.join(HOSTILE, name + ".so"), os.path.join(d, name + ".so"))
    return d


def copies(tmp, n, name="in"):
    """n copies of each seed report under tmp/name (sorted names)."""
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        for f in SEED_FILES:
            shutil.copy(f, os.path.join(d, f"{i:03d}-{os.path.basename(f)}"))
    return d


def with_marker(tmp, marker, name):
    """A copy of the Wendeng report with a hostile plugin's trigger appended."""
    path = os.path.join(tmp, name)
    with open(os.path.join(REPORTS, "wendeng-2024.txt"), encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n" + marker + "\n")
    return path


def done_lines(outdir):
    try:
        with open(os.path.join(outdir, ".kaohe-journal"), encoding="utf-8") as f:
            return sum(1 for line in f if line.startswith("done\t"))
    except OSError:
        return 0


class BatchCase(KaoheTest):
    def setUp(self):
        if not os.path.isdir(PLUGINS):
            self.skipTest("KAOHE_BUILD_DIR not set to the build tree")
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def out(self, name="out"):
        return os.path.join(self.tmp, name)

    def batch(self, *args, timeout=300):
        return run("batch", *args, timeout=timeout)


class BatchTest(BatchCase):
    def test_help(self):
        for cmd in ("batch", "merge", "verify"):
            p = run(cmd, "--help")
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("usage: kaohe " + cmd, p.stdout)
            self.assertIn("Exit", p.stdout)
        p = run("batch", "--help")
        for opt in ("-j", "--shard K/N", "--registry FILE", "--overrides FILE",
                    "--limit-cpu", "--limit-mem", "--timeout"):
            self.assertIn(opt, p.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.batch(REPORTS).returncode, 2)              # no -o
        self.assertEqual(self.batch("-o", self.out()).returncode, 2)     # no DIR
        self.assertEqual(self.batch(REPORTS, "-o", self.out(), "--shard", "4/3").returncode, 2)
        self.assertEqual(self.batch(REPORTS, "-o", self.out(), "-j", "0").returncode, 2)
        p = self.batch("/nonexistent/reports", "-o", self.out())
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/reports", p.stderr)
        self.assertEqual(run("merge", "-o", self.out()).returncode, 2)
        self.assertEqual(run("verify", self.tmp).returncode, 2)          # no results.json

    def test_without_libxlsxwriter_the_other_outputs_land(self):
        """libxlsxwriter is dlopen'ed when kaohe.xlsx is written. A copy of
        the binary naming a library no system has stands for a machine
        without it: kaohe.xlsx is named as not written, with the library and
        the reason, the other outputs land, and the batch exits 2."""
        with open(BIN, "rb") as f:
            image = f.read()
        sonames = set(re.findall(rb"libxlsxwriter\.so\.\d+", image))
        self.assertEqual(len(sonames), 1, sonames)
        soname = sonames.pop()
        missing = soname.replace(b"libxlsxwriter", b"libxlsxwriteX")  # same length
        bad = os.path.join(self.tmp, "kaohe")
        with open(bad, "wb") as f:
            f.write(image.replace(soname, missing))
        os.chmod(bad, 0o755)
        out = self.out()
        # a kaohe.xlsx of an earlier run must not stay next to this run's files
        self.assertEqual(self.batch(REPORTS, "-o", out).returncode, 0)
        self.assertTrue(os.path.exists(os.path.join(out, "kaohe.xlsx")))
        p = subprocess.run([bad, "batch", REPORTS, "-o", out, "-q", "--plugins", PLUGINS,
                            "--rules", os.path.join(BUILD, "scoring-rules", "default")],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"kaohe: error: {out}/kaohe.xlsx: cannot be written: "
                      f"{missing.decode()}: cannot open shared object file", p.stderr)
        for name in ("results.json", "ranking.csv", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        self.assertEqual(sorted(f for f in os.listdir(out) if "xlsx" in f), [])

    def test_seed_reports_into_outdir(self):
        out = self.out()
        p = self.batch(REPORTS, "-o", out, "-j", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ("results.json", "ranking.csv", "kaohe.xlsx", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        data = load(out)
        self.assertEqual(list(data)[:3], ["run", "scheme", "results"])
        res = by_path(data)
        self.assertEqual(sorted(res), sorted(SEED_FILES))
        # ranked per year: 2024 (wendeng, chengyang), 2022, 2021, 2017
        assert_ranked_per_year(self, [(r["year"], r["total"], r["rank"])
                                      for r in data["results"]])
        self.assertEqual(sorted(r["rank"] for r in res.values()), [1, 1, 1, 1, 2])
        for path, r in res.items():
            self.assertEqual(r["sha256"], sha256(path))
            for key in ("unit_code", "unit_note", "unit_status", "unit_match", "warnings"):
                self.assertIn(key, r)
        # the manifest: version, scheme, plugins with their SHA-256, inputs, options, times
        m = data["run"]
        self.assertRegex(m["kaohe"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(m["scheme"]["sha256"], data["scheme"]["sha256"])
        self.assertTrue(m["scheme"]["id"] and m["scheme"]["version"])
        self.assertGreaterEqual(len(m["plugins"]["loaded"]), 5)
        for pl in m["plugins"]["loaded"]:
            self.assertEqual(pl["sha256"], sha256(pl["path"]))
            self.assertTrue(pl["name"] and pl["version"])
        self.assertEqual([i["path"] for i in m["inputs"]], sorted(SEED_FILES))
        for i in m["inputs"]:
            self.assertEqual(i["sha256"], sha256(i["path"]))
        for key in ("max_size", "limit_cpu", "limit_mem_mb", "timeout"):
            self.assertIn(key, m["options"])
        self.assertRegex(m["started"], ISO)
        self.assertRegex(m["finished"], ISO)
        self.assertLessEqual(m["started"], m["finished"])
        self.assertEqual(m["counts"], {"inputs": 5, "scored": 5, "failed": 0})
        # the same scores as `kaohe score`
        p2, score = run_json("score", "--format", "json", *sorted(SEED_FILES))
        self.assertEqual(p2.returncode, 0, p2.stderr)
        self.assertEqual(score["scheme"], data["scheme"])
        for s in score["results"]:
            b = res[s["path"]]
            for key in ("total", "grade", "rank", "indicators", "adjustments", "review",
                        "errors", "year"):
                self.assertEqual(b[key], s[key], (s["path"], key))

    def test_registry_identifies_the_gold_units(self):
        out = self.out()
        p = self.batch(REPORTS, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = by_path(load(out))
        for seed in SEEDS:
            with open(os.path.join(GOLD, seed + ".yaml"), encoding="utf-8") as f:
                gold = yaml.safe_load(f)
            r = res[os.path.join(REPORTS, seed + ".txt")]
            self.assertEqual(r["unit"], gold["unit"], seed)
            self.assertEqual(r["unit_code"], gold["division_code"], seed)
        yicheng = res[os.path.join(REPORTS, "yicheng-2021.txt")]
        # 峰城区 is an OCR'd 峄城区: matched by alias only, flagged, not guessed silently
        self.assertEqual(yicheng["unit_status"], "doubtful")
        self.assertIn("峰城区", yicheng["unit_note"])
        self.assertIn("alias", yicheng["unit_note"])
        self.assertEqual(yicheng["unit_reported"], "峰城区")
        gaoqu = res[os.path.join(REPORTS, "weihai-gaoqu-2017.txt")]
        self.assertIsNone(gaoqu["unit_code"])
        self.assertEqual(gaoqu["unit_status"], "matched")
        for seed in ("wendeng-2024", "rongcheng-2022", "chengyang-2024", "weihai-gaoqu-2017"):
            r = res[os.path.join(REPORTS, seed + ".txt")]
            self.assertEqual(r["unit_status"], "matched", seed)
            self.assertIsNone(r["unit_note"], seed)

    def test_unknown_and_ambiguous_units_are_flagged(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        with open(os.path.join(REPORTS, "wendeng-2024.txt"), encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(d, "fushan.txt"), "w", encoding="utf-8") as f:
            f.write(text.replace("威海市文登区", "烟台市福山区").replace("文登区", "福山区")
                    .replace("文登", "福山"))
        # 市中区 is a district of both 济南市 and 枣庄市
        with open(os.path.join(d, "shizhong.txt"), "w", encoding="utf-8") as f:
            f.write(text.replace("威海市文登区", "市中区").replace("文登区", "市中区")
                    .replace("威文政发", "政发").replace("威海", "").replace("文登", ""))
        out = self.out()
        p = self.batch(d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = by_path(load(out))
        fushan = res[os.path.join(d, "fushan.txt")]
        self.assertEqual(fushan["unit_status"], "unknown")
        self.assertIn("烟台市福山区", fushan["unit_note"])
        self.assertIsNone(fushan["unit_code"])
        shizhong = res[os.path.join(d, "shizhong.txt")]
        self.assertEqual(shizhong["unit_status"], "doubtful")
        self.assertIn("济南市市中区", shizhong["unit_note"])
        self.assertIn("枣庄市市中区", shizhong["unit_note"])
        self.assertIsNone(shizhong["unit_code"])

    def test_any_jobs_same_bytes(self):
        d = copies(self.tmp, 6)
        p1 = self.batch(d, "-o", self.out("j1"), "-j", "1")
        p3 = self.batch(d, "-o", self.out("j3"), "-j", "3")
        self.assertEqual(p1.returncode, 0, p1.stderr)
        self.assertEqual(p3.returncode, 0, p3.stderr)
        self.assertEqual(results_text_without_times(self.out("j1")),
                         results_text_without_times(self.out("j3")))
        with open(os.path.join(self.out("j1"), "ranking.csv"), "rb") as a, \
                open(os.path.join(self.out("j3"), "ranking.csv"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(len(load(self.out("j1"))["results"]), 30)

    def test_rerun_skips_unchanged_inputs(self):
        d = copies(self.tmp, 1)
        out = self.out()
        p = self.batch(d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        first = results_text_without_times(out)
        p = self.batch(d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("5 unchanged, skipped", p.stderr)
        self.assertIn("0 processed now", p.stderr)
        self.assertEqual(results_text_without_times(out), first)
        # one input changes: only it is scored again
        changed = os.path.join(d, "000-wendeng-2024.txt")
        with open(changed, "a", encoding="utf-8") as f:
            f.write("\n附：本报告另有附件。\n")
        p = self.batch(d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("4 unchanged, skipped", p.stderr)
        self.assertIn("1 processed now", p.stderr)
        self.assertEqual(by_path(load(out))[changed]["sha256"], sha256(changed))
        # another scheme: nothing is skipped (the fingerprint is part of the key)
        rules = os.path.join(self.tmp, "rules")
        shutil.copytree(os.path.join(BUILD, "scoring-rules", "default"), rules)
        with open(os.path.join(rules, "scheme.yaml"), "a", encoding="utf-8") as f:
            f.write("\n# a comment changes the fingerprint\n")
        p = self.batch(d, "-o", out, "--rules", rules)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 unchanged, skipped", p.stderr)

    def test_killed_run_resumes_to_the_same_result(self):
        plugins = plugin_dir_with(self.tmp, "slow")  # 100 ms per report
        d = copies(self.tmp, 8)                        # 40 reports, ~2 s with -j 2
        out = self.out("interrupted")
        proc = subprocess.Popen([BIN, "batch", d, "-o", out, "--plugins", plugins, "-j", "2",
                                 "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while done_lines(out) < 6 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the run ended before it could be interrupted")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_before = done_lines(out)
        self.assertGreaterEqual(done_before, 6)
        self.assertLess(done_before, 40)
        self.assertFalse(os.path.exists(os.path.join(out, "results.json")))
        # the workers die with their parent
        time.sleep(0.5)
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        self.assertNotIn(out.encode(), f.read(), "a worker outlived its parent")
                except OSError:
                    pass
        p = self.batch(d, "-o", out, "--plugins", plugins, "-j", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"(\d+) unchanged, skipped", p.stderr)
        self.assertTrue(m, p.stderr)
        self.assertGreaterEqual(int(m.group(1)), done_before)
        p = self.batch(d, "-o", self.out("whole"), "--plugins", plugins, "-j", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(results_text_without_times(out),
                         results_text_without_times(self.out("whole")))

    def test_kill_leaves_previous_outputs_intact(self):
        plugins = plugin_dir_with(self.tmp, "slow")
        d = copies(self.tmp, 1)
        out = self.out()
        p = self.batch(d, "-o", out, "--plugins", plugins)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = ("results.json", "ranking.csv", "kaohe.xlsx", "report.html")
        before = {}
        for n in names:
            with open(os.path.join(out, n), "rb") as f:
                before[n] = f.read()
        for i in range(1, 6):
            for f in SEED_FILES:
                shutil.copy(f, os.path.join(d, f"{i:03d}-{os.path.basename(f)}"))
        proc = subprocess.Popen([BIN, "batch", d, "-o", out, "--plugins", plugins, "-j", "1",
                                 "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        start = done_lines(out)
        while done_lines(out) < start + 3 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for n in names:
            with open(os.path.join(out, n), "rb") as f:
                self.assertEqual(f.read(), before[n], n)

    def test_one_run_per_outdir_at_a_time(self):
        plugins = plugin_dir_with(self.tmp, "slow")
        d = copies(self.tmp, 4)
        out = self.out()
        proc = subprocess.Popen([BIN, "batch", d, "-o", out, "--plugins", plugins, "-j", "1",
                                 "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while done_lines(out) < 1 and time.time() < deadline:
                time.sleep(0.05)
            p = self.batch(d, "-o", out)
            self.assertEqual(p.returncode, 2)
            self.assertIn("another kaohe batch is writing to this directory", p.stderr)
        finally:
            proc.wait(timeout=120)
        self.assertEqual(proc.returncode, 0)

    def test_shards_merge_to_the_single_run(self):
        d = copies(self.tmp, 2)
        single = self.out("single")
        p = self.batch(d, "-o", single, "-j", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        shards = self.out("shards")
        for k in (1, 2, 3):
            p = self.batch(d, "-o", shards, "--shard", f"{k}/3", "-j", "1")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.exists(os.path.join(shards, f"shard-{k}-of-3.json")))
        # shard k holds inputs k, k+3, … in path order
        with open(os.path.join(shards, "shard-2-of-3.json"), encoding="utf-8") as f:
            s2 = json.load(f)
        paths = sorted(os.path.join(d, x) for x in os.listdir(d))
        self.assertEqual([i["path"] for i in s2["run"]["inputs"]], paths[1::3])
        merged = self.out("merged")
        files = [os.path.join(shards, f"shard-{k}-of-3.json") for k in (3, 1, 2)]
        p = run("merge", "-o", merged, *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(results_text_without_times(single), results_text_without_times(merged))
        with open(os.path.join(single, "ranking.csv"), "rb") as a, \
                open(os.path.join(merged, "ranking.csv"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        # a shard missing, or given twice, is refused
        p = run("merge", "-o", self.out("partial"), *files[:2])
        self.assertEqual(p.returncode, 2)
        self.assertIn("shard 2 of 3 is missing", p.stderr)
        p = run("merge", "-o", self.out("twice"), files[0], files[0], files[1])
        self.assertEqual(p.returncode, 2)

    def test_verify_passes_and_detects_tampering(self):
        d = copies(self.tmp, 1)
        out = self.out()
        p = self.batch(d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("verify", out)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("identical", p.stdout)
        victim = os.path.join(d, "000-wendeng-2024.txt")
        with open(victim, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("行政诉讼案件共24件", text)
        with open(victim, "w", encoding="utf-8") as f:
            f.write(text.replace("行政诉讼案件共24件", "行政诉讼案件共25件"))
        p = run("verify", out)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"{victim}: input changed", p.stdout)
        self.assertRegex(p.stdout, re.escape(victim) + r": FZ-\d+: .*24 → 25")
        with open(victim, "w", encoding="utf-8") as f:
            f.write(text)
        self.assertEqual(run("verify", out).returncode, 0)
        # a scheme changed since the run is named
        rules = os.path.join(self.tmp, "rules")
        shutil.copytree(os.path.join(BUILD, "scoring-rules", "default"), rules)
        out2 = self.out("own-rules")
        p = self.batch(d, "-o", out2, "--rules", rules)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(rules, "scheme.yaml"), "a", encoding="utf-8") as f:
            f.write("\n# edited after the run\n")
        p = run("verify", out2)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"scheme {rules}: changed", p.stdout)
        # so is a unit registry changed or gone since the run
        reg = os.path.join(self.tmp, "registry.yaml")
        shutil.copy(os.path.join(SRC, "scoring-rules", "registry.yaml"), reg)
        out3 = self.out("own-registry")
        p = self.batch(d, "-o", out3, "--registry", reg)
        self.assertEqual(p.returncode, 0, p.stderr)
        recorded = sha256(reg)
        with open(reg, "a", encoding="utf-8") as f:
            f.write("\n# edited after the run\n")
        p = run("verify", out3)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"unit registry {reg}: changed: sha256 {recorded} recorded, {sha256(reg)} "
                      "now", p.stdout)
        os.unlink(reg)
        p = run("verify", out3)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"unit registry {reg}: missing", p.stdout)

    def test_manifest_with_missing_file_goes_on(self):
        manifest = os.path.join(self.tmp, "manifest.yaml")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write("year: 2024\n"
                    "deadline: 2025-01-05\n"
                    "units:\n"
                    f"  - unit: 威海市文登区\n    files: [{os.path.join(REPORTS, 'wendeng-2024.txt')}]\n"
                    f"  - unit: 青岛市城阳区\n    files: [{os.path.join(REPORTS, 'chengyang-2024.txt')}]\n"
                    "  - unit: 枣庄市峄城区\n    files: [reports/yicheng-2021.txt]\n")
        out = self.out()
        p = self.batch(manifest, "-o", out)
        self.assertEqual(p.returncode, 1, p.stderr)
        missing = os.path.join(self.tmp, "reports", "yicheng-2021.txt")
        self.assertIn(missing, p.stderr)
        self.assertIn("no such file", p.stderr)
        data = load(out)
        res = by_path(data)
        self.assertEqual(len(res), 3)
        self.assertIsNone(res[missing]["total"])
        self.assertTrue(any("no such file" in e for e in res[missing]["errors"]))
        # the manifest's unit still names the missing report
        self.assertEqual(res[missing]["unit"], "枣庄市峄城区")
        self.assertEqual(res[missing]["unit_code"], "370404")
        wendeng = res[os.path.join(REPORTS, "wendeng-2024.txt")]
        self.assertIsNotNone(wendeng["total"])
        # published 2025-01-08, after the manifest's deadline
        self.assertTrue(any("deadline" in w for w in wendeng["warnings"]), wendeng["warnings"])
        self.assertEqual(data["run"]["source"]["kind"], "manifest")
        self.assertEqual(data["run"]["source"]["sha256"], sha256(manifest))
        self.assertEqual(data["run"]["source"]["year"], 2024)
        self.assertEqual(data["run"]["counts"]["failed"], 1)

    def test_manifest_contradicting_the_report_is_doubtful(self):
        manifest = os.path.join(self.tmp, "manifest.yaml")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write("units:\n"
                    f"  - unit: 威海市环翠区\n    files: [{os.path.join(REPORTS, 'wendeng-2024.txt')}]\n"
                    f"  - unit: 枣庄市峄城区\n    files: [{os.path.join(REPORTS, 'yicheng-2021.txt')}]\n")
        out = self.out()
        p = self.batch(manifest, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = by_path(load(out))
        w = res[os.path.join(REPORTS, "wendeng-2024.txt")]
        self.assertEqual(w["unit_status"], "doubtful")
        self.assertIn("威海市环翠区", w["unit_note"])
        # the office's manifest confirms the alias match
        y = res[os.path.join(REPORTS, "yicheng-2021.txt")]
        self.assertEqual(y["unit_status"], "matched")
        self.assertIsNone(y["unit_note"])  # no doubt left
        self.assertIn("confirmed by the manifest", y["unit_match"])

    def test_bad_manifest_is_a_config_error(self):
        manifest = os.path.join(self.tmp, "manifest.yaml")
        with open(manifest, "w", encoding="utf-8") as f:
            f.write("year: 2024\nunits:\n  - unit: 威海市文登区\n    file: [a.txt]\n")
        p = self.batch(manifest, "-o", self.out())
        self.assertEqual(p.returncode, 2)
        self.assertIn(manifest, p.stderr)
        self.assertRegex(p.stderr, r"manifest\.yaml:\d+")

    def test_registry_option_and_bad_registry(self):
        reg = os.path.join(self.tmp, "reg.yaml")
        with open(reg, "w", encoding="utf-8") as f:
            f.write("units:\n  - {code: '371003', name: 威海市文登区, short: 文登区, "
                    "parent: 威海市, level: district}\n")
        out = self.out()
        p = self.batch(REPORTS, "-o", out, "--registry", reg)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = load(out)
        self.assertEqual(data["run"]["registry"]["sha256"], sha256(reg))
        statuses = {os.path.basename(r["path"]): r["unit_status"] for r in data["results"]}
        self.assertEqual(statuses["wendeng-2024.txt"], "matched")
        self.assertEqual(statuses["chengyang-2024.txt"], "unknown")
        with open(reg, "w", encoding="utf-8") as f:
            f.write("units:\n  - {code: '371003', name: 威海市文登区, short: 文登区, "
                    "level: borough}\n")
        p = self.batch(REPORTS, "-o", self.out("bad"), "--registry", reg)
        self.assertEqual(p.returncode, 2)
        self.assertIn(reg, p.stderr)

    def test_progress_bar_on_a_terminal(self):
        d = copies(self.tmp, 2)
        master, slave = pty.openpty()
        proc = subprocess.Popen([BIN, "batch", d, "-o", self.out()], stdout=subprocess.DEVNULL,
                                stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            r, _, _ = select.select([master], [], [], 60)
            if not r:
                break
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait()
        os.close(master)
        text = b"".join(chunks).decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, text)
        self.assertIn("\r[", text)
        self.assertIn("10/10", text)
        self.assertIn("ETA", text)
        self.assertRegex(text, r"\d+\.\d/s")

    def test_plain_log_lines_when_not_a_terminal(self):
        d = copies(self.tmp, 1)
        p = self.batch(d, "-o", self.out())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\r", p.stderr)
        self.assertRegex(p.stderr, r"\[5/5\] .*\.txt")

    def test_overrides_are_applied_before_scoring(self):
        ov = os.path.join(self.tmp, "overrides.yaml")
        with open(ov, "w", encoding="utf-8") as f:
            f.write("- unit: 威海市文登区\n  key: litigation.head_appearance_rate\n"
                    "  value: 50\n  reason: 核实台账\n  author: 王敏\n  date: 2025-03-04\n")
        out = self.out()
        p = self.batch(REPORTS, "-o", out, "--overrides", ov)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = load(out)
        self.assertEqual(len(data["overrides"]), 1)
        self.assertEqual(data["run"]["overrides"]["sha256"], sha256(ov))
        w = by_path(data)[os.path.join(REPORTS, "wendeng-2024.txt")]
        p2, plain = run_json("score", "--format", "json", "--overrides", ov, *SEED_FILES)
        s = next(r for r in plain["results"] if r["path"].endswith("wendeng-2024.txt"))
        self.assertEqual(w["total"], s["total"])
        self.assertEqual(w["indicators"], s["indicators"])
        # a re-run reuses the cache (overrides are applied after it) and agrees
        p = self.batch(REPORTS, "-o", out, "--overrides", ov)
        self.assertIn("5 unchanged, skipped", p.stderr)
        self.assertEqual(load(out)["results"], data["results"])


class IsolationTest(BatchCase):
    """Plugins that crash, loop or leak cost one report, named by plugin."""

    LIMITS = ("--limit-cpu", "2", "--timeout", "20", "--limit-mem", "400")

    def setUp(self):
        super().setUp()
        if not os.path.isdir(HOSTILE):
            self.skipTest("hostile test plugins not built")
        self.plugins = plugin_dir_with(self.tmp, "segv", "loop", "leak")
        self.segv = with_marker(self.tmp, "KH-TEST-SEGV", "zz-segv.txt")
        self.loop = with_marker(self.tmp, "KH-TEST-LOOP", "zz-loop.txt")
        self.leak = with_marker(self.tmp, "KH-TEST-LEAK", "zz-leak.txt")

    def hostile_inputs(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d, exist_ok=True)
        for f in SEED_FILES:
            shutil.copy(f, d)
        for f in (self.segv, self.loop) + (() if sanitizer_build() else (self.leak,)):
            shutil.copy(f, d)
        return d

    def test_batch_contains_crash_loop_and_leak(self):
        d = self.hostile_inputs()
        out = self.out()
        p = self.batch(d, "-o", out, "--plugins", self.plugins, "-j", "2", *self.LIMITS)
        self.assertEqual(p.returncode, 1, p.stderr)
        res = by_path(load(out))
        for f in SEED_FILES:
            r = res[os.path.join(d, os.path.basename(f))]
            self.assertIsNotNone(r["total"], r["errors"])
        segv = res[os.path.join(d, "zz-segv.txt")]
        self.assertIsNone(segv["total"])
        # (AddressSanitizer turns the SIGSEGV into an exit with status 1)
        how = r"exited with status 1" if sanitizer_build() else r"killed by signal 11 \(.*\)"
        self.assertRegex(segv["errors"][0],
                         r"worker " + how + r" while running plugin segv on .*zz-segv.txt")
        loop = res[os.path.join(d, "zz-loop.txt")]
        self.assertIsNone(loop["total"])
        self.assertRegex(loop["errors"][0], r"signal 24 .*while running plugin loop on .*CPU limit 2 s")
        if not sanitizer_build():
            leak = res[os.path.join(d, "zz-leak.txt")]
            self.assertIsNone(leak["total"])
            self.assertIn("while running plugin leak on", leak["errors"][0])
            self.assertIn("of the 400 MB limit", leak["errors"][0])
        # crashes are not cached: a re-run tries them again, and skips the rest
        p = self.batch(d, "-o", out, "--plugins", self.plugins, "-j", "2", *self.LIMITS)
        self.assertIn("5 unchanged, skipped", p.stderr)

    def test_batch_wall_clock_timeout(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        shutil.copy(self.loop, d)
        shutil.copy(SEED_FILES[0], d)
        out = self.out()
        start = time.time()
        p = self.batch(d, "-o", out, "--plugins", self.plugins, "-j", "1",
                       "--limit-cpu", "0", "--timeout", "2")
        self.assertLess(time.time() - start, 30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("timed out after 2 s while running plugin loop on", p.stderr)
        res = by_path(load(out))
        self.assertIsNotNone(res[os.path.join(d, os.path.basename(SEED_FILES[0]))]["total"])

    def test_score_isolate(self):
        files = SEED_FILES + [self.segv, self.loop] + ([] if sanitizer_build() else [self.leak])
        p, data = run_json("score", "--isolate", "--format", "json", "--plugins", self.plugins,
                           *self.LIMITS, *files, timeout=300)
        self.assertEqual(p.returncode, 1, p.stderr)
        if not sanitizer_build():
            self.assertIn(f"{self.segv}: plugin crash: killed by signal 11", p.stderr)
        self.assertIn(f"{self.segv}: plugin crash: ", p.stderr)
        self.assertIn(f"while running plugin segv on {self.segv}", p.stderr)
        self.assertIn(f"while running plugin loop on {self.loop}", p.stderr)
        if not sanitizer_build():
            self.assertIn(f"while running plugin leak on {self.leak}", p.stderr)
        res = {r["path"]: r for r in data["results"]}
        for f in SEED_FILES:
            self.assertIsNotNone(res[f]["total"])
        self.assertIsNone(res[self.segv]["total"])
        # without --isolate the same plugins take the process down
        p = run("score", "--plugins", self.plugins, self.segv)
        if not sanitizer_build():
            self.assertEqual(p.returncode, -signal.SIGSEGV)

    def test_extract_isolate_gives_the_same_facts(self):
        p1, a = run_json("extract", "--format", "json", *SEED_FILES)
        p2, b = run_json("extract", "--isolate", "--format", "json", *SEED_FILES)
        self.assertEqual(p1.returncode, 0, p1.stderr)
        self.assertEqual(p2.returncode, 0, p2.stderr)
        self.assertEqual(a, b)
        p = run("extract", "--isolate", "--plugins", self.plugins, "--limit-cpu", "0",
                "--timeout", "2", self.loop)
        self.assertEqual(p.returncode, 1)
        self.assertIn("plugin timeout: timed out after 2 s while running plugin loop", p.stderr)


if __name__ == "__main__":
    unittest.main()
