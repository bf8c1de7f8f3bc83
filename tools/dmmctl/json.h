/* SPDX-License-Identifier: BSD-3-Clause */
/* A small, strict JSON (RFC 8259) reader for dmmctl. The input is untrusted (whatever is
 * listening on the socket), so parsing is bounded: every read is checked against the input
 * length, nesting is limited to DMM_JSON_MAX_DEPTH and any deviation from the grammar is
 * an error, never a crash or a guess. Strings are decoded (escapes, surrogate pairs) and
 * must be valid UTF-8. */
#ifndef DMM_JSON_H
#define DMM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DMM_JSON_MAX_DEPTH 32 /* nested arrays/objects */

enum dmm_json_type {
	DMM_JSON_NULL,
	DMM_JSON_FALSE,
	DMM_JSON_TRUE,
	DMM_JSON_NUMBER,
	DMM_JSON_STRING,
	DMM_JSON_ARRAY,
	DMM_JSON_OBJECT,
};

struct dmm_json {
	enum dmm_json_type type;
	/* Member name (decoded, NUL-terminated) when the parent is an object, else NULL. */
	const char *key;
	size_t key_len;
	/* STRING: decoded value, NUL-terminated (len excludes the NUL; "\u0000" may put NULs
	 * inside). NUMBER: the token as written. */
	const char *str;
	size_t len;
	/* NUMBER: value as a double, and exactly when it is an integer that fits. */
	double num;
	bool is_u64; /* integer in [0, UINT64_MAX] */
	bool is_i64; /* integer in [INT64_MIN, INT64_MAX] */
	uint64_t u64;
	int64_t i64;
	/* ARRAY/OBJECT: children in document order. */
	size_t n;
	struct dmm_json *child;
	struct dmm_json *next; /* next sibling */
};

struct dmm_json_doc;

struct dmm_json_error {
	size_t offset;	 /* byte offset of the problem in the input */
	const char *msg; /* static string */
};

/* Parse text[0..len) (no NUL terminator needed). Returns 0 and *doc, or -EINVAL (malformed,
 * err filled in), -ENOMEM or -E2BIG (len too large). err may be NULL. */
int dmm_json_parse(const char *text, size_t len, struct dmm_json_doc **doc,
		   struct dmm_json_error *err);
struct dmm_json *dmm_json_root(const struct dmm_json_doc *doc);
void dmm_json_free(struct dmm_json_doc *doc);

/* First member named key of an object; NULL if v is not an object or has no such member. */
struct dmm_json *dmm_json_get(const struct dmm_json *v, const char *key);
/* True and *out if v is a number holding a non-negative integer that fits in 64 bits. */
bool dmm_json_u64(const struct dmm_json *v, uint64_t *out);
/* The string of a STRING value, else NULL. */
const char *dmm_json_string(const struct dmm_json *v);

/* Replace a value by the integer x (used to fix up merged replies). */
void dmm_json_set_u64(struct dmm_json *v, uint64_t x);
/* Move every child of src to the end of dst (both arrays or both objects; the nodes stay
 * owned by their documents, so free both only after dst is no longer used). Returns 0 or
 * -EINVAL. */
int dmm_json_splice(struct dmm_json *dst, struct dmm_json *src);

/* Write v as JSON: indent < 0 on one line, else pretty with indent spaces per level.
 * Integers are written from their value, other numbers as received. */
void dmm_json_write(FILE *f, const struct dmm_json *v, int indent);

#endif
