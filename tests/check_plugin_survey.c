/*
 * check_plugin_survey.c — tests of the survey extractor plugin (survey.public_satisfaction):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */

#include "kh_test_util.h"

static const char *const plugin_keys[] = { "survey.public_satisfaction", NULL };

static const kh_test_yield yields[] = {
    { "群众对法治政府建设的满意度达96.5%。",
      "survey.public_satisfaction", 96.5, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设的满意度达96.5%" },
    { "在全市法治建设满意度调查中,我区群众满意度为95.8%,位列全市第二。",
      "survey.public_satisfaction", 95.8, KH_QUAL_EXACT, KH_BASIS_STATED, "满意度为95.8%" },
    { "法治建设群众满意度达到97.2%,较上年提高1.3个百分点。",
      "survey.public_satisfaction", 97.2, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度达到97.2%" },
    { "全区法治政府建设满意度测评结果为94.6%。",
      "survey.public_satisfaction", 94.6, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设满意度测评结果为94.6%" },
    { "法治建设满意度百分之九十五点二。",
      "survey.public_satisfaction", 95.2, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设满意度百分之九十五点二" },
    { "群众安全感和法治建设满意度均为98%以上。",
      "survey.public_satisfaction", 98, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "法治建设满意度均为98%以上" },
    { "法治建设群众满意度调查得分96.5%。",
      "survey.public_satisfaction", 96.5, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度调查得分96.5%" },
    { "法治县建设群众满意度达９５．３％。",
      "survey.public_satisfaction", 95.3, KH_QUAL_EXACT, KH_BASIS_STATED, "法治县建设群众满意度达９５．３％" },
    { "法治政府建设公众满意率达到93%。",
      "survey.public_satisfaction", 93, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设公众满意率达到93%" },
    { "群众对法治建设工作满意度提升至96.1%。",
      "survey.public_satisfaction", 96.1, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设工作满意度提升至96.1%" },
    { "法治建设满意度、知晓率分别为95.1%、88.7%。",
      "survey.public_satisfaction", 95.1, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设满意度、知晓率分别为95.1%" },
    { "据第三方测评,全区法治\n建设群众满意度 97.6%。",
      "survey.public_satisfaction", 97.6, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度97.6%" },
    { "我市法治政府建设满意度调查结果显示,群众满意率为94.2%。",
      "survey.public_satisfaction", 94.2, KH_QUAL_EXACT, KH_BASIS_STATED, "满意率为94.2%" },
    { "法治广东建设群众满意度约95%。",
      "survey.public_satisfaction", 95, KH_QUAL_ABOUT, KH_BASIS_STATED, "满意度约95%" },
    { "群众对全县法治环境的满意度达93.8%。",
      "survey.public_satisfaction", 93.8, KH_QUAL_EXACT, KH_BASIS_STATED, "满意度达93.8%" },
};

static const kh_test_absent absents[] = {
    { "政务服务满意度99.9%。", NULL },
    { "某县人民政府2023年法治政府建设工作报告\n全省法治建设群众满意度为95.1%。", NULL },
    { "12345热线满意率98.6%。", NULL },
    { "成功调解矛盾纠纷3200件,满意率达到96.7%。", NULL },
    { "法治建设群众满意度调查得分96.5分。", NULL },
    { "全省法治建设满意度为92.3%。", NULL },
    { "法治建设群众满意度位居全省第3位。", NULL },
    { "力争法治建设群众满意度达到95%以上。", NULL },
    { "法治建设满意度同比提升2.1%。", NULL },
    { "代表委员对法治政府建设意见建议办理满意率100%。", NULL },
    { "公共法律服务满意度98%,法治宣传覆盖面不断扩大。", NULL },
    { "群众安全感满意度98.2%。", NULL },
    { "行政执法满意度测评中,群众满意度达97%。", NULL },
    { "法治政府建设扎实推进,政务服务好差评满意率100%。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年法治建设满意度为94%。", NULL },
    { "近三年法治建设满意度平均95%。", NULL },
    { "上半年法治建设群众满意度96%。", NULL },
    { "关于XX区2024年法治政府建设情况的报告\n\n全市法治建设群众满意度为95.5%。", NULL },
};

static const kh_test_seed seeds[] = {
    { "chengyang-2024", "survey.public_satisfaction", KH_SEED_ABSENT },
    { "rongcheng-2022", "survey.public_satisfaction", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "survey.public_satisfaction", KH_SEED_ABSENT },
    { "wendeng-2024", "survey.public_satisfaction", KH_SEED_ABSENT },
    { "yicheng-2021", "survey.public_satisfaction", KH_SEED_ABSENT },
};

KH_TEST_PLUGIN_SUITE(survey, plugin_keys, yields, absents, seeds)
