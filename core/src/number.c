/*
 * number.c — the one number parser of kaohe: reads Arabic, Chinese and mixed
 * numerals, 万/亿 groups, percentages and qualifiers into an exact decimal
 * (int64 mantissa + scale, overflow-checked, never through a double), and
 * formats such a decimal back.
 *
 * Behaviour worth knowing (each one is pinned by tests/check_number.c):
 *
 *  - kh_number_parse reads what is at text[0]; it does not search. A lone
 *    Chinese numeral followed by other CJK text is a number: "一是" → 1,
 *    "一件" → 1, "十分" → 10. Callers decide where a number may start.
 *  - Longest valid prefix: the parser stops before the first character that
 *    cannot continue the number ("2024年" → 2024, "1—7月" → 1, "5." → 5,
 *    "1,2" → 1, "3点" → 3, "一百零" → 100). A value that overflows int64, or
 *    a fraction longer than 18 places, refuses the whole number (returns 0),
 *    never a shorter prefix.
 *  - ".5" is not a number (a number starts with a digit); "001" is 1.
 *  - Thousands separators (',' and '，') only after a first group of 1–3
 *    digits and only before exactly 3 digits: "1,234,567"; "1,2345" → 1.
 *  - Digit strings of Chinese numerals are read positionally when they look
 *    like one (二〇二四 → 2024, 一九九八 → 1998): a run of 2+ of 零〇一…九 that
 *    contains 零/〇 after its first place, or is exactly 4 long, and is not
 *    followed by a unit. Other adjacent digits stop the number: "三四百" → 3.
 *  - Colloquial abbreviation: a digit right after 百/千/万/亿 takes the next
 *    lower place: 一千五 = 1500, 两万五 = 25000, 一百二 = 120 (一千零五 = 1005).
 *  - A bare unit is 1×unit only after a leading qualifier or before 余/多:
 *    近千 = ~1000, 百余 = >100, 万余 = >10000, 百余万 = >1000000.
 *    (十 alone is always 10.) 两 is 2 but ends a number only as its first
 *    token (两千 / 两, not 十两).
 *  - Mixed forms: an Arabic number may take units (3千, 1.2万, 12.6万, 3千万,
 *    1.2万亿, 2万3千); a non-initial Arabic part must be followed by a unit
 *    ("2万3" → 20000). 点 is a decimal point only between Chinese digits
 *    (三点五 = 3.5, 零点五), never after Arabic digits ("3点5" → 3).
 *  - 余 follows any positive integer value; 多 only a positive multiple of 10
 *    (十多, 100多, 二十多万) — "23多" stops at 23. Both may stand between a
 *    number and 万/亿 (十多万, 3000余万). 以上/以下/左右 follow any number, also
 *    after a percent sign. A leading qualifier wins over a trailing one.
 *  - Percent: "%"/"％" right after the number (no space: "98.5 %" is 98.5,
 *    not a percent — normalise first), 百分之…, 百分之百, N成 (0 ≤ N ≤ 10, ×10,
 *    one more Chinese digit: 九成五 = 95). Values above 100 are kept (120%).
 *  - A sign ('-', '－', '−') is accepted only directly before Arabic digits.
 *  - Traditional forms are accepted: 萬 億 兩 貳 參 陸 點 餘 約 超過 將近 大約.
 *  - Invalid UTF-8 ends the number (or, at the start, means no number).
 */
#include "kaohe/number.h"

#include "kaohe/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCALE 18
#define NO_BIG 99   /* big_exp before any 万/亿 */
#define NO_SMALL 4  /* small_rank before any 十/百/千 in a section */

enum { ST_OK = 0, ST_NONE = 1, ST_RANGE = 2 };

static const int64_t pow10_i[MAX_SCALE + 1] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
    1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL};

/* ---- exact decimals ------------------------------------------------------ */

/* value = m / 10^s, m >= 0 while parsing, 0 <= s <= MAX_SCALE. */
typedef struct dec {
    int64_t m;
    int s;
} dec;

/* *d *= 10^k (k >= 0), using up decimal places first. 0 on overflow. */
static int dec_shift(dec *d, int k)
{
    while (k > 0 && d->s > 0) {
        d->s--;
        k--;
    }
    if (k == 0 || d->m == 0)
        return 1;
    if (k > MAX_SCALE || d->m > INT64_MAX / pow10_i[k])
        return 0;
    d->m *= pow10_i[k];
    return 1;
}

/* Bring d to scale s (s >= d->s). 0 on overflow. */
static int dec_rescale(dec *d, int s)
{
    int k = s - d->s;
    if (k <= 0)
        return 1;
    if (d->m > INT64_MAX / pow10_i[k])
        return 0;
    d->m *= pow10_i[k];
    d->s = s;
    return 1;
}

