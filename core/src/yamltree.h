/*
 * yamltree.h — a YAML (or JSON) document read into a tree of nodes that
 * remember their line and column, for loaders of free-form data files
 * (facts files) whose errors must name file:line.
 *
 * One libyaml event pass builds the tree under size limits (bytes of one
 * scalar, nodes, nesting depth), so hostile input is refused with a message
 * instead of exhausting memory. JSON is read as YAML flow style: quoted
 * strings stay text, numbers are plain scalars. Refused with file:line:
 * syntax errors, invalid UTF-8, more than one document, a NUL inside a
 * scalar, a collection used as a mapping key, a key given twice in one
 * mapping, and aliases (*name) — data files have no use for them and they
 * are how "billion laughs" documents grow. Anchors alone are ignored.
 */
#ifndef KH_YAMLTREE_H
#define KH_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"

typedef enum kh_ynode_kind {
    KH_YNODE_SCALAR = 0,
    KH_YNODE_SEQUENCE = 1,
    KH_YNODE_MAPPING = 2
} kh_ynode_kind;

/* One node. Everything is owned by the tree it belongs to. */
typedef struct kh_ynode {
    kh_ynode_kind kind;
    int line;                /* 1-based line where the node starts */
    int column;              /* 1-based column (bytes) where it starts */
    char *text;              /* scalar: its bytes, NUL-terminated; else NULL */
    size_t len;              /* scalar: bytes in text */
    bool plain;              /* scalar written without quotes (and without a
                                !!str tag): 98.5 rather than "98.5" */
    struct kh_ynode **items; /* sequence: its entries; mapping: key, value,
                                key, value … (keys are scalars) */
    size_t count;            /* entries in items */
} kh_ynode;

/* Limits; 0 takes the default shown. */
typedef struct kh_ytree_limits {
    size_t scalar_max;   /* bytes in one scalar (64 KiB) */
    size_t nodes_max;    /* nodes in the document (2,000,000) */
    size_t depth_max;    /* nesting of collections (32) */
} kh_ytree_limits;
#define KH_YTREE_LIMITS_INIT { 0, 0, 0 }

typedef struct kh_ytree kh_ytree;

/* Parse len bytes of buf (need not be NUL-terminated). name is used as the
 * file in err. An empty document (or only comments) gives a tree whose root
 * is NULL. On failure returns KH_EINPUT with err = name:line:column and a
 * message, or KH_ENOMEM. lim may be NULL. *out: caller owns; free with
 * kh_ytree_free(). */
int kh_ytree_parse(kh_ytree **out, const char *name, const void *buf,
                   size_t len, const kh_ytree_limits *lim, kh_error *err);
void kh_ytree_free(kh_ytree *tree); /* accepts NULL */

/* The document's top node, or NULL for an empty document. Borrowed. */
const kh_ynode *kh_ytree_root(const kh_ytree *tree);

/* The value of key in a mapping (NULL when absent or map is not a mapping);
 * *key_line (may be NULL) receives the key's line. Borrowed. */
const kh_ynode *kh_ynode_get(const kh_ynode *map, const char *key,
                             int *key_line);

/* A plain null scalar: empty, ~, null, Null or NULL. */
bool kh_ynode_is_null(const kh_ynode *n);

/* For messages: "a list", "a mapping", "null", "true"/"false" as written,
 * or the scalar quoted and shortened ("\"98.5%x\""). Returns buf. */
const char *kh_ynode_describe(const kh_ynode *n, char *buf, size_t size);

#endif
