/*
 * survey.c — extractor plugin for the public's satisfaction with the rule of
 * law / law-based government of the whole unit (法治(政府)建设满意度).
 *
 * Anchor: 满意度 | 满意率. In the anchor's sentence the rate must be about
 * 法治: the sentence names 法治 before the rate, with no other subject in
 * between (政务服务, 12345 热线, 调解, 信访, 代表委员, 执法, 普法 …). The value
 * is the percentage right after the rate (达96.5%; 满意度、知晓率分别为…
 * mapped by position). Refused: points (得分96.5分 — a score, not a
 * percentage), growth (提升2.1%), targets, a province's figure (全省…满意度),
 * and in a district or county report the city's figure (全市…满意度).
 * "调查得分96.5%" (a percentage called 得分) is offered with lower confidence.
 */
#include <stdbool.h>
#include <string.h>

#include "khp.h"

typedef struct sv_state {
    khp k;
    kh_re *anchor;  /* 满意度|满意率 */
    kh_re *fazhi;   /* 法治 */
    kh_re *compete; /* another subject the rate could belong to */
    kh_re *chain;   /* \G 、知晓率 — the next name of a rate chain */
    kh_re *conn;    /* \G (调查)(得分)均为 / 达到 … */
    kh_re *pct_sep; /* \G 、 , 和 */
    kh_re *outer;   /* 全省 全国 … */
    kh_re *ours;    /* 我区 本区 全区 … */
    kh_re *level;   /* the reporting unit's level in the title */
    const char *level_text; /* document the cached level belongs to */
    int level_county;       /* 1: district / county report, 0: other, -1 unknown */
    size_t done_until;
} sv_state;

static const char *const sv_keys[] = { "survey.public_satisfaction", NULL };

/* True when the report is a district's or county's (so 全市 is the parent). */
static bool county_report(sv_state *st, const kh_doc *doc)
{
    if (st->level_text == doc->text && st->level_county >= 0)
        return st->level_county == 1;
    st->level_text = doc->text;
    st->level_county = 0;
    size_t limit = doc->len < 600 ? doc->len : 600;
    while (limit < doc->len && ((unsigned char)doc->text[limit] & 0xC0) == 0x80)
        limit++;
    kh_match m;
    if (khp_find(&st->k, st->level, doc, 0, limit, &m) && m.group_start[1] != KH_RE_UNSET) {
        const char *g = doc->text + m.group_start[1];
        st->level_county = (strncmp(g, "区", 3) == 0 || strncmp(g, "县", 3) == 0 ||
                            strncmp(g, "旗", 3) == 0) ? 1 : 0;
    }
    return st->level_county == 1;
}

#define CHAIN_MAX 4

typedef struct sv_chain {
    int n_names;
    kh_number pct[CHAIN_MAX];
    int n_pcts;
    bool score; /* the connector said 得分 */
} sv_chain;

/* From the rate at [ks, ke): further names, a connector, percentages. */
static bool parse_chain(sv_state *st, const kh_doc *doc, size_t ke, size_t limit,
                        sv_chain *c)
{
    kh_match m;
    memset(c, 0, sizeof *c);
    c->n_names = 1;
    size_t pos = ke;
    while (c->n_names < CHAIN_MAX && khp_find(&st->k, st->chain, doc, pos, limit, &m)) {
        c->n_names++;
        pos = m.end;
    }
    if (khp_find(&st->k, st->conn, doc, pos, limit, &m)) {
        c->score = khp_contains(doc, m.start, m.end, "得分");
        pos = m.end;
    }
    kh_number n;
    while (c->n_pcts < CHAIN_MAX && khp_number_at(&st->k, doc, pos, limit, &n) &&
           n.kind == KH_NUM_PERCENT && n.value > 0.0 && n.value <= 100.0) {
        c->pct[c->n_pcts++] = n;
        pos = n.end;
        if (!khp_find(&st->k, st->pct_sep, doc, pos, limit, &m))
            break;
        pos = m.end;
    }
    if (c->n_pcts == 0)
        return false;
    return c->n_pcts == 1 || c->n_pcts == c->n_names;
}