/* *a += b. 0 on overflow. */
static int dec_add(dec *a, dec b)
{
    int s = a->s > b.s ? a->s : b.s;
    if (!dec_rescale(a, s) || !dec_rescale(&b, s))
        return 0;
    if (a->m > INT64_MAX - b.m)
        return 0;
    a->m += b.m;
    return 1;
}

static int64_t dec_int_part(dec d) { return d.m / pow10_i[d.s]; }
static int dec_is_int(dec d) { return d.m % pow10_i[d.s] == 0; }

/* The nearest double to m / 10^s. */
static double dec_to_double(int64_t m, int s)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
                                 1e15, 1e16, 1e17, 1e18};
    uint64_t mag = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    if (s < 0 || s > MAX_SCALE)
        s = 0;
    if (mag <= (UINT64_C(1) << 53)) {
        /* both operands exact: one correctly rounded division */
        double v = (double)mag / p10[s];
        return m < 0 ? -v : v;
    }
    /* exponent form: no radix character, so no locale dependence */
    char buf[48];
    snprintf(buf, sizeof buf, "%s%llue-%d", m < 0 ? "-" : "",
             (unsigned long long)mag, s);
    return strtod(buf, NULL);
}

/* ---- characters ---------------------------------------------------------- */

/* The code point at t[pos..len) and its length in *n; -1 (n = 0) at the end
 * or on bytes that are not valid UTF-8 (overlong, surrogate, truncated). */
