"""What lands in OUTDIR, read back by independent readers: kaohe.xlsx with
Python's zipfile + XML (sheet names, frozen header rows, column widths, number
formats, known cells), ranking.csv with the csv module, report.html rendered
in headless Chromium (screenshot, console errors, the DOM).

The OUTDIR is written by tests/kh_mkoutdir (kh_outputs_write on the seed
reports with fixtures/overrides/example.yaml, a failed input and a hostile
report) until `kaohe batch` exists."""
import csv
import io
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zipfile

from kh import FIXTURES, assert_ranked_per_year

BUILD = os.environ.get("KAOHE_BUILD_DIR", "")
MKOUTDIR = os.path.join(BUILD, "tests", "kh_mkoutdir")
EXAMPLE = os.path.join(FIXTURES, "overrides", "example.yaml")
EVENTS = os.path.join(FIXTURES, "events", "example.yaml")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
SHEETS = ["排名", "指标得分", "事实与佐证", "待核查", "修改记录"]


def col_index(ref):
    """'AB12' -> (27, 12), 0-based column."""
    m = re.match(r"([A-Z]+)(\d+)$", ref)
    c = 0
    for ch in m.group(1):
        c = c * 26 + (ord(ch) - 64)
    return c - 1, int(m.group(2))


class Xlsx:
    """A minimal reader: sheets by name as {(row, col): value} plus raw XML."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        wb = ET.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        self.sheet_files = {}
        self.names = []
        for s in wb.find("m:sheets", NS).findall("m:sheet", NS):
            name = s.get("name")
            self.names.append(name)
            t = target[s.get("{%s}id" % NS["r"])]
            self.sheet_files[name] = "xl/" + t.lstrip("/").replace("xl/", "", 1)
        self.strings = []
        if "xl/sharedStrings.xml" in self.zip.namelist():
            sst = ET.fromstring(self.zip.read("xl/sharedStrings.xml"))
            for si in sst.findall("m:si", NS):
                self.strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        self.styles = self.zip.read("xl/styles.xml").decode("utf-8")

    def xml(self, name):
        return self.zip.read(self.sheet_files[name]).decode("utf-8")

    def cells(self, name):
        root = ET.fromstring(self.xml(name))
        out = {}
        for c in root.iter("{%s}c" % NS["m"]):
            col, row = col_index(c.get("r"))
            v = c.find("m:v", NS)
            if v is None:
                continue
            if c.get("t") == "s":
                out[(row, col)] = self.strings[int(v.text)]
            elif c.get("t") in ("str", "inlineStr"):
                out[(row, col)] = v.text
            else:
                out[(row, col)] = float(v.text)
        return out

    def widths(self, name):
        root = ET.fromstring(self.xml(name))
        w = {}
        for c in root.iter("{%s}col" % NS["m"]):
            for i in range(int(c.get("min")), int(c.get("max")) + 1):
                w[i - 1] = float(c.get("width"))
        return w


def rows_of(cells):
    n = max(r for r, _ in cells) if cells else 0
    m = max(c for _, c in cells) if cells else -1
    return [[cells.get((r, c)) for c in range(m + 1)] for r in range(1, n + 1)]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


class OutdirTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(MKOUTDIR, os.X_OK):
            raise unittest.SkipTest(f"{MKOUTDIR} not built (KAOHE_BUILD_DIR unset?)")
        cls.tmp = tempfile.mkdtemp()
        cls.outdir = os.path.join(cls.tmp, "out")
        p = subprocess.run([MKOUTDIR, cls.outdir, "--overrides", EXAMPLE, "--events", EVENTS,
                            "--failed", "--hostile"], capture_output=True, text=True,
                           timeout=300)
        if p.returncode != 0:
            raise AssertionError(f"kh_mkoutdir failed: {p.stderr}")
        cls.xlsx = Xlsx(os.path.join(cls.outdir, "kaohe.xlsx"))
        with open(os.path.join(cls.outdir, "ranking.csv"), "rb") as f:
            cls.csv_bytes = f.read()
        cls.csv_rows = list(csv.reader(io.StringIO(cls.csv_bytes.decode("utf-8-sig"),
                                                   newline="")))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- ranking.csv ----

    def test_csv_reads_back(self):
        self.assertTrue(self.csv_bytes.startswith(b"\xef\xbb\xbf"))
        self.assertNotIn(b"\n", self.csv_bytes.replace(b"\r\n", b""))
        head = self.csv_rows[0]
        self.assertEqual(head[:7], ["排名", "单位", "行政区划代码", "年度", "总分", "等次",
                                    "待核查项数"])
        self.assertEqual(head[7], "FZ-01")
        self.assertEqual(head[-3:], ["加分/扣分", "文件", "备注"])
        self.assertEqual(len({len(r) for r in self.csv_rows}), 1)  # rectangular
        first = self.csv_rows[1]
        self.assertEqual(first[:4], ["1", "威海市文登区", "371003", "2024"])
        units = [r[1] for r in self.csv_rows[1:]]
        self.assertIn("<img src=x onerror=alert(1)>示范区", units)
        self.assertIn('hostile/<b>报告</b>&"x".txt', [r[-2] for r in self.csv_rows])
        assert_ranked_per_year(self, [(int(r[3]) if r[3] else 0, float(r[4]), int(r[0]))
                                      for r in self.csv_rows[1:] if r[0]])
        failed = self.csv_rows[-1]
        self.assertEqual(failed[0], "")
        self.assertIn("binary data", failed[-1])

    def test_csv_adjustments_add_up_to_the_total(self):
        # fixtures/events/example.yaml: 文登区 two +3 capped at 3; 城阳区 -2 -2
        head = self.csv_rows[0]
        adj, first, path = head.index("加分/扣分"), head.index("FZ-01"), head.index("文件")
        by_file = {os.path.basename(r[path]): r for r in self.csv_rows[1:]}
        self.assertEqual(by_file["wendeng-2024.txt"][adj], "3.00")
        self.assertEqual(by_file["chengyang-2024.txt"][adj], "-4.00")
        self.assertEqual(by_file["rongcheng-2022.txt"][adj], "0.00")
        self.assertEqual(by_file["binary.bin"][adj], "")  # failed: no points
        # with nothing 不计 or 错误, the indicator points plus 加分/扣分 are the total
        checked = 0
        for r in self.csv_rows[1:]:
            cells = r[first:adj]
            if not r[4] or any(c in ("不计", "错误") for c in cells):
                continue
            self.assertAlmostEqual(sum(float(c) for c in cells) + float(r[adj]), float(r[4]),
                                   places=2, msg=r[1])
            checked += 1
        self.assertGreaterEqual(checked, 4)

    # ---- kaohe.xlsx ----

    def test_xlsx_sheets_in_order(self):
        self.assertEqual(self.xlsx.names, SHEETS)

    def test_xlsx_header_rows_frozen(self):
        for name in SHEETS:
            xml = self.xlsx.xml(name)
            pane = re.search(r"<pane [^>]*/>", xml)
            self.assertIsNotNone(pane, name)
            self.assertIn('state="frozen"', pane.group(0), name)
            self.assertIn('ySplit="1"', pane.group(0), name)

    def test_xlsx_ranking_matches_csv(self):
        cells = self.xlsx.cells("排名")
        self.assertEqual(cells[(1, 0)], "排名")
        self.assertEqual(cells[(2, 0)], 1.0)
        self.assertEqual(cells[(2, 1)], "威海市文登区")
        self.assertEqual(cells[(2, 2)], "371003")  # a code stays text
        self.assertEqual(cells[(2, 3)], 2024.0)
        for r, row in enumerate(self.csv_rows[1:], start=2):
            if row[4]:
                self.assertAlmostEqual(cells[(r, 4)], float(row[4]), places=2)
                self.assertEqual(cells[(r, 5)], row[5])

    def test_xlsx_widths_and_number_formats(self):
        w = self.xlsx.widths("排名")
        # 威海火炬高技术产业开发区: 12 CJK characters = 24 cells
        self.assertGreaterEqual(w[1], 24)
        self.assertLess(w[0], 12)  # 排名 is narrow
        self.assertIn('formatCode="0.00"', self.xlsx.styles)
        self.assertIn('formatCode="0.00&quot;?&quot;"', self.xlsx.styles)  # 待核查 points

    def test_xlsx_points_sheet_marks_status(self):
        cells = self.xlsx.cells("指标得分")
        rows = rows_of(cells)
        self.assertEqual(rows[0][:3], ["指标", "名称", "满分"])
        self.assertEqual(rows[0][3], "威海市文登区")
        ids = [r[0] for r in rows[1:]]
        self.assertIn("FZ-01", ids)
        self.assertIn("总分", ids)
        # 加分/扣分 between the indicators and 总分, per unit
        self.assertEqual(ids.index("加分/扣分") + 1, ids.index("总分"))
        adj = rows[ids.index("加分/扣分") + 1]
        self.assertEqual(adj[3], 3.0)  # 威海市文登区, capped
        ranking = rows_of(self.xlsx.cells("排名"))
        col = ranking[0].index("加分/扣分")
        self.assertEqual(ranking[1][col], 3.0)
        fz04 = rows[ids.index("FZ-04") + 1]
        self.assertEqual(fz04[2], 10.0)
        self.assertEqual(fz04[3], 10.0)  # 文登区's override gives full marks
        # missing cells carry the ?-format style: find one styled cell
        xml = self.xlsx.xml("指标得分")
        self.assertRegex(xml, r'<c r="[A-Z]+\d+" s="\d+"><v>0</v></c>')

    def test_xlsx_facts_sheet(self):
        rows = rows_of(self.xlsx.cells("事实与佐证"))
        self.assertEqual(rows[0][:4], ["单位", "指标", "事实", "值"])
        self.assertGreater(len(rows), 30)
        closed = [r for r in rows if r[2] == "review.closed" and r[0] == "威海市文登区"]
        self.assertTrue(closed)
        self.assertEqual(closed[0][3], 115.0)
        self.assertRegex(closed[0][8], r"^\d+:\d+$")
        self.assertIn("115", closed[0][9])
        over = [r for r in rows if r[7] == "override"]
        self.assertTrue(any(r[2] == "proposals.reply_rate" for r in over))
        self.assertTrue(any("<script>" in (r[9] or "") for r in rows))  # text, as is

    def test_xlsx_review_and_overrides_sheets(self):
        review = rows_of(self.xlsx.cells("待核查"))
        states = {r[3] for r in review[1:]}
        self.assertTrue({"缺少事实", "部分事实缺失", "文件未能处理"} <= states, states)
        self.assertTrue(any("binary data" in (r[4] or "") for r in review))
        # scored on the facts there were, with one missing: still 待核查
        # (城阳区's report gives no publication date for FZ-11)
        partial = [r for r in review if r[3] == "部分事实缺失"]
        self.assertIn(("青岛市城阳区", "FZ-11", "report.published_date"),
                      [(r[0], r[1], r[4]) for r in partial])
        # and 待核查项数 counts every row of a unit, as `kaohe score` does
        head = self.csv_rows[0]
        for row in self.csv_rows[1:]:
            if row[0]:
                n = sum(1 for r in review[1:] if r[0] == row[1] and r[1])
                self.assertEqual(int(row[head.index("待核查项数")]), n, row[1])
        ov = rows_of(self.xlsx.cells("修改记录"))
        self.assertEqual(ov[0][:4], ["单位", "事实", "原值", "新值"])
        self.assertEqual(len(ov), 6)
        cases = next(r for r in ov if r[1] == "litigation.cases")
        self.assertEqual((cases[0], cases[2], cases[3]), ("威海市文登区", 24.0, 26.0))
        self.assertEqual(cases[10], "文登区")  # as written in overrides.yaml
        self.assertEqual((cases[6], cases[7]), ("王敏", "2025-03-04"))
        self.assertIn("法院统计口径", cases[5])

    # ---- report.html in a browser ----

    def chromium(self, *args):
        exe = find_chromium()
        if not exe:
            self.skipTest("chromium is not installed (scripts/deps installs Debian's "
                          "chromium); report.html was not rendered")
        profile = tempfile.mkdtemp()
        try:
            return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                                  capture_output=True, text=True, timeout=180)
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_html_renders_in_chromium(self):
        html = os.path.join(self.outdir, "report.html")
        shot = os.path.join(self.tmp, "report.png")
        p = self.chromium("--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
                          "--window-size=1280,2000", "file://" + html)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        with open(shot, "rb") as f:
            png = f.read()
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertEqual(struct.unpack(">II", png[16:24]), (1280, 2000))
        self.assertGreater(len(png), 50_000)  # a blank page compresses to a few KB
        for bad in ("Uncaught", "CONSOLE", "Refused to", "Content Security Policy"):
            self.assertNotIn(bad, p.stderr, p.stderr[-2000:])
        keep = os.path.join(BUILD, "tests", "report-screenshot.png")
        try:
            shutil.copy(shot, keep)  # for a person to look at
        except OSError:
            pass

    def test_html_dom_in_chromium(self):
        html = os.path.join(self.outdir, "report.html")
        p = self.chromium("--dump-dom", "file://" + html)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        dom = p.stdout
        self.assertEqual(dom.count('<tr class="rank-row">'), 6)
        self.assertIn("威海市文登区", dom)
        self.assertNotIn("<script", dom)
        self.assertNotIn("<img", dom)
        self.assertIn("&lt;script&gt;alert('kaohe')&lt;/script&gt;", dom)
        self.assertIn('<section id="overrides">', dom)
        self.assertIn("法院统计口径为26件", dom)


if __name__ == "__main__":
    unittest.main()
