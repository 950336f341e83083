/*
 * mediation.c — extractor plugin for dispute mediation (人民调解 / 矛盾纠纷化解):
 * disputes the unit mediated successfully in the year (mediation.resolved:
 * 调解成功 / 成功调解 / 调处成功 / 化解 N件/起/宗) and the success rate
 * (mediation.success_rate: 调解成功率98.6%).
 *
 * Not the unit's figure, and so never emitted: a court's 委派/委托/诉前调解,
 * multi-year totals (去年以来), one township or one 调解委员会 / 调解中心,
 * lawyers, police stations, petitions (信访), review (复议), and screening
 * counts (排查矛盾纠纷N起).
 *
 * One anchor pass over 调解 / 调处 / 化解; every other pattern runs only inside
 * the sentence around an anchor (each sentence once).
 */
#include <stdio.h>
#include <string.h>

#include "khp.h"

#define NUM                                                                   \
    "(?:约|近|超过|逾|不足|不到)?(?:[0-9](?:[0-9.]|,(?=[0-9]{3}))*|"             \
    "[零〇一二两三四五六七八九十百千]+)(?:万|亿)?(?:余|多)?"
#define PCT                                                                   \
    "(?:(?:约|近|超过|逾|不足|不到)?[0-9]+(?:\\.[0-9]+)?%(?:以上|左右)?|"        \
    "百分之[百零〇一二两三四五六七八九十点]+)"
#define GAP(n) "[^,;。:!?\\n]{0," #n "}?"
#define RATE_VERB "(?:均|都)?(?:达到|提高到|达|为|是|保持|实现|高达)?(?:了|在)?"
#define MORE_RATES "(?:[、和及与]" GAP(12) "率)*"

typedef struct mediation_state {
    khp k;
    kh_re *anchor;      /* 调解 | 调处 | 化解 */
    kh_re *success;     /* 调解成功 / 成功调解 … N件 */
    kh_re *resolve;     /* 化解 … N件 */
    kh_re *rate;        /* 调解成功率 … N% */
    kh_re *rate_loose;  /* 纠纷化解率 … N% */
    kh_re *rate_bare;   /* ,成功率 N% (after 调解成功 in the sentence) */
    kh_re *dispute;     /* the object is a dispute: 纠纷 / 矛盾 / 案件 / 争议 */
    kh_re *not_dispute; /* 信访 / 积案 / 风险 / 隐患 … */
    kh_re *court;       /* a court's mediation */
    kh_re *part;        /* lawyers, police, petitions, review … */
    kh_re *weak_part;   /* 其中 / 参与 (in the figure's clause) */
    kh_re *body;        /* one 调委会 / 调解中心 / 调解室 (pre = its name) */
    kh_re *town;        /* one township (pre = its name) */
    kh_re *whole;       /* 各 / 全 / 级 … : the name covers all */
    kh_re *whole_unit;  /* 全区 / 全县 / 全市 / 各级 … : the subject is the unit */
    kh_re *screening;   /* 排查 / 受理: screened or received, not resolved */
    kh_re *success_word;/* 调解成功 / 成功调解 / 调处成功 */
    khp_litset figure_lits; /* FIGURE_LITS: see on_anchor */
    int gs_num, gr_num, gr_obj, gt_num, gl_num, gb_num, gb_pre, gw_pre;
} mediation_state;

typedef struct scan_ctx {
    mediation_state *st;
    kh_sink *sink;
    size_t last_sentence;
    int rc;
} scan_ctx;

/* Every match of the five figure patterns holds one of these: success and
 * resolve end in (?:件|起|宗), the three rates in PCT, which holds % or
 * 百分之. */
static const char *const figure_lits[] = {"件", "起", "宗", "%", "百分之", NULL};

static const char *const mediation_provides[] = {
    "mediation.resolved", "mediation.success_rate", NULL};

static bool group_set(const kh_match *m, int g)
{
    return g > 0 && g <= m->groups && m->group_start[g] != KH_RE_UNSET;
}

static bool group_number(mediation_state *st, const kh_doc *doc, const kh_match *m,
                         int g, kh_number *n)
{
    if (!group_set(m, g))
        return false;
    if (!khp_number_at(&st->k, doc, m->group_start[g], m->group_end[g], n))
        return false;
    return n->end == m->group_end[g];
}

static bool has_match(mediation_state *st, kh_re *re, const kh_doc *doc, size_t from,
                      size_t to)
{
    kh_match m;
    if (from >= to)
        return false;
    return st->k.host->re_match(re, doc->text, to, from, &m) == 1;
}

/* A named subunit (one 调委会 / 调解中心, one township) in text[from, to):
 * the pattern's `pre` group holds the words before the keyword; without
 * 各 / 全 / 级 … in them it names ONE body. Returns the end of the last such
 * name, or 0. */
