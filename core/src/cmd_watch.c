/* cmd_watch.c — `kaohe watch DIR REPORT...`: the rule author's loop. The
 * reports are extracted once; whenever a file under the scheme directory DIR
 * changes (inotify over DIR and its subdirectories, editors that save by
 * rename included, events merged over 20 ms), the scheme is reloaded, its
 * tests (the YAML files in DIR/tests) are run and the cached facts re-scored, and what
 * changed since the last good run is printed: per report the indicators
 * whose points or status changed (old → new) and the new total and grade.
 * A scheme that does not load or compile is reported with file:line and the
 * previous good results are kept. SIGINT / SIGTERM end it cleanly. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_score.h"
#include "output.h"
#include "rulestest.h"

#define DEBOUNCE_MS 20
#define DEBOUNCE_MAX_MS 500 /* a stream of events still gets a run this often */
#define MAX_FACTS_FILES 16
#define MAX_DEPTH 16        /* subdirectory levels watched */
#define MAX_NAMES 6         /* changed file names listed per run */
#define MAX_FAILURES 20     /* failing test checks listed per run */
#define WATCH_MASK                                                                    \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |            \
     IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static void usage(FILE *out)
{
    fputs("usage: kaohe watch [options] DIR REPORT...\n"
          "       kaohe watch [options] --facts FILE DIR [REPORT...]\n"
          "Extract the reports once, then whenever a file under the scheme directory DIR\n"
          "changes: reload the scheme, run its tests (DIR/tests/*.yaml) and re-score the\n"
          "reports, printing per report the indicators whose points or status changed\n"
          "(old → new) and the new total and grade. A scheme that does not load is\n"
          "reported with file:line and the previous results are kept. Ctrl-C ends it.\n"
          "  --facts FILE      also score the units of a facts file (JSON or YAML)\n"
          "                    without extraction (repeatable; read once)\n"
          KH_CLI_ISOLATE_HELP
          "  (--isolate covers the REPORT arguments, extracted once at the start; a test\n"
          "  case that names a report file is extracted in-process)\n"
          KH_CLI_COMMON_HELP, out);
}

/* ---- time ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void stamp(FILE *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    fprintf(out, "[%02d:%02d:%02d.%03ld] ", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000);
}

/* ---- the inotify watches ------------------------------------------------- */

typedef struct watch_dir {
    int wd;
    char *rel;      /* path relative to the root ("" for the root); owned */
} watch_dir;

typedef struct watcher {
    int fd;                  /* inotify instance; owned */
    const char *root;        /* borrowed */
    watch_dir *dirs;         /* owned */
    size_t count, cap;
    /* what the current batch of events touched */
    bool changed;
    bool rescan;             /* a directory appeared or a watch went away */
    char *names[MAX_NAMES];  /* owned: changed paths relative to the root */
    bool created[MAX_NAMES]; /* the path was created during this batch */
    size_t names_count;
    size_t more_names;       /* changed paths not listed */
} watcher;

static const watch_dir *dir_by_wd(const watcher *w, int wd)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->dirs[i].wd == wd)
            return &w->dirs[i];
    return NULL;
}

static void forget_wd(watcher *w, int wd)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->dirs[i].wd == wd) {
            free(w->dirs[i].rel);
            w->dirs[i] = w->dirs[--w->count];
            return;
        }
}

/* Editor droppings that are not the file being saved: hidden files (vim's
 * .x.swp, emacs' .#x lock), backups (x~), vim's 4913 probe, emacs' #x#. */
static bool ignored_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[0] == '.' || name[n - 1] == '~' || strcmp(name, "4913") == 0)
        return true;
    if (name[0] == '#' && name[n - 1] == '#')
        return true;
    static const char *const suffixes[] = {".swp", ".swx", ".swo", ".tmp", ".bak", ".orig"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t s = strlen(suffixes[i]);
        if (n > s && strcmp(name + n - s, suffixes[i]) == 0)
            return true;
    }
    return false;
}

