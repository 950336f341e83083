/*
 * scheme_internal.h — what scheme.c shares with its tests and the other
 * readers of a scheme directory: the loader's size limits, the translation
 * of a libcyaml error log into a located diagnostic, and the list of a
 * scheme's lib/<name>.lua files. Not part of the public API.
 */
#ifndef KH_SCHEME_INTERNAL_H
#define KH_SCHEME_INTERNAL_H

#include <stddef.h>

#include "kaohe/scheme.h"

/* Refused outright: a scheme.yaml larger than this. */
#define KH_SCHEME_FILE_MAX ((size_t)1024 * 1024)
/* Collections nested deeper than this (counting the top mapping as 1, and
 * counting what aliases expand to) are refused. */
#define KH_SCHEME_DEPTH_MAX 32
/* Nodes the document may expand to once aliases are followed. */
#define KH_SCHEME_NODES_MAX 50000
/* Anchors one document may define. */
#define KH_SCHEME_ANCHORS_MAX 1000
/* Bytes in one scalar (key or value). */
#define KH_SCHEME_SCALAR_MAX 8192
/* Load stops collecting after this many errors. */
#define KH_SCHEME_DIAGS_MAX 100

/* Limits validation accepts (scheme YAML `limits:`). */
#define KH_SCHEME_INSTRUCTIONS_MAX 10000000000.0 /* VM instructions */
#define KH_SCHEME_MEMORY_MB_MAX 1024u            /* MiB */
#define KH_SCHEME_TIMEOUT_MS_MAX 600000u         /* 10 minutes */

/* The line of each YAML path ("total", "indicators[2].max", "params.x") in
 * a loaded scheme.yaml, sorted by path for bsearch. */
typedef struct kh_scheme__loc {
    char *path;     /* owned */
    int line;       /* 1-based */
} kh_scheme__loc;

typedef struct kh_scheme__locmap {
    kh_scheme__loc *items;  /* owned; sorted by path */
    size_t count;
} kh_scheme__locmap;

/* Line of path, 0 when unknown. map may be NULL. */
int kh_scheme__locmap_line(const kh_scheme__locmap *map, const char *path);

/* Turn the text libcyaml logged for a failed load (its message line and
 * "Backtrace:" frames, as captured by the loader's log_fn) into one error
 * "<path>: <problem>" on file, located through map (may be NULL: the line
 * then comes from the innermost backtrace frame). Returns KH_OK or
 * KH_ENOMEM. */
int kh_scheme__cyaml_error(kh_diag_list *diags, const char *file,
                           const char *log, const kh_scheme__locmap *map);

/* The scheme libraries in dir: "lib/<name>.lua" for every <name>.lua in
 * dir/lib that is not hidden, sorted by byte order — the order they are
 * fingerprinted (scheme.c), run before each script (score.c) and scanned
 * (rulescheck.c) in. None when dir/lib does not exist. *out (caller owns;
 * kh_scheme__lib_scripts_free) holds *count names. Returns KH_OK or
 * KH_ENOMEM. */
int kh_scheme__lib_scripts(const char *dir, char ***out, size_t *count);
void kh_scheme__lib_scripts_free(char **names, size_t count);

#endif