static int on_anchor(khp *kp, const kh_doc *doc, const kh_match *am, size_t ss, size_t se,
                     void *ud)
{
    void **run = ud;
    sv_state *st = run[0];
    kh_sink *sink = run[1];
    if (ss < st->done_until)
        return 0;
    st->done_until = se;
    kh_match m;
    size_t pos = ss;
    while (pos < se && khp_find(&st->k, st->anchor, doc, pos, se, &m)) {
        size_t ks = m.start, ke = m.end;
        pos = m.end;
        kh_match fz, c;
        if (!khp_find_last(&st->k, st->fazhi, doc, ss, ks, &fz))
            continue; /* not about 法治 */
        if (khp_find(&st->k, st->compete, doc, fz.end, ks, &c))
            continue; /* another subject between 法治 and the rate */
        size_t cls, cle;
        khp_clause_bounds(doc, ks, ke, &cls, &cle);
        if (cls < ss)
            cls = ss;
        if (khp_find(&st->k, st->outer, doc, cls, ks, &c) &&
            !khp_find(&st->k, st->ours, doc, cls, ks, &c))
            continue; /* the province's (or, for a district, the city's) figure */
        if (county_report(st, doc) && khp_contains(doc, cls, ks, "全市") &&
            !khp_find(&st->k, st->ours, doc, cls, ks, &c))
            continue;
        sv_chain ch;
        if (!parse_chain(st, doc, ke, se, &ch))
            continue;
        const kh_number *v = &ch.pct[0];
        if (khp_scope(&st->k, doc, ks, v->start, v->end) != KHP_SCOPE_OK)
            continue;
        bool near = fz.start >= cls;
        int conf = near ? 90 : 60;
        if (ch.score)
            conf = 55;
        size_t es = near ? fz.start : ks;
        int rc = khp_emit_number(&st->k, sink, "survey.public_satisfaction", v->value,
                                 "percent", v->qualifier, KH_BASIS_STATED, es, v->end, conf,
                                 ch.score ? "stated as a survey score (得分) in percent" : NULL);
        if (rc != KH_PLUGIN_OK)
            return rc;
        if (ch.pct[ch.n_pcts - 1].end > pos)
            pos = ch.pct[ch.n_pcts - 1].end;
    }
    return 0;
}

static void sv_fini(void *state)
{
    sv_state *st = state;
    if (!st)
        return;
    const kh_host *host = st->k.host;
    kh_re **all[] = { &st->anchor, &st->fazhi, &st->compete, &st->chain, &st->conn,
                      &st->pct_sep, &st->outer, &st->ours, &st->level };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int sv_init(const kh_host *host, const char *config, void **state)
{
    sv_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    st->level_county = -1;
    int rc = khp_init(&st->k, host, "survey");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp *k = &st->k;
    st->anchor = khp_compile(k, "满意(?:度|率)");
    st->fazhi = khp_compile(k, "法治");
    st->compete = khp_compile(k,
        "政务服务|12345|热线|调解|信访|诉求|办件|窗口|好差评|代表|委员|建议|提案|复议|执法"
        "|营商|法律服务|法律援助|公证|安全感|平安|治安|教育|医疗|办结|服务对象|企业|审批|便民"
        "|诉讼|案件|纠纷|培训|宣传|普法|活动|讲座|工作人员|社区|村|镇|街道|部门");
    st->chain = khp_compile(k, "\\G(?:、|和|及|与)(\\p{Han}{0,8}?(?:率|度))");
    st->conn = khp_compile(k,
        "\\G(?:调查|测评|评价|考评)?(?:结果|得分)?(?:均|分别|都|也|亦|已)?"
        "(?:为|达到了|达到|达|是|实现|保持在|保持|提升至|提升到|提高到|提高至|上升至|上升到"
        "|升至)?");
    st->pct_sep = khp_compile(k, "\\G(?:、|,|和|及)");
    st->outer = khp_compile(k, "全省|全国|省平均|市平均|全市平均|平均水平|省内|国家");
    st->ours = khp_compile(k, "我区|我市|我县|我旗|本区|本市|本县|全区|全县|全旗");
    st->level = khp_compile(k,
        "(区|县|旗|市|州)(?:人民政府|政府|委员会|\\d{4}年(?:度)?法治政府建设|法治政府建设)");
    kh_re *all[] = { st->anchor, st->fazhi, st->compete, st->chain, st->conn, st->pct_sep,
                     st->outer, st->ours, st->level };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]) {
            sv_fini(st);
            return KH_PLUGIN_EINVAL;
        }
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int sv_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    sv_state *st = state;
    st->done_until = 0;
    st->level_text = NULL;
    st->level_county = -1;
    void *run[2] = { st, sink };
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, run);
    return rc < 0 ? KH_PLUGIN_ERROR : rc;
}

static const kh_plugin_descriptor sv_descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = "survey",
    .version = "1.0.0",
    .description = "public satisfaction with the rule of law in the unit",
    .provides = sv_keys,
    .init = sv_init,
    .extract = sv_extract,
    .fini = sv_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &sv_descriptor;
}
