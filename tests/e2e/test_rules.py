"""`kaohe rules test` and `kaohe rules check` end to end: the default scheme's
own test cases (all pass, 100% line and branch coverage), failure output and
exit codes in table, TAP and JSON, malformed case files, a raising rule, a
broken scheme, and the walkthrough of docs/rules.md run step by step exactly
as written."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

from kh import BIN, SRC, KaoheTest, run, run_json

RULES = os.path.join(SRC, "scoring-rules", "default")
DOC = os.path.join(SRC, "docs", "rules.md")


def make_root():
    """A scratch tree shaped like the repository: scoring-rules/default (a
    copy), scoring-rules/kaohe-api.d.lua, fixtures -> the real fixtures, so the
    default tests' report cases (../../../fixtures/reports/…) resolve."""
    root = tempfile.mkdtemp(prefix="kaohe-rules-")
    os.mkdir(os.path.join(root, "scoring-rules"))
    shutil.copytree(RULES, os.path.join(root, "scoring-rules", "default"))
    shutil.copy(os.path.join(SRC, "scoring-rules", "kaohe-api.d.lua"),
                os.path.join(root, "scoring-rules"))
    os.symlink(os.path.join(SRC, "fixtures"), os.path.join(root, "fixtures"))
    return root


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def case_lines(stdout):
    return [l for l in stdout.splitlines() if l.startswith(("ok   ", "FAIL "))]


class DefaultSchemeTest(KaoheTest):
    """The bundled scheme's tests: every case passes, every indicator and
    branch is covered, and `rules check` finds nothing."""

    def test_all_cases_pass(self):
        p = run("rules", "test", RULES)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = case_lines(p.stdout)
        self.assertGreaterEqual(len(lines), 90)
        self.assertTrue(all(l.startswith("ok   ") for l in lines))
        self.assertRegex(p.stdout, r"\n(\d+) cases: \1 passed, 0 failed\n$")
        self.assertEqual(p.stderr, "")

    def test_default_dir_is_the_scheme_score_uses(self):
        explicit = run("rules", "test", RULES)
        implicit = run("rules", "test", env={"KAOHE_RULES": ""})
        self.assertEqual(implicit.returncode, 0, implicit.stderr)
        self.assertEqual(case_lines(implicit.stdout), case_lines(explicit.stdout))

    def test_coverage_is_complete(self):
        p, data = run_json("rules", "test", "--coverage", "--format", "json", RULES)
        self.assertEqual(p.returncode, 0, p.stderr)
        cov = data["coverage"]
        with open(os.path.join(RULES, "scheme.yaml"), encoding="utf-8") as f:
            scheme = yaml.safe_load(f)
        ids = [i["id"] for i in scheme["indicators"]]
        self.assertEqual([i["id"] for i in cov["indicators"]], ids)
        for ind in cov["indicators"]:
            with self.subTest(ind["id"]):
                self.assertGreater(ind["lines"]["total"], 0)
                self.assertEqual(ind["lines"]["covered"], ind["lines"]["total"])
                self.assertEqual(ind["lines"]["missed"], [])
                self.assertGreater(ind["branches"]["total"], 0)
                self.assertEqual(ind["branches"]["covered"], ind["branches"]["total"])
                kinds = {b["kind"] for b in ind["branches"]["list"]}
                self.assertTrue(kinds & {"score", "monitor"}, kinds)
                self.assertIn("if", kinds)
        self.assertEqual(cov["lines"]["covered"], cov["lines"]["total"])
        self.assertEqual(cov["branches"]["covered"], cov["branches"]["total"])
        # and the table says so
        t = run("rules", "test", "--coverage", RULES)
        total = [l for l in t.stdout.splitlines() if l.startswith("total ")]
        self.assertEqual(len(total), 1)
        self.assertEqual(total[0].count("100.0%"), 2, total[0])
        self.assertNotIn("no case reaches", t.stdout)
        self.assertNotIn("no case runs", t.stdout)

    def test_every_indicator_and_seed_reports_are_tested(self):
        with open(os.path.join(RULES, "scheme.yaml"), encoding="utf-8") as f:
            ids = {i["id"] for i in yaml.safe_load(f)["indicators"]}
        checked, report_cases = set(), []
        tests = os.path.join(RULES, "tests")
        for name in sorted(os.listdir(tests)):
            if name.endswith(".yaml"):
                with open(os.path.join(tests, name), encoding="utf-8") as f:
                    for case in yaml.safe_load(f):
                        checked |= set(case["expect"]) - {"total", "grade"}
                        if "report" in case:
                            report_cases.append(case)
        self.assertEqual(checked, ids)
        self.assertGreaterEqual(len(report_cases), 2)
        for case in report_cases:
            self.assertIn("total", case["expect"])
            self.assertIn("grade", case["expect"])
        self.assertTrue(os.path.exists(os.path.join(tests, "README.md")))

    def test_check_is_clean(self):
        p = run("rules", "check", RULES)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ok: 0 errors, 0 warnings", p.stdout)
        p, data = run_json("rules", "check", "--format", "json", RULES)
        self.assertEqual(p.returncode, 0)
        self.assertTrue(data["ok"])
        self.assertEqual(data["errors"], [])
        self.assertEqual(data["warnings"], [])

    def test_editor_annotations_cover_the_api(self):
        with open(os.path.join(SRC, "scoring-rules", "kaohe-api.d.lua"), encoding="utf-8") as f:
            meta = f.read()
        self.assertTrue(meta.startswith("---@meta"))
        for fn in ("score", "missing", "monitor", "fact", "has", "fact_info", "param",
                   "clamp", "linear", "per_point_below", "per_started_below", "bands",
                   "capped", "percent", "round2", "fmt", "days_between", "date_parts"):
            self.assertRegex(meta, r"---@return[^\n]*\nfunction %s\(" % fn, fn)
        for const in ("MAX", "ID", "YEAR", "TOTAL"):
            self.assertRegex(meta, r"---@type [^\n]+\n%s = " % const, const)
        with open(os.path.join(RULES, ".luarc.json"), encoding="utf-8") as f:
            luarc = json.load(f)
        lib = luarc["workspace.library"]
        self.assertEqual(os.path.normpath(os.path.join(RULES, lib[0])),
                         os.path.join(SRC, "scoring-rules", "kaohe-api.d.lua"))


