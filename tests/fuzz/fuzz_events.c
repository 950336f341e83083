/*
 * fuzz_events.c — fuzz harness for 加分/扣分 events files (`kaohe score
 * --events`): each input is written as events.yaml into a private temporary
 * directory and loaded with kh_events_load; a list that loads is matched
 * against a few reports with kh_events_for. Invariants:
 *   - a refusal is KH_ECONFIG or KH_ENOMEM with a one-line message naming
 *     the file, and leaves the list empty;
 *   - a loaded event: a non-empty event id, a unit or a file (each non-empty
 *     when given), all valid UTF-8;
 *   - kh_events_for returns at most max ids, each borrowed from the list;
 *     an entry's own unit (and file) make it apply.
 */
#include <string.h>

#include "events.h"

#include "fuzz.h"

static const char *path; /* the input file */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    path = kh_fuzz_input_file("fuzz-events", "events.yaml");
    return 0;
}

static void check_text(const char *s, const char *what, size_t i)
{
    if (!s)
        return;
    KH_FUZZ_CHECK(s[0] != '\0', "items[%zu].%s is empty", i, what);
    KH_FUZZ_CHECK(kh_fuzz_is_utf8(s),
                  "items[%zu].%s is not valid UTF-8", i, what);
}

static bool from_list(const kh_event_list *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].event == id)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_fuzz_write_file(path, data, size);
    kh_event_list l;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_events_load(&l, path, &err);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(rc == KH_ECONFIG || rc == KH_ENOMEM, "status %d: %s", rc, err.message);
        KH_FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'), "refusal message \"%s\"",
                      err.message);
        KH_FUZZ_CHECK(strcmp(err.file, path) == 0, "refusal names \"%s\"", err.file);
        KH_FUZZ_CHECK(l.count == 0 && l.items == NULL, "refusal left %zu events", l.count);
        kh_event_list_free(&l);
        return 0;
    }
    for (size_t i = 0; i < l.count; i++) {
        const kh_event *e = &l.items[i];
        KH_FUZZ_CHECK(e->event && e->event[0], "items[%zu]: no event id", i);
        KH_FUZZ_CHECK(e->unit || e->file, "items[%zu]: neither unit nor file", i);
        check_text(e->event, "event", i);
        check_text(e->unit, "unit", i);
        check_text(e->file, "file", i);
        if (e->reason)
            KH_FUZZ_CHECK(kh_fuzz_is_utf8(e->reason), "items[%zu].reason is not valid UTF-8", i);
    }
    const char *ids[8];
    for (size_t i = 0; i < l.count && i < 16; i++) {
        const kh_event *e = &l.items[i];
        size_t n = kh_events_for(&l, e->file ? e->file : "x.txt", e->unit, ids, 8);
        KH_FUZZ_CHECK(n >= 1 && n <= 8, "items[%zu]: %zu events for its own unit/file", i, n);
        for (size_t k = 0; k < n; k++)
            KH_FUZZ_CHECK(from_list(&l, ids[k]), "id %zu not borrowed from the list", k);
    }
    KH_FUZZ_CHECK(kh_events_for(&l, "/nonexistent/none.txt", NULL, ids, 0) == 0,
                  "events with max 0");
    kh_event_list_free(&l);
    return 0;
}
