/*
 * report.c — extractor plugin for what a report says about itself: the year
 * it covers (report.year), the unit that reports (report.unit, as written in
 * the title / first lines, without a trailing 人民政府 / 管理委员会), the date it
 * was signed or published (report.published_date, ISO "2025-01-08"), and how
 * many of the four mandatory sections it has as headings (report.sections:
 * measures, shortcomings, first responsibility, plan; the flags go in `note`).
 *
 * Year and unit are read from the head of the document (title, first
 * paragraph) and the signature; dates from the tail (signature) and the head
 * (a web page's 发布日期); sections from one anchor pass over numbered heading
 * lines (一、 / (一) / 第一部分). No pattern runs over the whole document except
 * that anchor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "khp.h"

/* Bytes of the document's head searched for title, year and unit, and of its
 * tail searched for the signature. */
#define HEAD_BYTES 3000
#define TAIL_BYTES 2000

#define YEAR "(?:19|20)[0-9]{2}"
#define SUFFIX "(?<suf>人民政府|管理委员会|管委会)"
#define PARTY "(?:中共[\\p{Han}]{2,20}?委(?:员会)?[ \\t]*)"
#define LEAD "[ \\t#*>]*"
/* Where a title or name may start: not inside a run of Han characters (a
 * single line break between two CJK characters is removed by the
 * normaliser, so a name can follow web-page chrome on the same line). */
#define START "(?<![\\p{Han}])"
/* Where a heading or signature may start: a line start, or just after a
 * full stop / colon (paragraphs separated by one line break are joined). */
#define PARA "(?:^|(?<=[。;!?:]))"
/* Where a numbered heading may start: as PARA, or right after a title
 * ("…情况的报告\n一、…" is joined into one line). */
#define HEAD_START "(?:^|(?<=[。;!?:])|(?<=报告)|(?<=如下))"
/* The signer before a signature date. */
#define ORG                                                                   \
    "[\\p{Han}()]{0,38}?(?:政府|委员会|管委会|管委|办公室|办|局|区委|县委|市委|小组)"
#define TOPIC "(?:法治政府建设|依法行政|法治建设)"
/* A date written with Arabic or Chinese numerals. */
#define DATE                                                                   \
    "(?<y>[0-9]{4}|[〇零○O一二三四五六七八九]{4})年"                              \
    "(?<mo>[0-9]{1,2}|[一二三四五六七八九十]{1,2})月"                             \
    "(?<d>[0-9]{1,2}|[一二三四五六七八九十]{1,3})日"

enum { SEC_MEASURES = 0, SEC_SHORTCOMINGS, SEC_RESPONSIBILITY, SEC_PLAN, SEC_COUNT };
static const char *const section_names[SEC_COUNT] = {"measures", "shortcomings",
                                                     "responsibility", "plan"};

/* A pattern for the year, with its confidence. */
typedef struct year_rule {
    const char *pattern;
    int confidence;
    int window; /* WIN_*: where the rule can match (see match_windowed) */
} year_rule;

/* Candidate windows of the rules (see match_windowed). */
enum {
    WIN_NONE = 0,       /* the plain search */
    WIN_GUANYU_YEAR,    /* unit rule: … 关于 YEAR年 */
    WIN_LINE_GUANYU,    /* unit rule: …人民政府 \n 关于 */
    WIN_YEAR_TOPIC,     /* unit rule: …YEAR年法治政府建设 */
    WIN_YEAR_COMMA,     /* unit rule: YEAR年, …坚持 */
    WIN_SIGNATURE,      /* unit rule: …人民政府 DATE */
    WIN_HEADING_YEAR,   /* year rule: 一、YEAR年…法治政府建设 */
    WIN_SIGN_DATE       /* the signature date line */
};

static const year_rule year_rules[] = {
    /* 关于2024年法治政府建设情况的报告 */
    {"关于(?<y>" YEAR ")年度?[^\\n。;]{0,30}?" TOPIC "[^\\n。;]{0,20}?报告", 95, WIN_NONE},
    /* 威海火炬高技术产业开发区2017年法治政府建设工作报告 */
    {"(?<y>" YEAR ")年度?[\\p{Han}]{0,12}?(?:法治政府建设|依法行政)(?:工作)?(?:情况)?的?"
     "(?:报告|总结)",
     90, WIN_NONE},
    /* 现将2022年度荣成市法治政府建设工作情况报告如下 */
    {"现将(?<y>" YEAR ")年度?[^\\n。]{0,30}?(?:法治政府建设|依法行政)[^\\n。]{0,16}?"
     "(?:报告|汇报)如下",
     85, WIN_NONE},
    /* 一、2024年推进法治政府建设的主要举措和成效 */
    {"(?m)" PARA LEAD "一、(?<y>" YEAR ")年度?[^\\n]{0,20}?(?:法治政府建设|依法行政)", 65,
     WIN_HEADING_YEAR},
    /* first paragraph: 2024年,城阳区坚持… */
    {"(?m)(?:^|(?<=[。:])|(?<=报告))[ \\t]*(?<y>" YEAR ")年(?:度|以来)?,", 60, WIN_NONE},
};
#define N_YEAR_RULES (sizeof year_rules / sizeof year_rules[0])

/* A pattern for the unit (group `name`, optional `suf`), with its confidence
 * and whether it runs on the tail instead of the head. */
typedef struct unit_rule {
    const char *pattern;
    int confidence;
    bool tail;
    int window; /* WIN_* */
} unit_rule;

