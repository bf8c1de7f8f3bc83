/* SPDX-License-Identifier: BSD-3-Clause */
/* Recursive descent over RFC 8259. Recursion is bounded by DMM_JSON_MAX_DEPTH; nodes come
 * from chunks and decoded strings from one arena sized from the input, so a document is
 * freed in a few calls whatever its shape. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_NODES 128

struct chunk {
	struct chunk *next;
	size_t used;
	struct dmm_json nodes[CHUNK_NODES];
};

struct dmm_json_doc {
	struct dmm_json *root;
	struct chunk *chunks;
	char *arena;
};

struct parser {
	const char *start, *p, *end;
	struct dmm_json_doc *doc;
	/* Every string or number token is stored with a NUL after it; decoding never makes
	 * text longer, so 2 * len + 2 bytes hold every value of the input. */
	size_t arena_used, arena_cap;
	const char *err;
	size_t err_off;
	int rc;
};

static int fail_at(struct parser *ps, const char *at, const char *msg)
{
	/* Keep the first error: callers unwinding must not overwrite it. */
	if (ps->err == NULL) {
		ps->err = msg;
		ps->err_off = (size_t)(at - ps->start);
		ps->rc = -EINVAL;
	}
	return -1;
}

static int fail(struct parser *ps, const char *msg)
{
	return fail_at(ps, ps->p, msg);
}

static int fail_nomem(struct parser *ps)
{
	fail(ps, "out of memory");
	ps->rc = -ENOMEM;
	return -1;
}

static struct dmm_json *new_node(struct parser *ps, enum dmm_json_type type)
{
	struct chunk *c = ps->doc->chunks;
	struct dmm_json *v;

	if (c == NULL || c->used == CHUNK_NODES) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			return NULL;
		c->next = ps->doc->chunks;
		c->used = 0;
		ps->doc->chunks = c;
	}
	v = &c->nodes[c->used++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;

	if (ps->end - ps->p < 4)
		return fail(ps, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p;

		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad hex digit in \\u escape");
		ps->p++;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* ps->p is at the opening quote. Decodes into the arena, sets *out and *len. */
static int parse_string(struct parser *ps, const char **out, size_t *len)
{
	const char *open = ps->p;
	char *o = ps->doc->arena + ps->arena_used;
	char *const o0 = o;

	/* Cannot fail (see arena_cap), but a wrong bound must not become an overflow. */
	if (ps->arena_cap - ps->arena_used < (size_t)(ps->end - ps->p) + 1)
		return fail_nomem(ps);
	ps->p++;
	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end)
			return fail_at(ps, open, "unterminated string");
		c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c >= 0x80) {
			size_t n =
			    utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);

			if (n == 0)
				return fail(ps, "invalid UTF-8 in string");
			memcpy(o, ps->p, n);
			o += n;
			ps->p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = (char)c;
			ps->p++;
			continue;
		}
		if (++ps->p >= ps->end)
			return fail_at(ps, open, "unterminated string");
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(ps, &cp) < 0)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(ps, "unpaired low surrogate in \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "unpaired high surrogate in \\u escape");
				ps->p += 2;
				if (hex4(ps, &lo) < 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(ps, "unpaired high surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			/* At most 4 bytes out for at least 6 in: the arena bound holds. */
			o += put_utf8(o, cp);
			break;
		}
		default:
			return fail_at(ps, ps->p - 1, "bad escape in string");
		}
	}
	*o = '\0';
	*out = o0;
	*len = (size_t)(o - o0);
	ps->arena_used += *len + 1;
	return 0;
}