static size_t subunit_end(mediation_state *st, kh_re *re, int g_pre, const kh_doc *doc,
                          size_t from, size_t to)
{
    kh_match m;
    size_t pos = from, last = 0;
    while (pos < to && st->k.host->re_match(re, doc->text, to, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        if (!group_set(&m, g_pre) || m.group_end[g_pre] == m.group_start[g_pre])
            continue;
        if (!has_match(st, st->whole, doc, m.group_start[g_pre], m.group_end[g_pre]))
            last = m.end;
    }
    return last;
}

/* Why a figure at [fs, fe) in sentence [ss, …) is not the unit's: court,
 * part, subunit or scope. */
static bool vetoed(mediation_state *st, const kh_doc *doc, size_t ss, size_t anchor,
                   size_t fs, size_t fe)
{
    size_t cs, ce;
    khp_clause_bounds(doc, fs, fe, &cs, &ce);
    if (cs < ss)
        cs = ss;
    if (has_match(st, st->court, doc, ss, fe) || has_match(st, st->part, doc, ss, fe))
        return true;
    if (has_match(st, st->weak_part, doc, cs, fs))
        return true;
    /* one body or township named before the figure, unless the whole unit
     * (全区 / 全县 / 各级 …) is named after it: "依托区调解中心,全区共调解成功…" */
    size_t b = subunit_end(st, st->body, st->gb_pre, doc, ss, fs);
    size_t t = subunit_end(st, st->town, st->gw_pre, doc, ss, fs);
    size_t last = b > t ? b : t;
    if (last && !has_match(st, st->whole_unit, doc, last, fs))
        return true;
    return khp_scope(&st->k, doc, anchor, fs, fe) != KHP_SCOPE_OK;
}

static void emit(scan_ctx *c, const char *key, const kh_number *n, const char *unit,
                 size_t ev_start, size_t ev_end, int conf)
{
    int rc = khp_emit_number(&c->st->k, c->sink, key, n->value, unit, n->qualifier,
                             KH_BASIS_STATED, ev_start, ev_end, conf, NULL);
    if (rc != KH_PLUGIN_OK && c->rc == 0)
        c->rc = rc;
}

/* "调解成功 … N起" / "成功调解 … N件". */
static void scan_success(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    mediation_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->success, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        kh_number n;
        if (!group_number(st, doc, &m, st->gs_num, &n) || n.kind == KH_NUM_PERCENT)
            continue;
        if (vetoed(st, doc, ss, m.start, n.start, n.end))
            continue;
        emit(c, "mediation.resolved", &n, "disputes", m.start, m.end, 90);
    }
}

/* "化解 (矛盾纠纷) … N件": a looser wording; not after 排查 (screening). */
static void scan_resolve(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    mediation_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->resolve, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        kh_number n;
        if (!group_number(st, doc, &m, st->gr_num, &n) || n.kind == KH_NUM_PERCENT)
            continue;
        size_t os = m.group_start[st->gr_obj], oe = m.group_end[st->gr_obj];
        if (!has_match(st, st->dispute, doc, os, oe) ||
            has_match(st, st->not_dispute, doc, os, oe))
            continue;
        size_t cs, ce;
        khp_clause_bounds(doc, m.start, m.end, &cs, &ce);
        if (cs < ss)
            cs = ss;
        if (has_match(st, st->screening, doc, cs, m.start))
            continue;
        if (vetoed(st, doc, ss, m.start, n.start, n.end))
            continue;
        emit(c, "mediation.resolved", &n, "disputes", m.start, m.end, 70);
    }
}

