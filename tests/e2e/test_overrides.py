"""`kaohe score --overrides FILE` end to end: hand-entered facts replace the
extracted ones in scoring, both values are kept, every output lists them,
bad files are configuration errors naming file:line, unmatched and ambiguous
units are warnings."""
import os
import shutil
import tempfile

from kh import FIXTURES, REPORTS, KaoheTest, run, run_json

EXAMPLE = os.path.join(FIXTURES, "overrides", "example.yaml")
ALL = sorted(os.path.join(REPORTS, f) for f in os.listdir(REPORTS) if f.endswith(".txt"))
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")


def entry(unit="威海市文登区", key="litigation.cases", value="26", reason="核实",
          author="王敏", date="2025-03-04", extra=""):
    return (f"- unit: {unit}\n  key: {key}\n  value: {value}\n  reason: {reason}\n"
            f"  author: {author}\n  date: {date}\n{extra}")


class OverridesTest(KaoheTest):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, text, name="overrides.yaml"):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    @staticmethod
    def by_unit(data):
        return {r["path"]: r for r in data["results"]}

    @staticmethod
    def indicator(result, ind_id):
        return next(i for i in result["indicators"] if i["id"] == ind_id)

    def test_help_mentions_overrides(self):
        p = run("score", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--overrides FILE", p.stdout)

    def test_json_has_overrides_and_scores_with_them(self):
        p0, before = run_json("score", "--format", "json", *ALL)
        p, data = run_json("score", "--format", "json", "--overrides", EXAMPLE, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("warning", p.stderr)
        self.assertEqual(list(data)[:2], ["scheme", "results"])
        ov = data["overrides"]
        self.assertEqual(len(ov), 5)
        for o in ov:
            for k in ("unit", "path", "key", "value", "qualifier", "replaced",
                      "replaced_evidence", "reason", "author", "date"):
                self.assertIn(k, o)
        cases = next(o for o in ov if o["key"] == "litigation.cases")
        self.assertEqual(cases["unit"], "文登区")  # matched by containment
        self.assertEqual(cases["path"], WENDENG)
        self.assertEqual((cases["replaced"], cases["value"]), (24, 26))
        self.assertIsInstance(cases["replaced_evidence"]["line"], int)
        self.assertIn("24", cases["replaced_evidence"]["text"])
        reply = next(o for o in ov if o["key"] == "proposals.reply_rate")
        self.assertIsNone(reply["replaced"])
        self.assertIsNone(reply["replaced_evidence"])
        date = next(o for o in ov if o["key"] == "report.published_date")
        self.assertEqual((date["replaced"], date["value"]), ("2023-01-10", "2023-01-18"))
        # the override is what the rules read, marked as such
        old, new = self.by_unit(before)[WENDENG], self.by_unit(data)[WENDENG]
        fz04 = self.indicator(new, "FZ-04")
        self.assertEqual(fz04["status"], "scored")
        self.assertEqual(fz04["points"], fz04["max"])
        fact = next(f for f in fz04["facts"] if f["key"] == "proposals.reply_rate")
        self.assertEqual(fact["origin"], "override")
        self.assertIsNone(fact["evidence"])
        self.assertIn("王敏", fact["note"])
        self.assertIn("2025-03-04", fact["note"])
        self.assertIn("办复", fact["note"])
        self.assertEqual(self.indicator(old, "FZ-04")["status"], "missing")
        self.assertGreater(new["total"], old["total"])
        fz01 = self.indicator(new, "FZ-01")
        cases_fact = next(f for f in fz01["facts"] if f["key"] == "litigation.cases")
        self.assertEqual((cases_fact["value"], cases_fact["origin"]), (26, "override"))
        self.assertIn("replaces 24", cases_fact["note"])
        # an override of report.unit renames the report
        yic = self.by_unit(data)[os.path.join(REPORTS, "yicheng-2021.txt")]
        self.assertEqual(yic["unit"], "枣庄市峄城区")

    def test_json_overridden_fact_carries_its_record(self):
        p0, before = run_json("score", "--format", "json", *ALL)
        p, data = run_json("score", "--format", "json", "--overrides", EXAMPLE, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        records = {(o["path"], o["key"]): o for o in data["overrides"]}
        seen = set()
        for r in data["results"]:
            for ind in r["indicators"]:
                for f in ind["facts"]:
                    if f["origin"] != "override":
                        self.assertNotIn("override", f)
                        continue
                    o = records[(r["path"], f["key"])]
                    self.assertEqual(list(f["override"]),
                                     ["reason", "author", "date", "replaced"])
                    for k in ("reason", "author", "date", "replaced"):
                        self.assertEqual(f["override"][k], o[k], (r["path"], f["key"], k))
                    seen.add((r["path"], f["key"]))
        # every override a rule read is marked in the fact, with the old value
        self.assertIn((WENDENG, "litigation.cases"), seen)
        self.assertIn((WENDENG, "proposals.reply_rate"), seen)
        fz01 = self.indicator(self.by_unit(data)[WENDENG], "FZ-01")
        cases = next(f for f in fz01["facts"] if f["key"] == "litigation.cases")
        self.assertEqual(cases["override"], {"reason": "法院统计口径为26件（含2件跨年结案），报告写24件",
                                             "author": "王敏", "date": "2025-03-04",
                                             "replaced": 24})
        fz04 = self.indicator(self.by_unit(data)[WENDENG], "FZ-04")
        reply = next(f for f in fz04["facts"] if f["key"] == "proposals.reply_rate")
        self.assertIsNone(reply["override"]["replaced"])
        # without --overrides no fact has the object and there is no top-level array
        self.assertNotIn("overrides", before)
        for r in before["results"]:
            for ind in r["indicators"]:
                for f in ind["facts"]:
                    self.assertNotIn("override", f)

    def test_empty_file_changes_nothing(self):
        p1, a = run_json("score", "--format", "json", WENDENG)
        p2, b = run_json("score", "--format", "json", "--overrides", self.write("[]\n"),
                         WENDENG)
        self.assertEqual(p2.returncode, 0, p2.stderr)
        self.assertEqual(a["results"], b["results"])
        self.assertEqual(b["overrides"], [])

    def test_table_lists_every_override(self):
        p = run("score", "--overrides", EXAMPLE, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("修改记录", p.stdout)
        section = p.stdout[p.stdout.index("修改记录"):]
        for key in ("proposals.reply_rate", "litigation.cases", "report.unit",
                    "survey.public_satisfaction", "report.published_date"):
            self.assertIn(key, section)
        self.assertIn("王敏", section)
        self.assertIn("2025-03-06", section)
        row = next(l for l in section.splitlines() if "litigation.cases" in l)
        self.assertRegex(row, r"\b24\s+26\b")
        # without any applied override the section says so
        p = run("score", "--overrides", self.write("[]\n"), WENDENG)
        self.assertIn("修改记录：没有应用任何修改", p.stdout)

    def test_csv_is_unchanged_in_shape(self):
        p = run("score", "--format", "csv", "--overrides", EXAMPLE, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("rank,unit,year,total"))
        self.assertEqual(len([l for l in lines if l]), len(ALL) + 1)

    def test_unmatched_unit_is_a_warning(self):
        path = self.write(entry() + entry(unit="不存在县", key="review.closed"))
        p, data = run_json("score", "--format", "json", "--overrides", path, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"{path}:7:", p.stderr)
        self.assertIn("matches no input", p.stderr)
        self.assertEqual(len(data["overrides"]), 1)
        q = run("score", "-q", "--overrides", path, WENDENG)
        self.assertNotIn("matches no input", q.stderr)

    def test_ambiguous_unit_is_a_warning_and_not_applied(self):
        path = self.write(entry(unit="威海", key="review.closed", value="1"))
        p, data = run_json("score", "--format", "json", "--overrides", path, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"{path}:1:", p.stderr)
        self.assertIn("ambiguous", p.stderr)
        self.assertEqual(data["overrides"], [])

    def test_type_mismatch_is_refused(self):
        path = self.write(entry(value="二十六件"))
        p, data = run_json("score", "--format", "json", "--overrides", path, WENDENG)
        self.assertEqual(p.returncode, 0)
        self.assertIn("not applied", p.stderr)
        self.assertEqual(data["overrides"], [])

    def test_bad_files_are_configuration_errors(self):
        cases = [
            (entry(date="2025-02-30"), 6, "not an ISO date"),
            (entry(key="Litigation Cases"), 2, "not a fact key"),
            (entry(reason='""'), 4, "reason is empty"),
            (entry() + entry(unit="荣成市", extra="  note: x\n"), 13, "unknown field 'note'"),
            (entry(key="litigation.nonsense"), 1, "provided by no loaded plugin"),
            (entry(extra="  qualifier: roughly\n"), 7, "qualifier"),
            (entry() + entry(), 7, "overridden twice"),
            ("- unit: 荣成市\n  key: review.closed\n  value: 1\n", 1, "missing field 'reason'"),
            (entry(key="report.published_date", value="2023年1月"), 3, "not an ISO date"),
        ]
        for text, line, fragment in cases:
            path = self.write(text)
            p = run("score", "--overrides", path, WENDENG)
            self.assertEqual(p.returncode, 2, (text, p.stderr))
            self.assertIn(f"{path}:{line}:", p.stderr, text)
            self.assertIn(fragment, p.stderr, text)
            self.assertEqual(p.stdout, "", text)

    def test_missing_file_is_a_configuration_error(self):
        p = run("score", "--overrides", os.path.join(self.tmp, "nope.yaml"), WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn("nope.yaml", p.stderr)

    def test_failed_input_does_not_stop_overrides(self):
        bad = os.path.join(FIXTURES, "bad", "binary.bin")
        p, data = run_json("score", "--format", "json", "--overrides", EXAMPLE, bad, WENDENG)
        self.assertEqual(p.returncode, 1)
        self.assertEqual({o["path"] for o in data["overrides"]}, {WENDENG})
        self.assertIn("matches no input", p.stderr)  # the other reports are not here
