/* events.c — loading the office's 加分/扣分 events file (see events.h). */
#include "events.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* YAML: - {unit: 威海市文登区, event: demo-title, reason: …} */
static const cyaml_schema_field_t event_fields[] = {
    /* unit → kh_event.unit */
    CYAML_FIELD_STRING_PTR("unit", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, kh_event, unit, 1, 256),
    /* file → kh_event.file */
    CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, kh_event, file, 1, 4096),
    /* event → kh_event.event */
    CYAML_FIELD_STRING_PTR("event", CYAML_FLAG_POINTER, kh_event, event, 1, 128),
    /* reason → kh_event.reason */
    CYAML_FIELD_STRING_PTR("reason", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, kh_event, reason, 0, 1024),
    CYAML_FIELD_END};

static const cyaml_schema_value_t event_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, kh_event, event_fields)};

static const cyaml_schema_value_t list_schema = {
    CYAML_VALUE_SEQUENCE(CYAML_FLAG_POINTER, kh_event, &event_schema, 0, 100000)};

typedef struct log_buf {
    char text[512];
} log_buf;

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    log_buf *b = ctx;
    if (level < CYAML_LOG_ERROR || b->text[0])
        return;
    vsnprintf(b->text, sizeof b->text, fmt, args);
    size_t n = strlen(b->text);
    while (n && (b->text[n - 1] == '\n' || b->text[n - 1] == ' '))
        b->text[--n] = '\0';
}

int kh_events_load(kh_event_list *out, const char *path, kh_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f)
        return kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "cannot open events file");
    fclose(f);
    log_buf lb = {{0}};
    cyaml_config_t cfg = {
        .log_fn = capture_log,
        .log_ctx = &lb,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    kh_event *items = NULL;
    unsigned count = 0;
    cyaml_err_t rc = cyaml_load_file(path, &cfg, &list_schema, (cyaml_data_t **)&items, &count);
    if (rc != CYAML_OK)
        return kh_error_set(err, KH_ECONFIG, path, 0, 0, "events file: %s",
                            lb.text[0] ? lb.text : cyaml_strerror(rc));
    for (unsigned i = 0; i < count; i++)
        if (!items[i].unit && !items[i].file) {
            cyaml_free(&cfg, &list_schema, items, count);
            return kh_error_set(err, KH_ECONFIG, path, 0, 0,
                                "events file: entry %u has neither unit nor file", i + 1);
        }
    /* copy into our own allocation so the caller frees without cyaml */
    out->items = calloc(count ? count : 1, sizeof *out->items);
    if (!out->items) {
        cyaml_free(&cfg, &list_schema, items, count);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    out->count = count;
    bool copied = true;
    for (unsigned i = 0; i < count; i++) {
        kh_event *d = &out->items[i];
        d->unit = items[i].unit ? strdup(items[i].unit) : NULL;
        d->file = items[i].file ? strdup(items[i].file) : NULL;
        d->event = strdup(items[i].event);
        d->reason = items[i].reason ? strdup(items[i].reason) : NULL;
        copied = copied && d->event && (d->unit || !items[i].unit) &&
                 (d->file || !items[i].file) && (d->reason || !items[i].reason);
    }
    cyaml_free(&cfg, &list_schema, items, count);
    if (!copied) { /* no event with a NULL id (kh_events_for hands ids out) */
        kh_event_list_free(out);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    return KH_OK;
}

void kh_event_list_free(kh_event_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].unit);
        free(list->items[i].file);
        free(list->items[i].event);
        free(list->items[i].reason);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* Does `path` end with `file` at a path-component boundary? */
static int same_file(const char *path, const char *file)
{
    size_t lp = strlen(path), lf = strlen(file);
    if (lf > lp)
        return 0;
    if (strcmp(path + lp - lf, file) != 0)
        return 0;
    return lf == lp || path[lp - lf - 1] == '/';
}

size_t kh_events_for(const kh_event_list *list, const char *path, const char *unit,
                     const char **ids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; list && i < list->count && n < max; i++) {
        const kh_event *e = &list->items[i];
        if ((e->file && path && same_file(path, e->file)) ||
            (e->unit && unit && strcmp(e->unit, unit) == 0))
            ids[n++] = e->event;
    }
    return n;
}
