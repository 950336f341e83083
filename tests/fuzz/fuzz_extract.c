/*
 * fuzz_extract.c — fuzz harness for the extractor plugins: every plugin of
 * the build's plugins directory (KH_FUZZ_PLUGIN_DIR, or $KAOHE_PLUGINS) is
 * loaded once, then each input is loaded as a document and run through
 * kh_engine_extract. Invariants, for every fact of every key:
 *   - its key is one its plugin declared (kh_engine_provider names it);
 *   - a number is finite; a text value is a non-empty C string;
 *   - qualifier, basis and origin are known values, 0 <= confidence <= 100;
 *   - the evidence span lies within the document (start < end <= length),
 *     its text is the original text at the located position, and its line
 *     and column are >= 1 and those kh_document_locate gives.
 */
#include <math.h>
#include <string.h>

#include "kaohe/kaohe.h"

#include "fuzz.h"

#ifndef KH_FUZZ_PLUGIN_DIR
#error "KH_FUZZ_PLUGIN_DIR must name the build's plugins directory"
#endif

static kh_engine *engine; /* loaded once, lives for the process */
static char last_warning[1024]; /* the engine's latest log line, for reports */

static void keep_warning(void *ctx, kh_log_level level, const char *origin,
                         const char *message)
{
    (void)ctx;
    (void)level;
    snprintf(last_warning, sizeof last_warning, "[%s] %s", origin, message);
}

static void free_engine(void)
{
    kh_engine_free(engine);
    engine = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("KAOHE_PLUGINS");
    if (!dir || !*dir)
        dir = KH_FUZZ_PLUGIN_DIR;
    kh_engine_options opts = KH_ENGINE_OPTIONS_INIT;
    opts.log = keep_warning;
    opts.log_level = KH_LOG_WARN;
    KH_FUZZ_CHECK(kh_engine_new(&engine, &opts) == KH_OK, "kh_engine_new failed");
    size_t loaded = 0;
    int rc = kh_engine_load_plugin_dir(engine, dir, &loaded);
    KH_FUZZ_CHECK(rc == KH_OK && loaded > 0, "no plugins loaded from %s (%d): %s", dir,
                  rc, kh_engine_last_error(engine)->message);
    KH_FUZZ_CHECK(kh_engine_load_error_count(engine) == 0, "plugin failed to load: %s",
                  kh_engine_load_error_at(engine, 0));
    atexit(free_engine);
    return 0;
}

static void check_fact(const kh_document *doc, const kh_fact *f)
{
    size_t len = kh_document_length(doc);
    const char *orig = kh_document_original(doc);
    size_t olen = kh_document_original_length(doc);
    const char *key = f->key ? f->key : "(null)";

    KH_FUZZ_CHECK(f->key && f->plugin, "fact without key or plugin");
    const char *provider = kh_engine_provider(engine, f->key);
    KH_FUZZ_CHECK(provider && strcmp(provider, f->plugin) == 0,
                  "%s from %s, but provided by %s", key, f->plugin,
                  provider ? provider : "no plugin");
    KH_FUZZ_CHECK(f->origin == KH_ORIGIN_EXTRACTED, "%s: origin %d", key, (int)f->origin);
    if (f->type == KH_VALUE_NUMBER)
        KH_FUZZ_CHECK(isfinite(f->number), "%s: value %g", key, f->number);
    else
        KH_FUZZ_CHECK(f->type == KH_VALUE_TEXT && f->text && f->text[0],
                      "%s: type %d with text %p", key, (int)f->type, (void *)f->text);
    KH_FUZZ_CHECK((unsigned)f->qualifier <= KH_QUAL_LESS_THAN &&
                  (unsigned)f->basis <= KH_BASIS_DERIVED,
                  "%s: qualifier %d basis %d", key, (int)f->qualifier, (int)f->basis);
    KH_FUZZ_CHECK(f->confidence >= 0 && f->confidence <= 100, "%s: confidence %d", key,
                  f->confidence);

    const kh_evidence *ev = &f->evidence;
    KH_FUZZ_CHECK(ev->norm_start < ev->norm_end && ev->norm_end <= len,
                  "%s: evidence [%zu, %zu) outside the document (length %zu)", key,
                  ev->norm_start, ev->norm_end, len);
    KH_FUZZ_CHECK(ev->line >= 1 && ev->column >= 1, "%s: evidence at line %d column %d",
                  key, ev->line, ev->column);
    kh_position at = kh_document_locate(doc, ev->norm_start);
    KH_FUZZ_CHECK(at.line == ev->line && at.column == ev->column,
                  "%s: evidence at %d:%d, its start locates to %d:%d", key, ev->line,
                  ev->column, at.line, at.column);
    KH_FUZZ_CHECK(ev->text && ev->text[0], "%s: empty evidence text", key);
    size_t tl = strlen(ev->text);
    KH_FUZZ_CHECK(at.offset + tl <= olen && memcmp(orig + at.offset, ev->text, tl) == 0,
                  "%s: evidence \"%.40s\" is not the original text at %zu", key,
                  ev->text, at.offset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_document_load_memory(&doc, "fuzz", data, size, NULL, &err) != KH_OK)
        return 0; /* refusals are fuzz_document's business */
    kh_factset *facts = NULL;
    int rc = kh_engine_extract(engine, doc, &facts);
    KH_FUZZ_CHECK(rc == KH_OK && facts, "kh_engine_extract = %d", rc);
    size_t n = kh_factset_count(facts);
    for (size_t i = 0; i < n; i++) {
        const kh_fact_entry *e = kh_factset_at(facts, i);
        KH_FUZZ_CHECK(e && e->count > 0 && e->facts, "entry %zu is empty", i);
        KH_FUZZ_CHECK(kh_factset_get(facts, e->key) == &e->facts[0],
                      "%s: get() is not the chosen fact", e->key);
        for (size_t k = 0; k < e->count; k++) {
            KH_FUZZ_CHECK(strcmp(e->facts[k].key, e->key) == 0, "%s holds a %s fact",
                          e->key, e->facts[k].key);
            check_fact(doc, &e->facts[k]);
        }
    }
    /* a plugin may refuse a document (non-zero extract) but never emit a fact
     * the host had to refuse */
    for (size_t i = 0; i < kh_factset_error_count(facts); i++) {
        const char *msg = kh_factset_error_at(facts, i);
        KH_FUZZ_CHECK(msg && !strstr(msg, "refused"), "plugin emitted a bad fact: %s; %s",
                      msg ? msg : "(null)", last_warning);
    }
    kh_factset_free(facts);
    kh_document_free(doc);
    return 0;
}
