/*
 * normative.c — extractor plugin for normative documents (规范性文件) filed
 * for the record (报备 / 备案): how many the unit filed in the year
 * (normative_docs.filed), the filing rate (normative_docs.filing_rate:
 * 报备率 / 备案率 / 报备及时率, or implied 100 by "全部 … 备案"), and how many
 * were not filed as required (normative_docs.unfiled: 未按规定报备 / 逾期报备
 * N件; 0 only when a 0 is written).
 *
 * One anchor pass over 规范性文件 and 报备率/备案率; every other pattern runs
 * only inside the sentence around an anchor (each sentence once).
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
/* The act of filing: 报备 / 备案 / 报送(市政府)备案. */
#define FILE_VERB "(?:报送备案|报备|备案|报送?" GAP(10) "备案)"
#define DOCS "规范性文件"

typedef struct normative_state {
    khp k;
    kh_re *anchor;      /* 规范性文件 | 报备率 | 备案率 */
    kh_re *filed_vo;    /* (制定并)报备 … 规范性文件 N件 */
    kh_re *filed_ov;    /* 规范性文件 … 报备 N件 */
    kh_re *filed_bare;  /* ,报市政府备案 N件 (规范性文件 named before) */
    kh_re *issued;      /* 规范性文件 N件 (issued, before 全部备案) */
    kh_re *rate;        /* 报备率 / 备案率 / 报备及时率 … N% */
    kh_re *rate_pre;    /* N% 报备 */
    kh_re *implied;     /* 全部 / 均 … 备案 */
    kh_re *unfiled;     /* 未按规定报备 / 逾期报备 … N件 */
    kh_re *unfiled_ov;  /* 规范性文件 … 未按规定报备 N件 */
    kh_re *negation;    /* 未 / 不 / 须 … between coverage word and verb */
    kh_re *issue_verb;  /* 制定 / 制发 / 出台 … (documents issued) */
    kh_re *docs;        /* 规范性文件 */
    kh_re *file_word;   /* 文件 (right before a rate term) */
    kh_re *not_filed;   /* 未 / 逾期 */
    kh_re *review_word; /* 审查 (备案审查) */
    kh_re *timely;      /* 及时 */
    kh_re *among;       /* 其中 */
    khp_litset file_lits; /* 备案 报备: see on_anchor */
    /* capture group indices, looked up once in init */
    int gvo_num, gvo_obj, gov_num, gvb_num, gis_num, gr_num, gr_term, gq_num, gi_cov,
        gu_num, guo_num;
} normative_state;

typedef struct scan_ctx {
    normative_state *st;
    kh_sink *sink;
    size_t last_sentence;
    int rc;
} scan_ctx;

/* Every match of the eight figure patterns (filed_vo, filed_ov, filed_bare,
 * rate, rate_pre, implied, unfiled, unfiled_ov) holds 备案 or 报备: the six
 * with FILE_VERB through it (报送备案, 报备, 备案, 报送…备案), the others
 * through (?:报送备案|报备|备案) or (?:报备|备案). */
static const char *const file_lits[] = {"备案", "报备", NULL};

static const char *const normative_provides[] = {
    "normative_docs.filed", "normative_docs.filing_rate", "normative_docs.unfiled",
    NULL};

static bool group_set(const kh_match *m, int g)
{
    return g > 0 && g <= m->groups && m->group_start[g] != KH_RE_UNSET;
}

static bool group_number(normative_state *st, const kh_doc *doc, const kh_match *m,
                         int g, kh_number *n)
{
    if (!group_set(m, g))
        return false;
    if (!khp_number_at(&st->k, doc, m->group_start[g], m->group_end[g], n))
        return false;
    return n->end == m->group_end[g];
}

static bool has_match(normative_state *st, kh_re *re, const kh_doc *doc,
                      size_t from, size_t to)
{
    kh_match m;
    if (from >= to)
        return false;
    return st->k.host->re_match(re, doc->text, to, from, &m) == 1;
}

static void emit(scan_ctx *c, const char *key, double value, const char *unit,
                 kh_qualifier q, kh_basis basis, size_t ev_start, size_t ev_end,
                 int conf, const char *note)
{
    int rc = khp_emit_number(&c->st->k, c->sink, key, value, unit, q, basis,
                             ev_start, ev_end, conf, note);
    if (rc != KH_PLUGIN_OK && c->rc == 0)
        c->rc = rc;
}

static bool scope_vetoes(normative_state *st, const kh_doc *doc, size_t anchor,
                         size_t fs, size_t fe)
{
    return khp_scope(&st->k, doc, anchor, fs, fe) != KHP_SCOPE_OK;
}

