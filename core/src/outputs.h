/*
 * outputs.h — what lands in OUTDIR for the office: ranking.csv (Excel/WPS),
 * kaohe.xlsx (ranking, points, facts and evidence, 待核查, 修改记录) and
 * report.html (one self-contained page with charts and evidence), each
 * written atomically from a kh_run (run.h).
 */
#ifndef KH_OUTPUTS_H
#define KH_OUTPUTS_H

#include <stdio.h>
#include <time.h>

#include "kaohe/error.h"
#include "run.h"

/* File names inside OUTDIR. */
#define KH_OUTPUT_RANKING_CSV "ranking.csv"
#define KH_OUTPUT_XLSX "kaohe.xlsx"
#define KH_OUTPUT_HTML "report.html"

/* Write ranking.csv, kaohe.xlsx and report.html into outdir (created if it
 * does not exist; its parent must). Each file is written to a temporary file
 * in outdir, flushed with fsync and renamed over the final name, so a reader
 * never sees a half-written file and a failure leaves the previous one. run
 * is borrowed. Returns KH_OK, or KH_EIO / KH_ENOMEM / KH_EINVAL with err
 * naming the file; stops at the first failure. */
int kh_outputs_write(const char *outdir, const kh_run *run, kh_error *err);

/* The same in one pass over the run's items, for a caller that writes a
 * document of its own in that pass (kaohe batch's results.json):
 *
 *   kh_outputs_open    creates outdir if needed and the three temporary
 *                      files, writes ranking.csv whole and the parts of
 *                      kaohe.xlsx and report.html that need no facts
 *   kh_outputs_pass    for every item in display order (ranked by rank,
 *                      failed last: kh_output_rank_order's order) takes the
 *                      complete item (kh_run_full_item) once, hands it to
 *                      each(ctx, i, it) when not NULL, writes its 事实与佐证
 *                      rows and its report.html section; then finishes the
 *                      files (not yet in place). Returns KH_OK or the first
 *                      failure (its message comes with kh_outputs_commit)
 *   kh_outputs_commit  renames ranking.csv, kaohe.xlsx, report.html into
 *                      place in that order (each fsync'd); a file that
 *                      failed is skipped (an earlier version stays), the
 *                      others are committed, and the first failure is
 *                      returned (err names it)
 *   kh_outputs_close   frees the writer and removes what was not committed
 *
 * run (and what run->full hands out, until the next call) is borrowed and
 * must outlive the writer. *out: caller owns; free with kh_outputs_close. */
typedef struct kh_outputs_writer kh_outputs_writer;
int kh_outputs_open(kh_outputs_writer **out, const char *outdir, const kh_run *run,
                    kh_error *err);
int kh_outputs_pass(kh_outputs_writer *w,
                    void (*each)(void *ctx, size_t i, const kh_run_item *it), void *ctx);
int kh_outputs_commit(kh_outputs_writer *w, kh_error *err);
void kh_outputs_close(kh_outputs_writer *w); /* accepts NULL */

/* The display order of the run's items (as kh_outputs_pass goes): caller
 * frees; NULL when out of memory. */
size_t *kh_outputs_display_order(const kh_run *run);

/* The single writers, for callers that want one file (run borrowed). */

/* ranking.csv: UTF-8 with BOM, CRLF, RFC 4180 quoting, columns 排名,单位,
 * 行政区划代码,年度,总分,等次,待核查项数, one per scored indicator, 文件, 备注.
 * Ranked reports by rank, failed inputs last (rank and total empty, the
 * reason in 备注). Text that Excel would read as a formula is prefixed with
 * an apostrophe. Returns KH_OK or KH_EIO (a write failed). */
int kh_outputs_ranking_csv(FILE *out, const kh_run *run);

/* report.html: one self-contained UTF-8 page (no scripts, no network; a
 * Content-Security-Policy forbids both). Returns KH_OK or KH_EIO. */
int kh_outputs_report_html(FILE *out, const kh_run *run);

/* The creation time kaohe.xlsx records in its document properties
 * (docProps/core.xml, dcterms:created and dcterms:modified): a fixed
 * 2000-01-01T00:00:00Z rather than the clock, so two writes of the same run
 * give byte-identical files (libxlsxwriter already dates the zip entries
 * 1980-01-01). The time of a batch run is in results.json's manifest. */
#define KH_OUTPUT_XLSX_CREATED ((time_t)946684800)

/* kaohe.xlsx written to path (not atomically: kh_outputs_write does that).
 * The same run gives the same bytes (see KH_OUTPUT_XLSX_CREATED). Returns
 * KH_OK or KH_EIO with err naming path and libxlsxwriter's reason. */
int kh_outputs_xlsx(const char *path, const kh_run *run, kh_error *err);

#endif