static const unit_rule unit_rules[] = {
    /* 威海市文登区人民政府关于2024年… ; 中共XX区委XX区人民政府关于… */
    {"(?m)" START LEAD PARTY "?(?<name>[\\p{Han}]{2,40}?)" SUFFIX "?[ \\t]*关于[ \\t]*" YEAR
     "年",
     90, false, WIN_GUANYU_YEAR},
    /* the line before a 关于 title: "# 中共峰城区委 峰城区人民政府" */
    {"(?m)" START LEAD PARTY "?(?<name>[\\p{Han}]{2,40}?)" SUFFIX "[ \\t*]*\\n" LEAD "关于",
     85, false, WIN_LINE_GUANYU},
    /* 威海火炬高技术产业开发区2017年法治政府建设工作报告 */
    {"(?m)" START LEAD "(?<name>[\\p{Han}]{2,40}?)" SUFFIX "?" YEAR
     "年度?(?:法治政府建设|依法行政)",
     90, false, WIN_YEAR_TOPIC},
    /* 现将2022年度荣成市法治政府建设工作情况报告如下 */
    {"现将" YEAR "年度?(?<name>[\\p{Han}]{2,20}?)" SUFFIX "?(?:法治政府建设|依法行政)", 70,
     false, WIN_NONE},
    /* 2024年,城阳区坚持… */
    {"(?m)(?:^|(?<=[。:])|(?<=报告))[ \\t]*" YEAR "年(?:度|以来)?,(?<name>[\\p{Han}]{2,15}?)"
     SUFFIX "?(?:坚持|始终|深入|认真|全面|在|紧紧|聚焦|以|围绕|着力|持续)",
     60, false, WIN_YEAR_COMMA},
    /* signature: 荣成市人民政府 \n 2023年1月10日 */
    {"(?m)" PARA "[ \\t]*(?<name>[\\p{Han}]{2,30}?)" SUFFIX "[ \\t]*\\n?[ \\t]*" DATE, 75,
     true, WIN_SIGNATURE},
};
#define N_UNIT_RULES (sizeof unit_rules / sizeof unit_rules[0])

typedef struct report_state {
    khp k;
    kh_re *year_re[N_YEAR_RULES];
    kh_re *unit_re[N_UNIT_RULES];
    kh_re *sign_date;   /* a line that is a date, maybe after the signer */
    kh_re *pub_date;    /* 发布日期:2017-12-20 */
    kh_re *heading;     /* anchor: a numbered heading line */
    kh_re *c_resp, *c_short_top, *c_short_sub, *c_plan_top, *c_plan_sub,
        *c_meas_top, *c_meas_sub;
    kh_re *unit_end;    /* the name ends like a unit: 区 / 县 / 市 / 旗 … */
    kh_re *unit_bad;    /* 我区 / 全区 / 中共… / 关于… */
    kh_re *chrome;      /* web-page words before a title: 公示公告 / 首页 … */
} report_state;

/* Heading scan state for one document. */
typedef struct sections_ctx {
    report_state *st;
    int report_year;
    bool found[SEC_COUNT];
    bool found_top[SEC_COUNT];
    size_t ev_start, ev_end; /* the first heading that set a flag */
    bool have_ev;
} sections_ctx;

static const char *const report_provides[] = {
    "report.year", "report.unit", "report.published_date", "report.sections", NULL};

static bool group_set(const kh_match *m, int g)
{
    return g > 0 && g <= m->groups && m->group_start[g] != KH_RE_UNSET;
}

static size_t utf8_floor(const char *t, size_t i)
{
    while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* A Chinese or Arabic numeral of at most 31: "8", "十二", "二十八", "三十一". */
static int small_number(const char *s, size_t len)
{
    if (len == 0)
        return -1;
    if (s[0] >= '0' && s[0] <= '9') {
        int v = 0;
        for (size_t i = 0; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    }
    static const char *const digits[] = {"〇", "一", "二", "三", "四",
                                         "五", "六", "七", "八", "九"};
    int value = 0, pending = -1;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 3 && memcmp(s + i, "十", 3) == 0) {
            value += (pending < 0 ? 1 : pending) * 10;
            pending = -1;
            i += 3;
            continue;
        }
        int d = -1;
        for (int k = 0; k < 10; k++)
            if (len - i >= 3 && memcmp(s + i, digits[k], 3) == 0)
                d = k;
        if (d < 0 || pending >= 0)
            return -1;
        pending = d;
        i += 3;
    }
    return value + (pending < 0 ? 0 : pending);
}

/* A four-digit year in Arabic or Chinese digits (二〇二五, 二○二五, 二零二五). */
static int year_number(const char *s, size_t len)
{
    if (len == 4) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    }
    static const struct {
        const char *ch;
        int d;
    } map[] = {{"〇", 0}, {"零", 0}, {"○", 0}, {"O", 0}, {"一", 1}, {"二", 2}, {"三", 3},
               {"四", 4}, {"五", 5}, {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9}};
    int v = 0, n = 0;
    size_t i = 0;
    while (i < len) {
        int d = -1;
        size_t w = 0;
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
            size_t l = strlen(map[k].ch);
            if (len - i >= l && memcmp(s + i, map[k].ch, l) == 0) {
                d = map[k].d;
                w = l;
                break;
            }
        }
        if (d < 0)
            return -1;
        v = v * 10 + d;
        n++;
        i += w;
    }
    return n == 4 ? v : -1;
}

