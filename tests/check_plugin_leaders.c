/*
 * check_plugin_leaders.c — tests of the leaders extractor plugin (leaders.law_study_sessions):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */

#include "kh_test_util.h"

static const char *const plugin_keys[] = { "leaders.law_study_sessions", NULL };

static const kh_test_yield yields[] = {
    { "区政府常务会议会前学法12次。",
      "leaders.law_study_sessions", 12, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法12次" },
    { "全年组织区政府常务会议学法10次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "组织区政府常务会议学法10次" },
    { "坚持会前学法制度,全年共开展会前学法14次。",
      "leaders.law_study_sessions", 14, KH_QUAL_EXACT, KH_BASIS_STATED, "开展会前学法14次" },
    { "组织召开8次常务会议会前学法。",
      "leaders.law_study_sessions", 8, KH_QUAL_EXACT, KH_BASIS_STATED, "8次常务会议会前学法" },
    { "县政府常务会议开展会前学法十二次。",
      "leaders.law_study_sessions", 12, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法十二次" },
    { "已开展政府常务会议会前学法9期。",
      "leaders.law_study_sessions", 9, KH_QUAL_EXACT, KH_BASIS_STATED, "已开展政府常务会议会前学法9期" },
    { "市政府常务会议会前学法共计11次,学习法律法规23部。",
      "leaders.law_study_sessions", 11, KH_QUAL_EXACT, KH_BASIS_STATED, "市政府常务会议会前学法共计11次" },
    { "常务会议学法6次",
      "leaders.law_study_sessions", 6, KH_QUAL_EXACT, KH_BASIS_STATED, "常务会议学法6次" },
    { "坚持会前学法,今年以来共开展15次。",
      "leaders.law_study_sessions", 15, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法,今年以来共开展15次" },
    { "全年开展会前学法活动８次",
      "leaders.law_study_sessions", 8, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法活动８次" },
    { "区政府常务会议会前学法18场",
      "leaders.law_study_sessions", 18, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法18场" },
    { "组织区政府常务会议集体学法7次",
      "leaders.law_study_sessions", 7, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议集体学法7次" },
    { "今年以来,区政府常务会议先后开展会前学法9次",
      "leaders.law_study_sessions", 9, KH_QUAL_EXACT, KH_BASIS_STATED, "开展会前学法9次" },
    { "区政府常务会议会前学法十次,邀请法律顾问授课3次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法十次" },
    { "全年区政府常务会议会前学法约20次。",
      "leaders.law_study_sessions", 20, KH_QUAL_ABOUT, KH_BASIS_STATED, "区政府常务会议会前学法约20次" },
    { "区政府常务会\n会前学法 10 次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会会前学法10次" },
};

static const kh_test_absent absents[] = {
    { "区委理论学习中心组集体学法6次。", NULL },
    { "每年安排区政府常务会议会前学法不少于4次。", NULL },
    { "先后8次利用区委常委会、政府常务会等形式专题学习习近平法治思想。", NULL },
    { "制定《区政府常务会议2024年学法计划》。", NULL },
    { "区政府党组会议会前学法5次。", NULL },
    { "在第12次常务会议上专题学法。", NULL },
    { "力争全年开展会前学法12次。", NULL },
    { "组织领导干部旁听庭审3次。", NULL },
    { "集体学法12次。", NULL },
    { "近三年来开展会前学法36次。", NULL },
    { "上半年开展会前学法4次。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年区政府常务会议会前学法10次。", NULL },
    { "区政府常务会议研究法治政府建设工作3次。", NULL },
    { "街道办事处会前学法8次。", NULL },
    { "每季度开展会前学法1次。", NULL },
    { "区政府第12次常务会议会前学法。", NULL },
};

static const kh_test_seed seeds[] = {
    { "chengyang-2024", "leaders.law_study_sessions", KH_SEED_ABSENT },
    { "rongcheng-2022", "leaders.law_study_sessions", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "leaders.law_study_sessions", KH_SEED_ABSENT },
    { "wendeng-2024", "leaders.law_study_sessions", KH_SEED_ABSENT },
    { "yicheng-2021", "leaders.law_study_sessions", KH_SEED_FACT, 6, KH_QUAL_EXACT, KH_BASIS_STATED, "已开展会前学法 6 期" },
};

KH_TEST_PLUGIN_SUITE(leaders, plugin_keys, yields, absents, seeds)
