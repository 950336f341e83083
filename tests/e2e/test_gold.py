"""The seed reports' extracted facts against the gold (fixtures/gold): every
gold fact with its value (or an accepted alternative), qualifier and
evidence; no catalogue fact the gold does not list (ambiguous keys free).
Prints precision, recall and F1."""
import os
import re
import unittest

import yaml

from kh import GOLD, REPORTS, SEEDS, KaoheTest, run_json

# Every key of the catalogue (facts.md v2 + indicators.md's new keys).
CATALOGUE = """
litigation.head_appearance_rate litigation.cases litigation.lost litigation.loss_rate
proposals.reply_rate proposals.handled proposals.satisfaction_rate
training.hours_per_person training.hours_total training.participants
enforcement.officers review.received review.accepted review.closed review.corrected
review.correction_rate legality_review.count legality_review.rate
normative_docs.filed normative_docs.filing_rate normative_docs.unfiled
mediation.resolved mediation.success_rate leaders.law_study_sessions
survey.public_satisfaction report.sections report.published_date
""".split()


def squash(s):
    return re.sub(r"\s+", "", s or "")


def load_gold(seed):
    with open(os.path.join(GOLD, seed + ".yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def same_value(got, want):
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(got - want) < 1e-9
    return str(got) == str(want)


class GoldTest(KaoheTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        paths = [os.path.join(REPORTS, s + ".txt") for s in SEEDS]
        cls.proc, cls.data = run_json("extract", "--format", "json", *paths)
        cls.docs = {os.path.basename(d["path"])[:-4]: d for d in cls.data["documents"]}

    def test_exit_code(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)

    def test_every_seed_matches_gold(self):
        tp = fp = fn = 0
        problems = []
        for seed in SEEDS:
            gold = load_gold(seed)
            doc = self.docs[seed]
            facts = {f["key"]: f for f in doc["facts"]}
            gfacts = gold.get("facts") or {}
            ambiguous = set(gold.get("ambiguous") or [])
            for key, g in gfacts.items():
                f = facts.get(key)
                if f is None:
                    fn += 1
                    problems.append(f"{seed}: {key} missing (gold {g['value']})")
                    continue
                ok = [g["value"]] + list(g.get("accept") or [])
                if not any(same_value(f["value"], v) for v in ok):
                    fp += 1
                    fn += 1
                    problems.append(f"{seed}: {key} = {f['value']}, gold {ok}")
                    continue
                if f["value"] == g["value"] and f["qualifier"] != g["qualifier"]:
                    problems.append(f"{seed}: {key} qualifier {f['qualifier']}, gold {g['qualifier']}")
                    fp += 1
                    fn += 1
                    continue
                tp += 1
                if f["value"] == g["value"] and key not in ("report.sections",):
                    ev = squash(f["evidence"]["text"])
                    gev = squash(g["evidence"])
                    if gev not in ev and ev not in gev:
                        # evidence must overlap the gold phrase substantially
                        common = sum(1 for ch in set(ev) if ch in gev)
                        if common < min(len(set(ev)), len(set(gev))) * 0.5:
                            problems.append(f"{seed}: {key} evidence {f['evidence']['text']!r} vs gold {g['evidence']!r}")
            for key, f in facts.items():
                if key in CATALOGUE and key not in gfacts and key not in ambiguous:
                    fp += 1
                    problems.append(f"{seed}: {key} = {f['value']} not in gold "
                                    f"(evidence {f['evidence']['text'] if f['evidence'] else None!r})")
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"\ngold: tp={tp} fp={fp} fn={fn} precision={precision:.3f} "
              f"recall={recall:.3f} F1={f1:.3f}")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_year_and_unit(self):
        for seed in SEEDS:
            gold = load_gold(seed)
            doc = self.docs[seed]
            self.assertEqual(doc["year"], gold["year"], seed)
            self.assertTrue(doc["unit"], f"{seed}: no unit")

    def test_evidence_points_into_the_original(self):
        # line:column of each fact's evidence locates its text in the file
        for seed in SEEDS:
            with open(os.path.join(REPORTS, seed + ".txt"), encoding="utf-8-sig") as f:
                text = f.read()
            lines = text.split("\n")
            for fact in self.docs[seed]["facts"]:
                ev = fact["evidence"]
                line = lines[ev["line"] - 1]
                rest = line[ev["column"] - 1:] + "\n" + "\n".join(lines[ev["line"]:ev["line"] + 5])
                self.assertTrue(rest.startswith(ev["text"]),
                                f"{seed} {fact['key']}: {ev} not at {rest[:40]!r}")


if __name__ == "__main__":
    unittest.main()
