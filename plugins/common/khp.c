/* khp.c — helpers shared by kaohe's own extractor plugins: anchor loop,
 * clause windows, scope vetoes and emit shortcuts (see khp.h). */
#include "khp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scope patterns. They run only on short windows (a clause, a sentence
 * prefix), never over the whole document. Text is NFKC-normalised: ASCII
 * digits, ',' ';' ':' '(' ')' '%'. */
static const char PAT_TARGET[] =
    "力争|确保|争取|目标(?:是|为)?|计划(?:于|到|在)?|拟(?:于|在|将)|预计|力求|努力(?:实现|达到)"
    "|(?:要|将)(?:达到|实现|提高到|提升至|提升到)|将(?:于|在|力争|确保|全部|逐步)";
static const char PAT_REQUIRE[] =
    "不少于|不低于|不得少于|不得低于|每人每年|每年(?:至少|不少于)|应当|须达到|必须|至少(?:达到)?$"
    "|(?<!按|照|据|求)要求(?!的|,)";
static const char PAT_MULTIYEAR[] =
    "近[一二两三四五六七八九十几\\d]+年|去年以来|上年以来|多年来|历年|"
    "十[一二三四五]五(?:期间|时期|以来)|(?:\\d{4})年(?:至今|以来)|"
    "\\d{4}[-—–~至到]\\d{4}年|(?:连续|先后)[一二两三四五六七八九十\\d]+年";
static const char PAT_PARTIAL[] =
    "上半年|下半年|[一二三四1-4]季度|前三季度";
static const char PAT_MONTH[] =
    "(?:截至|截止(?:到|至)?|至)(?:\\d{4}年)?(\\d{1,2})月|"
    "(\\d{1,2})\\s*[-—–~至到]\\s*(\\d{1,2})月|(?<![\\d-])(\\d{1,2})月份";
static const char PAT_COURT[] =
    "法院(?:共|依法|全年|今年)?(?:受理|新收|审结|收案|立案|判决|审理)|"
    "(?:新收|受理)一审行政(?:诉讼)?案件|审判机关";
/* A comparison figure just before the number: "去年的20件", "由20件下降到"
 * (the 20), "同比增长12%". Years other than the report's are checked
 * separately (khp_scope), since "2024年受理…27件" in a 2024 report is the fact. */
static const char PAT_PRIOR[] =
    "(?:去年|上年|上一年度?|上年同期|去年同期)[^,;。:]{0,6}$|(?:由|从)$|"
    "(?:同比|环比|比上年|较上年|较去年|比去年)(?:增长|下降|上升|提高|减少|增加|提升)?(?:了)?$";
static const char PAT_PART[] =
    "(?<![各全所个(（])(?:镇街|镇|街道|乡|社区|村)(?:共|均|全年|今年)?";
static const char PAT_LEVEL[] =
    "(?:区|县|旗)(?:人民政府|政府|管委会|管理委员会|委)|开发区|高新区|新区|管委会";
/* 全市/全省 as the subject of a figure; not "在全市率先", "位列全市第一" */
static const char PAT_HIGHER[] =
    "(?<![在居列于])全(?:市|省)(?!率先|第一|前列|排名|首位|领先|首家|唯一)|市直|市本级";
static const char PAT_YEAR[] =
    "(?:关于)?(\\d{4})\\s*年(?:度)?[^\\n]{0,40}?(?:法治政府建设|依法行政|法治建设)";

/* What every match of each scope pattern holds at least one of (read off
 * the alternatives above; a window without any of them cannot match, so the
 * regex is not run there: most windows, and each search costs a PCRE2 call).
 * PAT_HIGHER has none: it runs only in county-level reports, where the check
 * cost more than it saved. */
static const char *const LITS_TARGET[] = {"力争", "确保", "争取", "目标", "计划", "拟",
                                          "预计", "力求", "努力", "要", "将", NULL};
static const char *const LITS_REQUIRE[] = {"不", "每", "应当", "须达到", "必须", "至少",
                                           "要求", NULL};
