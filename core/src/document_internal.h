/*
 * document_internal.h — engine-private facts about a loaded kh_document that
 * the public header does not expose: the input format, the HTML source line
 * behind a position, and whether traditional characters were read as
 * simplified.
 */
#ifndef KH_DOCUMENT_INTERNAL_H
#define KH_DOCUMENT_INTERNAL_H

#include <stddef.h>

#include "convert.h"
#include "kaohe/document.h"

/* The format the document was read from (KH_FORMAT_TEXT for plain text). */
kh_format kh_document__format(const kh_document *doc);

/* For an HTML page: the line of the source file where the converted line
 * holding normalised byte norm_offset starts (its first text); 0 for other
 * formats or when unknown. */
int kh_document__source_line(const kh_document *doc, size_t norm_offset);

/* How many traditional characters the normaliser read as simplified (0 for
 * a document that does not look traditional). */
size_t kh_document__substitutions(const kh_document *doc);

#endif
