/* SPDX-License-Identifier: BSD-3-Clause */
/* dmmctl's JSON reader (tools/dmmctl/json.c): valid documents decode exactly, every
 * malformed one is an error (never a crash, which ASan/UBSan builds check), and the writer
 * round-trips what the reader accepts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct dmm_json_doc *parse_ok(const char *s, size_t len)
{
	struct dmm_json_error err;
	struct dmm_json_doc *doc = NULL;
	int rc = dmm_json_parse(s, len, &doc, &err);

	if (rc != 0)
		print_error("unexpected error for '%.*s': %s at %zu\n", (int)len, s, err.msg,
			    err.offset);
	assert_int_equal(rc, 0);
	assert_non_null(doc);
	return doc;
}

static struct dmm_json_doc *parse_str(const char *s)
{
	return parse_ok(s, strlen(s));
}

static int parse_rc(const char *s, size_t len)
{
	struct dmm_json_error err;
	struct dmm_json_doc *doc = (struct dmm_json_doc *)&err; /* must be reset to NULL */
	int rc = dmm_json_parse(s, len, &doc, &err);

	if (rc == 0) {
		dmm_json_free(doc);
	} else {
		assert_null(doc);
		assert_non_null(err.msg);
		assert_true(err.offset <= len);
	}
	return rc;
}

