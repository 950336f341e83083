/*
 * enforcement.c — extractor plugin for the number of certificate-holding
 * law-enforcement officers (持证行政执法人员) of the whole reporting unit.
 *
 * Anchor: 执法人员 | 执法队员 | 执法证. In the anchor's sentence, two local
 * shapes: "<N>名(持证)(行政)执法人员" / "<N>名持有行政执法证件的人员", and
 * "(持证)(行政)执法人员(共有)<N>名". Refused: person-times (人次), a
 * township / department subset (镇街共配备执法人员92名), this year's new or
 * cancelled certificates (新申领, 注销, 年审), auxiliary staff (辅助, 协管),
 * officers sent out or picked for an activity (出动, 抽取, 考试). A count of
 * officers trained is offered with low confidence only when it is said of the
 * whole unit (对全市1300余名执法人员进行培训).
 */
#include <stdbool.h>
#include <string.h>

#include "khp.h"

#define NUM "(?:约|近|超过|逾|不足|不到)?(?:[0-9][0-9,]*(?:\\.[0-9]+)?(?:万|亿)?" \
            "|[零〇一二两三四五六七八九十百千万]+)(?:余|多)?"

typedef struct enf_state {
    khp k;
    kh_re *anchor;   /* 执法人员|执法队员|执法证 */
    kh_re *num_first;/* NUM名(持证)执法人员 */
    kh_re *noun_first;/* (持证)执法人员(共有)NUM名 */
    kh_re *whole;    /* 全区 全市 我区 … */
    kh_re *hard;     /* never the officers of the unit */
    kh_re *part;     /* a township, a department, a team */
    kh_re *activity; /* officers sent on an activity */
    kh_re *trained;  /* officers trained */
    size_t done_until;
} enf_state;

static const char *const enf_keys[] = { "enforcement.officers", NULL };

/* khp_scope() without its "从/由 … before the figure" comparison reading,
 * which misfires on "从全区1000余名…人员中"; a real comparison still has
 * 去年 / 同比 / a year in the clause. */
static unsigned scope(enf_state *st, const kh_doc *doc, size_t anchor, size_t fs,
                      size_t fe)
{
    unsigned mask = khp_scope(&st->k, doc, anchor, fs, fe);
    if (mask & KHP_SCOPE_PRIOR) {
        size_t cs, ce;
        khp_clause_bounds(doc, fs, fe, &cs, &ce);
        if (!khp_contains(doc, cs, fs, "去年") && !khp_contains(doc, cs, fs, "上年") &&
            !khp_contains(doc, cs, fs, "同比") && !khp_contains(doc, cs, fs, "同期") &&
            !khp_contains(doc, cs, fs, "较") && !khp_contains(doc, cs, fs, "比") &&
            !khp_contains(doc, cs, fs, "年"))
            mask &= ~(unsigned)KHP_SCOPE_PRIOR;
    }
    return mask;
}

/* One candidate: match [ms, me), number group g. */
static int consider(enf_state *st, const kh_doc *doc, kh_sink *sink, size_t ss, size_t se,
                    const kh_match *m, int g)
{
    size_t ms = m->start, me = m->end;
    kh_number n;
    if (!khp_number_at(&st->k, doc, m->group_start[g], se, &n) ||
        n.kind == KH_NUM_PERCENT || n.value < 5.0)
        return KH_PLUGIN_OK;
    size_t cls, cle;
    khp_clause_bounds(doc, ms, me, &cls, &cle);
    if (cls < ss)
        cls = ss;
    if (cle > se)
        cle = se;
    kh_match k;
    /* "从全县900余名持证执法人员中随机抽取10%…": what follows 中 is said of
     * a sample, the pool is the officers of the unit */
    size_t vend = cle;
    if (me + 3 <= cle && memcmp(doc->text + me, "中", 3) == 0 &&
        khp_contains(doc, cls, ms, "从"))
        vend = me;
    if (khp_find(&st->k, st->hard, doc, cls, vend, &k))
        return KH_PLUGIN_OK;
    if (khp_find(&st->k, st->part, doc, cls, ms, &k) || khp_contains(doc, ss, ms, "其中"))
        return KH_PLUGIN_OK; /* a township, a department, a subset */
    size_t es = ms;
    int conf = 65;
    if (khp_find(&st->k, st->whole, doc, cls, ms, &k)) {
        es = k.start;
        conf = 90;
    }
    bool trained = khp_find(&st->k, st->trained, doc, cls, vend, &k);
    if (trained) {
        if (conf < 90)
            return KH_PLUGIN_OK; /* a group trained, maybe not all officers */
        conf = 40;
    } else if (khp_find(&st->k, st->activity, doc, cls, vend, &k)) {
        return KH_PLUGIN_OK;
    }
    if (scope(st, doc, ms, n.start, n.end) != KHP_SCOPE_OK)
        return KH_PLUGIN_OK;
    return khp_emit_number(&st->k, sink, "enforcement.officers", n.value, "persons",
                           n.qualifier, KH_BASIS_STATED, es, me, conf,
                           trained ? "officers trained, said of the whole unit" : NULL);
}