static bool is_digit(const struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static int parse_number(struct parser *ps, struct dmm_json *v)
{
	const char *s = ps->p;
	bool neg = false, integer = true;
	char *tok;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = true;
		ps->p++;
	}
	if (!is_digit(ps))
		return fail(ps, "bad number");
	if (*ps->p == '0') {
		ps->p++;
		if (is_digit(ps))
			return fail(ps, "leading zero in number");
	} else {
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		integer = false;
		ps->p++;
		if (!is_digit(ps))
			return fail(ps, "digit expected after decimal point");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integer = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail(ps, "digit expected in exponent");
		while (is_digit(ps))
			ps->p++;
	}

	tok = ps->doc->arena + ps->arena_used;
	v->len = (size_t)(ps->p - s);
	if (ps->arena_cap - ps->arena_used < v->len + 1)
		return fail_nomem(ps);
	memcpy(tok, s, v->len);
	tok[v->len] = '\0';
	ps->arena_used += v->len + 1;
	v->str = tok;
	/* The grammar was checked above, so strtod consumes the whole token ("C" locale:
	 * dmmctl never calls setlocale). Out-of-range values become +-HUGE_VAL or 0. */
	v->num = strtod(tok, NULL);

	if (integer) {
		uint64_t m = 0;
		bool fits = true;

		for (const char *d = tok + neg; *d != '\0'; d++) {
			unsigned dig = (unsigned)(*d - '0');

			if (m > (UINT64_MAX - dig) / 10) {
				fits = false;
				break;
			}
			m = m * 10 + dig;
		}
		if (fits && !neg) {
			v->is_u64 = true;
			v->u64 = m;
		}
		if (fits && !neg && m <= (uint64_t)INT64_MAX) {
			v->is_i64 = true;
			v->i64 = (int64_t)m;
		} else if (fits && neg && m <= (uint64_t)INT64_MAX + 1) {
			v->is_i64 = true;
			v->i64 = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
		}
	}
	return 0;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static int parse_value(struct parser *ps, struct dmm_json *v, int depth);

/* Appends a new child to parent; *tail tracks the last one. */
static struct dmm_json *add_child(struct parser *ps, struct dmm_json *parent,
				  struct dmm_json **tail)
{
	struct dmm_json *c = new_node(ps, DMM_JSON_NULL);

	if (c == NULL)
		return NULL;
	if (*tail == NULL)
		parent->child = c;
	else
		(*tail)->next = c;
	*tail = c;
	parent->n++;
	return c;
}

static int parse_array(struct parser *ps, struct dmm_json *v, int depth)
{
	struct dmm_json *tail = NULL;

	v->type = DMM_JSON_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct dmm_json *c = add_child(ps, v, &tail);

		if (c == NULL)
			return fail_nomem(ps);
		if (parse_value(ps, c, depth) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return fail(ps, "',' or ']' expected");
		ps->p++;
	}
}

static int parse_object(struct parser *ps, struct dmm_json *v, int depth)
{
	struct dmm_json *tail = NULL;

	v->type = DMM_JSON_OBJECT;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct dmm_json *c;
		const char *key;
		size_t key_len;

		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, "unterminated object");
		if (*ps->p != '"')
			return fail(ps, "member name expected");
		if (parse_string(ps, &key, &key_len) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return fail(ps, "':' expected");
		ps->p++;
		c = add_child(ps, v, &tail);
		if (c == NULL)
			return fail_nomem(ps);
		c->key = key;
		c->key_len = key_len;
		if (parse_value(ps, c, depth) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, "unterminated object");
		if (*ps->p == '}') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return fail(ps, "',' or '}' expected");
		ps->p++;
	}
}

/* depth: containers already open around v. */
static int parse_value(struct parser *ps, struct dmm_json *v, int depth)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "value expected, input ends");
	switch (*ps->p) {
	case '{':
	case '[':
		if (depth >= DMM_JSON_MAX_DEPTH)
			return fail(ps, "nesting too deep");
		return *ps->p == '{' ? parse_object(ps, v, depth + 1)
				     : parse_array(ps, v, depth + 1);
	case '"':
		v->type = DMM_JSON_STRING;
		return parse_string(ps, &v->str, &v->len);
	case 't':
		v->type = DMM_JSON_TRUE;
		return literal(ps, "true") ? 0 : fail(ps, "bad literal");
	case 'f':
		v->type = DMM_JSON_FALSE;
		return literal(ps, "false") ? 0 : fail(ps, "bad literal");
	case 'n':
		v->type = DMM_JSON_NULL;
		return literal(ps, "null") ? 0 : fail(ps, "bad literal");
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
			v->type = DMM_JSON_NUMBER;
			return parse_number(ps, v);
		}
		return fail(ps, "unexpected character");
	}
}

void dmm_json_free(struct dmm_json_doc *doc)
{
	if (doc == NULL)
		return;
	while (doc->chunks != NULL) {
		struct chunk *c = doc->chunks;

		doc->chunks = c->next;
		free(c);
	}
	free(doc->arena);
	free(doc);
}

int dmm_json_parse(const char *text, size_t len, struct dmm_json_doc **doc,
		   struct dmm_json_error *err)
{
	struct parser ps = {.start = text, .p = text, .end = text + len};
	struct dmm_json_error dummy;

