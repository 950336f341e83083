/*
 * training.c — extractor plugin for legal training of the unit's staff
 * (行政执法人员, 国家工作人员, 领导干部): hours each trainee completed, total
 * hours delivered, and people / person-times trained.
 *
 * Anchor: 学时 | 培训 | 轮训 | 参训 | 学法. For each sentence holding an anchor the
 * local patterns run inside that sentence only:
 *   - "N学时": per person after 人均 / 每人 or after "<count>人次完成";
 *     a total after 总时长 / 总学时 / 累计 / 共计; requirements (不少于,
 *     每人每年) and targets are refused;
 *   - "<N>名/人/人次" in a clause that names a training (培训, 轮训, 参训):
 *     the trainees must be government staff (执法人员, 国家工作人员, 干部 …
 *     or plain 人员 in a sentence about 公共法律知识 / 行政执法) and never
 *     法律明白人, 调解员, 网格员, 群众, 旁听 … ; the sentence must be about law.
 */
#include <stdbool.h>
#include <string.h>

#include "khp.h"

#define NUM "(?:约|近|超过|逾|不足|不到)?(?:[0-9][0-9,]*(?:\\.[0-9]+)?(?:万|亿)?" \
            "|[零〇一二两三四五六七八九十百千万]+)(?:余|多)?"

typedef struct tr_state {
    khp k;
    kh_re *anchor;    /* 学时|培训|轮训|参训|学法 */
    kh_re *hours;     /* NUM学时 */
    kh_re *per_kw;    /* 人均 每人 平均 */
    kh_re *total_strong; /* (培训)总时长 总学时 */
    kh_re *total_kw;  /* 累计 共计 总计 */
    kh_re *complete;  /* <count>(人次|名|人)…完成 right before the hours */
    kh_re *req;       /* 不少于 至少 要求 … in the clause */
    kh_re *target;    /* 力争 确保 计划 … in the sentence */
    kh_re *learn;     /* 培训 学习 学法 课程 (for 小时) */
    kh_re *after;     /* \G 的…培训: the training named after the hours */
    kh_re *persons;   /* NUM(人次|名|人) */
    kh_re *train_w;   /* 培训 轮训 参训 */
    kh_re *legal;     /* the sentence is about law */
    kh_re *strong;    /* government staff as trainees */
    kh_re *staff_ctx; /* sentence context making plain 人员 government staff */
    kh_re *bad;       /* trainees or activities that are not the key */
    kh_re *dept;      /* one department as the subject: 区市场监管局举办… */
    kh_re *whole;     /* 全区 全市 …: the whole unit named after a department */
    khp_litset hours_lits; /* 学时 小时: every match of `hours` ends in one */
    size_t done_until;
} tr_state;

static const char *const tr_keys[] = {
    "training.hours_per_person", "training.hours_total", "training.participants", NULL
};

/* khp_scope() without its "从/由 … before the figure" comparison reading,
 * which misfires on "从全区1000余名…中"; a real comparison still has
 * 去年 / 同比 / a year in the clause. */