/* Compact re-serialisation of s, for comparisons. */
static char *write_compact(const struct dmm_json *v, int indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	dmm_json_write(f, v, indent);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_scalars(void **state)
{
	(void)state;
	struct {
		const char *in;
		enum dmm_json_type type;
	} cases[] = {
	    {"null", DMM_JSON_NULL},
	    {"true", DMM_JSON_TRUE},
	    {"false", DMM_JSON_FALSE},
	    {" \t\r\n0 \n", DMM_JSON_NUMBER},
	    {"\"\"", DMM_JSON_STRING},
	    {"[]", DMM_JSON_ARRAY},
	    {"{}", DMM_JSON_OBJECT},
	    {" [ ] ", DMM_JSON_ARRAY},
	    {"{ \"a\" : [ ] }", DMM_JSON_OBJECT},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmm_json_doc *d = parse_str(cases[i].in);

		assert_int_equal(dmm_json_root(d)->type, cases[i].type);
		dmm_json_free(d);
	}
}

static void test_numbers(void **state)
{
	(void)state;
	struct {
		const char *in;
		int is_u64, is_i64;
		uint64_t u;
		int64_t i;
		double d;
	} cases[] = {
	    {"0", 1, 1, 0, 0, 0},
	    {"-0", 0, 1, 0, 0, 0},
	    {"123", 1, 1, 123, 123, 123},
	    {"-123", 0, 1, 0, -123, -123},
	    {"18446744073709551615", 1, 0, UINT64_MAX, 0, 18446744073709551615.0},
	    {"18446744073709551616", 0, 0, 0, 0, 18446744073709551616.0},
	    {"9223372036854775807", 1, 1, INT64_MAX, INT64_MAX, 9223372036854775807.0},
	    {"-9223372036854775808", 0, 1, 0, INT64_MIN, -9223372036854775808.0},
	    {"-9223372036854775809", 0, 0, 0, 0, -9223372036854775809.0},
	    {"1.5", 0, 0, 0, 0, 1.5},
	    {"-1.5E-3", 0, 0, 0, 0, -1.5e-3},
	    {"1e10", 0, 0, 0, 0, 1e10},
	    {"2E+2", 0, 0, 0, 0, 200},
	    {"0.0", 0, 0, 0, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmm_json_doc *d = parse_str(cases[i].in);
		struct dmm_json *v = dmm_json_root(d);
		uint64_t u = 42;

		assert_int_equal(v->type, DMM_JSON_NUMBER);
		assert_int_equal(v->is_u64, cases[i].is_u64);
		assert_int_equal(v->is_i64, cases[i].is_i64);
		assert_int_equal(dmm_json_u64(v, &u), cases[i].is_u64);
		if (cases[i].is_u64) {
			assert_true(v->u64 == cases[i].u);
			assert_true(u == cases[i].u);
		}
		if (cases[i].is_i64)
			assert_true(v->i64 == cases[i].i);
		assert_true(v->num == cases[i].d);
		assert_string_equal(v->str, cases[i].in);
		dmm_json_free(d);
	}
}

static void test_strings(void **state)
{
	(void)state;
	struct {
		const char *in;
		const char *out;
		size_t len;
	} cases[] = {
	    {"\"abc\"", "abc", 3},
	    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
	    {"\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6},
	    {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4},
	    {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4},
	    {"\"a\\u0000b\"", "a\0b", 3},
	    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9},
	    {"\"\xef\xbf\xbf\xed\x9f\xbf\"", "\xef\xbf\xbf\xed\x9f\xbf", 6},
	    {"\"\x7f\"", "\x7f", 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmm_json_doc *d = parse_str(cases[i].in);
		struct dmm_json *v = dmm_json_root(d);

		assert_int_equal(v->type, DMM_JSON_STRING);
		assert_int_equal(v->len, cases[i].len);
		assert_memory_equal(v->str, cases[i].out, cases[i].len);
		assert_int_equal(v->str[v->len], '\0');
		assert_ptr_equal(dmm_json_string(v), v->str);
		dmm_json_free(d);
	}
}

/* A reply as DPDK 22.11 telemetry sends it, read through the accessors. */
static void test_telemetry_reply(void **state)
{
	(void)state;
	const char *s = "{\"/dmm/tables\":{\"op_seq\":17,\"ops_pending\":0,\"n_workers\":2,"
			"\"workers\":{\"0\":{\"worker\":0,\"lcore\":1,\"bindings\":3},"
			"\"1\":{\"worker\":1,\"lcore\":2,\"bindings\":4}},\"next_worker\":2}}";
	struct dmm_json_doc *d = parse_str(s);
	struct dmm_json *r = dmm_json_root(d), *v, *w;
	uint64_t x;
	char *out;

	assert_int_equal(r->type, DMM_JSON_OBJECT);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->child->key, "/dmm/tables");
	v = dmm_json_get(r, "/dmm/tables");
	assert_non_null(v);
	assert_true(dmm_json_u64(dmm_json_get(v, "op_seq"), &x));
	assert_int_equal(x, 17);
	w = dmm_json_get(v, "workers");
	assert_int_equal(w->n, 2);
	assert_true(dmm_json_u64(dmm_json_get(dmm_json_get(w, "1"), "bindings"), &x));
	assert_int_equal(x, 4);
	assert_null(dmm_json_get(v, "nope"));
	assert_null(dmm_json_get(dmm_json_get(v, "op_seq"), "x")); /* not an object */
	assert_null(dmm_json_get(NULL, "x"));
	assert_false(dmm_json_u64(w, &x));
	assert_false(dmm_json_u64(NULL, &x));
	assert_null(dmm_json_string(w));

	out = write_compact(r, -1);
	assert_string_equal(out, s);
	free(out);
	dmm_json_free(d);
}

static void test_duplicate_keys_and_nul_keys(void **state)
{
	(void)state;
	struct dmm_json_doc *d = parse_str("{\"a\":1,\"a\":2,\"b\\u0000c\":3,\"b\":4}");
	struct dmm_json *r = dmm_json_root(d);
	uint64_t x;

	assert_true(dmm_json_u64(dmm_json_get(r, "a"), &x));
	assert_int_equal(x, 1); /* the first one */
	assert_true(dmm_json_u64(dmm_json_get(r, "b"), &x));
	assert_int_equal(x, 4); /* "b\0c" is not "b" */
	dmm_json_free(d);
}

/* The length bounds the input: no NUL needed, nothing after len is read. */
static void test_length_bounded(void **state)
{
	(void)state;
	const char buf[] = {'[', '1', ']', 'x', 'y'};
	char *heap = malloc(4);
	struct dmm_json_doc *d = parse_ok(buf, 3);

	assert_int_equal(dmm_json_root(d)->n, 1);
	dmm_json_free(d);
	assert_int_equal(parse_rc(buf, 4), -EINVAL);

	/* Exactly-sized heap buffers: ASan flags any read past the end. */
	memcpy(heap, "true", 4);
	d = parse_ok(heap, 4);
	dmm_json_free(d);
	memcpy(heap, "\"ab\\", 4);
	assert_int_equal(parse_rc(heap, 4), -EINVAL);
	memcpy(heap, "1234", 4);
	d = parse_ok(heap, 4);
	assert_int_equal(dmm_json_root(d)->u64, 1234);
	dmm_json_free(d);
	memcpy(heap, "\"\\u1", 4);
	assert_int_equal(parse_rc(heap, 4), -EINVAL);
	memcpy(heap, "\"\xe2\x82\xac", 4);
	assert_int_equal(parse_rc(heap, 4), -EINVAL);
	free(heap);
	assert_int_equal(parse_rc("", 0), -EINVAL);
}

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);

	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void test_depth(void **state)
{
	(void)state;
	char *s = nested(DMM_JSON_MAX_DEPTH);
	struct dmm_json_doc *d = parse_str(s);

	dmm_json_free(d);
	free(s);
	s = nested(DMM_JSON_MAX_DEPTH + 1);
	assert_int_equal(parse_rc(s, strlen(s)), -EINVAL);
	free(s);
	/* Far deeper than any stack would survive without the limit. */
	s = nested(1000000);
	assert_int_equal(parse_rc(s, strlen(s)), -EINVAL);
	s[1000000] = '\0'; /* unterminated too */
	assert_int_equal(parse_rc(s, strlen(s)), -EINVAL);
	free(s);
	/* Objects count as well. */
	{
		char buf[64 * 6 + 2] = "";

		for (int i = 0; i <= DMM_JSON_MAX_DEPTH; i++)
			strcat(buf, "{\"a\":");
		strcat(buf, "1");
		for (int i = 0; i <= DMM_JSON_MAX_DEPTH; i++)
			strcat(buf, "}");
		assert_int_equal(parse_rc(buf, strlen(buf)), -EINVAL);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    /* empty, truncated */
	    "",
	    " ",
	    "[",
	    "[1",
	    "[1,",
	    "{",
	    "{\"a\"",
	    "{\"a\":",
	    "{\"a\":1",
	    "{\"a\":1,",
	    "\"abc",
	    "\"\\",
	    "\"\\u",
	    "\"\\u00",
	    "tru",
	    "nul",
	    "fals",
	    "-",
	    /* trailing commas, missing separators, bad keys */
	    "[1,]",
	    "[,1]",
	    "[,]",
	    "{\"a\":1,}",
	    "{,}",
	    "{a:1}",
	    "{'a':1}",
	    "{\"a\" 1}",
	    "{\"a\":}",
	    "{1:1}",
	    "{\"a\":1 \"b\":2}",
	    "[1 2]",
	    "[1:2]",
	    "{\"a\",1}",
	    /* trailing garbage */
	    "[1]x",
	    "{} {}",
	    "1 2",
	    "truex",
	    "nullnull",
	    "\"a\"\"b\"",
	    "[]]",
	    "{}}",
	    "0x10",
	    /* numbers */
	    "01",
	    "-01",
	    "00",
	    "1.",
	    ".5",
	    "1e",
	    "1e+",
	    "1E-",
	    "+1",
	    "--1",
	    "1.e5",
	    "-.5",
	    "NaN",
	    "Infinity",
	    "-Infinity",
	    "1_000",
	    /* literals */
	    "True",
	    "NULL",
	    "nil",
	    "undefined",
	    "falsy",
	    /* escapes */
	    "\"\\x\"",
	    "\"\\a\"",
	    "\"\\U0041\"",
	    "\"\\u12\"",
	    "\"\\u12G4\"",
	    "\"\\u-123\"",
	    "\"\\ud800\"",
	    "\"\\ud800\\u0041\"",
	    "\"\\ud800\\n\"",
	    "\"\\udc00\"",
	    "\"\\udc00\\ud800\"",
	    "\"\\ud800\\ud800\"",
	    "\"\\'\"",
	    "\"\\",
	    /* raw control characters and invalid UTF-8 in strings */
	    "\"a\nb\"",
	    "\"\t\"",
	    "\"\x1f\"",
	    "\"\xff\"",
	    "\"\x80\"",
	    "\"\xc0\xaf\"",
	    "\"\xc1\xbf\"",
	    "\"\xe0\x80\xaf\"",
	    "\"\xed\xa0\x80\"",
	    "\"\xf0\x80\x80\xaf\"",
	    "\"\xf4\x90\x80\x80\"",
	    "\"\xf5\x80\x80\x80\"",
	    "\"\xe2\x82\"",
	    "\"\xe2\x28\xa1\"",
	    "\"\xc3\"",
	    /* not JSON at all */
	    "'a'",
	    "/* */ 1",
	    "// x\n1",
	    "\xef\xbb\xbf{}",
	    "{\"a\":1}\n\n}",
	    "[1]\r\n,",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_rc(bad[i], strlen(bad[i]));

		if (rc != -EINVAL)
			print_error("accepted: '%s'\n", bad[i]);
		assert_int_equal(rc, -EINVAL);
	}
	/* NUL bytes in the input are not whitespace. */
	assert_int_equal(parse_rc("[1]\0", 4), -EINVAL);
	assert_int_equal(parse_rc("\0[1]", 4), -EINVAL);
	assert_int_equal(parse_rc("\"a\0\"", 4), -EINVAL);
}

/* Every proper prefix of an object is invalid. */
static void test_truncations(void **state)
{
	(void)state;
	const char *s = "{\"a\":[1,-2.5e3,{\"b\":\"c\\u00e9\\ud83d\\ude00\xc3\xa9\"}],"
			"\"d\":true,\"e\":false,\"f\":null,\"g\":{}}";
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		char *p = malloc(i + 1); /* exact size: ASan catches overreads */

		memcpy(p, s, i);
		assert_int_equal(parse_rc(p, i), -EINVAL);
		free(p);
	}
	assert_int_equal(parse_rc(s, len), 0);
}

