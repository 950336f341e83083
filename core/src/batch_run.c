/* batch_run.c — one batch run from set-up to results.json: fingerprints,
 * the cache and journal, the worker pool, assembling the records (overrides,
 * 加分/扣分 events, ranking), the run manifest, shard files and their merge, and verification
 * (see batch.h and docs/batch.md). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "batch.h"
#include "batch_summary.h"
#include "cli_score.h"
#include "output.h"
#include "outputs.h"
#include "pipemsg.h"

/* The parent keeps a compact summary of every record (batch_summary.h:
 * what the ranking, the points and the 待核查 lists need, ~112 bytes a
 * report). A run of more reports than this keeps nothing else and reads each
 * full record back from the cache once, in rank order, while results.json,
 * kaohe.xlsx's 事实与佐证 sheet and report.html's sections are written in
 * one pass (kh_outputs_pass), so the parent's memory stays flat whatever the
 * size of the run. Smaller runs also keep every record whole: nothing is
 * read twice. */
#ifndef KH_BATCH_FULL_IN_MEMORY
#define KH_BATCH_FULL_IN_MEMORY 1000
#endif

#ifndef KH_RULES_INSTALL_DIR
#define KH_RULES_INSTALL_DIR "/usr/local/share/kaohe/scoring-rules"
#endif

/* ---- small helpers ---------------------------------------------------------- */

void kh_batch_now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool sha_file_hex(const char *path, char hex[KH_SHA256_HEX_SIZE])
{
    uint8_t d[KH_SHA256_DIGEST_SIZE];
    hex[0] = '\0';
    if (kh_sha256_file(path, d) != KH_OK)
        return false;
    kh_sha256_hex(d, hex);
    return true;
}

static void exe_dir(char *buf, size_t size)
{
    buf[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

const char *kh_batch_find_registry(const kh_cli *cli, char *buf, size_t size)
{
    const char *env = getenv("KAOHE_REGISTRY");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return buf;
    }
    if (cli->rules_dir) {
        snprintf(buf, size, "%s/../registry.yaml", cli->rules_dir);
        if (file_exists(buf))
            return buf;
    }
    char dir[4096];
    exe_dir(dir, sizeof dir);
    static const char *const tries[] = {"/scoring-rules/registry.yaml",
                                        "/../share/kaohe/scoring-rules/registry.yaml"};
    for (size_t i = 0; dir[0] && i < 2; i++) {
        snprintf(buf, size, "%s%s", dir, tries[i]);
        if (file_exists(buf))
            return buf;
    }
    snprintf(buf, size, "%s/registry.yaml", KH_RULES_INSTALL_DIR);
    return file_exists(buf) ? buf : NULL;
}

static bool load_registry(const char *path, kh_registry **out)
{
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_registry_load(out, path, &diags, &err);
    kh_cli_print_diags(stderr, &diags);
    if (rc != KH_OK && diags.count == 0) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
    }
    kh_diag_list_free(&diags);
    return rc == KH_OK;
}

/* ---- set-up ------------------------------------------------------------------ */

/* Name each event's unit as the run names units: an entry's `unit` the
 * registry identifies (文登区, 威海市文登区) becomes the registry's name, the
 * `unit` of results.json that assemble() matches it against; a unit the
 * registry does not know, or only doubtfully (an alias), stays as written
 * and then matches a report that words it so. false: out of memory. */
static bool events_to_registry_names(kh_event_list *evl, const kh_registry *reg)
{
    for (size_t i = 0; reg && i < evl->count; i++) {
        kh_event *e = &evl->items[i];
        if (!e->unit)
            continue;
        kh_unit_match m;
        kh_registry_identify(reg, e->unit, NULL, NULL, &m);
        if (m.status != KH_UNIT_MATCHED || !m.entry || strcmp(m.entry->name, e->unit) == 0)
            continue;
        char *name = strdup(m.entry->name);
        if (!name)
            return false;
        free(e->unit);
        e->unit = name;
    }
    return true;
}

bool kh_batch_setup(kh_batch *b, kh_cli *cli, const kh_batch_opts *opts,
                    kh_batch_source *src)
{
    memset(b, 0, sizeof *b);
    b->cli = cli;
    b->opts = *opts;
    b->src = src;
    kh_batch_now_iso(b->started);
    if (!getcwd(b->cwd, sizeof b->cwd))
        b->cwd[0] = '\0';
    b->engine = kh_cli_engine(cli);
    if (!b->engine)
        return false;
    b->scheme = kh_cli_load_scheme(cli->rules_dir, b->engine, stderr, &b->rules);
    if (!b->scheme) {
        fprintf(stderr, "kaohe: %s: scheme not usable, nothing scored\n", cli->rules_dir);
        return false;
    }
    if (opts->registry_path && !load_registry(opts->registry_path, &b->registry))
        return false;
    if (opts->overrides_path) {
        if (!kh_cli_load_overrides(opts->overrides_path, b->engine, &b->overrides))
            return false;
        sha_file_hex(opts->overrides_path, b->overrides_sha256);
    }
    if (opts->events_path) {
        if (!kh_cli_load_events(opts->events_path, b->scheme, &b->events))
            return false;
        if (!events_to_registry_names(&b->events, b->registry)) {
            fprintf(stderr, "kaohe: out of memory\n");
            return false;
        }
        sha_file_hex(opts->events_path, b->events_sha256);
    }
    size_t np = kh_engine_plugin_count(b->engine);
    b->plugins = calloc(np ? np : 1, sizeof *b->plugins);
    if (!b->plugins)
        return false;
    kh_sha256_ctx fp;
    kh_sha256_init(&fp);
    for (size_t i = 0; i < np; i++) {
        const kh_plugin_info *info = kh_engine_plugin_at(b->engine, i);
        kh_batch_plugin *p = &b->plugins[b->plugins_count++];
        p->name = dup0(info->name);
        p->version = dup0(info->version);
        p->path = dup0(info->path);
        sha_file_hex(info->path, p->sha256);
        char line[1024];
        int n = snprintf(line, sizeof line, "%s\t%s\t%s\n", info->name, info->version, p->sha256);
        kh_sha256_update(&fp, line, n > 0 ? (size_t)n : 0);
    }
    uint8_t d[KH_SHA256_DIGEST_SIZE];
    kh_sha256_final(&fp, d);
    kh_sha256_hex(d, b->plugins_fp);
    return true;
}

void kh_batch_teardown(kh_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->plugins_count; i++) {
        free(b->plugins[i].name);
        free(b->plugins[i].version);
        free(b->plugins[i].path);
    }
    free(b->plugins);
    kh_override_list_free(&b->overrides);
    kh_event_list_free(&b->events);
    kh_registry_free(b->registry);
    kh_rules_free(b->rules);
    kh_scheme_free(b->scheme);
    kh_engine_free(b->engine);
    memset(b, 0, sizeof *b);
}

/* Input SHA-256 and the cache key: everything a record depends on. */
static void hash_job(kh_batch *b, kh_batch_job *job)
{
    job->has_key = false;
    job->has_sha256 = kh_sha256_file(job->path, job->sha256) == KH_OK;
    if (!job->has_sha256)
        return; /* unreadable: the worker says why; never cached */
    char sha[KH_SHA256_HEX_SIZE];
    kh_sha256_hex(job->sha256, sha);
    kh_sha256_ctx c;
    kh_sha256_init(&c);
    char buf[8192];
    int n = snprintf(buf, sizeof buf,
                     "kaohe-batch-cache 1\nkaohe %s\nrecord %d\npath %s\ninput %s\n"
                     "scheme %s\nplugins %s\nregistry %s\nunit %s\nyear %d\n"
                     "deadline %s\nmax-size %zu\n",
                     KH_VERSION_STRING, KH_RECORD_VERSION, job->path, sha,
                     b->scheme->sha256, b->plugins_fp,
                     b->registry ? b->registry->sha256 : "-", job->hint ? job->hint : "-",
                     b->src->year, b->src->deadline ? b->src->deadline : "-",
                     b->cli->max_bytes);
    if (n < 0 || (size_t)n >= sizeof buf)
        return; /* a path too long to key: never cached */
    kh_sha256_update(&c, buf, (size_t)n);
    kh_sha256_final(&c, job->key);
    job->has_key = true;
}

/* ---- the run manifest ----------------------------------------------------- */

typedef struct man_input {
    char *path, *sha256, *unit;
} man_input;

typedef struct manifest {
    char *kaohe, *started, *finished, *cwd;
    char *src_kind, *src_path, *src_sha256, *deadline;
    int year;
    char *scheme_id, *scheme_version, *scheme_sha256, *scheme_dir;
    char *plugins_dir;
    kh_batch_plugin *plugins;
    size_t plugins_count;
    char *registry_path, *registry_sha256;
    char *overrides_path, *overrides_sha256;
    char *events_path, *events_sha256;
    unsigned long long max_size;
    kh_limits limits;
    man_input *inputs;              /* owned (a manifest read back), or NULL */
    size_t inputs_count;            /* of inputs, or of jobs */
    const kh_batch_job *jobs;       /* borrowed (a batch's own manifest): its
                                       inputs are jobs[sel[k]] (sel NULL: k) */
    const size_t *sel;              /* borrowed */
} manifest;

static void manifest_free(manifest *m)
{
    char **strs[] = {&m->kaohe, &m->started, &m->finished, &m->cwd, &m->src_kind,
                     &m->src_path, &m->src_sha256, &m->deadline, &m->scheme_id,
                     &m->scheme_version, &m->scheme_sha256, &m->scheme_dir, &m->plugins_dir,
                     &m->registry_path, &m->registry_sha256, &m->overrides_path,
                     &m->overrides_sha256, &m->events_path, &m->events_sha256};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < m->plugins_count; i++) {
        free(m->plugins[i].name);
        free(m->plugins[i].version);
        free(m->plugins[i].path);
    }
    free(m->plugins);
    for (size_t i = 0; m->inputs && i < m->inputs_count; i++) {
        free(m->inputs[i].path);
        free(m->inputs[i].sha256);
        free(m->inputs[i].unit);
    }
    free(m->inputs);
    memset(m, 0, sizeof *m);
}