static const char *const LITS_MULTIYEAR[] = {"年", "十", NULL}; /* 十三五 has no 年 */
static const char *const LITS_PARTIAL[] = {"半年", "季度", NULL};
static const char *const LITS_MONTH[] = {"月", NULL};
static const char *const LITS_COURT[] = {"法院", "一审行政", "审判机关", NULL};
static const char *const LITS_PRIOR[] = {"年", "由", "从", "比", NULL};
static const char *const LITS_PART[] = {"镇", "街道", "乡", "社区", "村", NULL};
/* KHP_PAT_DEPT_SUBJECT begins with 局, 大队, 支队, 中队, 执法队, 中心, 医院,
 * 学校, 公司, 司法所 or 派出所 */
static const char *const LITS_DEPT[] = {"局", "队", "中心", "医院", "学校", "公司", "所",
                                        NULL};

void khp_litset_init(khp_litset *ls, const char *const *lits)
{
    memset(ls, 0, sizeof *ls);
    for (; *lits && ls->n < sizeof ls->lit / sizeof ls->lit[0]; lits++) {
        size_t n = strlen(*lits);
        if (n == 0)
            continue;
        unsigned char c = (unsigned char)(*lits)[n - 1];
        ls->last[c >> 3] |= (unsigned char)(1u << (c & 7));
        ls->lit[ls->n] = *lits;
        ls->len[ls->n] = n;
        ls->n++;
    }
}

/* Looks at each byte as the possible last byte of a literal: for CJK
 * literals a continuation byte, one of 64 values, where a first byte (the
 * lead bytes E4–E9) would match nearly every character of the text. */
bool khp_litset_in(const khp_litset *ls, const kh_doc *doc, size_t from, size_t to)
{
    const unsigned char *t = (const unsigned char *)doc->text;
    if (to > doc->len)
        to = doc->len;
    for (size_t i = from; i < to; i++) {
        unsigned char c = t[i];
        if (!(ls->last[c >> 3] & (1u << (c & 7))))
            continue;
        size_t end = i + 1; /* a literal ending here lies in [from, end) */
        for (unsigned j = 0; j < ls->n; j++) {
            size_t n = ls->len[j];
            if (n <= end - from && (unsigned char)ls->lit[j][n - 1] == c &&
                memcmp(t + end - n, ls->lit[j], n - 1) == 0)
                return true;
        }
    }
    return false;
}

int khp_init(khp *k, const kh_host *host, const char *name)
{
    memset(k, 0, sizeof *k);
    k->host = host;
    k->name = name;
    k->year = -1;
    k->level = -1;
    struct {
        kh_re **slot;
        const char *pat;
    } pats[] = {
        {&k->scope_target, PAT_TARGET},     {&k->scope_require, PAT_REQUIRE},
        {&k->scope_multiyear, PAT_MULTIYEAR}, {&k->scope_partial, PAT_PARTIAL},
        {&k->scope_month, PAT_MONTH},       {&k->scope_court, PAT_COURT},
        {&k->scope_prior, PAT_PRIOR},       {&k->scope_part, PAT_PART},
        {&k->year_re, PAT_YEAR},            {&k->level_re, PAT_LEVEL},
        {&k->scope_higher, PAT_HIGHER},
    };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        *pats[i].slot = khp_compile(k, pats[i].pat);
        if (!*pats[i].slot) {
            khp_fini(k);
            return KH_PLUGIN_ERROR;
        }
    }
    khp_litset_init(&k->lits_target, LITS_TARGET);
    khp_litset_init(&k->lits_require, LITS_REQUIRE);
    khp_litset_init(&k->lits_multiyear, LITS_MULTIYEAR);
    khp_litset_init(&k->lits_partial, LITS_PARTIAL);
    khp_litset_init(&k->lits_month, LITS_MONTH);
    khp_litset_init(&k->lits_court, LITS_COURT);
    khp_litset_init(&k->lits_prior, LITS_PRIOR);
    khp_litset_init(&k->lits_part, LITS_PART);
    khp_litset_init(&k->lits_dept, LITS_DEPT);
    return KH_PLUGIN_OK;
}

