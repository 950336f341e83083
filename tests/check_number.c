/*
 * check_number.c — tests for the number parser (core/src/number.c): a table
 * of inputs with the exact prefix each must consume and the exact decimal it
 * must yield, whole-string parsing, formatting, and property checks against
 * a small reference converter (integer → Chinese numerals) written here.
 */
#include "kaohe/error.h"
#include "kaohe/number.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- helpers ------------------------------------------------------------- */

/* Parse from an exact-size heap copy, so reading past len is a valgrind
 * error rather than a silent read of the literal's NUL. */
static size_t parse_exact(const char *s, size_t len, kh_number *out)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, s, len);
    size_t r = kh_number_parse(copy, len, out);
    free(copy);
    return r;
}

static int parse_all_exact(const char *s, size_t len, kh_number *out,
                           const char **reason)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, s, len);
    int rc = kh_number_parse_all(copy, len, out, reason);
    free(copy);
    return rc;
}

/* The nearest double to m / 10^s, by a route independent of number.c:
 * the plain decimal string through strtod (the tests run in the C locale). */
static double expected_value(int64_t m, int s)
{
    char digits[32], text[48];
    uint64_t mag = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    snprintf(digits, sizeof digits, "%020llu", (unsigned long long)mag);
    size_t n = strlen(digits);
    snprintf(text, sizeof text, "%s%.*s.%s", m < 0 ? "-" : "",
             (int)(n - (size_t)s), digits, digits + n - (size_t)s);
    return strtod(text, NULL);
}

/* Small deterministic generator for sampled properties (state is local). */
static uint64_t lcg_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 11;
}

/* ---- the parse table ------------------------------------------------------ */

typedef struct num_case {
    const char *in;   /* parsed with length strlen(in) */
    const char *eat;  /* the prefix that must be consumed; "" = no number */
    int64_t mantissa;
    int32_t scale;
    kh_number_kind kind;
    kh_qualifier qual;
} num_case;

#define N(in, eat, m, s, k, q) {in, eat, m, s, KH_NUM_##k, KH_QUAL_##q}
#define I(in, eat, m) N(in, eat, m, 0, INTEGER, EXACT)
#define NONE(in) {in, "", 0, 0, KH_NUM_INTEGER, KH_QUAL_EXACT}

