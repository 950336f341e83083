/*
 * review.c — extractor plugin for 行政复议 facts: applications received
 * (review.received), cases accepted (review.accepted), cases concluded
 * (review.closed), corrections (review.corrected, a stated total) and the
 * stated correction rate (review.correction_rate).
 *
 * One pass of the anchor pattern (复议); each sentence holding an anchor is
 * read once. A count belongs to the verb nearest before it in its clause
 * (收到 / 新收 / 收案 → received, 受理 → accepted, 审结 / 结案 / 办结 →
 * closed, 纠错 / 纠正 / 撤销、变更… → corrected), so "收到行政复议申请39件,
 * 受理27件" gives 39 received and 27 accepted. A count is a 复议 figure only
 * when the nearest topic word before it in the sentence is 复议 and its clause
 * names no other topic (行政诉讼, 信访 …): "已审结8件" after a 行政诉讼 clause
 * is not a 复议 figure. Vetoes: 不予受理 / 被纠错 / 调解结案, a court's
 * figures, the unit as 被申请人, higher levels (全省, 全市 in a district's
 * report), and the shared scope rules of khp_scope().
 *
 * Patterns are in simplified characters only: the document normaliser
 * reads a report in traditional characters (復議, 審結 …) as simplified
 * (OpenCC t2s) before any plugin sees it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kaohe/plugin.h"
#include "khp.h"

/* ---- clause geometry ----------------------------------------------------- */

/* ---- state --------------------------------------------------------------- */

#define NUMCHARS "0-9零〇一二两三四五六七八九十百千"
#define NUM "(?<n>(?:大约|约|近|超过|逾|不足|不到)?)(?=[" NUMCHARS "])"

#define CORR_ITEM "(?:撤销|变更|确认违法|责令履行)"
#define VERBS "受理|新收|收案|收到|接收|接到|审结|结案|办结|纠错|纠正|" \
              CORR_ITEM "(?:[、和及与或]" CORR_ITEM ")+"
#define FILL_VETO "不予|驳回|维持|撤回|终止|调解|和解|化解|增加|增长|减少|下降|" \
                  "上升|同比|结转|其中|占|率|建议|意见|来信|咨询|举报|投诉|信访|" \
                  "被申请|人次|诉讼|应诉"

enum { DOC_LEVEL_UNKNOWN = 0, DOC_LEVEL_LOCAL = 1, DOC_LEVEL_CITY = 2 };

typedef struct rev_state {
    khp k;
    kh_re *anchor, *count, *rate, *topic;
    kh_re *court, *respondent, *above_always, *above_city, *growth, *growth_ok_end;
    kh_re *mediated, *level, *prior, *dept, *generic;
} rev_state;

#define REV_PATTERNS(X)                                                        \
    X(anchor, "复议")                                                          \
    X(count, "(?<verb>" VERBS ")"                                              \
             "(?:(?!" VERBS "|" FILL_VETO ")[^" NUMCHARS ",;。:\\n]){0,20}?" NUM)  \
    X(rate, "纠错率(?<fill>[^0-9,;。:\\n]{0,8}?)" NUM)                          \
    X(topic, "(?<r>复议)|诉讼|应诉|出庭|败诉|信访|仲裁|投诉|举报|处罚|案卷|"        \
             "调解|纠纷|来信|来访|审判|被告|执法|公证|法律援助|热线|许可|审批|"      \
             "登记|诉求")                                                       \
    X(generic, "各类|各项|各种|其他")                                            \
    X(court, "法院|法庭|审判机关")                                              \
    X(respondent, "被申请人|被申请")                                            \
    X(above_always, "全省|全国|省级|省内|上级")                                  \
    X(above_city, "全市|市级|市直|市本级|市政府|市人民政府|市行政复议|市司法局")   \
    X(growth, "同比|较上年|比上年|较去年|比去年|上升|增长|增加|下降|降低|提高|提升|减少") \
    X(growth_ok_end, "(?:到|至|为|达)$")                                        \
    X(mediated, "调解|和解")                                                    \
    X(prior, "去年|上年|上一年|前年|同期")                                        \
    X(dept, "(?<![各全所])(?<!司法|复议)(?:分局|局)(?![面势限长])")               \
    X(level, "(?:区|县|旗)(?=人民政府|政府|委|坚持|法治|[0-9]{4})|"               \
             "(?<c>市)(?=人民政府|政府|委|坚持|法治|[0-9]{4})")