/* Watch dir (root-relative rel) and its subdirectories, hidden ones left
 * out. Directories already watched keep their watch. */
static void add_tree(watcher *w, const char *path, const char *rel, int depth)
{
    int wd = inotify_add_watch(w->fd, path, WATCH_MASK);
    if (wd < 0)
        return;
    if (!dir_by_wd(w, wd)) {
        if (w->count == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 8;
            watch_dir *d = realloc(w->dirs, cap * sizeof *d);
            if (!d)
                return;
            w->dirs = d;
            w->cap = cap;
        }
        char *copy = strdup(rel);
        if (!copy)
            return;
        w->dirs[w->count].wd = wd;
        w->dirs[w->count].rel = copy;
        w->count++;
    }
    if (depth >= MAX_DEPTH)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char sub[PATH_MAX], subrel[PATH_MAX];
        if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub)
            continue;
        struct stat st;
        if (de->d_type != DT_DIR &&
            (de->d_type != DT_UNKNOWN || stat(sub, &st) != 0 || !S_ISDIR(st.st_mode)))
            continue;
        snprintf(subrel, sizeof subrel, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        add_tree(w, sub, subrel, depth + 1);
    }
    closedir(d);
}

static void note_name(watcher *w, const char *rel, const char *name, bool created)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s%s%s", rel, rel[0] && name[0] ? "/" : "", name);
    for (size_t i = 0; i < w->names_count; i++)
        if (strcmp(w->names[i], buf) == 0) {
            w->created[i] |= created;
            return;
        }
    if (w->names_count == MAX_NAMES) {
        w->more_names++;
        return;
    }
    char *copy = strdup(buf);
    if (copy) {
        w->created[w->names_count] = created;
        w->names[w->names_count++] = copy;
    }
}

/* A path created and gone again within the batch was an editor's or sed's
 * temporary file (written, then renamed over the real one): not listed. */
static bool transient(const watcher *w, size_t i)
{
    if (!w->created[i])
        return false;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", w->root, w->names[i]);
    struct stat st;
    return lstat(path, &st) != 0;
}

static void clear_batch(watcher *w)
{
    for (size_t i = 0; i < w->names_count; i++)
        free(w->names[i]);
    w->names_count = 0;
    w->more_names = 0;
    w->changed = false;
    w->rescan = false;
}

/* Read what is queued on the inotify fd (non-blocking) into the batch. */
static void drain(watcher *w)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(w->fd, buf, sizeof buf);
        if (len <= 0)
            return;
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                w->changed = w->rescan = true;
                continue;
            }
            if (ev->mask & IN_IGNORED) { /* the directory went away */
                forget_wd(w, ev->wd);
                w->rescan = true;
                continue;
            }
            const watch_dir *d = dir_by_wd(w, ev->wd);
            const char *name = ev->len ? ev->name : "";
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                w->changed = w->rescan = true;
                if (d)
                    note_name(w, d->rel, "", false);
                continue;
            }
            if (ev->mask & IN_ISDIR) {
                if (name[0] != '.' && (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                                   IN_DELETE))) {
                    w->changed = w->rescan = true;
                    if (d)
                        note_name(w, d->rel, name, false);
                }
                continue;
            }
            if (ignored_name(name))
                continue;
            /* a new file counts once written (IN_CLOSE_WRITE); remember that
             * it is new, to recognise temporary files */
            if (ev->mask & IN_CREATE) {
                if (d)
                    note_name(w, d->rel, name, true);
                continue;
            }
            w->changed = true;
            if (d)
                note_name(w, d->rel, name, false);
        }
    }
}

static void watcher_free(watcher *w)
{
    clear_batch(w);
    for (size_t i = 0; i < w->count; i++)
        free(w->dirs[i].rel);
    free(w->dirs);
    if (w->fd >= 0)
        close(w->fd);
}

/* ---- scoring state ------------------------------------------------------- */