static const num_case cases[] = {
    /* plain Arabic */
    I("0", "0", 0),
    I("7", "7", 7),
    I("10", "10", 10),
    I("24", "24", 24),
    I("1882", "1882", 1882),
    I("001", "001", 1),
    I("0000000000000000000000000042", "0000000000000000000000000042", 42),
    I("123456789012345678", "123456789012345678", 123456789012345678LL),
    I("9223372036854775807", "9223372036854775807", INT64_MAX),
    NONE("9223372036854775808"),
    NONE("99999999999999999999"),
    NONE("12345678901234567890123"),
    /* full width (U+FF10–FF19, ．，％) */
    I("１２", "１２", 12),
    I("１2３", "１2３", 123),
    I("１，２３４", "１，２３４", 1234),
    N("４．５", "４．５", 45, 1, DECIMAL, EXACT),
    N("９８．５％", "９８．５％", 985, 1, PERCENT, EXACT),
    N("１００％", "１００％", 100, 0, PERCENT, EXACT),
    /* thousands separators */
    I("1,000", "1,000", 1000),
    I("1，000", "1，000", 1000),
    I("10,000,000", "10,000,000", 10000000),
    I("100,000件", "100,000", 100000),
    I("1,234,567", "1,234,567", 1234567),
    N("1,000.5", "1,000.5", 10005, 1, DECIMAL, EXACT),
    N("1,234,567.89", "1,234,567.89", 123456789, 2, DECIMAL, EXACT),
    I("1,2", "1", 1),
    I("1,00", "1", 1),
    I("1,0000", "1", 1),
    I("12,34", "12", 12),
    I("1234,567", "1234", 1234),
    I("1,234,56", "1,234", 1234),
    I("1,000,", "1,000", 1000),
    I("1,00a", "1", 1),
    I("1, 000", "1", 1),
    NONE(",100"),
    /* decimals */
    N("3.14", "3.14", 314, 2, DECIMAL, EXACT),
    N("0.5", "0.5", 5, 1, DECIMAL, EXACT),
    N("0.05", "0.05", 5, 2, DECIMAL, EXACT),
    N("00.5", "00.5", 5, 1, DECIMAL, EXACT),
    N("12.60", "12.60", 1260, 2, DECIMAL, EXACT),
    N("5.0", "5.0", 50, 1, DECIMAL, EXACT),
    I("5.", "5", 5),
    I("5.a", "5", 5),
    I("5..5", "5", 5),
    N("1.2.3", "1.2", 12, 1, DECIMAL, EXACT),
    NONE(".5"),
    NONE("．5"),
    I("5。", "5", 5),
    N("0.000000000000000001", "0.000000000000000001", 1, 18, DECIMAL, EXACT),
    N("1.000000000000000000", "1.000000000000000000", 1000000000000000000LL,
      18, DECIMAL, EXACT),
    N("922337203685477580.7", "922337203685477580.7", INT64_MAX, 1, DECIMAL,
      EXACT),
    NONE("1.0000000000000000000"),
    NONE("0.0000000000000000001"),
    NONE("零点零零零零零零零零零零零零零零零零零零一"),
    N("零点零零零零零零零零零零零零零零零零零一", "零点零零零零零零零零零零零零零零零零零一",
      1, 18, DECIMAL, EXACT),
    NONE("9.999999999999999999"),
    /* Chinese numerals */
    I("零", "零", 0),
    I("〇", "〇", 0),
    I("一", "一", 1),
    I("两", "两", 2),
    I("十", "十", 10),
    I("一十", "一十", 10),
    I("十二", "十二", 12),
    I("二十", "二十", 20),
    I("九十九", "九十九", 99),
    I("一百", "一百", 100),
    I("一百零五", "一百零五", 105),
    I("一百一十", "一百一十", 110),
    I("一百二十三", "一百二十三", 123),
    I("两百", "两百", 200),
    I("一千零十", "一千零十", 1010),
    I("一千零五十", "一千零五十", 1050),
    I("两千零五", "两千零五", 2005),
    I("两千零二十四", "两千零二十四", 2024),
    I("九千九百九十九", "九千九百九十九", 9999),
    I("一万", "一万", 10000),
    I("两万", "两万", 20000),
    I("一万零一", "一万零一", 10001),
    I("一万零五百", "一万零五百", 10500),
    I("十万", "十万", 100000),
    I("一十万", "一十万", 100000),
    I("十五万", "十五万", 150000),
    I("二十万零五", "二十万零五", 200005),
    I("一百二十万三千", "一百二十万三千", 1203000),
    I("一千零五十万", "一千零五十万", 10500000),
    I("三千万", "三千万", 30000000),
    I("一亿", "一亿", 100000000),
    I("一亿零三万", "一亿零三万", 100030000),
    I("一亿三万", "一亿三万", 100030000),
    I("三亿五千万", "三亿五千万", 350000000),
    I("一亿二千万三千", "一亿二千万三千", 120003000),
    I("五万亿", "五万亿", 5000000000000LL),
    I("一万五千亿", "一万五千亿", 1500000000000LL),
    I("一万五千亿三千万", "一万五千亿三千万", 1500030000000LL),
    I("九千九百九十九万亿", "九千九百九十九万亿", 9999000000000000LL),
    I("一亿五千万亿", "一亿五千万", 150000000),
    /* colloquial abbreviation after a unit */
    I("一百二", "一百二", 120),
    I("三百五", "三百五", 350),
    I("一千五", "一千五", 1500),
    I("一千二百五", "一千二百五", 1250),
    I("一万五", "一万五", 15000),
    I("两万五", "两万五", 25000),
    I("一亿五", "一亿五", 150000000),
    I("一千五万", "一千五万", 15000000),
    /* formal and traditional */
    I("壹", "壹", 1),
    I("拾", "拾", 10),
    I("壹拾", "壹拾", 10),
    I("壹佰贰拾叁", "壹佰贰拾叁", 123),
    I("伍佰", "伍佰", 500),
    I("贰仟零贰拾肆", "贰仟零贰拾肆", 2024),
    I("肆萬", "肆萬", 40000),
    I("壹億", "壹億", 100000000),
    I("玖仟玖佰玖拾玖", "玖仟玖佰玖拾玖", 9999),
    I("柒拾捌", "柒拾捌", 78),
    I("陆拾", "陆拾", 60),
    I("貳拾", "貳拾", 20),
    I("參拾", "參拾", 30),
    I("陸拾", "陸拾", 60),
    I("兩萬", "兩萬", 20000),
    I("一百〇五", "一百〇五", 105),
    /* positional digit strings */
    I("二〇二四年", "二〇二四", 2024),
    I("二零二四", "二零二四", 2024),
    I("一九九八年", "一九九八", 1998),
    I("二〇〇五", "二〇〇五", 2005),
    I("一〇〇", "一〇〇", 100),
    I("二〇二四十", "二", 2),
    I("一二三", "一", 1),
    I("三四百", "三", 3),
    I("十一五", "十一", 11),
    /* where a Chinese number stops */
    I("一是", "一", 1),
    I("一流", "一", 1),
    I("一件", "一", 1),
    I("十分", "十", 10),
    I("两年", "两", 2),
    I("十两", "十", 10),
    I("两点", "两", 2),
    I("三点", "三", 3),
    I("一百零", "一百", 100),
    I("一百零零五", "一百", 100),
    I("零五", "零", 0),
    I("一万万", "一万", 10000),
    I("十十", "十", 10),
    I("二三", "二", 2),
    I("二亿三万亿", "二亿三万", 200030000),
    NONE("百"),
    NONE("千"),
    NONE("万"),
    NONE("百姓"),
    NONE("千方百计"),
    NONE("万人"),
    NONE("亿万"),
    NONE("统一"),
    /* Chinese decimals */
    N("三点五", "三点五", 35, 1, DECIMAL, EXACT),
    N("零点五", "零点五", 5, 1, DECIMAL, EXACT),
    N("十点五", "十点五", 105, 1, DECIMAL, EXACT),
    N("一百点二五", "一百点二五", 10025, 2, DECIMAL, EXACT),
    N("九十八点五", "九十八点五", 985, 1, DECIMAL, EXACT),
    N("三点一四一五", "三点一四一五", 31415, 4, DECIMAL, EXACT),
    N("一万点五", "一万点五", 100005, 1, DECIMAL, EXACT),
    I("三点五万", "三点五万", 35000),
    I("十二点五万", "十二点五万", 125000),
    I("零点五万", "零点五万", 5000),
    N("一万点五万", "一万点五", 100005, 1, DECIMAL, EXACT),
    I("一千五点五", "一千五", 1500),
    I("3点5", "3", 3),
    /* mixed Arabic + units */
    I("1.2万", "1.2万", 12000),
    I("3千", "3千", 3000),
    I("3百", "3百", 300),
    I("12.6万", "12.6万", 126000),
    I("12.6万件", "12.6万", 126000),
    I("4.52万", "4.52万", 45200),
    I("4.5200万", "4.5200万", 45200),
    N("1.23456万", "1.23456万", 123456, 1, DECIMAL, EXACT),
    I("0.5万", "0.5万", 5000),
    I("1.5亿", "1.5亿", 150000000),
    I("3千万", "3千万", 30000000),
    I("1.2万亿", "1.2万亿", 1200000000000LL),
    I("3千亿", "3千亿", 300000000000LL),
    I("1.5千", "1.5千", 1500),
    I("1.55百", "1.55百", 155),
    I("2.5千万", "2.5千万", 25000000),
    I("12000万", "12000万", 120000000),
    I("1,000万", "1,000万", 10000000),
    I("1,234.5万", "1,234.5万", 12345000),
    I("2万3千", "2万3千", 23000),
    I("1亿2000万", "1亿2000万", 120000000),
    I("2万三千", "2万三千", 23000),
    I("2万3", "2万", 20000),
    I("12千", "12", 12),
    I("1.5千百", "1.5千", 1500),
    I("1.5千五", "1.5千", 1500),
    I("1.2万3千", "1.2万", 12000),
    I("三点五万五千", "三点五万", 35000),
    I("１．２万", "１．２万", 12000),
    I("5万", "5万", 50000),
    NONE("9223372036854775807万"),
    NONE("99999999999亿"),
    NONE("1000000000000万亿"),
    /* negatives */
    I("-5", "-5", -5),
    I("－5", "－5", -5),
    I("−5", "−5", -5),
    N("-1.5", "-1.5", -15, 1, DECIMAL, EXACT),
    I("-5万", "-5万", -50000),
    N("-3%", "-3%", -3, 0, PERCENT, EXACT),
    I("-5多", "-5", -5),
    I("-9223372036854775807", "-9223372036854775807", -INT64_MAX),
    NONE("-9223372036854775808"),
    NONE("-"),
    NONE("-五"),
    NONE("--5"),
    /* percent */
    N("100%", "100%", 100, 0, PERCENT, EXACT),
    N("98.5%", "98.5%", 985, 1, PERCENT, EXACT),
    N("98.5％", "98.5％", 985, 1, PERCENT, EXACT),
    N("0%", "0%", 0, 0, PERCENT, EXACT),
    N("120%", "120%", 120, 0, PERCENT, EXACT),
    N("100.0%", "100.0%", 1000, 1, PERCENT, EXACT),
    N("50%%", "50%", 50, 0, PERCENT, EXACT),
    N("98.5 %", "98.5", 985, 1, DECIMAL, EXACT),
    N("98.5　％", "98.5", 985, 1, DECIMAL, EXACT),
    N("百分之九十八点五", "百分之九十八点五", 985, 1, PERCENT, EXACT),
    N("百分之百", "百分之百", 100, 0, PERCENT, EXACT),
    N("百分之一百", "百分之一百", 100, 0, PERCENT, EXACT),
    N("百分之零点五", "百分之零点五", 5, 1, PERCENT, EXACT),
    N("百分之十", "百分之十", 10, 0, PERCENT, EXACT),
    N("百分之九十", "百分之九十", 90, 0, PERCENT, EXACT),
    N("百分之98", "百分之98", 98, 0, PERCENT, EXACT),
    N("百分之百的", "百分之百", 100, 0, PERCENT, EXACT),
    NONE("百分之 九十"),
    NONE("百分之"),
    NONE("百分"),
    N("九成", "九成", 90, 0, PERCENT, EXACT),
    N("九成五", "九成五", 95, 0, PERCENT, EXACT),
    N("九成九", "九成九", 99, 0, PERCENT, EXACT),
    N("两成", "两成", 20, 0, PERCENT, EXACT),
    N("一成", "一成", 10, 0, PERCENT, EXACT),
    N("十成", "十成", 100, 0, PERCENT, EXACT),
    N("9成", "9成", 90, 0, PERCENT, EXACT),
    N("9.5成", "9.5成", 95, 0, PERCENT, EXACT),
    N("9成5", "9成", 90, 0, PERCENT, EXACT),
    N("九成五十", "九成", 90, 0, PERCENT, EXACT),
    I("十一成", "十一", 11),
    /* leading qualifiers */
    N("约100", "约100", 100, 0, INTEGER, ABOUT),
    N("約100", "約100", 100, 0, INTEGER, ABOUT),
    N("大约30", "大约30", 30, 0, INTEGER, ABOUT),
    N("大約30", "大約30", 30, 0, INTEGER, ABOUT),
    N("近100", "近100", 100, 0, INTEGER, ABOUT),
    N("将近40", "将近40", 40, 0, INTEGER, ABOUT),
    N("將近40", "將近40", 40, 0, INTEGER, ABOUT),
    N("接近50", "接近50", 50, 0, INTEGER, ABOUT),
    N("超过200", "超过200", 200, 0, INTEGER, MORE_THAN),
    N("超過200", "超過200", 200, 0, INTEGER, MORE_THAN),
    N("逾100", "逾100", 100, 0, INTEGER, MORE_THAN),
    N("不足10", "不足10", 10, 0, INTEGER, LESS_THAN),
    N("不到5%", "不到5%", 5, 0, PERCENT, LESS_THAN),
    N("约百分之九十", "约百分之九十", 90, 0, PERCENT, ABOUT),
    N("近三成", "近三成", 30, 0, PERCENT, ABOUT),
    N("超过1.2万", "超过1.2万", 12000, 0, INTEGER, MORE_THAN),
    N("约两千", "约两千", 2000, 0, INTEGER, ABOUT),
    N("近千", "近千", 1000, 0, INTEGER, ABOUT),
    N("近万", "近万", 10000, 0, INTEGER, ABOUT),
    N("近千万", "近千万", 10000000, 0, INTEGER, ABOUT),
    N("逾百", "逾百", 100, 0, INTEGER, MORE_THAN),
    N("近十", "近十", 10, 0, INTEGER, ABOUT),
    NONE("约"),
    NONE("近期"),
    NONE("超过"),
    NONE("约 100"),
    NONE("不足以"),
    /* trailing qualifiers */
    N("100余", "100余", 100, 0, INTEGER, MORE_THAN),
    N("100餘", "100餘", 100, 0, INTEGER, MORE_THAN),
    N("100多", "100多", 100, 0, INTEGER, MORE_THAN),
    N("100以上", "100以上", 100, 0, INTEGER, MORE_THAN),
    N("100以下", "100以下", 100, 0, INTEGER, LESS_THAN),
    N("100左右", "100左右", 100, 0, INTEGER, ABOUT),
    N("1000余", "1000余", 1000, 0, INTEGER, MORE_THAN),
    N("1110余人次", "1110余", 1110, 0, INTEGER, MORE_THAN),
    N("6700余起", "6700余", 6700, 0, INTEGER, MORE_THAN),
    N("563余", "563余", 563, 0, INTEGER, MORE_THAN),
    N("十多", "十多", 10, 0, INTEGER, MORE_THAN),
    N("十余", "十余", 10, 0, INTEGER, MORE_THAN),
    N("二十余", "二十余", 20, 0, INTEGER, MORE_THAN),
    N("二十多", "二十多", 20, 0, INTEGER, MORE_THAN),
    N("一百多", "一百多", 100, 0, INTEGER, MORE_THAN),
    N("一万多", "一万多", 10000, 0, INTEGER, MORE_THAN),
    N("1万多", "1万多", 10000, 0, INTEGER, MORE_THAN),
    N("1.5万余", "1.5万余", 15000, 0, INTEGER, MORE_THAN),
    N("3.5以上", "3.5以上", 35, 1, DECIMAL, MORE_THAN),
    N("90%以上", "90%以上", 90, 0, PERCENT, MORE_THAN),
    N("98.5%左右", "98.5%左右", 985, 1, PERCENT, ABOUT),
    N("5%以下", "5%以下", 5, 0, PERCENT, LESS_THAN),
    N("八成以上", "八成以上", 80, 0, PERCENT, MORE_THAN),
    N("九成多", "九成多", 90, 0, PERCENT, MORE_THAN),
    N("九成五以上", "九成五以上", 95, 0, PERCENT, MORE_THAN),
    N("百分之九十八点五以上", "百分之九十八点五以上", 985, 1, PERCENT,
      MORE_THAN),
    I("23多", "23", 23),
    I("二十三多", "二十三", 23),
    I("一多", "一", 1),
    N("1.5余", "1.5", 15, 1, DECIMAL, EXACT),
    I("0余", "0", 0),
    N("90%多", "90%", 90, 0, PERCENT, EXACT),
    N("九成五多", "九成五", 95, 0, PERCENT, EXACT),
    I("100 多", "100", 100),
    NONE("以上"),
    NONE("余"),
    NONE("多"),
    /* 多/余 before 万/亿, and bare units */
    N("十多万", "十多万", 100000, 0, INTEGER, MORE_THAN),
    N("二十余万", "二十余万", 200000, 0, INTEGER, MORE_THAN),
    N("一千多万", "一千多万", 10000000, 0, INTEGER, MORE_THAN),
    N("3000多万", "3000多万", 30000000, 0, INTEGER, MORE_THAN),
    N("1000余万", "1000余万", 10000000, 0, INTEGER, MORE_THAN),
    N("十多亿", "十多亿", 1000000000, 0, INTEGER, MORE_THAN),
    N("23余万", "23余万", 230000, 0, INTEGER, MORE_THAN),
    I("23多万", "23", 23),
    N("十多万以上", "十多万", 100000, 0, INTEGER, MORE_THAN),
    N("十多万五千", "十多万", 100000, 0, INTEGER, MORE_THAN),
    N("百余", "百余", 100, 0, INTEGER, MORE_THAN),
    N("百多", "百多", 100, 0, INTEGER, MORE_THAN),
    N("千余", "千余", 1000, 0, INTEGER, MORE_THAN),
    N("千多", "千多", 1000, 0, INTEGER, MORE_THAN),
    N("万余", "万余", 10000, 0, INTEGER, MORE_THAN),
    N("亿余", "亿余", 100000000, 0, INTEGER, MORE_THAN),
    N("百余万", "百余万", 1000000, 0, INTEGER, MORE_THAN),
    N("百余人", "百余", 100, 0, INTEGER, MORE_THAN),
    /* both ends: the leading qualifier wins */
    N("约100左右", "约100左右", 100, 0, INTEGER, ABOUT),
    N("近100余", "近100余", 100, 0, INTEGER, ABOUT),
    N("超过100以上", "超过100以上", 100, 0, INTEGER, MORE_THAN),
    N("不到100余", "不到100余", 100, 0, INTEGER, LESS_THAN),
    /* numbers followed by text */
    I("24件", "24", 24),
    I("2024年", "2024", 2024),
    I("2025年1月8日", "2025", 2025),
    I("2017-12-20", "2017", 2017),
    I("1—7月", "1", 1),
    I("1-7月", "1", 1),
    N("2024.1.8", "2024.1", 20241, 1, DECIMAL, EXACT),
    I("一百二十三名", "一百二十三", 123),
    I("三十人次", "三十", 30),
    I("5个", "5", 5),
    I("12 件", "12", 12),
    NONE("第3"),
    NONE(""),
    NONE(" 12"),
    NONE("abc"),
    /* invalid UTF-8 */
    NONE("\xff"),
    NONE("\xe4\xb8"),
    NONE("\xc0\xb1"),
    NONE("\xed\xa0\x80"),
    NONE("\xf4\x90\x80\x80"),
    NONE("\x80"),
    I("12\xff", "12", 12),
    I("1\x80", "1", 1),
    I("一\xe4\xb8", "一", 1),
    I("十\xe4\xb8" "A", "十", 10),
};

