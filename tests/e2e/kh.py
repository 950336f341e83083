"""Shared helpers for the end-to-end tests: run the real kaohe binary."""
import json
import os
import subprocess
import unittest

BIN = os.environ.get("KAOHE_BIN", "")
SRC = os.environ.get("KAOHE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(SRC, "fixtures")
REPORTS = os.path.join(FIXTURES, "reports")
GOLD = os.path.join(FIXTURES, "gold")
SEEDS = sorted(f[:-4] for f in os.listdir(REPORTS) if f.endswith(".txt"))


def run(*args, stdin=None, timeout=120, env=None):
    """Run kaohe with args; returns CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([BIN, *args], capture_output=True, text=True,
                          input=stdin, timeout=timeout, env=full_env)


def run_json(*args, **kw):
    p = run(*args, **kw)
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"kaohe {' '.join(args)}: not JSON ({e}); "
                             f"stdout={p.stdout[:500]!r} stderr={p.stderr[:500]!r}")
    return p, data


def assert_ranked_per_year(test, rows):
    """rows: (year, total, rank) of the ranked results in display order.
    kaohe ranks the reports of each assessment year among themselves
    (highest total first; equal totals, to the cent, share a rank) and
    shows the latest year first (0, unknown, last), then by rank."""
    years = [y or 0 for y, _, _ in rows]
    test.assertEqual(years, sorted(years, reverse=True), "latest year first")
    for year in set(years):
        mine = [(t, r) for y, t, r in rows if (y or 0) == year]
        cents = [round(t * 100) for t, _ in mine]
        want = [1 + sum(1 for o in cents if o > c) for c in cents]
        test.assertEqual([r for _, r in mine], want, f"ranks of {year}")


class KaoheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BIN or not os.access(BIN, os.X_OK):
            raise unittest.SkipTest("KAOHE_BIN not set to the kaohe binary")