/* "调解成功率 … N%", "纠纷化解率 N%", ",成功率N%" after 调解成功. */
static void scan_rate(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    mediation_state *st = c->st;
    kh_re *res[3] = {st->rate, st->rate_loose, st->rate_bare};
    int num_group[3] = {st->gt_num, st->gl_num, st->gb_num};
    int conf[3] = {90, 65, 80};
    for (int i = 0; i < 3; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && st->k.host->re_match(res[i], doc->text, se, pos, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            kh_number n;
            if (!group_number(st, doc, &m, num_group[i], &n) ||
                n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100)
                continue;
            if (i == 2 && !has_match(st, st->success_word, doc, ss, m.start))
                continue;
            if (i == 1 && has_match(st, st->not_dispute, doc, ss, m.end))
                continue;
            if (vetoed(st, doc, ss, m.start, n.start, n.end))
                continue;
            emit(c, "mediation.success_rate", &n, "percent", m.start, m.end, conf[i]);
        }
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
    /* a match lies inside [ss, se) (the search starts at ss, the subject
     * ends at se), so without a figure literal there none of the five
     * patterns matches: one scan instead of five calls in three sentences
     * of four */
    if (!khp_litset_in(&c->st->figure_lits, doc, ss, se))
        return 0;
    scan_success(c, doc, ss, se);
    scan_resolve(c, doc, ss, se);
    scan_rate(c, doc, ss, se);
    return 0;
}

static void mediation_fini(void *state)
{
    mediation_state *st = state;
    if (!st)
        return;
    kh_re **all[] = {&st->anchor, &st->success, &st->resolve, &st->rate,
                     &st->rate_loose, &st->rate_bare, &st->dispute, &st->not_dispute,
                     &st->court, &st->part, &st->weak_part, &st->body, &st->town,
                     &st->whole, &st->whole_unit, &st->screening, &st->success_word};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int mediation_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    mediation_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "mediation");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp_litset_init(&st->figure_lits, figure_lits);
    st->anchor = khp_compile(&st->k, "调解|调处|化解");
    st->success = khp_compile(&st->k,
        "(?:(?:调解|调处|化解)成功|成功(?:调解|调处|化解))了?(?!率)" GAP(20)
        "(?<num>" NUM ")(?:件|起|宗)");
    st->resolve = khp_compile(&st->k,
        "化解了?(?<obj>" GAP(16) ")(?:共|共计|合计)?(?<num>" NUM ")(?:件|起|宗)");
    st->rate = khp_compile(&st->k,
        "(?:调解|调处|化解)成功率" MORE_RATES RATE_VERB "(?<num>" PCT ")");
    st->rate_loose = khp_compile(&st->k,
        "(?:矛盾)?纠纷(?:调处)?化解率" MORE_RATES RATE_VERB "(?<num>" PCT ")");
    st->rate_bare = khp_compile(&st->k,
        "(?<![\\p{Han}])成功率" MORE_RATES RATE_VERB "(?<num>" PCT ")");
    st->dispute = khp_compile(&st->k, "纠纷|矛盾|争议|案件");
    st->not_dispute = khp_compile(&st->k, "信访|积案|风险|隐患|债务|问题|舆情");
    st->court = khp_compile(&st->k,
        "委派|委托调解|诉前|诉调|(?<!非)诉讼|法院|法庭|调撤|司法确认|审判|检察");
    st->part = khp_compile(&st->k,
        "律师|律所|派出所|公安|交警|法律顾问|公证|仲裁|劳动争议|劳动人事|信访|复议|"
        "医调委|交调委|物业|去年以来|以来累计");
    st->weak_part = khp_compile(&st->k, "其中|参与|协助");
    st->body = khp_compile(&st->k,
        "(?<pre>[\\p{Han}0-9]{0,8}?)(?:调委会|调解委员会|调解中心|调解室|调解工作室|"
        "工作室|司法所)");
    st->town = khp_compile(&st->k,
        "(?<pre>[\\p{Han}]{2,6}?)(?:镇(?![街村镇])|街道|乡(?![镇村]))");
    st->whole = khp_compile(&st->k, "各|全|级|个|所有|类|多|家|两|三");
    st->whole_unit = khp_compile(&st->k, "全(?:区|县|市|旗)|各级|全辖区");
    st->screening = khp_compile(&st->k, "排查|受理");
    st->success_word = khp_compile(&st->k, "调解成功|成功调解|调处成功");
    if (!st->anchor || !st->success || !st->resolve || !st->rate || !st->rate_loose ||
        !st->rate_bare || !st->dispute || !st->not_dispute || !st->court ||
        !st->part || !st->weak_part || !st->body || !st->town || !st->whole ||
        !st->whole_unit || !st->screening || !st->success_word) {
        mediation_fini(st);
        return KH_PLUGIN_ERROR;
    }
    st->gs_num = host->re_group(st->success, "num");
    st->gr_num = host->re_group(st->resolve, "num");
    st->gr_obj = host->re_group(st->resolve, "obj");
    st->gt_num = host->re_group(st->rate, "num");
    st->gl_num = host->re_group(st->rate_loose, "num");
    st->gb_num = host->re_group(st->rate_bare, "num");
    st->gb_pre = host->re_group(st->body, "pre");
    st->gw_pre = host->re_group(st->town, "pre");
    *state = st;
    return KH_PLUGIN_OK;
}

static int mediation_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    mediation_state *st = state;
    scan_ctx c = {st, sink, (size_t)-1, 0};
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &c);
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    return c.rc;
}

static const kh_plugin_descriptor mediation_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "mediation",
    "1.0.0",
    "人民调解: disputes mediated successfully and the success rate",
    mediation_provides,
    mediation_init,
    mediation_extract,
    mediation_fini,
};

/* The one exported symbol. */
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &mediation_descriptor;
}