START_TEST(test_number__table)
{
    const num_case *c = &cases[_i];
    size_t len = strlen(c->in), want = strlen(c->eat);
    ck_assert_msg(strncmp(c->in, c->eat, want) == 0,
                  "table error: \"%s\" is not a prefix of \"%s\"", c->eat, c->in);
    kh_number n;
    memset(&n, 0x5A, sizeof n);
    size_t got = parse_exact(c->in, len, &n);
    ck_assert_msg(got == want, "\"%s\": consumed %zu bytes, want %zu (\"%s\")",
                  c->in, got, want, c->eat);
    if (want == 0) {
        ck_assert_int_eq(n.mantissa, 0);
        ck_assert_int_eq(n.end, 0);
        return;
    }
    ck_assert_msg(n.mantissa == c->mantissa && n.scale == c->scale,
                  "\"%s\": got %lld/10^%d, want %lld/10^%d", c->in,
                  (long long)n.mantissa, n.scale, (long long)c->mantissa,
                  c->scale);
    ck_assert_msg(n.kind == c->kind, "\"%s\": kind %s, want %s", c->in,
                  kh_number_kind_name(n.kind), kh_number_kind_name(c->kind));
    ck_assert_msg(n.qualifier == c->qual, "\"%s\": qualifier %s, want %s",
                  c->in, kh_qualifier_name(n.qualifier),
                  kh_qualifier_name(c->qual));
    ck_assert_uint_eq(n.start, 0);
    ck_assert_uint_eq(n.end, got);
    ck_assert_msg(n.value == expected_value(c->mantissa, c->scale),
                  "\"%s\": value %.17g", c->in, n.value);
    /* the same text without the out-parameter gives the same length */
    ck_assert_uint_eq(kh_number_parse(c->in, len, NULL), got);
}
END_TEST