void khp_fini(khp *k)
{
    if (!k || !k->host)
        return;
    khp_free_re(k, &k->scope_target);
    khp_free_re(k, &k->scope_require);
    khp_free_re(k, &k->scope_multiyear);
    khp_free_re(k, &k->scope_partial);
    khp_free_re(k, &k->scope_month);
    khp_free_re(k, &k->scope_court);
    khp_free_re(k, &k->scope_prior);
    khp_free_re(k, &k->scope_part);
    khp_free_re(k, &k->year_re);
    khp_free_re(k, &k->level_re);
    khp_free_re(k, &k->scope_higher);
}

kh_re *khp_compile(khp *k, const char *pattern)
{
    kh_re *re = NULL;
    char err[256];
    if (k->host->re_compile(k->host->ctx, pattern, 0, &re, err, sizeof err) != KH_PLUGIN_OK) {
        k->host->log(k->host->ctx, KH_LOG_ERROR, "pattern \"%.60s…\": %s", pattern, err);
        return NULL;
    }
    return re;
}

void khp_free_re(khp *k, kh_re **re)
{
    if (re && *re) {
        k->host->re_free(k->host->ctx, *re);
        *re = NULL;
    }
}

/* Clause separator ending at or starting at t[i]? Returns its length. */
static size_t clause_sep(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    /* "1,882" and "10:01" are numbers, not clause breaks */
    if ((c == ',' || c == ':') && i > 0 && i + 1 < len && t[i - 1] >= '0' &&
        t[i - 1] <= '9' && t[i + 1] >= '0' && t[i + 1] <= '9')
        return 0;
    if (c == ',' || c == ';' || c == ':' || c == '\n' || c == '!' || c == '?')
        return 1;
    if (c == 0xE3 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        (unsigned char)t[i + 2] == 0x82) /* 。 */
        return 3;
    if (c == 0xEF && i + 2 < len && (unsigned char)t[i + 1] == 0xBC) {
        unsigned char d = (unsigned char)t[i + 2];
        if (d == 0x8C || d == 0x9B || d == 0x9A) /* ， ； ： (unnormalised) */
            return 3;
    }
    return 0;
}

void khp_clause_bounds(const kh_doc *doc, size_t start, size_t end,
                       size_t *clause_start, size_t *clause_end)
{
    size_t ts, te; /* bounded to 512 bytes each way */
    const char *t = doc->text;
    size_t len = doc->len;
    if (end > len)
        end = len;
    if (start > end)
        start = end;
    size_t lo = start > 512 ? start - 512 : 0;
    ts = lo;
    for (size_t i = start; i > lo;) {
        i--;
        size_t n;
        if (((unsigned char)t[i] & 0xC0) != 0x80 && (n = clause_sep(t, len, i)) &&
            i + n <= start) {
            ts = i + n;
            break;
        }
    }
    while (ts < len && ((unsigned char)t[ts] & 0xC0) == 0x80)
        ts++;
    size_t hi = end + 512 < len ? end + 512 : len;
    te = hi;
    for (size_t i = end; i < hi; i++) {
        if (((unsigned char)t[i] & 0xC0) != 0x80 && clause_sep(t, len, i)) {
            te = i;
            break;
        }
    }
    while (te < len && te > ts && ((unsigned char)t[te] & 0xC0) == 0x80)
        te++;
    *clause_start = ts;
    *clause_end = te;
}

static int search(khp *k, kh_re *re, const kh_doc *doc, size_t from, size_t to,
                  kh_match *m)
{
    if (!re || from >= to)
        return 0;
    return k->host->re_match(re, doc->text, to, from, m) == 1;
}

/* search(), after checking that the window holds one of the literals every
 * match of re needs. */
