"""`kaohe watch DIR REPORT...` end to end: a temporary copy of the default
scheme is watched while the test edits it — a changed rule is reported per
indicator (old → new) with the new total, a rule that does not compile is
reported with file:line and the previous results are kept, editors that save
by rename and changes in subdirectories (lib/) count, temporary files are not
listed, SIGINT and SIGTERM end it cleanly — and the time from saving a rule
file to the printed result is measured."""
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from kh import BIN, FIXTURES, REPORTS, SEEDS, SRC, KaoheTest

RULES = os.path.join(SRC, "scoring-rules", "default")
WENDENG = os.path.join(REPORTS, "wendeng-2024.txt")
YICHENG = os.path.join(REPORTS, "yicheng-2021.txt")
ALL = [os.path.join(REPORTS, s + ".txt") for s in SEEDS]
# the save → printed result budget (ms); slower builds (sanitizers, valgrind)
# may raise it through the environment
FZ01_SCORE = 'return score(p, "rate", why)'


class Watch:
    """A running `kaohe watch`, its stdout read line by line (with the
    monotonic time each line arrived) by a thread."""

    def __init__(self, scheme_dir, *reports):
        self.proc = subprocess.Popen([BIN, "watch", scheme_dir, *reports],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, encoding="utf-8", bufsize=1)
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, predicate, timeout=20.0):
        """Lines up to and including the first that satisfies predicate;
        returns (arrival time, that line, the lines read)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting; read:\n" + "\n".join(got))
            try:
                t, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("kaohe watch ended; read:\n" + "\n".join(got) +
                                     "\nstderr:\n" + self.proc.stderr.read())
            got.append(line)
            self.seen.append(line)
            if predicate(line):
                return t, line, got

    def run_block(self, timeout=20.0):
        """The lines of the next run: its header line up to the blank line
        that ends it. Returns (header arrival time, lines)."""
        t, _, head = self.wait_for(lambda l: l.startswith("[") and "改动" in l, timeout)
        _, _, rest = self.wait_for(lambda l: l == "", timeout)
        return t, head[-1:] + rest

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self.thread.join(timeout=5)
        while True:  # what was printed up to the end
            try:
                _, line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        self.proc.stdout.close()
        self.proc_stderr = self.proc.stderr.read()
        self.proc.stderr.close()
        return rc


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class WatchTest(KaoheTest):
    def setUp(self):
        # the repository's layout, so that the scheme's own test cases find
        # the reports they name (tests/../../../fixtures/reports)
        self.tmp = tempfile.mkdtemp(prefix="kh_watch_")
        self.scheme = os.path.join(self.tmp, "scoring-rules", "default")
        shutil.copytree(RULES, self.scheme)
        os.symlink(FIXTURES, os.path.join(self.tmp, "fixtures"))
        self.fz01 = os.path.join(self.scheme, "fz01.lua")
        with open(self.fz01, encoding="utf-8") as f:
            self.fz01_text = f.read()
        self.assertIn(FZ01_SCORE, self.fz01_text)
        self.watch = None

    def tearDown(self):
        if self.watch and self.watch.proc.poll() is None:
            self.watch.stop(signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, *reports):
        self.watch = Watch(self.scheme, *(reports or (WENDENG,)))
        _, _, lines = self.watch.wait_for(lambda l: "监视" in l, timeout=60)
        return lines

    def halve_fz01(self):
        write(self.fz01, self.fz01_text.replace(FZ01_SCORE, 'return score(p / 2, "rate", why)'))

    def test_initial_ranking_then_a_changed_rule(self):
        lines = self.start(WENDENG, YICHENG)
        text = "\n".join(lines)
        self.assertIn("威海市文登区", text)
        self.assertIn("47.50", text)
        self.halve_fz01()
        _, block = self.watch.run_block()
        text = "\n".join(block)
        self.assertIn("改动 fz01.lua", block[0])
        self.assertIn("FZ-01 行政机关负责人出庭应诉率  14.00 → 7.00", text)
        self.assertIn("总分 47.50 → 40.50", text)
        self.assertIn("峰城区", text)           # the other report changed too
        self.assertIn("总分 40.00 → 33.00", text)
        self.assertEqual(self.watch.stop(signal.SIGINT), 0)
        self.assertIn("已停止监视", [l for l in self.watch.seen if l][-1])

    def test_compile_error_keeps_the_last_good_results(self):
        self.start()
        write(self.fz01, self.fz01_text + "\nreturn score(\n")
        _, block = self.watch.run_block()
        text = "\n".join(block)
        self.assertIn("有错误", block[0])
        self.assertIn("保留上次结果", block[0])
        self.assertRegex(text, r"fz01\.lua:\d+:")
        # the next good save is compared with the last good run, not the broken one
        self.halve_fz01()
        _, block = self.watch.run_block()
        text = "\n".join(block)
        self.assertIn("14.00 → 7.00", text)
        # and a save that restores the original goes back
        write(self.fz01, self.fz01_text)
        _, block = self.watch.run_block()
        self.assertIn("7.00 → 14.00", "\n".join(block))
        self.assertEqual(self.watch.stop(), 0)

    def test_save_by_rename_and_subdirectories(self):
        self.start()
        # an editor writing a temporary file and renaming it over the rule
        tmp = os.path.join(self.scheme, "fz01.lua.kaohe-new")
        write(tmp, self.fz01_text.replace(FZ01_SCORE, 'return score(p / 2, "rate", why)'))
        os.replace(tmp, self.fz01)
        _, block = self.watch.run_block()
        self.assertIn("14.00 → 7.00", "\n".join(block))
        self.assertIn("改动 fz01.lua", block[0])
        self.assertNotIn("kaohe-new", block[0])
        # vim's way: swap file, backup by rename, new file, cleanup
        swp = os.path.join(self.scheme, ".fz01.lua.swp")
        write(swp, "swap")
        os.rename(self.fz01, self.fz01 + "~")
        write(self.fz01, self.fz01_text)
        os.unlink(self.fz01 + "~")
        os.unlink(swp)
        _, block = self.watch.run_block()
        self.assertIn("7.00 → 14.00", "\n".join(block))
        self.assertNotIn(".swp", block[0])
        # a helper in lib/ (a subdirectory) changes the FZ-01 arithmetic text
        lib = os.path.join(self.scheme, "lib", "fazhi.lua")
        with open(lib, encoding="utf-8") as f:
            lib_text = f.read()
        write(lib, lib_text.replace("→ 满分 %s", "→ 满分（改）%s"))
        _, block = self.watch.run_block()
        self.assertIn("lib/fazhi.lua", block[0])
        # explanation text alone does not change points: no indicator listed
        self.assertIn("无变化", "\n".join(block))
        # a directory created later is watched too
        os.mkdir(os.path.join(self.scheme, "extra"))
        self.watch.run_block()
        write(os.path.join(self.scheme, "extra", "notes.txt"), "x")
        _, block = self.watch.run_block()
        self.assertIn("extra/notes.txt", block[0])
        self.assertEqual(self.watch.stop(), 0)

    def test_scheme_tests_rerun(self):
        """The scheme's YAML test cases (DIR/tests) run on every change."""
        write(os.path.join(self.scheme, "tests", "watch-fz01.yaml"),
              "- name: FZ-01 at 80%\n"
              "  year: 2024\n"
              "  facts:\n"
              "    litigation.head_appearance_rate: 80\n"
              "  expect:\n"
              "    FZ-01: {status: scored, points: 7}\n")
        self.start()
        self.assertTrue(any("方案测试" in l and "通过" in l for l in self.watch.seen),
                        self.watch.seen)
        self.halve_fz01()
        _, block = self.watch.run_block()
        text = "\n".join(block)
        self.assertRegex(text, r"✗ FZ-01 at 80% \(\S*watch-fz01\.yaml:1\)")
        self.assertRegex(text, r"方案测试 \d+/\d+ 通过，有失败")
        self.assertEqual(self.watch.stop(), 0)

    def test_every_save_gives_a_run(self):
        """Twelve saves in a row each give one run with the change. The time
        from save to printed result is printed for information only (timings
        are measured in bench/, never asserted in tests: a loaded CI machine
        must not fail a correct build)."""
        self.start(*ALL)
        samples = []
        for i in range(12):
            text = self.fz01_text if i % 2 else self.fz01_text.replace(
                FZ01_SCORE, 'return score(p / 2, "rate", why)')
            time.sleep(0.15)  # let the previous run settle
            t0 = time.monotonic()
            write(self.fz01, text)
            t1, block = self.watch.run_block()
            self.assertIn("→", "\n".join(block))
            samples.append((t1 - t0) * 1000)
        median = statistics.median(samples)
        sys.stderr.write("\nkaohe watch: save → output %s ms (median %.1f, max %.1f)\n"
                         % (", ".join("%.1f" % s for s in samples), median, max(samples)))
        self.assertEqual(len(samples), 12)
        self.assertEqual(self.watch.stop(), 0)

    def test_isolate_contains_a_crashing_plugin(self):
        from test_batch import HOSTILE, plugin_dir_with, with_marker
        if not os.path.isdir(HOSTILE):
            self.skipTest("hostile test plugins not built")
        plugins = plugin_dir_with(self.tmp, "segv")
        segv = with_marker(self.tmp, "KH-TEST-SEGV", "zz-segv.txt")
        lines = self.start("--isolate", "--plugins", plugins, WENDENG, segv)
        self.assertIn("威海市文登区", "\n".join(lines))
        self.assertEqual(self.watch.stop(), 0)
        err = self.watch.proc_stderr
        self.assertIn(f"{segv}: plugin crash: ", err)
        self.assertIn(f"while running plugin segv on {segv}", err)

    def test_usage_errors(self):
        p = subprocess.run([BIN, "watch", WENDENG, WENDENG], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a directory", p.stderr)
        p = subprocess.run([BIN, "watch", self.scheme], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([BIN, "watch", "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: kaohe watch", p.stdout)


if __name__ == "__main__":
    unittest.main()