/* The manifest of a run over jobs sel[0..n) (NULL = all). */
static bool manifest_from_batch(manifest *m, const kh_batch *b, const size_t *sel, size_t n)
{
    memset(m, 0, sizeof *m);
    const kh_batch_source *src = b->src;
    m->kaohe = strdup(KH_VERSION_STRING);
    m->started = strdup(b->started);
    m->cwd = strdup(b->cwd);
    m->src_kind = dup0(src->kind);
    m->src_path = dup0(src->path);
    m->src_sha256 = src->sha256[0] ? strdup(src->sha256) : NULL;
    m->deadline = dup0(src->deadline);
    m->year = src->year;
    m->scheme_id = dup0(b->scheme->id);
    m->scheme_version = dup0(b->scheme->version);
    m->scheme_sha256 = strdup(b->scheme->sha256);
    m->scheme_dir = dup0(b->cli->rules_dir);
    m->plugins_dir = dup0(b->cli->plugins_dir);
    m->plugins = calloc(b->plugins_count ? b->plugins_count : 1, sizeof *m->plugins);
    if (!m->plugins)
        return false;
    for (size_t i = 0; i < b->plugins_count; i++) {
        m->plugins[i].name = dup0(b->plugins[i].name);
        m->plugins[i].version = dup0(b->plugins[i].version);
        m->plugins[i].path = dup0(b->plugins[i].path);
        memcpy(m->plugins[i].sha256, b->plugins[i].sha256, KH_SHA256_HEX_SIZE);
        m->plugins_count++;
    }
    if (b->registry) {
        m->registry_path = dup0(b->registry->path);
        m->registry_sha256 = strdup(b->registry->sha256);
    }
    if (b->opts.overrides_path) {
        m->overrides_path = dup0(b->opts.overrides_path);
        m->overrides_sha256 = strdup(b->overrides_sha256);
    }
    if (b->opts.events_path) {
        m->events_path = dup0(b->opts.events_path);
        m->events_sha256 = strdup(b->events_sha256);
    }
    m->max_size = b->cli->max_bytes;
    m->limits = b->cli->limits;
    /* the inputs are the job list's (borrowed, not copied: 100,000 paths) */
    m->jobs = src->jobs;
    m->sel = sel;
    m->inputs_count = sel ? n : src->count;
    return m->kaohe && m->started && m->scheme_sha256;
}

static void kstr_or_null(kh_json *j, const char *key, const char *s)
{
    kh_json_kstring(j, key, s);
}