/* Every prefix of every table input: never more than the prefix, and the
 * consumed part parses to itself (the parser never needs bytes it did not
 * take, except to decide to stop). */
START_TEST(test_number__prefixes_stay_inside_len)
{
    const num_case *c = &cases[_i];
    size_t len = strlen(c->in);
    for (size_t k = 0; k <= len; k++) {
        kh_number a, b;
        size_t got = parse_exact(c->in, k, &a);
        ck_assert_msg(got <= k, "\"%s\"[0..%zu): consumed %zu", c->in, k, got);
        if (got == 0)
            continue;
        size_t again = parse_exact(c->in, got, &b);
        ck_assert_msg(again == got && a.mantissa == b.mantissa &&
                          a.scale == b.scale && a.kind == b.kind &&
                          a.qualifier == b.qualifier,
                      "\"%s\"[0..%zu): not stable on its own %zu bytes", c->in,
                      k, got);
    }
}
END_TEST

/* ---- whole strings --------------------------------------------------------- */

typedef struct all_case {
    const char *in;
    int rc;
    const char *reason; /* NULL on success */
    int64_t mantissa;
    int32_t scale;
    kh_qualifier qual;
    size_t start, end; /* byte span of the number on success */
} all_case;

#define ALL_OK(in, m, s, q, st, en) {in, KH_OK, NULL, m, s, KH_QUAL_##q, st, en}
#define ALL_BAD(in, rc, why) {in, rc, why, 0, 0, KH_QUAL_EXACT, 0, 0}

