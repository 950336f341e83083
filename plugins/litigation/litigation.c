/*
 * litigation.c — extractor plugin for the 行政诉讼 / 行政应诉 family: the rate
 * at which the HEADS of defendant organs appeared in court
 * (litigation.head_appearance_rate), the cases the government side handled
 * (litigation.cases), the cases it lost (litigation.lost) and a stated loss
 * rate (litigation.loss_rate).
 *
 * One pass of the anchor pattern (诉讼 应诉 出庭 败诉 被告); each sentence
 * holding an anchor is read once with the local patterns below, which never
 * cross a clause boundary. Vetoes (facts.md): staff appearing (委托工作人员
 * 出庭), a subset of heads (正职 / 主要负责人), counts or growth figures in
 * place of a rate, 出声率, a court's caseload (法院受理 / 新收 / 审结), cases
 * of legal advisers (代理), figures of a higher level (全省, 全市 in a
 * district's report), and the shared scope rules of khp_scope().
 *
 * Patterns are in simplified characters only: the document normaliser
 * reads a report in traditional characters (復議, 訴訟 …) as simplified
 * (OpenCC t2s) before any plugin sees it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kaohe/plugin.h"
#include "khp.h"

/* ---- clause geometry ----------------------------------------------------- */

/* ---- state --------------------------------------------------------------- */

#define NUMSTART "(?=[0-9零〇一二两三四五六七八九十百千])"
#define NUM "(?<n>(?:大约|约|近|超过|逾|不足|不到)?)" NUMSTART

enum { DOC_LEVEL_UNKNOWN = 0, DOC_LEVEL_LOCAL = 1, DOC_LEVEL_CITY = 2 };

typedef struct lit_state {
    khp k;
    kh_re *anchor;
    /* local patterns */
    kh_re *rate, *rate_pct_first, *rate_bare, *implied_all, *implied_cover;
    kh_re *cases, *cases_num_first, *cases_tail;
    kh_re *lost, *lost_qi, *lost_qi_tail, *lost_zero, *loss_rate;
    /* context tests */
    kh_re *lit_marker, *agent, *court, *gov, *above_always, *above_city;
    kh_re *growth, *growth_ok_end, *subset_end, *staff, *implied_veto;
    kh_re *target, *achieve, *head_prev, *case_verb, *level, *prior, *dept;
    /* literals a sentence must hold for head_rate() / lost() to find
     * anything (see there) */
    khp_litset lits_head, lits_lost;
} lit_state;