/* End of the clause holding [start, end), without its closing punctuation. */
static size_t clause_end_trimmed(const kh_doc *doc, size_t start, size_t end)
{
    size_t cs, ce;
    khp_clause_bounds(doc, start, end, &cs, &ce);
    size_t e = ce > end ? ce : end;
    while (e > end) {
        unsigned char ch = (unsigned char)doc->text[e - 1];
        if (ch == ',' || ch == ';' || ch == ':' || ch == '!' || ch == '?' ||
            ch == '\n' || ch == ' ')
            e--;
        else if (e >= end + 3 && khp_contains(doc, e - 3, e, "。"))
            e -= 3;
        else
            break;
    }
    return e;
}

/* "(制定并)报备 … 规范性文件 N件", "规范性文件 … 报备 N件", and a clause
 * "报市政府备案N件" after one naming the documents. */
static void scan_filed(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    normative_state *st = c->st;
    kh_re *res[3] = {st->filed_vo, st->filed_ov, st->filed_bare};
    int num_group[3] = {st->gvo_num, st->gov_num, st->gvb_num};
    int confs[3] = {90, 85, 70};
    for (int i = 0; i < 3; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && st->k.host->re_match(res[i], doc->text, se, pos, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            kh_number n;
            if (!group_number(st, doc, &m, num_group[i], &n) ||
                n.kind == KH_NUM_PERCENT)
                continue;
            /* 未报备 / 逾期报备: the unfiled count, not this one */
            size_t before = m.start >= ss + 12 ? m.start - 12 : ss;
            if (has_match(st, st->not_filed, doc, before, m.start))
                continue;
            if (has_match(st, st->not_filed, doc, m.start, n.start))
                continue;
            if (i == 2 && !has_match(st, st->docs, doc, ss, m.start))
                continue;
            if (scope_vetoes(st, doc, m.start, n.start, n.end))
                continue;
            int conf = confs[i];
            const char *note = NULL;
            /* 备案审查: documents of departments/townships checked on filing */
            if (i == 0 && group_set(&m, st->gvo_obj) &&
                has_match(st, st->review_word, doc, m.group_start[st->gvo_obj],
                          m.group_start[st->gvo_obj] + 6)) {
                conf = 50;
                note = "备案审查: documents filed with the unit for review";
            }
            emit(c, "normative_docs.filed", n.value, "items", n.qualifier,
                 KH_BASIS_STATED, m.start, m.end, conf, note);
        }
    }
}

/* "报备率 … N%" and "N% 报备". */
static void scan_rate(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    normative_state *st = c->st;
    /* the rates must be about documents: 规范性文件 in the sentence, or the
     * rate term right after 文件 */
    kh_re *res[2] = {st->rate, st->rate_pre};
    int num_group[2] = {st->gr_num, st->gq_num};
    for (int i = 0; i < 2; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && st->k.host->re_match(res[i], doc->text, se, pos, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            kh_number n;
            if (!group_number(st, doc, &m, num_group[i], &n) ||
                n.kind != KH_NUM_PERCENT || n.value < 0 || n.value > 100)
                continue;
            if (!has_match(st, st->docs, doc, ss, se) &&
                !(m.start >= ss + 6 && has_match(st, st->file_word, doc, m.start - 6, m.start)))
                continue;
            if (scope_vetoes(st, doc, m.start, n.start, n.end))
                continue;
            int conf = 75;
            if (i == 0)
                conf = group_set(&m, st->gr_term) &&
                               has_match(st, st->timely, doc, m.group_start[st->gr_term],
                                         m.group_end[st->gr_term])
                           ? 85
                           : 90;
            emit(c, "normative_docs.filing_rate", n.value, "percent", n.qualifier,
                 KH_BASIS_STATED, m.start, m.end, conf, NULL);
        }
    }
}

/* "(issued) 规范性文件 N件 …, 全部 … 备案": the implied filing rate, and the
 * documents issued as the filed count (one figure; two or more parts add up
 * when no 其中 splits a total). */