static void manifest_write(kh_json *j, const manifest *m, size_t scored, size_t failed)
{
    kh_json_object(j);
    kh_json_kstring(j, "kaohe", m->kaohe);
    kh_json_kstring(j, "started", m->started);
    kh_json_kstring(j, "finished", m->finished);
    kh_json_kstring(j, "cwd", m->cwd);
    kh_json_key(j, "source");
    kh_json_object(j);
    kh_json_kstring(j, "kind", m->src_kind);
    kh_json_kstring(j, "path", m->src_path);
    kstr_or_null(j, "sha256", m->src_sha256);
    kh_json_key(j, "year");
    if (m->year)
        kh_json_int(j, m->year);
    else
        kh_json_null(j);
    kstr_or_null(j, "deadline", m->deadline);
    kh_json_object_end(j);
    kh_json_key(j, "scheme");
    kh_json_object(j);
    kh_json_kstring(j, "id", m->scheme_id);
    kh_json_kstring(j, "version", m->scheme_version);
    kh_json_kstring(j, "sha256", m->scheme_sha256);
    kh_json_kstring(j, "dir", m->scheme_dir);
    kh_json_object_end(j);
    kh_json_key(j, "plugins");
    kh_json_object(j);
    kh_json_kstring(j, "dir", m->plugins_dir);
    kh_json_key(j, "loaded");
    kh_json_array(j);
    for (size_t i = 0; i < m->plugins_count; i++) {
        kh_json_object(j);
        kh_json_kstring(j, "name", m->plugins[i].name);
        kh_json_kstring(j, "version", m->plugins[i].version);
        kh_json_kstring(j, "path", m->plugins[i].path);
        kh_json_kstring(j, "sha256", m->plugins[i].sha256);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_object_end(j);
    kh_json_key(j, "registry");
    if (m->registry_path) {
        kh_json_object(j);
        kh_json_kstring(j, "path", m->registry_path);
        kh_json_kstring(j, "sha256", m->registry_sha256);
        kh_json_object_end(j);
    } else {
        kh_json_null(j);
    }
    kh_json_key(j, "overrides");
    if (m->overrides_path) {
        kh_json_object(j);
        kh_json_kstring(j, "path", m->overrides_path);
        kh_json_kstring(j, "sha256", m->overrides_sha256);
        kh_json_object_end(j);
    } else {
        kh_json_null(j);
    }
    kh_json_key(j, "events");
    if (m->events_path) {
        kh_json_object(j);
        kh_json_kstring(j, "path", m->events_path);
        kh_json_kstring(j, "sha256", m->events_sha256);
        kh_json_object_end(j);
    } else {
        kh_json_null(j);
    }
    kh_json_key(j, "options");
    kh_json_object(j);
    kh_json_kint(j, "max_size", (long long)m->max_size);
    kh_json_kint(j, "limit_cpu", m->limits.cpu_seconds);
    kh_json_kint(j, "limit_mem_mb", m->limits.mem_mb);
    kh_json_kint(j, "timeout", m->limits.timeout_seconds);
    kh_json_object_end(j);
    kh_json_key(j, "inputs");
    kh_json_array(j);
    for (size_t i = 0; i < m->inputs_count; i++) {
        const char *path, *sha, *unit;
        char hex[KH_SHA256_HEX_SIZE];
        if (m->jobs) {
            const kh_batch_job *jb = &m->jobs[m->sel ? m->sel[i] : i];
            path = jb->path;
            sha = kh_batch_job_sha256(jb, hex);
            unit = jb->hint;
        } else {
            path = m->inputs[i].path;
            sha = m->inputs[i].sha256;
            unit = m->inputs[i].unit;
        }
        kh_json_object(j);
        kh_json_kstring(j, "path", path);
        kstr_or_null(j, "sha256", sha);
        if (unit)
            kh_json_kstring(j, "unit", unit);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "counts");
    kh_json_object(j);
    kh_json_kint(j, "inputs", (long long)m->inputs_count);
    kh_json_kint(j, "scored", (long long)scored);
    kh_json_kint(j, "failed", (long long)failed);
    kh_json_object_end(j);
    kh_json_object_end(j);
}

static char *gdup(const kh_jv *v, const char *key)
{
    return dup0(kh_jv_gstr(v, key));
}

static bool manifest_read(manifest *m, const kh_jv *v)
{
    memset(m, 0, sizeof *m);
    if (!v || v->type != KH_JV_OBJECT)
        return false;
    m->kaohe = gdup(v, "kaohe");
    m->started = gdup(v, "started");
    m->finished = gdup(v, "finished");
    m->cwd = gdup(v, "cwd");
    const kh_jv *s = kh_jv_get(v, "source");
    m->src_kind = gdup(s, "kind");
    m->src_path = gdup(s, "path");
    m->src_sha256 = gdup(s, "sha256");
    m->year = (int)kh_jv_gnum(s, "year", 0);
    m->deadline = gdup(s, "deadline");
    s = kh_jv_get(v, "scheme");
    m->scheme_id = gdup(s, "id");
    m->scheme_version = gdup(s, "version");
    m->scheme_sha256 = gdup(s, "sha256");
    m->scheme_dir = gdup(s, "dir");
    s = kh_jv_get(v, "plugins");
    m->plugins_dir = gdup(s, "dir");
    const kh_jv *pl = kh_jv_get(s, "loaded");
    size_t np = kh_jv_len(pl);
    m->plugins = calloc(np ? np : 1, sizeof *m->plugins);
    if (!m->plugins)
        return false;
    for (size_t i = 0; i < np; i++) {
        const kh_jv *p = kh_jv_at(pl, i);
        kh_batch_plugin *d = &m->plugins[m->plugins_count++];
        d->name = gdup(p, "name");
        d->version = gdup(p, "version");
        d->path = gdup(p, "path");
        snprintf(d->sha256, sizeof d->sha256, "%s", kh_jv_gstr(p, "sha256") ? kh_jv_gstr(p, "sha256") : "");
    }
    s = kh_jv_get(v, "registry");
    m->registry_path = gdup(s, "path");
    m->registry_sha256 = gdup(s, "sha256");
    s = kh_jv_get(v, "overrides");
    m->overrides_path = gdup(s, "path");
    m->overrides_sha256 = gdup(s, "sha256");
    s = kh_jv_get(v, "events"); /* absent in runs before --events: none */
    m->events_path = gdup(s, "path");
    m->events_sha256 = gdup(s, "sha256");
    s = kh_jv_get(v, "options");
    m->max_size = (unsigned long long)kh_jv_gnum(s, "max_size", (double)KH_DOCUMENT_DEFAULT_MAX_BYTES);
    m->limits.cpu_seconds = (unsigned)kh_jv_gnum(s, "limit_cpu", KH_LIMIT_CPU_DEFAULT);
    m->limits.mem_mb = (unsigned)kh_jv_gnum(s, "limit_mem_mb", KH_LIMIT_MEM_DEFAULT);
    m->limits.timeout_seconds = (unsigned)kh_jv_gnum(s, "timeout", KH_LIMIT_TIMEOUT_DEFAULT);
    const kh_jv *ins = kh_jv_get(v, "inputs");
    size_t ni = kh_jv_len(ins);
    m->inputs = calloc(ni ? ni : 1, sizeof *m->inputs);
    if (!m->inputs)
        return false;
    for (size_t i = 0; i < ni; i++) {
        const kh_jv *in = kh_jv_at(ins, i);
        man_input *d = &m->inputs[m->inputs_count++];
        d->path = gdup(in, "path");
        d->sha256 = gdup(in, "sha256");
        d->unit = gdup(in, "unit");
        if (!d->path)
            return false;
    }
    return m->kaohe && m->scheme_sha256 && m->scheme_dir && m->plugins_dir;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What differs between two shards' manifests (besides inputs and times);
 * NULL when they belong to one run. */
static const char *manifest_mismatch(const manifest *a, const manifest *b)
{
    if (!same_str(a->kaohe, b->kaohe))
        return "kaohe version";
    if (!same_str(a->scheme_sha256, b->scheme_sha256))
        return "scheme (sha256)";
    if (a->plugins_count != b->plugins_count)
        return "plugins";
    for (size_t i = 0; i < a->plugins_count; i++)
        if (!same_str(a->plugins[i].name, b->plugins[i].name) ||
            strcmp(a->plugins[i].sha256, b->plugins[i].sha256) != 0)
            return "plugins";
    if (!same_str(a->registry_sha256, b->registry_sha256))
        return "unit registry";
    if (!same_str(a->overrides_sha256, b->overrides_sha256))
        return "overrides";
    if (!same_str(a->events_sha256, b->events_sha256))
        return "events file";
    if (!same_str(a->src_kind, b->src_kind) || !same_str(a->src_path, b->src_path) ||
        !same_str(a->src_sha256, b->src_sha256) || a->year != b->year ||
        !same_str(a->deadline, b->deadline))
        return "source (DIR or MANIFEST)";
    if (a->max_size != b->max_size || a->limits.cpu_seconds != b->limits.cpu_seconds ||
        a->limits.mem_mb != b->limits.mem_mb ||
        a->limits.timeout_seconds != b->limits.timeout_seconds)
        return "options";
    return NULL;
}

/* ---- assembling records into a run ------------------------------------------- */

/* The item of record r as the run shows it. */
static void record_item(const kh_record *r, kh_run_item *it)
{
    memset(it, 0, sizeof *it);
    it->path = r->path;
    it->sha256 = r->sha256;
    it->unit = r->unit;
    it->unit_code = r->unit_code;
    /* a note on a matched unit says how it was settled; only doubt is a note */
    it->unit_note = r->unit_status != KH_UNIT_MATCHED ? r->unit_note : NULL;
    it->year = r->year;
    it->facts = r->facts;
    it->score = r->error ? NULL : r->score;
    it->error = r->error;
}

/* Summarise record r as entry k of sum; path (borrowed, must outlive sum)
 * stands for r->path, which may not live as long. */
static int summarise(kh_batch_summary *sum, size_t k, const kh_record *r, const char *path)
{
    kh_run_item it;
    record_item(r, &it);
    it.path = path;
    return kh_batch_summary_set(sum, k, &it);
}

/* A run's records while they are assembled and written: a summary of each
 * (entry at[i] for item i, items sorted by path) and, for some, the whole
 * record in memory; the others are read back by load when the outputs
 * print their facts. */
typedef struct assembly {
    size_t n;
    const size_t *at;            /* borrowed, n: the entry of item i */
    kh_batch_summary *sum;       /* borrowed */
    kh_record **full;            /* borrowed, by entry: the whole record, or NULL;
                                    where it is NULL, assemble() puts a record
                                    overrides or events changed (malloc'd; the
                                    caller frees it with the array's other
                                    entries) */
    bool (*load)(void *ctx, size_t k, kh_record *out); /* entry k read back
                                    (false: printed); NULL when all are full */
    void *load_ctx;
    kh_overrides_result ov;      /* owned */
    bool have_ov;
    kh_run run;
    size_t scored, failed;
    char title[128];
    /* the record behind the last complete item handed out (full_item) */
    kh_record scratch;           /* owned: read back */
    const kh_record *cur;        /* scratch, a full record, or NULL */
    size_t cur_i;
    kh_run_item cur_item;
    bool lost;                   /* a record did not read back while writing */
} assembly;

static void assembly_free(assembly *a)
{
    if (a->have_ov)
        kh_overrides_result_free(&a->ov);
    kh_record_clear(&a->scratch);
    memset(a, 0, sizeof *a);
}

/* kh_run.item: the light item i from its summary. */
static const kh_run_item *light_item(void *ctx, size_t i)
{
    assembly *a = ctx;
    return kh_batch_summary_item(a->sum, a->at[i]);
}

/* kh_run.full: item i with its facts and explanations. */
static const kh_run_item *full_item(void *ctx, size_t i)
{
    assembly *a = ctx;
    size_t k = a->at[i];
    const kh_record *r = a->full[k];
    a->cur = NULL;
    if (!r) {
        kh_record_clear(&a->scratch);
        if (!a->load || !a->load(a->load_ctx, k, &a->scratch)) {
            a->lost = true;
            return NULL;
        }
        r = &a->scratch;
    }
    if (kh_batch_summary_scored(a->sum, k) != (r->score && !r->error)) {
        a->lost = true; /* not the record that was summarised */
        return NULL;
    }
    if (r->score)
        r->score->rank = kh_batch_summary_rank(a->sum, k);
    record_item(r, &a->cur_item);
    a->cur = r;
    a->cur_i = i;
    return &a->cur_item;
}

/* Overrides (planned over every unit of the run) and 加分/扣分 events, then
 * the ranking and the kh_run. A report they touch is re-scored here, in the
 * parent, as `kaohe score --overrides --events` scores it: the overrides
 * applied to its facts (an override of report.unit / report.year renames
 * it), the rules run, then the events that name its file or its unit (the
 * unit as the run resolved it, after overrides) adjust the score. Such a
 * record is kept whole (a->full; there are few). Neither is in the cache:
 * changing them re-scores without re-extracting. a's n, at, sum, full, load
 * and load_ctx are set by the caller. ovl and evl may be NULL. */
static bool assemble(assembly *a, const kh_cli *cli, const kh_scheme *scheme, kh_rules *rules,
                     const kh_registry *registry, const kh_override_list *ovl,
                     const kh_event_list *evl, int year)
{
    size_t n = a->n;
    bool use_ov = ovl && ovl->count, use_ev = evl && evl->count;
    if (use_ov) {
        const char **units = calloc(n ? n : 1, sizeof *units);
        if (!units)
            return false;
        for (size_t i = 0; i < n; i++)
            units[i] = kh_batch_summary_has_facts(a->sum, a->at[i])
                           ? kh_batch_summary_unit(a->sum, a->at[i])
                           : NULL;
        int rc = kh_overrides_plan(&a->ov, ovl, units, n);
        free(units);
        if (rc != KH_OK)
            return false;
        a->have_ov = true;
    }
    /* the event ids of one report (borrowed from evl); every entry may match */
    const char **ids = use_ev ? calloc(evl->count, sizeof *ids) : NULL;
    if (use_ev && !ids)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && (use_ov || use_ev) && i < n; i++) {
        size_t k = a->at[i];
        if (!kh_batch_summary_has_facts(a->sum, k))
            continue;
        /* without overrides, only the reports an event names are read back */
        if (!use_ov && (!kh_batch_summary_scored(a->sum, k) ||
                        !kh_events_for(evl, kh_batch_summary_path(a->sum, k),
                                       kh_batch_summary_unit(a->sum, k), ids, evl->count)))
            continue;
        kh_record *r = a->full[k];
        kh_record *loaded = NULL;
        if (!r) {
            loaded = calloc(1, sizeof *loaded);
            if (!loaded || !a->load || !a->load(a->load_ctx, k, loaded)) {
                free(loaded);
                ok = false;
                break;
            }
            r = loaded;
        }
        bool changed = false;
        if (use_ov) {
            size_t before = a->ov.applied_count;
            ok = kh_overrides_apply(ovl, r->unit, r->path, r->facts, &a->ov) == KH_OK;
            changed = ok && a->ov.applied_count > before;
        }
        if (changed) {
            /* an override of report.unit / report.year renames the report */
            const kh_fact *u = kh_factset_get(r->facts, "report.unit");
            const kh_fact *y = kh_factset_get(r->facts, "report.year");
            if (y && y->type == KH_VALUE_NUMBER)
                r->year = (int)y->number;
            if (u && u->type == KH_VALUE_TEXT && u->text &&
                (!r->unit_reported || strcmp(u->text, r->unit_reported) != 0)) {
                free(r->unit_reported);
                r->unit_reported = strdup(u->text);
                kh_unit_match m;
                kh_registry_identify(registry, r->unit_reported, NULL, NULL, &m);
                kh_record_set_unit(r, &m);
            }
        }
        size_t nid = ok && use_ev && r->score && !r->error
                         ? kh_events_for(evl, r->path, r->unit, ids, evl->count)
                         : 0;
        if (!ok || (!changed && !nid)) {
            if (loaded) {
                kh_record_clear(loaded);
                free(loaded);
            }
            continue;
        }
        if (loaded)
            a->full[k] = loaded;
        if (!r->error && rules) {
            kh_report_score *sc = NULL;
            kh_error err;
            kh_error_clear(&err);
            if (kh_rules_score(rules, r->facts, r->path, r->unit_reported, r->year, &sc,
                               &err) == KH_OK) {
                kh_report_score_free(r->score);
                r->score = sc;
            }
        }
        if (nid && r->score && !r->error) {
            kh_error err;
            kh_error_clear(&err);
            /* ids were checked against the scheme when the file was loaded */
            ok = kh_report_score_adjust(r->score, scheme, ids, nid, &err) == KH_OK;
        }
        ok = ok && summarise(a->sum, k, r, r->path) == KH_OK;
    }
    free(ids);
    if (!ok)
        return false;
    for (size_t i = 0; a->have_ov && !cli->quiet && i < a->ov.warnings_count; i++)
        fprintf(stderr, "kaohe: warning: %s\n", a->ov.warnings[i]);
    for (size_t i = 0; i < n; i++) {
        if (kh_batch_summary_scored(a->sum, a->at[i]))
            a->scored++;
        else
            a->failed++;
    }
    if (kh_batch_summary_rank_all(a->sum, a->at, n) != KH_OK)
        return false;
    if (year)
        snprintf(a->title, sizeof a->title, "%d年度法治政府建设考核", year);
    a->run.scheme = scheme;
    a->run.items = NULL;
    a->run.item = light_item;
    a->run.item_ctx = a;
    a->run.full = full_item;
    a->run.full_ctx = a;
    a->run.count = n;
    a->run.overrides = a->have_ov ? a->ov.applied : NULL;
    a->run.overrides_count = a->have_ov ? a->ov.applied_count : 0;
    a->run.title = a->title[0] ? a->title : NULL;
    return true;
}

/* Warn (stderr, unless quiet) about each entry of the events file at path
 * that applies to no scored report of the assembled run (a unit the
 * registry does not know and no report words that way, a misspelt file
 * name, a report left out of the run). */
static void warn_unused_events(const assembly *a, const kh_event_list *evl, const char *path,
                               bool quiet)
{
    if (quiet || !evl || !evl->count)
        return;
    bool *used = calloc(evl->count, sizeof *used);
    const char **ids = calloc(evl->count, sizeof *ids);
    for (size_t i = 0; used && ids && i < a->n; i++) {
        size_t k = a->at[i];
        if (!kh_batch_summary_scored(a->sum, k))
            continue;
        size_t nid = kh_events_for(evl, kh_batch_summary_path(a->sum, k),
                                   kh_batch_summary_unit(a->sum, k), ids, evl->count);
        /* the ids are the entries' own strings: find the entries by them */
        for (size_t e = 0, x = 0; e < evl->count && x < nid; e++)
            if (evl->items[e].event == ids[x]) {
                used[e] = true;
                x++;
            }
    }
    for (size_t e = 0; used && ids && e < evl->count; e++) {
        if (used[e])
            continue;
        const kh_event *ev = &evl->items[e];
        kh_error err;
        kh_error_clear(&err);
        kh_error_set(&err, KH_ECONFIG, path, ev->line, 0,
                     "event '%s' for %s %s applies to no report of the run", ev->event,
                     ev->file ? "file" : "unit", ev->file ? ev->file : ev->unit);
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(stderr, "kaohe: warning: %s\n", kh_error_format(&err, buf, sizeof buf));
    }
    free(used);
    free(ids);
}

/* The members batch adds to a result: from the record behind the complete
 * item just written (full_item). */
static void result_extra(kh_json *j, size_t i, void *ctx)
{
    const assembly *a = ctx;
    const kh_record *r = a->cur && a->cur_i == i ? a->cur : NULL;
    if (!r)
        return; /* lost: the write fails (assembly.lost) */
    kh_json_kstring(j, "sha256", r->sha256);
    kh_json_kstring(j, "unit_status", kh_unit_status_name(r->unit_status));
    kh_json_kstring(j, "unit_code", r->unit_code);
    kh_json_kstring(j, "unit_note", r->unit_status != KH_UNIT_MATCHED ? r->unit_note : NULL);
    kh_json_kstring(j, "unit_match", r->unit_status == KH_UNIT_MATCHED ? r->unit_note : NULL);
    kh_json_kstring(j, "unit_reported", r->unit_reported);
    kh_json_key(j, "warnings");
    kh_json_array(j);
    for (size_t k = 0; k < r->warnings_count; k++)
        kh_json_string(j, r->warnings[k]);
    kh_json_array_end(j);
}

typedef struct results_doc {
    const manifest *m;
    assembly *a;
    kh_outputs_writer *w;        /* borrowed: the office's files, written in the
                                    same pass; NULL for results.json alone */
    kh_json j;
} results_doc;

/* One result of results.json (kh_outputs_pass hands out the items). */
static void result_each(void *ctx, size_t i, const kh_run_item *it)
{
    results_doc *d = ctx;
    kh_output_run_result_json(&d->j, &d->a->run, it, i, result_extra, d->a);
}

static int fill_results(FILE *f, void *ctx)
{
    results_doc *d = ctx;
    assembly *a = d->a;
    kh_json_init(&d->j, f, true);
    kh_json_object(&d->j);
    kh_json_key(&d->j, "run");
    manifest_write(&d->j, d->m, a->scored, a->failed);
    kh_output_run_results_begin(&d->j, &a->run);
    /* each record read (back) once, for results.json and the office's files */
    if (d->w) {
        kh_outputs_pass(d->w, result_each, d);
    } else {
        size_t *ord = kh_outputs_display_order(&a->run);
        if (!ord)
            return -1;
        for (size_t n = 0; n < a->run.count; n++)
            result_each(d, ord[n], kh_run_full_item(&a->run, ord[n]));
        free(ord);
    }
    kh_json_array_end(&d->j);
    if (a->have_ov) {
        kh_json_key(&d->j, "overrides");
        kh_overrides_json(&d->j, a->ov.applied, a->ov.applied_count);
    }
    kh_json_object_end(&d->j);
    kh_json_end(&d->j);
    return ferror(f) || a->lost ? -1 : 0;
}

/* results.json and the office's files into outdir, or the text of
 * results.json into *text when outdir is NULL. */
static int write_results(const char *outdir, const manifest *m, assembly *a, char **text,
                         bool quiet)
{
    results_doc d;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.a = a;
    kh_error err, oerr;
    kh_error_clear(&err);
    kh_error_clear(&oerr);
    if (!outdir) {
        size_t len = 0;
        FILE *f = open_memstream(text, &len);
        if (!f)
            return KH_ENOMEM;
        int frc = fill_results(f, &d);
        fclose(f);
        return frc == 0 ? KH_OK : KH_EIO;
    }
    int orc = kh_outputs_open(&d.w, outdir, &a->run, &oerr);
    int rc = kh_atomic_write(outdir, KH_BATCH_RESULTS, fill_results, &d, &err);
    if (rc == KH_OK && orc != KH_OK) {
        rc = orc;
        err = oerr;
    } else if (rc == KH_OK) {
        rc = kh_outputs_commit(d.w, &err);
    }
    kh_outputs_close(d.w);
    if (rc != KH_OK) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        if (a->lost)
            fprintf(stderr, "kaohe: error: a record did not read back while the outputs were "
                            "written\n");
        fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
    }
    (void)quiet;
    return rc;
}

