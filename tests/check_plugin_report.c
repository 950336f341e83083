/*
 * check_plugin_report.c — the report plugin (report.year, report.unit,
 * report.published_date, report.sections): table-driven short documents
 * that must give a fact, and documents that must give none, then the five
 * seed reports against fixtures/gold/<seed>.yaml (its `unit` and `year`
 * fields for report.unit / report.year).
 */

#include "kh_test_util.h"

#define YEAR "report.year"
#define UNIT "report.unit"
#define DATE "report.published_date"
#define SECTIONS "report.sections"

/* A body long enough to look like a report, without headings or dates. */
#define BODY "全面推进依法行政,持续深化法治政府建设,各项工作取得新成效。\n"

static const kh_test_yield yields[] = {
    {"济南市历下区人民政府关于2023年法治政府建设情况的报告\n" BODY, YEAR, 2023},
    {"济南市历下区人民政府关于2023年法治政府建设情况的报告\n" BODY, UNIT, .str = "济南市历下区"},
    {"烟台经济技术开发区管理委员会关于2022年度法治政府建设情况的报告\n" BODY, UNIT,
     .str = "烟台经济技术开发区"},
    {"中共临沂市兰山区委 临沂市兰山区人民政府\n关于2023年度法治政府建设工作情况的报告\n" BODY,
     UNIT, .str = "临沂市兰山区"},
    {"# 中共莒县县委 莒县人民政府\n\n## 关于 2020 年度法治政府建设情况的报告\n\n" BODY, UNIT,
     .str = "莒县"},
    {"# 中共莒县县委 莒县人民政府\n\n## 关于 2020 年度法治政府建设情况的报告\n\n" BODY, YEAR,
     2020},
    {"潍坊市奎文区2021年法治政府建设工作报告\n\n" BODY, UNIT, .str = "潍坊市奎文区"},
    {"潍坊市奎文区2021年法治政府建设工作报告\n\n" BODY, YEAR, 2021},
    {"2023年,莱山区坚持以习近平法治思想为指导,扎实推进法治政府建设。\n" BODY, UNIT, .str = "莱山区"},
    {"2023年,莱山区坚持以习近平法治思想为指导,扎实推进法治政府建设。\n" BODY, YEAR, 2023},
    {"现将2022年度乳山市法治政府建设工作情况报告如下:\n" BODY, YEAR, 2022},
    {"关于 2024 年 法治政府建设情况的报告\n" BODY, YEAR, 2024},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n德州市德城区人民政府\n2024年1月15日\n", DATE,
     .str = "2024-01-15"},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n青岛市李沧区人民政府\n\n2024年1月20日\n", UNIT, .str = "青岛市李沧区"},
    {"关于2023年法治政府建设情况的报告\n" BODY "\n二〇二四年一月二十六日\n", DATE, .str = "2024-01-26"},
    {"发布日期:2023-02-10 09:00:12\n关于2022年法治政府建设情况的报告\n" BODY, DATE,
     .str = "2023-02-10"},
    {"关于2023年法治政府建设情况的报告\n" BODY "东营区人民政府2024年2月1日", DATE,
     .str = "2024-02-01"},
    {"关于2023年法治政府建设情况的报告\n一、2023年推进法治政府建设的主要举措和成效\n" BODY
     "二、2023年推进法治政府建设存在的不足和原因\n" BODY
     "三、2023年党政主要负责人履行推进法治建设第一责任人职责情况\n" BODY
     "四、2024年推进法治政府建设的主要安排\n" BODY,
     SECTIONS, 4},
    {"关于2022年法治政府建设情况的报告\n一、2022年法治政府建设工作情况\n" BODY
     "二、存在的问题\n" BODY "三、下一步工作打算\n" BODY,
     SECTIONS, 3},
    {"关于2022年法治政府建设情况的报告\n" BODY "### **二、存在的不足和原因**\n" BODY, SECTIONS,
     1},
    /* paragraphs separated by single line breaks are joined by the
     * normaliser: headings follow a full stop, sub-headings are glued on */
    {"2024年,城区坚持依法行政。\n一、2024年推进法治政府建设的主要举措和成效\n(一)依法履行职能。"
     "各项工作有序推进。\n二、存在的不足和原因\n一是部分工作有差距。\n"
     "三、2025年工作计划\n2025年,将继续推进。",
     SECTIONS, 3},
    /* traditional characters */
    {"威海市環翠區人民政府關於2023年法治政府建設情況的報告\n" BODY, UNIT, .str = "威海市环翠区"}, /* read as simplified; evidence quotes the original */
    {"威海市環翠區人民政府關於2023年法治政府建設情況的報告\n" BODY, YEAR, 2023},
    /* top-level headings on consecutive lines are glued by the normaliser */
    {"关于2023年法治政府建设情况的报告\n\n" BODY "\n一、2023年法治政府建设主要工作\n" BODY
     "\n二、存在的不足和原因\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n"
     "四、2024年工作计划\n\n" BODY,
     SECTIONS, 4},
    {"关于2023年法治政府建设情况的报告\n" BODY "烟台市芝罘区人民政府\n2024年1月18日\n(此件公开发布)",
     DATE, .str = "2024-01-18"},
};