typedef struct state {
    kh_cli *cli;
    kh_engine *engine;
    const char *dir;
    kh_input *inputs;        /* the cached facts; owned */
    size_t n;
    kh_scheme *scheme;       /* last good; owned */
    kh_rules *rules;         /* owned */
    kh_report_score **scores;/* last good results, n slots; owned */
    bool have_results;
} state;

static const kh_indicator_result *result_by_id(const kh_report_score *s, const char *id)
{
    for (size_t i = 0; s && i < s->indicators_count; i++)
        if (strcmp(s->indicators[i].indicator->id, id) == 0)
            return &s->indicators[i];
    return NULL;
}

static void print_result_change(FILE *out, const kh_indicator *ind,
                                const kh_indicator_result *a, const kh_indicator_result *b)
{
    char ca[64], cb[64];
    fprintf(out, "    %s %s  %s → %s", ind->id, ind->name, kh_cli_points_cell(a, ca, sizeof ca),
            kh_cli_points_cell(b, cb, sizeof cb));
    if (a && b && a->status != b->status)
        fprintf(out, "（%s → %s）", kh_status_name(a->status), kh_status_name(b->status));
    else if (!a || !b)
        fprintf(out, "（%s）", a ? "方案已删除此指标" : "新指标");
    if (b && b->status == KH_STATUS_ERROR && b->error)
        fprintf(out, "  %s", b->error);
    else if (b && b->explanation && (!a || !a->explanation ||
                                     strcmp(a->explanation, b->explanation) != 0))
        fprintf(out, "  %s", b->explanation);
    fputc('\n', out);
}

/* Per report: the indicators that changed, the new total and grade.
 * Returns how many reports changed. */
static size_t print_changes(FILE *out, const state *st, kh_report_score *const *old,
                            kh_report_score *const *now, const kh_scheme *old_scheme,
                            const kh_scheme *new_scheme)
{
    size_t changed_reports = 0;
    for (size_t i = 0; i < st->n; i++) {
        const kh_report_score *a = old[i], *b = now[i];
        if (!b)
            continue;
        bool header = false;
        /* indicators of the new scheme, then those the old one had only */
        for (int pass = 0; pass < 2; pass++) {
            const kh_scheme *sch = pass == 0 ? new_scheme : old_scheme;
            for (size_t k = 0; sch && k < sch->indicators_count; k++) {
                const kh_indicator *ind = &sch->indicators[k];
                if (pass == 1 && kh_scheme_indicator(new_scheme, ind->id))
                    continue;
                const kh_indicator_result *ra = result_by_id(a, ind->id);
                const kh_indicator_result *rb = result_by_id(b, ind->id);
                if (!kh_cli_result_changed(ra, rb))
                    continue;
                if (!header) {
                    fprintf(out, "  %s %d  %s\n", kh_output_unit_label(&st->inputs[i]),
                            st->inputs[i].year, st->inputs[i].path);
                    header = true;
                }
                print_result_change(out, ind, ra, rb);
            }
        }
        bool total_changed = !a || kh_cli_cents(a->total) != kh_cli_cents(b->total);
        bool grade_changed = !a || !a->grade || !b->grade || strcmp(a->grade, b->grade) != 0;
        bool rank_changed = !a || a->rank != b->rank;
        if (!header && !total_changed && !grade_changed && !rank_changed)
            continue;
        if (!header)
            fprintf(out, "  %s %d  %s\n", kh_output_unit_label(&st->inputs[i]),
                    st->inputs[i].year, st->inputs[i].path);
        changed_reports++;
        if (a && total_changed)
            fprintf(out, "    总分 %.2f → %.2f", a->total, b->total);
        else
            fprintf(out, "    总分 %.2f", b->total);
        if (a && grade_changed)
            fprintf(out, "  等次 %s → %s", a->grade ? a->grade : "-", b->grade ? b->grade : "-");
        else
            fprintf(out, "  等次 %s", b->grade ? b->grade : "-");
        if (a && rank_changed)
            fprintf(out, "  排名 %d → %d\n", a->rank, b->rank);
        else
            fprintf(out, "  排名 %d\n", b->rank);
    }
    return changed_reports;
}

