/*
 * check_plugin_report.c — the report plugin (report.year, report.unit,
 * report.published_date, report.sections): table-driven short documents
 * that must give a fact, and documents that must give none, then the five
 * seed reports against fixtures/gold/<seed>.yaml (its `unit` and `year`
 * fields for report.unit / report.year).
 */
#include <ctype.h>

#include "kh_test_util.h"

#define PLUGIN "report"
#define YEAR "report.year"
#define UNIT "report.unit"
#define DATE "report.published_date"
#define SECTIONS "report.sections"

/* A document and the fact one key must have: `value` for numbers, `text`
 * for text facts (equal). */
typedef struct pos_row {
    const char *doc;
    const char *key;
    double value;
    const char *text;
} pos_row;

typedef struct neg_row {
    const char *doc;
    const char *key;
} neg_row;

/* A body long enough to look like a report, without headings or dates. */
#define BODY "全面推进依法行政,持续深化法治政府建设,各项工作取得新成效。\n"

static const pos_row pos_rows[] = {
    {"济南市历下区人民政府关于2023年法治政府建设情况的报告\n" BODY, YEAR, 2023, NULL},
    {"济南市历下区人民政府关于2023年法治政府建设情况的报告\n" BODY, UNIT, 0, "济南市历下区"},
    {"烟台经济技术开发区管理委员会关于2022年度法治政府建设情况的报告\n" BODY, UNIT, 0,
     "烟台经济技术开发区"},
    {"中共临沂市兰山区委 临沂市兰山区人民政府\n关于2023年度法治政府建设工作情况的报告\n" BODY,
     UNIT, 0, "临沂市兰山区"},
    {"# 中共莒县县委 莒县人民政府\n\n## 关于 2020 年度法治政府建设情况的报告\n\n" BODY, UNIT, 0,
     "莒县"},
    {"# 中共莒县县委 莒县人民政府\n\n## 关于 2020 年度法治政府建设情况的报告\n\n" BODY, YEAR,
     2020, NULL},
    {"潍坊市奎文区2021年法治政府建设工作报告\n\n" BODY, UNIT, 0, "潍坊市奎文区"},
    {"潍坊市奎文区2021年法治政府建设工作报告\n\n" BODY, YEAR, 2021, NULL},
    {"2023年,莱山区坚持以习近平法治思想为指导,扎实推进法治政府建设。\n" BODY, UNIT, 0, "莱山区"},
    {"2023年,莱山区坚持以习近平法治思想为指导,扎实推进法治政府建设。\n" BODY, YEAR, 2023, NULL},
    {"现将2022年度乳山市法治政府建设工作情况报告如下:\n" BODY, YEAR, 2022, NULL},
    {"关于 2024 年 法治政府建设情况的报告\n" BODY, YEAR, 2024, NULL},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n德州市德城区人民政府\n2024年1月15日\n", DATE, 0,
     "2024-01-15"},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n青岛市李沧区人民政府\n\n2024年1月20日\n", UNIT,
     0, "青岛市李沧区"},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n二〇二四年一月二十六日\n", DATE, 0, "2024-01-26"},
    {"发布日期:2023-02-10 09:00:12\n关于2022年法治政府建设情况的报告\n" BODY, DATE, 0,
     "2023-02-10"},
    {"关于2023年法治政府建设情况的报告\n" BODY "东营区人民政府2024年2月1日", DATE, 0,
     "2024-02-01"},
    {"关于2023年法治政府建设情况的报告\n一、2023年推进法治政府建设的主要举措和成效\n" BODY
     "二、2023年推进法治政府建设存在的不足和原因\n" BODY
     "三、2023年党政主要负责人履行推进法治建设第一责任人职责情况\n" BODY
     "四、2024年推进法治政府建设的主要安排\n" BODY,
     SECTIONS, 4, NULL},
    {"关于2022年法治政府建设情况的报告\n一、2022年法治政府建设工作情况\n" BODY
     "二、存在的问题\n" BODY "三、下一步工作打算\n" BODY,
     SECTIONS, 3, NULL},
    {"关于2022年法治政府建设情况的报告\n" BODY "### **二、存在的不足和原因**\n" BODY, SECTIONS,
     1, NULL},
    /* paragraphs separated by single line breaks are joined by the
     * normaliser: headings follow a full stop, sub-headings are glued on */
    {"2024年,城区坚持依法行政。\n一、2024年推进法治政府建设的主要举措和成效\n(一)依法履行职能。"
     "各项工作有序推进。\n二、存在的不足和原因\n一是部分工作有差距。\n"
     "三、2025年工作计划\n2025年,将继续推进。",
     SECTIONS, 3, NULL},
    /* traditional characters */
    {"威海市環翠區人民政府關於2023年法治政府建設情況的報告\n" BODY, UNIT, 0, "威海市环翠区"}, /* read as simplified; evidence quotes the original */
    {"威海市環翠區人民政府關於2023年法治政府建設情況的報告\n" BODY, YEAR, 2023, NULL},
    /* top-level headings on consecutive lines are glued by the normaliser */
    {"关于2023年法治政府建设情况的报告\n\n" BODY "\n一、2023年法治政府建设主要工作\n" BODY
     "\n二、存在的不足和原因\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n"
     "四、2024年工作计划\n\n" BODY,
     SECTIONS, 4, NULL},
    {"关于2023年法治政府建设情况的报告\n" BODY "烟台市芝罘区人民政府\n2024年1月18日\n(此件公开发布)",
     DATE, 0, "2024-01-18"},
};

