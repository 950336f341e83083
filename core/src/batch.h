/*
 * batch.h — scoring many reports into an output directory: `kaohe batch`,
 * `kaohe merge` and `kaohe verify` (docs/batch.md). What a run is made of:
 * its inputs (a directory or a manifest), a pool of worker processes that
 * extract, identify and score, a journal and per-report cache in OUTDIR so
 * an interrupted run resumes and a re-run skips unchanged reports, and the
 * assembly of all records into results.json plus the office's files.
 *
 * Modules: batch_inputs.c (which reports), batch_pool.c (the workers),
 * batch_journal.c (journal and cache), batch_run.c (the run, its manifest,
 * results.json and shard files).
 */
#ifndef KH_BATCH_H
#define KH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "isolate.h"
#include "jsonv.h"
#include "overrides.h"
#include "record.h"
#include "registry.h"
#include "sha256.h"

/* Names inside OUTDIR. */
#define KH_BATCH_RESULTS "results.json"
#define KH_BATCH_JOURNAL ".kaohe-journal"
#define KH_BATCH_CACHE_DIR ".kaohe-cache"

/* ---- inputs (batch_inputs.c) ------------------------------------------- */

/* One report of the run (a run may have 100,000: digests are kept as
 * bytes; kh_batch_job_sha256 and kh_batch_job_key give their hex). */
typedef struct kh_batch_job {
    char *path;                     /* owned; as it will appear in results */
    char *hint;                     /* owned; the manifest's unit, or NULL */
    uint8_t sha256[KH_SHA256_DIGEST_SIZE]; /* of the file, when has_sha256 */
    uint8_t key[KH_SHA256_DIGEST_SIZE];    /* cache key, when has_key */
    bool has_sha256;                /* false: the file cannot be read */
    bool has_key;                   /* false: never cached */
} kh_batch_job;

/* The job's SHA-256 in hex (in buf), or NULL when the file cannot be read. */
const char *kh_batch_job_sha256(const kh_batch_job *job, char buf[KH_SHA256_HEX_SIZE]);
/* The job's cache key in hex (in buf), or NULL when it is never cached. */
const char *kh_batch_job_key(const kh_batch_job *job, char buf[KH_SHA256_HEX_SIZE]);

typedef struct kh_batch_source {
    char *kind;                     /* owned; "dir", "manifest" or "inputs" */
    char *path;                     /* owned; the DIR or MANIFEST as given */
    char sha256[KH_SHA256_HEX_SIZE];/* of the manifest file; "" for a dir */
    int year;                       /* the manifest's assessment year, 0 */
    char *deadline;                 /* owned; manifest deadline YYYY-MM-DD, or NULL */
    char *scheme;                   /* owned; the manifest's scheme dir (resolved
                                       against the manifest's directory), or NULL */
    kh_batch_job *jobs;             /* owned; sorted by path, unique */
    size_t count;
} kh_batch_source;

/* Read DIR (every regular file below it, recursively, dot-files and the
 * directory `exclude` skipped; may be NULL) or a MANIFEST (YAML: year,
 * scheme, deadline, units: [{unit, files: [..]}], paths relative to the
 * manifest). Problems are printed ("kaohe: error: file:line: message");
 * returns false on a usage/config error. A file a manifest names that does
 * not exist stays a job (it fails when read, and the run goes on). */
bool kh_batch_source_load(kh_batch_source *src, const char *arg, const char *exclude);
void kh_batch_source_free(kh_batch_source *src); /* zeroes it */
/* Sort jobs by path and drop duplicates (warning printed). */
void kh_batch_source_sort(kh_batch_source *src);
/* Add a job (copies). */
bool kh_batch_source_add(kh_batch_source *src, const char *path, const char *hint);

/* ---- options and the run's fingerprints ---------------------------------- */

typedef struct kh_batch_plugin {
    char *name, *version, *path;    /* owned */
    char sha256[KH_SHA256_HEX_SIZE];
} kh_batch_plugin;

