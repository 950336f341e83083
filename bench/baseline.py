#!/usr/bin/env python3
"""bench/baseline.py — the script a user might write instead of kaohe: read
each report, a dozen `re` patterns for the headline facts, a tiny scoring
formula, one CSV row per report. It is the yardstick of bench/run
(docs/performance.md), not a second implementation: no scope checks, no
evidence, no traditional characters, no formats but UTF-8 text, first match
wins.

    bench/baseline.py DIR|FILE... -o out.csv [--times times.txt]

--times writes the seconds each report took (read + match + score), one
per line, for the latency percentiles. Python 3 standard library only.
"""

import argparse
import csv
import os
import re
import sys
import time

NUM = r"(\d+(?:\.\d+)?)"
FACTS = [
    ("unit", re.compile(r"([\u4e00-\u9fff]{2,12}?(?:区|县|市|开发区))(?:人民政府)?\s*(?:关于)?\s*\d{4}\s*年")),
    ("year", re.compile(r"(\d{4})\s*年度?[^。\n]{0,20}?(?:法治政府建设|依法行政)")),
    ("head_rate", re.compile(r"出庭应诉率[^\d。]{0,10}" + NUM + r"%")),
    ("lit_cases", re.compile(r"行政诉讼案件[^\d。]{0,6}" + NUM + r"\s*件")),
    ("lit_lost", re.compile(r"败诉[^\d。]{0,4}" + NUM + r"\s*件")),
    ("review_cases", re.compile(r"行政复议[^\d。]{0,10}" + NUM + r"\s*件")),
    ("review_corrected", re.compile(r"纠错[^\d。]{0,4}" + NUM + r"\s*件")),
    ("training_hours", re.compile(NUM + r"\s*学时")),
    ("normative_docs", re.compile(r"规范性文件[^\d。]{0,6}" + NUM + r"\s*件")),
    ("legality_reviews", re.compile(r"合法性审查[^\d。]{0,12}" + NUM + r"\s*(?:余)?件")),
    ("mediation", re.compile(r"调解[^\d。]{0,12}" + NUM + r"\s*(?:余)?(?:起|件)")),
    ("reply_rate", re.compile(r"办复率[^\d。]{0,6}" + NUM + r"%")),
    ("officers", re.compile(r"执法人员[^\d。]{0,6}" + NUM + r"\s*(?:余)?名")),
]
NUMERIC = [k for k, _ in FACTS if k not in ("unit",)]


def facts_of(text):
    out = {}
    for key, rx in FACTS:
        m = rx.search(text)
        out[key] = m.group(1) if m else ""
    return out


def score(f):
    def num(k):
        try:
            return float(f[k])
        except ValueError:
            return None
    pts = 0.0
    rate = num("head_rate")
    pts += 14 * min(rate, 100) / 100 if rate is not None else 0
    cases, lost = num("lit_cases"), num("lit_lost")
    if cases:
        pts += 10 * max(0.0, 1 - 5 * (lost or 0) / cases)
    hours = num("training_hours")
    pts += 6 if hours is not None and hours >= 40 else 3 if hours else 0
    reply = num("reply_rate")
    pts += 8 * min(reply, 100) / 100 if reply is not None else 0
    pts += sum(4 for k in ("review_cases", "normative_docs", "legality_reviews",
                           "mediation", "officers") if num(k) is not None)
    missing = sum(1 for k in NUMERIC if f[k] == "")
    return round(pts, 2), missing


def inputs(args):
    for a in args:
        if os.path.isdir(a):
            for root, dirs, files in os.walk(a):
                dirs.sort()
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(root, name)
        else:
            yield a


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("-o", default="-", help="CSV file (default: stdout)")
    ap.add_argument("--times", help="write per-report seconds here")
    a = ap.parse_args(argv)
    rows, times = [], []
    for path in inputs(a.inputs):
        t0 = time.perf_counter()
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        facts = facts_of(text)
        total, missing = score(facts)
        rows.append([path, facts["unit"], facts["year"], total, missing] +
                    [facts[k] for k in NUMERIC[1:]])
        times.append(time.perf_counter() - t0)
    rows.sort(key=lambda r: (-r[3], r[0]))
    out = sys.stdout if a.o == "-" else open(a.o, "w", newline="", encoding="utf-8")
    w = csv.writer(out)
    w.writerow(["rank", "path", "unit", "year", "total", "missing"] + NUMERIC[1:])
    for i, r in enumerate(rows, 1):
        w.writerow([i] + r)
    if out is not sys.stdout:
        out.close()
    if a.times:
        with open(a.times, "w") as f:
            f.writelines("%.9f\n" % t for t in times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