/* ---- progress ------------------------------------------------------------------ */

typedef struct progress {
    bool tty, quiet, verbose;
    size_t total, done, failed;
    struct timespec start, last;
    bool drawn;
} progress;

static double secs_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress_draw(progress *p, bool force)
{
    if (!p->tty || p->quiet || !p->total)
        return;
    if (!force && p->drawn && secs_since(&p->last) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    double el = secs_since(&p->start);
    double rate = el > 0 ? (double)p->done / el : 0;
    char eta[32] = "--:--";
    if (rate > 0 && p->done < p->total) {
        long s = (long)((double)(p->total - p->done) / rate + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    } else if (p->done >= p->total) {
        snprintf(eta, sizeof eta, "0:00");
    }
    char bar[25];
    size_t fill = p->total ? p->done * 24 / p->total : 0;
    for (size_t i = 0; i < 24; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[24] = '\0';
    char failed[32] = "";
    if (p->failed)
        snprintf(failed, sizeof failed, "  %zu failed", p->failed);
    fprintf(stderr, "\r[%s] %zu/%zu  %.1f/s  ETA %s%s\033[K", bar, p->done, p->total, rate, eta,
            failed);
    fflush(stderr);
    p->drawn = true;
}

static void progress_report(progress *p, const char *path, const char *info)
{
    bool fail = strncmp(info, "fail\t", 5) == 0;
    p->done++;
    if (fail)
        p->failed++;
    if (p->quiet)
        return;
    if (p->tty) {
        if (fail) {
            fprintf(stderr, "\r\033[Kkaohe: %s\n", info + 5);
            p->drawn = false;
        } else if (p->verbose) {
            fputs("\r\033[K", stderr);
            p->drawn = false;
        }
        if (fail || !p->verbose) {
            progress_draw(p, fail);
            return;
        }
    }
    if (fail) {
        fprintf(stderr, "kaohe batch: [%zu/%zu] FAILED %s\n", p->done, p->total, info + 5);
    } else {
        const char *t = strchr(info, '\t');
        const char *g = t ? strchr(t + 1, '\t') : NULL;
        fprintf(stderr, "kaohe batch: [%zu/%zu] %s  %.*s %s\n", p->done, p->total, path,
                t && g ? (int)(g - t - 1) : 0, t ? t + 1 : "", g ? g + 1 : "");
    }
}

static void progress_end(progress *p)
{
    if (p->tty && p->drawn && !p->quiet) {
        progress_draw(p, true);
        fputc('\n', stderr);
    }
}

/* ---- the run ----------------------------------------------------------------------- */

typedef struct run_ctx {
    kh_batch *b;
    kh_batch_journal *jn;    /* NULL without a cache */
    char **texts;            /* records kept in memory (not cached), by job */
    size_t *lens;
    bool *in_cache;          /* the record is in the cache (earlier or now) */
    bool light;              /* keep summaries only (KH_BATCH_FULL_IN_MEMORY) */
    kh_batch_summary *sum;   /* owned; by job: each record summarised as it
                                arrives; NULL when the run assembles no
                                records (shards) */
    kh_record **full;        /* owned, by job: whole records kept in memory
                                (all of a small run; those overrides changed),
                                or NULL */
    progress prog;
} run_ctx;

static char *record_text(run_ctx *c, size_t i, size_t *len);

/* Read a record: whole when the run keeps it, else without the facts (a
 * summary does not need them; the outputs read the record again). */
static int parse_record(run_ctx *c, kh_record *r, const char *t, size_t len, kh_error *err)
{
    return (c->light && c->sum ? kh_record_parse_light : kh_record_parse)(r, t, len,
                                                                         c->b->scheme, err);
}

/* Keep record r of job: its summary, and the record itself when the run
 * is small (r is then owned by c, else freed). False when out of memory. */
static bool keep_record(run_ctx *c, size_t job, kh_record *r)
{
    bool ok = summarise(c->sum, job, r, c->b->src->jobs[job].path) == KH_OK;
    if (c->full[job]) {
        kh_record_clear(c->full[job]);
        free(c->full[job]);
        c->full[job] = NULL;
    }
    if (ok && !c->light) {
        c->full[job] = r;
        return true;
    }
    kh_record_clear(r);
    free(r);
    return ok;
}

/* Read a finished record back at once, while the workers go on, so that
 * assembling the run after the last one has less to do. A record that does
 * not read back is left to gather(). */
static void read_early(run_ctx *c, size_t job)
{
    if (!c->sum)
        return;
    size_t len = 0;
    char *t = record_text(c, job, &len);
    kh_record *r = t ? calloc(1, sizeof *r) : NULL;
    kh_error err;
    kh_error_clear(&err);
    if (r && parse_record(c, r, t, len, &err) == KH_OK)
        keep_record(c, job, r);
    else
        free(r);
    free(t);
}

static void on_done(void *vctx, size_t job, char *text, size_t len, const char *info,
                    bool from_worker)
{
    run_ctx *c = vctx;
    if (job == (size_t)-1) {
        if (c->jn)
            kh_batch_journal_commit(c->jn, false);
        progress_draw(&c->prog, false);
        return;
    }
    const kh_batch_job *j = &c->b->src->jobs[job];
    progress_report(&c->prog, j->path, info ? info : "ok");
    if (!text) {
        /* the worker stored the record in the cache: journal it */
        c->in_cache[job] = true;
        char key[KH_SHA256_HEX_SIZE];
        if (kh_batch_job_key(j, key))
            kh_batch_journal_queue(c->jn, key, j->path);
        read_early(c, job);
        return;
    }
    if (c->jn && !from_worker) {
        char line[1600];
        snprintf(line, sizeof line, "failed\t%s\t%s", j->path,
                 info && strlen(info) > 5 ? info + 5 : "");
        kh_batch_journal_note(c->jn, line);
    }
    free(c->texts[job]);
    c->texts[job] = text;
    c->lens[job] = len;
    read_early(c, job);
}

/* The record text of job i, from memory or the cache. Caller owns. */
static char *record_text(run_ctx *c, size_t i, size_t *len)
{
    if (c->texts[i]) {
        *len = c->lens[i];
        return strndup(c->texts[i], c->lens[i]);
    }
    char *t = NULL;
    char key[KH_SHA256_HEX_SIZE];
    if (c->jn && c->in_cache[i] && kh_batch_job_key(&c->b->src->jobs[i], key) &&
        kh_batch_journal_load(c->jn, key, &t, len))
        return t;
    return NULL;
}

/* Read every selected record back: summarise it (when c->sum; a record
 * read as it arrived is not read again), or only check it. A cached record
 * that does not read back is scored again, once. *failed counts the records
 * of failed inputs. False on an error (printed). */
static bool gather(run_ctx *c, const size_t *sel, size_t nsel, size_t *failed,
                   kh_batch_counts *counts)
{
    kh_batch *b = c->b;
    size_t *bad = calloc(nsel ? nsel : 1, sizeof *bad);
    bool *ok = calloc(nsel ? nsel : 1, sizeof *ok);
    bool result = false;
    if (!bad || !ok)
        goto done;
    *failed = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t nbad = 0;
        for (size_t k = 0; k < nsel; k++) {
            if (ok[k])
                continue;
            if (c->sum && kh_batch_summary_isset(c->sum, sel[k])) { /* read as it arrived */
                ok[k] = true;
                if (!kh_batch_summary_scored(c->sum, sel[k]))
                    (*failed)++;
                continue;
            }
            size_t len = 0;
            char *t = record_text(c, sel[k], &len);
            kh_record *r = calloc(1, sizeof *r);
            kh_error err;
            kh_error_clear(&err);
            if (t && r && parse_record(c, r, t, len, &err) == KH_OK) {
                ok[k] = true;
                if (r->error)
                    (*failed)++;
                if (!c->sum) {
                    kh_record_clear(r);
                    free(r);
                } else if (!keep_record(c, sel[k], r)) {
                    fprintf(stderr, "kaohe: out of memory\n");
                    free(t);
                    goto done;
                }
            } else {
                free(r);
                bad[nbad++] = sel[k];
                c->in_cache[sel[k]] = false;
                free(c->texts[sel[k]]);
                c->texts[sel[k]] = NULL;
            }
            free(t);
        }
        if (!nbad) {
            result = true;
            goto done;
        }
        if (attempt == 1) {
            fprintf(stderr, "kaohe: error: %s: a record does not read back\n",
                    b->src->jobs[bad[0]].path);
            goto done;
        }
        if (!b->cli->quiet)
            fprintf(stderr, "kaohe: warning: %zu cached record%s unreadable; scoring again\n",
                    nbad, nbad == 1 ? "" : "s");
        counts->cached -= nbad < counts->cached ? nbad : counts->cached;
        counts->computed += nbad;
        progress quiet = c->prog;
        c->prog.quiet = true;
        int prc = kh_batch_pool_run(b, bad, nbad, on_done, c);
        c->prog = quiet;
        if (prc != 0)
            goto done;
        if (c->jn)
            kh_batch_journal_commit(c->jn, true);
    }
done:
    free(bad);
    free(ok);
    return result;
}

/* assembly.load: the record of job k read back from the cache (or the
 * worker's text kept in memory). */
static bool load_job(void *ctx, size_t k, kh_record *out)
{
    run_ctx *c = ctx;
    size_t len = 0;
    char *t = record_text(c, k, &len);
    kh_error err;
    kh_error_clear(&err);
    int rc = t ? kh_record_parse(out, t, len, c->b->scheme, &err) : KH_EIO;
    free(t);
    if (rc != KH_OK) {
        fprintf(stderr, "kaohe: error: %s: its record does not read back from the cache\n",
                c->b->src->jobs[k].path);
        return false;
    }
    return true;
}

static int cmp_paths_at(const void *x, const void *y, void *ctx)
{
    const kh_batch_summary *sum = ctx;
    return strcmp(kh_batch_summary_path(sum, *(const size_t *)x),
                  kh_batch_summary_path(sum, *(const size_t *)y));
}

typedef struct shard_doc {
    const manifest *m;
    run_ctx *c;
    const size_t *sel;
    size_t n;
    unsigned k, of;
    bool ok;
} shard_doc;

static int fill_shard(FILE *f, void *ctx)
{
    shard_doc *d = ctx;
    kh_json j;
    kh_json_init(&j, f, false);
    kh_json_object(&j);
    kh_json_key(&j, "shard");
    kh_json_object(&j);
    kh_json_kint(&j, "k", d->k);
    kh_json_kint(&j, "n", d->of);
    kh_json_object_end(&j);
    kh_json_key(&j, "run");
    manifest_write(&j, d->m, 0, 0); /* counts are the merge's business */
    kh_json_key(&j, "records");
    kh_json_array(&j);
    for (size_t i = 0; i < d->n; i++) {
        size_t len = 0;
        char *t = record_text(d->c, d->sel[i], &len);
        if (!t) {
            d->ok = false;
            return -1;
        }
        fputc('\n', f);
        kh_json_raw(&j, t);
        free(t);
    }
    kh_json_array_end(&j);
    kh_json_object_end(&j);
    kh_json_end(&j);
    return ferror(f) ? -1 : 0;
}

int kh_batch_run(kh_batch *b, kh_batch_counts *counts, char **results_text)
{
    memset(counts, 0, sizeof *counts);
    kh_batch_source *src = b->src;
    size_t total = src->count;
    bool shard = b->opts.shard_n > 0;
    size_t *sel = calloc(total ? total : 1, sizeof *sel);
    size_t *todo = calloc(total ? total : 1, sizeof *todo);
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.texts = calloc(total ? total : 1, sizeof *c.texts);
    c.lens = calloc(total ? total : 1, sizeof *c.lens);
    c.in_cache = calloc(total ? total : 1, sizeof *c.in_cache);
    kh_batch_journal jn;
    memset(&jn, 0, sizeof jn);
    jn.fd = -1;
    size_t *order = NULL; /* assembling: the jobs of the items, by path */
    size_t nsel = 0, ntodo = 0, nfailed = 0;
    int status = KH_EXIT_OK;
    manifest m;
    memset(&m, 0, sizeof m);
    kh_error err;
    kh_error_clear(&err);
    struct timespec run_start;
    clock_gettime(CLOCK_MONOTONIC, &run_start);
    if (!sel || !todo || !c.texts || !c.lens || !c.in_cache) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < total; i++)
        if (!shard || i % b->opts.shard_n == b->opts.shard_k - 1)
            sel[nsel++] = i;
    for (size_t k = 0; k < nsel; k++)
        hash_job(b, &src->jobs[sel[k]]);

    if (b->opts.use_cache) {
        char name[128];
        if (shard)
            snprintf(name, sizeof name, "%s-shard-%u-of-%u", KH_BATCH_JOURNAL, b->opts.shard_k,
                     b->opts.shard_n);
        else
            snprintf(name, sizeof name, "%s", KH_BATCH_JOURNAL);
        if (kh_batch_journal_open(&jn, b->opts.outdir, name, &err) != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
            status = KH_EXIT_USAGE;
            goto done;
        }
        c.jn = &jn;
        /* workers write cache files themselves; the parent journals them */
        snprintf(b->cache_dir, sizeof b->cache_dir, "%s", jn.cache_dir);
        char line[256];
        snprintf(line, sizeof line, "start\t%s\t%zu", b->started, nsel);
        kh_batch_journal_note(&jn, line);
    }
    for (size_t k = 0; k < nsel; k++) {
        const kh_batch_job *j = &src->jobs[sel[k]];
        char key[KH_SHA256_HEX_SIZE];
        if (c.jn && kh_batch_job_key(j, key) && kh_batch_journal_has(&jn, key)) {
            c.in_cache[sel[k]] = true; /* read back (and checked) when assembling */
            counts->cached++;
            continue;
        }
        todo[ntodo++] = sel[k];
    }
    counts->inputs = nsel;
    c.prog.tty = b->opts.progress && isatty(STDERR_FILENO);
    c.prog.quiet = b->cli->quiet || !b->opts.progress;
    c.prog.verbose = b->cli->verbose > 0;
    c.prog.total = ntodo;
    c.light = nsel > KH_BATCH_FULL_IN_MEMORY;
    if (!shard) { /* records summarised as they arrive */
        c.full = calloc(total ? total : 1, sizeof *c.full);
        if (!c.full || kh_batch_summary_new(&c.sum, b->scheme, total) != KH_OK) {
            fprintf(stderr, "kaohe: out of memory\n");
            status = KH_EXIT_USAGE;
            goto done;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &c.prog.start);
    if (!c.prog.quiet) {
        size_t nw = b->opts.jobs < ntodo ? b->opts.jobs : ntodo;
        if (ntodo)
            fprintf(stderr, "kaohe batch: %zu report%s%s: %zu unchanged, skipped; %zu to score "
                            "with %zu worker%s\n",
                    nsel, nsel == 1 ? "" : "s", shard ? " in this shard" : "", counts->cached,
                    ntodo, nw, nw == 1 ? "" : "s");
        else
            fprintf(stderr, "kaohe batch: %zu report%s%s: all unchanged, skipped\n", nsel,
                    nsel == 1 ? "" : "s", shard ? " in this shard" : "");
    }
    struct timespec pool_start;
    clock_gettime(CLOCK_MONOTONIC, &pool_start);
    if (kh_batch_pool_run(b, todo, ntodo, on_done, &c) != 0) {
        progress_end(&c.prog);
        status = KH_EXIT_USAGE;
        goto done;
    }
    progress_end(&c.prog);
    counts->pool_seconds = secs_since(&pool_start);
    counts->computed = ntodo;
    if (c.jn)
        kh_batch_journal_commit(c.jn, true);

    if (!manifest_from_batch(&m, b, shard ? sel : NULL, nsel)) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    char finished[32];
    kh_batch_now_iso(finished);
    m.finished = strdup(finished);

    if (shard) {
        if (!gather(&c, sel, nsel, &nfailed, counts)) {
            status = KH_EXIT_USAGE;
            goto done;
        }
        char name[64];
        snprintf(name, sizeof name, "shard-%u-of-%u.json", b->opts.shard_k, b->opts.shard_n);
        shard_doc d = {&m, &c, sel, nsel, b->opts.shard_k, b->opts.shard_n, true};
        if (kh_atomic_write(b->opts.outdir, name, fill_shard, &d, &err) != KH_OK || !d.ok) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            fprintf(stderr, "kaohe: error: %s\n",
                    d.ok ? kh_error_format(&err, buf, sizeof buf) : "a record went missing");
            status = KH_EXIT_USAGE;
            goto done;
        }
        counts->failed = nfailed;
        counts->scored = nsel - nfailed;
        status = nfailed ? KH_EXIT_INPUT : KH_EXIT_OK;
        goto done;
    }

    if (!gather(&c, sel, nsel, &nfailed, counts)) {
        status = KH_EXIT_USAGE;
        goto done;
    }
    /* the items by path, each its job's summary and record */
    order = malloc((nsel ? nsel : 1) * sizeof *order);
    if (!order) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    memcpy(order, sel, nsel * sizeof *order);
    qsort_r(order, nsel, sizeof *order, cmp_paths_at, c.sum);
    assembly a;
    memset(&a, 0, sizeof a);
    a.n = nsel;
    a.at = order;
    a.sum = c.sum;
    a.full = c.full;
    a.load = load_job;
    a.load_ctx = &c;
    if (!assemble(&a, b->cli, b->scheme, b->rules, b->registry,
                  b->opts.overrides_path ? &b->overrides : NULL,
                  b->opts.events_path ? &b->events : NULL, src->year)) {
        fprintf(stderr, "kaohe: out of memory\n");
        assembly_free(&a);
        status = KH_EXIT_USAGE;
        goto done;
    }
    warn_unused_events(&a, b->opts.events_path ? &b->events : NULL, b->opts.events_path,
                       b->cli->quiet);
    counts->scored = a.scored;
    counts->failed = a.failed;
    int wrc = write_results(b->opts.write_files ? b->opts.outdir : NULL, &m, &a, results_text,
                            b->cli->quiet);
    if (b->opts.write_files)
        for (size_t i = 0; i < nsel; i++) {
            const kh_run_item *it = kh_batch_summary_item(c.sum, order[i]);
            if (it && it->error)
                fprintf(stderr, "kaohe: %s\n", it->error);
        }
    status = wrc != KH_OK ? KH_EXIT_USAGE : a.failed ? KH_EXIT_INPUT : KH_EXIT_OK;
    assembly_free(&a);
done:
    if (c.jn) {
        char line[256];
        char now[32];
        kh_batch_now_iso(now);
        snprintf(line, sizeof line, "end\t%s\t%zu\t%zu\t%zu", now, counts->computed,
                 counts->cached, counts->failed);
        kh_batch_journal_note(c.jn, line);
        kh_batch_journal_close(c.jn);
    }
    b->cache_dir[0] = '\0';
    counts->total_seconds = secs_since(&run_start);
    free(order);
    for (size_t i = 0; c.texts && i < total; i++)
        free(c.texts[i]);
    free(c.texts);
    free(c.lens);
    free(c.in_cache);
    for (size_t i = 0; c.full && i < total; i++)
        if (c.full[i]) {
            kh_record_clear(c.full[i]);
            free(c.full[i]);
        }
    free(c.full);
    kh_batch_summary_free(c.sum);
    free(sel);
    free(todo);
    manifest_free(&m);
    return status;
}

static int cmp_records(const void *a, const void *b)
{
    return strcmp(((const kh_record *)a)->path, ((const kh_record *)b)->path);
}

/* ---- merge ---------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static kh_jv *read_json_file(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "kaohe: error: %s: %s\n", path, strerror(errno ? errno : EIO));
        return NULL;
    }
    kh_jv *v = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_jv_parse(&v, text, len, &err) != KH_OK) {
        fprintf(stderr, "kaohe: error: %s:%d:%d: %s\n", path, err.line, err.column, err.message);
        v = NULL;
    }
    free(text);
    return v;
}

static int cmp_inputs(const void *a, const void *b)
{
    return strcmp(((const man_input *)a)->path, ((const man_input *)b)->path);
}

int kh_batch_merge(kh_cli *cli, const char *outdir, char **shards, size_t n,
                   const char *overrides_arg, const char *events_arg)
{
    int status = KH_EXIT_USAGE;
    kh_jv **docs = calloc(n, sizeof *docs);
    manifest *ms = calloc(n, sizeof *ms);
    manifest all;
    memset(&all, 0, sizeof all);
    kh_scheme *scheme = NULL;
    kh_rules *rules = NULL;
    kh_registry *registry = NULL;
    kh_override_list ovl;
    memset(&ovl, 0, sizeof ovl);
    kh_event_list evl;
    memset(&evl, 0, sizeof evl);
    kh_record *recs = NULL;
    size_t nrec = 0;
    kh_batch_summary *sum = NULL;
    kh_record **full = NULL;    /* into recs */
    size_t *at = NULL;
    unsigned of = 0;
    bool *seen = NULL;
    if (!docs || !ms)
        goto done;
    for (size_t i = 0; i < n; i++) {
        docs[i] = read_json_file(shards[i]);
        if (!docs[i])
            goto done;
        const kh_jv *sh = kh_jv_get(docs[i], "shard");
        unsigned k = (unsigned)kh_jv_gnum(sh, "k", 0), nn = (unsigned)kh_jv_gnum(sh, "n", 0);
        if (!sh || !k || !nn || k > nn || !manifest_read(&ms[i], kh_jv_get(docs[i], "run"))) {
            fprintf(stderr, "kaohe: error: %s: not a shard file of kaohe batch --shard\n",
                    shards[i]);
            goto done;
        }
        if (!of) {
            of = nn;
            seen = calloc(of + 1, sizeof *seen);
            if (!seen)
                goto done;
        }
        if (nn != of) {
            fprintf(stderr, "kaohe: error: %s is shard %u of %u, the others are of %u\n",
                    shards[i], k, nn, of);
            goto done;
        }
        if (seen[k]) {
            fprintf(stderr, "kaohe: error: %s: shard %u of %u given twice\n", shards[i], k, of);
            goto done;
        }
        seen[k] = true;
        const char *why = i ? manifest_mismatch(&ms[0], &ms[i]) : NULL;
        if (why) {
            fprintf(stderr, "kaohe: error: %s and %s are shards of different runs: the %s "
                            "differs\n",
                    shards[0], shards[i], why);
            goto done;
        }
        nrec += kh_jv_len(kh_jv_get(docs[i], "records"));
    }
    for (unsigned k = 1; k <= of; k++)
        if (!seen[k]) {
            fprintf(stderr, "kaohe: error: shard %u of %u is missing\n", k, of);
            goto done;
        }
    /* the scheme the shards were scored with */
    const char *rules_dir = cli->rules_dir ? cli->rules_dir : ms[0].scheme_dir;
    scheme = kh_cli_load_scheme(rules_dir, NULL, stderr, &rules);
    if (!scheme)
        goto done;
    if (strcmp(scheme->sha256, ms[0].scheme_sha256) != 0) {
        fprintf(stderr, "kaohe: error: %s: the scheme has changed since the shards were scored "
                        "(sha256 %s then, %s now)\n",
                rules_dir, ms[0].scheme_sha256, scheme->sha256);
        goto done;
    }
    if (ms[0].registry_path && file_exists(ms[0].registry_path)) {
        kh_diag_list diags = {0};
        kh_error err;
        if (kh_registry_load(&registry, ms[0].registry_path, &diags, &err) != KH_OK)
            registry = NULL;
        kh_diag_list_free(&diags);
    }
    const char *ov_path = overrides_arg ? overrides_arg : ms[0].overrides_path;
    if (ov_path && !kh_cli_load_overrides(ov_path, NULL, &ovl))
        goto done;
    const char *ev_path = events_arg ? events_arg : ms[0].events_path;
    if (ev_path && !kh_cli_load_events(ev_path, scheme, &evl))
        goto done;
    if (!events_to_registry_names(&evl, registry)) {
        fprintf(stderr, "kaohe: out of memory\n");
        goto done;
    }

    /* one manifest over all shards */
    all = ms[0];
    memset(&ms[0], 0, sizeof ms[0]);
    size_t ninputs = 0;
    for (size_t i = 0; i < n; i++)
        ninputs += i ? ms[i].inputs_count : all.inputs_count;
    man_input *ins = realloc(all.inputs, (ninputs ? ninputs : 1) * sizeof *ins);
    if (!ins)
        goto done;
    all.inputs = ins;
    for (size_t i = 1; i < n; i++) {
        memcpy(all.inputs + all.inputs_count, ms[i].inputs, ms[i].inputs_count * sizeof *ins);
        all.inputs_count += ms[i].inputs_count;
        ms[i].inputs_count = 0;
        if (ms[i].started && all.started && strcmp(ms[i].started, all.started) < 0) {
            free(all.started);
            all.started = ms[i].started;
            ms[i].started = NULL;
        }
        if (ms[i].finished && all.finished && strcmp(ms[i].finished, all.finished) > 0) {
            free(all.finished);
            all.finished = ms[i].finished;
            ms[i].finished = NULL;
        }
    }
    qsort(all.inputs, all.inputs_count, sizeof *all.inputs, cmp_inputs);
    if (overrides_arg) {
        free(all.overrides_path);
        free(all.overrides_sha256);
        all.overrides_path = strdup(overrides_arg);
        char hex[KH_SHA256_HEX_SIZE];
        sha_file_hex(overrides_arg, hex);
        all.overrides_sha256 = strdup(hex);
    }
    if (events_arg) {
        free(all.events_path);
        free(all.events_sha256);
        all.events_path = strdup(events_arg);
        char hex[KH_SHA256_HEX_SIZE];
        sha_file_hex(events_arg, hex);
        all.events_sha256 = strdup(hex);
    }

    recs = calloc(nrec ? nrec : 1, sizeof *recs);
    if (!recs)
        goto done;
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        const kh_jv *rv = kh_jv_get(docs[i], "records");
        for (size_t k = 0; k < kh_jv_len(rv); k++) {
            kh_error err;
            kh_error_clear(&err);
            if (kh_record_read(&recs[got], kh_jv_at(rv, k), scheme, &err) != KH_OK) {
                fprintf(stderr, "kaohe: error: %s: record %zu: %s\n", shards[i], k + 1,
                        err.message);
                goto done;
            }
            got++;
        }
        kh_jv_free(docs[i]);
        docs[i] = NULL;
    }
    qsort(recs, got, sizeof *recs, cmp_records);
    for (size_t i = 1; i < got; i++)
        if (strcmp(recs[i - 1].path, recs[i].path) == 0) {
            fprintf(stderr, "kaohe: error: %s is in two shards\n", recs[i].path);
            goto done;
        }
    kh_error err;
    if (kh_atomic_mkdirs(outdir, &err) != KH_OK) {
        char ebuf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, ebuf, sizeof ebuf));
        goto done;
    }
    /* every record is in memory: summaries by position, records kept whole */
    if (kh_batch_summary_new(&sum, scheme, got) != KH_OK)
        goto done;
    full = calloc(got ? got : 1, sizeof *full);
    at = malloc((got ? got : 1) * sizeof *at);
    if (!full || !at)
        goto done;
    for (size_t i = 0; i < got; i++) {
        at[i] = i;
        full[i] = &recs[i];
        if (summarise(sum, i, &recs[i], recs[i].path) != KH_OK)
            goto done;
    }
    assembly a;
    memset(&a, 0, sizeof a);
    a.n = got;
    a.at = at;
    a.sum = sum;
    a.full = full;
    if (!assemble(&a, cli, scheme, rules, registry, ov_path ? &ovl : NULL,
                  ev_path ? &evl : NULL, all.year)) {
        assembly_free(&a);
        goto done;
    }
    warn_unused_events(&a, ev_path ? &evl : NULL, ev_path, cli->quiet);
    int wrc = write_results(outdir, &all, &a, NULL, cli->quiet);
    for (size_t i = 0; i < got; i++)
        if (recs[i].error)
            fprintf(stderr, "kaohe: %s\n", recs[i].error);
    if (!cli->quiet)
        fprintf(stderr, "kaohe merge: %u shards, %zu reports: %zu scored, %zu failed; results in "
                        "%s/%s\n",
                of, got, a.scored, a.failed, outdir, KH_BATCH_RESULTS);
    status = wrc != KH_OK ? KH_EXIT_USAGE : a.failed ? KH_EXIT_INPUT : KH_EXIT_OK;
    assembly_free(&a);
