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
#include "cmd_engine.h"

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
	assert_int_equal(cfg.lifetime_max_s, CMD_CFG_DEF_LIFETIME_MAX_S);
	assert_int_equal(cfg.n_pool, 0);
	assert_int_equal(cfg.pool_n[0], 0); /* any prefix */
	assert_int_equal(cfg.initial_bindack_ms, 1000);
	assert_int_equal(cfg.max_bindack_ms, 32000);
	assert_int_equal(cfg.max_update_rate, 3);
	assert_int_equal(cfg.max_paced, 65536);
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
				   "lifetime: {max_s: 262140}\n"
				   "timers:\n"
				   "  relay_aggregation_ms: 0\n"
				   "  min_delay_before_bce_delete_ms: 3600000\n"
				   "  timestamp_window_ms: 60000\n"
				   "  initial_bindack_ms: 10\n"
				   "  max_bindack_ms: 10\n"
				   "  max_update_rate: 0\n"
				   "limits: {mns: 16777216, paced: 16777216}\n"
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
	assert_int_equal(cfg.lifetime_max_s, 262140);
	assert_int_equal(cfg.initial_bindack_ms, 10);
	assert_int_equal(cfg.max_bindack_ms, 10);
	assert_int_equal(cfg.max_update_rate, 0); /* unlimited */
	assert_int_equal(cfg.max_paced, 16777216);
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
	/* It shows both maars forms, a pool, and the RFC 6275 §12 retransmission defaults. */
	assert_true(cfg.n_pool >= 1);
	assert_int_equal(cfg.initial_bindack_ms, CMD_CFG_DEF_INITIAL_BINDACK_MS);
	assert_int_equal(cfg.max_bindack_ms, CMD_CFG_DEF_MAX_BINDACK_MS);
	assert_int_equal(cfg.max_update_rate, CMD_CFG_DEF_MAX_UPDATE_RATE);
	assert_int_equal(cfg.max_paced, CMD_CFG_DEF_PACED);
	/* M5-M7: a MAAR without proxy registration, and the subscriber keys */
	assert_false(cfg.proxy_reg[cfg.n_maars - 1]);
	assert_int_equal(cfg.subs_policy, CMD_SUBS_ANY);
	assert_int_equal(cfg.n_subs_disabled, 1);
	cmd_config_free(&cfg);
}

/* --- the engine gets what was configured (cmd_engine_sm.c -> controlplane/cmd_sm) --- */

#define T0 1700000000000ull

static struct dmm_mh_msg eng_pbu(const char *nai, const char *hnp, uint64_t now, uint16_t seq)
{
	struct dmm_mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_MH_BU;
	m.bu.seq = seq;
	m.bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	m.bu.lifetime = 900;
	m.opt.has_mnid = true;
	m.opt.nai_len = (uint8_t)strlen(nai);
	memcpy(m.opt.nai, nai, m.opt.nai_len);
	m.opt.n_hnp = 1;
	assert_int_equal(dmm_prefix_parse(hnp, &m.opt.hnp[0]), 0);
	m.opt.has_hi = true;
	m.opt.hi = DMM_MH_HI_NEW_IFACE;
	m.opt.has_att = true;
	m.opt.att = DMM_MH_ATT_IEEE80211;
	m.opt.has_ts = true;
	m.opt.ts = dmm_mh_ts_make(now / 1000, (uint32_t)(now % 1000) * 1000000u);
	return m;
}

/* The PBA status of the only SEND in a, or -1. */
static int eng_status(const struct cmd_actions *a)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->a[i].kind == CMD_ACT_SEND && a->a[i].msg.type == DMM_MH_BA)
			return a->a[i].msg.ba.status;
	return -1;
}

static unsigned eng_sends(const struct cmd_actions *a)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->n; i++)
		n += a->a[i].kind == CMD_ACT_SEND;
	return n;
}