static const all_case all_cases[] = {
    ALL_OK("12.6万件", 126000, 0, EXACT, 0, 7),
    ALL_OK("1110余人次", 1110, 0, MORE_THAN, 0, 7),
    ALL_OK("24", 24, 0, EXACT, 0, 2),
    ALL_OK(" 24件 ", 24, 0, EXACT, 1, 3),
    ALL_OK("\t98.5%\n", 985, 1, EXACT, 1, 6),
    ALL_OK("\xe3\x80\x80" "24" "\xe3\x80\x80", 24, 0, EXACT, 3, 5),
    ALL_OK("12 件", 12, 0, EXACT, 0, 2),
    ALL_OK("563名", 563, 0, EXACT, 0, 3),
    ALL_OK("201名", 201, 0, EXACT, 0, 3),
    ALL_OK("30学时", 30, 0, EXACT, 0, 2),
    ALL_OK("12774学时", 12774, 0, EXACT, 0, 5),
    ALL_OK("12小时", 12, 0, EXACT, 0, 2),
    ALL_OK("6期", 6, 0, EXACT, 0, 1),
    ALL_OK("39件", 39, 0, EXACT, 0, 2),
    ALL_OK("24宗", 24, 0, EXACT, 0, 2),
    ALL_OK("6700余起", 6700, 0, MORE_THAN, 0, 7),
    ALL_OK("600余件", 600, 0, MORE_THAN, 0, 6),
    ALL_OK("3万元", 30000, 0, EXACT, 0, 4),
    ALL_OK("5亿元", 500000000, 0, EXACT, 0, 4),
    ALL_OK("2024年", 2024, 0, EXACT, 0, 4),
    ALL_OK("24个百分点", 24, 0, EXACT, 0, 2),
    ALL_OK("100人以上", 100, 0, MORE_THAN, 0, 3),
    ALL_OK("30人左右", 30, 0, ABOUT, 0, 2),
    ALL_OK("约100人左右", 100, 0, ABOUT, 0, 6),
    ALL_OK("百分之百", 100, 0, EXACT, 0, 12),
    ALL_OK("九成", 90, 0, EXACT, 0, 6),
    ALL_OK("一百二十三名", 123, 0, EXACT, 0, 15),
    ALL_OK("1,882件", 1882, 0, EXACT, 0, 5),
    ALL_OK("4.2%", 42, 1, EXACT, 0, 4),
    ALL_BAD("", KH_EINPUT, "no number"),
    ALL_BAD("   ", KH_EINPUT, "no number"),
    ALL_BAD("件", KH_EINPUT, "no number"),
    ALL_BAD("约", KH_EINPUT, "no number"),
    ALL_BAD("abc", KH_EINPUT, "no number"),
    ALL_BAD("\xff", KH_EINPUT, "no number"),
    ALL_BAD("24件件", KH_EINPUT, "trailing text"),
    ALL_BAD("1,2", KH_EINPUT, "trailing text"),
    ALL_BAD("5.", KH_EINPUT, "trailing text"),
    ALL_BAD("一是", KH_EINPUT, "trailing text"),
    ALL_BAD("98.5 %", KH_EINPUT, "trailing text"),
    ALL_BAD("12\xff", KH_EINPUT, "trailing text"),
    ALL_BAD("1—7月", KH_EINPUT, "trailing text"),
    ALL_BAD("99999999999999999999", KH_ELIMIT, "out of range"),
    ALL_BAD("  99999999999999999999件", KH_ELIMIT, "out of range"),
    ALL_BAD("1.0000000000000000000", KH_ELIMIT, "out of range"),
};

START_TEST(test_number__parse_all)
{
    const all_case *c = &all_cases[_i];
    kh_number n;
    const char *reason = "unset";
    int rc = parse_all_exact(c->in, strlen(c->in), &n, &reason);
    ck_assert_msg(rc == c->rc, "\"%s\": rc %d, want %d", c->in, rc, c->rc);
    if (c->reason) {
        ck_assert_ptr_nonnull(reason);
        ck_assert_str_eq(reason, c->reason);
        ck_assert_int_eq(n.mantissa, 0);
        return;
    }
    ck_assert_ptr_null(reason);
    ck_assert_msg(n.mantissa == c->mantissa && n.scale == c->scale,
                  "\"%s\": got %lld/10^%d", c->in, (long long)n.mantissa,
                  n.scale);
    ck_assert_msg(n.qualifier == c->qual, "\"%s\": qualifier %s", c->in,
                  kh_qualifier_name(n.qualifier));
    ck_assert_uint_eq(n.start, c->start);
    ck_assert_uint_eq(n.end, c->end);
}
END_TEST

START_TEST(test_number__parse_all_null_arguments)
{
    const char *reason = NULL;
    ck_assert_int_eq(kh_number_parse_all(NULL, 3, NULL, &reason), KH_EINPUT);
    ck_assert_str_eq(reason, "no number");
    ck_assert_int_eq(kh_number_parse_all("12", 2, NULL, NULL), KH_OK);
    kh_number n;
    ck_assert_int_eq(kh_number_parse_all("12件", 5, &n, NULL), KH_OK);
    ck_assert_int_eq(n.mantissa, 12);
}
END_TEST

/* ---- small API edges ------------------------------------------------------- */

START_TEST(test_number__respects_len)
{
    kh_number n;
    ck_assert_uint_eq(kh_number_parse("12345", 3, &n), 3);
    ck_assert_int_eq(n.mantissa, 123);
    ck_assert_uint_eq(kh_number_parse("一百二十", 6, &n), 6);
    ck_assert_int_eq(n.mantissa, 100);
    ck_assert_uint_eq(kh_number_parse("1,234", 4, &n), 1);
    ck_assert_uint_eq(kh_number_parse("98.5%", 4, &n), 4);
    ck_assert_int_eq(n.kind, KH_NUM_DECIMAL);
    ck_assert_uint_eq(kh_number_parse("百分之九十", 8, &n), 0);
    ck_assert_uint_eq(kh_number_parse("十二", 4, &n), 3); /* 二 cut mid-char */
    ck_assert_int_eq(n.mantissa, 10);
    ck_assert_uint_eq(kh_number_parse("12\0" "34", 5, &n), 2); /* NUL stops */
    ck_assert_uint_eq(kh_number_parse("12", 0, &n), 0);
    ck_assert_uint_eq(kh_number_parse(NULL, 5, &n), 0);
    ck_assert_int_eq(n.mantissa, 0);
}
END_TEST

START_TEST(test_number__names)
{
    ck_assert_str_eq(kh_qualifier_name(KH_QUAL_EXACT), "exact");
    ck_assert_str_eq(kh_qualifier_name(KH_QUAL_MORE_THAN), "more_than");
    ck_assert_str_eq(kh_qualifier_name(KH_QUAL_ABOUT), "about");
    ck_assert_str_eq(kh_qualifier_name(KH_QUAL_LESS_THAN), "less_than");
    ck_assert_str_eq(kh_qualifier_name((kh_qualifier)42), "unknown");
    ck_assert_str_eq(kh_number_kind_name(KH_NUM_INTEGER), "integer");
    ck_assert_str_eq(kh_number_kind_name(KH_NUM_DECIMAL), "decimal");
    ck_assert_str_eq(kh_number_kind_name(KH_NUM_PERCENT), "percent");
    ck_assert_str_eq(kh_number_kind_name((kh_number_kind)-1), "unknown");
}
END_TEST

/* ---- formatting ------------------------------------------------------------ */

typedef struct fmt_case {
    int64_t mantissa;
    int32_t scale;
    const char *text;
} fmt_case;