static unsigned scope(tr_state *st, const kh_doc *doc, size_t anchor, size_t fs,
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

/* ---- hours -------------------------------------------------------------- */

static int do_hours(tr_state *st, const kh_doc *doc, kh_sink *sink, size_t ss, size_t se)
{
    kh_match m, k;
    /* no match of `hours` without 学时/小时 in [ss, se): nine sentences in
     * ten are about training without stating hours */
    if (!khp_litset_in(&st->hours_lits, doc, ss, se))
        return KH_PLUGIN_OK;
    size_t pos = ss;
    while (pos < se && khp_find(&st->k, st->hours, doc, pos, se, &m)) {
        size_t ns = m.group_start[1], ue = m.end;
        bool hour_unit = khp_contains(doc, m.group_start[2], m.group_end[2], "小时");
        pos = m.end;
        kh_number n;
        if (!khp_number_at(&st->k, doc, ns, se, &n) || n.kind == KH_NUM_PERCENT ||
            n.value <= 0.0)
            continue;
        size_t cls, cle;
        khp_clause_bounds(doc, ns, ue, &cls, &cle);
        if (cls < ss)
            cls = ss;
        if (khp_find(&st->k, st->req, doc, cls, cle, &k) ||
            khp_find(&st->k, st->target, doc, ss, cle, &k))
            continue; /* 每人每年不少于60学时: a rule, not a result; 力争…: a target */
        if (hour_unit && !khp_find(&st->k, st->learn, doc, cls, cle, &k))
            continue; /* 24小时 of something else */
        const char *key = NULL;
        int conf = 0;
        size_t es = ns, ee = ue;
        if (khp_find_last(&st->k, st->per_kw, doc, cls, ns, &k)) {
            key = "training.hours_per_person";
            conf = 90;
            es = k.start;
        } else if (khp_find(&st->k, st->complete, doc, cls, ns, &k) && k.end == ns) {
            /* "1110余人次完成30学时的…培训" */
            key = "training.hours_per_person";
            conf = 85;
            es = k.group_start[2];
        } else if (khp_find(&st->k, st->total_strong, doc, cls, ns, &k) ||
                   khp_find_last(&st->k, st->total_kw, doc, cls, ns, &k)) {
            /* a person count between 共计 and the hours: "共计1110余人次…30学时"
             * is not a total */
            kh_match p;
            if (khp_find(&st->k, st->persons, doc, k.end, ns, &p))
                continue;
            key = "training.hours_total";
            conf = (khp_contains(doc, k.start, k.end, "总时") ||
                    khp_contains(doc, k.start, k.end, "总学时")) ? 90 : 70;
            es = k.start;
        }
        if (!key)
            continue;
        if (strcmp(key, "training.hours_per_person") == 0) {
            if (n.value > 500.0)
                continue; /* not a per-person figure */
            if (khp_find(&st->k, st->after, doc, ue, cle, &k))
                ee = k.end;
        }
        if (scope(st, doc, es, n.start, n.end) != KHP_SCOPE_OK)
            continue;
        int rc = khp_emit_number(&st->k, sink, key, n.value, "hours", n.qualifier,
                                 KH_BASIS_STATED, es, ee, conf, NULL);
        if (rc != KH_PLUGIN_OK)
            return rc;
    }
    return KH_PLUGIN_OK;
}

/* ---- participants ------------------------------------------------------- */

static int do_participants(tr_state *st, const kh_doc *doc, kh_sink *sink, size_t ss,
                           size_t se)
{
    kh_match m, k;
    if (!khp_find(&st->k, st->legal, doc, ss, se, &k))
        return KH_PLUGIN_OK; /* not legal training */
    bool staff_sentence = khp_find(&st->k, st->staff_ctx, doc, ss, se, &k);
    size_t pos = ss;
    while (pos < se && khp_find(&st->k, st->persons, doc, pos, se, &m)) {
        size_t ns = m.group_start[1], ue = m.end;
        pos = m.end;
        kh_number n;
        if (!khp_number_at(&st->k, doc, ns, se, &n) || n.kind == KH_NUM_PERCENT ||
            n.value < 2.0)
            continue;
        size_t cls, cle;
        khp_clause_bounds(doc, ns, ue, &cls, &cle);
        if (cls < ss)
            cls = ss;
        if (cle > se)
            cle = se;
        /* the training named in the same clause: the first after, else the
         * last before the count */
        kh_match tw;
        bool after = khp_find(&st->k, st->train_w, doc, ue, cle, &tw);
        if (!after && !khp_find_last(&st->k, st->train_w, doc, cls, ns, &tw))
            continue;
        /* who was trained: words around the count in its clause */
        size_t win_end = ue + 36 < cle ? ue + 36 : cle;
        bool strong = khp_find(&st->k, st->strong, doc, cls, win_end, &k);
        if (!strong && !staff_sentence)
            continue;
        /* trainees or activities that are not the key: in the clause and the
         * one before it (whole sentence for plain 人员) */
        size_t vs = cls;
        if (strong && cls > ss) {
            size_t pcs, pce;
            khp_clause_bounds(doc, cls - 1, cls - 1, &pcs, &pce);
            vs = pcs > ss ? pcs : ss;
        } else if (!strong) {
            vs = ss;
        }
        if (khp_find(&st->k, st->bad, doc, vs, strong ? cle : se, &k))
            continue;
        if (khp_contains(doc, cls, ns, "其中"))
            continue; /* a subset */
        if (khp_find(&st->k, st->target, doc, ss, cle, &k))
            continue; /* a plan */
        size_t es = ns, ee = ue;
        if (after)
            ee = tw.end;
        else
            es = tw.start;
        if (scope(st, doc, after ? tw.start : ns, n.start, n.end) != KHP_SCOPE_OK)
            continue;
        int conf = strong ? 80 : (khp_contains(doc, cls, cle, "公共法律知识") ? 75 : 70);
        /* trainees of a training whose hours the sentence states: the
         * same training the hours keys describe */
        if (khp_find(&st->k, st->hours, doc, ss, se, &k))
            conf += 8;
        int rc = khp_emit_number(&st->k, sink, "training.participants", n.value, "persons",
                                 n.qualifier, KH_BASIS_STATED, es, ee, conf, NULL);
        if (rc != KH_PLUGIN_OK)
            return rc;
    }
    return KH_PLUGIN_OK;
}

/* ---- plugin entry points ----------------------------------------------- */

typedef struct tr_run {
    tr_state *st;
    kh_sink *sink;
} tr_run;

static int on_anchor(khp *k, const kh_doc *doc, const kh_match *m, size_t ss, size_t se,
                     void *ud)
{
    tr_run *run = ud;
    tr_state *st = run->st;
    if (ss < st->done_until)
        return 0;
    st->done_until = se;
    kh_match d, w;
    if (khp_find_dept_subject(&st->k, st->dept, doc, ss, se, &d) &&
        !khp_find(&st->k, st->whole, doc, d.end, se, &w))
        return 0; /* one department's training */
    int rc = do_hours(st, doc, run->sink, ss, se);
    if (rc == KH_PLUGIN_OK)
        rc = do_participants(st, doc, run->sink, ss, se);
    return rc;
}

static void tr_fini(void *state)
{
    tr_state *st = state;
    if (!st)
        return;
    const kh_host *host = st->k.host;
    kh_re **all[] = { &st->anchor, &st->hours, &st->per_kw, &st->total_strong,
                      &st->total_kw, &st->complete,
                      &st->req, &st->target, &st->learn, &st->after, &st->persons, &st->train_w,
                      &st->legal, &st->strong, &st->staff_ctx, &st->bad, &st->dept, &st->whole };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

static int tr_init(const kh_host *host, const char *config, void **state)
{
    tr_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "training");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp *k = &st->k;
    static const char *const hours_lits[] = {"学时", "小时", NULL};
    khp_litset_init(&st->hours_lits, hours_lits);
    st->anchor = khp_compile(k, "学时|培训|轮训|参训|学法");
    st->hours = khp_compile(k, "(?<![0-9.第])(" NUM ")(?:个)?(学时|小时)");
    st->per_kw = khp_compile(k, "人均|每人|每名|平均每人|平均");
    st->total_strong = khp_compile(k, "(?:培训|学习|学法)?(?:总时长|总学时|总时数)");
    st->total_kw = khp_compile(k, "总计|合计|共计|累计|总");
    st->complete = khp_compile(k,
        "(" NUM "(?:人次|名|人))[^,;。:]{0,8}?((?:完成|修满|取得|学满)(?:了)?(?:培训)?)");
    st->req = khp_compile(k, "不少于|不低于|不得少于|至少|每人每年|每年每人|要求|应当|应完成"
        "|须完成|必须|标准|力争|确保");
    st->target = khp_compile(k,
        "力争|确保|争取|计划(?:于|到|在|培训|开展|完成|组织)|目标|(?<!模)拟(?:于|在|开展|组织)"
        "|预计");
    st->learn = khp_compile(k, "培训|学习|学法|课程|授课");
    st->after = khp_compile(k,
        "\\G(?:的)?[^,;。:]{0,16}?(?:培训|轮训|学习|课程)(?:考试|班)?");
    st->persons = khp_compile(k, "(?<![0-9.第])(" NUM ")(?:人次|名|人(?![民大均])|位)");
    st->train_w = khp_compile(k, "(?:培训|轮训)(?:考试|班)?|参训");
    st->legal = khp_compile(k,
        "法律|法治|普法|学法|依法|执法|宪法|民法典|法规|法制|复议|诉讼|行政处罚|行政许可");
    st->strong = khp_compile(k,
        "执法人员|执法队员|国家工作人员|公职人员|领导干部|干部|公务员|工作人员|班子成员"
        "|执法骨干|法制员|法制审核人员|持证人员");
    st->staff_ctx = khp_compile(k,
        "公共法律知识|行政执法|执法人员|执法证|依法行政|国家工作人员|领导干部|公职人员|工作人员"
        "|干部|公务员");
    st->bad = khp_compile(k,
        "法律明白人|明白人|调解员|调解|网格员|网格|村居|村(?:社区|级|干部|两委)|社区|群众|居民"
        "|学生|青少年|师生|企业|从业人员|职工|旁听|律师|志愿者|辅警|协管|辅助人员|农民|法律顾问"
        "|陪审|未成年|家长|老年|新市民|外来|宣讲员|讲师|骨干教师|法官|检察官|党员群众|考生");
    st->dept = khp_compile(k, KHP_PAT_DEPT_SUBJECT);
    st->whole = khp_compile(k, "全区|全市|全县|全旗|区政府|市政府|县政府");
    kh_re *all[] = { st->anchor, st->hours, st->per_kw, st->total_strong, st->total_kw,
                     st->complete, st->req, st->target, st->learn, st->after, st->persons,
                     st->train_w, st->legal, st->strong,
                     st->staff_ctx, st->bad, st->dept, st->whole };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]) {
            tr_fini(st);
            return KH_PLUGIN_EINVAL;
        }
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int tr_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    tr_state *st = state;
    st->done_until = 0;
    tr_run run = { st, sink };
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &run);
    return rc < 0 ? KH_PLUGIN_ERROR : rc;
}

static const kh_plugin_descriptor tr_descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = "training",
    .version = "1.0.0",
    .description = "legal training: hours per person, total hours, participants",
    .provides = tr_keys,
    .init = tr_init,
    .extract = tr_extract,
    .fini = tr_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &tr_descriptor;
}