static const neg_row neg_rows[] = {
    {"关于2024年安全生产工作情况的报告\n" BODY, YEAR},
    {"关于2024年安全生产工作情况的报告\n" BODY, UNIT},
    {"关于2024年法治政府建设情况的报告\n" BODY, UNIT},
    {"长清区司法局关于2024年法治政府建设情况的报告\n" BODY, UNIT},
    {"2024年,全区上下坚持以习近平法治思想为指导。\n" BODY, UNIT},
    {"2024年,我区坚持以习近平法治思想为指导。\n" BODY, UNIT},
    {"关于2024年法治政府建设情况的报告\n" BODY "区政府常务会议于2024年5月8日召开。\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "\n2023年3月1日\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "\n2025年1月\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "\n2025年2月30日\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "各项任务于2024年12月31日前完成\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "\n2031年1月8日\n", DATE},
    {"关于2024年法治政府建设情况的报告\n" BODY "一是存在的不足和原因分析不够深入。\n", SECTIONS},
    {"关于2024年法治政府建设情况的报告\n一、加强组织领导\n" BODY "二、强化督促检查\n" BODY,
     SECTIONS},
    {"关于2024年法治政府建设情况的报告\n(三)加强问题整改\n" BODY, SECTIONS},
    {"关于2024年法治政府建设情况的报告\n依据第(一)项规定,履行第一责任人职责。\n" BODY, SECTIONS},
    {BODY BODY, YEAR},
    {"关于2024年法治政府建设情况的报告\n" BODY "会议于2024年12月8日(星期日)召开。\n", DATE},
};

START_TEST(test_plugin_report__positive)
{
    const pos_row *r = &pos_rows[_i];
    kh_factset *fs = kh_test_extract(PLUGIN, r->doc);
    const kh_fact *f = kh_factset_get(fs, r->key);
    ck_assert_msg(f != NULL, "row %d: %s missing", _i, r->key);
    if (r->text) {
        ck_assert_msg(f->type == KH_VALUE_TEXT && f->text, "row %d: %s is not text", _i,
                      r->key);
        ck_assert_msg(strcmp(f->text, r->text) == 0, "row %d: %s = %s, want %s", _i, r->key,
                      f->text, r->text);
    } else {
        ck_assert_msg(fabs(f->number - r->value) < 1e-9, "row %d: %s = %g, want %g", _i,
                      r->key, f->number, r->value);
    }
    ck_assert_int_eq(f->basis, KH_BASIS_STATED);
    ck_assert_msg(f->evidence.text && *f->evidence.text, "row %d: no evidence", _i);
    kh_factset_free(fs);
}
END_TEST

START_TEST(test_plugin_report__negative)
{
    const neg_row *r = &neg_rows[_i];
    kh_factset *fs = kh_test_extract(PLUGIN, r->doc);
    const kh_fact *f = kh_factset_get(fs, r->key);
    ck_assert_msg(f == NULL, "row %d: %s should be missing, got %s%g (%s)", _i, r->key,
                  f && f->text ? f->text : "", f ? f->number : 0.0,
                  f && f->evidence.text ? f->evidence.text : "");
    kh_factset_free(fs);
}
END_TEST

/* ---- seeds -------------------------------------------------------------- */

typedef enum seed_kind {
    SEED_VALUE,    /* the gold number */
    SEED_TEXT,     /* the gold text, equal */
    SEED_CONTAINS, /* the text contains the district's name as written */
    SEED_ABSENT,   /* neither in facts nor in ambiguous */
    SEED_ANY       /* ambiguous */
} seed_kind;

typedef struct seed_row {
    const char *seed;
    const char *key;
    seed_kind kind;
    double value;
    const char *text;
    const char *evidence; /* gold evidence, or NULL */
} seed_row;

static const seed_row seed_rows[] = {
    {"chengyang-2024", YEAR, SEED_VALUE, 2024, NULL, NULL},
    {"chengyang-2024", UNIT, SEED_CONTAINS, 0, "城阳区", NULL},
    {"chengyang-2024", DATE, SEED_ABSENT, 0, NULL, NULL},
    {"chengyang-2024", SECTIONS, SEED_VALUE, 4, NULL, "一、2024年推进法治政府建设的主要举措和成效"},
    {"rongcheng-2022", YEAR, SEED_VALUE, 2022, NULL, NULL},
    {"rongcheng-2022", UNIT, SEED_CONTAINS, 0, "荣成市", NULL},
    {"rongcheng-2022", DATE, SEED_TEXT, 0, "2023-01-10", "2023年1月10日"},
    {"rongcheng-2022", SECTIONS, SEED_VALUE, 4, NULL, "一、2022年推进法治政府建设的主要举措和成效"},
    {"weihai-gaoqu-2017", YEAR, SEED_VALUE, 2017, NULL, NULL},
    {"weihai-gaoqu-2017", UNIT, SEED_CONTAINS, 0, "威海火炬高技术产业开发区", NULL},
    {"weihai-gaoqu-2017", DATE, SEED_TEXT, 0, "2017-12-20", "2017年12月20日"},
    {"weihai-gaoqu-2017", SECTIONS, SEED_ANY, 0, NULL, NULL},
    {"wendeng-2024", YEAR, SEED_VALUE, 2024, NULL, NULL},
    {"wendeng-2024", UNIT, SEED_CONTAINS, 0, "文登区", NULL},
    {"wendeng-2024", DATE, SEED_TEXT, 0, "2025-01-08", "2025年1月8日"},
    {"wendeng-2024", SECTIONS, SEED_VALUE, 4, NULL, "一、2024年推进法治政府建设的主要举措和成效"},
    {"yicheng-2021", YEAR, SEED_VALUE, 2021, NULL, NULL},
    {"yicheng-2021", UNIT, SEED_CONTAINS, 0, "峰城区", NULL}, /* OCR for 峄城区 */
    {"yicheng-2021", DATE, SEED_ABSENT, 0, NULL, NULL},
    {"yicheng-2021", SECTIONS, SEED_VALUE, 4, NULL, "一、2021 年度法治政府建设工作情况"},
};

/* Copy s without whitespace (ASCII and U+3000) into out. */
static void squeeze(const char *s, char *out, size_t size)
{
    size_t n = 0;
    while (*s && n + 1 < size) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
            (unsigned char)s[2] == 0x80) {
            s += 3;
            continue;
        }
        out[n++] = *s++;
    }
    out[n] = '\0';
}