class RulesTestOutputTest(KaoheTest):
    """Pass/fail lines, diffs naming the rule line, exit codes, formats."""

    FAILING = """\
- name: fz01-good
  facts:
    litigation.head_appearance_rate: 98.5
  expect:
    FZ-01: {points: 13.48, status: scored, branch: rate}
- name: fz01-wrong-points
  facts:
    litigation.head_appearance_rate: 98.5
  expect:
    FZ-01: {points: 14, status: scored}
- name: fz01-wrong-branch-and-total
  facts:
    litigation.cases: 0
  expect:
    FZ-01: {points: 14, branch: rate}
    total: 20
    grade: 合格
"""

    def setUp(self):
        self.root = make_root()
        self.scheme = os.path.join(self.root, "scoring-rules", "default")
        tests = os.path.join(self.scheme, "tests")
        for name in os.listdir(tests):
            if name.endswith(".yaml"):
                os.remove(os.path.join(tests, name))
        write(os.path.join(tests, "fz01.yaml"), self.FAILING)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_table(self):
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 1, p.stderr)
        out = p.stdout.splitlines()
        self.assertEqual(case_lines(p.stdout), ["ok   fz01-good", "FAIL fz01-wrong-points",
                                                "FAIL fz01-wrong-branch-and-total"])
        self.assertIn("     FZ-01 expected 14.00 (scored), got 13.48 (scored) — branch 'rate' "
                      "at fz01.lua:17", out)
        self.assertIn("     FZ-01 expected 14.00 branch 'rate', got 14.00 (scored) — branch "
                      "'no_cases' at fz01.lua:8", out)
        self.assertIn("     total expected 20.00, got 22.00 (grade 不合格)", out)
        self.assertIn("     grade expected 合格, got 不合格 (total 22.00)", out)
        self.assertIn("     case at %s/tests/fz01.yaml:6" % self.scheme, out)
        self.assertEqual(out[-1], "3 cases: 1 passed, 2 failed")

    def test_all_pass_exit_0(self):
        write(os.path.join(self.scheme, "tests", "fz01.yaml"), self.FAILING.split("- name: fz01-wrong")[0])
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "ok   fz01-good\n1 case: 1 passed, 0 failed\n")

    def test_tolerance(self):
        write(os.path.join(self.scheme, "tests", "fz01.yaml"), """\
- name: close-enough
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.484}
- name: too-far
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.49}
- name: wide-tolerance
  tolerance: 0.5
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.9}
""")
        p = run("rules", "test", self.scheme)
        self.assertEqual(case_lines(p.stdout), ["ok   close-enough", "FAIL too-far",
                                                "ok   wide-tolerance"])

    def test_tap(self):
        p = run("rules", "test", "--format", "tap", self.scheme)
        self.assertEqual(p.returncode, 1)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[:3], ["TAP version 13", "1..3", "ok 1 - fz01-good"])
        self.assertIn("not ok 2 - fz01-wrong-points", lines)
        self.assertIn("not ok 3 - fz01-wrong-branch-and-total", lines)
        self.assertIn("# FZ-01 expected 14.00 (scored), got 13.48 (scored) — branch 'rate' "
                      "at fz01.lua:17", lines)
        for l in lines[2:]:
            self.assertRegex(l, r"^(ok \d+ - |not ok \d+ - |# )")

    def test_json(self):
        p, data = run_json("rules", "test", "--format", "json", self.scheme)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(data["summary"], {"cases": 3, "passed": 1, "failed": 2, "malformed": 0})
        self.assertEqual(data["scheme"]["id"], "fazhi-default")
        cases = {c["name"]: c for c in data["cases"]}
        self.assertTrue(cases["fz01-good"]["ok"])
        self.assertEqual(cases["fz01-good"]["failures"], [])
        bad = cases["fz01-wrong-points"]
        self.assertFalse(bad["ok"])
        self.assertEqual(bad["line"], 6)
        f = bad["failures"][0]
        self.assertEqual(f["indicator"], "FZ-01")
        self.assertEqual(f["expected"], {"points": 14, "status": "scored"})
        self.assertEqual(f["actual"]["points"], 13.48)
        self.assertEqual(f["actual"]["branch"], "rate")
        self.assertEqual(f["actual"]["script"], "fz01.lua")
        self.assertEqual(f["actual"]["line"], 17)
        msgs = [f["message"] for f in cases["fz01-wrong-branch-and-total"]["failures"]]
        self.assertEqual(len(msgs), 3)
        self.assertNotIn("coverage", data)

    def test_params_year_overrides_and_adjustments(self):
        write(os.path.join(self.scheme, "tests", "fz01.yaml"), """\
- name: param-override
  params: {fz01_floor: 50}
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.58}
- name: param-restored-after-the-case
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.48}
- name: year-unknown
  year: null
  facts: {report.sections: 3, report.published_date: 2025-01-08}
  expect:
    FZ-11: {points: 3, missing: [report.year]}
- name: report-with-overrides
  report: ../../../fixtures/reports/wendeng-2024.txt
  overrides:
    litigation.head_appearance_rate: 80
    report.published_date: null
  adjustments: [demonstration]
  expect:
    FZ-01: 7
    FZ-11: {points: 4, missing: [report.published_date]}
    total: 39.5        # 47.5 − 7 (FZ-01) − 4 (FZ-11) + 3
""")
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_usage_errors(self):
        self.assertEqual(run("rules").returncode, 2)
        self.assertEqual(run("rules", "frobnicate").returncode, 2)
        self.assertEqual(run("rules", "test", "--format", "csv", self.scheme).returncode, 2)
        self.assertEqual(run("rules", "check", "--format", "tap", self.scheme).returncode, 2)
        self.assertEqual(run("rules", "check", "--coverage", self.scheme).returncode, 2)
        self.assertEqual(run("rules", "test", self.scheme, self.scheme).returncode, 2)
        p = run("rules", "test", "/nonexistent/scheme")
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/scheme", p.stderr)
        for action in ("test", "check"):
            h = run("rules", action, "--help")
            self.assertEqual(h.returncode, 0)
            self.assertIn("usage: kaohe rules test", h.stdout)
            self.assertIn("Exit", h.stdout)
        self.assertIn("rules test", run("--help").stdout)

    def test_no_tests_is_a_config_error(self):
        shutil.rmtree(os.path.join(self.scheme, "tests"))
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no tests directory", p.stderr)
        os.mkdir(os.path.join(self.scheme, "tests"))
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no test cases", p.stderr)


