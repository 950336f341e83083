"""The kaohe binary end to end: help and version, exit codes, bad inputs,
encodings, scoring stability, hostile rule scripts, number and plugins."""
import csv
import io
import json
import os
import shutil
import stat
import tempfile
import time
import unittest

from kh import FIXTURES, REPORTS, SEEDS, SRC, KaoheTest, assert_ranked_per_year, run, run_json

RULES = os.path.join(SRC, "scoring-rules", "default")
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")
ENC = os.path.join(FIXTURES, "encodings")
BAD = os.path.join(FIXTURES, "bad")


class HelpTest(KaoheTest):
    def test_version(self):
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^kaohe \d+\.\d+\.\d+")

    def test_help_for_each_command(self):
        for cmd in ("extract", "score", "number", "plugins"):
            p = run(cmd, "--help")
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("usage: kaohe " + cmd, p.stdout)
            self.assertIn("Exit", p.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("extract").returncode, 2)
        self.assertEqual(run("score", "--format", "xml", WENDENG).returncode, 2)
        self.assertEqual(run("extract", "--max-size", "lots", WENDENG).returncode, 2)


class BadInputTest(KaoheTest):
    """Every bad input: a message naming the file and the problem, exit 1,
    and the good input still processed and reported."""

    def check(self, path, fragment, extra=(), good=WENDENG):
        p, data = run_json("extract", "--format", "json", *extra, path, good)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(path, p.stderr)
        self.assertIn(fragment, p.stderr)
        docs = data["documents"]
        self.assertEqual(len(docs), 2)
        self.assertFalse(docs[0]["ok"])
        self.assertTrue(any(fragment in e for e in docs[0]["errors"]), docs[0]["errors"])
        self.assertTrue(docs[1]["ok"])
        self.assertGreater(len(docs[1]["facts"]), 5)
        # and score goes on too
        p2, sdata = run_json("score", "--format", "json", *extra, path, good)
        self.assertEqual(p2.returncode, 1, p2.stderr)
        res = {r["path"]: r for r in sdata["results"]}
        self.assertIsNone(res[path]["total"])
        self.assertIsNotNone(res[good]["total"])

    def test_missing_file(self):
        self.check("/nonexistent/report.txt", "no such file")

    def test_directory(self):
        self.check(FIXTURES, "is a directory")

    def test_empty(self):
        self.check(os.path.join(BAD, "empty.txt"), "empty")

    def test_binary(self):
        self.check(os.path.join(BAD, "binary.bin"), "binary")

    def test_invalid_utf8(self):
        self.check(os.path.join(BAD, "invalid-utf8.txt"), "invalid UTF-8")

    def test_pdf(self):
        self.check(os.path.join(BAD, "fake.pdf"), "PDF")

    def test_odd_utf16(self):
        self.check(os.path.join(BAD, "odd-utf16.txt"), "UTF-16")

    def test_over_size_limit(self):
        # yicheng is 17 KB, chengyang 9 KB
        self.check(os.path.join(REPORTS, "yicheng-2021.txt"), "over the limit",
                   extra=("--max-size", "12K"),
                   good=os.path.join(REPORTS, "chengyang-2024.txt"))

    def test_size_limit_from_environment(self):
        p = run("extract", os.path.join(REPORTS, "yicheng-2021.txt"),
                env={"KAOHE_MAX_SIZE": "2K"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("over the limit", p.stderr)

    def test_unreadable(self):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "secret.txt")
            shutil.copy(WENDENG, path)
            os.chmod(path, 0)
            if os.geteuid() == 0:
                # root reads anything: drop to nobody for this one run
                setpriv = shutil.which("setpriv")
                if not setpriv:
                    self.skipTest("running as root without setpriv")
                os.chmod(tmp, 0o755)
                import subprocess
                p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534",
                                    "--clear-groups", os.environ["KAOHE_BIN"],
                                    "extract", path], capture_output=True, text=True)
                if "Permission denied" in p.stderr and "kaohe" not in p.stderr:
                    self.skipTest("nobody cannot run the binary here")
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(path, p.stderr)
                self.assertIn("ermission denied", p.stderr)
            else:
                self.check(path, "ermission denied")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class EncodingTest(KaoheTest):
    def facts_of(self, path):
        p, data = run_json("extract", "--format", "json", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = data["documents"][0]
        return doc, {f["key"]: (f["value"], f["qualifier"], f["evidence"]["line"],
                                f["evidence"]["column"], f["evidence"]["text"])
                     for f in doc["facts"]}

    def test_gbk_and_utf16_copies_give_the_same_facts(self):
        base_doc, base = self.facts_of(WENDENG)
        self.assertGreater(len(base), 5)
        for name, enc in (("wendeng-2024.gbk.txt", "gb18030"),
                          ("wendeng-2024.utf16le.txt", "utf-16le"),
                          ("wendeng-2024.utf16be.txt", "utf-16be"),
                          ("wendeng-2024.utf8bom.txt", "utf-8-bom")):
            doc, facts = self.facts_of(os.path.join(ENC, name))
            self.assertEqual(facts, base, name)
            self.assertEqual(doc["encoding"], enc, name)


class ScoreTest(KaoheTest):
    def paths(self):
        return [os.path.join(REPORTS, s + ".txt") for s in SEEDS]

    def test_scores_are_stable_run_to_run(self):
        a = run("score", "--format", "json", *self.paths())
        b = run("score", "--format", "json", *self.paths())
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(a.stdout, b.stdout)

    def test_json_contract(self):
        p, data = run_json("score", "--format", "json", *self.paths())
        self.assertEqual(p.returncode, 0, p.stderr)
        for k in ("id", "version", "sha256"):
            self.assertIn(k, data["scheme"])
        self.assertEqual(len(data["scheme"]["sha256"]), 64)
        ranks = []
        for r in data["results"]:
            for k in ("path", "unit", "year", "total", "grade", "rank", "indicators", "adjustments"):
                self.assertIn(k, r)
            ranks.append(r["rank"])
            total = 0
            for ind in r["indicators"]:
                for k in ("id", "name", "max", "points", "status", "facts", "explanation"):
                    self.assertIn(k, ind)
                self.assertIn(ind["status"], ("scored", "missing", "error"))
                self.assertNotEqual(ind["status"], "error", ind)
                if ind["status"] == "missing":
                    self.assertTrue(ind["missing"], ind)
                if not ind["monitor"] and ind["points"] is not None:
                    self.assertLessEqual(ind["points"], ind["max"] + 1e-9)
                    total += ind["points"]
                for f in ind["facts"]:
                    self.assertIn("evidence", f)
            self.assertAlmostEqual(total, r["total"], places=1)
            self.assertIn(r["grade"], ("优秀", "良好", "合格", "不合格"))
        assert_ranked_per_year(self, [(r["year"], r["total"], r["rank"])
                                      for r in data["results"]])
        # the seeds are of 2024 (two), 2022, 2021 and 2017: five rank 1s but one
        self.assertEqual(sorted(ranks), [1, 1, 1, 1, 2])
        # the seeds state different facts: chengyang has no 出庭率 → 待核查
        cy = [r for r in data["results"] if "chengyang" in r["path"]][0]
        fz01 = [i for i in cy["indicators"] if i["id"] == "FZ-01"][0]
        self.assertEqual(fz01["status"], "missing")

    def test_table_ranking_first_and_aligned(self):
        p = run("score", *self.paths())
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        header = [l for l in lines if l.startswith("排名")][0]
        self.assertIn("总分", header)
        self.assertIn("待核查", p.stdout)

    def test_csv(self):
        p = run("score", "--format", "csv", *self.paths())
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = p.stdout.strip().splitlines()
        self.assertTrue(rows[0].startswith("rank,unit,year,total,grade"))
        self.assertEqual(len(rows), 1 + len(SEEDS))

    def test_rules_from_environment_and_bad_rules_dir(self):
        p = run("score", WENDENG, env={"KAOHE_RULES": "/nonexistent/rules"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/rules", p.stderr)


class EventsTest(KaoheTest):
    """Office-supplied 加分/扣分 events: applied by unit or file, capped by
    the scheme, listed in adjustments; unknown ids are config errors."""

    def write(self, text):
        fd, path = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def totals(self, *extra):
        p, data = run_json("score", "--format", "json", *extra, WENDENG,
                           os.path.join(REPORTS, "chengyang-2024.txt"))
        self.assertEqual(p.returncode, 0, p.stderr)
        return {os.path.basename(r["path"]): r for r in data["results"]}

    def test_events_adjust_totals_with_caps(self):
        base = self.totals()
        ev = self.write("- {file: wendeng-2024.txt, event: demonstration, reason: 示范}\n"
                        "- {file: wendeng-2024.txt, event: demonstration, reason: again}\n"
                        "- {file: chengyang-2024.txt, event: judgment_not_executed}\n")
        got = self.totals("--events", ev)
        w, c = got["wendeng-2024.txt"], got["chengyang-2024.txt"]
        # two +3 bonuses are capped at bonus_cap 3
        self.assertAlmostEqual(w["total"], base["wendeng-2024.txt"]["total"] + 3, places=2)
        self.assertAlmostEqual(c["total"], base["chengyang-2024.txt"]["total"] - 2, places=2)
        self.assertTrue(any(a["points"] == 3 for a in w["adjustments"]) or
                        abs(sum(a["points"] for a in w["adjustments"]) - 3) < 1e-9)
        self.assertEqual(sum(a["points"] for a in c["adjustments"]), -2)

    def test_events_in_table_and_csv(self):
        ev = self.write("- {unit: 威海市文登区, event: demonstration, reason: 示范}\n"
                        "- {file: chengyang-2024.txt, event: judgment_not_executed}\n")
        files = (WENDENG, os.path.join(REPORTS, "chengyang-2024.txt"))
        p = run("score", "--format", "csv", "--events", ev, *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.reader(io.StringIO(p.stdout)))
        col = rows[0].index("adjustments")
        self.assertEqual(rows[0][col + 1], "error")
        got = {r[1]: r[col] for r in rows[1:]}
        self.assertEqual(got, {"威海市文登区": "3", "城阳区": "-2"})
        p = run("score", "--events", ev, *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("加分/扣分", p.stdout)
        self.assertRegex(p.stdout, r"\n加分/扣分\n  威海市文登区  获评全国或省级法治政府建设示范地区（项目） \+3\n"
                                   r"  城阳区  不执行人民法院生效裁判 -2\n")
        self.assertRegex(p.stdout, r"威海市文登区 .* \+3\.00\n")

    def test_unknown_event_is_a_config_error(self):
        ev = self.write("- {unit: 文登区, event: no_such_event}\n")
        p = run("score", "--events", ev, WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no_such_event", p.stderr)

    def test_malformed_events_file(self):
        ev = self.write("# 2024\n- {unit: 文登区, event: demonstration}\n- {unit: 文登区}\n")
        p = run("score", "--events", ev, WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn(ev + ":3: events file: entry 2: 'event' is missing", p.stderr)
        # an unknown id names its entry's line too
        ev = self.write("- {unit: 文登区, event: demonstration}\n- {unit: 文登区, event: nope}\n")
        p = run("score", "--events", ev, WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn(ev + ":2: event 'nope' is not an adjustment of scheme", p.stderr)


class HostileRulesTest(KaoheTest):
    """Rule scripts are untrusted: each hostile script is stopped within
    seconds and reported on its own indicator; the others still score."""

    SCRIPTS = {
        "io": ('local f = io.open("/etc/passwd") return score(MAX, "x")', "io"),
        "os": ('os.execute("touch /tmp/kaohe-pwned") return score(MAX, "x")', "os"),
        "loop": ("while true do end", "instruction limit"),
        "pcall_loop": ("pcall(function() while true do end end) return score(MAX, 'x')",
                       "instruction limit"),
        "memory": ('local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1024) end',
                   "memory limit"),
        "bytecode": ('return load(string.dump(function() end))', "nil"),
        "require": ('require("os") return score(MAX, "x")', "require"),
    }

    def make_scheme(self, body):
        tmp = tempfile.mkdtemp()
        dst = os.path.join(tmp, "rules")
        shutil.copytree(RULES, dst, symlinks=False)
        with open(os.path.join(dst, "fz04.lua"), "w", encoding="utf-8") as f:
            f.write(body + "\n")
        return tmp, dst

    def test_hostile_scripts(self):
        for name, (body, fragment) in self.SCRIPTS.items():
            with self.subTest(name):
                tmp, rules = self.make_scheme(body)
                try:
                    t0 = time.monotonic()
                    p, data = run_json("score", "--format", "json", "--rules", rules, WENDENG,
                                       timeout=60)
                    elapsed = time.monotonic() - t0
                    self.assertLess(elapsed, 30, name)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    inds = {i["id"]: i for i in data["results"][0]["indicators"]}
                    self.assertEqual(inds["FZ-04"]["status"], "error", name)
                    self.assertEqual(inds["FZ-04"]["points"], 0)
                    self.assertIn("fz04.lua", inds["FZ-04"]["error"])
                    self.assertIn(fragment, inds["FZ-04"]["error"], name)
                    others = [i for k, i in inds.items() if k != "FZ-04"]
                    self.assertTrue(all(i["status"] != "error" for i in others), name)
                    self.assertGreater(sum(i["points"] or 0 for i in others), 0)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
        self.assertFalse(os.path.exists("/tmp/kaohe-pwned"))

    def test_bytecode_file_refused(self):
        tmp, rules = self.make_scheme("")
        try:
            with open(os.path.join(rules, "fz04.lua"), "wb") as f:
                f.write(b"\x1bLua\x54\x00garbage")
            p = run("score", "--rules", rules, WENDENG)
            self.assertEqual(p.returncode, 2)
            self.assertIn("fz04.lua", p.stderr)
            self.assertIn("bytecode", p.stderr.lower())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class InstallTest(KaoheTest):
    """`cmake --install` puts plugins and rules under the prefix, and the
    installed binary finds them without any option."""

    def test_installed_binary_finds_plugins_and_rules(self):
        build = os.environ.get("KAOHE_BUILD_DIR")
        if not build:
            self.skipTest("KAOHE_BUILD_DIR not set")
        import subprocess
        prefix = tempfile.mkdtemp()
        try:
            p = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            exe = os.path.join(prefix, "bin", "kaohe")
            env = dict(os.environ)
            env.pop("KAOHE_PLUGINS", None)
            env.pop("KAOHE_RULES", None)
            q = subprocess.run([exe, "score", "--format", "json", WENDENG],
                               capture_output=True, text=True, env=env)
            self.assertEqual(q.returncode, 0, q.stderr)
            data = json.loads(q.stdout)
            self.assertEqual(data["scheme"]["id"], "fazhi-default")
            self.assertGreater(data["results"][0]["total"], 0)
            self.assertTrue(os.path.exists(os.path.join(prefix, "include", "kaohe", "plugin.h")))
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


class NumberTest(KaoheTest):
    def test_number_json(self):
        p, data = run_json("number", "--format", "json", "12.6万件", "百分之九十八点五",
                           "1110余人次", "4.52万", "约300", "不是数字")
        self.assertEqual(p.returncode, 1)
        nums = data["numbers"]
        self.assertEqual(nums[0], {"input": "12.6万件", "value": 126000, "kind": "integer",
                                   "qualifier": "exact"})
        self.assertEqual(nums[1]["value"], 98.5)
        self.assertEqual(nums[1]["kind"], "percent")
        self.assertEqual(nums[2]["qualifier"], "more_than")
        self.assertEqual(nums[3]["value"], 45200)
        self.assertEqual(nums[4]["qualifier"], "about")
        self.assertIn("error", nums[5])

    def test_number_stdin(self):
        p = run("number", "-", stdin="两千零五\n九成\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2005", p.stdout)
        self.assertIn("90", p.stdout)


class PluginsTest(KaoheTest):
    def test_plugins_list_covers_the_catalogue(self):
        from test_gold import CATALOGUE
        p, data = run_json("plugins", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        provided = {k for pl in data["plugins"] for k in pl["provides"]}
        for key in CATALOGUE + ["report.year", "report.unit"]:
            self.assertIn(key, provided)
        self.assertGreaterEqual(len(data["plugins"]), 11)

    def test_missing_plugin_dir_is_a_config_error(self):
        p = run("extract", "--plugins", "/nonexistent/plugins", WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/plugins", p.stderr)


if __name__ == "__main__":
    unittest.main()