done:
    for (size_t i = 0; recs && i < nrec; i++)
        kh_record_clear(&recs[i]);
    free(recs);
    free(full);
    free(at);
    kh_batch_summary_free(sum);
    for (size_t i = 0; docs && i < n; i++)
        kh_jv_free(docs[i]);
    free(docs);
    for (size_t i = 0; ms && i < n; i++)
        manifest_free(&ms[i]);
    free(ms);
    manifest_free(&all);
    free(seen);
    kh_override_list_free(&ovl);
    kh_event_list_free(&evl);
    kh_registry_free(registry);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    return status;
}

/* ---- verify ------------------------------------------------------------------------ */

/* A JSON value as short text for a difference line. */
static void jv_text(const kh_jv *v, char *buf, size_t size)
{
    if (!v) {
        snprintf(buf, size, "(absent)");
        return;
    }
    switch (v->type) {
    case KH_JV_NULL: snprintf(buf, size, "null"); break;
    case KH_JV_BOOL: snprintf(buf, size, "%s", v->boolean ? "true" : "false"); break;
    case KH_JV_NUMBER: snprintf(buf, size, "%s", v->text); break;
    case KH_JV_STRING: snprintf(buf, size, "\"%.*s\"", (int)(size > 80 ? 76 : size - 4), v->text); break;
    case KH_JV_ARRAY: snprintf(buf, size, "[%zu items]", v->count); break;
    case KH_JV_OBJECT: snprintf(buf, size, "{…}"); break;
    }
}