class MalformedCaseTest(KaoheTest):
    """A malformed case names its file and line; the good cases still run;
    exit 2."""

    def setUp(self):
        self.root = make_root()
        self.scheme = os.path.join(self.root, "scoring-rules", "default")
        self.tests = os.path.join(self.scheme, "tests")
        for name in os.listdir(self.tests):
            if name.endswith(".yaml"):
                os.remove(os.path.join(self.tests, name))
        write(os.path.join(self.tests, "a_good.yaml"), """\
- name: good
  facts: {proposals.reply_rate: 98.5}
  expect: {FZ-04: 8.5}
""")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def check(self, text, line, fragment):
        path = os.path.join(self.tests, "b_bad.yaml")
        write(path, text)
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("%s:%d:" % (path, line), p.stderr)
        self.assertIn(fragment, p.stderr)
        self.assertIn("ok   good", p.stdout)
        self.assertIn("malformed (not run)", p.stdout)
        c = run("rules", "check", self.scheme)
        self.assertEqual(c.returncode, 1)
        self.assertIn("%s:%d:" % (path, line), c.stdout)

    def test_unknown_indicator(self):
        self.check("- name: x\n  facts: {proposals.reply_rate: 1}\n  expect:\n    FZ-99: 3\n",
                   4, "no indicator FZ-99")

    def test_fact_key_typo(self):
        self.check("- name: x\n  facts:\n    proposals.reply_rat: 98\n  expect: {FZ-04: 8}\n",
                   3, "proposals.reply_rat")

    def test_yaml_syntax(self):
        self.check("- name: x\n  facts: {a: [1, 2}\n  expect: {FZ-04: 8}\n", 2, "")

    def test_wrong_types_and_unknown_keys(self):
        self.check("- name: x\n  facts: {proposals.reply_rate: 98}\n  expect:\n"
                   "    FZ-04: {points: lots}\n", 4, "expected a number")
        self.check("- name: x\n  facts: {proposals.reply_rate: 98}\n  expects: {FZ-04: 8}\n",
                   3, "unknown key 'expects'")
        self.check("- name: x\n  facts: {proposals.reply_rate: 98}\n  expect:\n"
                   "    FZ-04: {status: great}\n", 4, "not scored, missing or error")
        self.check("- name: x\n  params: {fz01_flor: 3}\n  expect: {FZ-04: 8}\n", 2,
                   "fz01_flor")
        self.check("- name: x\n  expect: {grade: 卓越}\n", 2, "not a grade")
        self.check("- name: x\n  report: nowhere.txt\n  expect: {total: 1}\n", 2,
                   "nowhere.txt")
        self.check("- facts: {}\n  expect: {total: 1}\n", 1, "no name")
        self.check("- name: good\n  expect: {total: 1}\n", 1, "name given twice")
        self.check("- name: x\n  facts: {proposals.reply_rate: 98}\n", 1, "no expect")