static void test_error_offset(void **state)
{
	(void)state;
	struct dmm_json_error err;
	struct dmm_json_doc *d;

	assert_int_equal(dmm_json_parse("[1, 2, x]", 9, &d, &err), -EINVAL);
	assert_int_equal(err.offset, 7);
	assert_int_equal(dmm_json_parse("{\"a\":\"\\q\"}", 10, &d, &err), -EINVAL);
	assert_int_equal(err.offset, 7);
	assert_int_equal(dmm_json_parse("  \"abc", 6, &d, &err), -EINVAL);
	assert_int_equal(err.offset, 2);
	assert_int_equal(dmm_json_parse("[1] 2", 5, &d, &err), -EINVAL);
	assert_int_equal(err.offset, 4);
	/* err is optional */
	assert_int_equal(dmm_json_parse("[", 1, &d, NULL), -EINVAL);
	assert_null(d);
}

static void test_write(void **state)
{
	(void)state;
	const char *in = " { \"s\" : \"q\\\"b\\\\s\\/\\n\\t\\u0001\\u007f\xc3\xa9\" , \"n\" : "
			 "[ -0 , 1.50 , 1E3, -7, 18446744073709551615 ] , \"e\" : { } , "
			 "\"a\" : [ ] , \"l\" : [ true , false , null ] } ";
	const char *compact = "{\"s\":\"q\\\"b\\\\s/\\n\\t\\u0001\\u007f\xc3\xa9\","
			      "\"n\":[0,1.50,1E3,-7,18446744073709551615],\"e\":{},\"a\":[],"
			      "\"l\":[true,false,null]}";
	struct dmm_json_doc *d = parse_str(in), *d2;
	char *out = write_compact(dmm_json_root(d), -1), *pretty, *out2;

	assert_string_equal(out, compact);
	pretty = write_compact(dmm_json_root(d), 2);
	assert_non_null(strchr(pretty, '\n'));
	assert_non_null(strstr(pretty, "\n  \"s\": "));
	assert_non_null(strstr(pretty, "\"e\": {},"));
	d2 = parse_str(pretty);
	out2 = write_compact(dmm_json_root(d2), -1);
	assert_string_equal(out2, compact);
	free(out);
	free(out2);
	free(pretty);
	dmm_json_free(d);
	dmm_json_free(d2);
}