/* kh_re members, for compile / free loops. */
#define LIT_PATTERNS(X)                                                        \
    X(anchor, "诉讼|应诉|出庭|败诉|被告")                                          \
    X(rate, "(?<subj>(?:行政机关|行政|机关|政府|部门|单位)?负责人)"                    \
            "(?<mid>[^,;。:\\n0-9]{0,10}?)出庭(?:应诉)?(?<sheng>出声)?"             \
            "(?:率|比例)(?<fill>[^,;。:\\n0-9]{0,10}?)" NUM)                       \
    X(rate_pct_first, "(?<subj>(?:行政机关|行政|机关)?负责人)"                       \
            "(?<mid>[^,;。:\\n0-9]{0,6}?)"                                        \
            "(?<n>[0-9]+(?:\\.[0-9]+)?%|百分之百)(?:的)?出庭")                      \
    X(rate_bare, "(?:其中|并且|且|同时)?出庭(?:应诉)?(?:率|比例)"                     \
            "(?<fill>[^,;。:\\n0-9]{0,10}?)" NUM)                                 \
    X(implied_all, "(?<subj>(?:行政机关|行政|机关)?负责人)"                          \
            "[^,;。:\\n0-9]{0,10}?(?:均|全部|全都|一律|悉数)"                        \
            "[^,;。:\\n0-9]{0,8}?(?<c>出庭)(?:应诉)?(?!率|比例|出声)")                \
    X(implied_cover, "(?<subj>(?:行政机关|行政|机关)?负责人)"                        \
            "[^,;。:\\n0-9]{0,8}?(?<c>出庭)(?:应诉)?(?:率|工作)?"                    \
            "(?<mid2>[^,;。:\\n0-9]{0,6}?)(?:全覆盖|应出尽出|全部到位)")             \
    X(cases, "(?<noun>(?:以[^,;。:\\n0-9]{1,12}?为被告的)?(?:一审|二审)?"            \
            "(?:行政(?:诉讼|应诉)(?:案件|案)|应诉(?:行政)?案件|行政案件))"           \
            "(?:数量|总数|数)?(?:共|共计|合计|总计)?(?:为|达到|达|计|有)?" NUM)       \
    X(cases_num_first, "(?:新发生|发生|承办|办理|应诉)(?:了|各类)?" NUM)           \
    X(cases_tail, "(?:行政(?:诉讼|应诉)?案件)")                                     \
    X(lost, "败诉(?:案件|案)?(?:数)?(?:共|共计)?(?:为|达|有)?" NUM)                  \
    X(lost_qi, "其中(?:有)?" NUM)                                                 \
    X(lost_qi_tail, "(?:案件)?(?:被法院判决|被判决|被判|判决)?败诉(?!率)")          \
    X(lost_zero, "零败诉|无败诉|未发生(?:行政诉讼)?败诉|没有(?:发生)?败诉")           \
    X(loss_rate, "败诉率(?<fill>[^,;。:\\n0-9]{0,8}?)" NUM)                       \
    X(lit_marker, "行政诉讼|应诉|被告|行政案件|诉讼案件")                             \
    X(agent, "代理|仲裁|民事|刑事|顾问|律师")                                       \
    X(court, "法院|法庭|审判机关")                                                 \
    X(gov, "应诉|被告|承办")                                                       \
    X(above_always, "全省|全国|省级|省内|上级")                                     \
    X(above_city, "全市|市级|市直|市本级|市政府|市人民政府|市行政复议|市司法局")      \
    X(growth, "同比|较上年|比上年|较去年|比去年|上升|增长|增加|下降|降低|提高|提升|减少") \
    X(growth_ok_end, "(?:到|至|为|达)$")                                           \
    X(subset_end, "(?:正职|主要|一把手|主官)$")                                     \
    X(staff, "工作人员|委托|代理|律师|出声")                                         \
    X(implied_veto, "工作人员|委托|代理|律师|未|不|没|出声|应|须|需")                  \
    X(target, "力争|确保|争取|目标|努力|推动|推进|督促|要求|鼓励|倡导|推行|健全|"       \
              "完善|建立|落实|规定|明确|提高|提升|促进|保障|加强")                    \
    X(achieve, "实现|做到|达到|达成")                                               \
    X(prior, "去年|上年|上一年|前年|同期")                                          \
    X(dept, "(?<![各全所])(?:分局|局)(?![面势限长])")                                \
    X(head_prev, "负责人[^,;。:\\n]{0,10}?出庭")                                     \
    X(case_verb, "新发生|发生|承办|办理|应诉|涉及|受理|新收|收案|审结|审理|结案|"      \
                 "办结|判决|立案|旁听|代理|出庭|参与|协调|化解|调解|指导|胜诉|败诉|"   \
                 "撤诉|执行|履行")                                                 \
    X(level, "(?:区|县|旗)(?=人民政府|政府|委|坚持|法治|[0-9]{4})|"                  \
             "(?<c>市)(?=人民政府|政府|委|坚持|法治|[0-9]{4})")

/* Scope reasons each key ignores: a court's white paper may publish the head
 * rate of the unit's organs (facts.md), so COURT does not veto the rate. */
#define VETO_ALL (KHP_SCOPE_TARGET | KHP_SCOPE_REQUIRE | KHP_SCOPE_MULTIYEAR | \
                  KHP_SCOPE_PARTIAL | KHP_SCOPE_COURT | KHP_SCOPE_PRIOR |       \
                  KHP_SCOPE_PART)
#define VETO_RATE (VETO_ALL & ~(unsigned)KHP_SCOPE_COURT)

static const char *const lit_provides[] = {
    "litigation.head_appearance_rate", "litigation.cases", "litigation.lost",
    "litigation.loss_rate", NULL};

