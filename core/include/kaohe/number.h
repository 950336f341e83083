/*
 * kaohe/number.h — the one number parser of kaohe: Arabic and Chinese
 * numerals, 万/亿 groups, percentages and qualifiers, with exact decimal
 * arithmetic. Plugins reach it through kh_host.parse_number; people through
 * `kaohe number`.
 */
#ifndef KAOHE_NUMBER_H
#define KAOHE_NUMBER_H

#include <stddef.h>

#include "kaohe/plugin.h" /* kh_number, kh_qualifier, kh_number_kind */

#ifdef __cplusplus
extern "C" {
#endif

/* Parse the longest number starting at text[0] (an optional leading
 * qualifier such as 约/近/超过/不足/不到/逾 may come first). Accepts:
 *   Arabic digits, half or full width, thousands separators (1,234 / 1，234),
 *   decimals; Chinese numerals 零〇一二两三…九十百千万亿, formal 壹贰叁肆伍陆柒捌玖拾佰仟,
 *   a leading 十 (十二), 万/亿 groups (一百二十万三千); mixed (1.2万, 3千, 12.6万);
 *   percent (100%, 98.5％, 百分之九十八点五, 百分之百, 九成 = 90%, 九成五 = 95%);
 *   trailing qualifiers 余 多 以上 左右 以下 (and 多 between 十/百 and unit).
 * Spaces between parts are not skipped: normalise first.
 * Returns bytes consumed (== out->end) or 0 when no number starts there.
 * out->start is 0. Values beyond ±9.2e18 or with more than 18 decimal places
 * are refused (returns 0). Never reads past len. */
size_t kh_number_parse(const char *text, size_t len, kh_number *out);

/* Parse a whole string as one number, allowing surrounding whitespace and
 * one trailing measure word (件 宗 起 人 人次 名 次 期 学时 小时 个 项 …).
 * Returns KH_OK (0) or a negative code with a short English reason in
 * *reason (static string): "no number", "trailing text", "out of range". */
int kh_number_parse_all(const char *text, size_t len, kh_number *out,
                        const char **reason);

/* Format the exact value (mantissa/scale) without exponent or trailing
 * zeros: 45200, 98.5, 0.05. Returns buf. */
char *kh_number_format(const kh_number *n, char *buf, size_t size);

const char *kh_qualifier_name(kh_qualifier q);   /* "exact", "more_than", … */
const char *kh_number_kind_name(kh_number_kind k); /* "integer", … */

#ifdef __cplusplus
}
#endif
#endif
