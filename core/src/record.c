/* record.c — one report's record and its exact JSON form (see record.h). */
#define _GNU_SOURCE /* open_memstream */
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"

/* ---- writing -------------------------------------------------------------- */

char *kh_record_format_double(double v, char *buf, size_t size)
{
    if (v == 0) {
        snprintf(buf, size, signbit(v) ? "-0.0" : "0");
        return buf;
    }
    if (kh_json__cents_text(v, true, buf, size)) /* what the search gives */
        return buf;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void num(kh_json *j, const char *key, double v)
{
    char buf[64];
    kh_json_key(j, key);
    if (isnan(v))
        kh_json_string(j, "nan");
    else if (isinf(v))
        kh_json_string(j, v > 0 ? "inf" : "-inf");
    else
        kh_json_raw(j, kh_record_format_double(v, buf, sizeof buf));
}

static void str(kh_json *j, const char *key, const char *s)
{
    kh_json_kstring(j, key, s); /* NULL → null */
}

void kh_record_fact_write(kh_json *j, const kh_fact *f)
{
    kh_json_object(j);
    str(j, "key", f->key);
    kh_json_kint(j, "type", f->type);
    if (f->type == KH_VALUE_NUMBER)
        num(j, "number", f->number);
    if (f->text)
        str(j, "text", f->text);
    if (f->unit)
        str(j, "unit", f->unit);
    kh_json_kint(j, "qualifier", f->qualifier);
    kh_json_kint(j, "basis", f->basis);
    if (f->evidence.text) {
        kh_json_key(j, "evidence");
        kh_json_object(j);
        str(j, "text", f->evidence.text);
        kh_json_kint(j, "line", f->evidence.line);
        kh_json_kint(j, "column", f->evidence.column);
        kh_json_kint(j, "start", (long long)f->evidence.norm_start);
        kh_json_kint(j, "end", (long long)f->evidence.norm_end);
        kh_json_object_end(j);
    }
    if (f->plugin)
        str(j, "plugin", f->plugin);
    kh_json_kint(j, "confidence", f->confidence);
    if (f->note)
        str(j, "note", f->note);
    kh_json_kint(j, "origin", f->origin);
    kh_json_object_end(j);
}

static void facts_write(kh_json *j, const kh_factset *facts)
{
    kh_json_key(j, "facts");
    if (!facts) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    kh_json_key(j, "entries");
    kh_json_array(j);
    for (size_t i = 0; i < kh_factset_count(facts); i++) {
        const kh_fact_entry *e = kh_factset_at(facts, i);
        kh_json_array(j);
        for (size_t k = 0; k < e->count; k++)
            kh_record_fact_write(j, &e->facts[k]);
        kh_json_array_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "errors");
    kh_json_array(j);
    for (size_t i = 0; i < kh_factset_error_count(facts); i++)
        kh_json_string(j, kh_factset_error_at(facts, i));
    kh_json_array_end(j);
    kh_json_object_end(j);
}

static void score_write(kh_json *j, const kh_report_score *s)
{
    kh_json_key(j, "score");
    if (!s) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    str(j, "path", s->path);
    str(j, "unit", s->unit);
    kh_json_kint(j, "year", s->year);
    num(j, "total", s->total);
    str(j, "grade", s->grade);
    kh_json_kint(j, "rank", s->rank);
    kh_json_key(j, "indicators");
    kh_json_array(j);
    for (size_t i = 0; i < s->indicators_count; i++) {
        const kh_indicator_result *r = &s->indicators[i];
        kh_json_object(j);
        str(j, "id", r->indicator ? r->indicator->id : NULL);
        kh_json_kint(j, "status", r->status);
        num(j, "points", r->points);
        str(j, "branch", r->branch);
        str(j, "explanation", r->explanation);
        str(j, "error", r->error);
        kh_json_key(j, "missing");
        kh_json_array(j);
        for (size_t k = 0; k < r->missing_count; k++)
            kh_json_string(j, r->missing[k]);
        kh_json_array_end(j);
        kh_json_key(j, "facts");
        kh_json_array(j);
        for (size_t k = 0; k < r->facts_count; k++)
            kh_record_fact_write(j, &r->facts[k]);
        kh_json_array_end(j);
        kh_json_kint(j, "line", r->line);
        kh_json_kbool(j, "excluded", r->excluded);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "adjustments");
    kh_json_array(j);
    for (size_t i = 0; i < s->adjustments_count; i++) {
        kh_json_object(j);
        str(j, "id", s->adjustments[i].id);
        str(j, "name", s->adjustments[i].name);
        num(j, "points", s->adjustments[i].points);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_object_end(j);
}

void kh_record_write(kh_json *j, const kh_record *r)
{
    kh_json_object(j);
    kh_json_kint(j, "v", KH_RECORD_VERSION);
    str(j, "path", r->path);
    str(j, "sha256", r->sha256);
    str(j, "encoding", r->encoding);
    str(j, "error", r->error);
    str(j, "unit_reported", r->unit_reported);
    kh_json_kint(j, "year", r->year);
    str(j, "unit_status", kh_unit_status_name(r->unit_status));
    str(j, "unit", r->unit);
    str(j, "unit_code", r->unit_code);
    str(j, "unit_note", r->unit_note);
    kh_json_key(j, "warnings");
    kh_json_array(j);
    for (size_t i = 0; i < r->warnings_count; i++)
        kh_json_string(j, r->warnings[i]);
    kh_json_array_end(j);
    facts_write(j, r->facts);
    score_write(j, r->score);
    kh_json_object_end(j);
}

int kh_record_to_text(const kh_record *r, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return KH_ENOMEM;
    kh_json j;
    kh_json_init(&j, f, false);
    kh_record_write(&j, r);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || !buf) {
        free(buf);
        return KH_ENOMEM;
    }
    *out = buf;
    *len = size;
    return KH_OK;
}

/* ---- clearing ------------------------------------------------------------- */

void kh_record_fact_clear(kh_fact *f)
{
    kh_facts__clear(f);
}

void kh_record_clear(kh_record *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->sha256);
    free(r->encoding);
    free(r->error);
    free(r->unit_reported);
    free(r->unit);
    free(r->unit_code);
    free(r->unit_note);
    for (size_t i = 0; i < r->warnings_count; i++)
        free(r->warnings[i]);
    free(r->warnings);
    kh_factset_free(r->facts);
    kh_report_score_free(r->score);
    memset(r, 0, sizeof *r);
}