static void test_splice_and_set(void **state)
{
	(void)state;
	struct dmm_json_doc *a = parse_str("{\"w\":{\"0\":1,\"1\":2},\"next\":2}");
	struct dmm_json_doc *b = parse_str("{\"w\":{\"2\":3},\"next\":3}");
	struct dmm_json_doc *e = parse_str("{\"w\":{}}");
	struct dmm_json *ra = dmm_json_root(a), *rb = dmm_json_root(b);
	char *out;

	assert_int_equal(dmm_json_splice(dmm_json_get(ra, "w"), dmm_json_get(rb, "w")), 0);
	assert_int_equal(dmm_json_get(rb, "w")->n, 0);
	/* splicing into an empty container, and from an empty one */
	assert_int_equal(
	    dmm_json_splice(dmm_json_get(dmm_json_root(e), "w"), dmm_json_get(ra, "w")), 0);
	assert_int_equal(
	    dmm_json_splice(dmm_json_get(ra, "w"), dmm_json_get(dmm_json_root(e), "w")), 0);
	dmm_json_set_u64(dmm_json_get(ra, "next"), 3);
	out = write_compact(ra, -1);
	assert_string_equal(out, "{\"w\":{\"0\":1,\"1\":2,\"2\":3},\"next\":3}");
	free(out);
	/* type mismatches and self-splices are refused */
	assert_int_equal(dmm_json_splice(ra, dmm_json_get(ra, "next")), -EINVAL);
	assert_int_equal(dmm_json_splice(ra, ra), -EINVAL);
	dmm_json_set_u64(dmm_json_get(ra, "w"), UINT64_MAX);
	out = write_compact(ra, -1);
	assert_string_equal(out, "{\"w\":18446744073709551615,\"next\":3}");
	free(out);
	dmm_json_free(a);
	dmm_json_free(b);
	dmm_json_free(e);
}