static bool valid_date(int y, int mo, int d)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1990 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1];
}

/* ---- windowed search ------------------------------------------------------
 *
 * The head and tail rules below start with an unbounded prefix (a run of
 * Han characters and [ \t#*>]) and could match at almost any position, so
 * one search over the 3000-byte head tried each rule at every character
 * (when it did not match, which is most of the time: a third of all
 * extraction). Each such rule needs a literal (关于, 一、, a date's 年, a
 * suffix), and everything between the start of a match and its literal, and
 * between the literal and the end of the match, belongs to a known set of
 * characters. So a candidate window is found around each occurrence of the
 * literal: it starts where the run of characters that may precede the
 * literal starts and ends where a match using that literal must have ended,
 * and the rule runs only there, on a subject cut at the window's end.
 *
 * Why this finds the same match as re_match(re, text, to, pos) — the same
 * start, end and groups: (1) no match starts before the first window (every
 * match holds a literal occurrence at or after its start, and starts in the
 * run before it); (2) every match starting in a window's start range
 * [ws, last] ends by the window's end, and the rules have no lookahead or $
 * at their end, so cutting the subject there removes none of the paths the
 * full search would take before the one it returns, nor that one; (3) a
 * match the window search finds after `last` is not trusted (a later match
 * starting before it might need a longer subject): the next window goes on
 * from last + 1. The character sets are over-approximations — every
 * non-ASCII character may be Han (PCRE2's \p{Han} also takes characters
 * whose script extensions include Han, such as 。and 、) — which only makes
 * windows longer. */

/* One candidate window: matches starting in [ws, last] end by we. */
typedef struct window {
    size_t ws, last, we;
} window;

/* Finds the first window at or after lb whose matches end by `to`; false
 * when there is none. */
typedef bool (*window_fn)(const kh_doc *doc, size_t lb, size_t to, window *w);

static bool lead_byte(unsigned char c)
{
    return c >= 0x80 || c == ' ' || c == '\t' || c == '#' || c == '*' || c == '>';
}