#define VETO_ALL (KHP_SCOPE_TARGET | KHP_SCOPE_REQUIRE | KHP_SCOPE_MULTIYEAR | \
                  KHP_SCOPE_PARTIAL | KHP_SCOPE_COURT | KHP_SCOPE_PRIOR |       \
                  KHP_SCOPE_PART)

static const char *const rev_provides[] = {
    "review.received", "review.accepted", "review.closed", "review.corrected",
    "review.correction_rate", NULL};

typedef struct rev_run {
    rev_state *st;
    const kh_doc *doc;
    kh_sink *sink;
    size_t done_end; /* end of the last sentence read */
    int level;       /* DOC_LEVEL_* */
} rev_run;

/* ---- small matching helpers --------------------------------------------- */

static size_t gstart(const kh_re *re, const rev_state *st, const kh_match *m,
                     const char *name)
{
    int g = st->k.host->re_group(re, name);
    return g < 0 ? KH_RE_UNSET : m->group_start[g];
}

static size_t gend(const kh_re *re, const rev_state *st, const kh_match *m,
                   const char *name)
{
    int g = st->k.host->re_group(re, name);
    return g < 0 ? KH_RE_UNSET : m->group_end[g];
}

static bool starts_with(const kh_doc *doc, size_t pos, size_t limit, const char *s)
{
    size_t l = strlen(s);
    return pos + l <= limit && memcmp(doc->text + pos, s, l) == 0;
}

static bool ends_with(const kh_doc *doc, size_t lo, size_t pos, const char *s)
{
    size_t l = strlen(s);
    return pos >= lo + l && memcmp(doc->text + pos - l, s, l) == 0;
}

/* Byte length of a case unit at pos, 0 if none. */
static size_t case_unit(const kh_doc *doc, size_t pos, size_t limit)
{
    static const char *const units[] = {"件", "宗", "起", "个", "份", "例"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (starts_with(doc, pos, limit, units[i])) return strlen(units[i]);
    return 0;
}

/* Move an evidence start left over 共 / 已 / 依法 … that belong to the phrase. */
static size_t ev_left(const kh_doc *doc, size_t lo, size_t start)
{
    static const char *const pre[] = {"共", "已", "新", "依法", "直接", "全区",
                                      "全市", "全县", "我区", "我市", "我县",
                                      "区政府", "市政府", "县政府", "累计"};
    for (int round = 0; round < 3; round++) {
        bool moved = false;
        for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
            if (ends_with(doc, lo, start, pre[i])) {
                start -= strlen(pre[i]), moved = true;
                break;
            }
        }
        if (!moved) break;
    }
    return start;
}

static bool above_unit(const rev_run *r, size_t a, size_t b)
{
    if (khp_has(&r->st->k, r->st->above_always, r->doc, a, b)) return true;
    return r->level == DOC_LEVEL_LOCAL && khp_has(&r->st->k, r->st->above_city, r->doc, a, b);
}

/* The figure at fig belongs to 复议: the nearest topic word before it in the
 * sentence is 复议, and its clause [cs, fig) names no other topic. Sets
 * *own_clause when 复议 itself is named in the clause. */
static bool review_topic(const rev_run *r, size_t ss, size_t cs, size_t fig,
                         bool *own_clause)
{
    const rev_state *st = r->st;
    kh_match m;
    bool last_r = false, other_in_clause = false;
    *own_clause = false;
    for (size_t p = ss; khp_find(&st->k, st->topic, r->doc, p, fig, &m); p = m.end) {
        bool is_r = gstart(st->topic, st, &m, "r") != KH_RE_UNSET;
        last_r = is_r;
        if (m.start >= cs) {
            if (is_r) *own_clause = true;
            else other_in_clause = true;
        }
    }
    return last_r && !other_in_clause;
}