static uint64_t eng_arm(const struct cmd_actions *a)
{
	for (unsigned i = a->n; i-- > 0;)
		if (a->a[i].kind == CMD_ACT_ARM)
			return a->a[i].at_ms;
	return 0;
}

/* M28 pools reach the state machine (155 outside, 0 inside); initial/max_bindack_ms,
 * max_update_rate and limits.paced change the retransmission and pacing times. */
static void test_engine_gets_pools_timers_and_limits(void **state)
{
	static const char yaml[] = "address: 2001:db8:ff::100\n"
				   "mode: proxy\n"
				   "maars:\n"
				   "  - {address: 2001:db8:ff::1, pool: [2001:db8:1::/48]}\n"
				   "  - 2001:db8:ff::2\n"
				   "timers: {initial_bindack_ms: 500, max_bindack_ms: 500, "
				   "max_update_rate: 1}\n"
				   "limits: {paced: 1}\n";
	static struct cmd_actions a;
	struct cmd_config cfg;
	struct dmm_ip6 m1, m2;
	struct dmm_mh_msg p;

	(void)state;
	assert_loads(yaml, &cfg);
	m1 = cfg.maars[0];
	m2 = cfg.maars[1];
	struct cmd_engine *e = cmd_engine_create(&cfg, T0);
	assert_non_null(e);

	p = eng_pbu("a@x", "2001:db8:2:1::/64", T0 - 2, 1); /* outside MAAR1's pool */
	a.n = 0;
	cmd_engine_input(e, T0 - 2, &m1, &cfg.address, &p, &a);
	assert_int_equal(eng_status(&a), DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
	p = eng_pbu("a@x", "2001:db8:1:1::/64", T0 - 1, 2);
	a.n = 0;
	cmd_engine_input(e, T0 - 1, &m1, &cfg.address, &p, &a);
	assert_int_equal(eng_status(&a), 0);
	p = eng_pbu("a@x", "2001:db8:2:1::/64", T0, 3); /* MAAR2: no pool, any prefix */
	a.n = 0;
	cmd_engine_input(e, T0, &m2, &cfg.address, &p, &a);
	assert_int_equal(eng_status(&a), 0);
	assert_int_equal(eng_sends(&a), 2);	 /* PBA + the PBU forwarded to MAAR1 */
	assert_int_equal(eng_arm(&a), T0 + 500); /* initial_bindack_ms, not 1000 */
	/* The retry at +500 is over 1 PBU/s to MAAR1: queued until +1000. */
	a.n = 0;
	assert_false(cmd_engine_tick(e, T0 + 500, &a));
	assert_int_equal(eng_sends(&a), 0);
	assert_int_equal(eng_arm(&a), T0 + 1000);
	a.n = 0;
	assert_false(cmd_engine_tick(e, T0 + 1000, &a));
	assert_int_equal(eng_sends(&a), 1);
	assert_int_equal(eng_arm(&a), T0 + 1500); /* leaves at 1000, + 500 */
	a.n = 0;
	assert_false(cmd_engine_tick(e, T0 + 1500, &a)); /* queued again until +2000 */
	a.n = 0;
	assert_false(cmd_engine_tick(e, T0 + 2000, &a));
	assert_int_equal(eng_sends(&a), 1);
	assert_int_equal(eng_arm(&a), T0 + 2500); /* capped at max_bindack_ms, not + 1000 */

	/* limits.paced 1: the queue holds the next retry's slot; a handover needing one more
	 * queued PBU to MAAR1 is refused with 130. */
	a.n = 0;
	assert_false(cmd_engine_tick(e, T0 + 2500, &a)); /* retry queued: the queue is full */
	p = eng_pbu("b@x", "2001:db8:1:2::/64", T0 + 2500, 1);
	a.n = 0;
	cmd_engine_input(e, T0 + 2500, &m1, &cfg.address, &p, &a);
	assert_int_equal(eng_status(&a), 0);
	p = eng_pbu("b@x", "2001:db8:2:2::/64", T0 + 2501, 2);
	a.n = 0;
	cmd_engine_input(e, T0 + 2501, &m2, &cfg.address, &p, &a);
	assert_int_equal(eng_status(&a), DMM_MH_ST_INSUFFICIENT_RESOURCES);

	/* stats: every struct dmm_cmd_stats counter, and PBAs by status. */
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	assert_non_null(f);
	cmd_engine_stats_json(e, f);
	fclose(f);
	static const char *const want[] = {",\"bce_count\":2,",
					   ",\"engine_rx_pbu\":5,",
					   ",\"retransmits\":3,",
					   ",\"paced\":3,",
					   ",\"paced_overflow\":1,",
					   ",\"paced_full\":0,",
					   ",\"retx_given_up\":0,",
					   ",\"refresh_absorbed\":0,",
					   ",\"paced_stale\":0,",
					   ",\"expiry_notices\":0,",
					   ",\"pba_status\":{\"0\":3,\"130\":1,\"155\":1}"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(json, want[i]) == NULL)
			fail_msg("stats: expected %s in %s", want[i], json);
	free(json);
	cmd_engine_destroy(e);
	cmd_config_free(&cfg);
}

/* M5, M6, M7 end to end through the engine: maars[].proxy_reg false gives 154 to that MAAR's
 * PBUs; subscribers policy list gives 153 to an unlisted MN-ID and 152 to a proxy_disabled one;
 * listed ones are served. */
static void M5_M6_M7_engine_applies_proxy_reg_and_subscribers(void **state)
{
	static const char yaml[] = "address: 2001:db8:ff::100\n"
				   "mode: relay\n"
				   "maars:\n"
				   "  - 2001:db8:ff::1\n"
				   "  - {address: 2001:db8:ff::2, proxy_reg: false}\n"
				   "subscribers:\n"
				   "  policy: list\n"
				   "  allow: [a@x, b@x]\n"
				   "  proxy_disabled: [off@x]\n";
	static struct cmd_actions a;
	struct cmd_config cfg;
	struct dmm_mh_msg p;

	(void)state;
	assert_loads(yaml, &cfg);
	assert_true(cfg.proxy_reg[0]);
	assert_false(cfg.proxy_reg[1]);
	assert_int_equal(cfg.subs_policy, CMD_SUBS_LIST);
	assert_int_equal(cfg.n_subs_allow, 2);
	assert_string_equal(cfg.subs_allow[1], "b@x");
	assert_int_equal(cfg.n_subs_disabled, 1);
	assert_string_equal(cfg.subs_disabled[0], "off@x");
	struct dmm_ip6 m1 = cfg.maars[0], m2 = cfg.maars[1];
	struct cmd_engine *e = cmd_engine_create(&cfg, T0);
	assert_non_null(e);
	static const struct {
		const char *nai;
		int from2;
		int status;
	} cases[] = {
	    {"a@x", 1, DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG}, /* M5 */
	    {"zz@x", 0, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE},    /* M6 */
	    {"off@x", 0, DMM_MH_ST_PROXY_REG_NOT_ENABLED},	    /* M7 */
	    {"b@x", 0, DMM_MH_ST_ACCEPTED},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = eng_pbu(cases[i].nai, "2001:db8:1:1::/64", T0, (uint16_t)(i + 1));
		a.n = 0;
		cmd_engine_input(e, T0, cases[i].from2 ? &m2 : &m1, &cfg.address, &p, &a);
		if (eng_status(&a) != cases[i].status)
			fail_msg("%s: expected PBA status %d, got %d", cases[i].nai,
				 cases[i].status, eng_status(&a));
	}
	cmd_engine_destroy(e);
	cmd_config_free(&cfg);
}

static void test_subscribers(void **state)
{
	struct cmd_config cfg;

	(void)state;
	assert_loads(BASE, &cfg); /* default: any, nothing listed, every MAAR may register */
	assert_int_equal(cfg.subs_policy, CMD_SUBS_ANY);
	assert_int_equal(cfg.n_subs_allow + cfg.n_subs_disabled, 0);
	assert_true(cfg.proxy_reg[0]);
	cmd_config_free(&cfg);
	assert_loads(BASE "subscribers: {policy: any, proxy_disabled: [\"x y@z\"]}\n", &cfg);
	assert_int_equal(cfg.subs_policy, CMD_SUBS_ANY);
	assert_string_equal(cfg.subs_disabled[0], "x y@z");
	cmd_config_free(&cfg);
	assert_errors(BASE "subscribers: {policy: some}\n",
		      "t.yaml:4:23: subscribers.policy: expected any or list, got \"some\"\n");
	assert_errors(BASE "subscribers: {allow: [a@x]}\n",
		      "t.yaml:4:22: subscribers.allow: needs policy: list (policy any serves "
		      "every MN)\n");
	assert_errors(BASE "subscribers: {policy: list, allow: [a@x, b@x, a@x]}\n",
		      "t.yaml:4:47: subscribers.allow[2]: \"a@x\" is already listed in "
		      "allow[0]\n");
	assert_errors(BASE "subscribers: {policy: list, allow: [a@x], proxy_disabled: [a@x]}\n",
		      "t.yaml:4:60: subscribers.proxy_disabled[0]: \"a@x\" is already listed in "
		      "allow[0]\n");
	assert_errors(BASE "subscribers: {policy: list, allow: [\"\", [a]]}\n",
		      "t.yaml:4:37: subscribers.allow[0]: an MN-ID (NAI) has 1..254 octets, got "
		      "0\n"
		      "t.yaml:4:41: subscribers.allow[1]: expected a scalar\n");
	assert_errors(BASE "subscribers: {policy: list, allow: [\"a\\0b\"]}\n",
		      "t.yaml:4:37: subscribers.allow[0]: contains a NUL character\n");
	assert_errors(BASE "subscribers: [a@x]\n",
		      "t.yaml:4:14: subscribers: expected a mapping\n");
	assert_errors(BASE "subscribers: {policy: list, deny: [a@x]}\n",
		      "t.yaml:4:29: subscribers.deny: unknown key\n");
	assert_errors(BASE "subscribers: {policy: list, proxy_disabled: a@x}\n",
		      "t.yaml:4:45: subscribers.proxy_disabled: expected a list\n");
}

static void test_maars_proxy_reg(void **state)
{
	struct cmd_config cfg;

	(void)state;
	assert_loads("address: 2001:db8::1\nmode: relay\n"
		     "maars: [2001:db8::2, {address: 2001:db8::3, proxy_reg: false},\n"
		     "        {address: 2001:db8::4, proxy_reg: true}]\n",
		     &cfg);
	assert_int_equal(cfg.n_maars, 3);
	assert_true(cfg.proxy_reg[0]);
	assert_false(cfg.proxy_reg[1]);
	assert_true(cfg.proxy_reg[2]);
	cmd_config_free(&cfg);
	assert_errors("address: 2001:db8::1\nmode: relay\n"
		      "maars: [{address: 2001:db8::3, proxy_reg: no}]\n",
		      "t.yaml:3:43: maars[0].proxy_reg: expected true or false, got \"no\"\n");
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
		      "maars:\n  - 2001:db8::2\n  - 2001:db8::3\n  - 2001:db8:0::2\n  - [a]\n"
		      "  - {a: 1}\n  - {address: 2001:db8::3}\n",
		      "t.yaml:6:5: maars[2]: duplicate of maars[0]\n"
		      "t.yaml:7:5: maars[3]: expected a scalar\n"
		      "t.yaml:8:6: maars[4].a: unknown key\n"
		      "t.yaml:8:5: maars[4].address: required key is missing\n"
		      "t.yaml:9:15: maars[5].address: duplicate of maars[1]\n");
}