/* Print each leaf that differs between a and b below "where: path". */
static size_t diff_value(const char *where, const char *path, const kh_jv *a, const kh_jv *b)
{
    if (kh_jv_equal(a, b))
        return 0;
    char sub[512];
    size_t diffs = 0;
    if (a && b && a->type == KH_JV_OBJECT && b->type == KH_JV_OBJECT) {
        for (int pass = 0; pass < 2; pass++) {
            const kh_jv *x = pass ? b : a, *y = pass ? a : b;
            for (size_t i = 0; i < x->count; i++) {
                const kh_jv *other = kh_jv_get(y, x->keys[i]);
                if (pass && other)
                    continue; /* seen in the first pass */
                snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", x->keys[i]);
                diffs += pass ? diff_value(where, sub, other, &x->items[i])
                              : diff_value(where, sub, &x->items[i], other);
            }
        }
        return diffs;
    }
    if (a && b && a->type == KH_JV_ARRAY && b->type == KH_JV_ARRAY && a->count == b->count) {
        for (size_t i = 0; i < a->count; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            diffs += diff_value(where, sub, &a->items[i], &b->items[i]);
        }
        return diffs;
    }
    char was[128], now[128];
    jv_text(a, was, sizeof was);
    jv_text(b, now, sizeof now);
    printf("%s: %s: %s → %s\n", where, path, was, now);
    return 1;
}

