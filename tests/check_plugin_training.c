/*
 * check_plugin_training.c — tests of the training extractor plugin (training.hours_per_person, training.hours_total, training.participants):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */

#include "kh_test_util.h"

static const char *const plugin_keys[] = { "training.hours_per_person", "training.hours_total", "training.participants", NULL };

static const kh_test_yield yields[] = {
    { "全区行政执法人员人均完成网络学法42学时。",
      "training.hours_per_person", 42, KH_QUAL_EXACT, KH_BASIS_STATED, "人均完成网络学法42学时" },
    { "组织全区2600余名国家工作人员参加网上学法,人均学习时长达到52学时。",
      "training.hours_per_person", 52, KH_QUAL_EXACT, KH_BASIS_STATED, "人均学习时长达到52学时" },
    { "举办领导干部法治专题培训班3期,培训领导干部280余人次。",
      "training.participants", 280, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "培训领导干部280余人次" },
    { "依托网络学法平台,组织执法人员开展公共法律知识培训,培训总时长达8600学时。",
      "training.hours_total", 8600, KH_QUAL_EXACT, KH_BASIS_STATED, "培训总时长达8600学时" },
    { "全年共对1,250名行政执法人员进行法律知识轮训。",
      "training.participants", 1250, KH_QUAL_EXACT, KH_BASIS_STATED, "1,250名行政执法人员进行法律知识轮训" },
    { "对全县行政执法人员开展为期3天的集中培训,参训人员共计460人。",
      "training.participants", 460, KH_QUAL_EXACT, KH_BASIS_STATED, "参训人员共计460人" },
    { "全市国家工作人员累计完成学法培训共36000学时。",
      "training.hours_total", 36000, KH_QUAL_EXACT, KH_BASIS_STATED, "36000学时" },
    { "依托学法平台,执法人员人均学法时长达到48.5小时。",
      "training.hours_per_person", 48.5, KH_QUAL_EXACT, KH_BASIS_STATED, "人均学法时长达到48.5小时" },
    { "完成全区８６０名执法人员的年度法律知识培训。",
      "training.participants", 860, KH_QUAL_EXACT, KH_BASIS_STATED, "８６０名执法人员的年度法律知识培训" },
    { "1200余名执法人员参加了全员\n法治轮训,每人完成40学时。",
      "training.hours_per_person", 40, KH_QUAL_EXACT, KH_BASIS_STATED, "每人完成40学时" },
    { "1200余名执法人员参加了全员\n法治轮训,每人完成40学时。",
      "training.participants", 1200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "1200余名执法人员参加了全员法治轮训" },
    { "组织开展依法行政专题培训4期,培训国家工作人员约900人次。",
      "training.participants", 900, KH_QUAL_ABOUT, KH_BASIS_STATED, "培训国家工作人员约900人次" },
    { "为政府部门工作人员举办民法典专题培训,共培训1500余人次。",
      "training.participants", 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "培训1500余人次" },
    { "区政府各部门共计320名领导干部参加宪法专题轮训。",
      "training.participants", 320, KH_QUAL_EXACT, KH_BASIS_STATED, "320名领导干部参加宪法专题轮训" },
    { "新任职领导干部85人全部参加任前法律知识培训。",
      "training.participants", 85, KH_QUAL_EXACT, KH_BASIS_STATED, "85人全部参加任前法律知识培训" },
    { "执法人员培训总学时累计达12,600学时。",
      "training.hours_total", 12600, KH_QUAL_EXACT, KH_BASIS_STATED, "培训总学时累计达12,600学时" },
    { "一千二百名执法人员完成了二十学时的法律知识培训。",
      "training.hours_per_person", 20, KH_QUAL_EXACT, KH_BASIS_STATED, "完成了二十学时的法律知识培训" },
    { "一千二百名执法人员完成了二十学时的法律知识培训。",
      "training.participants", 1200, KH_QUAL_EXACT, KH_BASIS_STATED, "一千二百名执法人员" },
    { "区司法局牵头,全区共培训行政执法人员1460人次。",
      "training.participants", 1460, KH_QUAL_EXACT, KH_BASIS_STATED, "培训行政执法人员1460人次" },
};

static const kh_test_absent absents[] = {
    { "按照要求,执法人员每人每年参加法律知识培训不少于60学时。", NULL },
    { "培训法律明白人1200名,实现村居全覆盖。", NULL },
    { "组织人民调解员业务培训3期,培训调解员460人次。", NULL },
    { "2950余名国家工作人员参加年度普法考试,参考率100%。", NULL },
    { "组织执法人员旁听庭审12次,旁听人数320人。", NULL },
    { "开展网格员法治培训,参训网格员800余人。", NULL },
    { "对企业从业人员开展安全生产培训,参训6000余人次。", NULL },
    { "力争全区执法人员年度培训率达到100%,人均学时达到50学时。", NULL },
    { "全区群众参加普法讲座12000余人次。", NULL },
    { "开展普法志愿者培训,培训志愿者320名。", NULL },
    { "邀请律师为村(社区)干部开展法律培训,参训600余人次。", NULL },
    { "举办法治培训班5期。", NULL },
    { "近三年来累计培训执法人员3600余人次。", NULL },
    { "上半年组织执法人员法律培训420人次。", NULL },
    { "培训考试通过率98%。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2019年全市培训执法人员1500名。", NULL },
    { "计划培训执法人员800人次。", NULL },
    { "全区共计1300余人次参加法治培训,完成网上学法考试。", "training.hours_total" },
    { "区市场监管局举办食品安全法律知识培训,培训执法人员120人次。", NULL },
};

static const kh_test_seed seeds[] = {
    { "chengyang-2024", "training.hours_per_person", KH_SEED_ABSENT },
    { "chengyang-2024", "training.hours_total", KH_SEED_ABSENT },
    { "chengyang-2024", "training.participants", KH_SEED_ABSENT },
    { "rongcheng-2022", "training.hours_per_person", KH_SEED_ABSENT },
    { "rongcheng-2022", "training.hours_total", KH_SEED_FACT, 12774, KH_QUAL_EXACT, KH_BASIS_STATED, "培训总时长12774学时" },
    { "rongcheng-2022", "training.participants", KH_SEED_FACT_OR, 563, KH_QUAL_EXACT, KH_BASIS_STATED, "563名人员进行线上公共法律知识培训考试", .accept = 1300 },
    { "weihai-gaoqu-2017", "training.hours_per_person", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "training.hours_total", KH_SEED_ABSENT },
    { "weihai-gaoqu-2017", "training.participants", KH_SEED_FACT, 201, KH_QUAL_EXACT, KH_BASIS_STATED, "201名执法人员均接受过法治教育培训" },
    { "wendeng-2024", "training.hours_per_person", KH_SEED_FACT, 30, KH_QUAL_EXACT, KH_BASIS_STATED, "完成30学时的公共法律知识培训" },
    { "wendeng-2024", "training.hours_total", KH_SEED_ABSENT },
    { "wendeng-2024", "training.participants", KH_SEED_FACT, 1110, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "1110 余人次完成30学时" },
    { "yicheng-2021", "training.hours_per_person", KH_SEED_ABSENT },
    { "yicheng-2021", "training.hours_total", KH_SEED_ABSENT },
    { "yicheng-2021", "training.participants", KH_SEED_ABSENT },
};

KH_TEST_PLUGIN_SUITE(training, plugin_keys, yields, absents, seeds)
