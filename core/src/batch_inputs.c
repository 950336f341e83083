/* batch_inputs.c — which reports a batch run scores: every regular file
 * below a directory, or the files a manifest lists per unit (see batch.h). */
#define _GNU_SOURCE
#include <cyaml/cyaml.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "cli_score.h"
#include "kaohe/plugin.h" /* KH_PRINTF */
#include "scheme_internal.h"

void kh_batch_source_free(kh_batch_source *src)
{
    if (!src)
        return;
    for (size_t i = 0; i < src->count; i++) {
        free(src->jobs[i].path);
        free(src->jobs[i].hint);
    }
    free(src->jobs);
    free(src->kind);
    free(src->path);
    free(src->deadline);
    free(src->scheme);
    memset(src, 0, sizeof *src);
}

const char *kh_batch_job_sha256(const kh_batch_job *job, char buf[KH_SHA256_HEX_SIZE])
{
    return job->has_sha256 ? kh_sha256_hex(job->sha256, buf) : NULL;
}

const char *kh_batch_job_key(const kh_batch_job *job, char buf[KH_SHA256_HEX_SIZE])
{
    return job->has_key ? kh_sha256_hex(job->key, buf) : NULL;
}

bool kh_batch_source_add(kh_batch_source *src, const char *path, const char *hint)
{
    kh_batch_job *n = realloc(src->jobs, (src->count + 1) * sizeof *n);
    if (!n)
        return false;
    src->jobs = n;
    kh_batch_job *j = &src->jobs[src->count];
    memset(j, 0, sizeof *j);
    j->path = strdup(path);
    j->hint = hint ? strdup(hint) : NULL;
    if (!j->path || (hint && !j->hint)) {
        free(j->path);
        free(j->hint);
        return false;
    }
    src->count++;
    return true;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const kh_batch_job *)a)->path, ((const kh_batch_job *)b)->path);
}

void kh_batch_source_sort(kh_batch_source *src)
{
    if (src->count > 1)
        qsort(src->jobs, src->count, sizeof *src->jobs, by_path);
    size_t k = 0;
    for (size_t i = 0; i < src->count; i++) {
        if (k && strcmp(src->jobs[k - 1].path, src->jobs[i].path) == 0) {
            fprintf(stderr, "kaohe: warning: %s is listed twice; scored once\n",
                    src->jobs[i].path);
            free(src->jobs[i].path);
            free(src->jobs[i].hint);
            continue;
        }
        src->jobs[k++] = src->jobs[i];
    }
    src->count = k;
}

/* ---- a directory ---------------------------------------------------------- */

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return p;
}

static bool scan(kh_batch_source *src, const char *dir, const struct stat *exclude,
                 int depth)
{
    if (depth > 64) {
        fprintf(stderr, "kaohe: warning: %s: nested too deeply; not read\n", dir);
        return true;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "kaohe: error: %s: %s\n", dir, strerror(errno));
        return depth > 0; /* an unreadable subdirectory is a warning, the top an error */
    }
    bool ok = true;
    struct dirent *ent;
    while (ok && (ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue; /* ., .., dot-files (.kaohe-journal, .git, .DS_Store) */
        char *path = join(dir, ent->d_name);
        if (!path) {
            ok = false;
            break;
        }
        struct stat st, lst;
        if (stat(path, &st) != 0 || lstat(path, &lst) != 0) {
            free(path);
            continue; /* a dangling link */
        }
        if (S_ISDIR(st.st_mode)) {
            bool skip = S_ISLNK(lst.st_mode) ||
                        (exclude && st.st_dev == exclude->st_dev && st.st_ino == exclude->st_ino);
            if (!skip)
                ok = scan(src, path, exclude, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            ok = kh_batch_source_add(src, path, NULL);
        }
        free(path);
    }
    closedir(d);
    return ok;
}

/* ---- a manifest ------------------------------------------------------------ */

typedef struct m_unit {
    char *unit;
    char **files;
    unsigned files_count;
} m_unit;

typedef struct m_manifest {
    int year;
    char *scheme;
    char *deadline;
    m_unit *units;
    unsigned units_count;
} m_manifest;

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 4096)};

static const cyaml_schema_field_t unit_fields[] = {
    /* unit → m_unit.unit: the unit the files belong to (a registry name) */
    CYAML_FIELD_STRING_PTR("unit", CYAML_FLAG_POINTER, m_unit, unit, 1, 256),
    /* files → m_unit.files: its reports, relative to the manifest */
    CYAML_FIELD_SEQUENCE("files", CYAML_FLAG_POINTER, m_unit, files, &file_schema, 1, 1000),
    CYAML_FIELD_END};

static const cyaml_schema_value_t unit_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, m_unit, unit_fields)};