class RaisingRuleTest(KaoheTest):
    """A rule that raises fails the cases that check it, not the run."""

    def setUp(self):
        self.root = make_root()
        self.scheme = os.path.join(self.root, "scoring-rules", "default")
        write(os.path.join(self.scheme, "fz02.lua"),
              '-- FZ-02, broken\nlocal x = fact("litigation.cases")\n'
              'error("boom: cannot score FZ-02")\n')

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_only_its_cases_fail(self):
        p, data = run_json("rules", "test", "--format", "json", self.scheme)
        self.assertEqual(p.returncode, 1, p.stderr)
        failed = [c for c in data["cases"] if not c["ok"]]
        self.assertTrue(failed)
        with open(os.path.join(self.scheme, "tests", "fz02.yaml"), encoding="utf-8") as f:
            fz02 = {c["name"] for c in yaml.safe_load(f)}
        for c in failed:
            checks_fz02 = any(f["indicator"] == "FZ-02" for f in c["failures"])
            checks_total = any(f["indicator"] is None for f in c["failures"])
            self.assertTrue(checks_fz02 or checks_total, c)
        self.assertTrue(fz02 <= {c["name"] for c in failed})
        passed = [c for c in data["cases"] if c["ok"]]
        self.assertGreater(len(passed), 60)
        # the others carry a note naming the error
        notes = [n for c in passed for n in c["notes"]]
        self.assertTrue(any("fz02.lua:3: boom" in n for n in notes), notes[:3])
        f = next(f for c in failed for f in c["failures"] if f["indicator"] == "FZ-02")
        self.assertEqual(f["actual"]["status"], "error")
        self.assertIn("fz02.lua:3: boom: cannot score FZ-02", f["message"])

    def test_table_names_the_error(self):
        p = run("rules", "test", self.scheme)
        self.assertEqual(p.returncode, 1)
        self.assertIn("     FZ-02 expected 8.00 (scored), got 0.00 (error) — fz02.lua:3: "
                      "boom: cannot score FZ-02", p.stdout.splitlines())


