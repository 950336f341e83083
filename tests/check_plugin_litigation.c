/*
 * check_plugin_litigation.c — the litigation plugin: table-driven rows of
 * report language that must (or must not) yield each litigation.* fact, and
 * the five seed reports against their gold expectations.
 */

#include "kh_test_util.h"

#define RATE "litigation.head_appearance_rate"
#define CASES "litigation.cases"
#define LOST "litigation.lost"
#define LOSS_RATE "litigation.loss_rate"

/* A district's report title, so that 全市 names the level above. */
#define DISTRICT_TITLE "某市某某区人民政府关于2023年法治政府建设情况的报告\n\n"

/* Sentences in the language of such reports (not the seeds' wording). */
static const kh_test_yield yields[] = {
    {"全区行政机关负责人出庭应诉率达到100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年行政机关负责人出庭率为98.6％，较往年稳步提升。", RATE, 98.6, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政机关负责人出庭应诉率提高到97.2%，较上年提高5个百分点。", RATE, 97.2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"做到了行政机关负责人100%出庭应诉。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区各级行政机关负责人均依法出庭应诉，庭审秩序良好。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"今年以来，实现行政机关负责人出庭应诉全覆盖。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"行政机关负责人出庭应诉45件，出庭率100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政機關負責人出庭應訴率１００％。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政机关负责人\n出庭应诉率 95.5%。", RATE, 95.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区共发生行政诉讼案件56起，其中败诉3起。", CASES, 56, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区共发生行政诉讼案件56起，其中败诉3起。", LOST, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年全区行政机关办理一审行政应诉案件1206件。", CASES, 1206, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"以区政府为被告的行政诉讼案件共计三十二件。", CASES, 32, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"本年度县政府承办行政诉讼案件约40宗，均依法按时提交答辩材料。", CASES, 40, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"全年共应诉行政案件120余件，败诉率为4.2%。", CASES, 120, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"全年共应诉行政案件120余件，败诉率为4.2%。", LOSS_RATE, 4.2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年行政诉讼案件\n24 件，行政机关败诉 1 件。", CASES, 24, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年行政诉讼案件\n24 件，行政机关败诉 1 件。", LOST, 1, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府作为被告的行政诉讼案件１８件，无败诉案件。", CASES, 18, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区行政诉讼案件实现零败诉。", LOST, 0, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新发生行政应诉案件37件，败诉案件2件，行政诉讼败诉率5.4%。", LOST, 2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新发生行政应诉案件37件，败诉案件2件，行政诉讼败诉率5.4%。", LOSS_RATE, 5.4, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"积极推行负责人出庭应诉，负责人出庭应诉比例达到85.2%。", RATE, 85.2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区行政机关负责人出庭应诉率、出声率均达到100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政机关负责人出庭应诉率为百分之九十八点五。", RATE, 98.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全区行政机关负责人出庭应诉率达96%以上。", RATE, 96, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
};

static const kh_test_absent absents[] = {
    {"在诉讼过程中，均按规定委托了相关工作人员出庭应诉。", RATE},
    {"要求各单位负责人出庭应诉率达到100%。", RATE},
    {"区政府将于年内实现行政机关负责人出庭应诉率100%。", RATE},
    {"行政机关工作人员出庭应诉率100%。", RATE},
    {"行政诉讼出庭应诉率达到100%。", RATE},
    {"行政机关正职负责人出庭率为85%。", RATE},
    {"各单位主要负责人出庭应诉率100%。", RATE},
    {"行政机关负责人出庭应诉6件。", RATE},
    {"行政机关负责人出庭应诉6件。", CASES},
    {"行政机关负责人出庭率同比上升12%。", RATE},
    {"行政机关负责人出庭出声率100%。", RATE},
    {"力争行政机关负责人出庭应诉率达到100%。", RATE},
    {"推动行政机关负责人出庭应诉全覆盖。", RATE},
    {"行政机关负责人均应出庭应诉，不能出庭的应当委托工作人员。", RATE},
    {"区人民法院全年受理行政诉讼案件300件。", CASES},
    {"全区法院新收一审行政案件215件，审结198件。", CASES},
    {"法律顾问代理诉讼案件69件，败诉2件。", LOST},
    {"近三年来，全区共发生行政诉讼案件90件。", CASES},
    {"上半年，全区新发生行政诉讼案件12件。", CASES},
    {"人民法院审结行政案件150件，行政机关败诉18件，败诉率12%。", LOST},
    {"人民法院审结行政案件150件，行政机关败诉18件，败诉率12%。", LOSS_RATE},
    {"全年行政复议和行政诉讼案件共50件。", CASES},
    {DISTRICT_TITLE "全市行政机关办理一审行政应诉案件1882件。", CASES},
    {"行政诉讼败诉率同比下降2%。", LOSS_RATE},
    {"为企业办理诉讼、仲裁案件8件。", CASES},
    {"行政诉讼案件同比下降15%。", CASES},
    {"区人社局应诉行政诉讼案件15件。", CASES},
    {"行政机关负责人因故不能出庭的，均委托工作人员出庭应诉。", RATE},
    {"落实行政机关负责人出庭应诉全覆盖要求。", RATE},
    {"行政机关负责人出庭应诉率较去年提升10个百分点。", RATE},
    {"全区行政诉讼案件开庭审理58件。", CASES},
};

static const kh_test_seed seeds[] = {
    {"chengyang-2024", RATE, KH_SEED_ABSENT},
    {"chengyang-2024", CASES, KH_SEED_ABSENT},
    {"chengyang-2024", LOST, KH_SEED_ABSENT},
    {"chengyang-2024", LOSS_RATE, KH_SEED_ABSENT},
    {"rongcheng-2022", RATE, KH_SEED_ABSENT},
    {"rongcheng-2022", CASES, KH_SEED_ABSENT},
    {"rongcheng-2022", LOST, KH_SEED_ABSENT},
    {"rongcheng-2022", LOSS_RATE, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", RATE, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", CASES, KH_SEED_FACT, 28, KH_QUAL_EXACT, KH_BASIS_STATED, "全区新发生行政诉讼案件共28件"},
    {"weihai-gaoqu-2017", LOST, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", LOSS_RATE, KH_SEED_ABSENT},
    {"wendeng-2024", RATE, KH_SEED_FACT, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "负责人均按规定出庭应诉"},
    {"wendeng-2024", CASES, KH_SEED_FACT, 24, KH_QUAL_EXACT, KH_BASIS_STATED, "行政诉讼案件共24件"},
    {"wendeng-2024", LOST, KH_SEED_FACT, 1, KH_QUAL_EXACT, KH_BASIS_STATED, "败诉1件"},
    {"wendeng-2024", LOSS_RATE, KH_SEED_ABSENT},
    {"yicheng-2021", RATE, KH_SEED_FACT, 100, KH_QUAL_EXACT, KH_BASIS_STATED, "行政机关负责人出庭率 100%"},
    {"yicheng-2021", CASES, KH_SEED_ABSENT},
    {"yicheng-2021", LOST, KH_SEED_ABSENT},
    {"yicheng-2021", LOSS_RATE, KH_SEED_ABSENT},
};

KH_TEST_PLUGIN_SUITE(litigation, NULL, yields, absents, seeds)