static const cyaml_schema_field_t manifest_fields[] = {
    /* year → m_manifest.year: the assessment year */
    CYAML_FIELD_INT("year", CYAML_FLAG_OPTIONAL, m_manifest, year),
    /* scheme → m_manifest.scheme: scheme directory, relative to the manifest */
    CYAML_FIELD_STRING_PTR("scheme", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, m_manifest,
                           scheme, 1, 4096),
    /* deadline → m_manifest.deadline: reports published later are flagged */
    CYAML_FIELD_STRING_PTR("deadline", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, m_manifest,
                           deadline, 10, 10),
    /* units → m_manifest.units */
    CYAML_FIELD_SEQUENCE("units", CYAML_FLAG_POINTER, m_manifest, units, &unit_schema, 0,
                         100000),
    CYAML_FIELD_END};

static const cyaml_schema_value_t manifest_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, m_manifest, manifest_fields)};

typedef struct log_buf {
    char text[4096];
    size_t len;
} log_buf;

KH_PRINTF(3, 0)
static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    (void)level;
    log_buf *log = ctx;
    size_t room = sizeof log->text - log->len;
    if (room <= 1)
        return;
    int n = vsnprintf(log->text + log->len, room, fmt, args);
    if (n > 0)
        log->len += (size_t)n < room ? (size_t)n : room - 1;
}

static bool iso_date_ok(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        s[4] != '-' || s[7] != '-')
        return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* The directory part of path ("." when none), owned. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static char *resolve(const char *base, const char *rel)
{
    if (rel[0] == '/' || strcmp(base, ".") == 0)
        return strdup(rel);
    return join(base, rel);
}

static bool load_manifest(kh_batch_source *src, const char *path)
{
    log_buf log = {{0}, 0};
    cyaml_config_t cfg = {
        .log_fn = capture_log,
        .log_ctx = &log,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    m_manifest *m = NULL;
    kh_diag_list diags = {0};
    bool ok = false;
    char *base = NULL;
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    if (kh_sha256_file(path, digest) != KH_OK) {
        fprintf(stderr, "kaohe: error: %s: cannot read the manifest\n", path);
        return false;
    }
    kh_sha256_hex(digest, src->sha256);
    cyaml_err_t cerr = cyaml_load_file(path, &cfg, &manifest_schema, (cyaml_data_t **)&m, NULL);
    if (cerr != CYAML_OK || !m) {
        if (log.len == 0 || kh_scheme__cyaml_error(&diags, path, log.text, NULL) != KH_OK ||
            diags.count == 0)
            kh_diag_list_add(&diags, false, path, 0, "manifest: %s", cyaml_strerror(cerr));
        goto done;
    }
    if (m->deadline && !iso_date_ok(m->deadline))
        kh_diag_list_add(&diags, false, path, 0, "deadline: '%s' is not a date (YYYY-MM-DD)",
                         m->deadline);
    if (m->year && (m->year < 1990 || m->year > 2100))
        kh_diag_list_add(&diags, false, path, 0, "year: %d is not an assessment year", m->year);
    if (kh_diag_list_errors(&diags))
        goto done;
    base = dir_of(path);
    if (!base)
        goto done;
    src->year = m->year;
    if (m->deadline && !(src->deadline = strdup(m->deadline)))
        goto done;
    if (m->scheme && !(src->scheme = resolve(base, m->scheme)))
        goto done;
    for (unsigned u = 0; u < m->units_count; u++)
        for (unsigned f = 0; f < m->units[u].files_count; f++) {
            char *p = resolve(base, m->units[u].files[f]);
            bool added = p && kh_batch_source_add(src, p, m->units[u].unit);
            free(p);
            if (!added)
                goto done;
        }
    ok = true;
done:
    kh_cli_print_diags(stderr, &diags);
    kh_diag_list_free(&diags);
    free(base);
    if (m)
        cyaml_free(&cfg, &manifest_schema, m, 0);
    return ok;
}

bool kh_batch_source_load(kh_batch_source *src, const char *arg, const char *exclude)
{
    memset(src, 0, sizeof *src);
    struct stat st;
    if (stat(arg, &st) != 0) {
        fprintf(stderr, "kaohe: error: %s: no such directory or manifest\n", arg);
        return false;
    }
    src->path = strdup(arg);
    if (!src->path)
        return false;
    bool ok;
    if (S_ISDIR(st.st_mode)) {
        src->kind = strdup("dir");
        /* "reports/" and "reports" give the same paths */
        size_t n = strlen(src->path);
        char *dir = strdup(arg);
        while (dir && n > 1 && dir[n - 1] == '/')
            dir[--n] = '\0';
        struct stat ex;
        bool have_ex = exclude && stat(exclude, &ex) == 0;
        ok = src->kind && dir && scan(src, dir, have_ex ? &ex : NULL, 0);
        free(dir);
    } else {
        src->kind = strdup("manifest");
        ok = src->kind && load_manifest(src, arg);
    }
    if (!ok) {
        kh_batch_source_free(src);
        return false;
    }
    kh_batch_source_sort(src);
    return true;
}