static void scan_implied(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    normative_state *st = c->st;
    kh_match m;
    size_t pos = ss;
    while (pos < se && st->k.host->re_match(st->implied, doc->text, se, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        size_t cov = m.group_start[st->gi_cov];
        /* the documents must be named before the coverage word */
        if (!has_match(st, st->docs, doc, ss, cov))
            continue;
        if (has_match(st, st->negation, doc, cov, m.end))
            continue;
        if (cov >= ss + 3 && has_match(st, st->negation, doc, cov - 3, cov))
            continue;
        /* 备案审查: reviewing documents filed by others */
        if (m.end + 6 <= se && has_match(st, st->review_word, doc, m.end, m.end + 6))
            continue;
        if (scope_vetoes(st, doc, m.start, m.start, m.end))
            continue;
        size_t ev_end = clause_end_trimmed(doc, m.start, m.end);
        emit(c, "normative_docs.filing_rate", 100.0, "percent", KH_QUAL_EXACT,
             KH_BASIS_IMPLIED, m.start, ev_end, 80, "whole coverage stated in words");

        /* the documents issued in the same sentence before 全部 */
        double sum = 0;
        int parts = 0;
        kh_qualifier q = KH_QUAL_EXACT;
        size_t first = 0;
        kh_number first_num;
        memset(&first_num, 0, sizeof first_num);
        char note[160] = "";
        kh_match im;
        size_t ip = ss;
        bool split = has_match(st, st->among, doc, ss, cov);
        while (ip < cov && st->k.host->re_match(st->issued, doc->text, cov, ip, &im) == 1) {
            ip = im.end > ip ? im.end : ip + 1;
            kh_number n;
            if (!group_number(st, doc, &im, st->gis_num, &n) || n.kind == KH_NUM_PERCENT)
                continue;
            if (parts == 0) {
                /* the first figure's clause says the documents were issued */
                size_t cs, ce;
                khp_clause_bounds(doc, im.start, im.end, &cs, &ce);
                if (!has_match(st, st->issue_verb, doc, cs < ss ? ss : cs, im.start))
                    break;
                first = im.start;
                first_num = n;
            }
            sum += n.value;
            if (n.qualifier != KH_QUAL_EXACT)
                q = n.qualifier;
            char part[32];
            snprintf(part, sizeof part, "%s%g", parts ? " + " : "", n.value);
            if (strlen(note) + strlen(part) + 1 < sizeof note)
                strcat(note, part);
            parts++;
            if (split)
                break; /* a total followed by 其中 parts: the total */
        }
        if (parts == 0)
            continue;
        if (scope_vetoes(st, doc, first, first_num.start, first_num.end))
            continue;
        if (parts == 1) {
            emit(c, "normative_docs.filed", sum, "items", q, KH_BASIS_STATED, first,
                 ev_end, 60, "documents issued, all filed");
        } else {
            char full[200];
            snprintf(full, sizeof full, "derived: %s documents issued, all filed", note);
            emit(c, "normative_docs.filed", sum, "items", q, KH_BASIS_DERIVED, first,
                 ev_end, 55, full);
        }
    }
}

/* "未按规定报备 / 逾期报备 … N件". */
static void scan_unfiled(scan_ctx *c, const kh_doc *doc, size_t ss, size_t se)
{
    normative_state *st = c->st;
    kh_re *res[2] = {st->unfiled, st->unfiled_ov};
    int num_group[2] = {st->gu_num, st->guo_num};
    for (int i = 0; i < 2; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && st->k.host->re_match(res[i], doc->text, se, pos, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            kh_number n;
            if (!group_number(st, doc, &m, num_group[i], &n) ||
                n.kind == KH_NUM_PERCENT)
                continue;
            if (!has_match(st, st->docs, doc, ss, se))
                continue;
            if (scope_vetoes(st, doc, m.start, n.start, n.end))
                continue;
            emit(c, "normative_docs.unfiled", n.value, "items", n.qualifier,
                 KH_BASIS_STATED, m.start, m.end, i == 0 ? 85 : 80, NULL);
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
    /* a match lies inside [ss, se) (every scan starts at ss, the subject
     * ends at se); most sentences about 规范性文件 do not mention filing */
    if (!khp_litset_in(&c->st->file_lits, doc, ss, se))
        return 0;
    scan_filed(c, doc, ss, se);
    scan_rate(c, doc, ss, se);
    scan_implied(c, doc, ss, se);
    scan_unfiled(c, doc, ss, se);
    return 0;
}

static void normative_fini(void *state)
{
    normative_state *st = state;
    if (!st)
        return;
    kh_re **all[] = {&st->anchor, &st->filed_vo, &st->filed_ov, &st->filed_bare, &st->issued,
                     &st->rate, &st->rate_pre, &st->implied, &st->unfiled,
                     &st->unfiled_ov, &st->negation, &st->issue_verb,
                     &st->docs, &st->file_word, &st->not_filed, &st->review_word,
                     &st->timely, &st->among};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int normative_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    normative_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "normative");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp_litset_init(&st->file_lits, file_lits);
    st->anchor = khp_compile(&st->k, DOCS "|(?:报备|备案)(?:及时)?率");
    st->filed_vo = khp_compile(&st->k,
        "(?:(?:制定|制发|出台|印发|发布|起草)(?:并|后|和)?)?"
        "(?:依法|按规定|按时|及时)?(?:向" GAP(12) ")?" FILE_VERB "了?"
        "(?<obj>" GAP(30) ")" DOCS "(?:共|共计|合计)?(?<num>" NUM ")(?:件|份|个)");
    st->filed_ov = khp_compile(&st->k,
        DOCS GAP(12) "(?:向" GAP(12) ")?" FILE_VERB "了?(?:共|共计|合计)?"
        "(?<num>" NUM ")(?:件|份|个)");
    st->filed_bare = khp_compile(&st->k,
        "(?<![\\p{Han}])(?:向" GAP(12) ")?" FILE_VERB "了?(?:共|共计|合计)?"
        "(?<num>" NUM ")(?:件|份|个)");
    st->issued = khp_compile(&st->k,
        DOCS "(?:共|共计|合计)?(?<num>" NUM ")(?:件|份|个)");
    st->rate = khp_compile(&st->k,
        "(?<term>(?:报备|备案)(?:及时)?率)(?:[、和及与]" GAP(20) "率)*"
        "(?:均|都)?(?:达到|提高到|达|为|是|保持|实现)?(?:了|在)?(?<num>" PCT ")");
    st->rate_pre = khp_compile(&st->k,
        "(?<num>" PCT ")(?:按时|及时|按规定)?(?:报送备案|报备|备案)(?!审查)");
    st->implied = khp_compile(&st->k,
        "(?<cov>全部|均|一律|全都)(?:已|已经)?(?:按规定|按时|及时|依法|按要求|按程序)?"
        GAP(12) FILE_VERB);
    st->unfiled = khp_compile(&st->k,
        "(?:未按规定|未按时|未及时|未|逾期|迟报|漏报|延迟)(?:报送备案|报备|备案)的?"
        "(?:" DOCS ")?(?:共|共计)?(?<num>" NUM ")(?:件|份|个)");
    st->unfiled_ov = khp_compile(&st->k,
        DOCS GAP(10) "(?:未按规定|未按时|未及时|逾期|迟报|漏报)(?:报送备案|报备|备案)"
        "(?:的)?(?:共|共计)?(?<num>" NUM ")(?:件|份|个)");
    st->negation = khp_compile(&st->k, "未|不|没有|尚|须|应|需");
    st->issue_verb = khp_compile(&st->k, "制定|制发|出台|印发|发布|起草|下发");
    st->docs = khp_compile(&st->k, DOCS);
    st->file_word = khp_compile(&st->k, "文件");
    st->not_filed = khp_compile(&st->k, "未|逾期");
    st->review_word = khp_compile(&st->k, "审查");
    st->timely = khp_compile(&st->k, "及时");
    st->among = khp_compile(&st->k, "其中");
    if (!st->anchor || !st->filed_vo || !st->filed_ov || !st->filed_bare || !st->issued || !st->rate ||
        !st->rate_pre || !st->implied || !st->unfiled || !st->unfiled_ov ||
        !st->negation || !st->issue_verb || !st->docs || !st->file_word ||
        !st->not_filed || !st->review_word || !st->timely || !st->among) {
        normative_fini(st);
        return KH_PLUGIN_ERROR;
    }
    st->gvo_num = host->re_group(st->filed_vo, "num");
    st->gvo_obj = host->re_group(st->filed_vo, "obj");
    st->gov_num = host->re_group(st->filed_ov, "num");
    st->gvb_num = host->re_group(st->filed_bare, "num");
    st->gis_num = host->re_group(st->issued, "num");
    st->gr_num = host->re_group(st->rate, "num");
    st->gr_term = host->re_group(st->rate, "term");
    st->gq_num = host->re_group(st->rate_pre, "num");
    st->gi_cov = host->re_group(st->implied, "cov");
    st->gu_num = host->re_group(st->unfiled, "num");
    st->guo_num = host->re_group(st->unfiled_ov, "num");
    *state = st;
    return KH_PLUGIN_OK;
}

static int normative_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    normative_state *st = state;
    scan_ctx c = {st, sink, (size_t)-1, 0};
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &c);
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    return c.rc;
}

static const kh_plugin_descriptor normative_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "normative",
    "1.0.0",
    "规范性文件: documents filed (报备/备案), filing rate, documents not filed",
    normative_provides,
    normative_init,
    normative_extract,
    normative_fini,
};

/* The one exported symbol. */
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &normative_descriptor;
}