static bool blank_byte(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* The next occurrence of s (length n) at or after from that ends by to, or
 * SIZE_MAX. */
static size_t find_in(const kh_doc *doc, size_t from, size_t to, const char *s, size_t n)
{
    while (from + n <= to) {
        const char *p = memchr(doc->text + from, s[0], to - from - n + 1);
        if (!p)
            break;
        size_t i = (size_t)(p - doc->text);
        if (memcmp(p, s, n) == 0)
            return i;
        from = i + 1;
    }
    return SIZE_MAX;
}

/* Start of the run of bytes before q that `ok` accepts, not before lb. */
static size_t run_back(const kh_doc *doc, size_t lb, size_t q, bool (*ok)(unsigned char))
{
    const unsigned char *t = (const unsigned char *)doc->text;
    while (q > lb && ok(t[q - 1]))
        q--;
    return q;
}

/* End of the run of bytes from q that `ok` accepts, not after to. */
static size_t run_fwd(const kh_doc *doc, size_t q, size_t to, bool (*ok)(unsigned char))
{
    const unsigned char *t = (const unsigned char *)doc->text;
    while (q < to && ok(t[q]))
        q++;
    return q;
}

static size_t at_most(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Unit rule 0: START LEAD PARTY? name SUFFIX? [ \t]* 关于 [ \t]* YEAR 年 —
 * Han and [ \t#*>] up to and after 关于, then four digits and 年. */
static bool win_unit_guanyu_year(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t q = find_in(doc, lb, to, "关于", 6);
    if (q == SIZE_MAX)
        return false;
    w->ws = run_back(doc, lb, q, lead_byte);
    w->last = q;
    w->we = at_most(to, run_fwd(doc, q, to, lead_byte) + 4 + 3);
    return true;
}

/* Unit rule 1: START LEAD PARTY? name SUFFIX [ \t*]* \n LEAD 关于 — ends at
 * 关于; before it Han, [ \t#*>] and exactly one line break. */
static bool win_unit_line_before_guanyu(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t q = find_in(doc, lb, to, "关于", 6);
    if (q == SIZE_MAX)
        return false;
    size_t s = run_back(doc, lb, q, lead_byte);
    if (s > lb && doc->text[s - 1] == '\n')
        s = run_back(doc, lb, s - 1, lead_byte);
    w->ws = s;
    w->last = q;
    /* a later 关于 reached from a start before q: at most one more break */
    size_t e = run_fwd(doc, q, to, lead_byte);
    if (e < to && doc->text[e] == '\n')
        e = run_fwd(doc, e + 1, to, lead_byte);
    w->we = e;
    return true;
}

static bool lead_digit_byte(unsigned char c)
{
    return lead_byte(c) || (c >= '0' && c <= '9');
}

/* Unit rule 2: START LEAD name SUFFIX? YEAR 年度? (法治政府建设|依法行政) —
 * ends at the topic; before it Han, [ \t#*>] and digits. */
static bool win_unit_year_topic(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t a = find_in(doc, lb, to, "法治政府建设", 18);
    size_t b = find_in(doc, lb, to, "依法行政", 12);
    size_t q = a < b ? a : b;
    if (q == SIZE_MAX)
        return false;
    w->ws = run_back(doc, lb, q, lead_digit_byte);
    w->last = q;
    w->we = run_fwd(doc, q, to, lead_digit_byte);
    return true;
}

static bool digit_at(const kh_doc *doc, size_t i)
{
    return doc->text[i] >= '0' && doc->text[i] <= '9';
}

/* Unit rule 4: (^|after 。: or 报告) [ \t]* YEAR 年(度|以来)? , name{2,15}
 * SUFFIX? verb — the match starts in the blanks before the four digits and
 * ends at most 10 + 81 bytes after 年 (15 Han of at most 4 bytes, a suffix of
 * at most 15, a verb of 6). */
static bool win_unit_year_comma(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    for (size_t from = lb;;) {
        size_t y = find_in(doc, from, to, "年", 3);
        if (y == SIZE_MAX)
            return false;
        from = y + 3;
        if (y < lb + 4 || !digit_at(doc, y - 4) || !digit_at(doc, y - 3) ||
            !digit_at(doc, y - 2) || !digit_at(doc, y - 1))
            continue;
        w->ws = run_back(doc, lb, y - 4, blank_byte);
        w->last = y - 4;
        w->we = at_most(to, y + 3 + 6 + 1 + 81);
        return true;
    }
}

/* Unit rule 5 (the tail): (^|after 。;!?:) [ \t]* name{2,30} SUFFIX [ \t]*
 * \n? [ \t]* DATE — Han and blanks up to and after the suffix, then at most
 * one line break, blanks and a date of at most 36 bytes. */
static bool win_unit_signature(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t a = find_in(doc, lb, to, "人民政府", 12);
    size_t b = find_in(doc, lb, to, "管理委员会", 15);
    size_t c = find_in(doc, lb, to, "管委会", 9);
    size_t q = a < b ? a : b;
    q = q < c ? q : c;
    if (q == SIZE_MAX)
        return false;
    w->ws = run_back(doc, lb, q, lead_byte);
    w->last = q;
    size_t e = run_fwd(doc, q, to, lead_byte);
    if (e < to && doc->text[e] == '\n')
        e = run_fwd(doc, e + 1, to, blank_byte);
    w->we = at_most(to, e + 36);
    return true;
}

/* Year rule 3: (^|after 。;!?:) LEAD 一、 YEAR 年度? [^\n]{0,20}? topic — the
 * match starts in the [ \t#*>] run before 一、 and ends at most 6 + 7 + 3 +
 * 80 + 18 bytes after it. */
static bool lead_only_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '#' || c == '*' || c == '>';
}

static bool win_year_heading(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t q = find_in(doc, lb, to, "一、", 6);
    if (q == SIZE_MAX)
        return false;
    w->ws = run_back(doc, lb, q, lead_only_byte);
    w->last = q;
    w->we = at_most(to, q + 6 + 7 + 3 + 80 + 18);
    return true;
}

/* The signature date: (^|after 。;!?:) LEAD (ORG[ \t]*)? DATE [ \t*]*
 * ($|(?=\(|抄送|…)) — on one line; before 日 only Han, ( ), [ \t#*>], digits
 * and the 'O' of a year in Chinese numerals. The window ends at the line's
 * end: there $ holds as it does before the '\n', and no lookahead literal
 * can reach past it (none holds a '\n'). */
static bool date_byte(unsigned char c)
{
    return lead_digit_byte(c) || c == '(' || c == ')' || c == 'O';
}

static bool win_sign_date(const kh_doc *doc, size_t lb, size_t to, window *w)
{
    size_t q = find_in(doc, lb, to, "日", 3);
    if (q == SIZE_MAX)
        return false;
    w->ws = run_back(doc, lb, q, date_byte);
    w->last = q;
    const char *nl = memchr(doc->text + q, '\n', to - q);
    w->we = nl ? (size_t)(nl - doc->text) : to;
    return true;
}

static const window_fn windows[] = {
    [WIN_NONE] = NULL,
    [WIN_GUANYU_YEAR] = win_unit_guanyu_year,
    [WIN_LINE_GUANYU] = win_unit_line_before_guanyu,
    [WIN_YEAR_TOPIC] = win_unit_year_topic,
    [WIN_YEAR_COMMA] = win_unit_year_comma,
    [WIN_SIGNATURE] = win_unit_signature,
    [WIN_HEADING_YEAR] = win_year_heading,
    [WIN_SIGN_DATE] = win_sign_date,
};

/* re_match(re, doc->text, to, pos, m), searching only the windows of `win`
 * (WIN_*; see above); WIN_NONE: the plain search. */
static int match_windowed(report_state *st, kh_re *re, int win, const kh_doc *doc,
                          size_t pos, size_t to, kh_match *m)
{
    const kh_host *h = st->k.host;
    window_fn fn = windows[win];
    if (!fn)
        return h->re_match(re, doc->text, to, pos, m);
    window w;
    size_t lb = pos;
    while (lb < to && fn(doc, lb, to, &w)) {
        if (w.we > w.ws) {
            int rc = h->re_match(re, doc->text, w.we, w.ws, m);
            if (rc < 0)
                return rc;
            if (rc == 1 && m->start <= w.last)
                return 1;
        }
        lb = w.last + 1;
        while (lb < to && ((unsigned char)doc->text[lb] & 0xC0) == 0x80)
            lb++;
    }
    return 0;
}

/* ---- year ---------------------------------------------------------------- */

/* Emit every distinct year the head states; returns the best one (0: none). */
static int find_year(report_state *st, const kh_doc *doc, kh_sink *sink, int *rc)
{
    const kh_host *h = st->k.host;
    size_t head = doc->len < HEAD_BYTES ? doc->len : utf8_floor(doc->text, HEAD_BYTES);
    int best = 0, best_conf = -1;
    int seen[N_YEAR_RULES];
    size_t n_seen = 0;
    for (size_t r = 0; r < N_YEAR_RULES; r++) {
        kh_match m;
        if (match_windowed(st, st->year_re[r], year_rules[r].window, doc, 0, head, &m) != 1)
            continue;
        int g = h->re_group(st->year_re[r], "y");
        if (!group_set(&m, g))
            continue;
        int y = year_number(doc->text + m.group_start[g], m.group_end[g] - m.group_start[g]);
        if (y < 1990 || y > 2100)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n_seen; i++)
            dup = dup || seen[i] == y;
        if (dup)
            continue; /* a stronger rule already gave this year */
        seen[n_seen++] = y;
        int e = khp_emit_number(&st->k, sink, "report.year", y, "year", KH_QUAL_EXACT,
                                KH_BASIS_STATED, m.start, m.end,
                                year_rules[r].confidence, NULL);
        if (e != KH_PLUGIN_OK && *rc == 0)
            *rc = e;
        if (year_rules[r].confidence > best_conf) {
            best_conf = year_rules[r].confidence;
            best = y;
        }
    }
    return best;
}

/* ---- unit ---------------------------------------------------------------- */

/* One unit name found in the document. */
typedef struct unit_found {
    char name[128];
    char full[128];
    size_t start, end;
    int confidence;
} unit_found;

static void find_unit(report_state *st, const kh_doc *doc, kh_sink *sink, int *rc)
{
    const kh_host *h = st->k.host;
    size_t head = doc->len < HEAD_BYTES ? doc->len : utf8_floor(doc->text, HEAD_BYTES);
    size_t tail = doc->len > TAIL_BYTES ? utf8_floor(doc->text, doc->len - TAIL_BYTES) : 0;
    unit_found found[N_UNIT_RULES];
    size_t n_found = 0;
    for (size_t r = 0; r < N_UNIT_RULES; r++) {
        kh_match m;
        size_t from = unit_rules[r].tail ? tail : 0;
        size_t to = unit_rules[r].tail ? doc->len : head;
        size_t pos = from;
        int gn = h->re_group(st->unit_re[r], "name");
        int gs = h->re_group(st->unit_re[r], "suf");
        while (pos < to &&
               match_windowed(st, st->unit_re[r], unit_rules[r].window, doc, pos, to, &m) == 1) {
            pos = m.end > pos ? m.end : pos + 1;
            if (!group_set(&m, gn))
                continue;
            size_t ns = m.group_start[gn], ne = m.group_end[gn];
            /* web-page chrome glued before the name: keep what follows it */
            kh_match um;
            size_t cp = ns;
            while (cp < ne && h->re_match(st->chrome, doc->text, ne, cp, &um) == 1) {
                ns = um.end;
                cp = um.end > cp ? um.end : cp + 1;
            }
            if (ne - ns < 6)
                continue;
            /* the name must look like a unit and not like a phrase */
            if (h->re_match(st->unit_end, doc->text, ne, ns, &um) != 1 || um.end != ne)
                continue;
            if (h->re_match(st->unit_bad, doc->text, ne, ns, &um) == 1)
                continue;
            size_t fe = group_set(&m, gs) ? m.group_end[gs] : ne;
            if (fe - ns >= sizeof found[0].full)
                continue;
            unit_found u;
            memcpy(u.name, doc->text + ns, ne - ns);
            u.name[ne - ns] = '\0';
            memcpy(u.full, doc->text + ns, fe - ns);
            u.full[fe - ns] = '\0';
            u.start = ns;
            u.end = fe;
            u.confidence = unit_rules[r].confidence;
            /* the same name from several rules: keep the surest reading */
            size_t i = 0;
            while (i < n_found && strcmp(found[i].name, u.name) != 0)
                i++;
            if (i == n_found)
                found[n_found++] = u;
            else if (u.confidence > found[i].confidence)
                found[i] = u;
            break; /* one reading per rule */
        }
    }
    for (size_t i = 0; i < n_found; i++) {
        int e = khp_emit_text(&st->k, sink, "report.unit", found[i].name, "name",
                              KH_BASIS_STATED, found[i].start, found[i].end,
                              found[i].confidence, found[i].full);
        if (e != KH_PLUGIN_OK && *rc == 0)
            *rc = e;
    }
}

/* ---- date ---------------------------------------------------------------- */

static bool read_date(report_state *st, const kh_doc *doc, const kh_match *m,
                      kh_re *re, int *y, int *mo, int *d)
{
    const kh_host *h = st->k.host;
    int gy = h->re_group(re, "y"), gm = h->re_group(re, "mo"), gd = h->re_group(re, "d");
    if (!group_set(m, gy) || !group_set(m, gm) || !group_set(m, gd))
        return false;
    *y = year_number(doc->text + m->group_start[gy], m->group_end[gy] - m->group_start[gy]);
    *mo = small_number(doc->text + m->group_start[gm], m->group_end[gm] - m->group_start[gm]);
    *d = small_number(doc->text + m->group_start[gd], m->group_end[gd] - m->group_start[gd]);
    return valid_date(*y, *mo, *d);
}

/* The date must fall in the report year or the next one. */
static bool date_fits(int report_year, int y)
{
    return report_year <= 0 || y == report_year || y == report_year + 1;
}

static void find_date(report_state *st, const kh_doc *doc, kh_sink *sink,
                      int report_year, int *rc)
{
    const kh_host *h = st->k.host;
    size_t tail = doc->len > TAIL_BYTES ? utf8_floor(doc->text, doc->len - TAIL_BYTES) : 0;
    size_t head = doc->len < HEAD_BYTES ? doc->len : utf8_floor(doc->text, HEAD_BYTES);
    int penalty = report_year > 0 ? 0 : 20;
    char iso[16];
    int y, mo, d;

    /* the signature: the LAST date line of the tail */
    kh_match m, last;
    bool have = false;
    size_t pos = tail;
    while (pos < doc->len &&
           match_windowed(st, st->sign_date, WIN_SIGN_DATE, doc, pos, doc->len, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        if (read_date(st, doc, &m, st->sign_date, &y, &mo, &d) && date_fits(report_year, y)) {
            last = m;
            have = true;
        }
    }
    if (have && read_date(st, doc, &last, st->sign_date, &y, &mo, &d)) {
        int gy = h->re_group(st->sign_date, "y"), gd = h->re_group(st->sign_date, "d");
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, mo, d);
        int e = khp_emit_text(&st->k, sink, "report.published_date", iso, "date",
                              KH_BASIS_STATED, last.group_start[gy],
                              last.group_end[gd] + strlen("日"), 90 - penalty,
                              "signature date");
        if (e != KH_PLUGIN_OK && *rc == 0)
            *rc = e;
    }

    /* a web page's 发布日期 */
    if (h->re_match(st->pub_date, doc->text, head, 0, &m) == 1 &&
        read_date(st, doc, &m, st->pub_date, &y, &mo, &d) && date_fits(report_year, y)) {
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, mo, d);
        int e = khp_emit_text(&st->k, sink, "report.published_date", iso, "date",
                              KH_BASIS_STATED, m.start, m.end, 70 - penalty,
                              "publication date of the page");
        if (e != KH_PLUGIN_OK && *rc == 0)
            *rc = e;
    }
}

