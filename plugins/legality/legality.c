/*
 * legality.c — extractor plugin for legality review (合法性审查 / 合法性审核):
 * how many items the unit put through legality review in the year
 * (legality_review.count, a STATED total only) and the review rate
 * (legality_review.rate: "合法性审查率100%", or implied 100 by whole coverage
 * such as "全部按规定进行了合法性审核" about the unit's decisions/documents).
 *
 * One anchor pass over 合法性审查/审核; every other pattern runs only inside
 * the sentence around an anchor (each sentence once).
 */
#include <stdio.h>
#include <string.h>

#include "khp.h"

/* A number as the host parser reads it (the parser decides the value). */
#define NUM                                                                   \
    "(?:约|近|超过|逾|不足|不到)?(?:[0-9](?:[0-9.]|,(?=[0-9]{3}))*|"             \
    "[零〇一二两三四五六七八九十百千]+)(?:万|亿)?(?:余|多)?"
/* A percentage: 98.5%, 100%以上, 百分之百. */
#define PCT                                                                   \
    "(?:(?:约|近|超过|逾|不足|不到)?[0-9]+(?:\\.[0-9]+)?%(?:以上|左右)?|"        \
    "百分之[百零〇一二两三四五六七八九十点]+)"
/* Up to n characters inside one clause. */
#define GAP(n) "[^,;。:!?\\n]{0," #n "}?"
#define REVIEW "合法性(?:审查|审核)(?:\\(审[查核]\\))?"

typedef struct legality_state {
    khp k;
    kh_re *anchor;      /* 合法性审查 / 合法性审核 */
    kh_re *count_verb;  /* (合法性)审查 … N件 */
    kh_re *count_obj;   /* 对 … N件 … 进行合法性审查 */
    kh_re *count_pass;  /* N件 … 经(过)合法性审查 */
    kh_re *rate;        /* 合法性审查率 … N% */
    kh_re *rate_pre;    /* N% … 经过合法性审查 */
    kh_re *implied;     /* 均 / 全部 … 合法性审查 */
    kh_re *figure;      /* N件 (parts check) */
    kh_re *verb_start;  /* a clause that starts with the verb 审查/审核 */
    kh_re *subject;     /* the unit's decisions / documents */
    kh_re *examples;    /* 《…》等: named examples, not the whole */
    kh_re *off_topic;   /* 案例 / 培训 … between verb and number */
    kh_re *total;       /* 共 / 计 / 等: a total marker */
    kh_re *adviser;     /* 法律顾问 / 律师 */
    kh_re *review_word; /* 合法性审 */
    kh_re *negation;    /* 未 / 不 / 没 before a coverage word */
    khp_litset pct_lits;/* % 百分之: every match of rate and rate_pre holds
                           one (their number is a PCT) */
    /* capture group indices, looked up once in init */
    int gv_num, gv_lg, go_num, go_obj2, gp_num, gr_num, gr_rt, gq_num, gi_cov;
} legality_state;

typedef struct scan_ctx {
    legality_state *st;
    kh_sink *sink;
    size_t last_sentence; /* start of the last sentence scanned */
    int rc;
} scan_ctx;

static const char *const legality_provides[] = {
    "legality_review.count", "legality_review.rate", NULL};

static bool group_set(const kh_match *m, int g)
{
    return g > 0 && g <= m->groups && m->group_start[g] != KH_RE_UNSET;
}

/* Parse the number captured in group g; it must span the whole group. */
static bool group_number(legality_state *st, const kh_doc *doc, const kh_match *m,
                         int g, kh_number *n)
{
    if (!group_set(m, g))
        return false;
    if (!khp_number_at(&st->k, doc, m->group_start[g], m->group_end[g], n))
        return false;
    return n->end == m->group_end[g];
}

/* Start of the clause before the one starting at cs (same sentence), or
 * (size_t)-1 when cs is the sentence's first clause. */
static size_t prev_clause_start(const kh_doc *doc, size_t ss, size_t cs)
{
    if (cs <= ss)
        return (size_t)-1;
    size_t pcs = 0, pce = 0;
    size_t p = cs - 1;
    while (p > ss && ((unsigned char)doc->text[p] & 0xC0) == 0x80)
        p--;
    if (p <= ss)
        return (size_t)-1;
    /* p is the separator ending the previous clause; look just before it */
    size_t q = p - 1;
    while (q > ss && ((unsigned char)doc->text[q] & 0xC0) == 0x80)
        q--;
    khp_clause_bounds(doc, q, q + 1, &pcs, &pce);
    return pcs < ss ? ss : pcs;
}