	if (err == NULL)
		err = &dummy;
	err->offset = 0;
	err->msg = NULL;
	*doc = NULL;
	if (len > (SIZE_MAX - 2) / 2) {
		err->msg = "input too large";
		return -E2BIG;
	}
	ps.doc = calloc(1, sizeof(*ps.doc));
	if (ps.doc == NULL) {
		err->msg = "out of memory";
		return -ENOMEM;
	}
	ps.arena_cap = 2 * len + 2;
	ps.doc->arena = malloc(ps.arena_cap);
	ps.doc->root = new_node(&ps, DMM_JSON_NULL);
	if (ps.doc->arena == NULL || ps.doc->root == NULL) {
		dmm_json_free(ps.doc);
		err->msg = "out of memory";
		return -ENOMEM;
	}

	skip_ws(&ps);
	if (ps.p == ps.end)
		fail(&ps, "empty input");
	else if (parse_value(&ps, ps.doc->root, 0) == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			fail(&ps, "trailing characters after the value");
	}
	if (ps.err != NULL) {
		dmm_json_free(ps.doc);
		err->msg = ps.err;
		err->offset = ps.err_off;
		return ps.rc;
	}
	*doc = ps.doc;
	return 0;
}

struct dmm_json *dmm_json_root(const struct dmm_json_doc *doc)
{
	return doc->root;
}

struct dmm_json *dmm_json_get(const struct dmm_json *v, const char *key)
{
	size_t n = strlen(key);

	if (v == NULL || v->type != DMM_JSON_OBJECT)
		return NULL;
	for (struct dmm_json *c = v->child; c != NULL; c = c->next)
		if (c->key_len == n && memcmp(c->key, key, n) == 0)
			return c;
	return NULL;
}

bool dmm_json_u64(const struct dmm_json *v, uint64_t *out)
{
	if (v == NULL || v->type != DMM_JSON_NUMBER || !v->is_u64)
		return false;
	*out = v->u64;
	return true;
}

const char *dmm_json_string(const struct dmm_json *v)
{
	return v != NULL && v->type == DMM_JSON_STRING ? v->str : NULL;
}

void dmm_json_set_u64(struct dmm_json *v, uint64_t x)
{
	v->type = DMM_JSON_NUMBER;
	v->num = (double)x;
	v->is_u64 = true;
	v->u64 = x;
	v->is_i64 = x <= (uint64_t)INT64_MAX;
	v->i64 = v->is_i64 ? (int64_t)x : 0;
	v->child = NULL;
	v->n = 0;
	v->str = NULL;
	v->len = 0;
}

int dmm_json_splice(struct dmm_json *dst, struct dmm_json *src)
{
	struct dmm_json *t;

	if (dst == src || dst->type != src->type ||
	    (dst->type != DMM_JSON_ARRAY && dst->type != DMM_JSON_OBJECT))
		return -EINVAL;
	if (dst->child == NULL) {
		dst->child = src->child;
	} else {
		for (t = dst->child; t->next != NULL; t = t->next)
			;
		t->next = src->child;
	}
	dst->n += src->n;
	src->child = NULL;
	src->n = 0;
	return 0;
}

static void write_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void newline(FILE *f, int indent, int level)
{
	if (indent < 0)
		return;
	fputc('\n', f);
	fprintf(f, "%*s", indent * level, "");
}

/* Recursion is bounded: documents only come from dmm_json_parse (depth <= 32). */
static void write_value(FILE *f, const struct dmm_json *v, int indent, int level)
{
	switch (v->type) {
	case DMM_JSON_NULL:
		fputs("null", f);
		break;
	case DMM_JSON_FALSE:
		fputs("false", f);
		break;
	case DMM_JSON_TRUE:
		fputs("true", f);
		break;
	case DMM_JSON_NUMBER:
		if (v->is_u64)
			fprintf(f, "%" PRIu64, v->u64);
		else if (v->is_i64)
			fprintf(f, "%" PRId64, v->i64);
		else
			fwrite(v->str, 1, v->len, f);
		break;
	case DMM_JSON_STRING:
		write_string(f, v->str, v->len);
		break;
	case DMM_JSON_ARRAY:
	case DMM_JSON_OBJECT: {
		bool obj = v->type == DMM_JSON_OBJECT;

		fputc(obj ? '{' : '[', f);
		for (const struct dmm_json *c = v->child; c != NULL; c = c->next) {
			newline(f, indent, level + 1);
			if (obj) {
				write_string(f, c->key, c->key_len);
				fputs(indent < 0 ? ":" : ": ", f);
			}
			write_value(f, c, indent, level + 1);
			if (c->next != NULL)
				fputc(',', f);
		}
		if (v->child != NULL)
			newline(f, indent, level);
		fputc(obj ? '}' : ']', f);
		break;
	}
	}
}

void dmm_json_write(FILE *f, const struct dmm_json *v, int indent)
{
	write_value(f, v, indent, 0);
}