static void emit(rev_run *r, const char *key, double v, const char *unit,
                 kh_qualifier q, size_t es, size_t ee, int conf)
{
    int rc = khp_emit_number(&r->st->k, r->sink, key, v, unit, q, KH_BASIS_STATED,
                             es, ee, conf, NULL);
    if (rc != KH_PLUGIN_OK)
        r->st->k.host->log(r->st->k.host->ctx, KH_LOG_WARN, "emit %s failed (%d)", key, rc);
}

/* ---- the verbs ----------------------------------------------------------- */

typedef struct verb_key {
    const char *verb;
    const char *key;
    int conf_delta; /* added to the base confidence */
} verb_key;

static const verb_key verb_keys[] = {
    {"受理", "review.accepted", 0},   {"新收", "review.received", 0},
    {"收案", "review.received", 0},   {"收到", "review.received", 0},
    {"接收", "review.received", -5},  {"接到", "review.received", -5},
    {"审结", "review.closed", 0},     {"结案", "review.closed", 0},
    {"办结", "review.closed", 0},     {"纠错", "review.corrected", 0},
    {"纠正", "review.corrected", -25}, {"審結", "review.closed", 0},
    {"結案", "review.closed", 0},     {"辦結", "review.closed", 0},
    {"糾錯", "review.corrected", 0},  {"糾正", "review.corrected", -25},
};

/* The key a verb at [vs, ve) counts for; a list 撤销、变更… is corrected. */
static const verb_key *key_of_verb(const kh_doc *doc, size_t vs, size_t ve)
{
    static const verb_key list = {"撤销、变更", "review.corrected", -15};
    for (size_t i = 0; i < sizeof verb_keys / sizeof verb_keys[0]; i++) {
        size_t l = strlen(verb_keys[i].verb);
        if (ve - vs == l && memcmp(doc->text + vs, verb_keys[i].verb, l) == 0)
            return &verb_keys[i];
    }
    return &list;
}

/* ---- extraction ---------------------------------------------------------- */