/* Run the scheme's tests (the YAML files in DIR/tests) when there are any; prints one
 * summary line and each failure. */
static void run_tests(FILE *out, state *st, kh_scheme *scheme, kh_rules *rules)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/tests", scheme->dir ? scheme->dir : st->dir);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    kh_rulestest_suite suite;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_rulestest_load(&suite, scheme, dir, &diags, &err);
    for (size_t i = 0; i < diags.count; i++) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(out, "  测试文件%s: %s\n", diags.items[i].warning ? "警告" : "错误",
                kh_error_format(&diags.items[i].where, buf, sizeof buf));
    }
    kh_diag_list_free(&diags);
    if (rc != KH_OK || suite.count == 0) {
        kh_rulestest_suite_free(&suite);
        return;
    }
    kh_rulestest_runner *runner = NULL;
    if (kh_rulestest_runner_new(&runner, scheme, rules, st->engine, NULL) != KH_OK) {
        kh_rulestest_suite_free(&suite);
        fputs("  方案测试：无法运行（内存不足）\n", out);
        return;
    }
    size_t passed = 0, listed = 0, unlisted = 0;
    for (size_t i = 0; i < suite.count; i++) {
        const kh_rulestest_case *c = &suite.cases[i];
        kh_rulestest_outcome o;
        kh_error_clear(&err);
        if (kh_rulestest_run(runner, c, &o, &err) != KH_OK) {
            if (listed++ < MAX_FAILURES)
                fprintf(out, "  ✗ %s (%s:%d): %s\n", c->name, c->file, c->line, err.message);
            else
                unlisted++;
            kh_rulestest_outcome_free(&o);
            continue;
        }
        if (o.passed)
            passed++;
        for (size_t f = 0; !o.passed && f < o.failures_count; f++) {
            if (listed++ < MAX_FAILURES)
                fprintf(out, "  ✗ %s (%s:%d): %s\n", c->name, c->file, c->line,
                        o.failures[f].message);
            else
                unlisted++;
        }
        kh_rulestest_outcome_free(&o);
    }
    if (unlisted)
        fprintf(out, "  … 另有 %zu 处不符未列出（kaohe rules test %s 可看全部）\n", unlisted,
                st->dir);
    fprintf(out, "  方案测试 %zu/%zu 通过%s\n", passed, suite.count,
            passed == suite.count ? "" : "，有失败");
    kh_rulestest_runner_free(runner);
    kh_rulestest_suite_free(&suite);
}

static void print_batch_names(FILE *out, const watcher *w)
{
    fputs("改动", out);
    size_t shown = 0;
    for (size_t i = 0; w && i < w->names_count; i++) {
        if (transient(w, i))
            continue;
        fprintf(out, "%s%s", shown ? ", " : " ", w->names[i][0] ? w->names[i] : ".");
        shown++;
    }
    if (w && w->more_names)
        fprintf(out, " 等 %zu 个文件", shown + w->more_names);
}

/* Diagnostics collected from a reload, indented under the run's line. */
static void print_indented(FILE *out, const char *text)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        fprintf(out, "  %.*s", (int)len, p);
        p += len;
    }
    if (text && *text && text[strlen(text) - 1] != '\n')
        fputc('\n', out);
}

/* Reload and re-score; started is when the first event of the batch was
 * seen (0 for the initial run). */