/* ---- sections ------------------------------------------------------------ */

/* Does re match in text[from, to)? If `year_group` names a group holding a
 * year, the match only counts when that year is after the report year. */
static bool heading_has(report_state *st, kh_re *re, const kh_doc *doc, size_t from,
                        size_t to, int report_year)
{
    const kh_host *h = st->k.host;
    kh_match m;
    size_t pos = from;
    while (pos < to && h->re_match(re, doc->text, to, pos, &m) == 1) {
        pos = m.end > pos ? m.end : pos + 1;
        int gy = h->re_group(re, "py");
        if (report_year > 0 && group_set(&m, gy) &&
            atoi(doc->text + m.group_start[gy]) <= report_year)
            continue;
        return true;
    }
    return false;
}

/* Is text[i] one of the heading numerals 一 … 十? All ten begin with the
 * byte E4 or E5: the comparisons run only then (this is asked at every
 * 、 of the text and every byte of a heading). */
static bool heading_numeral_at(const kh_doc *doc, size_t i)
{
    static const char *const digits[] = {"一", "二", "三", "四", "五",
                                         "六", "七", "八", "九", "十"};
    if (i + 3 > doc->len)
        return false;
    unsigned char b = (unsigned char)doc->text[i];
    if (b != 0xE4 && b != 0xE5)
        return false;
    for (int k = 0; k < 10; k++)
        if (memcmp(doc->text + i, digits[k], 3) == 0)
            return true;
    return false;
}