/* Does re match somewhere in text[from, to)? */
static bool has_match(legality_state *st, kh_re *re, const kh_doc *doc,
                      size_t from, size_t to)
{
    kh_match m;
    if (from >= to)
        return false;
    return st->k.host->re_match(re, doc->text, to, from, &m) == 1;
}

/* How many "N件/份/项/个" figures lie in text[from, to). */
static int count_figures(legality_state *st, const kh_doc *doc, size_t from,
                         size_t to)
{
    int n = 0;
    kh_match m;
    size_t pos = from;
    while (pos < to && st->k.host->re_match(st->figure, doc->text, to, pos, &m) == 1) {
        n++;
        pos = m.end > pos ? m.end : pos + 1;
    }
    return n;
}

/* A total marker (共 / 合计 / 等 …) in the few bytes before the figure. */
static bool total_marker_before(legality_state *st, const kh_doc *doc,
                                size_t clause_start, size_t fig)
{
    size_t from = fig > clause_start + 9 ? fig - 9 : clause_start;
    return has_match(st, st->total, doc, from, fig);
}

/* Reasons from the shared scope check that veto a legality figure. */
static bool scope_vetoes(legality_state *st, const kh_doc *doc, size_t anchor,
                         size_t fs, size_t fe)
{
    return khp_scope(&st->k, doc, anchor, fs, fe) != KHP_SCOPE_OK;
}

static void emit_count(scan_ctx *c, const kh_doc *doc, const kh_number *n,
                       size_t ev_start, size_t ev_end, int conf, const char *note)
{
    int rc = khp_emit_number(&c->st->k, c->sink, "legality_review.count", n->value,
                             "items", n->qualifier, KH_BASIS_STATED, ev_start,
                             ev_end, conf, note);
    if (rc != KH_PLUGIN_OK && c->rc == 0)
        c->rc = rc;
}

static void emit_rate(scan_ctx *c, double value, kh_qualifier q, kh_basis basis,
                      size_t ev_start, size_t ev_end, int conf, const char *note)
{
    int rc = khp_emit_number(&c->st->k, c->sink, "legality_review.rate", value,
                             "percent", q, basis, ev_start, ev_end, conf, note);
    if (rc != KH_PLUGIN_OK && c->rc == 0)
        c->rc = rc;
}

/* Legal advisers (法律顾问 / 律师) taking part: not the unit's own count. */
static bool adviser_context(legality_state *st, const kh_doc *doc, size_t from, size_t to)
{
    return has_match(st, st->adviser, doc, from, to);
}

/* "(合法性)审查 … N件". */
static void scan_count_verb(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    legality_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->count_verb, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        kh_number n;
        if (!group_number(st, doc, &m, st->gv_num, &n) || n.kind == KH_NUM_PERCENT)
            continue;
        size_t cs, ce;
        khp_clause_bounds(doc, m.start, m.end, &cs, &ce);
        if (cs < ss)
            cs = ss;
        int conf;
        if (group_set(&m, st->gv_lg)) {
            conf = 90;
        } else {
            /* bare 审查/审核 must open its clause, right after a clause that
             * names 合法性审查 (…合法性审查等指引,审查议题、协议等600余件) */
            kh_match vm;
            if (st->k.host->re_match(st->verb_start, doc->text, m.end, cs, &vm) != 1 ||
                vm.end != m.start + strlen("审查"))
                continue;
            size_t pcs = prev_clause_start(doc, ss, cs);
            if (pcs == (size_t)-1 || !has_match(st, st->review_word, doc, pcs, cs))
                continue;
            /* a previous clause with its own figure (合法性审查16件,审查合同92件)
             * ends its list: this clause is another kind of review */
            if (count_figures(st, doc, pcs, cs) > 0)
                continue;
            conf = 70;
        }
        if (has_match(st, st->off_topic, doc, m.start, n.start))
            continue;
        if (count_figures(st, doc, cs, ce) > 1 && !total_marker_before(st, doc, cs, n.start))
            continue; /* parts without a total */
        if (scope_vetoes(st, doc, m.start, n.start, n.end))
            continue;
        const char *note = NULL;
        if (adviser_context(st, doc, ss, n.start)) {
            conf = 35;
            note = "legal advisers' participation";
        }
        emit_count(c, doc, &n, m.start, m.end, conf, note);
    }
}

/* "对 … N件 … 进行合法性审查". */
static void scan_count_obj(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    legality_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->count_obj, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        kh_number n;
        if (!group_number(st, doc, &m, st->go_num, &n) || n.kind == KH_NUM_PERCENT)
            continue;
        /* a second figure after the first: parts (2个决策、7个文件), no total */
        if (group_set(&m, st->go_obj2) &&
            count_figures(st, doc, m.group_start[st->go_obj2], m.group_end[st->go_obj2]) > 0)
            continue;
        if (scope_vetoes(st, doc, m.start, n.start, n.end))
            continue;
        int conf = 85;
        const char *note = NULL;
        if (adviser_context(st, doc, ss, m.end)) {
            conf = 35;
            note = "legal advisers' participation";
        }
        emit_count(c, doc, &n, m.start, m.end, conf, note);
    }
}

