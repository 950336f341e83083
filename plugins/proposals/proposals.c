/*
 * proposals.c — extractor plugin for the handling of 人大代表建议 / 议案 and
 * 政协委员提案: reply rate (办复率 / 答复率 / 按期办结率), items handled in
 * the year, and the delegates' satisfaction with the handling.
 *
 * Anchor: 建议 | 提案 | 议案. For each sentence holding an anchor (and the
 * sentence right after it when that one opens with a rate, "办复率100%"), the
 * local patterns run inside that window only:
 *   - a rate chain "办复率、满意率均为100%" whose subject is a proposal
 *     mention (提案 / 议案 / 人大…建议) with no other subject (热线, 诉求,
 *     意见建议, 检察建议 …) in between;
 *   - whole coverage in words, "建议提案全部在规定时限内办结答复" → 100;
 *   - counts "办理…建议…提案122件": a combined noun or a stated total gives
 *     the fact; separate parts (建议52件、提案70件) give a derived sum. Parts
 *     stated in different sentences are summed once at the end of the
 *     document, a lone part is offered with low confidence.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "khp.h"

/* A number as the patterns see it; the host parser reads the exact value. */
#define NUM "(?:约|近|超过|逾|不足|不到)?(?:[0-9][0-9,]*(?:\\.[0-9]+)?(?:万|亿)?" \
            "|[零〇一二两三四五六七八九十百千万]+)(?:余|多)?"

enum { PART_JY = 1, PART_TA = 2, PART_YA = 4 }; /* 人大建议, 政协提案, 人大议案 */

/* A lone part (only one kind named) kept until the end of the document. */
typedef struct prop_part {
    unsigned kind;
    kh_number n;
    size_t ev_start, ev_end;
} prop_part;

#define PROP_MAX_PARTS 8

typedef struct prop_state {
    khp k;
    kh_re *anchor;   /* 建议|提案|议案 */
    kh_re *ctx;      /* a mention of 人大建议/议案/政协提案 */
    kh_re *compete;  /* another subject a rate could belong to */
    kh_re *rate;     /* a reply or satisfaction rate name */
    kh_re *rate_open;/* \G a sentence that opens with a rate */
    kh_re *chain;    /* \G 、满意率 — the next name of a rate chain */
    kh_re *conn;     /* \G 均为 / 达到 … between names and values */
    kh_re *pct_sep;  /* \G 、 , 和 between values */
    kh_re *implied;  /* 全部…按期办结 */
    kh_re *count;    /* NUM件 */
    kh_re *verb;     /* 办理 承办 办复 答复 回复 办结 */
    kh_re *noun_jy;  /* 人大(代表)…建议 */
    kh_re *noun_ta;  /* 提案 */
    kh_re *noun_ya;  /* 议案 */
    kh_re *both;     /* 人大政协 / 建议提案: one noun naming both kinds */
    kh_re *total;    /* \G 、共 / 合计 / 总计 right before a number */
    kh_re *noun_after; /* NUM件 followed by the noun */
    kh_re *veto;     /* 重点, 其中, other kinds of suggestion */
    kh_re *batch;    /* 交办会, 新交办: next year's batch, not handled items */
    kh_re *dept;     /* one department as the subject: 区司法局承办… */
    kh_re *whole;    /* 全区 区政府 …: the whole unit named after a department */
    /* per document */
    size_t done_until;      /* sentences before this offset are processed */
    bool whole_found;       /* a combined or derived count was emitted */
    prop_part parts[PROP_MAX_PARTS];
    size_t n_parts;
} prop_state;

static const char *const prop_keys[] = {
    "proposals.reply_rate", "proposals.handled", "proposals.satisfaction_rate", NULL
};

/* ---- small helpers ------------------------------------------------------ */

/* End of the last match of re in [a, b), or 0 when none; *start gets its start. */
static size_t last_in(prop_state *st, kh_re *re, const kh_doc *doc, size_t a,
                      size_t b, size_t *start)
{
    kh_match m;
    if (!khp_find_last(&st->k, re, doc, a, b, &m))
        return 0;
    if (start)
        *start = m.start;
    return m.end;
}

static bool is_percent(const kh_number *n)
{
    return n->kind == KH_NUM_PERCENT && n->value > 0.0 && n->value <= 100.0;
}

/* ---- rate chains -------------------------------------------------------- */

#define CHAIN_MAX 4