/* Length of a top-level heading number ("三、", "十二、") at text[pos], or 0. */
static size_t numeral_heading_at(const kh_doc *doc, size_t pos)
{
    size_t p = pos;
    int n = 0;
    while (n < 3 && heading_numeral_at(doc, p)) {
        p += 3;
        n++;
    }
    if (n == 0 || p + 3 > doc->len || memcmp(doc->text + p, "、", 3) != 0)
        return 0;
    return p + 3 - pos;
}

/* Classify the heading text[hs, he) and record its flag. */
static void classify_heading(sections_ctx *c, const kh_doc *doc, size_t hs, size_t he,
                             bool top)
{
    report_state *st = c->st;
    int flag = -1;
    int ry = c->report_year;
    if (heading_has(st, st->c_resp, doc, hs, he, 0))
        flag = SEC_RESPONSIBILITY;
    else if (heading_has(st, top ? st->c_short_top : st->c_short_sub, doc, hs, he, 0))
        flag = SEC_SHORTCOMINGS;
    else if (heading_has(st, top ? st->c_plan_top : st->c_plan_sub, doc, hs, he, ry))
        flag = SEC_PLAN;
    else if (heading_has(st, top ? st->c_meas_top : st->c_meas_sub, doc, hs, he, 0))
        flag = SEC_MEASURES;
    if (flag < 0)
        return;
    c->found[flag] = true;
    if (top)
        c->found_top[flag] = true;
    if (!c->have_ev) {
        c->have_ev = true;
        c->ev_start = hs;
        c->ev_end = he;
    }
}

