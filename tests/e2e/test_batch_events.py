"""`kaohe batch --events FILE` end to end: the office's 加分/扣分 events in the
official outputs. Per report the same totals, grades, ranks and adjustments
as `kaohe score --events`; applied after the cache (a changed events file
re-scores without re-extracting); a bad file is exit 2 naming it; the run
manifest records {path, sha256}; verify re-applies the recorded events and
names a changed file; shards + merge equal a single run; any -j gives the
same bytes; overrides and events together."""
import os
import re
import shutil

from kh import REPORTS, SEEDS, run, run_json
from test_batch import BatchCase, by_path, load, results_text_without_times, sha256

SEED_FILES = [os.path.join(REPORTS, s + ".txt") for s in SEEDS]
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")
CHENGYANG = os.path.join(REPORTS, "chengyang-2024.txt")
RONGCHENG = os.path.join(REPORTS, "rongcheng-2022.txt")

# 威海市文登区 is both the report's own unit (score) and the registry's
# (batch); two +3 bonuses are capped at the default scheme's bonus_cap 3.
EVENTS = ("- {unit: 威海市文登区, event: demonstration, reason: 获评省级示范区}\n"
          "- {unit: 威海市文登区, event: demonstration, reason: again}\n"
          "- {file: chengyang-2024.txt, event: judgment_not_executed, reason: 市法院通报}\n")
OVERRIDES = ("- unit: 威海市文登区\n  key: litigation.head_appearance_rate\n"
             "  value: 50\n  reason: 核实台账\n  author: 王敏\n  date: 2025-03-04\n")
OFFICE_FILES = ("results.json", "ranking.csv", "kaohe.xlsx", "report.html")


def read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