/* Differences between two objects, leaving out member skip. */
static size_t diff_object(const char *where, const kh_jv *a, const kh_jv *b, const char *skip)
{
    size_t diffs = 0;
    for (int pass = 0; pass < 2; pass++) {
        const kh_jv *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; x && x->type == KH_JV_OBJECT && i < x->count; i++) {
            const char *key = x->keys[i];
            if (skip && strcmp(key, skip) == 0)
                continue;
            const kh_jv *other = kh_jv_get(y, key);
            if (pass && other)
                continue;
            diffs += pass ? diff_value(where, key, other, &x->items[i])
                          : diff_value(where, key, &x->items[i], other);
        }
    }
    return diffs;
}

static const kh_jv *find_by(const kh_jv *arr, const char *key, const char *value)
{
    for (size_t i = 0; i < kh_jv_len(arr); i++) {
        const char *s = kh_jv_gstr(kh_jv_at(arr, i), key);
        if (s && value && strcmp(s, value) == 0)
            return kh_jv_at(arr, i);
    }
    return NULL;
}

/* Compare recorded and re-scored results, per report and per indicator. */
static size_t diff_results(const kh_jv *old, const kh_jv *now)
{
    size_t diffs = 0;
    const kh_jv *ro = kh_jv_get(old, "results"), *rn = kh_jv_get(now, "results");
    for (size_t i = 0; i < kh_jv_len(ro); i++) {
        const kh_jv *a = kh_jv_at(ro, i);
        const char *path = kh_jv_gstr(a, "path");
        const kh_jv *b = find_by(rn, "path", path);
        if (!b) {
            printf("%s: in results.json, not re-scored\n", path ? path : "?");
            diffs++;
            continue;
        }
        diffs += diff_object(path, a, b, "indicators");
        const kh_jv *ia = kh_jv_get(a, "indicators"), *ib = kh_jv_get(b, "indicators");
        for (size_t k = 0; k < kh_jv_len(ia); k++) {
            const kh_jv *x = kh_jv_at(ia, k);
            const char *id = kh_jv_gstr(x, "id");
            const kh_jv *y = find_by(ib, "id", id);
            char where[4200];
            snprintf(where, sizeof where, "%s: %s", path, id ? id : "?");
            if (!y) {
                printf("%s: no longer scored\n", where);
                diffs++;
                continue;
            }
            diffs += diff_object(where, x, y, NULL);
        }
        for (size_t k = 0; k < kh_jv_len(ib); k++) {
            const char *id = kh_jv_gstr(kh_jv_at(ib, k), "id");
            if (!find_by(ia, "id", id)) {
                printf("%s: %s: newly scored\n", path, id ? id : "?");
                diffs++;
            }
        }
    }
    for (size_t i = 0; i < kh_jv_len(rn); i++) {
        const char *path = kh_jv_gstr(kh_jv_at(rn, i), "path");
        if (!find_by(ro, "path", path)) {
            printf("%s: re-scored, not in results.json\n", path ? path : "?");
            diffs++;
        }
    }
    if (!kh_jv_equal(kh_jv_get(old, "scheme"), kh_jv_get(now, "scheme")))
        diffs += diff_object("scheme", kh_jv_get(old, "scheme"), kh_jv_get(now, "scheme"), NULL);
    if (!kh_jv_equal(kh_jv_get(old, "overrides"), kh_jv_get(now, "overrides"))) {
        printf("overrides: the applied overrides differ\n");
        diffs++;
    }
    return diffs;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d))) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", path, ent->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

