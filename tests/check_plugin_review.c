/*
 * check_plugin_review.c — the review (行政复议) plugin: table-driven rows of
 * report language that must (or must not) yield each review.* fact, and the
 * five seed reports against their gold expectations.
 */

#include "kh_test_util.h"

#define RECEIVED "review.received"
#define ACCEPTED "review.accepted"
#define CLOSED "review.closed"
#define CORRECTED "review.corrected"
#define CRATE "review.correction_rate"

/* A district's report title, so that 全市 names the level above. */
#define DISTRICT_TITLE "某市某某区人民政府关于2023年法治政府建设情况的报告\n\n"

/* Sentences in the language of such reports (not the seeds' wording). */
static const kh_test_yield yields[] = {
    {"全年共收到行政复议申请86件，受理72件，审结65件。", RECEIVED, 86, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年共收到行政复议申请86件，受理72件，审结65件。", ACCEPTED, 72, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年共收到行政复议申请86件，受理72件，审结65件。", CLOSED, 65, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新收行政复议案件312件，依法受理298件。", RECEIVED, 312, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新收行政复议案件312件，依法受理298件。", ACCEPTED, 298, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府依法受理行政复议案件一百零五件。", ACCEPTED, 105, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CLOSED, 58, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CORRECTED, 9, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CRATE, 15.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议工作中，通过撤销、变更、确认违法等方式纠错12件。", CORRECTED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议决定撤销、变更、确认违法共计23件。", CORRECTED, 23, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议案件收案数量为140余件。", RECEIVED, 140, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"受理行政复议申请\n１２０件，当场受理率显著提高。", ACCEPTED, 120, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议纠错率为8.3%。", CRATE, 8.3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"共收到行政復議申請45件。", RECEIVED, 45, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"審結行政復議案件約200件。", CLOSED, 200, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"行政复议案件审结率98%，结案76件。", CLOSED, 76, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府受理行政复议案件 1,024 件，同比增长 18%。", ACCEPTED, 1024, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"截至11月底，共收到行政复议申请412件，受理368件。", ACCEPTED, 368, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议案件审结115件，其中维持82件，撤销、确认违法等纠错18件。", CORRECTED, 18, KH_QUAL_EXACT, KH_BASIS_STATED},
};

static const kh_test_absent absents[] = {
    {"上半年，共收到行政复议申请39件。", RECEIVED},
    {"不予受理行政复议申请5件。", ACCEPTED},
    {"区政府作出的行政行为在行政复议中被纠错3件。", CORRECTED},
    {"受理行政复议案件27件。承办行政诉讼案件24件，已审结8件。", CLOSED},
    {"收到行政复议申请30件，行政诉讼案件18件，审结15件。", CLOSED},
    {"近三年共受理行政复议案件300件。", ACCEPTED},
    {DISTRICT_TITLE "全市共受理行政复议案件1200件。", ACCEPTED},
    {"以区政府为被申请人的行政复议案件15件，已审结12件。", CLOSED},
    {"行政复议案件中以调解方式结案15件。", CLOSED},
    {"受理行政复议案件同比增加25件。", ACCEPTED},
    {"行政复议纠错率同比下降3%。", CRATE},
    {"市中级人民法院审结涉行政复议案件40件。", CLOSED},
    {"全省行政复议案件纠错率为12%。", CRATE},
    {"行政复议工作中加强监督，行政执法案卷评查纠错率为5%。", CRATE},
    {"接受行政复议咨询300人次。", RECEIVED},
    {"2019年以来，共受理行政复议案件820件。", ACCEPTED},
    {"去年受理行政复议案件50件。", ACCEPTED},
    {"行政复议撤销3件、变更2件。", CORRECTED},
    {"力争行政复议纠错率达到15%。", CRATE},
    {"整合行政复议、公证、法律援助等职能，受理各类案件560件。", ACCEPTED},
    {DISTRICT_TITLE "市行政复议局受理我区行政复议案件38件。", ACCEPTED},
    {"行政复议被纠错率为3%。", CRATE},
    {"行政复议服务窗口接待群众来访120人次。", RECEIVED},
};

static const kh_test_seed seeds[] = {
    {"chengyang-2024", RECEIVED, KH_SEED_ABSENT},
    {"chengyang-2024", ACCEPTED, KH_SEED_FACT, 666, KH_QUAL_EXACT, KH_BASIS_STATED, "受理行政复议案件666件"},
    {"chengyang-2024", CLOSED, KH_SEED_FACT, 594, KH_QUAL_EXACT, KH_BASIS_STATED, "结案594件"},
    {"chengyang-2024", CORRECTED, KH_SEED_ABSENT},
    {"chengyang-2024", CRATE, KH_SEED_ABSENT},
    {"rongcheng-2022", RECEIVED, KH_SEED_ABSENT},
    {"rongcheng-2022", ACCEPTED, KH_SEED_ABSENT},
    {"rongcheng-2022", CLOSED, KH_SEED_ABSENT},
    {"rongcheng-2022", CORRECTED, KH_SEED_ABSENT},
    {"rongcheng-2022", CRATE, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", RECEIVED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", ACCEPTED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", CLOSED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", CORRECTED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", CRATE, KH_SEED_ABSENT},
    {"wendeng-2024", RECEIVED, KH_SEED_ABSENT},
    {"wendeng-2024", ACCEPTED, KH_SEED_FACT, 150, KH_QUAL_EXACT, KH_BASIS_STATED, "行政复议申请 150 件"},
    {"wendeng-2024", CLOSED, KH_SEED_FACT, 115, KH_QUAL_EXACT, KH_BASIS_STATED, "已结案 115 件"},
    {"wendeng-2024", CORRECTED, KH_SEED_FACT, 40, KH_QUAL_EXACT, KH_BASIS_STATED, "纠错 40 件"},
    {"wendeng-2024", CRATE, KH_SEED_ABSENT},
    {"yicheng-2021", RECEIVED, KH_SEED_FACT, 39, KH_QUAL_EXACT, KH_BASIS_STATED, "共收到行政复议申请 39 件"},
    {"yicheng-2021", ACCEPTED, KH_SEED_FACT, 27, KH_QUAL_EXACT, KH_BASIS_STATED, "受理行政复议案件 27 件"},
    {"yicheng-2021", CLOSED, KH_SEED_FACT, 25, KH_QUAL_EXACT, KH_BASIS_STATED, "已审结 25 件"},
    {"yicheng-2021", CORRECTED, KH_SEED_ABSENT},
    {"yicheng-2021", CRATE, KH_SEED_ABSENT},
};

KH_TEST_PLUGIN_SUITE(review, NULL, yields, absents, seeds)
