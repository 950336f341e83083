"""`kaohe explain`, `kaohe diff` and `kaohe score --facts` end to end: the
explanation of each indicator (facts with evidence and candidates, branch,
arithmetic, points, the missing policy's treatment) in table and JSON and
consistent with `score`; scores of two schemes compared per district and
indicator with grade and rank changes; facts files in YAML and JSON scored
without extraction, and their errors named by file:line."""
import json
import os
import re
import shutil
import tempfile
import unicodedata
import unittest

from kh import REPORTS, SEEDS, SRC, KaoheTest, run, run_json

RULES = os.path.join(SRC, "scoring-rules", "default")
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")
RONGCHENG = os.path.join(REPORTS, "rongcheng-2022.txt")
ALL = [os.path.join(REPORTS, s + ".txt") for s in SEEDS]
LABELS = ("指标", "事实", "公式分支", "计算", "得分", "缺失处理")


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


class TempDir:
    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="kh_explain_")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def scheme_copy(self, edit=None):
        """A copy of the default scheme with scheme.yaml edited by edit(text)."""
        d = os.path.join(self.tmpdir(), "scheme")
        shutil.copytree(RULES, d)
        if edit:
            path = os.path.join(d, "scheme.yaml")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            new = edit(text)
            self.assertNotEqual(new, text, "the edit changed nothing")
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
        return d

    def write(self, name, text):
        path = os.path.join(self.tmpdir(), name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


def indicator(result, ind_id):
    return [i for i in result["indicators"] if i["id"] == ind_id][0]


class ExplainTest(KaoheTest, TempDir):
    def test_table_shows_facts_branch_arithmetic_points(self):
        p = run("explain", WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        for label in LABELS:
            self.assertRegex(out, r"(?m)^" + label + r" +\S", label)
        self.assertIn("FZ-01 行政机关负责人出庭应诉率", out)
        # evidence line:column and the original text
        self.assertIn("佐证 32:575「承办区政府为 被告的行政诉讼案件共24件」", out)
        self.assertIn("litigation.head_appearance_rate = 100", out)
        self.assertIn("依据 implied", out)
        self.assertIn("公式分支  rate（fz01.lua:", out)
        self.assertIn("计算      出庭应诉率 100% ≥ 100% → 满分 14", out)
        self.assertIn("得分      14.00 / 14", out)
        # the arithmetic of a formula in the middle of its range
        self.assertIn("审结 115 / 受理 150 = 76.67% → 6 − 2 × ⌈(90 − 76.67) / 10⌉ = 2", out)
        # a missing fact and the zero policy
        self.assertRegex(out, r"缺失处理  缺少 proposals\.reply_rate → 0 分，待核查")
        # the labels start every block, one block per indicator
        self.assertEqual(len(re.findall(r"(?m)^指标  ", out)), 13)

    def test_candidates_and_one_indicator(self):
        p = run("explain", "--indicator", "FZ-06", RONGCHENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(re.findall(r"(?m)^指标  ", p.stdout)), 1)
        self.assertIn("FZ-06", p.stdout)
        self.assertNotIn("FZ-05", p.stdout)
        self.assertRegex(p.stdout, r"其他候选 1300（限定 more_than，置信 \d+） 5:147「")

    def test_json_contract_and_agreement_with_score(self):
        p, data = run_json("explain", "--format", "json", *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, scored = run_json("score", "--format", "json", *ALL)
        by_path = {r["path"]: r for r in scored["results"]}
        self.assertEqual(data["scheme"]["sha256"], scored["scheme"]["sha256"])
        self.assertEqual(data["scheme"]["missing"], "zero")
        self.assertEqual(len(data["reports"]), len(ALL))
        candidates = 0
        for rep in data["reports"]:
            s = by_path[rep["path"]]
            self.assertEqual(rep["total"], s["total"])
            self.assertEqual(rep["grade"], s["grade"])
            self.assertEqual(rep["rank"], s["rank"])
            self.assertEqual(len(rep["indicators"]), 13)
            for ind in rep["indicators"]:
                for k in ("id", "name", "max", "monitor", "script", "line", "status", "points",
                          "excluded", "branch", "explanation", "error", "facts", "unread",
                          "absent", "missing", "missing_policy"):
                    self.assertIn(k, ind)
                si = indicator(s, ind["id"])
                self.assertEqual(ind["points"], si["points"])
                self.assertEqual(ind["status"], si["status"])
                self.assertEqual(ind["branch"], si["branch"])
                self.assertEqual(ind["explanation"], si["explanation"])
                self.assertEqual([f["key"] for f in ind["facts"]],
                                 [f["key"] for f in si["facts"]])
                for f in ind["facts"] + ind["unread"]:
                    self.assertIn("candidates", f)
                    self.assertEqual(f["origin"], "extracted")
                    self.assertIsNotNone(f["evidence"])
                    for c in f["candidates"]:
                        self.assertEqual(c["key"], f["key"])
                        candidates += 1
                read = {f["key"] for f in ind["facts"]}
                self.assertFalse(read & set(ind["absent"]))
                self.assertFalse(read & {f["key"] for f in ind["unread"]})
                if ind["status"] == "missing":
                    self.assertEqual(ind["missing_policy"]["policy"],
                                     "monitor" if ind["monitor"] else "zero")
                    self.assertTrue(set(ind["missing"]) <= set(ind["absent"]), ind)
                elif ind["missing"]:
                    self.assertEqual(ind["missing_policy"]["policy"], "partial")
                else:
                    self.assertIsNone(ind["missing_policy"])
        self.assertGreater(candidates, 0)

    def test_missing_policies(self):
        half = self.scheme_copy(lambda t: t.replace("missing: zero", "missing: half"))
        p, data = run_json("explain", "--format", "json", "--rules", half, "--indicator", "FZ-04",
                           WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        fz04 = data["reports"][0]["indicators"][0]
        self.assertEqual(fz04["points"], 5)
        self.assertEqual(fz04["missing_policy"],
                         {"policy": "half", "points": 5, "text": "按一半计 5 分，待核查"})
        p = run("explain", "--rules", half, "--indicator", "FZ-04", WENDENG)
        self.assertIn("按一半计 5 分，待核查", p.stdout)

        excl = self.scheme_copy(lambda t: t.replace("missing: zero", "missing: exclude"))
        p, data = run_json("explain", "--format", "json", "--rules", excl, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        fz04 = indicator(data["reports"][0], "FZ-04")
        self.assertIsNone(fz04["points"])
        self.assertTrue(fz04["excluded"])
        self.assertEqual(fz04["missing_policy"]["text"], "不计入总分，总分按比例折算")
        p = run("explain", "--rules", excl, WENDENG)
        self.assertIn("不计入总分，总分按比例折算", p.stdout)

    def test_rule_error_is_explained(self):
        d = self.scheme_copy()
        with open(os.path.join(d, "fz04.lua"), "w", encoding="utf-8") as f:
            f.write("local r = fact('proposals.reply_rate')\nreturn score(nil + 1)\n")
        p = run("explain", "--rules", d, "--indicator", "FZ-04", WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"计算      规则错误：fz04\.lua:2:")
        self.assertIn("0 / 10（规则错误，待核查）", p.stdout)

    def test_usage_errors(self):
        p = run("explain", "--indicator", "FZ-99", WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn("FZ-99", p.stderr)
        self.assertEqual(run("explain", "--format", "csv", WENDENG).returncode, 2)
        self.assertEqual(run("explain").returncode, 2)
        p = run("explain", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: kaohe explain", p.stdout)
        p = run("explain", "/nonexistent.txt", WENDENG)
        self.assertEqual(p.returncode, 1)
        self.assertIn("/nonexistent.txt", p.stderr)

    def test_given_facts(self):
        facts = self.write("f.yaml", "- unit: 某区\n  year: 2024\n  facts:\n"
                                     "    proposals.reply_rate: {value: 98.5, qualifier: about}\n")
        p, data = run_json("explain", "--format", "json", "--facts", facts, "--indicator",
                           "FZ-04")
        self.assertEqual(p.returncode, 0, p.stderr)
        fz04 = data["reports"][0]["indicators"][0]
        self.assertEqual(fz04["points"], 8.5)
        f = fz04["facts"][0]
        self.assertEqual(f["origin"], "given")
        self.assertIsNone(f["evidence"])
        self.assertEqual(f["qualifier"], "about")
        self.assertEqual(data["reports"][0]["path"], facts + ":1")
        p = run("explain", "--facts", facts, "--indicator", "FZ-04")
        self.assertIn("来源 given", p.stdout)
        self.assertIn("以数据给出，无原文", p.stdout)


class ScoreFactsTest(KaoheTest, TempDir):
    YAML = ("units:\n"
            "  - unit: 甲区\n"
            "    year: 2024\n"
            "    path: jia-2024\n"
            "    facts:\n"
            "      litigation.cases: 0\n"
            "      proposals.reply_rate: 98.5%\n"
            "      report.sections: 4\n"
            "      report.published_date: 2025-03-20\n"
            "  - unit: 乙区\n"
            "    year: 2024\n"
            "    facts:\n"
            "      litigation.head_appearance_rate: 80\n")
    JSON = json.dumps([
        {"unit": "甲区", "year": 2024, "path": "jia-2024",
         "facts": {"litigation.cases": 0, "proposals.reply_rate": 98.5,
                   "report.sections": 4, "report.published_date": "2025-03-20"}},
        {"unit": "乙区", "year": 2024,
         "facts": {"litigation.head_appearance_rate": {"value": 80, "basis": "stated"}}},
    ], ensure_ascii=False, indent="\t")

    def test_yaml_and_json_score_alike_and_rank_with_reports(self):
        y = self.write("f.yaml", self.YAML)
        j = self.write("f.json", self.JSON)
        p1, d1 = run_json("score", "--format", "json", "--facts", y, WENDENG)
        p2, d2 = run_json("score", "--format", "json", "--facts", j, WENDENG)
        self.assertEqual(p1.returncode, 0, p1.stderr)
        self.assertEqual(p2.returncode, 0, p2.stderr)
        self.assertEqual(len(d1["results"]), 3)
        t1 = {r["unit"]: (r["total"], r["rank"]) for r in d1["results"]}
        t2 = {r["unit"]: (r["total"], r["rank"]) for r in d2["results"]}
        self.assertEqual(t1, t2)
        jia = [r for r in d1["results"] if r["unit"] == "甲区"][0]
        self.assertEqual(jia["path"], "jia-2024")
        # FZ-01 14 and FZ-02 8 (no cases), FZ-04 8.5, FZ-11 4 sections + 4 on
        # time − 2 (19 days late: two started 15-day steps)
        self.assertEqual(jia["total"], 14 + 8 + 8.5 + 6)
        fz04 = indicator(jia, "FZ-04")
        self.assertEqual(fz04["facts"][0]["origin"], "given")
        self.assertIsNone(fz04["facts"][0]["evidence"])
        yi = [r for r in d1["results"] if r["unit"] == "乙区"][0]
        self.assertEqual(yi["path"], y + ":10")
        self.assertEqual(indicator(yi, "FZ-01")["points"], 7)
        self.assertEqual(sorted(r["rank"] for r in d1["results"]), [1, 2, 3])

    def test_facts_only_and_table(self):
        y = self.write("f.yaml", self.YAML)
        p = run("score", "--facts", y)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("甲区", p.stdout)
        self.assertIn("jia-2024", p.stdout)

    def test_given_facts_equal_extracted_facts_score_the_same(self):
        _, ex = run_json("extract", "--format", "json", WENDENG)
        doc = ex["documents"][0]
        facts = {}
        for f in doc["facts"]:
            facts[f["key"]] = {"value": f["value"], "qualifier": f["qualifier"],
                               "basis": f["basis"]}
            if f["unit"]:
                facts[f["key"]]["unit"] = f["unit"]
        path = self.write("w.json", json.dumps(
            {"units": [{"unit": doc["unit"], "year": doc["year"], "facts": facts}]},
            ensure_ascii=False))
        _, given = run_json("score", "--format", "json", "--facts", path)
        _, extracted = run_json("score", "--format", "json", WENDENG)
        g, e = given["results"][0], extracted["results"][0]
        self.assertEqual(g["total"], e["total"])
        for a, b in zip(g["indicators"], e["indicators"]):
            self.assertEqual((a["id"], a["points"], a["status"], a["explanation"]),
                             (b["id"], b["points"], b["status"], b["explanation"]))

    def test_errors_name_file_and_line(self):
        cases = [
            ("- unit: A\n  year: 2024\n  facts:\n    a.b: {value: 1, qualifier: roughly}\n",
             4, "unknown qualifier 'roughly'"),
            ("- unit: A\n  year: 2024\n  facts:\n    litigation.cases: [1]\n", 4,
             "bad value type"),
            ("- unit: A\n  year: 2024\n  facts:\n    \"\": 1\n", 4, "empty fact key"),
            ('[{"unit": "A", "year": 2024,\n  "facts": {"x.y": true}}]\n', 2, "boolean"),
        ]
        for text, line, fragment in cases:
            path = self.write("bad.yaml", text)
            p = run("score", "--facts", path, WENDENG)
            self.assertEqual(p.returncode, 2, text)
            self.assertIn("%s:%d:" % (path, line), p.stderr)
            self.assertIn(fragment, p.stderr)
            self.assertEqual(p.stdout, "")
        p = run("score", "--facts", "/nonexistent/facts.yaml")
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/facts.yaml", p.stderr)

    def test_unused_key_is_a_warning(self):
        path = self.write("f.yaml", "- unit: A\n  year: 2024\n  facts:\n"
                                    "    litigation.cases: 0\n    made.up: 3\n")
        p = run("score", "--facts", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("%s:5: fact key 'made.up' is read by no indicator" % path, p.stderr)
        self.assertNotIn("made.up", run("score", "-q", "--facts", path).stderr)


class DiffTest(KaoheTest, TempDir):
    def lenient(self):
        """FZ-03 full at 70% instead of 90%, 合格 from 40 instead of 60."""
        return self.scheme_copy(lambda t: t.replace("fz03_target: 90", "fz03_target: 70")
                                .replace("min: 60", "min: 40"))

    def test_same_scheme_twice_changes_nothing(self):
        p, d = run_json("diff", "--format", "json", "--rules", RULES, "--rules", RULES, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = d["summary"]
        self.assertEqual(s["units"], len(ALL))
        self.assertEqual((s["grade_up"], s["grade_down"], s["rank_changed"],
                          s["indicators_changed"]), (0, 0, 0, 0))
        for r in d["results"]:
            self.assertEqual(r["delta"], 0)
            self.assertEqual(r["grade_change"], "same")
            self.assertFalse(any(i["changed"] for i in r["indicators"]))
        p = run("diff", "--rules", RULES, "--rules", RULES, *ALL)
        self.assertIn("两个方案下完全相同", p.stdout)

    def test_changes_agree_with_score_under_each_scheme(self):
        b = self.lenient()
        p, d = run_json("diff", "--format", "json", "--rules", RULES, "--rules", b, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, sa = run_json("score", "--format", "json", "--rules", RULES, *ALL)
        _, sb = run_json("score", "--format", "json", "--rules", b, *ALL)
        A = {r["path"]: r for r in sa["results"]}
        B = {r["path"]: r for r in sb["results"]}
        order = {"不合格": 0, "合格": 1, "良好": 2, "优秀": 3}
        ups = downs = rank_changes = changed = 0
        for r in d["results"]:
            a, bb = A[r["path"]], B[r["path"]]
            self.assertEqual(r["a"], {"total": a["total"], "grade": a["grade"], "rank": a["rank"]})
            self.assertEqual(r["b"], {"total": bb["total"], "grade": bb["grade"],
                                      "rank": bb["rank"]})
            self.assertAlmostEqual(r["delta"], bb["total"] - a["total"], places=6)
            want = order[bb["grade"]] - order[a["grade"]]
            self.assertEqual(r["grade_change"], "up" if want > 0 else "down" if want < 0 else "same")
            ups += want > 0
            downs += want < 0
            self.assertEqual(r["rank_change"], a["rank"] - bb["rank"])
            rank_changes += a["rank"] != bb["rank"]
            for i in r["indicators"]:
                ia, ib = indicator(a, i["id"]), indicator(bb, i["id"])
                self.assertEqual(i["a"]["points"], ia["points"])
                self.assertEqual(i["b"]["points"], ib["points"])
                self.assertEqual(i["changed"], ia["points"] != ib["points"] or
                                 ia["status"] != ib["status"])
                changed += i["changed"]
        s = d["summary"]
        self.assertEqual((s["grade_up"], s["grade_down"], s["rank_changed"],
                          s["indicators_changed"]), (ups, downs, rank_changes, changed))
        self.assertGreater(ups, 0)
        self.assertGreater(changed, 0)
        wendeng = [r for r in d["results"] if r["path"] == WENDENG][0]
        self.assertEqual(wendeng["grade_change"], "up")
        fz03 = indicator(wendeng, "FZ-03")
        self.assertEqual((fz03["a"]["points"], fz03["b"]["points"], fz03["delta"]), (2, 6, 4))

    def test_table_and_csv(self):
        b = self.lenient()
        p = run("diff", "--rules", RULES, "--rules", b, *ALL)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        # the ranking table: a header, a rule, one row per report, CJK-aligned
        h = [i for i, l in enumerate(lines) if l.startswith("排名A")][0]
        rows = lines[h:h + 2 + len(ALL)]
        col = width(rows[0][:rows[0].index("文件")])
        for row in rows[2:]:
            cut = row.index(REPORTS)
            self.assertEqual(width(row[:cut]), col, row)
        self.assertIn("威海市文登区  FZ-03  行政复议审结率  2.00  6.00  +4.00", p.stdout)
        self.assertRegex(p.stdout, r"汇总  5 个单位：等次上升 \d+，下降 0")
        self.assertIn("合格 ↑", p.stdout)

        p = run("diff", "--format", "csv", "--rules", RULES, "--rules", b, *ALL)
        rows = p.stdout.strip().splitlines()
        self.assertEqual(rows[0], "path,unit,year,indicator,name,points_a,points_b,delta,"
                                  "status_a,status_b,grade_a,grade_b,rank_a,rank_b")
        self.assertEqual(len(rows), 1 + len(ALL) * 14)
        w = [r for r in rows if r.startswith(WENDENG + ",") and ",total," in r][0]
        self.assertTrue(w.endswith(",47.5,51.5,4,,,不合格,合格,1,1"), w)

    def test_one_rules_compares_with_the_default(self):
        b = self.lenient()
        p, d = run_json("diff", "--format", "json", "--rules", b, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(d["b"]["dir"], b)
        self.assertNotEqual(d["a"]["dir"], b)
        self.assertEqual(d["results"][0]["delta"], 4)

    def test_usage_errors(self):
        self.assertEqual(run("diff", WENDENG).returncode, 2)
        self.assertEqual(run("diff", "--rules", RULES, "--rules", RULES, "--rules", RULES,
                             WENDENG).returncode, 2)
        p = run("diff", "--rules", RULES, "--rules", "/nonexistent/scheme", WENDENG)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/scheme", p.stderr)
        p = run("diff", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: kaohe diff", p.stdout)


class IsolateTest(KaoheTest, TempDir):
    """explain and diff --isolate: a crashing plugin fails its report only."""

    def setUp(self):
        from test_batch import HOSTILE, plugin_dir_with, with_marker
        if not os.path.isdir(HOSTILE):
            self.skipTest("hostile test plugins not built")
        tmp = self.tmpdir()
        self.plugins = plugin_dir_with(tmp, "segv")
        self.segv = with_marker(tmp, "KH-TEST-SEGV", "zz-segv.txt")

    def check_contained(self, p):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(f"{self.segv}: plugin crash: ", p.stderr)
        self.assertIn(f"while running plugin segv on {self.segv}", p.stderr)

    def test_explain_isolate(self):
        p0, plain = run_json("explain", "--format", "json", *ALL)
        p1, iso = run_json("explain", "--isolate", "--format", "json", *ALL)
        self.assertEqual((p0.returncode, p1.returncode), (0, 0), p1.stderr)
        self.assertEqual(plain, iso)
        p, d = run_json("explain", "--isolate", "--format", "json", "--plugins", self.plugins,
                        WENDENG, self.segv, timeout=300)
        self.check_contained(p)
        res = {r["path"]: r for r in d["reports"]}
        self.assertIsNotNone(res[WENDENG]["total"])
        self.assertIsNone(res[self.segv]["total"])
        self.assertIn("plugin crash", res[self.segv]["errors"][0])

    def test_diff_isolate(self):
        p0, plain = run_json("diff", "--format", "json", "--rules", RULES, "--rules", RULES, *ALL)
        p1, iso = run_json("diff", "--isolate", "--format", "json", "--rules", RULES, "--rules",
                           RULES, *ALL)
        self.assertEqual((p0.returncode, p1.returncode), (0, 0), p1.stderr)
        self.assertEqual(plain, iso)
        p, d = run_json("diff", "--isolate", "--format", "json", "--plugins", self.plugins,
                        "--rules", RULES, "--rules", RULES, WENDENG, self.segv, timeout=300)
        self.check_contained(p)
        res = {r["path"]: r for r in d["results"]}
        self.assertIsNotNone(res[WENDENG]["a"]["total"])


if __name__ == "__main__":
    unittest.main()
