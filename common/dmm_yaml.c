/* SPDX-License-Identifier: BSD-3-Clause */
#include "dmm_yaml.h"

#include <stdarg.h>
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