static int on_heading(khp *k, const kh_doc *doc, const kh_match *m, size_t ss,
                      size_t se, void *ud)
{
    (void)k;
    (void)ss;
    (void)se;
    sections_ctx *c = ud;
    report_state *st = c->st;
    int g_top = st->k.host->re_group(st->heading, "num");
    int g_sub = st->k.host->re_group(st->heading, "sub");
    bool top = group_set(m, g_top);
    int g = top ? g_top : g_sub;
    if (!group_set(m, g))
        return 0;
    size_t hs = m->group_start[g];
    size_t body = m->end;
    /* A heading runs to the end of its line, its first stop or comma, or
     * (top level) the first sub-heading glued after it. Top-level headings
     * on consecutive lines are glued by the normaliser ("…和原因三、党政…"):
     * each "X、" inside starts the next heading. */
    for (;;) {
        size_t he = body;
        size_t next = 0;
        while (he < doc->len && he - hs < 180) {
            char ch = doc->text[he];
            if (ch == '\n' || ch == ';' || ch == ',' || ch == ':' || (top && ch == '(') ||
                (ch == '\xe3' && he + 3 <= doc->len && memcmp(doc->text + he, "。", 3) == 0))
                break;
            if (top && he > body && (next = numeral_heading_at(doc, he)) > 0)
                break;
            he++;
        }
        size_t seg_end = utf8_floor(doc->text, he);
        size_t e = seg_end;
        while (e > body && (doc->text[e - 1] == '*' || doc->text[e - 1] == ' ' ||
                            doc->text[e - 1] == '#'))
            e--;
        if (e > body)
            classify_heading(c, doc, hs, e, top);
        if (!next || seg_end != he)
            break;
        hs = he;
        body = he + next;
    }
    return 0;
}


/* The next occurrence of s (length n) at or after from, or doc->len. The
 * search is for the last byte: the first byte of 、 and 部分 (E3, E9) leads
 * most CJK characters or punctuation, their last is one of 64 continuation
 * byte values. */
static size_t find_from(const kh_doc *doc, size_t from, const char *s, size_t n)
{
    size_t at = from + n - 1;
    while (at < doc->len) {
        const char *p = memchr(doc->text + at, s[n - 1], doc->len - at);
        if (!p)
            break;
        size_t i = (size_t)(p - doc->text) + 1 - n;
        if (memcmp(doc->text + i, s, n - 1) == 0)
            return i;
        at = (size_t)(p - doc->text) + 1;
    }
    return doc->len;
}

/* The heading anchor over the whole document, the fast way: every match of
 * st->heading holds exactly one marker — the "、" after its numerals, the
 * "部分" of 第N部分, or the "(" of (N) — and before its marker only
 * numerals, 第, "**" and [ \t#>*-]. So the anchor runs only in the short
 * window where a match holding a marker can lie (the markers found with
 * memchr, and most of them ruled out by the character before or after), and
 * finds the same matches, in the same order, as one pass of it over the
 * whole text (khp_each_anchor), which spent a third of all extraction time
 * trying it at every character. */
static int each_heading(report_state *st, const kh_doc *doc, sections_ctx *c)
{
    static const char DUN[] = "、", BUFEN[] = "部分";
    const kh_host *h = st->k.host;
    size_t pos = 0;
    size_t next_dun = find_from(doc, 0, DUN, 3);
    size_t next_bufen = find_from(doc, 0, BUFEN, 6);
    size_t next_paren = find_from(doc, 0, "(", 1);
    while (pos < doc->len) {
        if (next_dun < pos)
            next_dun = find_from(doc, pos, DUN, 3);
        if (next_bufen < pos)
            next_bufen = find_from(doc, pos, BUFEN, 6);
        if (next_paren < pos)
            next_paren = find_from(doc, pos, "(", 1);
        size_t p = next_dun < next_bufen ? next_dun : next_bufen;
        p = p < next_paren ? p : next_paren;
        if (p >= doc->len)
            break;
        size_t s = p, e = p; /* the window; e == p: no match can hold p */
        if (p == next_paren) {
            next_paren = find_from(doc, p + 1, "(", 1);
            if (heading_numeral_at(doc, p + 1))
                e = p + 1 + 3 * 3 + 1; /* (N) with up to three numerals */
        } else {
            bool dun = p == next_dun;
            if (dun)
                next_dun = find_from(doc, p + 3, DUN, 3);
            else
                next_bufen = find_from(doc, p + 6, BUFEN, 6);
            int n = 0;
            while (n < 3 && s >= 3 && heading_numeral_at(doc, s - 3))
                s -= 3, n++;
            if (n > 0 && !dun) /* 第N部分 */
                s = s >= 3 && memcmp(doc->text + s - 3, "第", 3) == 0 ? s - 3 : p;
            if (n > 0 && s < p) {
                while (s > 0 && strchr(" \t#>*-", doc->text[s - 1]) && doc->text[s - 1])
                    s--;
                e = dun ? p + 3 : p + 6 + 3; /* 部分 and one of 、,: */
            }
        }
        if (e == p)
            continue;
        if (e > doc->len)
            e = doc->len;
        if (s < pos)
            s = pos;
        kh_match m;
        int rc = h->re_match(st->heading, doc->text, e, s, &m);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        size_t ss, se;
        h->sentence_bounds(doc, m.start, &ss, &se);
        on_heading(&st->k, doc, &m, ss, se, c);
        pos = m.end > m.start ? m.end : m.end + 1;
    }
    return 0;
}