static kh_factset *extract_seed(const char *seed)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, seed);
    kh_engine *e = kh_test_engine_with(PLUGIN);
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_msg(kh_document_load_file(&doc, path, NULL, &err) == KH_OK, "%s: %s", path,
                  err.message);
    kh_factset *fs = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &fs), KH_OK);
    kh_document_free(doc);
    kh_engine_free(e);
    return fs;
}

START_TEST(test_plugin_report__seeds)
{
    const seed_row *r = &seed_rows[_i];
    kh_factset *fs = extract_seed(r->seed);
    const kh_fact *f = kh_factset_get(fs, r->key);
    switch (r->kind) {
    case SEED_ABSENT:
        ck_assert_msg(f == NULL, "%s %s: should be missing, got %s%g (%s)", r->seed, r->key,
                      f && f->text ? f->text : "", f ? f->number : 0.0,
                      f && f->evidence.text ? f->evidence.text : "");
        break;
    case SEED_ANY:
        break;
    case SEED_VALUE:
        ck_assert_msg(f != NULL, "%s %s: missing", r->seed, r->key);
        ck_assert_msg(fabs(f->number - r->value) < 1e-9, "%s %s = %g, want %g", r->seed,
                      r->key, f->number, r->value);
        break;
    case SEED_TEXT:
    case SEED_CONTAINS:
        ck_assert_msg(f != NULL && f->text, "%s %s: missing", r->seed, r->key);
        if (r->kind == SEED_TEXT)
            ck_assert_msg(strcmp(f->text, r->text) == 0, "%s %s = %s, want %s", r->seed,
                          r->key, f->text, r->text);
        else
            ck_assert_msg(strstr(f->text, r->text) != NULL, "%s %s = %s, want ~%s",
                          r->seed, r->key, f->text, r->text);
        break;
    }
    if (f && r->evidence) {
        char have[2048], want[512];
        squeeze(f->evidence.text ? f->evidence.text : "", have, sizeof have);
        squeeze(r->evidence, want, sizeof want);
        ck_assert_msg(strstr(have, want) != NULL, "%s %s: evidence \"%s\" lacks \"%s\"",
                      r->seed, r->key, have, want);
    }
    kh_factset_free(fs);
}
END_TEST

static Suite *kh_plugin_report_suite(void)
{
    Suite *s = suite_create("plugin_report");
    TCase *tc = tcase_create("documents");
    tcase_add_loop_test(tc, test_plugin_report__positive, 0,
                        (int)(sizeof pos_rows / sizeof pos_rows[0]));
    tcase_add_loop_test(tc, test_plugin_report__negative, 0,
                        (int)(sizeof neg_rows / sizeof neg_rows[0]));
    suite_add_tcase(s, tc);
    TCase *seeds = tcase_create("seeds");
    tcase_set_timeout(seeds, 60);
    tcase_add_loop_test(seeds, test_plugin_report__seeds, 0,
                        (int)(sizeof seed_rows / sizeof seed_rows[0]));
    suite_add_tcase(s, seeds);
    return s;
}

KH_TEST_MAIN(kh_plugin_report_suite)
