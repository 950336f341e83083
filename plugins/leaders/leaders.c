/*
 * leaders.c — extractor plugin for the government executive meeting's law
 * study (政府常务会议会前学法): sessions held in the reported year.
 *
 * Anchor: 学法. In the anchor's sentence, three local shapes:
 *   "(已开展)(区政府常务会议)会前学法(共)<N>次/期",
 *   "<N>次(区政府)常务会议(会前)学法",
 *   "会前学法(制度), (全年)共开展<N>次" (one clause further, lower confidence).
 * The wording must name 会前学法 or 常务会议…学法. Refused: party study
 * (理论学习中心组, 党组, 常委会), mixed forums (依法治区委员会、常委会、常务会
 * 等形式), plans and rules (计划, 每年不少于4次), ordinals (第12次常务会议).
 */
#include <stdbool.h>
#include <string.h>

#include "khp.h"

#define NUM "(?:约|近|超过|逾|不足|不到)?(?:[0-9][0-9,]*(?:\\.[0-9]+)?" \
            "|[零〇一二两三四五六七八九十百]+)(?:余|多)?"

typedef struct ls_state {
    khp k;
    kh_re *anchor;   /* 学法 */
    kh_re *lead;     /* (开展)(常务会议)会前学法 NUM次 */
    kh_re *num_first;/* NUM次 常务会议 会前学法 */
    kh_re *next;     /* 会前学法, 共开展NUM次 */
    kh_re *veto;     /* party study, mixed forums, plans */
    khp_litset named;/* 会前学法 常务会: consider() takes no match without */
    size_t done_until;
} ls_state;

static const char *const ls_keys[] = { "leaders.law_study_sessions", NULL };

static int consider(ls_state *st, const kh_doc *doc, kh_sink *sink, size_t ss, size_t se,
                    const kh_match *m, int conf)
{
    size_t ns = m->group_start[1];
    kh_number n;
    if (!khp_number_at(&st->k, doc, ns, se, &n) || n.kind == KH_NUM_PERCENT ||
        n.value < 1.0 || n.value > 100.0)
        return KH_PLUGIN_OK;
    /* 会前学法 or 常务会议…学法 must be named */
    if (!khp_contains(doc, m->start, m->end, "会前学法") &&
        !khp_contains(doc, m->start, m->end, "常务会"))
        return KH_PLUGIN_OK;
    size_t cls, cle;
    khp_clause_bounds(doc, m->start, m->end, &cls, &cle);
    if (cls < ss)
        cls = ss;
    kh_match k;
    if (khp_find(&st->k, st->veto, doc, cls, cle, &k))
        return KH_PLUGIN_OK;
    /* the study anchor closest to the figure, so a plan named in an earlier
     * clause (《…学法计划》,已开展会前学法6期) does not veto the result */
    if (khp_scope(&st->k, doc, m->start, n.start, n.end) != KHP_SCOPE_OK)
        return KH_PLUGIN_OK;
    return khp_emit_number(&st->k, sink, "leaders.law_study_sessions", n.value, "sessions",
                           n.qualifier, KH_BASIS_STATED, m->start, m->end, conf, NULL);
}

static int on_anchor(khp *kp, const kh_doc *doc, const kh_match *am, size_t ss, size_t se,
                     void *ud)
{
    void **run = ud;
    ls_state *st = run[0];
    kh_sink *sink = run[1];
    if (ss < st->done_until)
        return 0;
    st->done_until = se;
    /* consider() refuses a match that names neither 会前学法 nor 常务会, and
     * every match lies in [ss, se): without them there (five sentences in
     * six) the three shapes, which begin with optional verbs or a number
     * and try themselves at every character, cannot yield a figure */
    if (!khp_litset_in(&st->named, doc, ss, se))
        return 0;
    struct {
        kh_re *re;
        int conf;
    } shapes[] = { { st->lead, 90 }, { st->num_first, 85 }, { st->next, 60 } };
    size_t emitted_end = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        kh_match m;
        size_t pos = ss;
        while (pos < se && khp_find(&st->k, shapes[i].re, doc, pos, se, &m)) {
            pos = m.end;
            if (m.start < emitted_end)
                continue; /* the same figure read by an earlier shape */
            int conf = shapes[i].conf;
            if (!khp_contains(doc, m.start, m.end, "常务会") && conf > 85)
                conf = 85; /* 会前学法 alone: nearly always the executive meeting */
            int rc = consider(st, doc, sink, ss, se, &m, conf);
            if (rc != KH_PLUGIN_OK)
                return rc;
            if (m.end > emitted_end)
                emitted_end = m.end;
        }
    }
    return 0;
}

static void ls_fini(void *state)
{
    ls_state *st = state;
    if (!st)
        return;
    const kh_host *host = st->k.host;
    khp_free_re(&st->k, &st->anchor);
    khp_free_re(&st->k, &st->lead);
    khp_free_re(&st->k, &st->num_first);
    khp_free_re(&st->k, &st->next);
    khp_free_re(&st->k, &st->veto);
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

#define MEETING "(?:区|市|县|旗|州)?(?:人民)?(?:政府)?常务会(?:议)?(?:上)?"
#define STUDY "(?:会前|集体|专题)?学法(?:活动|讲座|专题)?"
#define UNIT "(?:次|期|场|课)(?!常务会)"

static int ls_init(const kh_host *host, const char *config, void **state)
{
    ls_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "leaders");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp *k = &st->k;
    static const char *const named[] = {"会前学法", "常务会", NULL};
    khp_litset_init(&st->named, named);
    st->anchor = khp_compile(k, "学法");
    st->lead = khp_compile(k,
        "(?:(?:已|共|累计|全年|今年)?(?:开展|组织|举办|召开|进行|安排|实施)(?:了)?)?"
        "(?:" MEETING ")?" STUDY
        "(?:共计|共|累计|合计)?(?:开展|组织|举办|进行)?(?:了)?(?<![0-9.第])(" NUM ")" UNIT);
    st->num_first = khp_compile(k,
        "(?:(?:已|共|累计|全年|今年)?(?:开展|组织|举办|召开|进行|安排)(?:了)?)?"
        "(?<![0-9.第])(" NUM ")(?:次|期|场)" MEETING "(?:会前|集体|专题)?学法");
    st->next = khp_compile(k,
        "(?:会前学法|常务会(?:议)?(?:会前|集体|专题)学法)(?:制度|活动)?,"
        "(?:全年|今年以来|今年)?(?:共|累计)?(?:开展|组织|举办|学习)(?:了)?(?:共)?"
        "(?<![0-9.第])(" NUM ")" UNIT);
    st->veto = khp_compile(k,
        "中心组|党组|常委会|党委|委员会|等形式|不少于|不低于|至少|每年|每季度|每月|计划|力争|确保"
        "|要求|第[0-9一二三四五六七八九十]+次");
    if (!st->anchor || !st->lead || !st->num_first || !st->next || !st->veto) {
        ls_fini(st);
        return KH_PLUGIN_EINVAL;
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int ls_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    ls_state *st = state;
    st->done_until = 0;
    void *run[2] = { st, sink };
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, run);
    return rc < 0 ? KH_PLUGIN_ERROR : rc;
}

static const kh_plugin_descriptor ls_descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = "leaders",
    .version = "1.0.0",
    .description = "政府常务会议会前学法 sessions in the year",
    .provides = ls_keys,
    .init = ls_init,
    .extract = ls_extract,
    .fini = ls_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &ls_descriptor;
}