static void rerun(state *st, const watcher *w, double started)
{
    FILE *out = stdout;
    char *diag_text = NULL;
    size_t diag_len = 0;
    FILE *diag = open_memstream(&diag_text, &diag_len);
    kh_rules *rules = NULL;
    kh_scheme *scheme = kh_cli_load_scheme(st->dir, st->engine, diag ? diag : out, &rules);
    if (diag)
        fclose(diag);
    if (!scheme) {
        stamp(out);
        if (w)
            print_batch_names(out, w);
        fprintf(out, "%s方案 %s 有错误，%s\n", w ? " → " : "", st->dir,
                st->have_results ? "保留上次结果" : "尚无结果");
        print_indented(out, diag_text);
        free(diag_text);
        fputc('\n', out);
        fflush(out);
        return;
    }
    char *test_text = NULL;
    size_t test_len = 0;
    FILE *tests = open_memstream(&test_text, &test_len);
    if (tests) {
        run_tests(tests, st, scheme, rules);
        fclose(tests);
    }
    kh_report_score **scores = calloc(st->n ? st->n : 1, sizeof *scores);
    if (!scores) {
        fprintf(out, "kaohe: out of memory\n");
        kh_rules_free(rules);
        kh_scheme_free(scheme);
        free(diag_text);
        free(test_text);
        return;
    }
    kh_cli_score_all(rules, st->inputs, st->n, scores);
    double took = started > 0 ? now_ms() - started : 0;

    stamp(out);
    if (w)
        print_batch_names(out, w);
    fprintf(out, "%s方案 %s %s，%zu 份报告", w ? " → " : "", scheme->id, scheme->version,
            st->n);
    if (started > 0)
        fprintf(out, "（用时 %.0f ms）", took);
    fputc('\n', out);
    print_indented(out, diag_text); /* warnings */
    if (test_text && test_len)
        fputs(test_text, out);
    if (!st->have_results) {
        kh_output_ranking_table(out, st->inputs, scores, st->n);
    } else {
        size_t changed = print_changes(out, st, st->scores, scores, st->scheme, scheme);
        size_t scored = 0;
        for (size_t i = 0; i < st->n; i++)
            scored += scores[i] != NULL;
        if (changed == 0)
            fprintf(out, "  无变化（%zu 份报告）\n", scored);
        else if (changed < scored)
            fprintf(out, "  其余 %zu 份报告无变化\n", scored - changed);
    }
    fputc('\n', out);
    fflush(out);
    free(diag_text);
    free(test_text);
    /* the new run becomes the last good one; old scores borrow the old
     * scheme's indicators, so they go first */
    for (size_t i = 0; st->scores && i < st->n; i++)
        kh_report_score_free(st->scores[i]);
    free(st->scores);
    kh_rules_free(st->rules);
    kh_scheme_free(st->scheme);
    st->scores = scores;
    st->rules = rules;
    st->scheme = scheme;
    st->have_results = true;
}

/* Take the pending signal off the signalfd, so that unblocking SIGINT /
 * SIGTERM afterwards does not deliver it again. */
static int stop(int sfd)
{
    struct signalfd_siginfo si;
    ssize_t r = read(sfd, &si, sizeof si);
    (void)r;
    return KH_EXIT_OK;
}