/* Strings are borrowed (argv, or the caller's) and must outlive the run. */
typedef struct kh_batch_opts {
    const char *outdir;             /* -o */
    unsigned jobs;                  /* -j: worker processes */
    unsigned shard_k, shard_n;      /* --shard K/N; 0/0 = the whole run */
    const char *registry_path;      /* resolved; NULL = none found */
    const char *overrides_path;     /* --overrides, or NULL */
    const char *events_path;        /* --events, or NULL */
    bool use_cache;                 /* journal + cache (off for verify) */
    bool write_files;               /* results.json, shard file, outputs */
    bool progress;                  /* progress on stderr */
} kh_batch_opts;

/* Everything a run needs, set up once in the parent (workers inherit it). */
typedef struct kh_batch {
    kh_cli *cli;                    /* borrowed: plugins/rules dirs, max size,
                                       limits, verbosity */
    kh_batch_opts opts;
    kh_batch_source *src;           /* borrowed */
    kh_engine *engine;              /* owned: the parent's (plugin list, checks) */
    kh_scheme *scheme;              /* owned */
    kh_rules *rules;                /* owned: re-scoring after overrides and
                                       events */
    kh_registry *registry;          /* owned, may be NULL */
    kh_batch_plugin *plugins;       /* owned; loaded plugins with SHA-256 */
    size_t plugins_count;
    char plugins_fp[KH_SHA256_HEX_SIZE]; /* over names, versions, SHA-256s */
    kh_override_list overrides;     /* loaded --overrides (count 0 when none) */
    char overrides_sha256[KH_SHA256_HEX_SIZE];
    kh_event_list events;           /* owned: loaded --events, checked against
                                       the scheme (count 0 when none) */
    char events_sha256[KH_SHA256_HEX_SIZE];
    char cache_dir[4200];           /* where workers store records; "" = keep
                                       them in memory (set by kh_batch_run) */
    char started[32];               /* ISO 8601 UTC */
    char cwd[4096];
} kh_batch;

/* Load engine, scheme (+ rules), registry, overrides, events and plugin
 * fingerprints for cli.
 * Problems printed; false = configuration error (exit 2). */
bool kh_batch_setup(kh_batch *b, kh_cli *cli, const kh_batch_opts *opts,
                    kh_batch_source *src);
void kh_batch_teardown(kh_batch *b);

/* The unit registry to use when --registry is not given: env
 * KAOHE_REGISTRY, registry.yaml beside the scheme directory (the bundled
 * scoring-rules/registry.yaml), then the install prefix. Written to buf;
 * NULL when there is none. */
const char *kh_batch_find_registry(const kh_cli *cli, char *buf, size_t size);

/* "2025-01-08T03:04:05Z" for now. */
void kh_batch_now_iso(char buf[32]);

/* ---- the workers (batch_pool.c) ------------------------------------------ */

/* Called in the parent for each finished job: text is the record's JSON
 * (the worker's, or a failure record made by the parent when the worker
 * died or timed out: from_worker false), owned by the callee from then on,
 * or NULL when the worker stored the record in b->cache_dir under the job's
 * key itself;
 * info is "ok\t<total>\t<grade>" or "fail\t<error>" (borrowed). Also
 * called about every 250 ms with job (size_t)-1 and text NULL (a tick). */
typedef void (*kh_batch_done_fn)(void *ctx, size_t job, char *text, size_t len,
                                 const char *info, bool from_worker);

/* Run the given jobs (indices into b->src->jobs) on a pool of
 * b->opts.jobs worker processes. Returns 0, or -1 when no worker could be
 * started (printed). */
int kh_batch_pool_run(kh_batch *b, const size_t *todo, size_t n,
                      kh_batch_done_fn done, void *ctx);

/* The record of one job made in-process by a worker (exposed for tests). */
int kh_batch_process(kh_batch *b, kh_engine *engine, kh_rules *rules, size_t job,
                     int stage_fd, kh_record *out);