/* verify: does the file at path still have the SHA-256 the run recorded?
 * Prints "what path: missing" or "what path: changed: sha256 … recorded, …
 * now" and counts a difference in *diffs. false when the file is missing. */
static bool recorded_file_same(const char *what, const char *path, const char *recorded,
                               size_t *diffs)
{
    char hex[KH_SHA256_HEX_SIZE];
    if (!sha_file_hex(path, hex)) {
        printf("%s %s: missing\n", what, path);
        (*diffs)++;
        return false;
    }
    if (strcmp(hex, recorded ? recorded : "") != 0) {
        printf("%s %s: changed: sha256 %s recorded, %s now\n", what, path,
               recorded ? recorded : "?", hex);
        (*diffs)++;
    }
    return true;
}

int kh_batch_verify(kh_cli *cli, const char *outdir, unsigned jobs)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", outdir, KH_BATCH_RESULTS);
    kh_jv *old = read_json_file(path);
    if (!old)
        return KH_EXIT_USAGE;
    manifest m;
    if (!manifest_read(&m, kh_jv_get(old, "run"))) {
        fprintf(stderr, "kaohe: error: %s: no run manifest (not written by kaohe batch)\n", path);
        kh_jv_free(old);
        manifest_free(&m);
        return KH_EXIT_USAGE;
    }
    int status = KH_EXIT_USAGE;
    size_t diffs = 0;
    char tmpdir[] = "/tmp/kaohe-verify-XXXXXX";
    bool have_tmp = false;
    char *text = NULL;
    kh_jv *now = NULL;
    kh_batch b;
    memset(&b, 0, sizeof b);
    kh_batch_source src;
    memset(&src, 0, sizeof src);
    char oldcwd[4096] = "";
    /* relative paths in the manifest are relative to where the run ran */
    if (m.cwd && *m.cwd && getcwd(oldcwd, sizeof oldcwd) && strcmp(oldcwd, m.cwd) != 0) {
        if (chdir(m.cwd) != 0) {
            fprintf(stderr, "kaohe: warning: %s: the run's directory is gone; paths are read "
                            "from here\n",
                    m.cwd);
            oldcwd[0] = '\0';
        }
    } else {
        oldcwd[0] = '\0';
    }

    /* what the run was made with, against what is here now */
    kh_cli vcli = *cli;
    vcli.rules_dir = m.scheme_dir;
    vcli.plugins_dir = m.plugins_dir;
    vcli.max_bytes = (size_t)m.max_size;
    vcli.limits = m.limits;
    src.kind = dup0(m.src_kind);
    src.path = dup0(m.src_path);
    if (m.src_sha256)
        snprintf(src.sha256, sizeof src.sha256, "%s", m.src_sha256);
    src.year = m.year;
    src.deadline = dup0(m.deadline);
    for (size_t i = 0; i < m.inputs_count; i++) {
        const man_input *in = &m.inputs[i];
        if (!kh_batch_source_add(&src, in->path, in->unit))
            goto done;
        char hex[KH_SHA256_HEX_SIZE];
        bool readable = sha_file_hex(in->path, hex);
        if (!readable && in->sha256) {
            printf("%s: input missing or unreadable (sha256 %s recorded)\n", in->path, in->sha256);
            diffs++;
        } else if (readable && (!in->sha256 || strcmp(hex, in->sha256) != 0)) {
            printf("%s: input changed: sha256 %s recorded, %s now\n", in->path,
                   in->sha256 ? in->sha256 : "(unreadable)", hex);
            diffs++;
        }
    }
    kh_batch_opts opts = {0};
    opts.jobs = jobs;
    opts.registry_path = m.registry_path;
    opts.overrides_path = m.overrides_path;
    opts.events_path = m.events_path;
    opts.use_cache = true;
    opts.write_files = false;
    opts.progress = false;
    /* a file the run read: missing now, the run is redone without it */
    if (m.registry_path && !recorded_file_same("unit registry", m.registry_path,
                                               m.registry_sha256, &diffs))
        opts.registry_path = NULL;
    if (m.overrides_path && !recorded_file_same("overrides", m.overrides_path,
                                                m.overrides_sha256, &diffs))
        opts.overrides_path = NULL;
    if (m.events_path && !recorded_file_same("events", m.events_path, m.events_sha256, &diffs))
        opts.events_path = NULL;
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "kaohe: error: cannot create a temporary directory: %s\n",
                strerror(errno));
        goto done;
    }
    have_tmp = true;
    opts.outdir = tmpdir;
    vcli.quiet = true; /* warnings were given when the run was made */
    if (!kh_batch_setup(&b, &vcli, &opts, &src))
        goto done;
    if (strcmp(b.scheme->sha256, m.scheme_sha256) != 0) {
        printf("scheme %s: changed: sha256 %s recorded, %s now\n", m.scheme_dir, m.scheme_sha256,
               b.scheme->sha256);
        diffs++;
    }
    for (size_t i = 0; i < m.plugins_count; i++) {
        const kh_batch_plugin *p = &m.plugins[i];
        const kh_batch_plugin *q = NULL;
        for (size_t k = 0; k < b.plugins_count; k++)
            if (same_str(b.plugins[k].name, p->name))
                q = &b.plugins[k];
        if (!q) {
            printf("plugin %s: no longer loaded (was %s)\n", p->name, p->path ? p->path : "?");
            diffs++;
        } else if (strcmp(q->sha256, p->sha256) != 0 || !same_str(q->version, p->version)) {
            printf("plugin %s: changed: version %s sha256 %s recorded, version %s sha256 %s now\n",
                   p->name, p->version ? p->version : "?", p->sha256, q->version ? q->version : "?",
                   q->sha256);
            diffs++;
        }
    }
    for (size_t k = 0; k < b.plugins_count; k++) {
        bool known = false;
        for (size_t i = 0; i < m.plugins_count; i++)
            known |= same_str(b.plugins[k].name, m.plugins[i].name);
        if (!known) {
            printf("plugin %s: loaded now, not in the run\n", b.plugins[k].name);
            diffs++;
        }
    }
    kh_batch_counts counts;
    int rs = kh_batch_run(&b, &counts, &text);
    if (rs == KH_EXIT_USAGE || !text)
        goto done;
    kh_error err;
    kh_error_clear(&err);
    if (kh_jv_parse(&now, text, strlen(text), &err) != KH_OK)
        goto done;
    diffs += diff_results(old, now);
    if (diffs)
        printf("kaohe verify: %s: %zu difference%s\n", outdir, diffs, diffs == 1 ? "" : "s");
    else
        printf("kaohe verify: %s: identical (%zu reports re-scored from their inputs)\n", outdir,
               m.inputs_count);
    status = diffs ? KH_EXIT_INPUT : KH_EXIT_OK;
done:
    kh_batch_teardown(&b);
    kh_batch_source_free(&src);
    if (have_tmp)
        remove_tree(tmpdir);
    if (oldcwd[0] && chdir(oldcwd) != 0)
        fprintf(stderr, "kaohe: warning: cannot return to %s\n", oldcwd);
    free(text);
    kh_jv_free(now);
    kh_jv_free(old);
    manifest_free(&m);
    return status;
}