/* M28 / RFC 8885 §3.1: per-MAAR pools, in the mapping form, mixed with plain addresses. */
static void test_pools_valid_and_mixed(void **state)
{
	static const char yaml[] = "address: 2001:db8:ff::100\n"
				   "mode: relay\n"
				   "maars:\n"
				   "  - 2001:db8:ff::1\n"
				   "  - address: 2001:db8:ff::2\n"
				   "    pool: [2001:db8:2::/48, 2001:db8:22::/64]\n"
				   "  - {address: 2001:db8:ff::3, pool: [2001:db8:3::/48]}\n"
				   "  - address: 2001:db8:ff::4\n"
				   "  - {address: 2001:db8:ff::5, pool: [8000::/1]}\n";
	struct cmd_config cfg;
	char buf[DMM_PFX_STRLEN];

	(void)state;
	assert_loads(yaml, &cfg);
	assert_int_equal(cfg.n_maars, 5);
	assert_int_equal(cfg.n_pool, 4);
	assert_ip6(&cfg.maars[1], "2001:db8:ff::2");
	assert_int_equal(cfg.pool_n[0], 0);
	assert_int_equal(cfg.pool_n[1], 2);
	assert_string_equal(dmm_prefix_fmt(&cfg.pool[cfg.pool_first[1]], buf), "2001:db8:2::/48");
	assert_string_equal(dmm_prefix_fmt(&cfg.pool[cfg.pool_first[1] + 1], buf),
			    "2001:db8:22::/64");
	assert_int_equal(cfg.pool_n[2], 1);
	assert_string_equal(dmm_prefix_fmt(&cfg.pool[cfg.pool_first[2]], buf), "2001:db8:3::/48");
	assert_int_equal(cfg.pool_n[3], 0); /* mapping without pool: any prefix */
	assert_int_equal(cfg.pool_n[4], 1);
	assert_string_equal(dmm_prefix_fmt(&cfg.pool[cfg.pool_first[4]], buf), "8000::/1");
	cmd_config_free(&cfg);
	assert_empty(&cfg);
}