static int on_anchor(khp *kp, const kh_doc *doc, const kh_match *am, size_t ss, size_t se,
                     void *ud)
{
    void **run = ud;
    enf_state *st = run[0];
    kh_sink *sink = run[1];
    if (ss < st->done_until)
        return 0;
    st->done_until = se;
    kh_match m;
    size_t pos = ss;
    while (pos < se && khp_find(&st->k, st->num_first, doc, pos, se, &m)) {
        pos = m.end;
        int rc = consider(st, doc, sink, ss, se, &m, 1);
        if (rc != KH_PLUGIN_OK)
            return rc;
    }
    pos = ss;
    while (pos < se && khp_find(&st->k, st->noun_first, doc, pos, se, &m)) {
        pos = m.end;
        int rc = consider(st, doc, sink, ss, se, &m, 1);
        if (rc != KH_PLUGIN_OK)
            return rc;
    }
    return 0;
}

static void enf_fini(void *state)
{
    enf_state *st = state;
    if (!st)
        return;
    const kh_host *host = st->k.host;
    kh_re **all[] = { &st->anchor, &st->num_first, &st->noun_first, &st->whole, &st->hard,
                      &st->part, &st->activity, &st->trained };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

#define OFFICER "(?:持证|持有(?:行政)?执法证(?:件)?的?|在岗|在编|在册)?(?:的)?" \
                "(?:行政)?执法(?:人员|队员)"

static int enf_init(const kh_host *host, const char *config, void **state)
{
    enf_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "enforcement");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp *k = &st->k;
    st->anchor = khp_compile(k, "执法人员|执法队员|执法证");
    st->num_first = khp_compile(k,
        "(?<![0-9.第])(" NUM ")(?:名|人)(?!次)(?:" OFFICER
        "|持有(?:行政)?执法证(?:件)?的(?:人员|工作人员))");
    st->noun_first = khp_compile(k,
        "(?:" OFFICER "|持有(?:行政)?执法证(?:件)?的(?:人员|工作人员))"
        "(?:总数|人数|数量)?(?:共计|共有|共|总计|合计|现有)?(?:达到|达|为|有)?"
        "(?<![0-9.])(" NUM ")(?:名|人)(?!次)");
    st->whole = khp_compile(k,
        "全区|全市|全县|全旗|全州|全盟|我区|我市|我县|本区|本市|本县|区政府|市政府|县政府");
    st->hard = khp_compile(k,
        "新增|新申领|申领|新办|新发|换发|换证|注销|吊销|暂扣|审验|年审|招录|招聘|抽取|抽调|抽查"
        "|出动|派出|辅助|协管|辅警|聘用|临时|清理|考试|测试|抽测|通过率|取得|报名|下沉|派驻"
        "|新任|首次|其中|人次|占比|比例|执法监督员|监督员");
    st->part = khp_compile(k,
        "镇街|乡镇|街道|(?<![各全所])(?:镇|乡|社区|村)|(?<![各全])(?:局|大队|中队|支队|执法队"
        "|委员会|中心|站|所(?![有属辖]))|领域|系统|行业");
    st->activity = khp_compile(k, "组织|开展|检查|巡查|整治|执勤|参加|参与|联合|专项");
    st->trained = khp_compile(k, "培训|轮训|参训|学习|教育");
    kh_re *all[] = { st->anchor, st->num_first, st->noun_first, st->whole, st->hard,
                     st->part, st->activity, st->trained };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]) {
            enf_fini(st);
            return KH_PLUGIN_EINVAL;
        }
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int enf_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    enf_state *st = state;
    st->done_until = 0;
    void *run[2] = { st, sink };
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, run);
    return rc < 0 ? KH_PLUGIN_ERROR : rc;
}

static const kh_plugin_descriptor enf_descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = "enforcement",
    .version = "1.0.0",
    .description = "certificate-holding law-enforcement officers of the unit",
    .provides = enf_keys,
    .init = enf_init,
    .extract = enf_extract,
    .fini = enf_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &enf_descriptor;
}
