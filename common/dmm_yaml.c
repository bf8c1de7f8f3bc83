/* SPDX-License-Identifier: BSD-3-Clause */
#include "dmm_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void dmm_yaml_error(struct dmm_yaml *y, const yaml_node_t *n, const char *key, const char *fmt,
		    ...)
{
	va_list ap;

	fprintf(y->err, "%s:%zu:%zu: ", y->file, n->start_mark.line + 1, n->start_mark.column + 1);
	if (y->plen > 0 && key != NULL)
		fprintf(y->err, "%s.%s: ", y->path, key);
	else if (y->plen > 0 || key != NULL)
		fprintf(y->err, "%s: ", key != NULL ? key : y->path);
	va_start(ap, fmt);
	vfprintf(y->err, fmt, ap);
	va_end(ap);
	fputc('\n', y->err);
	y->n_err++;
}

__attribute__((format(printf, 2, 3))) static size_t path_push(struct dmm_yaml *y, const char *fmt,
							      ...)
{
	size_t old = y->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(y->path + old, sizeof(y->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		y->plen = old + (size_t)n < sizeof(y->path) ? old + (size_t)n : sizeof(y->path) - 1;
	return old;
}

size_t dmm_yaml_push_key(struct dmm_yaml *y, const char *key)
{
	return path_push(y, "%s%s", y->plen > 0 ? "." : "", key);
}

size_t dmm_yaml_push_index(struct dmm_yaml *y, size_t i)
{
	return path_push(y, "[%zu]", i);
}

void dmm_yaml_pop(struct dmm_yaml *y, size_t old)
{
	y->plen = old;
	y->path[old] = '\0';
}

yaml_node_t *dmm_yaml_node(const struct dmm_yaml *y, yaml_node_item_t i)
{
	return yaml_document_get_node(y->doc, i);
}

bool dmm_yaml_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

bool dmm_yaml_present(const yaml_node_t *n)
{
	return n != NULL && !dmm_yaml_is_null(n);
}

bool dmm_yaml_expect(struct dmm_yaml *y, const yaml_node_t *n, const char *key,
		     yaml_node_type_t t)
{
	if (n->type == t)
		return true;
	dmm_yaml_error(y, n, key, "expected %s",
		       t == YAML_SCALAR_NODE	 ? "a scalar"
		       : t == YAML_SEQUENCE_NODE ? "a list"
						 : "a mapping");
	return false;
}

const char *dmm_yaml_scalar(struct dmm_yaml *y, const yaml_node_t *n, const char *key)
{
	const char *s;

	if (!dmm_yaml_expect(y, n, key, YAML_SCALAR_NODE))
		return NULL;
	if (dmm_yaml_is_null(n)) {
		dmm_yaml_error(y, n, key, "missing value");
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		dmm_yaml_error(y, n, key, "contains a NUL character");
		return NULL;
	}
	return s;
}

int dmm_yaml_uint(struct dmm_yaml *y, const yaml_node_t *n, const char *key, uint32_t lo,
		  uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	const char *s;

	if (n == NULL)
		return 0;
	s = dmm_yaml_scalar(y, n, key);
	if (s == NULL)
		return -1;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		dmm_yaml_error(y, n, key, "expected an unquoted integer %u..%u", lo, hi);
		return -1;
	}
	if (strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1] != '\0')) {
		dmm_yaml_error(y, n, key, "expected an integer %u..%u, got \"%s\"", lo, hi, s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno != 0 || v < lo || v > hi) {
		dmm_yaml_error(y, n, key, "%s out of range %u..%u", s, lo, hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 1;
}

static void syntax_error(struct dmm_yaml *y, const yaml_parser_t *p)
{
	fprintf(y->err, "%s:%zu:%zu: yaml: %s\n", y->file, p->problem_mark.line + 1,
		p->problem_mark.column + 1, p->problem != NULL ? p->problem : "out of memory");
	y->n_err++;
}

static void load_document(struct dmm_yaml *y, yaml_parser_t *p, dmm_yaml_parse_fn parse)
{
	yaml_document_t doc, extra;
	const yaml_node_t *root;

	if (!yaml_parser_load(p, &doc)) {
		syntax_error(y, p);
	} else if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		fprintf(y->err, "%s:1:1: yaml: empty document\n", y->file);
		y->n_err++;
	} else {
		y->doc = &doc;
		parse(y, root);
		y->doc = NULL;
		/* A second document would be silently ignored: refuse it. */
		if (!yaml_parser_load(p, &extra)) {
			syntax_error(y, p);
		} else {
			root = yaml_document_get_root_node(&extra);
			if (root != NULL) {
				fprintf(y->err, "%s:%zu:%zu: yaml: only one document is allowed\n",
					y->file, root->start_mark.line + 1,
					root->start_mark.column + 1);
				y->n_err++;
			}
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc); /* also valid after a failed load, which zeroes doc */
}

int dmm_yaml_load(struct dmm_yaml *y, const char *buf, size_t len, dmm_yaml_parse_fn parse)
{
	yaml_parser_t parser;
	FILE *f = NULL;
	int rc;

	if (buf == NULL) {
		f = fopen(y->file, "r");
		if (f == NULL) {
			rc = -errno;
			fprintf(y->err, "%s: cannot open: %s\n", y->file, strerror(-rc));
			return rc;
		}
	}
	if (!yaml_parser_initialize(&parser)) {
		if (f != NULL)
			fclose(f);
		return -ENOMEM;
	}
	if (f != NULL)
		yaml_parser_set_input_file(&parser, f);
	else
		yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	load_document(y, &parser, parse);
	yaml_parser_delete(&parser);
	if (f != NULL)
		fclose(f);
	return y->n_err > 0 ? -EINVAL : 0;
}