class CoverageTest(KaoheTest):
    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_unreached_branches_and_lines_are_listed(self):
        self.root = make_root()
        scheme = os.path.join(self.root, "scoring-rules", "default")
        # only one case, with a rate: FZ-01's no_cases and missing unreached
        # (any case that runs a line covers it, whatever the case checks)
        for name in os.listdir(os.path.join(scheme, "tests")):
            if name.endswith(".yaml"):
                os.remove(os.path.join(scheme, "tests", name))
        write(os.path.join(scheme, "tests", "fz01.yaml"), """\
- name: only-rate
  facts: {litigation.head_appearance_rate: 98.5}
  expect: {FZ-01: 13.48}
""")
        p, data = run_json("rules", "test", "--coverage", "--format", "json", scheme)
        self.assertEqual(p.returncode, 0, p.stderr)
        fz01 = next(i for i in data["coverage"]["indicators"] if i["id"] == "FZ-01")
        self.assertEqual(fz01["lines"]["missed"], [8, 9, 14])
        missed = [(b["kind"], b["line"]) for b in fz01["branches"]["list"] if not b["reached"]]
        self.assertEqual(missed, [("if", 7), ("score", 8), ("if", 13), ("missing", 14)])
        t = run("rules", "test", "--coverage", scheme)
        self.assertIn("  fz01.lua:8  score() call (FZ-01)", t.stdout.splitlines())
        self.assertIn("  fz01.lua:7  if arm, lines 8-9 (FZ-01)", t.stdout.splitlines())
        self.assertIn("  fz01.lua: 8 9 14", t.stdout.splitlines())
        tap = run("rules", "test", "--coverage", "--format", "tap", scheme)
        self.assertIn("#   fz01.lua:8  score() call (FZ-01)", tap.stdout.splitlines())

    def test_library_lines_are_not_the_indicators(self):
        self.root = tempfile.mkdtemp(prefix="kaohe-rules-")
        scheme = os.path.join(self.root, "mini")
        write(os.path.join(scheme, "scheme.yaml"), """\
id: mini
name: mini
version: "1"
total: 10
grades:
  - {name: good, min: 5}
  - {name: bad, min: 0}
params:
  full: 100
indicators:
  - id: M-1
    name: one
    max: 10
    facts: [proposals.reply_rate]
    script: m1.lua
""")
        lib = "\n".join("local x%d = %d" % (i, i) for i in range(40))
        write(os.path.join(scheme, "lib", "big.lua"),
              lib + "\nfunction helper(r)\n  if r > 50 then\n    return MAX\n  end\n"
              "  return 0\nend\n")
        write(os.path.join(scheme, "m1.lua"),
              'local r = fact("proposals.reply_rate")\n'
              'if r == nil then return missing() end\n'
              'return score(helper(r) * r / param("full"), "rate")\n')
        write(os.path.join(scheme, "tests", "m.yaml"), """\
- name: high
  facts: {proposals.reply_rate: 90}
  expect: {M-1: 9, total: 9, grade: good}
- name: none
  expect: {M-1: {status: missing}}
""")
        p, data = run_json("rules", "test", "--coverage", "--format", "json", scheme)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        m1 = data["coverage"]["indicators"][0]
        self.assertEqual(m1["lines"], {"total": 3, "covered": 3, "missed": []})
        self.assertEqual(m1["branches"]["total"], m1["branches"]["covered"])
        c = run("rules", "check", scheme)
        self.assertEqual(c.returncode, 0, c.stdout)


