/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the YAML config loaders (dmm-maar's and dmm-cmd's): libyaml document
 * nodes, the dotted key path of the value being read, and errors in the one format both
 * print, "file:line:col: key.path: problem". */
#ifndef DMM_YAML_H
#define DMM_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <yaml.h>

struct dmm_yaml {
	const char *file;     /* for messages */
	FILE *err;	      /* where messages go */
	yaml_document_t *doc;
	unsigned n_err;
	char path[256];	      /* dotted key of the mapping or list item being read: "ports[1]" */
	size_t plen;
};

/* Report a problem at node n; key (may be NULL) is appended to the current path. */
__attribute__((format(printf, 4, 5))) void dmm_yaml_error(struct dmm_yaml *y, const yaml_node_t *n,
							  const char *key, const char *fmt, ...);
/* Enter mapping value `key` / list item i; both return the length to pop back to. */
size_t dmm_yaml_push_key(struct dmm_yaml *y, const char *key);
size_t dmm_yaml_push_index(struct dmm_yaml *y, size_t i);
void dmm_yaml_pop(struct dmm_yaml *y, size_t old);

yaml_node_t *dmm_yaml_node(const struct dmm_yaml *y, yaml_node_item_t i);
/* An empty value ("key:") or an explicit plain null. */
bool dmm_yaml_is_null(const yaml_node_t *n);
/* Optional sections may be written empty, e.g. with all their entries commented out. */
bool dmm_yaml_present(const yaml_node_t *n);
/* Is n of type t? Reports "expected a scalar/list/mapping" if not. */
bool dmm_yaml_expect(struct dmm_yaml *y, const yaml_node_t *n, const char *key,
		     yaml_node_type_t t);
/* Text of a scalar value, or NULL after reporting why there is none. An embedded NUL (from a
 * "\0" escape) would silently truncate the value, so it is refused too. */
const char *dmm_yaml_scalar(struct dmm_yaml *y, const yaml_node_t *n, const char *key);

/* An unsigned integer lo..hi: 1 when set, 0 when n is NULL (absent), -1 after reporting an
 * error. Plain, unquoted decimal digits only: YAML 1.1 reads "010" as octal and "1_000" as
 * 1000, and a quoted number is a string. */
int dmm_yaml_uint(struct dmm_yaml *y, const yaml_node_t *n, const char *key, uint32_t lo,
		  uint32_t hi, uint32_t *out);

/* Called with the root node of the document; y->doc is valid during the call. */
typedef void (*dmm_yaml_parse_fn)(struct dmm_yaml *y, const yaml_node_t *root);

/* Load exactly one YAML document from the file y->file (buf == NULL) or from buf[0..len)
 * (y->file names it in messages), and hand its root to parse, which reports problems with
 * dmm_yaml_error. Syntax errors, an empty input and a second document are reported the same
 * way. y->err must be set. Returns 0, -EINVAL when anything was reported, or a negative errno
 * (a file that cannot be opened is reported as "file: cannot open: reason"). */
int dmm_yaml_load(struct dmm_yaml *y, const char *buf, size_t len, dmm_yaml_parse_fn parse);

#endif