static int32_t u8_at(const unsigned char *t, size_t len, size_t pos, size_t *n)
{
    *n = 0;
    if (pos >= len)
        return -1;
    unsigned c = t[pos];
    size_t need;
    uint32_t cp, min;
    if (c < 0x80) {
        *n = 1;
        return (int32_t)c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return -1;
    }
    if (len - pos - 1 < need)
        return -1;
    for (size_t i = 1; i <= need; i++) {
        unsigned b = t[pos + i];
        if ((b & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *n = need + 1;
    return (int32_t)cp;
}

/* Bytes of literal s at t[pos..len), or 0. */
static size_t lit_at(const unsigned char *t, size_t len, size_t pos,
                     const char *s)
{
    if (pos >= len || t[pos] != (unsigned char)s[0])
        return 0; /* cheap reject before strlen */
    size_t n = strlen(s);
    if (len - pos < n || memcmp(t + pos, s, n) != 0)
        return 0;
    return n;
}

/* Arabic digit (ASCII or full width U+FF10–FF19) → 0..9, else -1. */
static int ar_digit(int32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return cp - '0';
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return cp - 0xFF10;
    return -1;
}

static int ar_digit_at(const unsigned char *t, size_t len, size_t pos,
                       size_t *n)
{
    int32_t cp = u8_at(t, len, pos, n);
    int d = cp < 0 ? -1 : ar_digit(cp);
    if (d < 0)
        *n = 0;
    return d;
}

#define CP_LIANG 0x4E24   /* 两 */
#define CP_LIANG_T 0x5169 /* 兩 */

/* Chinese digit → 0..9, else -1. Includes formal and traditional forms. */
static int cn_digit(int32_t cp)
{
    switch (cp) {
    case 0x96F6: /* 零 */
    case 0x3007: /* 〇 */
        return 0;
    case 0x4E00: /* 一 */
    case 0x58F9: /* 壹 */
        return 1;
    case 0x4E8C: /* 二 */
    case 0x8D30: /* 贰 */
    case 0x8CB3: /* 貳 */
    case CP_LIANG:
    case CP_LIANG_T:
        return 2;
    case 0x4E09: /* 三 */
    case 0x53C1: /* 叁 */
    case 0x53C3: /* 參 */
    case 0x53C4: /* 叄 */
        return 3;
    case 0x56DB: /* 四 */
    case 0x8086: /* 肆 */
        return 4;
    case 0x4E94: /* 五 */
    case 0x4F0D: /* 伍 */
        return 5;
    case 0x516D: /* 六 */
    case 0x9646: /* 陆 */
    case 0x9678: /* 陸 */
        return 6;
    case 0x4E03: /* 七 */
    case 0x67D2: /* 柒 */
        return 7;
    case 0x516B: /* 八 */
    case 0x634C: /* 捌 */
        return 8;
    case 0x4E5D: /* 九 */
    case 0x7396: /* 玖 */
        return 9;
    default:
        return -1;
    }
}

/* The plain digits used in positional strings (二〇二四): 零〇一二…九. */
static int plain_digit(int32_t cp)
{
    static const int32_t d[] = {0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
                                0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D};
    if (cp == 0x3007)
        return 0;
    for (int i = 0; i < 10; i++)
        if (cp == d[i])
            return i;
    return -1;
}

/* 十/拾 → 1, 百/佰 → 2, 千/仟 → 3, else 0. */
static int small_unit(int32_t cp)
{
    switch (cp) {
    case 0x5341: case 0x62FE: return 1;
    case 0x767E: case 0x4F70: return 2;
    case 0x5343: case 0x4EDF: return 3;
    default: return 0;
    }
}

/* 万/萬 → 4, 亿/億 → 8, else 0. */
static int big_unit(int32_t cp)
{
    switch (cp) {
    case 0x4E07: case 0x842C: return 4;
    case 0x4EBF: case 0x5104: return 8;
    default: return 0;
    }
}

/* The big unit at pos (万亿 read as one unit, 10^12); exponent, length. */
static int big_unit_at(const unsigned char *t, size_t len, size_t pos,
                       size_t *n)
{
    int32_t cp = u8_at(t, len, pos, n);
    int e = cp < 0 ? 0 : big_unit(cp);
    if (e == 0) {
        *n = 0;
        return 0;
    }
    if (e == 4) {
        size_t n2;
        int32_t c2 = u8_at(t, len, pos + *n, &n2);
        if (c2 >= 0 && big_unit(c2) == 8) {
            *n += n2;
            return 12;
        }
    }
    return e;
}

static int is_unit(int32_t cp) { return small_unit(cp) || big_unit(cp); }
static int is_point(int32_t cp) { return cp == 0x70B9 || cp == 0x9EDE; } /* 点 點 */
static int is_more(int32_t cp) /* 余 餘 多 */
{
    return cp == 0x4F59 || cp == 0x9918 || cp == 0x591A;
}
#define CP_DUO 0x591A    /* 多 */
#define CP_CHENG 0x6210  /* 成 */

/* Whitespace parse_all may strip: ASCII, NBSP, ideographic space, ZWSP, BOM. */
static int is_space(int32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 ||
           cp == 0x3000 || cp == 0x200B || cp == 0xFEFF;
}

/* ---- Arabic numbers ------------------------------------------------------ */

/* Digits at pos; with `full`, thousands groups and a decimal fraction too.
 * ST_NONE when no digit is there, ST_RANGE on overflow. */
static int parse_arabic(const unsigned char *t, size_t len, size_t pos,
                        int full, dec *out, size_t *end)
{
    dec v = {0, 0};
    size_t n, count = 0;
    int d;
    while ((d = ar_digit_at(t, len, pos, &n)) >= 0) {
        if (v.m > (INT64_MAX - d) / 10)
            return ST_RANGE;
        v.m = v.m * 10 + d;
        pos += n;
        count++;
    }
    if (count == 0)
        return ST_NONE;
    if (full && count <= 3) {
        for (;;) {
            size_t sn = lit_at(t, len, pos, ",");
            if (!sn)
                sn = lit_at(t, len, pos, "\xEF\xBC\x8C"); /* ， */
            if (!sn)
                break;
            size_t p = pos + sn, dn;
            int64_t g = 0;
            int k;
            for (k = 0; k < 3; k++) {
                d = ar_digit_at(t, len, p, &dn);
                if (d < 0)
                    break;
                g = g * 10 + d;
                p += dn;
            }
            if (k < 3 || ar_digit_at(t, len, p, &dn) >= 0)
                break; /* not exactly three digits: the separator is text */
            if (v.m > (INT64_MAX - g) / 1000)
                return ST_RANGE;
            v.m = v.m * 1000 + g;
            pos = p;
        }
    }
    if (full) {
        size_t pn = lit_at(t, len, pos, ".");
        if (!pn)
            pn = lit_at(t, len, pos, "\xEF\xBC\x8E"); /* ． */
        if (pn && ar_digit_at(t, len, pos + pn, &n) >= 0) {
            pos += pn;
            while ((d = ar_digit_at(t, len, pos, &n)) >= 0) {
                if (v.s == MAX_SCALE || v.m > (INT64_MAX - d) / 10)
                    return ST_RANGE;
                v.m = v.m * 10 + d;
                v.s++;
                pos += n;
            }
        }
    }
    *out = v;
    *end = pos;
    return ST_OK;
}

/* ---- the numeric body: Chinese, Arabic and mixed ------------------------- */

enum prev_tok { P_START, P_ZERO, P_SMALL, P_BIG, P_DIGIT };
enum pend_kind {
    PK_NONE,
    PK_CN,    /* one Chinese digit 1..9 */
    PK_LIANG, /* 两: a 2 that must take a unit unless it is the first token */
    PK_ZERO0, /* a leading 零: the number 0, may take only 点 */
    PK_AR,    /* Arabic integer */
    PK_DEC    /* decimal scalar (1.2 / 三点五) waiting for an optional unit */
};

typedef struct body_state {
    dec total;       /* completed 万/亿 parts */
    dec section;     /* the part below the last big unit */
    dec pending;     /* a digit or number waiting for its unit */
    int pend_kind;   /* enum pend_kind */
    int pend_exp;    /* place a trailing Chinese digit takes (一千五: 2) */
    int pend_first;  /* the pending token is the number's first token */
    int pend_big;    /* the pending digit came right after 万/亿 */
    int dec_late;    /* the decimal came after 万/亿: no unit may follow */
    int prev;        /* enum prev_tok */
    int prev_exp;    /* exponent of the previous unit token */
    int small_rank;  /* exponent of the last 十/百/千 in this section */
    int big_exp;     /* exponent of the last 万/亿 */
    int max_big;     /* largest big exponent so far (0 = none) */
    int closed;      /* a decimal took its unit: only lower big units follow */
    int mid_qual;    /* 多/余 stood before a big unit (十多万) */
    int bare_ok;     /* a leading 百/千/万/亿 may mean 1×unit */
} body_state;

typedef struct body_result {
    dec value;
    size_t end;
    int mid_qual;
} body_result;

/* Value of section + pending as it stands (pending at its place). Before
 * another big unit a digit that followed 万/亿 is a plain digit: 一亿三万
 * is 1亿 + 3万, while 一千五万 is 1500万. */
static int body_part(const body_state *b, int for_big, dec *part)
{
    *part = b->section;
    if (b->pend_kind != PK_NONE) {
        dec x = b->pending;
        int e = for_big && b->pend_big ? 0 : b->pend_exp;
        if (!dec_shift(&x, e) || !dec_add(part, x))
            return ST_RANGE;
    }
    return ST_OK;
}

/* May the number end after the last token? */
static int body_complete(const body_state *b)
{
    switch (b->pend_kind) {
    case PK_NONE: return b->prev == P_SMALL || b->prev == P_BIG;
    case PK_LIANG:
    case PK_AR: return b->pend_first;
    default: return 1;
    }
}

/* A small unit (十百千, exponent u) after the pending value. */
static int pending_takes_small(const body_state *b, int u)
{
    switch (b->pend_kind) {
    case PK_CN:
    case PK_LIANG:
        return 1;
    case PK_AR:
        return b->pending.m >= 1 && b->pending.m <= 9;
    case PK_DEC:
        return !b->dec_late && dec_int_part(b->pending) < 10 && u > 0;
    default:
        return 0;
    }
}

/* Apply a big unit of exponent B (4, 8 or 12). ST_NONE when it cannot
 * continue the number here. */
static int body_big(body_state *b, int B)
{
    if (b->prev == P_ZERO)
        return ST_NONE;
    /* 亿 after a 万 group scales all of it: 一万五千亿 = 15000亿.
     * Otherwise big units must fall: 一亿二千万. */
    int scale_all = B == 8 && b->max_big == 4;
    if (B >= b->big_exp && !scale_all)
        return ST_NONE;
    int was_dec = b->pend_kind == PK_DEC;
    if (b->pend_kind == PK_ZERO0 || (was_dec && b->dec_late))
        return ST_NONE;
    dec part;
    if (body_part(b, 1, &part) != ST_OK)
        return ST_RANGE;
    if (part.m == 0) {
        if (b->prev != P_START || !b->bare_ok)
            return ST_NONE;
        part.m = 1; /* bare 万 / 亿 (万余, 近万) */
    }
    if (scale_all) {
        if (!dec_add(&part, b->total))
            return ST_RANGE;
        b->total = (dec){0, 0};
    }
    if (!dec_shift(&part, B))
        return ST_RANGE;
    if (!scale_all && b->big_exp != NO_BIG &&
        dec_int_part(part) >= pow10_i[b->big_exp])
        return ST_NONE; /* 一亿二万万: the part must fit below the last unit */
    if (!dec_add(&b->total, part))
        return ST_RANGE;
    b->max_big = scale_all ? 12 : (B > b->max_big ? B : b->max_big);
    b->section = (dec){0, 0};
    b->pend_kind = PK_NONE;
    b->small_rank = NO_SMALL;
    b->big_exp = B;
    b->prev = P_BIG;
    b->prev_exp = B;
    if (was_dec)
        b->closed = 1;
    return ST_OK;
}

/* A positional Chinese digit string (二〇二四) at pos; ST_NONE if the run
 * does not qualify. */
static int body_positional(const unsigned char *t, size_t len, size_t pos,
                           body_result *r)
{
    size_t p = pos, n;
    int count = 0, inner_zero = 0;
    int32_t cp;
    int d;
    dec v = {0, 0};
    int range = 0;
    while ((cp = u8_at(t, len, p, &n)) >= 0 && (d = plain_digit(cp)) >= 0) {
        if (d == 0 && count > 0)
            inner_zero = 1;
        if (v.m > (INT64_MAX - d) / 10)
            range = 1;
        else
            v.m = v.m * 10 + d;
        count++;
        p += n;
    }
    if (count < 2 || (count != 4 && !inner_zero))
        return ST_NONE;
    if (cp >= 0 && (is_unit(cp) || is_point(cp) || cp == CP_CHENG ||
                    ar_digit(cp) >= 0))
        return ST_NONE;
    if (range)
        return ST_RANGE;
    r->value = v;
    r->end = p;
    r->mid_qual = 0;
    return ST_OK;
}

/* The longest number body at pos. */
static int parse_body(const unsigned char *t, size_t len, size_t pos,
                      int bare_ok, body_result *r)
{
    int st = body_positional(t, len, pos, r);
    if (st != ST_NONE)
        return st;

    body_state b;
    memset(&b, 0, sizeof b);
    b.prev = P_START;
    b.small_rank = NO_SMALL;
    b.big_exp = NO_BIG;
    b.bare_ok = bare_ok;
    int have = 0;

    for (;;) {
        size_t n;
        int32_t cp = u8_at(t, len, pos, &n);
        int d, u;
        if (cp < 0)
            break;
        if (ar_digit(cp) >= 0) {
            if (b.pend_kind != PK_NONE || b.closed || b.prev == P_ZERO)
                break;
            dec v = {0, 0};
            size_t e = pos;
            int first = b.prev == P_START;
            st = parse_arabic(t, len, pos, first, &v, &e);
            if (st == ST_RANGE)
                return ST_RANGE;
            if (st != ST_OK)
                break;
            if (!first && v.m == 0)
                break;
            b.pending = v;
            b.pend_kind = v.s > 0 ? PK_DEC : PK_AR;
            b.pend_first = first;
            b.pend_exp = 0;
            b.pend_big = 0;
            b.dec_late = 0;
            b.prev = P_DIGIT;
            pos = e;
        } else if ((d = cn_digit(cp)) >= 0) {
            if (b.pend_kind != PK_NONE || b.closed)
                break;
            if (d == 0) {
                if (b.prev == P_START) {
                    b.pending = (dec){0, 0};
                    b.pend_kind = PK_ZERO0;
                    b.pend_first = 1;
                    b.pend_exp = 0;
                    b.prev = P_DIGIT;
                } else if (b.prev == P_SMALL || b.prev == P_BIG) {
                    b.prev = P_ZERO; /* 一千零五: a gap, not an end */
                } else {
                    break;
                }
            } else {
                b.pending = (dec){d, 0};
                b.pend_kind = (cp == CP_LIANG || cp == CP_LIANG_T) ? PK_LIANG
                                                                   : PK_CN;
                b.pend_first = b.prev == P_START;
                b.pend_exp = (b.prev == P_SMALL || b.prev == P_BIG)
                                 ? b.prev_exp - 1
                                 : 0;
                b.pend_big = b.prev == P_BIG;
                b.prev = P_DIGIT;
            }
            pos += n;
        } else if ((u = small_unit(cp)) > 0) {
            if (u >= b.small_rank)
                break;
            if (b.pend_kind != PK_NONE) {
                if (!pending_takes_small(&b, u))
                    break;
                dec x = b.pending;
                if (!dec_shift(&x, u) || !dec_add(&b.section, x))
                    return ST_RANGE;
                if (b.pend_kind == PK_DEC)
                    b.closed = 1;
                b.pend_kind = PK_NONE;
            } else if (!b.closed &&
                       ((u == 1 && (b.prev == P_START || b.prev == P_ZERO)) ||
                        (b.prev == P_START && b.bare_ok))) {
                dec one = {pow10_i[u], 0}; /* 十二, 一千零十, 近千 */
                if (!dec_add(&b.section, one))
                    return ST_RANGE;
            } else {
                break;
            }
            b.small_rank = u;
            b.prev = P_SMALL;
            b.prev_exp = u;
            pos += n;
        } else if (big_unit(cp)) {
            int B = big_unit_at(t, len, pos, &n);
            body_state save = b;
            st = body_big(&b, B);
            if (st == ST_NONE && B == 12) { /* 一亿五千万|亿: 万 alone */
                b = save;
                B = 4;
                u8_at(t, len, pos, &n);
                st = body_big(&b, B);
            }
            if (st == ST_RANGE)
                return ST_RANGE;
            if (st != ST_OK)
                break;
            pos += n;
        } else if (is_more(cp)) {
            /* 十多万 / 3000余万: 多/余 between a round part and 万/亿 */
            size_t n2;
            int B = big_unit_at(t, len, pos + n, &n2);
            dec part;
            if (!B || b.mid_qual || b.prev == P_START || b.prev == P_ZERO ||
                b.pend_kind == PK_ZERO0 || b.pend_kind == PK_DEC || b.closed)
                break;
            if (body_part(&b, 1, &part) != ST_OK)
                return ST_RANGE;
            if (part.m <= 0 || !dec_is_int(part) ||
                (cp == CP_DUO && dec_int_part(part) % 10 != 0))
                break;
            body_state save = b;
            st = body_big(&b, B);
            if (st == ST_RANGE)
                return ST_RANGE;
            if (st != ST_OK) {
                b = save;
                break;
            }
            b.mid_qual = 1;
            b.closed = 1;
            pos += n + n2;
        } else if (is_point(cp)) {
            /* 三点五, 九十八点五, 零点五, 十点五 */
            size_t fn;
            int32_t c2 = u8_at(t, len, pos + n, &fn);
            if (b.closed || b.prev == P_START || b.prev == P_ZERO ||
                b.pend_kind == PK_AR || b.pend_kind == PK_DEC ||
                b.pend_kind == PK_LIANG ||
                (b.pend_kind != PK_NONE && b.pend_exp != 0) || c2 < 0 ||
                cn_digit(c2) < 0 || c2 == CP_LIANG || c2 == CP_LIANG_T)
                break;
            dec scalar;
            if (body_part(&b, 0, &scalar) != ST_OK)
                return ST_RANGE;
            size_t p = pos + n;
            dec f = {0, 0};
            int32_t c;
            while ((c = u8_at(t, len, p, &fn)) >= 0 && (d = cn_digit(c)) >= 0 &&
                   c != CP_LIANG && c != CP_LIANG_T) {
                if (f.s == MAX_SCALE || f.m > (INT64_MAX - d) / 10)
                    return ST_RANGE;
                f.m = f.m * 10 + d;
                f.s++;
                p += fn;
            }
            if (!dec_add(&scalar, f))
                return ST_RANGE;
            b.pending = scalar;
            b.pend_kind = PK_DEC;
            b.pend_exp = 0;
            b.pend_first = 0;
            b.pend_big = 0;
            b.dec_late = b.total.m != 0;
            b.section = (dec){0, 0};
            b.small_rank = NO_SMALL;
            b.prev = P_DIGIT;
            pos = p;
        } else {
            break;
        }

        if (body_complete(&b)) {
            dec v = b.total, part;
            if (body_part(&b, 0, &part) != ST_OK || !dec_add(&v, part))
                return ST_RANGE;
            r->value = v;
            r->end = pos;
            r->mid_qual = b.mid_qual;
            have = 1;
        }
    }
    return have ? ST_OK : ST_NONE;
}

/* ---- the whole number ---------------------------------------------------- */

typedef struct qual_word {
    const char *s;
    kh_qualifier q;
} qual_word;

/* Longest first where one is a prefix of another (将近 before 近). */
static const qual_word lead_quals[] = {
    {"大约", KH_QUAL_ABOUT},     {"大約", KH_QUAL_ABOUT},
    {"将近", KH_QUAL_ABOUT},     {"將近", KH_QUAL_ABOUT},
    {"接近", KH_QUAL_ABOUT},     {"超过", KH_QUAL_MORE_THAN},
    {"超過", KH_QUAL_MORE_THAN}, {"不足", KH_QUAL_LESS_THAN},
    {"不到", KH_QUAL_LESS_THAN}, {"约", KH_QUAL_ABOUT},
    {"約", KH_QUAL_ABOUT},       {"近", KH_QUAL_ABOUT},
    {"逾", KH_QUAL_MORE_THAN},
};

/* Trailing qualifiers that follow any number (余/多 are checked apart). */
static const qual_word trail_quals[] = {
    {"以上", KH_QUAL_MORE_THAN},
    {"以下", KH_QUAL_LESS_THAN},
    {"左右", KH_QUAL_ABOUT},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct parse_info {
    int trail_qual; /* a trailing or middle qualifier was consumed */
} parse_info;

static size_t match_qual(const unsigned char *t, size_t len, size_t pos,
                         const qual_word *list, size_t count, kh_qualifier *q)
{
    for (size_t i = 0; i < count; i++) {
        size_t n = lit_at(t, len, pos, list[i].s);
        if (n) {
            *q = list[i].q;
            return n;
        }
    }
    return 0;
}

/* Parse at t[0..len) into *out; ST_OK, ST_NONE or ST_RANGE. */
static int parse_number(const unsigned char *t, size_t len, kh_number *out,
                        parse_info *info)
{
    size_t pos = 0, n;
    kh_qualifier lead = KH_QUAL_EXACT, trail = KH_QUAL_EXACT;
    int neg = 0, pct = 0; /* pct: 1 = % sign, 2 = 百分之, 3 = 成 */
    body_result br;
    int st;

    pos += match_qual(t, len, pos, lead_quals, COUNT(lead_quals), &lead);

    if ((n = lit_at(t, len, pos, "百分之")) != 0) {
        pos += n;
        pct = 2;
        st = parse_body(t, len, pos, lead != KH_QUAL_EXACT, &br);
        if (st == ST_RANGE)
            return ST_RANGE;
        if (st == ST_NONE) {
            size_t bn = lit_at(t, len, pos, "百");
            if (!bn)
                return ST_NONE;
            br.value = (dec){100, 0}; /* 百分之百 */
            br.end = pos + bn;
            br.mid_qual = 0;
        }
    } else {
        int32_t cp = u8_at(t, len, pos, &n);
        if ((cp == '-' || cp == 0xFF0D || cp == 0x2212) &&
            ar_digit_at(t, len, pos + n, &(size_t){0}) >= 0) {
            neg = 1;
            pos += n;
            cp = u8_at(t, len, pos, &n);
        }
        /* a bare unit means 1×unit after a leading qualifier or before 余/多 */
        int bare_ok = lead != KH_QUAL_EXACT;
        if (!bare_ok && cp >= 0 && is_unit(cp)) {
            size_t un;
            int32_t c2;
            big_unit_at(t, len, pos, &un);
            if (un == 0)
                un = n;
            c2 = u8_at(t, len, pos + un, &(size_t){0});
            bare_ok = c2 >= 0 && is_more(c2);
        }
        st = parse_body(t, len, pos, bare_ok, &br);
        if (st != ST_OK)
            return st;
    }
    pos = br.end;
    dec v = br.value;

    if (!pct) {
        int32_t cp = u8_at(t, len, pos, &n);
        if (cp == '%' || cp == 0xFF05) {
            pct = 1;
            pos += n;
        } else if (cp == CP_CHENG && !neg && !br.mid_qual &&
                   dec_int_part(v) <= 10 &&
                   (dec_int_part(v) < 10 || dec_is_int(v))) {
            /* 九成 = 90, 九成五 = 95 */
            int whole = dec_is_int(v) && dec_int_part(v) < 10;
            if (!dec_shift(&v, 1))
                return ST_RANGE;
            pos += n;
            pct = 3;
            size_t dn, an;
            int32_t c2 = u8_at(t, len, pos, &dn);
            int d = c2 < 0 ? -1 : cn_digit(c2);
            if (whole && d > 0 && c2 != CP_LIANG && c2 != CP_LIANG_T) {
                int32_t c3 = u8_at(t, len, pos + dn, &an);
                if (c3 < 0 || (!is_unit(c3) && !is_point(c3) &&
                               cn_digit(c3) < 0 && ar_digit(c3) < 0 &&
                               c3 != CP_CHENG)) {
                    if (!dec_add(&v, (dec){d, 0}))
                        return ST_RANGE;
                    pos += dn;
                }
            }
        }
    }

    int tq = 0;
    if (!br.mid_qual) {
        size_t qn = match_qual(t, len, pos, trail_quals, COUNT(trail_quals),
                               &trail);
        if (qn) {
            pos += qn;
            tq = 1;
        } else if (pct != 1 && !neg) {
            int32_t cp = u8_at(t, len, pos, &n);
            if (cp >= 0 && is_more(cp) && v.m > 0 && dec_is_int(v) &&
                (cp != CP_DUO || dec_int_part(v) % 10 == 0)) {
                trail = KH_QUAL_MORE_THAN;
                pos += n;
                tq = 1;
            }
        }
    } else {
        trail = KH_QUAL_MORE_THAN;
        tq = 1;
    }

    memset(out, 0, sizeof *out);
    out->mantissa = neg ? -v.m : v.m;
    out->scale = v.s;
    out->kind = pct ? KH_NUM_PERCENT : v.s > 0 ? KH_NUM_DECIMAL : KH_NUM_INTEGER;
    out->qualifier = lead != KH_QUAL_EXACT ? lead : trail;
    out->value = dec_to_double(out->mantissa, out->scale);
    out->start = 0;
    out->end = pos;
    if (info)
        info->trail_qual = tq;
    return ST_OK;
}

size_t kh_number_parse(const char *text, size_t len, kh_number *out)
{
    kh_number tmp;
    if (!text || parse_number((const unsigned char *)text, len, &tmp, NULL) !=
                     ST_OK) {
        if (out)
            memset(out, 0, sizeof *out);
        return 0;
    }
    if (out)
        *out = tmp;
    return tmp.end;
}

/* ---- whole strings ------------------------------------------------------- */

/* Measure words allowed after a number in kh_number_parse_all. */
static const char *const measure_words[] = {
    "件", "宗", "起", "人次", "人", "名", "次", "期", "学时", "學時", "课时",
    "課時", "小时", "小時", "个月", "個月", "个", "個", "项", "項", "份",
    "家次", "家", "户次", "户", "戶", "场次", "場次", "场", "場", "天", "日",
    "万元", "萬元", "亿元", "億元", "元", "条", "條", "篇", "所", "批次",
    "批", "处", "處", "位", "例", "类", "類", "部", "支", "座", "轮", "輪",
    "年", "月", "周", "岁", "歲", "分", "单", "单位", "個百分點", "个百分点",
};

static size_t skip_space(const unsigned char *t, size_t len, size_t pos)
{
    size_t n;
    int32_t cp;
    while ((cp = u8_at(t, len, pos, &n)) >= 0 && is_space(cp))
        pos += n;
    return pos;
}

int kh_number_parse_all(const char *text, size_t len, kh_number *out,
                        const char **reason)
{
    const unsigned char *t = (const unsigned char *)text;
    kh_number n = {0};
    parse_info info = {0};
    const char *why = NULL;
    int rc = KH_OK;

    if (!text)
        len = 0;
    size_t start = text ? skip_space(t, len, 0) : 0;
    int st = start < len ? parse_number(t + start, len - start, &n, &info)
                         : ST_NONE;
    if (st == ST_RANGE) {
        why = "out of range";
        rc = KH_ELIMIT;
        goto done;
    }
    if (st != ST_OK) {
        why = "no number";
        rc = KH_EINPUT;
        goto done;
    }
    size_t pos = skip_space(t, len, start + n.end), best = 0;
    for (size_t i = 0; i < COUNT(measure_words); i++) {
        size_t m = lit_at(t, len, pos, measure_words[i]);
        if (m > best)
            best = m;
    }
    if (best) {
        pos += best;
        kh_qualifier q = KH_QUAL_EXACT;
        size_t qn = info.trail_qual ? 0
                                    : match_qual(t, len, pos, trail_quals,
                                                 COUNT(trail_quals), &q);
        if (qn) { /* 100人以上, 30人左右 */
            pos += qn;
            if (n.qualifier == KH_QUAL_EXACT)
                n.qualifier = q;
        }
    }
    pos = skip_space(t, len, pos);
    if (pos != len) {
        why = "trailing text";
        rc = KH_EINPUT;
        goto done;
    }
    n.start += start;
    n.end += start;

done:
    if (out) {
        if (rc == KH_OK)
            *out = n;
        else
            memset(out, 0, sizeof *out);
    }
    if (reason)
        *reason = why;
    return rc;
}

/* ---- output -------------------------------------------------------------- */

char *kh_number_format(const kh_number *n, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (!n) {
        buf[0] = '\0';
        return buf;
    }
    int64_t m = n->mantissa;
    int s = n->scale < 0 || n->scale > MAX_SCALE ? 0 : n->scale;
    uint64_t mag = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    while (s > 0 && mag % 10 == 0) {
        mag /= 10;
        s--;
    }
    /* digits right to left: fraction (zero-padded to s), point, integer */
    char tmp[48];
    size_t i = sizeof tmp;
    tmp[--i] = '\0';
    for (int k = 0; k < s; k++) {
        tmp[--i] = (char)('0' + mag % 10);
        mag /= 10;
    }
    if (s > 0)
        tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    if (m < 0)
        tmp[--i] = '-';
    size_t out = sizeof tmp - 1 - i;
    if (out >= size)
        out = size - 1; /* truncate like snprintf */
    memcpy(buf, tmp + i, out);
    buf[out] = '\0';
    return buf;
}

const char *kh_qualifier_name(kh_qualifier q)
{
    switch (q) {
    case KH_QUAL_EXACT: return "exact";
    case KH_QUAL_MORE_THAN: return "more_than";
    case KH_QUAL_ABOUT: return "about";
    case KH_QUAL_LESS_THAN: return "less_than";
    default: return "unknown";
    }
}

const char *kh_number_kind_name(kh_number_kind k)
{
    switch (k) {
    case KH_NUM_INTEGER: return "integer";
    case KH_NUM_DECIMAL: return "decimal";
    case KH_NUM_PERCENT: return "percent";
    default: return "unknown";
    }
}