/* One document's run. */
typedef struct lit_run {
    lit_state *st;
    const kh_doc *doc;
    kh_sink *sink;
    size_t done_end; /* end of the last sentence read */
    int level;       /* DOC_LEVEL_* */
} lit_run;

/* ---- small matching helpers --------------------------------------------- */

static size_t gstart(const kh_re *re, const lit_state *st, const kh_match *m,
                     const char *name)
{
    int g = st->k.host->re_group(re, name);
    return g < 0 ? KH_RE_UNSET : m->group_start[g];
}

static size_t gend(const kh_re *re, const lit_state *st, const kh_match *m,
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

/* Byte length of a case unit (件 宗 起 个) at pos, 0 if none. */
static size_t case_unit(const kh_doc *doc, size_t pos, size_t limit)
{
    static const char *const units[] = {"件", "宗", "起", "个", "例"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (starts_with(doc, pos, limit, units[i])) return strlen(units[i]);
    return 0;
}

/* Move an evidence start left over 共 / 已 / 全区 … that belong to the phrase. */
static size_t ev_left(const kh_doc *doc, size_t lo, size_t start)
{
    static const char *const pre[] = {"共", "已", "新", "依法", "全区", "全市",
                                      "全县", "我区", "我市", "我县", "区政府",
                                      "市政府", "县政府", "累计"};
    for (int round = 0; round < 3; round++) {
        bool moved = false;
        for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
            size_t l = strlen(pre[i]);
            if (start >= lo + l && memcmp(doc->text + start - l, pre[i], l) == 0) {
                start -= l, moved = true;
                break;
            }
        }
        if (!moved) break;
    }
    return start;
}

/* A prior year or one department named in [a, b). */
static bool prior_or_dept(const lit_run *r, size_t a, size_t b)
{
    return khp_has(&r->st->k, r->st->prior, r->doc, a, b) ||
           khp_has(&r->st->k, r->st->dept, r->doc, a, b);
}

/* Figures not of the reporting unit in [a, b): a higher level, a prior
 * year, one department. */
static bool foreign_scope(const lit_run *r, size_t a, size_t b)
{
    if (prior_or_dept(r, a, b)) return true;
    if (khp_has(&r->st->k, r->st->above_always, r->doc, a, b)) return true;
    return r->level == DOC_LEVEL_LOCAL && khp_has(&r->st->k, r->st->above_city, r->doc, a, b);
}

/* A court's statistics: a court named in [a, b) and nothing of the
 * government side (应诉 被告 承办). */
static bool court_side(const lit_run *r, size_t a, size_t b)
{
    return khp_has(&r->st->k, r->st->court, r->doc, a, b) &&
           !khp_has(&r->st->k, r->st->gov, r->doc, a, b);
}

/* A growth figure: the filler between the term and the number says
 * 同比上升 / 提高 … (but "提高到" gives a level). */
static bool growth_fill(const lit_run *r, size_t a, size_t b)
{
    return khp_has(&r->st->k, r->st->growth, r->doc, a, b) &&
           !khp_has(&r->st->k, r->st->growth_ok_end, r->doc, a, b);
}

static unsigned scope(lit_run *r, size_t anchor, size_t fs, size_t fe)
{
    return khp_scope(&r->st->k, r->doc, anchor, fs, fe);
}

static void emit(lit_run *r, const char *key, double v, const char *unit,
                 kh_qualifier q, kh_basis b, size_t es, size_t ee, int conf,
                 const char *note)
{
    int rc = khp_emit_number(&r->st->k, r->sink, key, v, unit, q, b, es, ee, conf, note);
    if (rc != KH_PLUGIN_OK)
        r->st->k.host->log(r->st->k.host->ctx, KH_LOG_WARN, "emit %s failed (%d)", key, rc);
}

/* ---- head appearance rate ------------------------------------------------ */

/* The subject 负责人 at subj must not be a subset of heads (正职 / 主要). */
static bool subset_head(const lit_run *r, size_t cs, size_t subj)
{
    size_t from = subj > cs + 15 ? subj - 15 : cs;
    return khp_has(&r->st->k, r->st->subset_end, r->doc, from, subj);
}

/* The words between 出庭率 and its number: no staff, no growth; 出声 only in
 * a joint statement ("出庭应诉率、出声率均达到100%"). */
static bool bad_rate_fill(const lit_run *r, size_t a, size_t b)
{
    const kh_doc *doc = r->doc;
    if (growth_fill(r, a, b)) return true;
    if (khp_contains(doc, a, b, "出声") || khp_contains(doc, a, b, "出聲"))
        return !(khp_contains(doc, a, b, "均") || khp_contains(doc, a, b, "分别") ||
                 khp_contains(doc, a, b, "分別"));
    return khp_has(&r->st->k, r->st->staff, doc, a, b);
}

/* Scope reasons that veto a rate whose term runs [term, fig): khp's PRIOR
 * test reads the 比 of 比例 as a comparison (比上年), so for 出庭比例 the
 * plugin's own prior test (foreign_scope / growth_fill) stands instead. */
static unsigned rate_veto(const kh_doc *doc, size_t term, size_t fig)
{
    if (khp_contains(doc, term, fig, "比例")) return VETO_RATE & ~(unsigned)KHP_SCOPE_PRIOR;
    return VETO_RATE;
}

static void head_rate(lit_run *r, size_t ss, size_t se)
{
    lit_state *st = r->st;
    const kh_doc *doc = r->doc;
    kh_match m;
    kh_number n;
    /* every match of the five patterns below holds 出庭 and lies in
     * [ss, se): one sentence in six the plugin reads holds it */
    if (!khp_litset_in(&st->lits_head, doc, ss, se)) return;

    /* 行政机关负责人出庭(应诉)率 … 100% */
    for (size_t p = ss; khp_find(&st->k, st->rate, doc, p, se, &m); p = m.end) {
        size_t subj = gstart(st->rate, st, &m, "subj");
        size_t cs = khp_clause_start(doc, ss, subj);
        size_t ce = khp_clause_end(doc, m.end, se);
        size_t mid_s = gstart(st->rate, st, &m, "mid"), mid_e = gend(st->rate, st, &m, "mid");
        size_t fill_s = gstart(st->rate, st, &m, "fill"), fill_e = gend(st->rate, st, &m, "fill");
        size_t np = gstart(st->rate, st, &m, "n");
        if (gstart(st->rate, st, &m, "sheng") != KH_RE_UNSET) continue;
        if (subset_head(r, cs, subj)) continue;
        if (khp_has(&st->k, st->staff, doc, mid_s, mid_e)) continue;
        if (bad_rate_fill(r, fill_s, fill_e)) continue;
        if (!khp_number_at(&st->k, doc, np, ce, &n)) continue;
        if (n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100) continue;
        if (foreign_scope(r, cs, subj)) continue;
        if (scope(r, subj, n.start, n.end) & rate_veto(doc, m.start, n.start)) continue;
        bool full = starts_with(doc, subj, se, "行政机关");
        emit(r, "litigation.head_appearance_rate", n.value, "percent", n.qualifier,
             KH_BASIS_STATED, subj, n.end, full ? 90 : 75, NULL);
    }

    /* 负责人100%出庭 */
    for (size_t p = ss; khp_find(&st->k, st->rate_pct_first, doc, p, se, &m); p = m.end) {
        size_t subj = gstart(st->rate_pct_first, st, &m, "subj");
        size_t cs = khp_clause_start(doc, ss, subj);
        size_t mid_s = gstart(st->rate_pct_first, st, &m, "mid");
        size_t mid_e = gend(st->rate_pct_first, st, &m, "mid");
        size_t np = gstart(st->rate_pct_first, st, &m, "n");
        if (subset_head(r, cs, subj) || khp_has(&st->k, st->staff, doc, mid_s, mid_e)) continue;
        if (growth_fill(r, mid_s, mid_e)) continue;
        if (!khp_number_at(&st->k, doc, np, m.end, &n)) continue;
        if (n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100) continue;
        if (khp_has(&st->k, st->target, doc, cs, subj) || foreign_scope(r, cs, subj)) continue;
        if (scope(r, subj, n.start, n.end) & VETO_RATE) continue;
        emit(r, "litigation.head_appearance_rate", n.value, "percent", n.qualifier,
             KH_BASIS_STATED, subj, m.end, 80, NULL);
    }

    /* 行政机关负责人出庭应诉12件, 出庭率100% (the rate's subject is the
     * previous clause's 负责人) */
    for (size_t p = ss; khp_find(&st->k, st->rate_bare, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        if (cs != m.start || cs <= ss) continue;
        size_t prev_s = khp_clause_start(doc, ss, cs - 1);
        /* the previous clause ends before its separator */
        size_t prev_e = khp_clause_end(doc, prev_s, cs);
        kh_match hm;
        if (!khp_find(&st->k, st->head_prev, doc, prev_s, prev_e, &hm)) continue;
        if (khp_has(&st->k, st->staff, doc, prev_s, prev_e) ||
            subset_head(r, prev_s, hm.start)) continue;
        size_t fill_s = gstart(st->rate_bare, st, &m, "fill");
        size_t fill_e = gend(st->rate_bare, st, &m, "fill");
        if (bad_rate_fill(r, fill_s, fill_e)) continue;
        size_t ce = khp_clause_end(doc, m.end, se);
        if (!khp_number_at(&st->k, doc, gstart(st->rate_bare, st, &m, "n"), ce, &n)) continue;
        if (n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100) continue;
        if (foreign_scope(r, prev_s, m.start)) continue;
        if (scope(r, m.start, n.start, n.end) & rate_veto(doc, m.start, n.start)) continue;
        emit(r, "litigation.head_appearance_rate", n.value, "percent", n.qualifier,
             KH_BASIS_STATED, m.start, n.end, 60, "rate follows a clause on 负责人出庭");
    }

    /* 行政机关负责人均按规定出庭应诉 → implied 100 */
    for (size_t p = ss; khp_find(&st->k, st->implied_all, doc, p, se, &m); p = m.end) {
        size_t subj = gstart(st->implied_all, st, &m, "subj");
        size_t subj_e = gend(st->implied_all, st, &m, "subj");
        size_t c = gstart(st->implied_all, st, &m, "c");
        size_t cs = khp_clause_start(doc, ss, subj);
        if (subset_head(r, cs, subj)) continue;
        if (khp_has(&st->k, st->implied_veto, doc, subj_e, c)) continue;
        if (khp_has(&st->k, st->target, doc, cs, subj) || foreign_scope(r, cs, subj)) continue;
        if (scope(r, subj, subj, m.end) & VETO_RATE) continue;
        emit(r, "litigation.head_appearance_rate", 100, "percent", KH_QUAL_EXACT,
             KH_BASIS_IMPLIED, subj, m.end, 70, "all heads appeared (均/全部)");
    }

    /* 实现行政机关负责人出庭应诉全覆盖 → implied 100 */
    for (size_t p = ss; khp_find(&st->k, st->implied_cover, doc, p, se, &m); p = m.end) {
        size_t subj = gstart(st->implied_cover, st, &m, "subj");
        size_t subj_e = gend(st->implied_cover, st, &m, "subj");
        size_t c = gstart(st->implied_cover, st, &m, "c");
        size_t mid2_s = gstart(st->implied_cover, st, &m, "mid2");
        size_t mid2_e = gend(st->implied_cover, st, &m, "mid2");
        size_t cs = khp_clause_start(doc, ss, subj);
        if (subset_head(r, cs, subj)) continue;
        if (khp_has(&st->k, st->implied_veto, doc, subj_e, c)) continue;
        if (khp_has(&st->k, st->target, doc, cs, subj) || foreign_scope(r, cs, subj)) continue;
        if (!khp_has(&st->k, st->achieve, doc, cs, subj) &&
            !khp_has(&st->k, st->achieve, doc, mid2_s, mid2_e))
            continue;
        if (scope(r, subj, subj, m.end) & VETO_RATE) continue;
        emit(r, "litigation.head_appearance_rate", 100, "percent", KH_QUAL_EXACT,
             KH_BASIS_IMPLIED, subj, m.end, 65, "heads' appearance fully covered");
    }
}

/* ---- cases ---------------------------------------------------------------- */

/* Which verb governs a case noun: the last one in [cs, noun). Returns true
 * and sets *gov_verb (start of a government-side verb, or KH_RE_UNSET) when
 * the count may be the government's; false for a court's or an agent's. */
static bool governing_verb(lit_run *r, size_t cs, size_t noun, size_t *gov_verb)
{
    lit_state *st = r->st;
    kh_match m, last = {0};
    bool any = false;
    for (size_t p = cs; khp_find(&st->k, st->case_verb, r->doc, p, noun, &m); p = m.end)
        last = m, any = true;
    *gov_verb = KH_RE_UNSET;
    if (!any) return true;
    static const char *const ok[] = {"新发生", "发生", "承办", "办理", "应诉", "涉及"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t l = strlen(ok[i]);
        if (last.end - last.start == l && memcmp(r->doc->text + last.start, ok[i], l) == 0) {
            *gov_verb = last.start;
            return true;
        }
    }
    return false;
}

static bool cases_context_ok(lit_run *r, size_t ss, size_t cs, size_t fig)
{
    lit_state *st = r->st;
    if (khp_has(&st->k, st->agent, r->doc, cs, fig)) return false;      /* legal advisers */
    if (court_side(r, ss, fig)) return false;                    /* a court's figures */
    if (foreign_scope(r, cs, fig)) return false;
    return true;
}

static bool has_lit(const lit_run *r, size_t a, size_t b)
{
    return khp_has(&r->st->k, r->st->lit_marker, r->doc, a, b);
}

static bool has_review(const lit_run *r, size_t a, size_t b)
{
    return khp_contains(r->doc, a, b, "复议") || khp_contains(r->doc, a, b, "復議");
}

static void cases(lit_run *r, size_t ss, size_t se)
{
    lit_state *st = r->st;
    const kh_doc *doc = r->doc;
    kh_match m;
    kh_number n;

    for (size_t p = ss; khp_find(&st->k, st->cases, doc, p, se, &m); p = m.end) {
        size_t noun = gstart(st->cases, st, &m, "noun");
        size_t noun_e = gend(st->cases, st, &m, "noun");
        size_t cs = khp_clause_start(doc, ss, noun);
        size_t ce = khp_clause_end(doc, m.end, se);
        size_t gv;
        if (has_review(r, cs, noun_e)) continue;             /* 复议和诉讼 combined */
        if (!governing_verb(r, cs, noun, &gv)) continue;
        bool gov_noun = khp_contains(doc, noun, noun_e, "应诉") ||
                        khp_contains(doc, noun, noun_e, "被告") ||
                        khp_contains(doc, noun, noun_e, "應訴");
        bool plain = !gov_noun && !khp_contains(doc, noun, noun_e, "诉讼") &&
                     !khp_contains(doc, noun, noun_e, "訴訟");
        if (plain && gv == KH_RE_UNSET && !khp_has(&st->k, st->gov, doc, cs, noun)) continue;
        if (!khp_number_at(&st->k, doc, gstart(st->cases, st, &m, "n"), ce, &n)) continue;
        size_t u = case_unit(doc, n.end, ce);
        if (!u || n.kind == KH_NUM_PERCENT) continue;
        if (!cases_context_ok(r, ss, cs, n.start)) continue;
        if (scope(r, noun, n.start, n.end + u) & VETO_ALL) continue;
        size_t es = gv != KH_RE_UNSET ? gv : noun;
        bool gov_subject = gv == KH_RE_UNSET && khp_has(&st->k, st->gov, doc, cs, noun);
        if (gov_subject) es = cs; /* 区政府作为被告的… */
        es = ev_left(doc, cs, es);
        int conf = (gv != KH_RE_UNSET || gov_noun || gov_subject) ? 85 : 70;
        emit(r, "litigation.cases", n.value, "cases", n.qualifier, KH_BASIS_STATED,
             es, n.end + u, conf, NULL);
    }

    /* 共应诉24件行政案件 */
    for (size_t p = ss; khp_find(&st->k, st->cases_num_first, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        size_t ce = khp_clause_end(doc, m.end, se);
        if (!khp_number_at(&st->k, doc, gstart(st->cases_num_first, st, &m, "n"), ce, &n))
            continue;
        size_t u = case_unit(doc, n.end, ce);
        if (!u || n.kind == KH_NUM_PERCENT) continue;
        kh_match t;
        if (!khp_find(&st->k, st->cases_tail, doc, n.end + u, ce, &t) ||
            t.start != n.end + u) continue;
        if (has_review(r, cs, t.end) || !cases_context_ok(r, ss, cs, n.start)) continue;
        if (scope(r, m.start, n.start, t.end) & VETO_ALL) continue;
        emit(r, "litigation.cases", n.value, "cases", n.qualifier, KH_BASIS_STATED,
             ev_left(doc, cs, m.start), t.end, 80, NULL);
    }
}

/* ---- lost and loss rate -------------------------------------------------- */

/* The sentence up to fig is about the unit's administrative litigation. */
static bool lost_context_ok(lit_run *r, size_t ss, size_t cs, size_t fig)
{
    lit_state *st = r->st;
    if (!has_lit(r, ss, fig)) return false;
    if (khp_has(&st->k, st->agent, r->doc, ss, fig)) return false;
    if (court_side(r, ss, fig)) return false;
    if (foreign_scope(r, cs, fig)) return false;
    return true;
}

static void lost(lit_run *r, size_t ss, size_t se)
{
    lit_state *st = r->st;
    const kh_doc *doc = r->doc;
    kh_match m;
    kh_number n;
    /* every match of lost, lost_zero and loss_rate holds 败诉, and a
     * lost_qi figure counts only with lost_qi_tail (败诉) after it in its
     * clause: all inside [ss, se), which one sentence in ten holds */
    if (!khp_litset_in(&st->lits_lost, doc, ss, se)) return;

    /* 败诉1件 */
    for (size_t p = ss; khp_find(&st->k, st->lost, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        size_t ce = khp_clause_end(doc, m.end, se);
        if (!khp_number_at(&st->k, doc, gstart(st->lost, st, &m, "n"), ce, &n)) continue;
        if (n.kind == KH_NUM_PERCENT) continue;
        size_t u = case_unit(doc, n.end, ce);
        if (!u && n.value != 0) continue;
        if (!lost_context_ok(r, ss, cs, m.start)) continue;
        if (scope(r, m.start, n.start, n.end + u) & VETO_ALL)
            continue;
        emit(r, "litigation.lost", n.value, "cases", n.qualifier, KH_BASIS_STATED,
             m.start, n.end + u, 85, NULL);
    }

    /* 其中1件败诉 */
    for (size_t p = ss; khp_find(&st->k, st->lost_qi, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        size_t ce = khp_clause_end(doc, m.end, se);
        if (!khp_number_at(&st->k, doc, gstart(st->lost_qi, st, &m, "n"), ce, &n)) continue;
        size_t u = case_unit(doc, n.end, ce);
        if (!u || n.kind == KH_NUM_PERCENT) continue;
        kh_match t;
        if (!khp_find(&st->k, st->lost_qi_tail, doc, n.end + u, ce, &t) || t.start != n.end + u)
            continue;
        if (!lost_context_ok(r, ss, cs, m.start)) continue;
        if (scope(r, m.start, n.start, t.end) & VETO_ALL) continue;
        emit(r, "litigation.lost", n.value, "cases", n.qualifier, KH_BASIS_STATED,
             m.start, t.end, 75, NULL);
    }

    /* 零败诉 / 无败诉案件 */
    for (size_t p = ss; khp_find(&st->k, st->lost_zero, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        if (!lost_context_ok(r, ss, cs, m.end)) continue;
        if (khp_has(&st->k, st->target, doc, cs, m.start)) continue;
        if (scope(r, m.start, m.start, m.end) & VETO_ALL) continue;
        emit(r, "litigation.lost", 0, "cases", KH_QUAL_EXACT, KH_BASIS_STATED,
             m.start, m.end, 55, "no case lost (零败诉)");
    }

    /* 败诉率4.2% */
    for (size_t p = ss; khp_find(&st->k, st->loss_rate, doc, p, se, &m); p = m.end) {
        size_t cs = khp_clause_start(doc, ss, m.start);
        size_t ce = khp_clause_end(doc, m.end, se);
        size_t fill_s = gstart(st->loss_rate, st, &m, "fill");
        size_t fill_e = gend(st->loss_rate, st, &m, "fill");
        if (growth_fill(r, fill_s, fill_e)) continue;
        if (khp_contains(doc, fill_s, fill_e, "平均")) continue;
        if (!khp_number_at(&st->k, doc, gstart(st->loss_rate, st, &m, "n"), ce, &n)) continue;
        bool pct = n.kind == KH_NUM_PERCENT && n.value >= 0 && n.value <= 100;
        if (!pct && !(n.value == 0 && !case_unit(doc, n.end, ce))) continue;
        if (starts_with(doc, n.end, ce, "个百分点")) continue;
        if (court_side(r, ss, m.start) || khp_has(&st->k, st->agent, doc, cs, m.start)) continue;
        if (foreign_scope(r, cs, m.start) || khp_contains(doc, cs, m.start, "平均")) continue;
        if (scope(r, m.start, n.start, n.end) & VETO_ALL) continue;
        emit(r, "litigation.loss_rate", n.value, "percent", n.qualifier, KH_BASIS_STATED,
             m.start, n.end, 90, NULL);
    }
}

/* ---- plugin entry points ------------------------------------------------- */

static int on_anchor(khp *k, const kh_doc *doc, const kh_match *m, size_t ss,
                     size_t se, void *ud)
{
    lit_run *r = ud;
    (void)k, (void)doc, (void)m;
    if (se <= r->done_end) return 0; /* sentence already read */
    r->done_end = se;
    head_rate(r, ss, se);
    cases(r, ss, se);
    lost(r, ss, se);
    return 0;
}

static int doc_level(const lit_state *st, const kh_doc *doc)
{
    kh_match m;
    size_t lim = doc->len < 600 ? doc->len : 600;
    while (lim > 0 && lim < doc->len && ((unsigned char)doc->text[lim] & 0xC0) == 0x80) lim--;
    if (!khp_find(&st->k, st->level, doc, 0, lim, &m)) return DOC_LEVEL_UNKNOWN;
    return gstart(st->level, st, &m, "c") != KH_RE_UNSET ? DOC_LEVEL_CITY : DOC_LEVEL_LOCAL;
}

static void lit_fini(void *state)
{
    lit_state *st = state;
    if (!st) return;
#define FREE_ONE(name, pat) khp_free_re(&st->k, &st->name);
    LIT_PATTERNS(FREE_ONE)
#undef FREE_ONE
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int lit_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    lit_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st) return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "litigation");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    static const char *const head[] = {"出庭", NULL}, *const lost_lits[] = {"败诉", NULL};
    khp_litset_init(&st->lits_head, head);
    khp_litset_init(&st->lits_lost, lost_lits);
    bool ok = true;
#define COMPILE_ONE(name, pat) \
    if (ok && !(st->name = khp_compile(&st->k, pat))) ok = false;
    LIT_PATTERNS(COMPILE_ONE)
#undef COMPILE_ONE
    if (!ok) {
        lit_fini(st);
        return KH_PLUGIN_ERROR;
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int lit_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    lit_state *st = state;
    lit_run r = {st, doc, sink, 0, doc_level(st, doc)};
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &r);
    return rc < 0 ? KH_PLUGIN_ERROR : KH_PLUGIN_OK;
}

static const kh_plugin_descriptor lit_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "litigation",
    "1.0.0",
    "行政诉讼: head appearance rate, cases handled, cases lost, loss rate",
    lit_provides,
    lit_init,
    lit_extract,
    lit_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &lit_descriptor;
}