/* Wait for events and signals until SIGINT/SIGTERM. Returns the exit code. */
static int loop(state *st, watcher *w, int sfd)
{
    struct pollfd fds[2] = {{w->fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    for (;;) {
        int r = poll(fds, 2, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            perror("kaohe watch: poll");
            return KH_EXIT_USAGE;
        }
        if (fds[1].revents)
            return stop(sfd);
        if (!(fds[0].revents & POLLIN))
            continue;
        double started = now_ms();
        drain(w);
        if (!w->changed) {
            /* nothing to run yet (a file created but not yet written, or an
             * ignored one); the names noted so far stay for the next batch,
             * which tells a temporary file from a new one */
            if (w->rescan)
                add_tree(w, w->root, "", 0);
            w->rescan = false;
            continue;
        }
        /* merge what follows within DEBOUNCE_MS of the last event (but run
         * at the latest DEBOUNCE_MAX_MS after the first) */
        while (now_ms() - started < DEBOUNCE_MAX_MS) {
            r = poll(fds, 2, DEBOUNCE_MS);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0 && fds[1].revents)
                return stop(sfd);
            if (r > 0 && (fds[0].revents & POLLIN)) {
                drain(w);
                continue;
            }
            break;
        }
        if (w->rescan)
            add_tree(w, w->root, "", 0);
        rerun(st, w, started);
        clear_batch(w);
    }
}

int kh_cmd_watch(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS, KH_CLI_ISOLATE_LONGOPTS, {"facts", required_argument, NULL, 'F'},
        {0, 0, 0, 0}};
    const char *facts_paths[MAX_FACTS_FILES];
    size_t nfacts = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c == 'F') {
            if (nfacts == MAX_FACTS_FILES) {
                fprintf(stderr, "kaohe watch: too many --facts options\n");
                return KH_EXIT_USAGE;
            }
            facts_paths[nfacts++] = optarg;
            continue;
        }
        if (c == KH_OPT_RULES) {
            fprintf(stderr, "kaohe watch: the scheme is DIR, the first argument (no --rules)\n");
            return KH_EXIT_USAGE;
        }
        int r = kh_cli_common_option(cli, c, optarg);
        if (r <= 0) {
            if (r == 0)
                usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (cli->format != KH_FMT_TABLE) {
        fprintf(stderr, "kaohe watch: prints text only (no --format json/csv)\n");
        return KH_EXIT_USAGE;
    }
    if (optind >= argc || (optind + 1 >= argc && nfacts == 0)) {
        fprintf(stderr, "kaohe watch: give the scheme directory and the reports\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    const char *dir = argv[optind];
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "kaohe watch: %s: not a directory (the scheme directory to watch)\n",
                dir);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli);
    cli->rules_dir = dir;
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;

    int status = KH_EXIT_USAGE;
    state st;
    memset(&st, 0, sizeof st);
    st.cli = cli;
    st.engine = engine;
    st.dir = dir;
    watcher w;
    memset(&w, 0, sizeof w);
    w.fd = -1;
    w.root = dir;
    int sfd = -1;
    sigset_t mask, old_mask;
    bool masked = false;
    kh_cli_given given = {0};

    if (!kh_cli_given_load(&given, cli, facts_paths, nfacts, NULL))
        goto done;
    size_t failed = kh_cli_read_inputs(cli, engine, argv + optind + 1,
                                       (size_t)(argc - optind - 1), &given, &st.inputs, &st.n);
    if (failed == (size_t)-1)
        goto done;
    for (size_t i = 0; i < st.n; i++)
        if (st.inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", st.inputs[i].error);

    /* signals as events, so a run is never cut in the middle */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, &old_mask) != 0) {
        perror("kaohe watch: sigprocmask");
        goto done;
    }
    masked = true;
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (sfd < 0 || w.fd < 0) {
        perror("kaohe watch: signalfd/inotify");
        goto done;
    }
    add_tree(&w, dir, "", 0);
    if (w.count == 0) {
        fprintf(stderr, "kaohe watch: %s: cannot watch (%s)\n", dir, strerror(errno));
        goto done;
    }
    rerun(&st, NULL, 0);
    stamp(stdout);
    fprintf(stdout, "监视 %s（%zu 个目录）中的改动，按 Ctrl-C 退出\n", dir, w.count);
    fflush(stdout);
    status = loop(&st, &w, sfd);
    if (status == KH_EXIT_OK) {
        stamp(stdout);
        fputs("已停止监视\n", stdout);
        fflush(stdout);
    }
done:
    watcher_free(&w);
    if (sfd >= 0)
        close(sfd);
    if (masked)
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
    for (size_t i = 0; st.scores && i < st.n; i++)
        kh_report_score_free(st.scores[i]);
    free(st.scores);
    kh_cli_inputs_free(st.inputs, st.n);
    free(st.inputs);
    kh_cli_given_free(&given);
    kh_rules_free(st.rules);
    kh_scheme_free(st.scheme);
    kh_engine_free(engine);
    return status;
}