static int search_lits(khp *k, kh_re *re, const khp_litset *ls, const kh_doc *doc,
                       size_t from, size_t to, kh_match *m)
{
    if (!re || from >= to || !khp_litset_in(ls, doc, from, to))
        return 0;
    return k->host->re_match(re, doc->text, to, from, m) == 1;
}

/* Month cut-offs before November are partial-year figures. */
static int partial_month(khp *k, const kh_doc *doc, size_t from, size_t to)
{
    kh_match m;
    size_t pos = from;
    if (from >= to || !khp_litset_in(&k->lits_month, doc, from, to))
        return 0;
    while (pos < to && search(k, k->scope_month, doc, pos, to, &m)) {
        int month = 0;
        for (int g = 1; g <= 4; g++) {
            if (m.group_start[g] == KH_RE_UNSET)
                continue;
            if (g == 2) /* "1-7月": the end month counts */
                continue;
            month = atoi(doc->text + m.group_start[g]);
            break;
        }
        if (month >= 1 && month <= 10)
            return 1;
        pos = m.end > pos ? m.end : pos + 1;
    }
    return 0;
}

unsigned khp_scope(khp *k, const kh_doc *doc, size_t anchor, size_t fig_start,
                   size_t fig_end)
{
    unsigned mask = KHP_SCOPE_OK;
    kh_match m;
    size_t ss, se, cs, ce;
    size_t lo = anchor < fig_start ? anchor : fig_start;
    k->host->sentence_bounds(doc, lo, &ss, &se);
    khp_clause_bounds(doc, fig_start, fig_end, &cs, &ce);
    size_t acs, ace; /* the anchor's clause */
    khp_clause_bounds(doc, anchor, anchor, &acs, &ace);
    size_t from = acs < cs ? acs : cs;

    /* target / requirement: in the clauses from the anchor to the figure */
    if (search_lits(k, k->scope_target, &k->lits_target, doc, from, ce, &m))
        mask |= KHP_SCOPE_TARGET;
    if (search_lits(k, k->scope_require, &k->lits_require, doc, from, fig_start, &m))
        mask |= KHP_SCOPE_REQUIRE;
    /* multi-year and partial periods: anywhere from the sentence start */
    if (search_lits(k, k->scope_multiyear, &k->lits_multiyear, doc, ss, fig_start, &m)) {
        /* "2024年以来" in a 2024 report is the year itself */
        int y = khp_report_year(k, doc);
        int ok = 0;
        if (y > 0 && doc->text[m.start] >= '0' && doc->text[m.start] <= '9')
            ok = atoi(doc->text + m.start) == y;
        if (!ok)
            mask |= KHP_SCOPE_MULTIYEAR;
    }
    if (search_lits(k, k->scope_partial, &k->lits_partial, doc, ss, fig_start, &m) ||
        partial_month(k, doc, ss, fig_start))
        mask |= KHP_SCOPE_PARTIAL;
    if (search_lits(k, k->scope_court, &k->lits_court, doc, from, ce, &m))
        mask |= KHP_SCOPE_COURT;
    /* a comparison figure: "去年的20件", "由20件下降到" — just before it */
    if (search_lits(k, k->scope_prior, &k->lits_prior, doc, cs, fig_start, &m))
        mask |= KHP_SCOPE_PRIOR;
    else {
        /* a year other than the report's, in the figure's clause */
        int y = khp_report_year(k, doc);
        for (size_t i = cs; y > 0 && i + 7 <= fig_start; i++) {
            const char *p = doc->text + i;
            if (p[0] >= '1' && p[0] <= '2' && p[1] >= '0' && p[1] <= '9' &&
                p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9' &&
                memcmp(p + 4, "年", 3) == 0 && (i == 0 || p[-1] < '0' || p[-1] > '9')) {
                int py = atoi(p);
                if (py != y && py != y + 1 && py > 1949) {
                    mask |= KHP_SCOPE_PRIOR;
                    break;
                }
            }
        }
    }
    if (search_lits(k, k->scope_part, &k->lits_part, doc, acs,
                    anchor > acs ? anchor : acs + 1, &m))
        mask |= KHP_SCOPE_PART;
    if (khp_unit_level(k, doc) == KHP_LEVEL_COUNTY &&
        search(k, k->scope_higher, doc, ss, fig_start, &m))
        mask |= KHP_SCOPE_HIGHER;
    return mask;
}