static void counts(rev_run *r, size_t ss, size_t se)
{
    rev_state *st = r->st;
    const kh_doc *doc = r->doc;
    kh_match m;
    kh_number n;

    for (size_t p = ss; khp_find(&st->k, st->count, doc, p, se, &m); p = m.end) {
        size_t vs = gstart(st->count, st, &m, "verb"), ve = gend(st->count, st, &m, "verb");
        size_t cs = khp_clause_start(doc, ss, vs);
        size_t ce = khp_clause_end(doc, m.end, se);
        /* 不予受理 / 被纠错 / 调解结案: not the count asked for */
        if (ends_with(doc, cs, vs, "不予") || ends_with(doc, cs, vs, "被")) continue;
        const verb_key *vk = key_of_verb(doc, vs, ve);
        if (strcmp(vk->key, "review.closed") == 0
            && khp_has(&st->k, st->mediated, doc, cs, vs)) continue;
        if (!khp_number_at(&st->k, doc, gstart(st->count, st, &m, "n"), ce, &n)) continue;
        size_t u = case_unit(doc, n.end, ce);
        if (!u || n.kind == KH_NUM_PERCENT) continue;
        bool own;
        if (!review_topic(r, ss, cs, n.start, &own)) continue;
        /* "受理各类案件560件" after a list of services: not 复议's own count */
        if (!own && khp_has(&st->k, st->generic, doc, ve, n.start)) continue;
        if (khp_has(&st->k, st->court, doc, cs, n.start)) continue;
        if (khp_has(&st->k, st->respondent, doc, ss, n.start))
            continue; /* the unit as respondent */
        if (khp_has(&st->k, st->prior, doc, cs, n.start) ||
            khp_has(&st->k, st->dept, doc, cs, n.start)) continue;
        if (above_unit(r, cs, n.start)) continue;
        if (khp_scope(&st->k, doc, vs, n.start, n.end + u) & VETO_ALL) continue;
        emit(r, vk->key, n.value, "cases", n.qualifier, ev_left(doc, cs, vs), n.end + u,
             (own ? 85 : 75) + vk->conf_delta);
    }

    /* 纠错率12.5% */
    for (size_t p = ss; khp_find(&st->k, st->rate, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        size_t ce = khp_clause_end(doc, m.end, se);
        if (ends_with(doc, cs, m.start, "被")) continue;
        size_t fs = gstart(st->rate, st, &m, "fill"), fe = gend(st->rate, st, &m, "fill");
        if (khp_has(&st->k, st->growth, doc, fs, fe) &&
            !khp_has(&st->k, st->growth_ok_end, doc, fs, fe)) continue;
        if (khp_contains(doc, cs, m.end, "平均")) continue;
        if (!khp_number_at(&st->k, doc, gstart(st->rate, st, &m, "n"), ce, &n)) continue;
        if (n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100) continue;
        bool own;
        if (!review_topic(r, ss, cs, m.start, &own)) continue;
        if (khp_has(&st->k, st->court, doc, cs, m.start) ||
            khp_has(&st->k, st->respondent, doc, ss, m.start))
            continue;
        if (khp_has(&st->k, st->prior, doc, cs, m.start) ||
            khp_has(&st->k, st->dept, doc, cs, m.start)) continue;
        if (above_unit(r, cs, m.start)) continue;
        if (khp_scope(&st->k, doc, m.start, n.start, n.end) & VETO_ALL) continue;
        size_t es = m.start;
        if (ends_with(doc, cs, es, "综合")) es -= strlen("综合");
        else if (ends_with(doc, cs, es, "直接")) es -= strlen("直接");
        emit(r, "review.correction_rate", n.value, "percent", n.qualifier, es, n.end,
             own ? 90 : 80);
    }
}

/* ---- plugin entry points ------------------------------------------------- */

static int on_anchor(khp *k, const kh_doc *doc, const kh_match *m, size_t ss,
                     size_t se, void *ud)
{
    rev_run *r = ud;
    (void)k, (void)doc, (void)m;
    if (se <= r->done_end) return 0; /* sentence already read */
    r->done_end = se;
    counts(r, ss, se);
    return 0;
}

static int doc_level(const rev_state *st, const kh_doc *doc)
{
    kh_match m;
    size_t lim = doc->len < 600 ? doc->len : 600;
    while (lim > 0 && lim < doc->len && ((unsigned char)doc->text[lim] & 0xC0) == 0x80) lim--;
    if (!khp_find(&st->k, st->level, doc, 0, lim, &m)) return DOC_LEVEL_UNKNOWN;
    return gstart(st->level, st, &m, "c") != KH_RE_UNSET ? DOC_LEVEL_CITY : DOC_LEVEL_LOCAL;
}

static void rev_fini(void *state)
{
    rev_state *st = state;
    if (!st) return;
#define FREE_ONE(name, pat) khp_free_re(&st->k, &st->name);
    REV_PATTERNS(FREE_ONE)
#undef FREE_ONE
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int rev_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    rev_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st) return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "review");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    bool ok = true;
#define COMPILE_ONE(name, pat) \
    if (ok && !(st->name = khp_compile(&st->k, pat))) ok = false;
    REV_PATTERNS(COMPILE_ONE)
#undef COMPILE_ONE
    if (!ok) {
        rev_fini(st);
        return KH_PLUGIN_ERROR;
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int rev_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    rev_state *st = state;
    rev_run r = {st, doc, sink, 0, doc_level(st, doc)};
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &r);
    return rc < 0 ? KH_PLUGIN_ERROR : KH_PLUGIN_OK;
}

static const kh_plugin_descriptor rev_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "review",
    "1.0.0",
    "行政复议: applications received, cases accepted and concluded, corrections",
    rev_provides,
    rev_init,
    rev_extract,
    rev_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &rev_descriptor;
}