static const kh_test_absent absents[] = {
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

static const kh_test_seed seeds[] = {
    {"chengyang-2024", YEAR, KH_SEED_FACT, 2024, KH_QUAL_EXACT, KH_BASIS_STATED, NULL},
    {"chengyang-2024", UNIT, KH_SEED_CONTAINS, .str = "城阳区"},
    {"chengyang-2024", DATE, KH_SEED_ABSENT},
    {"chengyang-2024", SECTIONS, KH_SEED_FACT, 4, KH_QUAL_EXACT, KH_BASIS_STATED, "一、2024年推进法治政府建设的主要举措和成效"},
    {"rongcheng-2022", YEAR, KH_SEED_FACT, 2022, KH_QUAL_EXACT, KH_BASIS_STATED, NULL},
    {"rongcheng-2022", UNIT, KH_SEED_CONTAINS, .str = "荣成市"},
    {"rongcheng-2022", DATE, KH_SEED_TEXT, .evidence = "2023年1月10日", .str = "2023-01-10"},
    {"rongcheng-2022", SECTIONS, KH_SEED_FACT, 4, KH_QUAL_EXACT, KH_BASIS_STATED, "一、2022年推进法治政府建设的主要举措和成效"},
    {"weihai-gaoqu-2017", YEAR, KH_SEED_FACT, 2017, KH_QUAL_EXACT, KH_BASIS_STATED, NULL},
    {"weihai-gaoqu-2017", UNIT, KH_SEED_CONTAINS, .str = "威海火炬高技术产业开发区"},
    {"weihai-gaoqu-2017", DATE, KH_SEED_TEXT, .evidence = "2017年12月20日", .str = "2017-12-20"},
    {"weihai-gaoqu-2017", SECTIONS, KH_SEED_ANY},
    {"wendeng-2024", YEAR, KH_SEED_FACT, 2024, KH_QUAL_EXACT, KH_BASIS_STATED, NULL},
    {"wendeng-2024", UNIT, KH_SEED_CONTAINS, .str = "文登区"},
    {"wendeng-2024", DATE, KH_SEED_TEXT, .evidence = "2025年1月8日", .str = "2025-01-08"},
    {"wendeng-2024", SECTIONS, KH_SEED_FACT, 4, KH_QUAL_EXACT, KH_BASIS_STATED, "一、2024年推进法治政府建设的主要举措和成效"},
    {"yicheng-2021", YEAR, KH_SEED_FACT, 2021, KH_QUAL_EXACT, KH_BASIS_STATED, NULL},
    {"yicheng-2021", UNIT, KH_SEED_CONTAINS, .str = "峰城区"}, /* OCR for 峄城区 */
    {"yicheng-2021", DATE, KH_SEED_ABSENT},
    {"yicheng-2021", SECTIONS, KH_SEED_FACT, 4, KH_QUAL_EXACT, KH_BASIS_STATED, "一、2021 年度法治政府建设工作情况"},
};

KH_TEST_PLUGIN_SUITE(report, NULL, yields, absents, seeds)