/* Deterministic mutations of valid documents: the parser may accept or refuse, but must
 * not crash or read out of bounds; what it accepts must write and re-parse identically. */
static void test_mutations(void **state)
{
	(void)state;
	static const char *const seeds[] = {
	    ("{\"/dmm/stats\":{\"n_workers\":2,\"total\":{\"rx\":3000,\"drop_vlan\":0},"
	     "\"workers\":{\"0\":{\"worker\":0,\"lcore\":1}},\"next_worker\":1}}"),
	    "[1,-2.5e-3,\"a\\u00e9\\ud83d\\ude00\\n\",true,false,null,{},[[[]]]]",
	    "{\"version\":\"DPDK 22.11.11\",\"pid\":7575,\"max_output_len\":16384}",
	};
	static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrl \x80\xc3\xed\xf4\x01";
	uint32_t rng = 12345;
	unsigned accepted = 0;

	for (int it = 0; it < 60000; it++) {
		const char *seed = seeds[it % 3];
		size_t len = strlen(seed);
		char *p = malloc(len + 1);
		int edits;

		memcpy(p, seed, len);
		rng = rng * 1103515245 + 12345;
		edits = 1 + (int)((rng >> 16) % 4);
		for (int k = 0; k < edits; k++) {
			size_t at;

			rng = rng * 1103515245 + 12345;
			at = (rng >> 8) % len;
			rng = rng * 1103515245 + 12345;
			switch ((rng >> 16) % 3) {
			case 0: /* replace a byte */
				p[at] = alphabet[(rng >> 4) % (sizeof(alphabet) - 1)];
				break;
			case 1: /* cut */
				len = at;
				break;
			default: /* duplicate a byte over the next */
				if (at + 1 < len)
					p[at + 1] = p[at];
			}
			if (len == 0)
				break;
		}
		{
			char *q = malloc(len ? len : 1); /* exact size for ASan */
			struct dmm_json_doc *d = NULL;
			int rc;

			memcpy(q, p, len);
			rc = dmm_json_parse(q, len, &d, NULL);
			assert_true(rc == 0 || rc == -EINVAL);
			if (rc == 0) {
				char *o1 = write_compact(dmm_json_root(d), -1);
				struct dmm_json_doc *d2 = parse_str(o1);
				char *o2 = write_compact(dmm_json_root(d2), -1);

				accepted++;

				assert_string_equal(o1, o2);
				free(o1);
				free(o2);
				dmm_json_free(d2);
				dmm_json_free(d);
			}
			free(q);
		}
		free(p);
	}
	/* The mutations must reach both outcomes to test anything. */
	assert_true(accepted > 1000 && accepted < 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_telemetry_reply),
	    cmocka_unit_test(test_duplicate_keys_and_nul_keys),
	    cmocka_unit_test(test_length_bounded),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_error_offset),
	    cmocka_unit_test(test_write),
	    cmocka_unit_test(test_splice_and_set),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