const char *khp_scope_name(unsigned mask, char *buf, size_t size)
{
    static const char *const names[] = {"target", "requirement", "multiyear", "partial",
                                        "court", "prior", "part", "higher"};
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (int i = 0; i < 8; i++)
        if (mask & (1u << i)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", names[i]);
            if (n < 0 || (size_t)n >= size - used)
                break;
            used += (size_t)n;
        }
    if (!used)
        snprintf(buf, size, "ok");
    return buf;
}

int khp_each_anchor(khp *k, kh_re *anchor, const kh_doc *doc, khp_anchor_fn fn,
                    void *ud)
{
    size_t pos = 0;
    kh_match m;
    while (pos <= doc->len) {
        int rc = k->host->re_match(anchor, doc->text, doc->len, pos, &m);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return rc;
        size_t ss, se;
        k->host->sentence_bounds(doc, m.start, &ss, &se);
        int r = fn(k, doc, &m, ss, se, ud);
        if (r)
            return r;
        /* advance; a zero-length match moves one character on */
        if (m.end > m.start)
            pos = m.end;
        else {
            pos = m.end + 1;
            while (pos < doc->len && ((unsigned char)doc->text[pos] & 0xC0) == 0x80)
                pos++;
        }
    }
    return 0;
}

bool khp_number_at(khp *k, const kh_doc *doc, size_t pos, size_t limit,
                   kh_number *n)
{
    if (pos >= limit || limit > doc->len)
        return false;
    size_t used = k->host->parse_number(doc->text + pos, limit - pos, n);
    if (used == 0)
        return false;
    n->start += pos;
    n->end += pos;
    return true;
}

static int emit(khp *k, kh_sink *sink, const char *key, kh_value_type type,
                double value, const char *text, const char *unit, kh_qualifier q,
                kh_basis basis, size_t ev_start, size_t ev_end, int confidence,
                const char *note)
{
    kh_fact_emit f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.key = key;
    f.type = type;
    f.number = value;
    f.text = text;
    f.unit = unit;
    f.qualifier = q;
    f.basis = basis;
    f.ev_start = ev_start;
    f.ev_end = ev_end;
    f.confidence = confidence;
    f.note = note;
    return k->host->emit(sink, &f);
}

int khp_emit_number(khp *k, kh_sink *sink, const char *key, double value,
                    const char *unit, kh_qualifier q, kh_basis basis,
                    size_t ev_start, size_t ev_end, int confidence,
                    const char *note)
{
    return emit(k, sink, key, KH_VALUE_NUMBER, value, NULL, unit, q, basis,
                ev_start, ev_end, confidence, note);
}

int khp_emit_text(khp *k, kh_sink *sink, const char *key, const char *text,
                  const char *unit, kh_basis basis, size_t ev_start,
                  size_t ev_end, int confidence, const char *note)
{
    return emit(k, sink, key, KH_VALUE_TEXT, 0, text, unit, KH_QUAL_EXACT, basis,
                ev_start, ev_end, confidence, note);
}

bool khp_find(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b,
              kh_match *m)
{
    if (a >= b)
        return false;
    return k->host->re_match(re, doc->text, b, a, m) == 1;
}

bool khp_has(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b)
{
    kh_match m;
    return khp_find(k, re, doc, a, b, &m);
}

bool khp_find_dept_subject(const khp *k, kh_re *dept, const kh_doc *doc, size_t a,
                           size_t b, kh_match *m)
{
    /* a match lies in [a, b): without one of the literals it begins with
     * there, the (costly: no first character to look for) search is moot */
    if (a >= b || !khp_litset_in(&k->lits_dept, doc, a, b))
        return false;
    return khp_find(k, dept, doc, a, b, m);
}

