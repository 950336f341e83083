/*
 * check_plugin_legality.c — the legality plugin (legality_review.count,
 * legality_review.rate): table-driven sentences that must give a fact, and
 * sentences that must give none, then the five seed reports against the
 * expectations read from fixtures/gold/<seed>.yaml.
 */

#include "kh_test_util.h"

#define COUNT "legality_review.count"
#define RATE "legality_review.rate"

static const kh_test_yield yields[] = {
    {"全年共对区政府常务会议议题、行政规范性文件等开展合法性审查,审查各类文件326件。", COUNT,
     326, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"今年以来,合法性审查各类文件合同218件,提出审查意见400余条。", COUNT, 218, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"共对152件行政规范性文件和重大行政决策进行合法性审查。", COUNT, 152, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"合法性审核区政府及部门文件1,205件,提出修改意见300余条。", COUNT, 1205, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年完成合法性审查80余件。", COUNT, 80, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"出具合法性审查意见书四十五份。", COUNT, 45, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年合法性审查各类\n文件 1500 余件。", COUNT, 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"合法性审核规范性文件３２件。", COUNT, 32, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"对区政府出台的政策措施共计96件进行了合法性审查。", COUNT, 96, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"合法性审查各类文件约300件。", COUNT, 300, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"区政府重大行政决策合法性审查率达到100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件合法性审核率、备案率均为100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"重大行政决策事项100%经过合法性审查。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政执法决定法制审核与合法性审查覆盖率达98.5%。", RATE, 98.5, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年出台的行政规范性文件均经过合法性审查。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"提交区政府常务会议研究的议题全部按程序进行了合法性审核。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_IMPLIED},
    {"区政府签订的各类合同一律经合法性审查后签订。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"县政府重大行政决策合法性审查率\n为 100 %。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters (read as simplified by the normaliser, which needs
     * at least three traditional-only characters to call a text traditional) */
    {"區政府全年合法性審查各類文件120件。", COUNT, 120, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"區政府規範性文件均經過合法性審核。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"对15个重大行政决策事项进行了合法性审查。", COUNT, 15, KH_QUAL_EXACT, KH_BASIS_STATED},
};

static const kh_test_absent absents[] = {
    {"审查政府合同45件,出具法律意见书20份。", COUNT},
    {"对3个重大行政决策、12个规范性文件进行合法性审查。", COUNT},
    {"力争重大行政决策合法性审查率达到100%。", RATE},
    {"近三年来累计合法性审查各类文件1200件。", COUNT},
    {"上半年合法性审查文件60件。", COUNT},
    {"6个合法性审查典型案例入选全市案例汇编。", COUNT},
    {"开展合法性审查业务培训3次,培训人员120人。", COUNT},
    {"《城区道路改造方案》《老旧小区改造实施方案》等重大事项都经过了合法性审查。", RATE},
    {"部分单位规范性文件未全部进行合法性审查。", RATE},
    {"合法性审查工作有待进一步加强。", RATE},
    {"要求重大行政决策必须经过合法性审查。", RATE},
    {"城南街道合法性审查文件35件。", COUNT},
    {"合法性审查意见采纳率95%。", RATE},
    {"确保规范性文件全部经过合法性审查。", RATE},
    {"审查规范性文件12件、合同45件,合法性审查工作规范有序。", COUNT},
    {"审查合同协议82件,合法性审查机制进一步完善。", COUNT},
    {"合法性审查率较上年提高5个百分点。", RATE},
    {"近三年來累計合法性審查各類文件1200件。", COUNT},
    {"区司法局对12个部门报送的合同进行合法性审查。", COUNT},
};

static const kh_test_seed seeds[] = {
    {"chengyang-2024", COUNT, KH_SEED_FACT, 600, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "政府协议等600余件"},
    {"chengyang-2024", RATE, KH_SEED_ABSENT},
    {"rongcheng-2022", COUNT, KH_SEED_ANY},
    {"rongcheng-2022", RATE, KH_SEED_FACT, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "全部按规定进行了合法性审核并备案"},
    {"weihai-gaoqu-2017", COUNT, KH_SEED_ANY},
    {"weihai-gaoqu-2017", RATE, KH_SEED_ABSENT},
    {"wendeng-2024", COUNT, KH_SEED_ANY},
    {"wendeng-2024", RATE, KH_SEED_ABSENT},
    {"yicheng-2021", COUNT, KH_SEED_ANY},
    {"yicheng-2021", RATE, KH_SEED_ABSENT},
};

KH_TEST_PLUGIN_SUITE(legality, NULL, yields, absents, seeds)
