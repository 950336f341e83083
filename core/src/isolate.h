/*
 * isolate.h — running extractor plugins where they cannot take kaohe down: a
 * child process with a CPU limit (RLIMIT_CPU), an address-space limit
 * (RLIMIT_AS) and a wall-clock timeout, which tells its parent which plugin
 * it is about to run, so a crash, a runaway loop or an unbounded leak is
 * reported by plugin name ("plugin crash: killed by signal 11 (Segmentation
 * fault) while running plugin segv on X") and costs one report. Used by
 * `kaohe extract/score --isolate` (one child per report) and by the batch
 * workers (long-lived children).
 */
#ifndef KH_ISOLATE_H
#define KH_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kaohe/kaohe.h"

/* Defaults (documented in README and --help). */
#define KH_LIMIT_CPU_DEFAULT 30u      /* CPU seconds per report */
#define KH_LIMIT_MEM_DEFAULT 1024u    /* MiB of address space per child */
#define KH_LIMIT_TIMEOUT_DEFAULT 60u  /* wall-clock seconds per report */

typedef struct kh_limits {
    unsigned cpu_seconds;     /* RLIMIT_CPU budget per report; 0 = none */
    unsigned mem_mb;          /* RLIMIT_AS of the child; 0 = none */
    unsigned timeout_seconds; /* wall clock per report; 0 = none */
} kh_limits;
#define KH_LIMITS_INIT { KH_LIMIT_CPU_DEFAULT, KH_LIMIT_MEM_DEFAULT, KH_LIMIT_TIMEOUT_DEFAULT }

/* In a freshly forked child: address-space limit, no core files, and (on
 * Linux) death with the parent. */
void kh_isolate_child_setup(const kh_limits *lim);
/* Allow the calling process cpu_seconds more CPU time from now (a soft
 * RLIMIT_CPU above what it has used; SIGXCPU when exceeded). 0: no limit. */
void kh_isolate_cpu_budget(unsigned cpu_seconds);
/* False when RLIMIT_AS cannot be used in this build (AddressSanitizer
 * reserves terabytes of address space). */
bool kh_isolate_mem_limit_usable(void);

/* kh_engine_extract, calling before(ctx, plugin name) just before each
 * plugin runs (so a parent can be told). Same results as kh_engine_extract:
 * both are kh_engine__extract_each (engine_internal.h). */
int kh_isolate_extract_traced(kh_engine *engine, const kh_document *doc,
                              kh_factset **out,
                              void (*before)(void *ctx, const char *plugin),
                              void *ctx);

/* What a child was doing when it stopped. */
typedef struct kh_isolate_stage {
    char what[32];      /* "reading", "running plugin", "scoring", … or "" */
    char plugin[128];   /* the plugin running, when what is "running plugin" */
} kh_isolate_stage;

/* Parse a stage frame payload ("reading", "running plugin\tsegv") into st. */
void kh_isolate_stage_parse(kh_isolate_stage *st, const char *payload, size_t len);

/* One line on how a child ended, e.g. "killed by signal 11 (Segmentation
 * fault) while running plugin segv on X (peak memory 251 MB, limit 256 MB)"
 * or "timed out after 5 s while running plugin loop on X". timed_out: the
 * parent killed it for the wall-clock limit. maxrss_kb: the child's peak
 * resident size (wait4), 0 if unknown. Returns buf. */
char *kh_isolate_describe(char *buf, size_t size, int wstatus, bool timed_out,
                          const kh_limits *lim, const kh_isolate_stage *st,
                          const char *path, long maxrss_kb);

/* Read and extract one file in a child process under lim. On success
 * *facts (caller owns) and *encoding (static name) are set and *error is
 * NULL; when the input is unusable or the child failed, *error (caller owns,
 * "path: reason", e.g. "path: plugin crash: killed by signal 11 …") is set
 * and *facts is NULL. Returns KH_OK, or KH_ENOMEM / KH_EIO when no child
 * could be run at all. */
int kh_isolate_extract_file(kh_engine *engine, const char *path,
                            const kh_document_options *dopts, const kh_limits *lim,
                            kh_factset **facts, const char **encoding, char **error);

/* The static name kh_encoding_name gives, for a name read back; NULL if none. */
const char *kh_isolate_encoding_static(const char *name);

#endif
