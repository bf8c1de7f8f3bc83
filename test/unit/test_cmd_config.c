/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_config (dmm-cmd's YAML): defaults, a full valid file, the shipped example, and every
 * validation error as the exact "file:line:col: key: problem" text a user would see. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_config.h"

/* Minimal valid config, lines 1..3; tests append from line 4 on. */
#define BASE                                                                                       \
	"address: 2001:db8:ff::100\n"                                                              \
	"mode: relay\n"                                                                            \
	"maars: [2001:db8:ff::1]\n"

static char *load(const char *yaml, struct cmd_config *cfg, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	*rc = cmd_config_load_buf("t.yaml", yaml, strlen(yaml), cfg, f);
	fclose(f);
	return out;
}

static void assert_empty(const struct cmd_config *cfg)
{
	static const struct cmd_config empty;

	assert_memory_equal(cfg, &empty, sizeof(empty));
}

static void assert_errors(const char *yaml, const char *expected)
{
	struct cmd_config cfg;
	char got[4096];
	int rc;
	char *out = load(yaml, &cfg, &rc);

	snprintf(got, sizeof(got), "%s", out);
	free(out);
	assert_string_equal(got, expected);
	assert_int_equal(rc, -EINVAL);
	assert_empty(&cfg);
}

static void assert_loads(const char *yaml, struct cmd_config *cfg)
{
	char got[4096];
	int rc;
	char *out = load(yaml, cfg, &rc);

	snprintf(got, sizeof(got), "%s", out);
	free(out);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
}

static void assert_ip6(const struct dmm_ip6 *a, const char *expected)
{
	char buf[DMM_IP6_STRLEN];

	assert_string_equal(dmm_ip6_fmt(a, buf), expected);
}

/* --- valid --- */

static void test_defaults(void **state)
{
	struct cmd_config cfg;

	(void)state;
	assert_loads(BASE, &cfg);
	assert_string_equal(cfg.file, "t.yaml");
	assert_ip6(&cfg.address, "2001:db8:ff::100");
	assert_int_equal(cfg.mode, CMD_MODE_RELAY);
	assert_int_equal(cfg.n_maars, 1);
	assert_ip6(&cfg.maars[0], "2001:db8:ff::1");
	assert_int_equal(cfg.lifetime_default_s, CMD_CFG_DEF_LIFETIME_S);
	assert_int_equal(cfg.lifetime_max_s, CMD_CFG_DEF_LIFETIME_MAX_S);
	assert_int_equal(cfg.relay_aggregation_ms, CMD_CFG_DEF_RELAY_AGG_MS);
	assert_int_equal(cfg.min_delay_before_bce_delete_ms, 10000);
	assert_int_equal(cfg.timestamp_window_ms, 300);
	assert_int_equal(cfg.max_mns, CMD_CFG_DEF_MNS);
	assert_string_equal(cfg.control_socket, "/run/dmm-cmd.sock");
	assert_int_equal(cfg.hb_interval_s, 60);
	assert_int_equal(cfg.hb_missing_allowed, 3);
	assert_false(cfg.hb_allow_short);
	assert_string_equal(cfg.hb_restart_file, "/var/lib/dmm/cmd.restart");
	cmd_config_free(&cfg);
	assert_empty(&cfg);
}

static void test_full(void **state)
{
	static const char yaml[] = "address: ::1\n"
				   "mode: proxy\n"
				   "maars:\n"
				   "  - 2001:db8:ff::1\n"
				   "  - 2001:db8:ff::2\n"
				   "  - 2001:db8:ff::3\n"
				   "lifetime: {default_s: 1, max_s: 262140}\n"
				   "timers:\n"
				   "  relay_aggregation_ms: 0\n"
				   "  min_delay_before_bce_delete_ms: 3600000\n"
				   "  timestamp_window_ms: 60000\n"
				   "limits: {mns: 16777216}\n"
				   "control_socket: /tmp/x.sock\n";
	struct cmd_config cfg;

	(void)state;
	assert_loads(yaml, &cfg);
	assert_ip6(&cfg.address, "::1"); /* loopback allowed: single-host labs */
	assert_int_equal(cfg.mode, CMD_MODE_PROXY);
	assert_int_equal(cfg.n_maars, 3);
	assert_ip6(&cfg.maars[2], "2001:db8:ff::3");
	assert_int_equal(cmd_config_maar_index(&cfg, &cfg.maars[1]), 1);
	assert_int_equal(cmd_config_maar_index(&cfg, &cfg.address), -1);
	assert_int_equal(cfg.lifetime_default_s, 1);
	assert_int_equal(cfg.lifetime_max_s, 262140);
	assert_int_equal(cfg.relay_aggregation_ms, 0);
	assert_int_equal(cfg.min_delay_before_bce_delete_ms, 3600000);
	assert_int_equal(cfg.timestamp_window_ms, 60000);
	assert_int_equal(cfg.max_mns, 16777216);
	assert_string_equal(cfg.control_socket, "/tmp/x.sock");
	assert_string_equal(cmd_mode_name(cfg.mode), "proxy");
	cmd_config_free(&cfg);
}

static void test_modes(void **state)
{
	struct cmd_config cfg;

	(void)state;
	assert_loads("address: 2001:db8::1\nmode: locator\nmaars: [2001:db8::2]\n", &cfg);
	assert_int_equal(cfg.mode, CMD_MODE_LOCATOR);
	assert_string_equal(cmd_mode_name(cfg.mode), "locator");
	cmd_config_free(&cfg);
	/* Empty optional sections are allowed (all entries commented out). */
	assert_loads(BASE "lifetime:\ntimers: ~\nlimits:\n", &cfg);
	assert_int_equal(cfg.max_mns, CMD_CFG_DEF_MNS);
	cmd_config_free(&cfg);
}

static void test_example(void **state)
{
	struct cmd_config cfg;

	(void)state;
	assert_int_equal(cmd_config_load(DMM_CMD_EXAMPLE_CONFIG, &cfg, NULL), 0);
	assert_int_equal(cfg.mode, CMD_MODE_RELAY);
	assert_true(cfg.n_maars >= 1);
	assert_int_equal(cfg.hb_interval_s, 60); /* the example documents the RFC defaults */
	assert_int_equal(cfg.hb_missing_allowed, 3);
	assert_false(cfg.hb_allow_short);
	cmd_config_free(&cfg);
}

/* --- errors --- */

static void test_missing_required(void **state)
{
	(void)state;
	assert_errors("limits: {mns: 5}\n", "t.yaml:1:1: address: required key is missing\n"
					    "t.yaml:1:1: mode: required key is missing\n"
					    "t.yaml:1:1: maars: required key is missing\n");
}

static void test_unknown_duplicate(void **state)
{
	(void)state;
	assert_errors(BASE "colour: red\nmode: proxy\n",
		      "t.yaml:4:1: colour: unknown key\n"
		      "t.yaml:5:1: mode: duplicate key (first at line 2)\n");
	assert_errors(BASE "timers:\n  timestamp_window_ms: 5\n  timestamp_window_ms: 6\n"
			   "  nope: 1\n",
		      "t.yaml:6:3: timers.timestamp_window_ms: duplicate key (first at line 5)\n"
		      "t.yaml:7:3: timers.nope: unknown key\n");
	assert_errors(BASE "lifetime: {max: 5}\nlimits: {maars: 1}\n",
		      "t.yaml:4:12: lifetime.max: unknown key\n"
		      "t.yaml:5:10: limits.maars: unknown key\n");
}

static void test_bad_addresses(void **state)
{
	(void)state;
	assert_errors("address: 2001:db8::zz\nmode: relay\nmaars: [2001:db8::1]\n",
		      "t.yaml:1:10: address: not an IPv6 address: \"2001:db8::zz\"\n");
	assert_errors("address: ff02::1\nmode: relay\nmaars: [\"::\", fe80::1]\n",
		      "t.yaml:1:10: address: must not be multicast\n"
		      "t.yaml:3:9: maars[0]: must not be the unspecified address\n"
		      "t.yaml:3:15: maars[1]: must not be link-local\n");
	assert_errors("address: 2001:db8::1\nmode: relay\nmaars: [2001:db8::1]\n",
		      "t.yaml:1:10: address: is also listed in maars\n");
}

static void test_maars(void **state)
{
	(void)state;
	assert_errors("address: 2001:db8::1\nmode: relay\nmaars: []\n",
		      "t.yaml:3:8: maars: at least one MAAR is required\n");
	assert_errors("address: 2001:db8::1\nmode: relay\nmaars: 2001:db8::2\n",
		      "t.yaml:3:8: maars: expected a list\n");
	assert_errors("address: 2001:db8::1\nmode: relay\n"
		      "maars:\n  - 2001:db8::2\n  - 2001:db8::3\n  - 2001:db8:0::2\n  - {a: 1}\n",
		      "t.yaml:6:5: maars[2]: duplicate of maars[0]\n"
		      "t.yaml:7:5: maars[3]: expected a scalar\n");
}

static void test_mode(void **state)
{
	(void)state;
	assert_errors("address: 2001:db8::1\nmode: anchor\nmaars: [2001:db8::2]\n",
		      "t.yaml:2:7: mode: expected relay, locator or proxy, got \"anchor\"\n");
	assert_errors("address: 2001:db8::1\nmode:\nmaars: [2001:db8::2]\n",
		      "t.yaml:2:6: mode: missing value\n");
}

static void test_ranges(void **state)
{
	(void)state;
	assert_errors(BASE "lifetime: {default_s: 0, max_s: 262141}\n",
		      "t.yaml:4:23: lifetime.default_s: 0 out of range 1..262140\n"
		      "t.yaml:4:33: lifetime.max_s: 262141 out of range 1..262140\n");
	assert_errors(BASE "lifetime: {default_s: 100, max_s: 50}\n",
		      "t.yaml:4:23: lifetime.default_s: 100 is larger than lifetime.max_s (50)\n");
	assert_errors(
	    BASE "lifetime: {max_s: 50}\n",
	    "t.yaml:4:19: lifetime.max_s: 50 is smaller than lifetime.default_s (3600)\n");
	assert_errors(BASE "timers:\n  relay_aggregation_ms: 60001\n"
			   "  min_delay_before_bce_delete_ms: 3600001\n"
			   "  timestamp_window_ms: 0\n",
		      "t.yaml:5:25: timers.relay_aggregation_ms: 60001 out of range 0..60000\n"
		      "t.yaml:6:35: timers.min_delay_before_bce_delete_ms: 3600001 out of range "
		      "0..3600000\n"
		      "t.yaml:7:24: timers.timestamp_window_ms: 0 out of range 1..60000\n");
	assert_errors(BASE "limits: {mns: 0}\n",
		      "t.yaml:4:15: limits.mns: 0 out of range 1..16777216\n");
	assert_errors(BASE "limits: {mns: 16777217}\n",
		      "t.yaml:4:15: limits.mns: 16777217 out of range 1..16777216\n");
	assert_errors(BASE "limits: {mns: \"5\"}\n",
		      "t.yaml:4:15: limits.mns: expected an unquoted integer 1..16777216\n");
	assert_errors(BASE "limits: {mns: 010}\n",
		      "t.yaml:4:15: limits.mns: expected an integer 1..16777216, got \"010\"\n");
	assert_errors(BASE "limits: [1]\n", "t.yaml:4:9: limits: expected a mapping\n");
}

static void test_control_socket(void **state)
{
	char yaml[512];

	(void)state;
	assert_errors(
	    BASE "control_socket: run/x.sock\n",
	    "t.yaml:4:17: control_socket: must be an absolute path, got \"run/x.sock\"\n");
	snprintf(yaml, sizeof(yaml), BASE "control_socket: /%0108d\n", 0);
	assert_errors(yaml, "t.yaml:4:17: control_socket: path longer than 107 characters\n");
}

static void test_heartbeat(void **state)
{
	struct cmd_config cfg;
	char yaml[512];

	(void)state;
	assert_loads(BASE "heartbeat: {interval_s: 3600, missing_allowed: 0,\n"
			  "  restart_counter_file: /tmp/r}\n",
		     &cfg);
	assert_int_equal(cfg.hb_interval_s, 3600);
	assert_int_equal(cfg.hb_missing_allowed, 0);
	assert_false(cfg.hb_allow_short);
	assert_string_equal(cfg.hb_restart_file, "/tmp/r");
	cmd_config_free(&cfg);
	/* H8: the lab flag lets a 1 s interval through, in either key order */
	assert_loads(BASE "heartbeat: {interval_s: 1, allow_short: true}\n", &cfg);
	assert_int_equal(cfg.hb_interval_s, 1);
	assert_true(cfg.hb_allow_short);
	cmd_config_free(&cfg);
	assert_loads(BASE "heartbeat: {allow_short: true, interval_s: 29}\n", &cfg);
	assert_int_equal(cfg.hb_interval_s, 29);
	cmd_config_free(&cfg);
	assert_loads(BASE "heartbeat: {interval_s: 30}\n", &cfg); /* the RFC's lowest */
	assert_int_equal(cfg.hb_interval_s, 30);
	cmd_config_free(&cfg);
	/* H8: below 30 s without the flag, or with it false, is a config error */
	assert_errors(BASE "heartbeat: {interval_s: 29}\n",
		      "t.yaml:4:25: heartbeat.interval_s: 29 is below 30 s (RFC 5847 §5); "
		      "allow_short: true for a lab\n");
	assert_errors(BASE "heartbeat:\n  allow_short: false\n  interval_s: 1\n",
		      "t.yaml:6:15: heartbeat.interval_s: 1 is below 30 s (RFC 5847 §5); "
		      "allow_short: true for a lab\n");
	assert_errors(BASE "heartbeat: {interval_s: 3601, missing_allowed: 1001}\n",
		      "t.yaml:4:25: heartbeat.interval_s: 3601 out of range 1..3600\n"
		      "t.yaml:4:48: heartbeat.missing_allowed: 1001 out of range 0..1000\n");
	assert_errors(BASE "heartbeat: {interval_s: 0, allow_short: true}\n",
		      "t.yaml:4:25: heartbeat.interval_s: 0 out of range 1..3600\n");
	assert_errors(BASE "heartbeat: {allow_short: yes}\n",
		      "t.yaml:4:26: heartbeat.allow_short: expected true or false, got \"yes\"\n");
	assert_errors(BASE "heartbeat: {allow_short: \"true\"}\n",
		      "t.yaml:4:26: heartbeat.allow_short: expected true or false, got \"true\"\n");
	assert_errors(BASE "heartbeat: {restart_counter_file: var/x}\n",
		      "t.yaml:4:35: heartbeat.restart_counter_file: must be an absolute path, got "
		      "\"var/x\"\n");
	snprintf(yaml, sizeof(yaml), BASE "heartbeat: {restart_counter_file: /%0251d}\n", 0);
	assert_errors(yaml, "t.yaml:4:35: heartbeat.restart_counter_file: path longer than 251 "
			    "characters\n");
	snprintf(yaml, sizeof(yaml), BASE "heartbeat: {restart_counter_file: /%0250d}\n", 0);
	assert_loads(yaml, &cfg);
	assert_int_equal(strlen(cfg.hb_restart_file), 251);
	cmd_config_free(&cfg);
	assert_errors(BASE "heartbeat: {interval: 60}\n",
		      "t.yaml:4:13: heartbeat.interval: unknown key\n");
	assert_errors(BASE "heartbeat: 60\n", "t.yaml:4:12: heartbeat: expected a mapping\n");
}

static void test_yaml_level(void **state)
{
	(void)state;
	assert_errors("", "t.yaml:1:1: yaml: empty document\n");
	assert_errors("[1, 2]\n", "t.yaml:1:1: expected a mapping\n");
	assert_errors(BASE "---\na: 1\n", "t.yaml:5:1: yaml: only one document is allowed\n");
	assert_errors("address: [\n", "t.yaml:2:1: yaml: did not find expected node content\n");
}

static void test_file_errors(void **state)
{
	struct cmd_config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(cmd_config_load("/nonexistent/cmd.yaml", &cfg, f), -ENOENT);
	fclose(f);
	assert_string_equal(out, "/nonexistent/cmd.yaml: cannot open: No such file or directory\n");
	free(out);
	assert_empty(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_unknown_duplicate),
	    cmocka_unit_test(test_bad_addresses),
	    cmocka_unit_test(test_maars),
	    cmocka_unit_test(test_mode),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_control_socket),
	    cmocka_unit_test(test_yaml_level),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
