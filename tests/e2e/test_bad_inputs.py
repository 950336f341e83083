"""Bad inputs end to end: every file of fixtures/bad as its README lists it,
inputs generated at run time (a million short lines, a 100 MB single line)
and malformed scheme YAML from fixtures/schemes/bad, each through the real
binary: the expected message and exit code, and the good report given
alongside still comes out. Timings are printed (stderr) and only bounded
loosely: a minute, where a few seconds is what they take."""
import os
import re
import resource
import shutil
import sys
import tempfile
import time
import unittest

from kh import FIXTURES, REPORTS, KaoheTest, run, run_json

BAD = os.path.join(FIXTURES, "bad")
BAD_SCHEMES = os.path.join(FIXTURES, "schemes", "bad")
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")
CHENGYANG = os.path.join(REPORTS, "chengyang-2024.txt")
SANE_SECONDS = 60


def readme_table():
    """{file: expected message fragment} from fixtures/bad/README.md: the
    first `code` of a row's first and last cells."""
    rows = {}
    with open(os.path.join(BAD, "README.md"), encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not cells[0].startswith("`"):
                continue
            name = re.match(r"`([^`]+)`", cells[0]).group(1)
            frag = re.match(r"`([^`]+)`", cells[-1])
            if frag:
                rows[name] = frag.group(1)
    return rows


def note(what, seconds):
    print(f"\n  {what}: {seconds:.2f} s", file=sys.stderr)


class BadFilesTest(KaoheTest):
    """fixtures/bad/*: refused with the README's message, exit 1, and the
    good report beside it still extracted and scored."""

    def test_readme_lists_every_file(self):
        listed = set(readme_table())
        present = {f for f in os.listdir(BAD) if f != "README.md" and not f.startswith(".")}
        self.assertEqual(present, listed, "fixtures/bad and its README table differ")

    def test_each_file_refused_and_good_report_still_out(self):
        for name, fragment in sorted(readme_table().items()):
            path = os.path.join(BAD, name)
            with self.subTest(file=name):
                p, data = run_json("extract", "--format", "json", path, WENDENG)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(f"{path}: {fragment}", p.stderr)
                bad, good = data["documents"]
                self.assertFalse(bad["ok"])
                self.assertTrue(any(fragment in e for e in bad["errors"]), bad["errors"])
                self.assertEqual(bad["facts"], [])
                self.assertTrue(good["ok"], good["errors"])
                self.assertGreater(len(good["facts"]), 5)

                p, data = run_json("score", "--format", "json", path, WENDENG)
                self.assertEqual(p.returncode, 1, p.stderr)
                res = {r["path"]: r for r in data["results"]}
                self.assertIsNone(res[path]["total"])
                self.assertTrue(any(fragment in e for e in res[path]["errors"]))
                self.assertIsNotNone(res[WENDENG]["total"])

    def test_all_bad_files_at_once_between_good_ones(self):
        table = readme_table()
        bad = [os.path.join(BAD, n) for n in sorted(table)]
        p, data = run_json("score", "--format", "json", WENDENG, *bad, CHENGYANG)
        self.assertEqual(p.returncode, 1, p.stderr)
        res = {r["path"]: r for r in data["results"]}
        self.assertEqual(len(res), len(bad) + 2)
        for path in bad:
            self.assertIsNone(res[path]["total"], path)
            self.assertIn(f"{path}: {table[os.path.basename(path)]}", p.stderr)
        self.assertIsNotNone(res[WENDENG]["total"])
        self.assertIsNotNone(res[CHENGYANG]["total"])
        ranks = sorted(r["rank"] for r in res.values() if r["rank"] is not None)
        self.assertEqual(ranks, [1, 2])


class GeneratedInputsTest(KaoheTest):
    """Large inputs built at run time: they finish, in well under a minute,
    and do not crash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="kaohe-bad-inputs-")
        # a million short lines: sentences, wrapped fragments and blank lines
        cls.million = os.path.join(cls.tmp, "million-lines.txt")
        with open(cls.million, "w", encoding="utf-8") as f:
            for i in range(1000000):
                r = i % 4
                f.write(f"第{i}项工作已完成。\n" if r == 0 else
                        f"办理行政复议案件{i % 997}件\n" if r == 1 else
                        "推进依法行政\n" if r == 2 else "\n")
        # 100 MB on one line: no line break and no sentence end anywhere
        cls.line = os.path.join(cls.tmp, "one-line-100mb.txt")
        chunk = "全区各级行政机关坚持依法行政，推进法治政府建设，".encode()
        size = 100 * 1024 * 1024
        with open(cls.line, "wb") as f:
            block = chunk * (1024 * 1024 // len(chunk))
            written = 0
            while written + len(block) <= size:
                f.write(block)
                written += len(block)
            f.write(chunk * ((size - written) // len(chunk)))
        cls.line_size = os.path.getsize(cls.line)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def timed(self, what, *args, **kw):
        t0 = time.monotonic()
        p, data = run_json(*args, timeout=600, **kw)
        took = time.monotonic() - t0
        note(what, took)
        self.assertGreaterEqual(p.returncode, 0, f"killed by signal {-p.returncode}: {p.stderr[-2000:]}")
        self.assertLess(took, SANE_SECONDS, what)
        return p, data

    def test_million_short_lines(self):
        self.assertGreater(os.path.getsize(self.million), 15 * 1024 * 1024)
        p, data = self.timed("a million short lines, extract", "extract", "--format", "json",
                             self.million, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        big, good = data["documents"]
        self.assertTrue(big["ok"], big["errors"])
        self.assertTrue(good["ok"])
        self.assertGreater(len(good["facts"]), 5)
        p, data = self.timed("a million short lines, score", "score", "--format", "json",
                             self.million, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        res = {r["path"]: r for r in data["results"]}
        self.assertIsNotNone(res[self.million]["total"])
        self.assertIsNotNone(res[WENDENG]["total"])

    def test_100mb_line_over_the_default_limit(self):
        self.assertGreater(self.line_size, 50 * 1024 * 1024)
        p, data = self.timed("100 MB line, refused at the default limit", "extract",
                             "--format", "json", self.line, WENDENG)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertIn(f"{self.line}: file is {self.line_size} bytes, over the limit of "
                      f"{50 * 1024 * 1024} bytes", p.stderr)
        big, good = data["documents"]
        self.assertFalse(big["ok"])
        self.assertTrue(good["ok"])
        self.assertGreater(len(good["facts"]), 5)

    def test_100mb_line_read_with_a_larger_limit(self):
        p, data = self.timed("100 MB line, extract --max-size 200M", "extract",
                             "--max-size", "200M", "--format", "json", self.line, WENDENG)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        big, good = data["documents"]
        self.assertTrue(big["ok"], big["errors"])
        self.assertEqual(big["encoding"], "utf-8")
        self.assertTrue(good["ok"])
        self.assertGreater(len(good["facts"]), 5)


class LongLineScalingTest(KaoheTest):
    """A report whose line breaks were lost (one long line) must cost time in
    proportion to its length, however many facts it states."""

    def test_many_facts_on_one_long_line_scale_linearly(self):
        # Was quadratic (docs/security.md "Findings", 5): kh_document_locate
        # counted the column from the start of the line, so each fact's
        # evidence cost O(line length) and the facts of a report repeated on
        # one line O(n^2): 4x the text took ~12-16x the time. Column
        # checkpoints every 4 KiB of a long line (document.c) fixed it.
        with open(WENDENG, encoding="utf-8") as f:
            one_line = f.read().replace("\n", "").encode()
        tmp = tempfile.mkdtemp(prefix="kaohe-long-line-")
        self.addCleanup(shutil.rmtree, tmp, True)

        def timed(kib):
            # the child's CPU time (not the wall clock, which other load on
            # the machine inflates), the least of three runs
            path = os.path.join(tmp, f"{kib}k.txt")
            with open(path, "wb") as f:
                f.write(one_line * max(1, kib * 1024 // len(one_line)))
            best = None
            for _ in range(3):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                p = run("extract", "--format", "json", path, timeout=600)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                self.assertEqual(p.returncode, 0, p.stderr[-2000:])
                took = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                best = took if best is None else min(best, took)
            note(f"the report repeated on one line, {kib} KiB (CPU)", best)
            return best

        # Start-up is in both and only lowers the ratio. Now linear: ~3x
        # (1 MiB ~0.02 s, 4 MiB ~0.06 s, Release); quadratic it was ~13x.
        small = timed(1024)
        large = timed(4096)
        self.assertLess(large / max(small, 1e-3), 8.0)


class BadSchemesTest(KaoheTest):
    """Malformed scheme.yaml (fixtures/schemes/bad) as a --rules directory:
    exit 2, the problem named with file, line and key, nothing scored."""

    CASES = [  # file, line, message fragment
        ("wrong-type.yaml", 16, 'indicators[1].max: expected a number, got "ten"'),
        ("bad-bool.yaml", 12, 'indicators[0].monitor: expected true or false, got "maybe"'),
        ("params-list.yaml", 6, "params.targets: expected a number or a string, got a list"),
        ("not-mapping.yaml", 2, "expected a mapping at the top level, got a list"),
        ("duplicate-key.yaml", 5, "total: duplicate key (first at line 4)"),
        ("duplicate-param.yaml", 7, "params.hours: duplicate key (first at line 6)"),
        ("unknown-alias.yaml", 17, "indicators[1].facts: alias *nope has no anchor"),
        ("alias-bomb.yaml", 10, "the document expands to more than 50000 nodes"),
        ("huge-scalar.yaml", 2, "name: a scalar of 9000 bytes; at most 8192 allowed"),
        ("deep-nesting.yaml", 5, "nesting is deeper than 32 levels"),
        ("syntax-error.yaml", 13, "YAML syntax error"),
        ("two-documents.yaml", 19, "only one YAML document is allowed"),
        ("empty.yaml", 1, "the file is empty"),
    ]

    def test_each_bad_scheme(self):
        for name, line, fragment in self.CASES:
            with self.subTest(scheme=name):
                tmp = tempfile.mkdtemp(prefix="kaohe-bad-scheme-")
                self.addCleanup(shutil.rmtree, tmp, True)
                shutil.copy(os.path.join(BAD_SCHEMES, name), os.path.join(tmp, "scheme.yaml"))
                shutil.copy(os.path.join(BAD_SCHEMES, "ok.lua"), tmp)
                t0 = time.monotonic()
                p = run("score", "--rules", tmp, "--format", "json", WENDENG)
                self.assertLess(time.monotonic() - t0, SANE_SECONDS)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"{tmp}/scheme.yaml:{line}:", p.stderr)
                self.assertIn(fragment, p.stderr)
                self.assertIn("nothing scored", p.stderr)
                self.assertNotIn('"results"', p.stdout)


if __name__ == "__main__":
    unittest.main()
