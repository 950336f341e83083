/*
 * check_plugin_normative.c — the normative plugin (normative_docs.filed,
 * normative_docs.filing_rate, normative_docs.unfiled): table-driven sentences
 * that must give a fact, and sentences that must give none, then the five
 * seed reports against the expectations read from fixtures/gold/<seed>.yaml.
 */

#include "kh_test_util.h"

#define FILED "normative_docs.filed"
#define RATE "normative_docs.filing_rate"
#define UNFILED "normative_docs.unfiled"

static const kh_test_yield yields[] = {
    {"全年向市政府报备规范性文件12件。", FILED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"制定并报备县政府行政规范性文件5件,涉及农村宅基地管理。", FILED, 5, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"区政府规范性文件报备8件,报备率、报备及时率均达100%。", FILED, 8, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"区政府规范性文件报备8件,报备率、报备及时率均达100%。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"报送市政府备案规范性文件3件。", FILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"依法报备规范性文件十二件。", FILED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"报备规范性文件１５件,无逾期情况。", FILED, 15, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年报备规范性文件20余件。", FILED, 20, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"向市政府报备规范性\n文件 6 件。", FILED, 6, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件备案率100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政规范性文件报备及时率为99.5%。", RATE, 99.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件100%按时报备。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府制发的规范性文件均按规定报市政府备案。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_IMPLIED},
    {"出台行政规范性文件9件,全部报送备案。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"出台行政规范性文件9件,全部报送备案。", FILED, 9, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年制定政府规范性文件4件、部门规范性文件11件,均已按时备案。", FILED, 15, KH_QUAL_EXACT,
     KH_BASIS_DERIVED},
    {"未按规定报备规范性文件2件,已督促整改。", UNFILED, 2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"部门规范性文件逾期报备3件。", UNFILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件逾期报备0件。", UNFILED, 0, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters */
    {"向市政府報備規範性文件7件。", FILED, 7, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"規範性文件報備率100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府制发规范性文件3件,报市政府备案3件。", FILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
};

static const kh_test_absent absents[] = {
    {"对镇街报送的规范性文件进行备案审查,纠正5件。", FILED},
    {"清理规范性文件45件,废止6件。", FILED},
    {"截至目前全区现行有效的政府规范性文件17件。", FILED},
    {"力争规范性文件报备率达到100%。", RATE},
    {"建立规范性文件备案审查制度。", RATE},
    {"涉企检查计划全部报备。", RATE},
    {"企业投资项目备案率100%。", RATE},
    {"规范性文件做到有件必备、有备必审、有错必纠。", RATE},
    {"规范性文件报备工作有待加强。", FILED},
    {"评估规范性文件6件,应评尽评率100%。", RATE},
    {"部分部门规范性文件未全部按时报备。", RATE},
    {"要求各部门制定的规范性文件均须报区政府备案。", RATE},
    {"报送备案的部门合同274件。", FILED},
    {"近三年累计报备规范性文件60件。", FILED},
    {"上半年报备规范性文件5件。", FILED},
    {"规范性文件备案审查率100%。", RATE},
    {"规范性文件无逾期报备情况。", UNFILED},
    {"逾期报备规范性文件2件。", FILED},
    {"規範性文件備案審查率100%。", RATE},
    {"规范性文件管理规范,报送备案的部门合同274件。", FILED},
};

static const kh_test_seed seeds[] = {
    {"chengyang-2024", FILED, KH_SEED_FACT, 2, KH_QUAL_EXACT, KH_BASIS_STATED, "制定并报备区政府及部门行政规范性文件2件"},
    {"chengyang-2024", RATE, KH_SEED_ABSENT},
    {"chengyang-2024", UNFILED, KH_SEED_ABSENT},
    {"rongcheng-2022", FILED, KH_SEED_ANY},
    {"rongcheng-2022", RATE, KH_SEED_FACT, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "全部按规定进行了合法性审核并备案"},
    {"rongcheng-2022", UNFILED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", FILED, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", RATE, KH_SEED_ABSENT},
    {"weihai-gaoqu-2017", UNFILED, KH_SEED_ABSENT},
    {"wendeng-2024", FILED, KH_SEED_ABSENT},
    {"wendeng-2024", RATE, KH_SEED_ABSENT},
    {"wendeng-2024", UNFILED, KH_SEED_ABSENT},
    {"yicheng-2021", FILED, KH_SEED_ABSENT},
    {"yicheng-2021", RATE, KH_SEED_ABSENT},
    {"yicheng-2021", UNFILED, KH_SEED_ABSENT},
};

KH_TEST_PLUGIN_SUITE(normative, NULL, yields, absents, seeds)