bool khp_find_last(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b,
                   kh_match *out)
{
    kh_match m;
    bool found = false;
    size_t pos = a;
    while (pos < b && khp_find(k, re, doc, pos, b, &m)) {
        *out = m;
        found = true;
        pos = m.end > pos ? m.end : pos + 1;
    }
    return found;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t khp_sep_at(const char *t, size_t len, size_t i)
{
    char c = t[i];
    if (c == ',')
        return (i > 0 && is_digit(t[i - 1]) && i + 1 < len && is_digit(t[i + 1])) ? 0 : 1;
    if (c == ':')
        return (i + 1 < len && is_digit(t[i + 1])) ? 0 : 1;
    if (c == ';' || c == '!' || c == '?' || c == '\n')
        return 1;
    if (i + 3 <= len) {
        static const char *const wide[] = {"。", "，", "；", "！", "？", "："};
        for (size_t w = 0; w < sizeof wide / sizeof wide[0]; w++)
            if (memcmp(t + i, wide[w], 3) == 0)
                return 3;
    }
    return 0;
}

size_t khp_clause_start(const kh_doc *doc, size_t lo, size_t pos)
{
    for (size_t i = pos; i > lo; i--) {
        size_t l = khp_sep_at(doc->text, doc->len, i - 1);
        if (l == 1)
            return i;
        if (i >= lo + 3 && khp_sep_at(doc->text, doc->len, i - 3) == 3)
            return i;
    }
    return lo;
}

size_t khp_clause_end(const kh_doc *doc, size_t pos, size_t hi)
{
    for (size_t i = pos; i < hi; i++)
        if (khp_sep_at(doc->text, doc->len, i))
            return i;
    return hi;
}

bool khp_contains(const kh_doc *doc, size_t start, size_t end, const char *s)
{
    size_t n = strlen(s);
    if (end > doc->len)
        end = doc->len;
    if (n == 0 || start >= end || end - start < n)
        return false;
    for (size_t i = start; i + n <= end; i++)
        if (memcmp(doc->text + i, s, n) == 0)
            return true;
    return false;
}

/* A new document: forget what was cached about the previous one. */
static void cache_for(khp *k, const kh_doc *doc)
{
    size_t head = doc->len < sizeof k->year_head ? doc->len : sizeof k->year_head;
    if (k->year_text == doc->text && k->year_len == doc->len &&
        memcmp(k->year_head, doc->text, head) == 0)
        return;
    k->year_text = doc->text;
    k->year_len = doc->len;
    memcpy(k->year_head, doc->text, head);
    k->year = -1;
    k->level = -1;
}

int khp_unit_level(khp *k, const kh_doc *doc)
{
    cache_for(k, doc);
    if (k->level >= 0)
        return k->level;
    size_t limit = doc->len < 600 ? doc->len : 600;
    while (limit < doc->len && ((unsigned char)doc->text[limit] & 0xC0) == 0x80)
        limit++;
    kh_match m;
    k->level = k->level_re && k->host->re_match(k->level_re, doc->text, limit, 0, &m) == 1
                   ? KHP_LEVEL_COUNTY
                   : KHP_LEVEL_UNKNOWN;
    return k->level;
}

int khp_report_year(khp *k, const kh_doc *doc)
{
    cache_for(k, doc);
    if (k->year >= 0)
        return k->year;
    k->year = 0;
    size_t limit = doc->len < 600 ? doc->len : 600;
    while (limit < doc->len && ((unsigned char)doc->text[limit] & 0xC0) == 0x80)
        limit++;
    kh_match m;
    if (k->year_re && k->host->re_match(k->year_re, doc->text, limit, 0, &m) == 1 &&
        m.group_start[1] != KH_RE_UNSET) {
        int y = atoi(doc->text + m.group_start[1]);
        if (y >= 1990 && y <= 2100)
            k->year = y;
    }
    return k->year;
}