/* ---- journal and cache (batch_journal.c) --------------------------------- */

typedef struct kh_batch_journal {
    int fd;                         /* our journal, O_APPEND; -1 when closed */
    char *dir;                      /* owned: OUTDIR */
    char *cache_dir;                /* owned: OUTDIR/.kaohe-cache */
    uint8_t (*done)[KH_SHA256_DIGEST_SIZE]; /* owned: sorted keys done in earlier
                                       runs, as digests (a resumed run of
                                       100,000 reports has 100,000) */
    size_t done_count, done_cap;
    char **pending;                 /* owned: "done\t<key>\t<path>\n" lines not yet
                                       committed */
    size_t pending_count;
    struct timespec pending_since;
} kh_batch_journal;

/* Open (create) the journal for this run in outdir; name is
 * KH_BATCH_JOURNAL or a shard's own. Reads the keys done by earlier runs
 * (of any journal in outdir). */
int kh_batch_journal_open(kh_batch_journal *jn, const char *outdir, const char *name,
                          kh_error *err);
void kh_batch_journal_close(kh_batch_journal *jn);
/* Was key completed by an earlier run (a "done" line), with its cache file
 * present? */
bool kh_batch_journal_has(kh_batch_journal *jn, const char *key);
/* The cache file of key, whether or not a journal names it (a record stored
 * by this run). */
bool kh_batch_journal_load(kh_batch_journal *jn, const char *key, char **text, size_t *len);
/* Write the cache file of key in cache_dir (no fsync: the commit syncs).
 * Called by workers. KH_OK or KH_EIO. */
int kh_batch_cache_write(const char *cache_dir, const char *key, const char *text,
                         size_t len);
/* Queue the "done" line of a record written to the cache; lines are
 * committed — cache files synced, then the lines appended and the journal
 * fsync'd — in groups by kh_batch_journal_commit. jn may be NULL. */
int kh_batch_journal_queue(kh_batch_journal *jn, const char *key, const char *path);
/* Commit queued lines when force, or when 32 are queued or the oldest is
 * older than 200 ms. */
int kh_batch_journal_commit(kh_batch_journal *jn, bool force);
/* Append a free-form line ("start …", "end …", "failed …") and fsync. */
int kh_batch_journal_note(kh_batch_journal *jn, const char *line);

/* ---- the run (batch_run.c) ----------------------------------------------- */

/* Counts of a run, for the summary. */
typedef struct kh_batch_counts {
    size_t inputs, computed, cached, failed, scored;
    double pool_seconds;     /* wall clock of the workers' part */
    double total_seconds;    /* of the whole run */
} kh_batch_counts;

/* Run: hash, skip cached, pool the rest, assemble, write. results_text
 * (may be NULL; caller owns) receives results.json's text when
 * write_files is off (verify). Returns the exit status (0, 1, 2). */
int kh_batch_run(kh_batch *b, kh_batch_counts *counts, char **results_text);

/* Merge shard files into outdir (the single-run outputs). overrides_arg and
 * events_arg (borrowed, may be NULL) replace the overrides and events files
 * the shards recorded. Exit status. */
int kh_batch_merge(kh_cli *cli, const char *outdir, char **shards, size_t n,
                   const char *overrides_arg, const char *events_arg);

/* Verify outdir: re-score from its recorded inputs and compare. Exit 0 when
 * identical, 1 when anything differs, 2 on a usage error. */
int kh_batch_verify(kh_cli *cli, const char *outdir, unsigned jobs);

/* Subcommands (cmd_batch.c, cmd_merge.c, cmd_verify.c). */
int kh_cmd_batch(int argc, char **argv, kh_cli *cli);
int kh_cmd_merge(int argc, char **argv, kh_cli *cli);
int kh_cmd_verify(int argc, char **argv, kh_cli *cli);

#endif