static int find_sections(report_state *st, const kh_doc *doc, kh_sink *sink,
                         int report_year)
{
    sections_ctx c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.report_year = report_year;
    int rc = each_heading(st, doc, &c);
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    int n = 0, n_top = 0;
    char note[96] = "";
    for (int i = 0; i < SEC_COUNT; i++) {
        if (!c.found[i])
            continue;
        if (n)
            strcat(note, ",");
        strcat(note, section_names[i]);
        n++;
        n_top += c.found_top[i];
    }
    if (n == 0 || !c.have_ev)
        return KH_PLUGIN_OK;
    return khp_emit_number(&st->k, sink, "report.sections", n, "sections",
                           KH_QUAL_EXACT, KH_BASIS_STATED, c.ev_start, c.ev_end,
                           n_top >= 3 ? 90 : 60, note);
}

/* ---- plugin -------------------------------------------------------------- */

static void report_fini(void *state)
{
    report_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < N_YEAR_RULES; i++)
        khp_free_re(&st->k, &st->year_re[i]);
    for (size_t i = 0; i < N_UNIT_RULES; i++)
        khp_free_re(&st->k, &st->unit_re[i]);
    kh_re **all[] = {&st->sign_date, &st->pub_date, &st->heading, &st->c_resp,
                     &st->c_short_top, &st->c_short_sub, &st->c_plan_top,
                     &st->c_plan_sub, &st->c_meas_top, &st->c_meas_sub,
                     &st->unit_end, &st->unit_bad, &st->chrome};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    const kh_host *host = st->k.host;
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int report_init(const kh_host *host, const char *config, void **state)
{
    (void)config;
    report_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "report");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    bool ok = true;
    for (size_t i = 0; i < N_YEAR_RULES; i++)
        ok = (st->year_re[i] = khp_compile(&st->k, year_rules[i].pattern)) && ok;
    for (size_t i = 0; i < N_UNIT_RULES; i++)
        ok = (st->unit_re[i] = khp_compile(&st->k, unit_rules[i].pattern)) && ok;
    st->sign_date = khp_compile(&st->k,
        "(?m)" PARA LEAD "(?:" ORG "[ \\t]*)?" DATE "[ \\t*]*"
        "(?:$|(?=\\(|抄送|附件|主题词|分享|打印|关闭|【))");
    st->pub_date = khp_compile(&st->k,
        "(?:发布日期|发布时间|发文日期|成文日期)[:]?[ \\t]*(?<y>[0-9]{4})[-/.年]"
        "(?<mo>[0-9]{1,2})[-/.月](?<d>[0-9]{1,2})日?");
    st->heading = khp_compile(&st->k,
        "(?m)(?:" HEAD_START "[ \\t#>*\\-]*(?:\\*\\*)?(?<num>[一二三四五六七八九十]{1,3}、|"
        "第[一二三四五六七八九十]{1,3}部分[、,:]?)|"
        "(?<![第条款项])(?<sub>\\([一二三四五六七八九十]{1,3}\\)))");
    st->chrome = khp_compile(&st->k,
        "公告|公示|动态|首页|详情|正文|专栏|栏目|公开|通知|新闻|资讯|位置|频道");
    st->c_resp = khp_compile(&st->k, "第一责任人|主要负责人履行|履行推进法治建设");
    st->c_short_top = khp_compile(&st->k, "不足|存在的?问题|短板|差距|薄弱环节");
    st->c_short_sub = khp_compile(&st->k,
        "存在的?(?:问题|不足)|不足(?:之处)?(?:和|及|与)原因|问题和不足");
    st->c_plan_top = khp_compile(&st->k,
        "下一步|下一年|明年|今后|来年|(?<py>" YEAR ")年度?[^、,\\n]{0,20}?"
        "(?:安排|打算|计划|思路|工作重点|努力方向)|主要安排|工作安排|工作打算|工作计划|工作思路");
    st->c_plan_sub = khp_compile(&st->k,
        "下一步|(?<py>" YEAR ")年度?[\\p{Han}]{0,16}?(?:主要安排|工作打算|工作计划|工作思路)");
    st->c_meas_top = khp_compile(&st->k,
        "主要举措|举措和成效|主要做法|工作情况|主要工作|开展情况|进展情况|主要成效|工作成效|"
        "取得的成效|基本情况|总体情况|推进情况|建设情况");
    st->c_meas_sub = khp_compile(&st->k, "主要举措|举措和成效|主要做法|工作情况|主要工作");
    st->unit_end = khp_compile(&st->k, "(?:区|县|市|旗|州|盟)$");
    st->unit_bad = khp_compile(&st->k, "(?:我|全|本|该|各)(?:区|县|市|旗)$|中共|关于");
    if (!ok || !st->sign_date || !st->pub_date || !st->heading || !st->c_resp ||
        !st->c_short_top || !st->c_short_sub || !st->c_plan_top || !st->c_plan_sub ||
        !st->c_meas_top || !st->c_meas_sub || !st->unit_end || !st->unit_bad || !st->chrome) {
        report_fini(st);
        return KH_PLUGIN_ERROR;
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int report_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    report_state *st = state;
    int rc = 0;
    int year = find_year(st, doc, sink, &rc);
    find_unit(st, doc, sink, &rc);
    find_date(st, doc, sink, year, &rc);
    int s = find_sections(st, doc, sink, year);
    if (s != KH_PLUGIN_OK && rc == 0)
        rc = s;
    return rc;
}

static const kh_plugin_descriptor report_descriptor = {
    KH_PLUGIN_ABI_VERSION,
    sizeof(kh_plugin_descriptor),
    "report",
    "1.0.0",
    "the report itself: year, unit, signature/publication date, mandatory sections",
    report_provides,
    report_init,
    report_extract,
    report_fini,
};

/* The one exported symbol. */
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &report_descriptor;
}