class BatchEventsTest(BatchCase):
    def write(self, text, name="events.yaml"):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def score(self, *args):
        p, data = run_json("score", "--format", "json", *args, *SEED_FILES)
        self.assertEqual(p.returncode, 0, p.stderr)
        return {r["path"]: r for r in data["results"]}

    def assert_same_as_score(self, batch_results, score_results):
        self.assertEqual(sorted(batch_results), sorted(score_results))
        for path, s in score_results.items():
            b = batch_results[path]
            for field in ("total", "grade", "rank", "adjustments", "indicators"):
                self.assertEqual(b[field], s[field], f"{path}: {field}")

    def test_help_names_the_option(self):
        for cmd in ("batch", "merge"):
            p = run(cmd, "--help")
            self.assertEqual(p.returncode, 0)
            self.assertIn("--events FILE", p.stdout)

    def test_same_totals_and_adjustments_as_score(self):
        ev = self.write(EVENTS)
        p = self.batch(REPORTS, "-o", self.out("plain"), "-j", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        plain = by_path(load(self.out("plain")))
        p = self.batch(REPORTS, "-o", self.out(), "--events", ev, "-j", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        got = by_path(load(self.out()))
        self.assert_same_as_score(got, self.score("--events", ev))
        # and the events did something: capped +3 and -2, the others untouched
        w, c = got[WENDENG], got[CHENGYANG]
        self.assertAlmostEqual(w["total"], plain[WENDENG]["total"] + 3, places=2)
        self.assertAlmostEqual(sum(a["points"] for a in w["adjustments"]), 3, places=2)
        self.assertIn("demonstration", [a["id"] for a in w["adjustments"]])
        self.assertAlmostEqual(c["total"], plain[CHENGYANG]["total"] - 2, places=2)
        self.assertEqual([(a["id"], a["points"]) for a in c["adjustments"]],
                         [("judgment_not_executed", -2)])
        self.assertEqual(got[RONGCHENG]["adjustments"], [])
        self.assertEqual(got[RONGCHENG]["total"], plain[RONGCHENG]["total"])
        self.assertTrue(all(r["adjustments"] == [] for r in plain.values()))

    def test_office_files_show_the_adjusted_totals(self):
        ev = self.write(EVENTS)
        p = self.batch(REPORTS, "-o", self.out(), "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = by_path(load(self.out()))
        csv = read(os.path.join(self.out(), "ranking.csv"), "rb").decode("utf-8-sig")
        rows = {line.split(",")[1]: line.split(",") for line in csv.split("\r\n")[1:] if line}
        w = got[WENDENG]
        self.assertEqual(rows[w["unit"]][0], str(w["rank"]))
        self.assertEqual(float(rows[w["unit"]][4]), w["total"])
        c = got[CHENGYANG]
        self.assertEqual(float(rows[c["unit"]][4]), c["total"])
        html = read(os.path.join(self.out(), "report.html"))
        self.assertIn("加分/扣分：", html)
        self.assertIn("不执行人民法院生效裁判 -2", html)

    def test_overrides_and_events_together(self):
        ev = self.write(EVENTS)
        ov = self.write(OVERRIDES, "overrides.yaml")
        p = self.batch(REPORTS, "-o", self.out(), "--events", ev, "--overrides", ov)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = load(self.out())
        self.assertEqual(len(data["overrides"]), 1)
        got = by_path(data)
        self.assert_same_as_score(got, self.score("--events", ev, "--overrides", ov))
        only_ov = self.score("--overrides", ov)
        self.assertAlmostEqual(got[WENDENG]["total"], only_ov[WENDENG]["total"] + 3, places=2)

    def test_changed_events_rescore_without_extracting(self):
        ev = self.write(EVENTS)
        out = self.out()
        p = self.batch(REPORTS, "-o", out, "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("5 processed now", p.stderr)
        before = by_path(load(out))
        # another events file: every report comes from the cache
        ev2 = self.write("- {file: rongcheng-2022.txt, event: decision_without_review}\n",
                         "events2.yaml")
        p = self.batch(REPORTS, "-o", out, "--events", ev2)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 processed now, 5 unchanged, skipped", p.stderr)
        after = by_path(load(out))
        self.assertEqual([a["id"] for a in after[RONGCHENG]["adjustments"]],
                         ["decision_without_review"])
        self.assertAlmostEqual(after[RONGCHENG]["total"], before[RONGCHENG]["total"] - 2,
                               places=2)
        self.assertEqual(after[WENDENG]["adjustments"], [])
        self.assertAlmostEqual(after[WENDENG]["total"], before[WENDENG]["total"] - 3, places=2)
        self.assert_same_as_score(after, self.score("--events", ev2))
        # and without events again: the plain run, still from the cache
        p = self.batch(REPORTS, "-o", out)
        self.assertIn("5 unchanged, skipped", p.stderr)
        self.assertIsNone(load(out)["run"]["events"])
        self.assert_same_as_score(by_path(load(out)), self.score())

    def test_unknown_event_is_a_config_error_naming_the_file(self):
        bad = self.write("- {unit: 威海市文登区, event: demonstration}\n"
                         "- {file: wendeng-2024.txt, event: no_such_event}\n", "bad.yaml")
        for extra in ((), ("--shard", "1/2")):
            p = self.batch(REPORTS, "-o", self.out(), "--events", bad, *extra)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(bad + ":2: event 'no_such_event' is not an adjustment", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.out(), "results.json")))
            self.assertFalse(os.path.exists(os.path.join(self.out(), "shard-1-of-2.json")))
        p = self.batch(REPORTS, "-o", self.out(), "--events", self.write("- {unit: x}\n"))
        self.assertEqual(p.returncode, 2, p.stderr)
        p = self.batch(REPORTS, "-o", self.out(), "--events", os.path.join(self.tmp, "none"))
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_units_as_the_registry_names_them_and_unused_entries(self):
        # an entry's unit is identified against the registry like a report's:
        # 城阳区 is 青岛市城阳区; an entry that applies to nothing is a warning
        # naming its line
        ev = self.write("- {unit: 城阳区, event: demonstration}\n"
                        "- {unit: 不存在区, event: judgment_not_executed}\n")
        p = self.batch(REPORTS, "-o", self.out(), "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(ev + ":2: event 'judgment_not_executed' for unit 不存在区 applies to no "
                      "report", p.stderr)
        self.assertNotIn("demonstration", p.stderr)
        got = {os.path.basename(r["path"]): r for r in load(self.out())["results"]}
        self.assertEqual([a["points"] for a in got["chengyang-2024.txt"]["adjustments"]], [3])
        self.assertTrue(all(r["adjustments"] == [] for name, r in got.items()
                            if name != "chengyang-2024.txt"))

    def test_manifest_records_the_events_file(self):
        ev = self.write(EVENTS)
        p = self.batch(REPORTS, "-o", self.out(), "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(load(self.out())["run"]["events"], {"path": ev, "sha256": sha256(ev)})
        p = self.batch(REPORTS, "-o", self.out("none"))
        self.assertEqual(p.returncode, 0, p.stderr)
        run_manifest = load(self.out("none"))["run"]
        self.assertIn("events", run_manifest)
        self.assertIsNone(run_manifest["events"])

    def test_verify_reapplies_the_events_and_names_a_changed_file(self):
        ev = self.write(EVENTS)
        out = self.out()
        p = self.batch(REPORTS, "-o", out, "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("verify", out)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("identical", p.stdout)
        recorded = sha256(ev)
        with open(ev, "a", encoding="utf-8") as f:
            f.write("- {file: rongcheng-2022.txt, event: decision_without_review}\n")
        p = run("verify", out)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"events {ev}: changed: sha256 {recorded} recorded, {sha256(ev)} now",
                      p.stdout)
        self.assertRegex(p.stdout, re.escape(RONGCHENG) + r": total: [\d.]+ → [\d.]+")
        self.assertIn(f"{RONGCHENG}: adjustments:", p.stdout)
        os.unlink(ev)
        p = run("verify", out)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(f"events {ev}: missing", p.stdout)
        self.assertIn(f"{WENDENG}: total:", p.stdout)

    def test_shards_and_merge_equal_a_single_run(self):
        ev = self.write(EVENTS)
        single = self.out("single")
        p = self.batch(REPORTS, "-o", single, "--events", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        shards = self.out("shards")
        files = []
        for k in (1, 2):
            p = self.batch(REPORTS, "-o", shards, "--shard", f"{k}/2", "--events", ev, "-j", "1")
            self.assertEqual(p.returncode, 0, p.stderr)
            files.append(os.path.join(shards, f"shard-{k}-of-2.json"))
        merged = self.out("merged")
        p = run("merge", "-o", merged, *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(results_text_without_times(single), results_text_without_times(merged))
        for name in ("ranking.csv", "kaohe.xlsx", "report.html"):
            self.assertEqual(read(os.path.join(single, name), "rb"),
                             read(os.path.join(merged, name), "rb"), name)
        self.assertNotEqual(by_path(load(merged))[WENDENG]["adjustments"], [])
        # merge --events replaces the recorded file, and is recorded instead
        ev2 = self.write("- {file: rongcheng-2022.txt, event: decision_without_review}\n",
                         "events2.yaml")
        p = run("merge", "-o", self.out("merged2"), "--events", ev2, *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        m2 = load(self.out("merged2"))
        self.assertEqual(m2["run"]["events"], {"path": ev2, "sha256": sha256(ev2)})
        self.assertEqual(by_path(m2)[WENDENG]["adjustments"], [])
        self.assertEqual([a["id"] for a in by_path(m2)[RONGCHENG]["adjustments"]],
                         ["decision_without_review"])
        # shards of different events files are not one run
        other = self.out("other")
        p = self.batch(REPORTS, "-o", other, "--shard", "2/2", "--events", ev2)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("merge", "-o", self.out("mixed"), files[0],
                os.path.join(other, "shard-2-of-2.json"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("events file differs", p.stderr)

    def test_any_jobs_same_bytes(self):
        ev = self.write(EVENTS)
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        for i in range(3):
            for f in SEED_FILES:
                shutil.copy(f, os.path.join(d, f"{i:03d}-{os.path.basename(f)}"))
        outs = []
        for j in ("1", "3"):
            o = self.out("j" + j)
            p = self.batch(d, "-o", o, "-j", j, "--events", ev)
            self.assertEqual(p.returncode, 0, p.stderr)
            outs.append(o)
        self.assertEqual(results_text_without_times(outs[0]), results_text_without_times(outs[1]))
        for name in OFFICE_FILES[1:]:
            self.assertEqual(read(os.path.join(outs[0], name), "rb"),
                             read(os.path.join(outs[1], name), "rb"), name)
        # every copy of the Wendeng report got its capped bonus (matched by unit)
        adjusted = [r for r in load(outs[0])["results"] if r["path"].endswith("wendeng-2024.txt")]
        self.assertEqual(len(adjusted), 3)
        self.assertTrue(all(sum(a["points"] for a in r["adjustments"]) == 3 for r in adjusted))


if __name__ == "__main__":
    import unittest
    unittest.main()