/* "N件 … 经(过)合法性审查". */
static void scan_count_pass(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    legality_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->count_pass, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        kh_number n;
        if (!group_number(st, doc, &m, st->gp_num, &n) || n.kind == KH_NUM_PERCENT)
            continue;
        size_t cs, ce;
        khp_clause_bounds(doc, m.start, m.end, &cs, &ce);
        if (cs < ss)
            cs = ss;
        if (count_figures(st, doc, cs, ce) > 1 && !total_marker_before(st, doc, cs, n.start))
            continue;
        if (scope_vetoes(st, doc, m.start, n.start, n.end))
            continue;
        int conf = 65;
        const char *note = NULL;
        if (adviser_context(st, doc, ss, m.end)) {
            conf = 35;
            note = "legal advisers' participation";
        }
        emit_count(c, doc, &n, m.start, m.end, conf, note);
    }
}

/* "合法性审查率 … N%" and "N% … 经过合法性审查". */
static void scan_rate(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    legality_state *st = c->st;
    /* both patterns' matches lie in [ss, se) and hold a PCT: % or 百分之,
     * which one sentence in ten of those read here holds */
    if (!khp_litset_in(&st->pct_lits, doc, ss, se))
        return;
    kh_re *res[2] = {st->rate, st->rate_pre};
    int num_group[2] = {st->gr_num, st->gq_num};
    for (int i = 0; i < 2; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && st->k.host->re_match(res[i], doc->text, se, pos, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            kh_number n;
            if (!group_number(st, doc, &m, num_group[i], &n) || n.kind != KH_NUM_PERCENT ||
                n.value < 0 || n.value > 100)
                continue;
            if (scope_vetoes(st, doc, m.start, n.start, n.end))
                continue;
            int conf = i == 0 ? (group_set(&m, st->gr_rt) ? 90 : 75) : 80;
            emit_rate(c, n.value, n.qualifier, KH_BASIS_STATED, m.start, m.end, conf,
                      NULL);
        }
    }
}

/* "均 / 全部 … 合法性审查(审核)" about the unit's decisions or documents. */
static void scan_implied(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    legality_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->implied, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        size_t cov = m.group_start[st->gi_cov];
        /* what is covered must be named before the coverage word */
        if (!has_match(st, st->subject, doc, ss, cov))
            continue;
        /* 《A》、《B》等 … : named examples, not the whole */
        if (has_match(st, st->examples, doc, ss, cov))
            continue;
        /* 未全部 / 没有全部 / 不是均 … */
        if (cov >= ss + 3 && has_match(st, st->negation, doc, cov - 3, cov))
            continue;
        if (scope_vetoes(st, doc, m.start, m.start, m.end))
            continue;
        size_t cs, ce;
        khp_clause_bounds(doc, m.start, m.end, &cs, &ce);
        size_t ev_end = ce > m.end ? ce : m.end;
        /* evidence: from the coverage word to the end of its clause, without
         * the clause's closing punctuation */
        while (ev_end > m.end) {
            unsigned char ch = (unsigned char)doc->text[ev_end - 1];
            if (ch == ',' || ch == ';' || ch == ':' || ch == '!' || ch == '?' ||
                ch == '\n' || ch == ' ')
                ev_end--;
            else if (ev_end >= m.end + 3 && khp_contains(doc, ev_end - 3, ev_end, "。"))
                ev_end -= 3;
            else
                break;
        }
        emit_rate(c, 100.0, KH_QUAL_EXACT, KH_BASIS_IMPLIED, m.start, ev_end, 75,
                  "whole coverage stated in words");
    }
}

static int on_anchor(khp *k, const kh_doc *doc, const kh_match *m, size_t ss,
                     size_t se, void *ud)
{
    (void)k;
    (void)m;
    scan_ctx *c = ud;
    if (ss == c->last_sentence)
        return 0;
    c->last_sentence = ss;
    scan_count_verb(c, doc, ss, se);
    scan_count_obj(c, doc, ss, se);
    scan_count_pass(c, doc, ss, se);
    scan_rate(c, doc, ss, se);
    scan_implied(c, doc, ss, se);
    return 0;
}

