/*
 * check_plugin_proposals.c — tests of the proposals extractor plugin (proposals.reply_rate, proposals.handled, proposals.satisfaction_rate):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */

#include "kh_test_util.h"

static const char *const plugin_keys[] = { "proposals.reply_rate", "proposals.handled", "proposals.satisfaction_rate", NULL };

static const kh_test_yield yields[] = {
    { "全年共承办人大代表建议86件、政协委员提案105件,按期办复率100%。",
      "proposals.handled", 191, KH_QUAL_EXACT, KH_BASIS_DERIVED, "承办人大代表建议86件、政协委员提案105件" },
    { "全年共承办人大代表建议86件、政协委员提案105件,按期办复率100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按期办复率100%" },
    { "办理省市区人大代表建议和政协提案共计213件,办复率、满意率均为100%。",
      "proposals.handled", 213, KH_QUAL_EXACT, KH_BASIS_STATED, "办理省市区人大代表建议和政协提案共计213件" },
    { "办理省市区人大代表建议和政协提案共计213件,办复率、满意率均为100%。",
      "proposals.satisfaction_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "满意率均为100%" },
    { "区政府共承办人大代表建议和政协委员提案一百二十件,答复率达到百分之百。",
      "proposals.handled", 120, KH_QUAL_EXACT, KH_BASIS_STATED, "承办人大代表建议和政协委员提案一百二十件" },
    { "区政府共承办人大代表建议和政协委员提案一百二十件,答复率达到百分之百。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "答复率达到百分之百" },
    { "建议提案全部在规定时限内办结答复。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "建议提案全部在规定时限内办结答复" },
    { "办理人大代表建议45件、议案2件、政协提案60件,共107件,代表委员满意率98.5%。",
      "proposals.handled", 107, KH_QUAL_EXACT, KH_BASIS_STATED, "共107件" },
    { "办理人大代表建议45件、议案2件、政协提案60件,共107件,代表委员满意率98.5%。",
      "proposals.satisfaction_rate", 98.5, KH_QUAL_EXACT, KH_BASIS_STATED, "代表委员满意率98.5%" },
    { "今年以来,承办人大建议和政协提案156件,按时办结率100%,代表委员对办理结果满意率达99.2%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按时办结率100%" },
    { "今年以来,承办人大建议和政协提案156件,按时办结率100%,代表委员对办理结果满意率达99.2%。",
      "proposals.satisfaction_rate", 99.2, KH_QUAL_EXACT, KH_BASIS_STATED, "代表委员对办理结果满意率达99.2%" },
    { "全年办理人大代表建议52件,已全部按期办复。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "全部按期办复" },
    { "全年办理人大代表建议52件,已全部按期办复。",
      "proposals.handled", 52, KH_QUAL_EXACT, KH_BASIS_STATED, "办理人大代表建议52件" },
    { "全年共办理人大代表建议和政协提案98件。办复率、满意率均达100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率、满意率均达100%" },
    { "办理人大代表建议和政协提案１２２件，办复率１００％。",
      "proposals.handled", 122, KH_QUAL_EXACT, KH_BASIS_STATED, "政协提案１２２件" },
    { "办理人大代表建议和政协提案１２２件，办复率１００％。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率１００％" },
    { "办理人大代表建议\n和政协提案 76 件,办复率\n100%。",
      "proposals.handled", 76, KH_QUAL_EXACT, KH_BASIS_STATED, "办理人大代表建议和政协提案76件" },
    { "办理人大代表建议\n和政协提案 76 件,办复率\n100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率100%" },
    { "办理各级人大代表建议、政协委员提案200余件,办复率100%",
      "proposals.handled", 200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "政协委员提案200余件" },
    { "人大代表建议和政协提案按期答复率100%",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按期答复率100%" },
    { "承办人大代表建议38件、政协提案41件,满意和基本满意率100%。",
      "proposals.satisfaction_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "满意和基本满意率100%" },
    { "建议、提案按时办结率达100%",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按时办结率达100%" },
    { "全区共承办人大代表议案3件、建议66件,均按期办结。",
      "proposals.handled", 69, KH_QUAL_EXACT, KH_BASIS_DERIVED, "议案3件、建议66件" },
    { "全区共承办人大代表议案3件、建议66件,均按期办结。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "均按期办结" },
    { "全年办理人大代表建议58件。\n\n全年办理政协委员提案73件。",
      "proposals.handled", 131, KH_QUAL_EXACT, KH_BASIS_DERIVED, "办理人大代表建议58件" },
};

static const kh_test_absent absents[] = {
    { "收集各类意见建议140余条,办结率100%。", NULL },
    { "办理检察建议12件,回复率100%。", NULL },
    { "2024年人大代表建议和政协提案交办会上,共交办建议提案136件。", NULL },
    { "12345热线受理群众诉求8.6万件,按时办结率99.8%,满意率98%。", NULL },
    { "力争人大代表建议和政协提案办复率达到100%。", NULL },
    { "今年共交办人大代表建议124件、政协提案156件,将于6月底前全部办结。", "proposals.reply_rate" },
    { "建立政府内部监督机制,各类意见建议办复率、满意率达到100%。", NULL },
    { "收到司法建议3件,均已按期回复。", NULL },
    { "其中重点提案12件,均由区长领衔督办。", NULL },
    { "近三年来共办理人大代表建议和政协提案468件。", NULL },
    { "信访事项按期办结率100%,群众满意率95%。", NULL },
    { "审计发现问题整改建议26条,已全部办结。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年办理人大代表建议和政协提案115件。", "proposals.handled" },
    { "政务服务好差评满意率100%,人大代表建议办理有序推进。", NULL },
    { "办理人大代表建议和政协提案,满意率同比提高5%。", NULL },
    { "上半年承办人大代表建议和政协提案60件,办复率100%。", NULL },
    { "确保人大代表建议和政协提案全部按期办结。", NULL },
    { "办理人大代表建议和政协提案,化解信访积案共32件。", "proposals.handled" },
    { "全年办理人大代表建议31件、人大代表建议12件。", "proposals.handled" },
    { "区司法局承办人大代表建议5件、政协提案7件,均按期办结,办复率100%。", NULL },
};

static const kh_test_seed seeds[] = {
    { "chengyang-2024", "proposals.reply_rate", KH_SEED_ABSENT },
    { "chengyang-2024", "proposals.handled", KH_SEED_ABSENT },
    { "chengyang-2024", "proposals.satisfaction_rate", KH_SEED_ABSENT },
    { "rongcheng-2022", "proposals.reply_rate", KH_SEED_ABSENT },
    { "rongcheng-2022", "proposals.handled", KH_SEED_ABSENT },
    { "rongcheng-2022", "proposals.satisfaction_rate", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "proposals.reply_rate", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "proposals.handled", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "proposals.satisfaction_rate", KH_SEED_ABSENT },
    { "wendeng-2024", "proposals.reply_rate", KH_SEED_ABSENT },
    { "wendeng-2024", "proposals.handled", KH_SEED_ABSENT },
    { "wendeng-2024", "proposals.satisfaction_rate", KH_SEED_ABSENT },
    { "yicheng-2021", "proposals.reply_rate", KH_SEED_FACT, 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率均为 100%" },
    { "yicheng-2021", "proposals.handled", KH_SEED_FACT, 122, KH_QUAL_EXACT, KH_BASIS_STATED, "办理回复市区人大政协议案 122 件" },
    { "yicheng-2021", "proposals.satisfaction_rate", KH_SEED_ANY },
};

KH_TEST_PLUGIN_SUITE(proposals, plugin_keys, yields, absents, seeds)