static int set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = NULL;
    if (!s)
        return KH_OK;
    *dst = strdup(s);
    return *dst ? KH_OK : KH_ENOMEM;
}

int kh_record_set_unit(kh_record *r, const kh_unit_match *m)
{
    r->unit_status = m->status;
    const char *name = m->entry ? m->entry->name : r->unit_reported;
    if (set_str(&r->unit, name) != KH_OK ||
        set_str(&r->unit_code, m->entry ? m->entry->code : NULL) != KH_OK ||
        set_str(&r->unit_note, m->note[0] ? m->note : NULL) != KH_OK)
        return KH_ENOMEM;
    return KH_OK;
}

int kh_record_add_warning(kh_record *r, const char *warning)
{
    char **n = realloc(r->warnings, (r->warnings_count + 1) * sizeof *n);
    if (!n)
        return KH_ENOMEM;
    r->warnings = n;
    if (!(n[r->warnings_count] = strdup(warning)))
        return KH_ENOMEM;
    r->warnings_count++;
    return KH_OK;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct reader {
    kh_error *err;
    int rc;
} reader;

static int bad(reader *rd, const char *what)
{
    if (rd->rc == KH_OK)
        rd->rc = kh_error_set(rd->err, KH_EINPUT, NULL, 0, 0, "record: %s", what);
    return rd->rc;
}

static int nomem(reader *rd)
{
    if (rd->rc == KH_OK)
        rd->rc = kh_error_set(rd->err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    return rd->rc;
}

/* Copy of string member key (NULL when null or absent). */
static char *get_str(reader *rd, const kh_jv *v, const char *key)
{
    const kh_jv *m = kh_jv_get(v, key);
    if (!m || m->type == KH_JV_NULL)
        return NULL;
    if (m->type != KH_JV_STRING) {
        char what[160];
        snprintf(what, sizeof what, "'%s' is not a string", key);
        bad(rd, what);
        return NULL;
    }
    char *s = strdup(m->text);
    if (!s)
        nomem(rd);
    return s;
}

static double get_num(reader *rd, const kh_jv *v, const char *key)
{
    const kh_jv *m = kh_jv_get(v, key);
    if (m && m->type == KH_JV_NUMBER)
        return m->number;
    if (m && m->type == KH_JV_STRING) {
        if (strcmp(m->text, "nan") == 0) return NAN;
        if (strcmp(m->text, "inf") == 0) return INFINITY;
        if (strcmp(m->text, "-inf") == 0) return -INFINITY;
    }
    char what[160];
    snprintf(what, sizeof what, "'%s' is not a number", key);
    bad(rd, what);
    return 0;
}

static long long get_int(reader *rd, const kh_jv *v, const char *key)
{
    const kh_jv *m = kh_jv_get(v, key);
    if (m && m->type == KH_JV_NUMBER)
        return (long long)m->number;
    char what[160];
    snprintf(what, sizeof what, "'%s' is not an integer", key);
    bad(rd, what);
    return 0;
}

int kh_record_fact_read(kh_fact *f, const kh_jv *v)
{
    kh_error err;
    reader rd = {&err, KH_OK};
    memset(f, 0, sizeof *f);
    if (!v || v->type != KH_JV_OBJECT)
        return KH_EINPUT;
    f->key = get_str(&rd, v, "key");
    f->type = (kh_value_type)get_int(&rd, v, "type");
    if (f->type == KH_VALUE_NUMBER)
        f->number = get_num(&rd, v, "number");
    f->text = get_str(&rd, v, "text");
    f->unit = get_str(&rd, v, "unit");
    f->qualifier = (kh_qualifier)get_int(&rd, v, "qualifier");
    f->basis = (kh_basis)get_int(&rd, v, "basis");
    const kh_jv *ev = kh_jv_get(v, "evidence");
    if (ev && ev->type == KH_JV_OBJECT) {
        f->evidence.text = get_str(&rd, ev, "text");
        f->evidence.line = (int)get_int(&rd, ev, "line");
        f->evidence.column = (int)get_int(&rd, ev, "column");
        f->evidence.norm_start = (size_t)get_int(&rd, ev, "start");
        f->evidence.norm_end = (size_t)get_int(&rd, ev, "end");
    }
    f->plugin = get_str(&rd, v, "plugin");
    f->confidence = (int)get_int(&rd, v, "confidence");
    f->note = get_str(&rd, v, "note");
    f->origin = (kh_fact_origin)get_int(&rd, v, "origin");
    if (rd.rc == KH_OK && !f->key)
        rd.rc = KH_EINPUT;
    if (rd.rc != KH_OK)
        kh_record_fact_clear(f);
    return rd.rc;
}

static int read_facts(reader *rd, const kh_jv *v, kh_factset **out)
{
    *out = NULL;
    if (!v || v->type == KH_JV_NULL)
        return KH_OK;
    if (v->type != KH_JV_OBJECT)
        return bad(rd, "'facts' is not an object");
    kh_factset *set = NULL;
    if (kh_factset_new(&set) != KH_OK)
        return nomem(rd);
    const kh_jv *entries = kh_jv_get(v, "entries");
    for (size_t i = 0; rd->rc == KH_OK && i < kh_jv_len(entries); i++) {
        const kh_jv *e = kh_jv_at(entries, i);
        for (size_t k = 0; rd->rc == KH_OK && k < kh_jv_len(e); k++) {
            kh_fact f;
            if (kh_record_fact_read(&f, kh_jv_at(e, k)) != KH_OK) {
                bad(rd, "a fact is malformed");
                break;
            }
            if (kh_factset_add(set, &f) != KH_OK)
                nomem(rd);
            kh_record_fact_clear(&f);
        }
    }
    const kh_jv *errors = kh_jv_get(v, "errors");
    for (size_t i = 0; rd->rc == KH_OK && i < kh_jv_len(errors); i++) {
        const char *s = kh_jv_str(kh_jv_at(errors, i));
        if (s && kh_factset_add_error(set, s) != KH_OK)
            nomem(rd);
    }
    if (rd->rc != KH_OK) {
        kh_factset_free(set);
        return rd->rc;
    }
    *out = set;
    return KH_OK;
}

static char **read_strings(reader *rd, const kh_jv *arr, size_t *count)
{
    *count = 0;
    size_t n = kh_jv_len(arr);
    if (!n)
        return NULL;
    char **out = calloc(n, sizeof *out);
    if (!out) {
        nomem(rd);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = kh_jv_str(kh_jv_at(arr, i));
        if (!s) {
            bad(rd, "a list holds a non-string");
            break;
        }
        if (!(out[*count] = strdup(s))) {
            nomem(rd);
            break;
        }
        (*count)++;
    }
    return out;
}

static int read_score(reader *rd, const kh_jv *v, const kh_scheme *scheme,
                      kh_report_score **out)
{
    *out = NULL;
    if (!v || v->type == KH_JV_NULL)
        return KH_OK;
    if (v->type != KH_JV_OBJECT)
        return bad(rd, "'score' is not an object");
    kh_report_score *s = calloc(1, sizeof *s);
    if (!s)
        return nomem(rd);
    s->path = get_str(rd, v, "path");
    s->unit = get_str(rd, v, "unit");
    s->year = (int)get_int(rd, v, "year");
    s->total = get_num(rd, v, "total");
    s->grade = get_str(rd, v, "grade");
    s->rank = (int)get_int(rd, v, "rank");
    const kh_jv *inds = kh_jv_get(v, "indicators");
    size_t n = kh_jv_len(inds);
    if (rd->rc == KH_OK && n != scheme->indicators_count)
        bad(rd, "scored with a scheme of another shape");
    if (rd->rc == KH_OK && n) {
        s->indicators = calloc(n, sizeof *s->indicators);
        if (!s->indicators)
            nomem(rd);
        else
            s->indicators_count = n;
    }
    for (size_t i = 0; rd->rc == KH_OK && i < s->indicators_count; i++) {
        const kh_jv *iv = kh_jv_at(inds, i);
        kh_indicator_result *r = &s->indicators[i];
        const char *id = kh_jv_gstr(iv, "id");
        r->indicator = id ? kh_scheme_indicator(scheme, id) : NULL;
        if (!r->indicator || r->indicator != &scheme->indicators[i]) {
            bad(rd, "an indicator is not the scheme's");
            break;
        }
        r->status = (kh_indicator_status)get_int(rd, iv, "status");
        r->points = get_num(rd, iv, "points");
        r->branch = get_str(rd, iv, "branch");
        r->explanation = get_str(rd, iv, "explanation");
        r->error = get_str(rd, iv, "error");
        r->missing = read_strings(rd, kh_jv_get(iv, "missing"), &r->missing_count);
        const kh_jv *facts = kh_jv_get(iv, "facts");
        size_t nf = kh_jv_len(facts);
        if (nf && rd->rc == KH_OK) {
            r->facts = calloc(nf, sizeof *r->facts);
            if (!r->facts) {
                nomem(rd);
                break;
            }
            for (size_t k = 0; k < nf; k++) {
                if (kh_record_fact_read(&r->facts[k], kh_jv_at(facts, k)) != KH_OK) {
                    bad(rd, "an indicator fact is malformed");
                    break;
                }
                r->facts_count++;
            }
        }
        r->line = (int)get_int(rd, iv, "line");
        r->excluded = kh_jv_gbool(iv, "excluded", false);
    }
    const kh_jv *adj = kh_jv_get(v, "adjustments");
    size_t na = kh_jv_len(adj);
    if (rd->rc == KH_OK && na) {
        s->adjustments = calloc(na, sizeof *s->adjustments);
        if (!s->adjustments)
            nomem(rd);
        for (size_t i = 0; rd->rc == KH_OK && i < na; i++) {
            const kh_jv *a = kh_jv_at(adj, i);
            kh_adjustment *d = &s->adjustments[s->adjustments_count++];
            d->id = get_str(rd, a, "id");
            d->name = get_str(rd, a, "name");
            d->points = get_num(rd, a, "points");
        }
    }
    if (rd->rc != KH_OK) {
        kh_report_score_free(s);
        return rd->rc;
    }
    *out = s;
    return KH_OK;
}

int kh_record_read(kh_record *out, const kh_jv *v, const kh_scheme *scheme,
                   kh_error *err)
{
    memset(out, 0, sizeof *out);
    reader rd = {err, KH_OK};
    if (!v || v->type != KH_JV_OBJECT)
        return bad(&rd, "not an object");
    if (kh_jv_gnum(v, "v", 0) != KH_RECORD_VERSION)
        return bad(&rd, "written by another version of kaohe");
    out->path = get_str(&rd, v, "path");
    out->sha256 = get_str(&rd, v, "sha256");
    out->encoding = get_str(&rd, v, "encoding");
    out->error = get_str(&rd, v, "error");
    out->unit_reported = get_str(&rd, v, "unit_reported");
    out->year = (int)get_int(&rd, v, "year");
    const char *st = kh_jv_gstr(v, "unit_status");
    out->unit_status = !st || strcmp(st, "unknown") == 0 ? KH_UNIT_UNKNOWN
                       : strcmp(st, "doubtful") == 0  ? KH_UNIT_DOUBTFUL
                                                      : KH_UNIT_MATCHED;
    out->unit = get_str(&rd, v, "unit");
    out->unit_code = get_str(&rd, v, "unit_code");
    out->unit_note = get_str(&rd, v, "unit_note");
    if (rd.rc == KH_OK)
        out->warnings = read_strings(&rd, kh_jv_get(v, "warnings"), &out->warnings_count);
    if (rd.rc == KH_OK)
        read_facts(&rd, kh_jv_get(v, "facts"), &out->facts);
    if (rd.rc == KH_OK && scheme)
        read_score(&rd, kh_jv_get(v, "score"), scheme, &out->score);
    else if (rd.rc == KH_OK) {
        const kh_jv *sc = kh_jv_get(v, "score");
        if (sc && sc->type != KH_JV_NULL)
            bad(&rd, "a scored record needs the scheme to be read");
    }
    if (rd.rc == KH_OK && !out->path)
        bad(&rd, "no path");
    if (rd.rc != KH_OK)
        kh_record_clear(out);
    return rd.rc;
}

/* What a light parse leaves out: the fact entries (facts.entries) and the
 * facts each indicator read (score.indicators[i].facts). */
static bool skip_facts(void *ctx, int depth, const char *key)
{
    (void)ctx;
    return (depth == 2 && strcmp(key, "entries") == 0) ||
           (depth == 4 && strcmp(key, "facts") == 0);
}

int kh_record_parse_light(kh_record *out, const char *text, size_t len,
                          const kh_scheme *scheme, kh_error *err)
{
    memset(out, 0, sizeof *out);
    kh_jv *v = NULL;
    kh_jv_parse_opts opts = {skip_facts, NULL};
    int rc = kh_jv_parse_ex(&v, text, len, &opts, err);
    if (rc != KH_OK)
        return rc;
    rc = kh_record_read(out, v, scheme, err);
    kh_jv_free(v);
    return rc;
}

int kh_record_parse(kh_record *out, const char *text, size_t len,
                    const kh_scheme *scheme, kh_error *err)
{
    memset(out, 0, sizeof *out);
    kh_jv *v = NULL;
    int rc = kh_jv_parse(&v, text, len, err);
    if (rc != KH_OK)
        return rc;
    rc = kh_record_read(out, v, scheme, err);
    kh_jv_free(v);
    return rc;
}
