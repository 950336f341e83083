/*
 * check_plugin_enforcement.c — tests of the enforcement extractor plugin (enforcement.officers):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */

#include "kh_test_util.h"

static const char *const plugin_keys[] = { "enforcement.officers", NULL };

static const kh_test_yield yields[] = {
    { "全区共有持证行政执法人员1256名。",
      "enforcement.officers", 1256, KH_QUAL_EXACT, KH_BASIS_STATED, "全区共有持证行政执法人员1256名" },
    { "目前,全市行政执法人员总数为3,420人。",
      "enforcement.officers", 3420, KH_QUAL_EXACT, KH_BASIS_STATED, "全市行政执法人员总数为3,420人" },
    { "全县现有在岗执法人员约860名。",
      "enforcement.officers", 860, KH_QUAL_ABOUT, KH_BASIS_STATED, "全县现有在岗执法人员约860名" },
    { "我区1500余名持证执法人员全部纳入平台管理。",
      "enforcement.officers", 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "我区1500余名持证执法人员" },
    { "对全市２８００余名行政执法人员的信息进行公示。",
      "enforcement.officers", 2800, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全市２８００余名行政执法人员" },
    { "全区各行政执法部门共有执法人员612人。",
      "enforcement.officers", 612, KH_QUAL_EXACT, KH_BASIS_STATED, "共有执法人员612人" },
    { "全旗持有行政执法证件的人员共计745人。",
      "enforcement.officers", 745, KH_QUAL_EXACT, KH_BASIS_STATED, "全旗持有行政执法证件的人员共计745人" },
    { "全区行政执法人员共1,086人,均已取得执法证件。",
      "enforcement.officers", 1086, KH_QUAL_EXACT, KH_BASIS_STATED, "全区行政执法人员共1,086人" },
    { "全县执法人员数量达到九百二十名。",
      "enforcement.officers", 920, KH_QUAL_EXACT, KH_BASIS_STATED, "执法人员数量达到九百二十名" },
    { "全区在编在岗行政\n执法人员 1300 余人。",
      "enforcement.officers", 1300, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全区在编在岗行政执法人员1300余人" },
    { "我市现有持证执法人员4200余名,辅助人员1800名。",
      "enforcement.officers", 4200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "我市现有持证执法人员4200余名" },
    { "截至12月底,全区持证执法人员达1180名。",
      "enforcement.officers", 1180, KH_QUAL_EXACT, KH_BASIS_STATED, "全区持证执法人员达1180名" },
    { "全市有效持证的执法人员2100名。",
      "enforcement.officers", 2100, KH_QUAL_EXACT, KH_BASIS_STATED, "全市有效持证的执法人员2100名" },
    { "全区现有执法队员316名。",
      "enforcement.officers", 316, KH_QUAL_EXACT, KH_BASIS_STATED, "全区现有执法队员316名" },
    { "现有持证行政执法人员856名。",
      "enforcement.officers", 856, KH_QUAL_EXACT, KH_BASIS_STATED, "持证行政执法人员856名" },
    { "从全县900余名持证执法人员中随机抽取10%参加测试。",
      "enforcement.officers", 900, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全县900余名持证执法人员" },
};

static const kh_test_absent absents[] = {
    { "镇街共配备综合执法人员126名。", NULL },
    /* a district's report quoting the city above it */
    { "某市某区人民政府2023年法治政府建设情况报告\n全市共有行政执法人员1.2万名。", NULL },
    { "全年新增持证执法人员85名。", NULL },
    { "为218名执法人员办理执法证件年审。", NULL },
    { "出动执法人员3200余人次。", NULL },
    { "区综合行政执法局现有执法人员150名。", NULL },
    { "招录执法辅助人员60名。", NULL },
    { "组织120名执法人员开展联合检查。", NULL },
    { "注销执法证件23个。", NULL },
    { "随机抽取150名执法人员参加考试。", NULL },
    { "其中,市场监管领域执法人员210名。", NULL },
    { "各镇街执法人员平均不足10名。", NULL },
    { "新申领执法证的286名人员参加了培训考试。", NULL },
    { "协管员、执法辅助人员共420名。", NULL },
    { "下沉到镇街的执法人员共计350名。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年全区持证执法人员1100名。", NULL },
    { "截至6月底,全区持证执法人员1050名。", NULL },
    { "对380名执法人员进行法律知识培训。", NULL },
};

static const kh_test_seed seeds[] = {
    { "chengyang-2024", "enforcement.officers", KH_SEED_ABSENT },
    { "rongcheng-2022", "enforcement.officers", KH_SEED_ANY },
    { "weihai-gaoqu-2017", "enforcement.officers", KH_SEED_FACT, 201, KH_QUAL_EXACT, KH_BASIS_STATED, "全区现行201名行政执法人员" },
    { "wendeng-2024", "enforcement.officers", KH_SEED_FACT, 1000, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "1000 余名持有" },
    { "yicheng-2021", "enforcement.officers", KH_SEED_ABSENT },
};

KH_TEST_PLUGIN_SUITE(enforcement, plugin_keys, yields, absents, seeds)