static const fmt_case fmt_cases[] = {
    {45200, 0, "45200"},
    {985, 1, "98.5"},
    {5, 2, "0.05"},
    {1260, 2, "12.6"},
    {0, 0, "0"},
    {0, 5, "0"},
    {100, 2, "1"},
    {10, 1, "1"},
    {-5, 2, "-0.05"},
    {-45200, 0, "-45200"},
    {123456789, 4, "12345.6789"},
    {INT64_MAX, 0, "9223372036854775807"},
    {INT64_MAX, 18, "9.223372036854775807"},
    {INT64_MIN, 0, "-9223372036854775808"},
    {INT64_MIN, 18, "-9.223372036854775808"},
    {1, 18, "0.000000000000000001"},
    {-1, 18, "-0.000000000000000001"},
    {1000000000000000000LL, 18, "1"},
    {1203000, 0, "1203000"},
    {100005, 1, "10000.5"},
};

START_TEST(test_number__format)
{
    const fmt_case *c = &fmt_cases[_i];
    kh_number n = {0};
    char buf[64];
    n.mantissa = c->mantissa;
    n.scale = c->scale;
    ck_assert_ptr_eq(kh_number_format(&n, buf, sizeof buf), buf);
    ck_assert_str_eq(buf, c->text);
    /* what the formatter prints parses back to the same value */
    kh_number back;
    size_t len = strlen(buf);
    if (c->mantissa >= 0) {
        ck_assert_uint_eq(parse_exact(buf, len, &back), len);
        ck_assert(expected_value(back.mantissa, back.scale) ==
                  expected_value(c->mantissa, c->scale));
    }
}
END_TEST