typedef struct rate_chain {
    size_t name_start[CHAIN_MAX], name_end[CHAIN_MAX];
    int n_names;
    kh_number pct[CHAIN_MAX];
    int n_pcts;
} rate_chain;

/* From a rate name at [ns, ne): further names (、满意率), a connector
 * (均为, 达到 …) and one or more percentages. True when at least one value
 * can be given to every name. */
static bool parse_chain(prop_state *st, const kh_doc *doc, size_t ns, size_t ne,
                        size_t limit, rate_chain *c)
{
    kh_match m;
    memset(c, 0, sizeof *c);
    c->name_start[0] = ns;
    c->name_end[0] = ne;
    c->n_names = 1;
    size_t pos = ne;
    while (c->n_names < CHAIN_MAX && khp_find(&st->k, st->chain, doc, pos, limit, &m)) {
        c->name_start[c->n_names] = m.group_start[1];
        c->name_end[c->n_names] = m.group_end[1];
        c->n_names++;
        pos = m.end;
    }
    if (khp_find(&st->k, st->conn, doc, pos, limit, &m))
        pos = m.end;
    kh_number n;
    while (c->n_pcts < CHAIN_MAX && khp_number_at(&st->k, doc, pos, limit, &n) &&
           is_percent(&n)) {
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

static const kh_number *chain_value(const rate_chain *c, int i)
{
    return c->n_pcts == 1 ? &c->pct[0] : &c->pct[i];
}

/* Which key a rate name belongs to and how sure we are; NULL when neither. */
static const char *classify_rate(const kh_doc *doc, size_t s, size_t e, int *conf)
{
    if (khp_contains(doc, s, e, "满意")) {
        *conf = (khp_contains(doc, s, e, "代表") || khp_contains(doc, s, e, "委员")) ? 90 : 75;
        return "proposals.satisfaction_rate";
    }
    if (khp_contains(doc, s, e, "办复") || khp_contains(doc, s, e, "答复") ||
        khp_contains(doc, s, e, "回复") || khp_contains(doc, s, e, "按时办结") ||
        khp_contains(doc, s, e, "按期办结") || khp_contains(doc, s, e, "如期办结") ||
        khp_contains(doc, s, e, "限期办结")) {
        *conf = 90;
        return "proposals.reply_rate";
    }
    if (khp_contains(doc, s, e, "办结")) {
        *conf = 70; /* a bare 办结率 can mean "solved" */
        return "proposals.reply_rate";
    }
    if (khp_contains(doc, s, e, "办理") || khp_contains(doc, s, e, "反馈")) {
        *conf = 60;
        return "proposals.reply_rate";
    }
    return NULL;
}

/* True when a proposal mention lies in [a, pos) with no competing subject
 * between the last such mention and pos. *ctx_start gets that mention. */
static bool has_context(prop_state *st, const kh_doc *doc, size_t a, size_t pos,
                        size_t *ctx_start)
{
    size_t cs = 0;
    size_t ce = last_in(st, st->ctx, doc, a, pos, &cs);
    if (ce == 0)
        return false;
    kh_match m;
    if (khp_find(&st->k, st->compete, doc, ce, pos, &m))
        return false;
    if (ctx_start)
        *ctx_start = cs;
    return true;
}

/* Rates in [ss, se). `ctx_from` is where a proposal mention may start (the
 * sentence itself, or the previous sentence for a continuation). */
static int do_rates(prop_state *st, const kh_doc *doc, kh_sink *sink, size_t ctx_from,
                    size_t ss, size_t se)
{
    kh_match m;
    size_t pos = ss;
    while (pos < se && khp_find(&st->k, st->rate, doc, pos, se, &m)) {
        size_t ns = m.start, ne = m.end;
        pos = m.end;
        if (!has_context(st, doc, ctx_from, ns, NULL))
            continue;
        rate_chain c;
        if (!parse_chain(st, doc, ns, ne, se, &c))
            continue;
        for (int i = 0; i < c.n_names; i++) {
            int conf = 0;
            const char *key = classify_rate(doc, c.name_start[i], c.name_end[i], &conf);
            if (!key)
                continue;
            const kh_number *v = chain_value(&c, i);
            if (khp_scope(&st->k, doc, c.name_start[i], v->start, v->end) != KHP_SCOPE_OK)
                continue;
            int rc = khp_emit_number(&st->k, sink, key, v->value, "percent", v->qualifier,
                                     KH_BASIS_STATED, c.name_start[i], v->end, conf, NULL);
            if (rc != KH_PLUGIN_OK)
                return rc;
        }
        /* continue after the values so a chain is read once */
        size_t last = c.pct[c.n_pcts - 1].end;
        if (last > pos)
            pos = last;
    }
    /* whole coverage in words */
    pos = ss;
    while (pos < se && khp_find(&st->k, st->implied, doc, pos, se, &m)) {
        size_t is = m.start, ie = m.end;
        pos = m.end;
        if (!has_context(st, doc, ctx_from, is, NULL))
            continue;
        if (khp_scope(&st->k, doc, is, is, ie) != KHP_SCOPE_OK)
            continue;
        /* evidence from the first proposal noun of the clause, if any */
        size_t cls, cle, ev = is;
        khp_clause_bounds(doc, is, ie, &cls, &cle);
        kh_match c;
        if (cls < ss)
            cls = ss;
        if (khp_find(&st->k, st->both, doc, cls, is, &c) && c.start < ev)
            ev = c.start;
        if (khp_find(&st->k, st->ctx, doc, cls, is, &c) && c.start < ev)
            ev = c.start;
        int rc = khp_emit_number(&st->k, sink, "proposals.reply_rate", 100.0, "percent",
                                 KH_QUAL_EXACT, KH_BASIS_IMPLIED, ev, ie, 60,
                                 "implied: all proposals answered in time");
        if (rc != KH_PLUGIN_OK)
            return rc;
    }
    return KH_PLUGIN_OK;
}

/* ---- counts ------------------------------------------------------------- */

typedef struct count_item {
    unsigned kind;     /* PART_* bits; 0 for a bare total (共122件) */
    bool total;        /* 共 / 合计 before the number */
    kh_number n;
    size_t ev_start, ev_end;
} count_item;

#define ITEMS_MAX 8

static const char *kind_name(unsigned kind)
{
    switch (kind) {
    case PART_JY: return "人大代表建议";
    case PART_TA: return "政协提案";
    case PART_YA: return "人大议案";
    default: return "建议提案";
    }
}

/* Kinds named in [a, b); [ss, a) is the sentence before, for a bare 建议
 * following 人大 / 代表. */
static unsigned kinds_in(prop_state *st, const kh_doc *doc, size_t ss, size_t a, size_t b)
{
    kh_match m;
    unsigned kinds = 0;
    if (khp_find(&st->k, st->both, doc, a, b, &m))
        return PART_JY | PART_TA;
    if (khp_find(&st->k, st->noun_ta, doc, a, b, &m))
        kinds |= PART_TA;
    if (khp_find(&st->k, st->noun_ya, doc, a, b, &m))
        kinds |= PART_YA;
    if (khp_find(&st->k, st->noun_jy, doc, a, b, &m))
        kinds |= PART_JY;
    else if (khp_contains(doc, a, b, "建议") &&
             ((kinds & PART_YA) || khp_contains(doc, ss, a, "人大") ||
              khp_contains(doc, ss, a, "代表")))
        kinds |= PART_JY; /* "人大代表议案3件、建议66件" */
    return kinds;
}

static int emit_count(prop_state *st, kh_sink *sink, double value, kh_qualifier q,
                      kh_basis basis, size_t es, size_t ee, int conf, const char *note)
{
    return khp_emit_number(&st->k, sink, "proposals.handled", value, "items", q, basis,
                           es, ee, conf, note);
}

static kh_qualifier merge_qual(kh_qualifier a, kh_qualifier b)
{
    return a != KH_QUAL_EXACT ? a : b;
}

static int do_counts(prop_state *st, const kh_doc *doc, kh_sink *sink, size_t ss,
                     size_t se)
{
    kh_match m;
    /* a new batch assigned (交办会) or next year's plan: not handled items */
    if (khp_find(&st->k, st->batch, doc, ss, se, &m))
        return KH_PLUGIN_OK;
    count_item items[ITEMS_MAX];
    int n_items = 0;
    size_t seg_from = ss, pos = ss;
    while (n_items < ITEMS_MAX && pos < se && khp_find(&st->k, st->count, doc, pos, se, &m)) {
        size_t ns = m.group_start[1], ue = m.end;
        size_t prev_end = seg_from;
        pos = m.end;
        seg_from = ue;
        kh_number n;
        if (!khp_number_at(&st->k, doc, ns, se, &n) || n.kind == KH_NUM_PERCENT ||
            n.value <= 0.0)
            continue;
        size_t cls, cle;
        khp_clause_bounds(doc, ns, ue, &cls, &cle);
        size_t a = cls > prev_end ? cls : prev_end;
        count_item it;
        memset(&it, 0, sizeof it);
        it.n = n;
        it.ev_start = ns;
        it.ev_end = ue;
        kh_match v;
        it.kind = kinds_in(st, doc, ss, a, ns);
        if (it.kind) {
            /* evidence from the handling verb (or the noun) to the unit */
            if (khp_find(&st->k, st->verb, doc, a, ns, &v))
                it.ev_start = v.start;
            else if (khp_find(&st->k, st->ctx, doc, a, ns, &v))
                it.ev_start = v.start;
            else
                it.ev_start = a;
        } else if (khp_find(&st->k, st->noun_after, doc, ns, cle, &v)) {
            /* "122件建议提案全部办结" */
            it.kind = kinds_in(st, doc, ss, ue, v.end);
            it.ev_end = v.end;
        } else if (n_items > 0 && khp_find(&st->k, st->total, doc, prev_end, ns, &v) &&
                   v.end == ns) {
            /* "…建议52件、提案70件,共122件" */
            it.total = true;
            it.ev_start = v.group_start[1];
        }
        if (!it.kind && !it.total)
            continue; /* a count of something else */
        /* other kinds of suggestion, 重点 / 其中 subsets, other subjects */
        if (khp_find(&st->k, st->veto, doc, a, it.ev_end, &v) ||
            khp_find(&st->k, st->compete, doc, a, it.ev_end, &v))
            continue;
        /* the sentence must say these were handled */
        if (!khp_find(&st->k, st->verb, doc, ss, it.ev_end, &v) &&
            !khp_find(&st->k, st->verb, doc, ue, cle, &v))
            continue;
        if (khp_scope(&st->k, doc, it.ev_start, n.start, n.end) != KHP_SCOPE_OK)
            continue;
        items[n_items++] = it;
    }
    if (n_items == 0)
        return KH_PLUGIN_OK;

    /* a combined noun (人大政协议案, 建议提案) or a stated total wins */
    for (int i = 0; i < n_items; i++) {
        bool combined = (items[i].kind & PART_TA) && (items[i].kind & (PART_JY | PART_YA));
        if (combined || items[i].total) {
            st->whole_found = true;
            return emit_count(st, sink, items[i].n.value, items[i].n.qualifier,
                              KH_BASIS_STATED, items[i].ev_start, items[i].ev_end,
                              combined ? 90 : 85, NULL);
        }
    }
    /* parts of different kinds, one each: their sum */
    unsigned seen = 0;
    int n_parts = 0;
    for (int i = 0; i < n_items; i++) {
        if (seen & items[i].kind)
            return KH_PLUGIN_OK; /* the same kind twice: unclear */
        seen |= items[i].kind;
        n_parts++;
    }
    if (n_parts == 1) {
        if (st->n_parts < PROP_MAX_PARTS) {
            prop_part *p = &st->parts[st->n_parts++];
            p->kind = items[0].kind;
            p->n = items[0].n;
            p->ev_start = items[0].ev_start;
            p->ev_end = items[0].ev_end;
        }
        return KH_PLUGIN_OK;
    }
    double sum = 0.0;
    kh_qualifier q = KH_QUAL_EXACT;
    char note[200] = "derived:";
    for (int i = 0; i < n_items; i++) {
        sum += items[i].n.value;
        q = merge_qual(q, items[i].n.qualifier);
        size_t used = strlen(note);
        snprintf(note + used, sizeof note - used, "%s %s %g", i ? " +" : "",
                 kind_name(items[i].kind), items[i].n.value);
    }
    st->whole_found = true;
    return emit_count(st, sink, sum, q, KH_BASIS_DERIVED, items[0].ev_start,
                      items[n_items - 1].ev_end, 70, note);
}

/* Parts named alone in different sentences: offered at the end. */
static int flush_parts(prop_state *st, kh_sink *sink)
{
    if (st->whole_found || st->n_parts == 0)
        return KH_PLUGIN_OK;
    unsigned seen = 0;
    for (size_t i = 0; i < st->n_parts; i++) {
        if (seen & st->parts[i].kind)
            return KH_PLUGIN_OK; /* the same kind twice: unclear */
        seen |= st->parts[i].kind;
    }
    if (st->n_parts == 1) {
        const prop_part *p = &st->parts[0];
        char note[96];
        snprintf(note, sizeof note, "only %s stated", kind_name(p->kind));
        return emit_count(st, sink, p->n.value, p->n.qualifier, KH_BASIS_STATED,
                          p->ev_start, p->ev_end, 45, note);
    }
    double sum = 0.0;
    kh_qualifier q = KH_QUAL_EXACT;
    char note[200] = "derived:";
    for (size_t i = 0; i < st->n_parts; i++) {
        sum += st->parts[i].n.value;
        q = merge_qual(q, st->parts[i].n.qualifier);
        size_t used = strlen(note);
        snprintf(note + used, sizeof note - used, "%s %s %g", i ? " +" : "",
                 kind_name(st->parts[i].kind), st->parts[i].n.value);
    }
    const prop_part *p = &st->parts[0];
    return emit_count(st, sink, sum, q, KH_BASIS_DERIVED, p->ev_start, p->ev_end, 50, note);
}

/* ---- plugin entry points ----------------------------------------------- */

typedef struct prop_run {
    prop_state *st;
    kh_sink *sink;
} prop_run;

static int on_anchor(khp *k, const kh_doc *doc, const kh_match *m, size_t ss, size_t se,
                     void *ud)
{
    prop_run *run = ud;
    prop_state *st = run->st;
    if (ss < st->done_until)
        return 0;
    st->done_until = se;
    kh_match c;
    if (!khp_find(&st->k, st->ctx, doc, ss, se, &c))
        return 0; /* no 人大建议 / 政协提案 in this sentence */
    if (khp_find_dept_subject(&st->k, st->dept, doc, ss, se, &c) &&
        !khp_find(&st->k, st->whole, doc, c.end, se, &c))
        return 0; /* one department's proposals */
    int rc = do_rates(st, doc, run->sink, ss, ss, se);
    if (rc == KH_PLUGIN_OK)
        rc = do_counts(st, doc, run->sink, ss, se);
    if (rc != KH_PLUGIN_OK)
        return rc;
    /* "…提案122件。办复率、满意率均为100%。" — the next sentence's rates */
    if (se < doc->len) {
        size_t ns, ne;
        k->host->sentence_bounds(doc, se, &ns, &ne);
        if (ns >= se && ne > ns && khp_find(&st->k, st->rate_open, doc, ns, ne, &c) &&
            !khp_find(&st->k, st->anchor, doc, ns, ne, &c)) {
            rc = do_rates(st, doc, run->sink, ss, ns, ne);
            st->done_until = ne;
        }
    }
    return rc;
}

static void prop_free_patterns(prop_state *st)
{
    kh_re **all[] = { &st->anchor, &st->ctx, &st->compete, &st->rate, &st->rate_open,
                      &st->chain, &st->conn, &st->pct_sep, &st->implied, &st->count,
                      &st->verb, &st->noun_jy, &st->noun_ta, &st->noun_ya, &st->both,
                      &st->total, &st->noun_after, &st->veto, &st->batch, &st->dept, &st->whole };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        khp_free_re(&st->k, all[i]);
}

static void prop_fini(void *state)
{
    prop_state *st = state;
    if (!st)
        return;
    const kh_host *host = st->k.host;
    prop_free_patterns(st);
    khp_fini(&st->k);
    host->free(host->ctx, st);
}

#define RATE_NAME "(?:(?:按时|按期|如期|限期|及时)?(?:办复|答复|回复|办结|办理|反馈)率" \
    "|(?:代表委员|代表和委员|人大代表|政协委员|代表|委员)?(?:对办理(?:结果|工作|情况))?" \
    "(?:的)?满意(?:或基本满意|和基本满意|及基本满意)?(?:率|度))"

static int prop_init(const kh_host *host, const char *config, void **state)
{
    prop_state *st = host->alloc(host->ctx, sizeof *st);
    if (!st)
        return KH_PLUGIN_ENOMEM;
    memset(st, 0, sizeof *st);
    int rc = khp_init(&st->k, host, "proposals");
    if (rc != KH_PLUGIN_OK) {
        host->free(host->ctx, st);
        return rc;
    }
    khp *k = &st->k;
    st->anchor = khp_compile(k, "建议|提案|议案");
    st->ctx = khp_compile(k,
        "提案|议案|(?:人大|代表)(?:[^,;。:、]{0,8}?)建议(?!书)");
    st->compete = khp_compile(k,
        "热线|12345|诉求|信访|来信|来访|调解|政务服务|检察建议|司法建议|审计|投诉|举报|工单"
        "|(?<!代表)(?<!委员)(?<!人大)意见建议|合理化建议|群众|复议|诉讼|判决|案件|纠纷|事项"
        "|问题|规范性文件|服务");
    st->rate = khp_compile(k, RATE_NAME);
    st->rate_open = khp_compile(k, "\\G(?:其中,?)?" RATE_NAME);
    st->chain = khp_compile(k,
        "\\G(?:、|和|及|与|/|以及)((?:按时|按期|如期|限期|及时)?\\p{Han}{0,8}?(?:率|度))");
    st->conn = khp_compile(k,
        "\\G(?:均|分别|都|全部|也|亦|均已|已)?(?:为|达到了|达到|达|是|实现|保持在|保持"
        "|提升至|提升到|提高到|提高至|上升至|上升到|升至)?");
    st->pct_sep = khp_compile(k, "\\G(?:、|,|和|及)");
    st->implied = khp_compile(k,
        "(?:均|全部|全都|100%|百分之百)(?:已|得到)?(?:在规定时限内|在规定时间内|在法定时限内"
        "|在规定期限内|按时|按期|如期|按规定|及时)?(?:办结|办复|答复|回复|办理完毕|答复完毕)"
        "(?:答复|回复)?");
    st->count = khp_compile(k, "(?<![0-9.第])(" NUM ")件");
    st->verb = khp_compile(k, "办理|承办|办复|答复|回复|办结");
    st->noun_jy = khp_compile(k, "(?:人大|代表)[^,;。:]{0,8}?建议");
    st->noun_ta = khp_compile(k, "提案");
    st->noun_ya = khp_compile(k, "议案");
    st->both = khp_compile(k,
        "人大政协|建议(?:和|及|与|、)?(?:政协)?(?:委员)?提案"
        "|提案(?:和|及|与|、)?(?:人大)?(?:代表)?建议"
        "|议案(?:和|及|与|、)?(?:政协)?(?:委员)?提案|提案(?:和|及|与|、)?(?:人大)?(?:代表)?议案");
    st->total = khp_compile(k,
        "\\G(?:,|、)?((?:两类|以上)?(?:总计|合计|共计|共)(?:办理|承办|办复|答复)?)");
    st->noun_after = khp_compile(k,
        "\\G" NUM "件(?:市|区|县|省)?(?:级)?(?:人大|政协)?[^,;。:]{0,10}?(?:建议|提案|议案)");
    st->veto = khp_compile(k,
        "重点|其中|检察建议|司法建议|审计建议|合理化建议|立法建议|整改建议|督办"
        "|(?<!代表)(?<!委员)(?<!人大)意见建议");
    st->batch = khp_compile(k, "交办会|新交办|今年共交办|明年|下一年");
    st->whole = khp_compile(k, "全区|全市|全县|全旗|区政府|市政府|县政府");
    st->dept = khp_compile(k, KHP_PAT_DEPT_SUBJECT);
    kh_re *all[] = { st->anchor, st->ctx, st->compete, st->rate, st->rate_open, st->chain,
                     st->conn, st->pct_sep, st->implied, st->count, st->verb, st->noun_jy,
                     st->noun_ta, st->noun_ya, st->both, st->total, st->noun_after,
                     st->veto, st->batch, st->dept, st->whole };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]) {
            prop_fini(st);
            return KH_PLUGIN_EINVAL;
        }
    }
    *state = st;
    return KH_PLUGIN_OK;
}

static int prop_extract(void *state, const kh_doc *doc, kh_sink *sink)
{
    prop_state *st = state;
    st->done_until = 0;
    st->whole_found = false;
    st->n_parts = 0;
    prop_run run = { st, sink };
    int rc = khp_each_anchor(&st->k, st->anchor, doc, on_anchor, &run);
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    if (rc != 0)
        return rc;
    return flush_parts(st, sink);
}

static const kh_plugin_descriptor prop_descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = "proposals",
    .version = "1.0.0",
    .description = "人大建议/政协提案: reply rate, items handled, delegates' satisfaction",
    .provides = prop_keys,
    .init = prop_init,
    .extract = prop_extract,
    .fini = prop_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &prop_descriptor;
}