static void test_pools_overlap(void **state)
{
	(void)state;
	/* Another MAAR's pool, either way round (shorter or longer), and within one pool; each
	 * refused prefix is reported once, against the first entry it overlaps. */
	assert_errors("address: 2001:db8::100\nmode: relay\nmaars:\n"
		      "  - {address: 2001:db8::1, pool: [2001:db8:1::/48, 2001:db8:9::/64]}\n"
		      "  - {address: 2001:db8::2, pool: [2001:db8:1:5::/64]}\n"
		      "  - {address: 2001:db8::3, pool: [2001:db8::/32]}\n"
		      "  - {address: 2001:db8::4, pool: [2001:db8:4::/64, 2001:db8:4::/63]}\n",
		      "t.yaml:5:35: maars[1].pool[0]: 2001:db8:1:5::/64 overlaps maars[0].pool[0] "
		      "(2001:db8:1::/48)\n"
		      "t.yaml:6:35: maars[2].pool[0]: 2001:db8::/32 overlaps maars[0].pool[0] "
		      "(2001:db8:1::/48)\n"
		      "t.yaml:7:52: maars[3].pool[1]: 2001:db8:4::/63 overlaps maars[3].pool[0] "
		      "(2001:db8:4::/64)\n");
}

static void test_pools_bad_prefix(void **state)
{
	(void)state;
	assert_errors(
	    "address: 2001:db8::100\nmode: relay\nmaars:\n"
	    "  - address: 2001:db8::1\n"
	    "    pool:\n"
	    "      - 2001:db8:1::/80\n"
	    "      - 2001:db8:1::1/64\n"
	    "      - 2001:db8:1::1\n"
	    "      - ::/0\n"
	    "      - [x]\n"
	    "  - {address: 2001:db8::2, pool: []}\n"
	    "  - {address: 2001:db8::3, pool: 2001:db8:3::/48}\n"
	    "  - {pool: [2001:db8:4::/48], colour: red}\n",
	    "t.yaml:6:9: maars[0].pool[0]: prefix length must be 1..64, got /80\n"
	    "t.yaml:7:9: maars[0].pool[1]: host bits set past /64 (did you mean "
	    "2001:db8:1::/64?)\n"
	    "t.yaml:8:9: maars[0].pool[2]: not an IPv6 prefix (address/length): "
	    "\"2001:db8:1::1\"\n"
	    "t.yaml:9:9: maars[0].pool[3]: prefix length must be 1..64, got /0\n"
	    "t.yaml:10:9: maars[0].pool[4]: expected a scalar\n"
	    "t.yaml:11:34: maars[1].pool: an empty pool allows nothing: give prefixes, or "
	    "drop the key to allow any prefix\n"
	    "t.yaml:12:34: maars[2].pool: expected a list\n"
	    "t.yaml:13:31: maars[3].colour: unknown key\n"
	    "t.yaml:13:5: maars[3].address: required key is missing\n");
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
	assert_errors(BASE "lifetime: {max_s: 262141}\n",
		      "t.yaml:4:19: lifetime.max_s: 262141 out of range 1..262140\n");
	assert_errors(BASE "lifetime: {max_s: 0}\n",
		      "t.yaml:4:19: lifetime.max_s: 0 out of range 1..262140\n");
	/* default_s is gone: every PBU carries a lifetime, the CMD grants min(requested, max_s) */
	assert_errors(BASE "lifetime: {default_s: 100, max_s: 50}\n",
		      "t.yaml:4:12: lifetime.default_s: unknown key\n");
	assert_errors(BASE "timers:\n  initial_bindack_ms: 9\n  max_bindack_ms: 3600001\n"
			   "  max_update_rate: 9\n",
		      "t.yaml:5:23: timers.initial_bindack_ms: 9 out of range 10..60000\n"
		      "t.yaml:6:19: timers.max_bindack_ms: 3600001 out of range 10..3600000\n"
		      "t.yaml:7:20: timers.max_update_rate: 9 out of range 0..8\n");
	assert_errors(
	    BASE "timers: {initial_bindack_ms: 60000, max_bindack_ms: 59999}\n",
	    "t.yaml:4:53: timers.max_bindack_ms: 59999 is smaller than initial_bindack_ms "
	    "(60000)\n");
	assert_errors(BASE "timers: {initial_bindack_ms: 40000}\n", /* default max 32000 */
		      "t.yaml:4:30: timers.initial_bindack_ms: 40000 is larger than max_bindack_ms "
		      "(32000)\n");
	assert_errors(BASE "timers: {max_bindack_ms: 999}\n", /* default initial 1000 */
		      "t.yaml:4:26: timers.max_bindack_ms: 999 is smaller than initial_bindack_ms "
		      "(1000)\n");
	assert_errors(BASE "limits: {paced: 0}\n",
		      "t.yaml:4:17: limits.paced: 0 out of range 1..16777216\n");
	assert_errors(BASE "limits: {paced: 16777217}\n",
		      "t.yaml:4:17: limits.paced: 16777217 out of range 1..16777216\n");
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
	    cmocka_unit_test(test_engine_gets_pools_timers_and_limits),
	    cmocka_unit_test(M5_M6_M7_engine_applies_proxy_reg_and_subscribers),
	    cmocka_unit_test(test_subscribers),
	    cmocka_unit_test(test_maars_proxy_reg),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_unknown_duplicate),
	    cmocka_unit_test(test_bad_addresses),
	    cmocka_unit_test(test_maars),
	    cmocka_unit_test(test_pools_valid_and_mixed),
	    cmocka_unit_test(test_pools_overlap),
	    cmocka_unit_test(test_pools_bad_prefix),
	    cmocka_unit_test(test_mode),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_control_socket),
	    cmocka_unit_test(test_yaml_level),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