START_TEST(test_number__format_small_buffers)
{
    kh_number n = {0};
    char buf[8];
    n.mantissa = 45200;
    memset(buf, 'x', sizeof buf);
    kh_number_format(&n, buf, 4);
    ck_assert_str_eq(buf, "452");
    memset(buf, 'x', sizeof buf);
    ck_assert_ptr_eq(kh_number_format(&n, buf, 0), buf);
    ck_assert_int_eq(buf[0], 'x');
    ck_assert_ptr_null(kh_number_format(&n, NULL, 8));
    kh_number_format(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- reference converter: integer → Chinese numerals ----------------------- */

enum cn_style { CN_PLAIN, CN_LIANG, CN_FORMAL, CN_CIRCLE };

static const char *const cn_plain_digits[10] = {"零", "一", "二", "三", "四",
                                                "五", "六", "七", "八", "九"};
static const char *const cn_formal_digits[10] = {
    "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};
static const char *const cn_plain_units[4] = {"", "十", "百", "千"};
static const char *const cn_formal_units[4] = {"", "拾", "佰", "仟"};

static void cat(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    ck_assert_msg(n + strlen(s) < size, "reference buffer too small");
    memcpy(buf + n, s, strlen(s) + 1);
}

static void ref_zero(char *buf, size_t size, int style)
{
    cat(buf, size, style == CN_CIRCLE ? "〇" : "零");
}

/* One group 1..9999. lead_ten: 10..19 at the very start is 十…, not 一十…;
 * alone_before_big: the group is followed by 万/亿 (两万 in the 两 style). */
static void ref_group(char *buf, size_t size, unsigned x, int style,
                      int lead_ten, int alone_before_big)
{
    const char *const *digits =
        style == CN_FORMAL ? cn_formal_digits : cn_plain_digits;
    const char *const *units = style == CN_FORMAL ? cn_formal_units
                                                  : cn_plain_units;
    unsigned d[4] = {x / 1000, x / 100 % 10, x / 10 % 10, x % 10};
    int emitted = 0, gap = 0;
    for (int i = 0; i < 4; i++) {
        int place = 3 - i;
        if (d[i] == 0) {
            gap = emitted;
            continue;
        }
        if (gap)
            ref_zero(buf, size, style);
        gap = 0;
        if (place == 1 && d[i] == 1 && !emitted && lead_ten && style != CN_FORMAL) {
            cat(buf, size, units[1]);
        } else {
            if (style == CN_LIANG && d[i] == 2 &&
                (place >= 2 || (place == 0 && x == 2 && alone_before_big)))
                cat(buf, size, "两");
            else
                cat(buf, size, digits[d[i]]);
            cat(buf, size, units[place]);
        }
        emitted = 1;
    }
}

/* n < 10^16: [X亿][零][Y万][零][Z], X itself possibly with 万. */
static void ref_cn_inner(char *buf, size_t size, uint64_t n, int style,
                         int first)
{
    uint64_t yi = n / 100000000u;
    unsigned wan = (unsigned)(n / 10000u % 10000u), ge = (unsigned)(n % 10000u);
    int started = 0, skipped = 0;
    const char *wan_s = style == CN_FORMAL ? "萬" : "万";
    const char *yi_s = style == CN_FORMAL ? "億" : "亿";
    if (yi) {
        ref_cn_inner(buf, size, yi, style, first);
        cat(buf, size, yi_s);
        started = 1;
    }
    if (wan) {
        if (started && wan < 1000)
            ref_zero(buf, size, style);
        ref_group(buf, size, wan, style, first && !started, 1);
        cat(buf, size, wan_s);
        started = 1;
    } else if (started) {
        skipped = 1;
    }
    if (ge) {
        if (started && (ge < 1000 || skipped))
            ref_zero(buf, size, style);
        ref_group(buf, size, ge, style, first && !started, 0);
    }
}

static void ref_cn(char *buf, size_t size, uint64_t n, int style)
{
    buf[0] = '\0';
    if (n == 0)
        ref_zero(buf, size, style);
    else
        ref_cn_inner(buf, size, n, style, 1);
}

START_TEST(test_number__reference_converter_sanity)
{
    char buf[256];
    static const struct {
        uint64_t n;
        int style;
        const char *text;
    } known[] = {
        {0, CN_PLAIN, "零"},
        {10, CN_PLAIN, "十"},
        {12, CN_PLAIN, "十二"},
        {105, CN_PLAIN, "一百零五"},
        {110, CN_PLAIN, "一百一十"},
        {1010, CN_PLAIN, "一千零一十"},
        {2005, CN_LIANG, "两千零五"},
        {10001, CN_PLAIN, "一万零一"},
        {20000, CN_LIANG, "两万"},
        {100010, CN_PLAIN, "十万零一十"},
        {1203000, CN_PLAIN, "一百二十万三千"},
        {100001000, CN_PLAIN, "一亿零一千"},
        {1500000000000ULL, CN_PLAIN, "一万五千亿"},
        {123, CN_FORMAL, "壹佰贰拾叁"},
        {105, CN_CIRCLE, "一百〇五"},
    };
    for (int i = 0; i < COUNT(known); i++) {
        ref_cn(buf, sizeof buf, known[i].n, known[i].style);
        ck_assert_str_eq(buf, known[i].text);
    }
}
END_TEST

static void expect_whole(const char *text, int64_t m, int32_t s,
                         kh_number_kind kind)
{
    kh_number n;
    size_t len = strlen(text);
    size_t got = parse_exact(text, len, &n);
    ck_assert_msg(got == len && n.mantissa == m && n.scale == s &&
                      n.kind == kind && n.qualifier == KH_QUAL_EXACT,
                  "\"%s\": consumed %zu of %zu, got %lld/10^%d %s, want "
                  "%lld/10^%d",
                  text, got, len, (long long)n.mantissa, n.scale,
                  kh_number_kind_name(n.kind), (long long)m, s);
}

START_TEST(test_number__chinese_roundtrip_0_to_10000)
{
    char buf[256];
    for (int style = CN_PLAIN; style <= CN_CIRCLE; style++)
        for (int64_t n = 0; n <= 10000; n++) {
            ref_cn(buf, sizeof buf, (uint64_t)n, style);
            expect_whole(buf, n, 0, KH_NUM_INTEGER);
        }
}
END_TEST

START_TEST(test_number__chinese_roundtrip_large)
{
    char buf[512];
    uint64_t state = 20240108;
    for (int i = 0; i < 20000; i++) {
        /* spread over magnitudes: 10^1 .. 10^16 */
        uint64_t limit = 10;
        for (int k = (int)(lcg_next(&state) % 16); k > 0; k--)
            limit *= 10;
        uint64_t n = lcg_next(&state) % limit;
        /* zero out random groups to exercise 零 and skipped groups */
        if (lcg_next(&state) % 3 == 0)
            n -= n / 10000 % 10000 * 10000;
        int style = (int)(lcg_next(&state) % 4);
        ref_cn(buf, sizeof buf, n, style);
        expect_whole(buf, (int64_t)n, 0, KH_NUM_INTEGER);
    }
}
END_TEST

/* Arabic forms: plain, thousands-grouped (',' and '，'), full width. */
static void arabic_forms(uint64_t n, char plain[64], char grouped[96],
                         char wide[160])
{
    snprintf(plain, 64, "%llu", (unsigned long long)n);
    size_t len = strlen(plain), g = 0, w = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            const char *sep = (n & 1) ? "," : "，";
            memcpy(grouped + g, sep, strlen(sep));
            g += strlen(sep);
        }
        grouped[g++] = plain[i];
        /* U+FF10 + d = EF BC 90+d */
        wide[w++] = (char)0xEF;
        wide[w++] = (char)0xBC;
        wide[w++] = (char)(0x90 + (plain[i] - '0'));
    }
    grouped[g] = '\0';
    wide[w] = '\0';
}

START_TEST(test_number__arabic_roundtrip)
{
    char plain[64], grouped[96], wide[160];
    uint64_t state = 7;
    for (uint64_t i = 0; i <= 30000; i++) {
        uint64_t n = i <= 10000 ? i : lcg_next(&state) % 9000000000000000000ULL;
        arabic_forms(n, plain, grouped, wide);
        expect_whole(plain, (int64_t)n, 0, KH_NUM_INTEGER);
        expect_whole(grouped, (int64_t)n, 0, KH_NUM_INTEGER);
        expect_whole(wide, (int64_t)n, 0, KH_NUM_INTEGER);
    }
}
END_TEST

/* "m/10^s" written with a point parses to exactly (m, s) and formats to the
 * same text without trailing zeros. */
START_TEST(test_number__decimal_roundtrip)
{
    uint64_t state = 99;
    for (int i = 0; i < 20000; i++) {
        int s = 1 + (int)(lcg_next(&state) % 8);
        int64_t m = (int64_t)(lcg_next(&state) % 1000000000000000ULL);
        char digits[32], text[48], want[48], got[64];
        snprintf(digits, sizeof digits, "%0*lld", s + 1, (long long)m);
        size_t dl = strlen(digits);
        snprintf(text, sizeof text, "%.*s.%s", (int)(dl - (size_t)s), digits,
                 digits + dl - (size_t)s);
        expect_whole(text, m, s, KH_NUM_DECIMAL);
        /* canonical: strip trailing zeros, then a bare trailing point */
        snprintf(want, sizeof want, "%s", text);
        size_t wl = strlen(want);
        while (want[wl - 1] == '0')
            want[--wl] = '\0';
        if (want[wl - 1] == '.')
            want[--wl] = '\0';
        kh_number n;
        parse_exact(text, strlen(text), &n);
        ck_assert_str_eq(kh_number_format(&n, got, sizeof got), want);
        ck_assert(n.value == strtod(text, NULL));
    }
}
END_TEST

/* "a.b万" is exact: the mantissa is scaled, never multiplied as a double. */
START_TEST(test_number__wan_is_exact)
{
    uint64_t state = 4520;
    for (int i = 0; i < 20000; i++) {
        int s = (int)(lcg_next(&state) % 7);
        int64_t m = (int64_t)(lcg_next(&state) % 1000000000ULL);
        char digits[32], text[64];
        snprintf(digits, sizeof digits, "%0*lld", s + 1, (long long)m);
        size_t dl = strlen(digits);
        if (s)
            snprintf(text, sizeof text, "%.*s.%s万", (int)(dl - (size_t)s),
                     digits, digits + dl - (size_t)s);
        else
            snprintf(text, sizeof text, "%s万", digits);
        int64_t wm = m;
        int32_t ws = s - 4;
        for (; ws < 0; ws++)
            wm *= 10;
        expect_whole(text, wm, ws, ws ? KH_NUM_DECIMAL : KH_NUM_INTEGER);
    }
}
END_TEST

START_TEST(test_number__percent_forms_agree)
{
    char cn[256], text[300];
    for (int64_t p = 0; p <= 100; p++) {
        snprintf(text, sizeof text, "%lld%%", (long long)p);
        expect_whole(text, p, 0, KH_NUM_PERCENT);
        snprintf(text, sizeof text, "%lld％", (long long)p);
        expect_whole(text, p, 0, KH_NUM_PERCENT);
        ref_cn(cn, sizeof cn, (uint64_t)p, CN_PLAIN);
        snprintf(text, sizeof text, "百分之%s", cn);
        expect_whole(text, p, 0, KH_NUM_PERCENT);
        for (int d = 1; d <= 9 && p < 100; d++) {
            snprintf(text, sizeof text, "百分之%s点%s", cn, cn_plain_digits[d]);
            expect_whole(text, p * 10 + d, 1, KH_NUM_PERCENT);
            snprintf(text, sizeof text, "%lld.%d%%", (long long)p, d);
            expect_whole(text, p * 10 + d, 1, KH_NUM_PERCENT);
        }
    }
    for (int64_t c = 0; c <= 10; c++) {
        ref_cn(cn, sizeof cn, (uint64_t)c, CN_PLAIN);
        snprintf(text, sizeof text, "%s成", cn);
        expect_whole(text, c * 10, 0, KH_NUM_PERCENT);
        for (int d = 1; d <= 9 && c < 10; d++) {
            snprintf(text, sizeof text, "%s成%s", cn, cn_plain_digits[d]);
            expect_whole(text, c * 10 + d, 0, KH_NUM_PERCENT);
        }
    }
}
END_TEST

/* Every leading and trailing qualifier around a set of numbers keeps the
 * number's value and sets the qualifier; leading wins when both appear. */
START_TEST(test_number__qualifiers_everywhere)
{
    static const struct {
        const char *word;
        kh_qualifier q;
    } lead[] = {{"约", KH_QUAL_ABOUT},     {"約", KH_QUAL_ABOUT},
                {"大约", KH_QUAL_ABOUT},   {"近", KH_QUAL_ABOUT},
                {"将近", KH_QUAL_ABOUT},   {"接近", KH_QUAL_ABOUT},
                {"超过", KH_QUAL_MORE_THAN}, {"逾", KH_QUAL_MORE_THAN},
                {"不足", KH_QUAL_LESS_THAN}, {"不到", KH_QUAL_LESS_THAN}},
      trail[] = {{"余", KH_QUAL_MORE_THAN},  {"多", KH_QUAL_MORE_THAN},
                 {"以上", KH_QUAL_MORE_THAN}, {"左右", KH_QUAL_ABOUT},
                 {"以下", KH_QUAL_LESS_THAN}};
    static const struct {
        const char *text;
        int64_t m;
        int32_t s;
        kh_number_kind kind;
    } nums[] = {{"100", 100, 0, KH_NUM_INTEGER},
                {"1,000", 1000, 0, KH_NUM_INTEGER},
                {"二十", 20, 0, KH_NUM_INTEGER},
                {"一千二百三十", 1230, 0, KH_NUM_INTEGER},
                {"1.2万", 12000, 0, KH_NUM_INTEGER},
                {"十万", 100000, 0, KH_NUM_INTEGER},
                {"八成", 80, 0, KH_NUM_PERCENT},
                {"百分之九十", 90, 0, KH_NUM_PERCENT}};
    char text[128];
    for (int i = 0; i < COUNT(nums); i++) {
        for (int a = 0; a < COUNT(lead); a++) {
            snprintf(text, sizeof text, "%s%s件", lead[a].word, nums[i].text);
            kh_number n;
            size_t got = parse_exact(text, strlen(text), &n);
            ck_assert_uint_eq(got, strlen(text) - strlen("件"));
            ck_assert_int_eq(n.mantissa, nums[i].m);
            ck_assert_int_eq(n.kind, nums[i].kind);
            ck_assert_int_eq(n.qualifier, lead[a].q);
            for (int b = 0; b < COUNT(trail); b++) {
                snprintf(text, sizeof text, "%s%s%s", lead[a].word,
                         nums[i].text, trail[b].word);
                got = parse_exact(text, strlen(text), &n);
                ck_assert_msg(got == strlen(text) && n.mantissa == nums[i].m &&
                                  n.qualifier == lead[a].q,
                              "\"%s\"", text);
            }
        }
        for (int b = 0; b < COUNT(trail); b++) {
            snprintf(text, sizeof text, "%s%s人", nums[i].text, trail[b].word);
            kh_number n;
            size_t got = parse_exact(text, strlen(text), &n);
            ck_assert_msg(got == strlen(text) - strlen("人") &&
                              n.mantissa == nums[i].m &&
                              n.qualifier == trail[b].q,
                          "\"%s\": consumed %zu, qualifier %s", text, got,
                          kh_qualifier_name(n.qualifier));
        }
    }
}
END_TEST

/* Random byte soup built from number fragments and junk: never past len,
 * fields in range, the consumed prefix stable on its own. */
START_TEST(test_number__fuzz_fragments)
{
    static const char *const frag[] = {
        "0", "1", "2", "5", "9", "1,", ",", ".", "，", "．", "%", "％", "-",
        "一", "二", "两", "三", "五", "九", "零", "〇", "十", "百", "千", "万",
        "亿", "点", "余", "多", "成", "以上", "左右", "以下", "约", "近",
        "超过", "不足", "百分之", "件", "人次", "年", " ", "壹", "拾", "萬",
        "\xff", "\xe4", "\xe4\xb8", "\x80", "a", "５", "\0"};
    uint64_t state = 1;
    char text[128];
    for (int i = 0; i < 50000; i++) {
        size_t len = 0;
        int parts = (int)(lcg_next(&state) % 9);
        for (int k = 0; k < parts; k++) {
            const char *f = frag[lcg_next(&state) % (uint64_t)COUNT(frag)];
            size_t fl = f[0] ? strlen(f) : 1;
            if (len + fl >= sizeof text)
                break;
            memcpy(text + len, f, fl);
            len += fl;
        }
        kh_number a, b;
        size_t got = parse_exact(text, len, &a);
        ck_assert(got <= len);
        if (got == 0) {
            ck_assert_int_eq(a.mantissa, 0);
            continue;
        }
        ck_assert_uint_eq(a.end, got);
        ck_assert(a.scale >= 0 && a.scale <= 18);
        ck_assert(a.kind >= KH_NUM_INTEGER && a.kind <= KH_NUM_PERCENT);
        ck_assert(a.qualifier >= KH_QUAL_EXACT &&
                  a.qualifier <= KH_QUAL_LESS_THAN);
        ck_assert(a.value == expected_value(a.mantissa, a.scale));
        size_t again = parse_exact(text, got, &b);
        ck_assert_msg(again == got && b.mantissa == a.mantissa &&
                          b.scale == a.scale && b.qualifier == a.qualifier &&
                          b.kind == a.kind,
                      "fuzz case %d: \"%.*s\" not stable", i, (int)len, text);
        char out[64];
        kh_number_format(&a, out, sizeof out);
        ck_assert(strlen(out) > 0);
    }
}
END_TEST

Suite *kh_number_suite(void);

Suite *kh_number_suite(void)
{
    Suite *s = suite_create("number");

    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_number__table, 0, COUNT(cases));
    tcase_add_loop_test(tc, test_number__prefixes_stay_inside_len, 0,
                        COUNT(cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_all");
    tcase_add_loop_test(tc, test_number__parse_all, 0, COUNT(all_cases));
    tcase_add_test(tc, test_number__parse_all_null_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_add_test(tc, test_number__respects_len);
    tcase_add_test(tc, test_number__names);
    tcase_add_loop_test(tc, test_number__format, 0, COUNT(fmt_cases));
    tcase_add_test(tc, test_number__format_small_buffers);
    suite_add_tcase(s, tc);

    tc = tcase_create("properties");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_number__reference_converter_sanity);
    tcase_add_test(tc, test_number__chinese_roundtrip_0_to_10000);
    tcase_add_test(tc, test_number__chinese_roundtrip_large);
    tcase_add_test(tc, test_number__arabic_roundtrip);
    tcase_add_test(tc, test_number__decimal_roundtrip);
    tcase_add_test(tc, test_number__wan_is_exact);
    tcase_add_test(tc, test_number__percent_forms_agree);
    tcase_add_test(tc, test_number__qualifiers_everywhere);
    tcase_add_test(tc, test_number__fuzz_fragments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_number_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