class RulesCheckTest(KaoheTest):
    """A broken scheme: every problem listed, errors and warnings apart."""

    def setUp(self):
        self.root = make_root()
        self.scheme = os.path.join(self.root, "scoring-rules", "default")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def edit(self, name, old, new):
        path = os.path.join(self.scheme, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        write(path, text.replace(old, new, 1))

    def test_lists_every_problem(self):
        self.edit("scheme.yaml", "    max: 14\n", "    max: 15\n")
        self.edit("scheme.yaml", "  - name: 良好\n    min: 80\n", "  - name: 良好\n    min: 95\n")
        self.edit("scheme.yaml", "facts: [proposals.reply_rate]",
                  "facts: [proposals.reply_rate, proposals.invented]")
        self.edit("fz01.lua", 'param("fz01_floor")', 'param("fz01_flor")')
        self.edit("fz04.lua", 'fact("proposals.reply_rate")', 'fact("proposals.reply_rat")')
        self.edit("fz07.lua", 'param("fz07_count_only")', 'param("fz07_" .. "count_only")')
        write(os.path.join(self.scheme, "fz10.lua"), "return score(1, 'x'\n")
        write(os.path.join(self.scheme, "tests", "zz.yaml"), "- name: zz\n  expect: {FZ-77: 1}\n")
        p = run("rules", "check", self.scheme)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = p.stdout
        errors = out[out.index("errors ("):out.index("warnings (")]
        warnings = out[out.index("warnings ("):]
        yml = os.path.join(self.scheme, "scheme.yaml")
        for fragment in ("%s:9: total: points add up to 101, total is 100" % yml,
                         "grades[1].min",
                         "fact key 'proposals.invented' is provided by no loaded plugin",
                         "fz01.lua:5: param 'fz01_flor' is not declared",
                         "fz04.lua:3: FZ-04 reads fact 'proposals.reply_rat'",
                         "fz10.lua:",
                         "tests/zz.yaml:2: case 'zz': expect.FZ-77"):
            self.assertIn(fragment, errors)
        for fragment in ("fz07.lua:14: param(…) with a name that is not a literal string",
                         "FZ-04 declares fact 'proposals.reply_rate' but fz04.lua never reads it"):
            self.assertIn(fragment, warnings)
        self.assertRegex(out, r"FAILED: 7 errors, \d+ warnings\n$")
        p, data = run_json("rules", "check", "--format", "json", self.scheme)
        self.assertEqual(p.returncode, 1)
        self.assertFalse(data["ok"])
        self.assertEqual(len(data["errors"]), 7)
        self.assertTrue(all(e["file"] and e["message"] for e in data["errors"]))

    def test_yaml_error_names_file_line_key(self):
        self.edit("scheme.yaml", "total: 100", "total: lots")
        p = run("rules", "check", self.scheme)
        self.assertEqual(p.returncode, 1)
        self.assertIn("scheme.yaml:9: total", p.stdout)


class WalkthroughTest(KaoheTest):
    """docs/rules.md "Walkthrough: add a new indicator", run exactly as
    written: its file blocks are written, its shell blocks run from a tree
    shaped like the repository (build/kaohe is this build's binary), their
    exit codes and the output lines the document shows are checked."""

    BLOCK = re.compile(r"<!-- walkthrough:(\w+)([^>]*)-->\s*\n```[a-z]*\n(.*?)```", re.S)

    def test_walkthrough(self):
        with open(DOC, encoding="utf-8") as f:
            doc = f.read()
        start = doc.index("## Walkthrough: add a new indicator")
        blocks = self.BLOCK.findall(doc[start:])
        kinds = [b[0] for b in blocks]
        self.assertGreaterEqual(kinds.count("run"), 5)
        self.assertGreaterEqual(kinds.count("file"), 3)
        self.assertGreaterEqual(kinds.count("output"), 3)
        root = make_root()
        try:
            os.symlink(os.path.dirname(os.path.abspath(BIN)), os.path.join(root, "build"))
            last = None
            for kind, arg, body in blocks:
                arg = arg.strip()
                if kind == "file":
                    write(os.path.join(root, arg), body)
                elif kind == "run":
                    want = int(arg.split("=", 1)[1]) if arg.startswith("exit=") else 0
                    last = subprocess.run(["bash", "-e", "-c", body], cwd=root,
                                          capture_output=True, text=True, timeout=300)
                    self.assertEqual(last.returncode, want,
                                     "%s\n--- stdout\n%s--- stderr\n%s" %
                                     (body, last.stdout, last.stderr))
                elif kind == "output":
                    got = last.stdout.splitlines()
                    for line in body.splitlines():
                        if line.strip():
                            self.assertIn(line, got, "output of the previous step")
                else:
                    self.fail("unknown walkthrough block " + kind)
            self.assertTrue(os.path.exists(os.path.join(root, "scoring-rules", "review",
                                                        "fz13.lua")))
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
