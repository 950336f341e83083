/*
 * fuzz_number.c — fuzz harness for kh_number_parse and kh_number_parse_all
 * on arbitrary bytes (not NUL-terminated: the parser must never read past
 * len). Invariants, for every number read:
 *   - consumed <= len, consumed == end, start == 0 (parse);
 *   - scale 0..18, kind and qualifier are known values;
 *   - value is exactly the double nearest to mantissa / 10^scale (the
 *     decimal string of mantissa and scale, read back by strtod);
 *   - kh_number_format writes that exact decimal: it reads back to the same
 *     double, and through kh_number_parse_all to the same decimal.
 * parse is also run at a few later offsets, as plugins do mid-sentence.
 */
#include <inttypes.h>
#include <string.h>

#include "kaohe/number.h"

#include "fuzz.h"

/* mantissa / 10^scale as a decimal string: -123, 45.06, 0.005 */
static void decimal_string(int64_t mantissa, int32_t scale, char *buf, size_t size)
{
    char digits[32];
    uint64_t mag = mantissa < 0 ? (uint64_t)0 - (uint64_t)mantissa : (uint64_t)mantissa;
    snprintf(digits, sizeof digits, "%" PRIu64, mag);
    size_t nd = strlen(digits);
    const char *sign = mantissa < 0 ? "-" : "";
    if (scale == 0) {
        snprintf(buf, size, "%s%s", sign, digits);
    } else if (nd > (size_t)scale) {
        snprintf(buf, size, "%s%.*s.%s", sign, (int)(nd - (size_t)scale), digits,
                 digits + nd - (size_t)scale);
    } else {
        char zeros[24];
        size_t z = (size_t)scale - nd; /* scale <= 18 is checked first */
        memset(zeros, '0', z);
        zeros[z] = '\0';
        snprintf(buf, size, "%s0.%s%s", sign, zeros, digits);
    }
}

/* Strip trailing fractional zeros so equal decimals compare equal. */
static void canonical(int64_t *m, int32_t *s)
{
    while (*s > 0 && *m % 10 == 0) {
        *m /= 10;
        (*s)--;
    }
}

static void check_number(const kh_number *n, const char *what)
{
    KH_FUZZ_CHECK(n->scale >= 0 && n->scale <= 18, "%s: scale %d", what, (int)n->scale);
    KH_FUZZ_CHECK(n->kind == KH_NUM_INTEGER || n->kind == KH_NUM_DECIMAL ||
                  n->kind == KH_NUM_PERCENT, "%s: kind %d", what, (int)n->kind);
    KH_FUZZ_CHECK((unsigned)n->qualifier <= KH_QUAL_LESS_THAN, "%s: qualifier %d",
                  what, (int)n->qualifier);
    char dec[64];
    decimal_string(n->mantissa, n->scale, dec, sizeof dec);
    double exact = strtod(dec, NULL);
    KH_FUZZ_CHECK(n->value == exact, "%s: value %.17g, but %" PRId64 "/10^%d = %s = %.17g",
                  what, n->value, n->mantissa, (int)n->scale, dec, exact);

    char fmt[64];
    kh_number_format(n, fmt, sizeof fmt);
    KH_FUZZ_CHECK(strtod(fmt, NULL) == n->value, "%s: format \"%s\" reads back as %.17g, not %.17g",
                  what, fmt, strtod(fmt, NULL), n->value);
    kh_number back;
    const char *reason = NULL;
    int rc = kh_number_parse_all(fmt, strlen(fmt), &back, &reason);
    KH_FUZZ_CHECK(rc == 0, "%s: format \"%s\" does not parse back (%s)", what, fmt,
                  reason ? reason : "?");
    int64_t m1 = n->mantissa, m2 = back.mantissa;
    int32_t s1 = n->scale, s2 = back.scale;
    canonical(&m1, &s1);
    canonical(&m2, &s2);
    KH_FUZZ_CHECK(m1 == m2 && s1 == s2,
                  "%s: \"%s\" parses back as %" PRId64 "/10^%d, not %" PRId64 "/10^%d",
                  what, fmt, m2, (int)s2, m1, (int)s1);
}

static void parse_at(const char *text, size_t len, size_t at)
{
    kh_number n;
    memset(&n, 0xA5, sizeof n);
    size_t used = kh_number_parse(text + at, len - at, &n);
    KH_FUZZ_CHECK(used <= len - at, "parse at %zu consumed %zu of %zu bytes", at, used,
                  len - at);
    if (used == 0)
        return;
    KH_FUZZ_CHECK(n.end == used && n.start == 0, "parse at %zu: used %zu, start %zu end %zu",
                  at, used, n.start, n.end);
    char what[32];
    snprintf(what, sizeof what, "parse at %zu", at);
    check_number(&n, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    parse_at(text, size, 0);
    for (size_t at = 1; at < size && at <= 16; at++)
        parse_at(text, size, at);

    kh_number n;
    const char *reason = NULL;
    int rc = kh_number_parse_all(text, size, &n, &reason);
    if (rc == 0)
        check_number(&n, "parse_all");
    else
        KH_FUZZ_CHECK(rc < 0 && reason != NULL && reason[0] != '\0',
                      "parse_all failed (%d) without a reason", rc);
    return 0;
}
