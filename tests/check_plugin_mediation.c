/*
 * check_plugin_mediation.c — the mediation plugin (mediation.resolved,
 * mediation.success_rate): table-driven sentences that must give a fact, and
 * sentences that must give none (court-side, multi-year, one township or one
 * committee, screening counts …), then the five seed reports against the
 * expectations read from fixtures/gold/<seed>.yaml.
 */

#include "kh_test_util.h"

#define RESOLVED "mediation.resolved"
#define RATE "mediation.success_rate"

static const kh_test_yield yields[] = {
    {"全区各级人民调解组织共调解成功矛盾纠纷3,562件。", RESOLVED, 3562, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"成功调解各类矛盾纠纷2100余起,调解成功率98.6%。", RESOLVED, 2100, KH_QUAL_MORE_THAN,
     KH_BASIS_STATED},
    {"成功调解各类矛盾纠纷2100余起,调解成功率98.6%。", RATE, 98.6, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年化解矛盾纠纷1.2万件。", RESOLVED, 12000, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"调处成功各类纠纷850宗。", RESOLVED, 850, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全县共排查矛盾纠纷1500起,调解成功1460起,调解成功率97.3%。", RESOLVED, 1460,
     KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全县共排查矛盾纠纷1500起,调解成功1460起,调解成功率97.3%。", RATE, 97.3, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"人民调解成功率达到99%以上。", RATE, 99, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"受理纠纷800件,调解成功780件,成功率97.5%。", RATE, 97.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全市矛盾纠纷化解率达96%。", RATE, 96, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"调解成功纠纷１２００件。", RESOLVED, 1200, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"人民调解组织调解成功各类纠纷\n4500 余件。", RESOLVED, 4500, KH_QUAL_MORE_THAN,
     KH_BASIS_STATED},
    {"成功调解纠纷三百余件。", RESOLVED, 300, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"全市共调解成功各类民间纠纷约9000件。", RESOLVED, 9000, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"依托区矛盾纠纷调解中心,全区共调解成功纠纷1800件。", RESOLVED, 1800, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"今年以来,全区人民调解组织化解矛盾纠纷2300件,调解成功率99.2%。", RESOLVED, 2300,
     KH_QUAL_EXACT, KH_BASIS_STATED},
    {"各级调委会共调解成功纠纷600件。", RESOLVED, 600, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters */
    {"全區共調解成功各類糾紛2300餘件。", RESOLVED, 2300, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
};

static const kh_test_absent absents[] = {
    {"诉前委派调解案件236件,调解成功139件。", RESOLVED},
    {"去年以来,成功调解矛盾纠纷3276件。", RESOLVED},
    {"城关镇调委会调解成功纠纷120件。", RESOLVED},
    {"排查矛盾纠纷1200起。", RESOLVED},
    {"排查化解矛盾纠纷860件。", RESOLVED},
    {"律师事务所调处矛盾纠纷42起、成功化解纠纷30件。", RESOLVED},
    {"化解信访积案35件。", RESOLVED},
    {"信访案件化解率为100%。", RATE},
    {"全区共有人民调解员1200名。", RESOLVED},
    {"智慧调解平台录入调解案件1367件。", RESOLVED},
    {"法院诉调对接中心调解成功纠纷500件。", RESOLVED},
    {"其中运用调解方式化解行政复议案件6件。", RESOLVED},
    {"力争调解成功率达到98%以上。", RATE},
    {"上半年调解成功纠纷800件。", RESOLVED},
    {"派出所调解成功治安纠纷300起。", RESOLVED},
    {"调解成功率同比提高2个百分点。", RATE},
    {"近三年累计调解成功纠纷1.5万件。", RESOLVED},
    {"参与人民调解、矛盾纠纷化解2500件次。", RESOLVED},
    {"医患纠纷人民调解委员会调解成功医疗纠纷95件,调解成功率100%。", RATE},
    {"訴前委派調解案件200件,調解成功150件。", RESOLVED},
};

static const kh_test_seed seeds[] = {
    {"chengyang-2024", RESOLVED, KH_SEED_ABSENT},
    {"chengyang-2024", RATE, KH_SEED_ABSENT},
    {"rongcheng-2022", RESOLVED, KH_SEED_ANY},
    {"rongcheng-2022", RATE, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", RESOLVED, KH_SEED_ANY},
    {"weihai-gaoqu-2017", RATE, KH_SEED_ABSENT},
    {"wendeng-2024", RESOLVED, KH_SEED_FACT, 6700, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "调解成功各类纠纷案件6700余起"},
    {"wendeng-2024", RATE, KH_SEED_ABSENT},
    {"yicheng-2021", RESOLVED, KH_SEED_ANY},
    {"yicheng-2021", RATE, KH_SEED_ABSENT},
};

KH_TEST_PLUGIN_SUITE(mediation, NULL, yields, absents, seeds)
