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


class KaoheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BIN or not os.access(BIN, os.X_OK):
            raise unittest.SkipTest("KAOHE_BIN not set to the kaohe binary")
