/*
 * events.h — office-supplied 加分/扣分 events for `kaohe score --events FILE`:
 * a YAML list of {unit | file, event, reason?}. Each names an adjustment id
 * declared in the scheme; unit matches the report's unit, file its path.
 */
#ifndef KH_EVENTS_H
#define KH_EVENTS_H

#include <stddef.h>

#include "kaohe/error.h"

typedef struct kh_event {
    char *unit;    /* may be NULL */
    char *file;    /* may be NULL */
    char *event;   /* adjustment id of the scheme */
    char *reason;  /* may be NULL */
    int line;      /* 1-based line of the entry in the events file */
} kh_event;

typedef struct kh_event_list {
    kh_event *items; /* owned */
    size_t count;
} kh_event_list;

/* Load path; on failure KH_ECONFIG / KH_ENOTFOUND with err naming the file
 * and, for anything inside it, the line. *out is the caller's; free with
 * kh_event_list_free(). */
int kh_events_load(kh_event_list *out, const char *path, kh_error *err);
void kh_event_list_free(kh_event_list *list);

/* The event ids that apply to a report (unit may be NULL). Fills ids (at most
 * max, borrowed from list) and returns how many. */
size_t kh_events_for(const kh_event_list *list, const char *path, const char *unit,
                     const char **ids, size_t max);

#endif