static void legality_fini(void *state)
{
    legality_state *st = state;
    if (!st)
        return;
    kh_re **all[] = {&st->anchor, &st->count_verb, &st->count_obj, &st->count_pass,
                     &st->rate, &st->rate_pre, &st->implied, &st->figure,
                     &st->verb_start, &st->subject, &st->examples, &st->off_topic,
                     &st->total, &st->adviser, &st->review_word, &st->negation};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int legality_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    legality_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "legality");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    static const char *const pct_lits[] = {"%", "百分之", NULL};
    khp_litset_init(&st->pct_lits, pct_lits);
    st->anchor = khp_compile(&st->k, "合法性(?:审查|审核)");
    st->count_verb = khp_compile(&st->k,
        "(?<lg>合法性)?(?:审查|审核)(?:\\(审[查核]\\))?了?" GAP(40)
        "(?<num>" NUM ")(?:件|份|项)");
    st->count_obj = khp_compile(&st->k,
        "对" GAP(40) "(?<num>" NUM ")(?:件|份|项|"
        "个(?=" GAP(4) "(?:文件|决策|事项|议题|合同|协议|政策|方案)))(?<obj2>" GAP(30) ")"
        "(?:进行|开展|作|做|实施)了?" REVIEW);
    st->count_pass = khp_compile(&st->k,
        "(?<num>" NUM ")(?:件|份|项)" GAP(12)
        "(?:均|全部|都)?(?:已|已经)?(?:经过?|通过|进行了?|提交)了?" REVIEW);
    st->rate = khp_compile(&st->k,
        REVIEW "(?:覆盖)?(?<rt>率)?(?:[、和及与]" GAP(20) "率)*"
        "(?:均|都)?(?:达到|提高到|达|为|是|保持|实现)?(?:了|在)?(?<num>" PCT ")");
    st->rate_pre = khp_compile(&st->k,
        "(?<num>" PCT ")(?:的)?(?:重大行政决策|规范性文件|文件|决策|议题|合同|事项)?"
        "(?:均)?(?:经过?|通过|进行了?|纳入)了?" REVIEW);
    st->implied = khp_compile(&st->k,
        "(?<cov>均|全部|一律|全都)(?:已|已经)?"
        "(?:按规定|依法|严格|按照规定|按程序|按要求|依程序)?"
        "(?:进行了?|经过?了?|通过了?|开展了?|履行了?|提交|提请|纳入)?了?(?:严格的?)?的?"
        REVIEW);
    st->figure = khp_compile(&st->k, "(?:" NUM ")(?:件|份|项|个)");
    st->verb_start = khp_compile(&st->k,
        "\\G(?:今年以来|全年|一年来|20[0-9]{2}年度?)?(?:共|累计|共计|全年共|先后)?(?:审查|审核)");
    st->subject = khp_compile(&st->k,
        "决策|规范性文件|文件|议题|合同|协议|事项|政策措施|行政行为");
    st->examples = khp_compile(&st->k, "》等|》、《");
    st->off_topic = khp_compile(&st->k, "案例|培训|意见建议|制度|机制|问题|人员");
    st->total = khp_compile(&st->k, "共|计|等");
    st->adviser = khp_compile(&st->k, "法律顾问|律师");
    st->review_word = khp_compile(&st->k, "合法性审");
    st->negation = khp_compile(&st->k, "未|不|没");
    if (!st->anchor || !st->count_verb || !st->count_obj || !st->count_pass ||
        !st->rate || !st->rate_pre || !st->implied || !st->figure ||
        !st->verb_start || !st->subject || !st->examples || !st->off_topic ||
        !st->total || !st->adviser || !st->review_word || !st->negation) {
        legality_fini(st);
        return KH_PLUGIN_ERROR;
    }
    st->gv_num = host->re_group(st->count_verb, "num");
    st->gv_lg = host->re_group(st->count_verb, "lg");
    st->go_num = host->re_group(st->count_obj, "num");
    st->go_obj2 = host->re_group(st->count_obj, "obj2");
    st->gp_num = host->re_group(st->count_pass, "num");
    st->gr_num = host->re_group(st->rate, "num");
    st->gr_rt = host->re_group(st->rate, "rt");
    st->gq_num = host->re_group(st->rate_pre, "num");
    st->gi_cov = host->re_group(st->implied, "cov");
    *state = st;
    return KH_PLUGIN_OK;
}

static int legality_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    legality_state *st = state;
    scan_ctx c = {st, sink, (size_t)-1, 0};
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &c);
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    return c.rc;
}

static const kh_plugin_descriptor legality_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "legality",
    "1.0.0",
    "合法性审查: items reviewed for legality and the review rate",
    legality_provides,
    legality_init,
    legality_extract,
    legality_fini,
};

/* The one exported symbol. */
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &legality_descriptor;
}
