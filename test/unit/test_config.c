/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm_config: parsing, defaults and every validation error, asserted as the exact
 * "file:line:col: key: problem" text a user would see. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmm_config.h"

/* Minimal valid config, lines 1..7; the tests append from line 8 on. */
#define BASE                                                                                       \
	"name: m\n"                                                                                \
	"address: 2001:db8:ff::1\n"                                                                \
	"ports:\n"                                                                                 \
	"  - device: a0\n"                                                                         \
	"    role: access\n"                                                                       \
	"  - device: c0\n"                                                                         \
	"    role: core\n"

/* BASE with a pool and a static tunnel, lines 1..12; bindings start at line 13. */
#define BASE_STATIC                                                                                \
	BASE "pool: [2001:db8:100::/48]\n"                                                         \
	     "static:\n"                                                                           \
	     "  tunnels:\n"                                                                        \
	     "    - remote: 2001:db8:ff::2\n"                                                      \
	     "  bindings:\n"

/* Load yaml as "t.yaml"; returns the return code and the error output (caller frees). */
static char *load(const char *yaml, struct dmm_config *cfg, int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	*rc = dmm_config_load_buf("t.yaml", yaml, strlen(yaml), cfg, f);
	fclose(f);
	return out;
}

static void assert_empty(const struct dmm_config *cfg)
{
	static const struct dmm_config empty;

	assert_memory_equal(cfg, &empty, sizeof(empty));
}

/* The output is copied before asserting so that a failing test leaks nothing. */
static void assert_errors(const char *yaml, const char *expected)
{
	struct dmm_config cfg;
	char got[4096];
	int rc;
	char *out = load(yaml, &cfg, &rc);

	snprintf(got, sizeof(got), "%s", out);
	free(out);
	assert_string_equal(got, expected);
	assert_int_equal(rc, -EINVAL);
	assert_empty(&cfg);
}

static void assert_loads(const char *yaml, struct dmm_config *cfg)
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

static void assert_prefix(const struct dmm_prefix *p, const char *expected)
{
	char buf[DMM_PFX_STRLEN];

	assert_string_equal(dmm_prefix_fmt(p, buf), expected);
}

static void assert_mac(const struct dmm_mac *m, const char *expected)
{
	char buf[DMM_MAC_STRLEN];

	assert_string_equal(dmm_mac_fmt(m, buf), expected);
}

/* --- valid configurations --- */

static const char full_yaml[] = "name: maar-1.test_A\n"
				"address: 2001:db8:ff::1\n"
				"ports:\n"
				"  - device: net_pcap0\n"
				"    role: access\n"
				"    addresses: [2001:db8:a::1, 2001:db8:a::2]\n"
				"    mtu: 9000\n"
				"    rx_desc: 2048\n"
				"    tx_desc: 512\n"
				"    promiscuous: false\n"
				"  - device: net_pcap1\n"
				"    role: access\n"
				"  - device: \"0000:01:00.1\"\n"
				"    role: core\n"
				"    addresses: [2001:db8:ff::10]\n"
				"    mtu: 9000\n"
				"    promiscuous: true\n"
				"    gateway: fe80::1\n"
				"tunnel:\n"
				"  hop_limit: 32\n"
				"  mtu: 8000\n"
				"limits:\n"
				"  bindings: 100\n"
				"  tunnels: 10\n"
				"  routes: 20\n"
				"  neighbours: 30\n"
				"pool:\n"
				"  - 2001:db8:100::/48\n"
				"  - 2001:db8:200::/56\n"
				"icmp:\n"
				"  rate: 0\n"
				"  burst: 1000000\n"
				"static:\n"
				"  tunnels:\n"
				"    - remote: 2001:db8:ff::2\n"
				"      mtu: 1500\n"
				"    - remote: 2001:db8:ff::3\n"
				"  bindings:\n"
				"    - prefix: 2001:db8:100:1::/64\n"
				"      anchor: local\n"
				"      serving: local\n"
				"      mac: 02:00:00:00:01:01\n"
				"      port: net_pcap1\n"
				"    - prefix: 2001:db8:100:2::/64\n"
				"      anchor: local\n"
				"      serving: 2001:db8:ff::3\n"
				"    - prefix: 2001:db8:300:1::/64\n"
				"      anchor: 2001:db8:ff::2\n"
				"      serving: local\n"
				"      mac: 02:00:00:00:01:02\n"
				"      port: net_pcap0\n"
				"  routes:\n"
				"    - prefix: 2001:db8:cc::/48\n"
				"      via: 2001:db8:ff::fe\n"
				"    - prefix: 2001:db8:cc:1::1/128\n"
				"      via: fe80::2\n"
				"  neighbours:\n"
				"    - address: fe80::1\n"
				"      mac: 02:00:00:00:ff:fe\n";

static void config_parses_every_field(void **state)
{
	struct dmm_config cfg;
	const struct dmm_cfg_port *p;

	(void)state;
	assert_loads(full_yaml, &cfg);
	assert_string_equal(cfg.file, "t.yaml");
	assert_string_equal(cfg.name, "maar-1.test_A");
	assert_ip6(&cfg.address, "2001:db8:ff::1");

	assert_int_equal(cfg.n_ports, 3);
	p = &cfg.ports[0];
	assert_string_equal(p->device, "net_pcap0");
	assert_int_equal(p->role, DMM_ROLE_ACCESS);
	assert_int_equal(p->n_addrs, 2);
	assert_ip6(&p->addrs[0], "2001:db8:a::1");
	assert_ip6(&p->addrs[1], "2001:db8:a::2");
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->rx_desc, 2048);
	assert_int_equal(p->tx_desc, 512);
	assert_false(p->promiscuous);
	assert_false(p->has_gateway);
	p = &cfg.ports[1];
	assert_string_equal(p->device, "net_pcap1");
	assert_int_equal(p->role, DMM_ROLE_ACCESS);
	assert_int_equal(p->n_addrs, 0);
	assert_true(p->promiscuous);
	p = &cfg.ports[2];
	assert_string_equal(p->device, "0000:01:00.1");
	assert_int_equal(p->role, DMM_ROLE_CORE);
	assert_int_equal(p->n_addrs, 1);
	assert_ip6(&p->addrs[0], "2001:db8:ff::10");
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(p->rx_desc, 1024);
	assert_int_equal(p->tx_desc, 1024);
	assert_true(p->promiscuous);
	assert_true(p->has_gateway);
	assert_ip6(&p->gateway, "fe80::1");
	assert_int_equal(dmm_config_core_port(&cfg), 2);

	assert_int_equal(cfg.tunnel_hop_limit, 32);
	assert_int_equal(cfg.tunnel_mtu, 8000);
	assert_int_equal(cfg.limits.bindings, 100);
	assert_int_equal(cfg.limits.tunnels, 10);
	assert_int_equal(cfg.limits.routes, 20);
	assert_int_equal(cfg.limits.neighbours, 30);
	assert_int_equal(cfg.n_pools, 2);
	assert_prefix(&cfg.pools[0], "2001:db8:100::/48");
	assert_prefix(&cfg.pools[1], "2001:db8:200::/56");
	assert_int_equal(cfg.icmp.rate, 0);
	assert_int_equal(cfg.icmp.burst, 1000000);

	assert_int_equal(cfg.n_tunnels, 2);
	assert_ip6(&cfg.tunnels[0].remote, "2001:db8:ff::2");
	assert_int_equal(cfg.tunnels[0].mtu, 1500);
	assert_ip6(&cfg.tunnels[1].remote, "2001:db8:ff::3");
	assert_int_equal(cfg.tunnels[1].mtu, 0);

	assert_int_equal(cfg.n_bindings, 3);
	assert_prefix(&cfg.bindings[0].prefix, "2001:db8:100:1::/64");
	assert_int_equal(cfg.bindings[0].anchor, DMM_CFG_LOCAL_PEER);
	assert_int_equal(cfg.bindings[0].serving, DMM_CFG_LOCAL_PEER);
	assert_mac(&cfg.bindings[0].mac, "02:00:00:00:01:01");
	assert_int_equal(cfg.bindings[0].port, 1);
	assert_prefix(&cfg.bindings[1].prefix, "2001:db8:100:2::/64");
	assert_int_equal(cfg.bindings[1].anchor, DMM_CFG_LOCAL_PEER);
	assert_int_equal(cfg.bindings[1].serving, 1);
	assert_int_equal(cfg.bindings[1].port, UINT32_MAX);
	assert_prefix(&cfg.bindings[2].prefix, "2001:db8:300:1::/64");
	assert_int_equal(cfg.bindings[2].anchor, 0);
	assert_int_equal(cfg.bindings[2].serving, DMM_CFG_LOCAL_PEER);
	assert_mac(&cfg.bindings[2].mac, "02:00:00:00:01:02");
	assert_int_equal(cfg.bindings[2].port, 0);

	assert_int_equal(cfg.n_routes, 2);
	assert_prefix(&cfg.routes[0].prefix, "2001:db8:cc::/48");
	assert_ip6(&cfg.routes[0].via, "2001:db8:ff::fe");
	assert_prefix(&cfg.routes[1].prefix, "2001:db8:cc:1::1/128");
	assert_ip6(&cfg.routes[1].via, "fe80::2");
	assert_int_equal(cfg.n_neighbours, 1);
	assert_ip6(&cfg.neighbours[0].addr, "fe80::1");
	assert_mac(&cfg.neighbours[0].mac, "02:00:00:00:ff:fe");

	dmm_config_free(&cfg);
	assert_empty(&cfg);
}

static void config_applies_defaults(void **state)
{
	struct dmm_config cfg;

	(void)state;
	assert_loads(BASE, &cfg);
	assert_string_equal(cfg.name, "m");
	assert_int_equal(cfg.n_ports, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(cfg.ports[i].mtu, 1500);
		assert_int_equal(cfg.ports[i].rx_desc, 1024);
		assert_int_equal(cfg.ports[i].tx_desc, 1024);
		assert_int_equal(cfg.ports[i].n_addrs, 0);
		assert_false(cfg.ports[i].has_gateway);
	}
	assert_true(cfg.ports[0].promiscuous);
	assert_false(cfg.ports[1].promiscuous);
	assert_int_equal(dmm_config_core_port(&cfg), 1);
	assert_int_equal(cfg.tunnel_hop_limit, 64);
	assert_int_equal(cfg.tunnel_mtu, 1460);
	assert_int_equal(cfg.limits.bindings, 65536);
	assert_int_equal(cfg.limits.tunnels, 1024);
	assert_int_equal(cfg.limits.routes, 1024);
	assert_int_equal(cfg.limits.neighbours, 256);
	assert_int_equal(cfg.icmp.rate, 100);
	assert_int_equal(cfg.icmp.burst, 10);
	assert_int_equal(cfg.n_pools, 0);
	assert_null(cfg.tunnels);
	assert_null(cfg.bindings);
	assert_null(cfg.routes);
	assert_null(cfg.neighbours);
	dmm_config_free(&cfg);
}

static void config_defaults_tunnel_mtu_to_core_mtu_minus_40(void **state)
{
	struct dmm_config cfg;

	(void)state;
	assert_loads(BASE "    mtu: 9000\n", &cfg);
	assert_int_equal(cfg.tunnel_mtu, 8960);
	dmm_config_free(&cfg);
}

static void config_accepts_empty_optional_sections(void **state)
{
	struct dmm_config cfg;

	(void)state;
	assert_loads(BASE "tunnel:\nlimits:\npool:\nicmp: ~\nstatic:\n  bindings: []\n", &cfg);
	assert_int_equal(cfg.n_bindings, 0);
	dmm_config_free(&cfg);
}

static void config_binding_port_defaults_to_the_only_access_port(void **state)
{
	struct dmm_config cfg;

	(void)state;
	assert_loads("name: m\n"
		     "address: 2001:db8:ff::1\n"
		     "ports:\n"
		     "  - {device: c0, role: core}\n"
		     "  - {device: a0, role: access}\n"
		     "static:\n"
		     "  bindings:\n"
		     "    - {prefix: \"2001:db8:1:2::/64\", anchor: local, serving: local, "
		     "mac: \"02:00:00:00:00:01\"}\n",
		     &cfg);
	assert_int_equal(cfg.bindings[0].port, 1);
	dmm_config_free(&cfg);
}

static void config_loads_the_example_file(void **state)
{
	struct dmm_config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	(void)state;
	rc = dmm_config_load(DMM_EXAMPLE_CONFIG, &cfg, f);
	fclose(f);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.name, "maar1");
	assert_int_equal(cfg.n_ports, 2);
	assert_int_equal(cfg.n_pools, 1);
	assert_int_equal(cfg.n_tunnels, 1);
	assert_int_equal(cfg.n_bindings, 2);
	assert_int_equal(cfg.n_routes, 1);
	assert_int_equal(cfg.n_neighbours, 1);
	assert_true(cfg.sig.enabled);
	assert_int_equal(cfg.sig.mode, DMM_CFG_CMD_RELAY);
	assert_int_equal(cfg.sig.n_local_prefixes, 1);
	assert_prefix(&cfg.sig.local_prefixes[0], "2001:db8:900::/40");
	assert_string_equal(cfg.control_socket, "/run/dmm-maar.maar1.sock");
	dmm_config_free(&cfg);
}

static void config_role_names(void **state)
{
	(void)state;
	assert_string_equal(dmm_role_name(DMM_ROLE_ACCESS), "access");
	assert_string_equal(dmm_role_name(DMM_ROLE_CORE), "core");
}

/* --- files and YAML --- */

static void config_reports_missing_file(void **state)
{
	struct dmm_config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	(void)state;
	rc = dmm_config_load("/nonexistent/maar.yaml", &cfg, f);
	fclose(f);
	assert_string_equal(out,
			    "/nonexistent/maar.yaml: cannot open: No such file or directory\n");
	free(out);
	assert_int_equal(rc, -ENOENT);
	assert_empty(&cfg);
}

static void config_reports_yaml_syntax_error(void **state)
{
	(void)state;
	assert_errors("name: m\n"
		      "ports:\n"
		      "  - device: a0\n"
		      "   role: access\n",
		      "t.yaml:4:4: yaml: did not find expected '-' indicator\n");
	assert_errors("name: [m\n", "t.yaml:2:1: yaml: did not find expected ',' or ']'\n");
}

static void config_rejects_empty_and_multiple_documents(void **state)
{
	(void)state;
	assert_errors("", "t.yaml:1:1: yaml: empty document\n");
	assert_errors(BASE "---\n" BASE, "t.yaml:9:1: yaml: only one document is allowed\n");
}

static void config_rejects_non_mapping_top_level(void **state)
{
	(void)state;
	assert_errors("- a\n", "t.yaml:1:1: expected a mapping\n");
}

/* --- keys --- */

static void config_rejects_unknown_top_level_key(void **state)
{
	(void)state;
	assert_errors(BASE "colour: red\n", "t.yaml:8:1: colour: unknown key\n");
}

static void config_rejects_unknown_nested_key(void **state)
{
	(void)state;
	assert_errors(BASE "    speed: 10G\n"
			   "tunnel:\n"
			   "  ttl: 3\n"
			   "static:\n"
			   "  tunnels:\n"
			   "    - remote: 2001:db8:ff::2\n"
			   "      weight: 1\n",
		      "t.yaml:8:5: ports[1].speed: unknown key\n"
		      "t.yaml:10:3: tunnel.ttl: unknown key\n"
		      "t.yaml:14:7: static.tunnels[0].weight: unknown key\n");
}

static void config_rejects_duplicate_key(void **state)
{
	(void)state;
	assert_errors(BASE "name: n\n"
			   "icmp:\n"
			   "  rate: 1\n"
			   "  rate: 2\n",
		      "t.yaml:8:1: name: duplicate key (first at line 1)\n"
		      "t.yaml:11:3: icmp.rate: duplicate key (first at line 10)\n");
}

static void config_rejects_missing_required_keys(void **state)
{
	(void)state;
	assert_errors("limits: {}\n", "t.yaml:1:1: name: required key is missing\n"
				      "t.yaml:1:1: address: required key is missing\n"
				      "t.yaml:1:1: ports: required key is missing\n");
}

static void config_rejects_wrong_node_types(void **state)
{
	(void)state;
	assert_errors("name: [m]\n"
		      "address: 2001:db8:ff::1\n"
		      "ports:\n"
		      "  device: a0\n"
		      "tunnel: 1\n"
		      "pool: {a: b}\n",
		      "t.yaml:1:7: name: expected a scalar\n"
		      "t.yaml:4:3: ports: expected a list\n"
		      "t.yaml:5:9: tunnel: expected a mapping\n"
		      "t.yaml:6:7: pool: expected a list\n");
}

/* --- values --- */

static void config_rejects_bad_name(void **state)
{
	(void)state;
	assert_errors("name: maar/1\n"
		      "address: 2001:db8:ff::1\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:1:7: name: invalid character '/' (allowed: A-Z a-z 0-9 _ . -)\n");
	assert_errors("name: \"\"\n"
		      "address: 2001:db8:ff::1\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:1:7: name: must be 1..63 characters\n");
}

static void config_rejects_bad_address(void **state)
{
	(void)state;
	assert_errors("name: m\n"
		      "address: 2001:db8::zz\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:2:10: address: not an IPv6 address: \"2001:db8::zz\"\n");
	assert_errors("name: m\n"
		      "address: ff02::1\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:2:10: address: must not be multicast\n");
	assert_errors("name: m\n"
		      "address: fe80::1\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:2:10: address: must not be link-local\n");
	assert_errors("name: m\n"
		      "address: \"::\"\n"
		      "ports: [{device: a0, role: access}, {device: c0, role: core}]\n",
		      "t.yaml:2:10: address: must not be the unspecified address\n");
}

static void config_rejects_bad_port_addresses(void **state)
{
	(void)state;
	assert_errors(BASE "    addresses: [2001:db8:a::1, ff02::2]\n"
			   "  - device: a1\n"
			   "    role: access\n"
			   "    addresses: [2001:db8:a::1]\n",
		      "t.yaml:8:32: ports[1].addresses[1]: must not be multicast\n"
		      "t.yaml:11:17: ports[2].addresses[0]: same address as "
		      "ports[1].addresses[0]\n");
}

static void config_rejects_duplicate_device(void **state)
{
	(void)state;
	assert_errors(BASE "  - device: a0\n"
			   "    role: access\n",
		      "t.yaml:8:13: ports[2].device: same device as ports[0]\n");
}

static void config_rejects_bad_prefix(void **state)
{
	(void)state;
	/* Quoted: in a flow list libyaml ends a plain scalar at "::," */
	assert_errors(
	    BASE "pool: [\"2001:db8:100::\", 2001:db8:200::/65]\n",
	    "t.yaml:8:8: pool[0]: not an IPv6 prefix (address/length): \"2001:db8:100::\"\n"
	    "t.yaml:8:26: pool[1]: prefix length must be 1..64, got /65\n");
}

static void config_rejects_prefix_with_host_bits_set(void **state)
{
	(void)state;
	assert_errors(
	    BASE "pool: [2001:db8:100::1/48]\n",
	    "t.yaml:8:8: pool[0]: host bits set past /48 (did you mean 2001:db8:100::/48?)\n");
}

static void config_rejects_overlapping_pools(void **state)
{
	(void)state;
	assert_errors(BASE "pool:\n"
			   "  - 2001:db8:100::/48\n"
			   "  - 2001:db8:200::/48\n"
			   "  - 2001:db8:100:8000::/49\n",
		      "t.yaml:11:5: pool[2]: overlaps pool[0] (2001:db8:100::/48)\n");
}

static void config_rejects_port_without_role(void **state)
{
	(void)state;
	assert_errors(BASE "  - device: a1\n"
			   "    mtu: 1500\n",
		      "t.yaml:8:5: ports[2].role: required key is missing\n");
}

static void config_rejects_bad_role(void **state)
{
	(void)state;
	assert_errors(BASE "  - device: a1\n"
			   "    role: edge\n",
		      "t.yaml:9:11: ports[2].role: must be \"access\" or \"core\"\n");
}

static void config_rejects_two_core_ports(void **state)
{
	(void)state;
	assert_errors(BASE "  - device: c1\n"
			   "    role: core\n",
		      "t.yaml:9:11: ports[2].role: more than one core port (ports[1] is core)\n");
}

static void config_rejects_missing_access_or_core_port(void **state)
{
	(void)state;
	assert_errors("name: m\n"
		      "address: 2001:db8:ff::1\n"
		      "ports:\n"
		      "  - device: c0\n"
		      "    role: core\n",
		      "t.yaml:4:3: ports: no access port: at least one port must have role "
		      "\"access\"\n");
	assert_errors(
	    "name: m\n"
	    "address: 2001:db8:ff::1\n"
	    "ports:\n"
	    "  - device: a0\n"
	    "    role: access\n",
	    "t.yaml:4:3: ports: no core port: exactly one port must have role \"core\"\n");
	assert_errors("name: m\n"
		      "address: 2001:db8:ff::1\n"
		      "ports: []\n",
		      "t.yaml:3:8: ports: must have 1..8 entries, got 0\n");
}

static void config_rejects_gateway_on_access_port(void **state)
{
	(void)state;
	assert_errors("name: m\n"
		      "address: 2001:db8:ff::1\n"
		      "ports:\n"
		      "  - device: a0\n"
		      "    role: access\n"
		      "    gateway: 2001:db8:a::fe\n"
		      "  - device: c0\n"
		      "    role: core\n",
		      "t.yaml:6:14: ports[0].gateway: only allowed on the core port\n");
}

static void config_rejects_bad_port_numbers(void **state)
{
	(void)state;
	assert_errors(
	    BASE "    mtu: 1300\n"
		 "    rx_desc: 1000\n"
		 "    tx_desc: 32\n"
		 "    promiscuous: yes\n",
	    "t.yaml:8:10: ports[1].mtu: must be >= 1320 on the core port (tunnel mtu 1280 "
	    "+ 40-byte outer header)\n"
	    "t.yaml:9:14: ports[1].rx_desc: must be a power of two\n"
	    "t.yaml:10:14: ports[1].tx_desc: 32 out of range 64..16384\n"
	    "t.yaml:11:18: ports[1].promiscuous: expected true or false, got \"yes\"\n");
}

static void config_rejects_limits_out_of_range(void **state)
{
	(void)state;
	assert_errors(BASE "limits:\n"
			   "  bindings: 0\n"
			   "  tunnels: 65537\n"
			   "  routes: 1048577\n"
			   "  neighbours: 99999999999999999999999\n",
		      "t.yaml:9:13: limits.bindings: 0 out of range 1..16777216\n"
		      "t.yaml:10:12: limits.tunnels: 65537 out of range 1..65536\n"
		      "t.yaml:11:11: limits.routes: 1048577 out of range 1..1048576\n"
		      "t.yaml:12:15: limits.neighbours: 99999999999999999999999 out of range "
		      "1..65536\n");
}

static void config_rejects_non_integer(void **state)
{
	(void)state;
	assert_errors(
	    BASE "limits:\n"
		 "  bindings: 12abc\n"
		 "  tunnels: -1\n"
		 "  routes: 1.5\n"
		 "  neighbours: \"10\"\n"
		 "icmp:\n"
		 "  rate: 010\n"
		 "  burst: 0x10\n",
	    "t.yaml:9:13: limits.bindings: expected an integer 1..16777216, got \"12abc\"\n"
	    "t.yaml:10:12: limits.tunnels: expected an integer 1..65536, got \"-1\"\n"
	    "t.yaml:11:11: limits.routes: expected an integer 1..1048576, got \"1.5\"\n"
	    "t.yaml:12:15: limits.neighbours: expected an unquoted integer 1..65536\n"
	    "t.yaml:14:9: icmp.rate: expected an integer 0..1000000, got \"010\"\n"
	    "t.yaml:15:10: icmp.burst: expected an integer 1..1000000, got \"0x10\"\n");
}

static void config_rejects_tunnel_mtu_too_big(void **state)
{
	(void)state;
	assert_errors(
	    BASE "tunnel:\n"
		 "  mtu: 1461\n",
	    "t.yaml:9:8: tunnel.mtu: must be <= 1460: core port mtu 1500 less the 40-byte "
	    "outer header (RFC 2473, section 7)\n");
	assert_errors(BASE "tunnel:\n"
			   "  mtu: 1400\n"
			   "static:\n"
			   "  tunnels:\n"
			   "    - remote: 2001:db8:ff::2\n"
			   "      mtu: 1401\n",
		      "t.yaml:13:12: static.tunnels[0].mtu: 1401 out of range 1280..1400\n");
}

/* --- static --- */

static void config_rejects_bad_static_tunnels(void **state)
{
	(void)state;
	assert_errors(
	    BASE "static:\n"
		 "  tunnels:\n"
		 "    - remote: 2001:db8:ff::2\n"
		 "    - remote: 2001:db8:ff::1\n"
		 "    - remote: fe80::2\n"
		 "    - remote: 2001:db8:ff:0::2\n"
		 "    - mtu: 1400\n",
	    "t.yaml:11:15: static.tunnels[1].remote: must not be an address of this MAAR\n"
	    "t.yaml:12:15: static.tunnels[2].remote: must not be link-local\n"
	    "t.yaml:14:7: static.tunnels[4].remote: required key is missing\n"
	    "t.yaml:13:15: static.tunnels[3].remote: same remote as static.tunnels[0]\n");
}

static void config_rejects_binding_not_a_64(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:100::/56\n"
				  "      anchor: local\n"
				  "      serving: local\n"
				  "      mac: 02:00:00:00:01:01\n",
		      "t.yaml:13:15: static.bindings[0].prefix: not a /64\n");
}

static void config_rejects_overlapping_bindings(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:100:1::/64\n"
				  "      anchor: local\n"
				  "      serving: 2001:db8:ff::2\n"
				  "    - prefix: 2001:db8:100:2::/64\n"
				  "      anchor: local\n"
				  "      serving: 2001:db8:ff::2\n"
				  "    - prefix: 2001:db8:100:1:0::/64\n"
				  "      anchor: local\n"
				  "      serving: 2001:db8:ff::2\n",
		      "t.yaml:19:15: static.bindings[2].prefix: overlaps static.bindings[0]\n");
}

static void config_rejects_binding_anchor_naming_unknown_tunnel(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:200:1::/64\n"
				  "      anchor: 2001:db8:ff::3\n"
				  "      serving: local\n"
				  "      mac: 02:00:00:00:01:01\n"
				  "    - prefix: 2001:db8:100:1::/64\n"
				  "      anchor: local\n"
				  "      serving: maar2\n",
		      "t.yaml:14:15: static.bindings[0].anchor: no static tunnel with remote "
		      "2001:db8:ff::3\n"
		      "t.yaml:19:16: static.bindings[1].serving: must be \"local\" or the remote "
		      "address of a static tunnel\n");
}

static void config_rejects_binding_with_both_ends_remote(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:200:1::/64\n"
				  "      anchor: 2001:db8:ff::2\n"
				  "      serving: 2001:db8:ff::2\n",
		      "t.yaml:15:16: static.bindings[0].serving: anchor and serving cannot both be "
		      "remote\n");
}

static void config_rejects_missing_mac_when_serving_local(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:100:1::/64\n"
				  "      anchor: local\n"
				  "      serving: local\n",
		      "t.yaml:13:7: static.bindings[0].mac: required when serving is local\n");
}

static void config_rejects_mac_on_remote_serving(void **state)
{
	(void)state;
	assert_errors(
	    BASE_STATIC "    - prefix: 2001:db8:100:1::/64\n"
			"      anchor: local\n"
			"      serving: 2001:db8:ff::2\n"
			"      mac: 02:00:00:00:01:01\n"
			"      port: a0\n",
	    "t.yaml:16:12: static.bindings[0].mac: only allowed when serving is local\n"
	    "t.yaml:17:13: static.bindings[0].port: only allowed when serving is local\n");
}

static void config_rejects_bad_binding_mac_and_port(void **state)
{
	(void)state;
	assert_errors(
	    BASE_STATIC "    - prefix: 2001:db8:100:1::/64\n"
			"      anchor: local\n"
			"      serving: local\n"
			"      mac: 03:00:00:00:01:01\n"
			"      port: c0\n"
			"    - prefix: 2001:db8:100:2::/64\n"
			"      anchor: local\n"
			"      serving: local\n"
			"      mac: 02:00:00:00:01\n"
			"      port: eth9\n",
	    "t.yaml:16:12: static.bindings[0].mac: must be a unicast, non-zero MAC "
	    "address\n"
	    "t.yaml:17:13: static.bindings[0].port: ports[1] is not an access port\n"
	    "t.yaml:21:12: static.bindings[1].mac: not a MAC address: \"02:00:00:00:01\"\n"
	    "t.yaml:22:13: static.bindings[1].port: no port with device \"eth9\"\n");
}

static void config_requires_binding_port_with_several_access_ports(void **state)
{
	(void)state;
	assert_errors(
	    BASE "  - device: a1\n"
		 "    role: access\n"
		 "static:\n"
		 "  bindings:\n"
		 "    - prefix: 2001:db8:100:1::/64\n"
		 "      anchor: local\n"
		 "      serving: local\n"
		 "      mac: 02:00:00:00:01:01\n",
	    "t.yaml:12:7: static.bindings[0].port: required when there are several access "
	    "ports\n");
}

static void config_rejects_local_binding_outside_pool(void **state)
{
	(void)state;
	assert_errors(
	    BASE_STATIC "    - prefix: 2001:db8:200:1::/64\n"
			"      anchor: local\n"
			"      serving: local\n"
			"      mac: 02:00:00:00:01:01\n",
	    "t.yaml:13:15: static.bindings[0].prefix: anchored locally but not inside any "
	    "pool\n");
}

static void config_rejects_remote_binding_inside_pool(void **state)
{
	(void)state;
	assert_errors(BASE_STATIC "    - prefix: 2001:db8:100:1::/64\n"
				  "      anchor: 2001:db8:ff::2\n"
				  "      serving: local\n"
				  "      mac: 02:00:00:00:01:01\n",
		      "t.yaml:13:15: static.bindings[0].prefix: inside pool[0] (2001:db8:100::/48) "
		      "but anchored at a remote MAAR\n");
}

static void config_rejects_too_many_bindings_for_limits(void **state)
{
	(void)state;
	assert_errors(BASE "limits: {bindings: 1}\n"
			   "static:\n"
			   "  bindings:\n"
			   "    - {prefix: \"2001:db8:1:1::/64\", anchor: local, serving: local, "
			   "mac: \"02:00:00:00:00:01\"}\n"
			   "    - {prefix: \"2001:db8:1:2::/64\", anchor: local, serving: local, "
			   "mac: \"02:00:00:00:00:02\"}\n",
		      "t.yaml:11:5: static.bindings: more entries than limits.bindings (2 > 1)\n");
}

static void config_counts_the_gateway_route_against_limits(void **state)
{
	(void)state;
	assert_errors(
	    BASE "    gateway: 2001:db8:ff::fe\n"
		 "limits: {routes: 1}\n"
		 "static:\n"
		 "  routes:\n"
		 "    - {prefix: \"2001:db8:cc::/48\", via: \"2001:db8:ff::fe\"}\n",
	    "t.yaml:12:5: static.routes: more entries than limits.routes (1 + the gateway's "
	    "default route > 1)\n");
}

static void config_rejects_bad_routes_and_neighbours(void **state)
{
	(void)state;
	assert_errors(BASE "    gateway: 2001:db8:ff::fe\n"
			   "static:\n"
			   "  routes:\n"
			   "    - {prefix: \"::/0\", via: \"2001:db8:ff::fd\"}\n"
			   "    - {prefix: \"2001:db8:cc::/48\", via: \"ff02::1\"}\n"
			   "    - {prefix: \"2001:db8:cc::/48\", via: \"2001:db8:ff::fe\"}\n"
			   "  neighbours:\n"
			   "    - {address: \"2001:db8:ff::fe\", mac: \"02:00:00:00:ff:fe\"}\n"
			   "    - {address: \"2001:db8:ff::fe\"}\n",
		      "t.yaml:11:16: static.routes[0].prefix: default route already set by "
		      "ports[1].gateway\n"
		      "t.yaml:12:41: static.routes[1].via: must not be multicast\n"
		      "t.yaml:13:16: static.routes[2].prefix: same prefix as static.routes[1]\n"
		      "t.yaml:16:7: static.neighbours[1].mac: required key is missing\n"
		      "t.yaml:16:17: static.neighbours[1].address: same address as "
		      "static.neighbours[0]\n");
}

/* One run shows every independent problem, without follow-up errors. */
static void config_reports_all_errors_without_cascades(void **state)
{
	(void)state;
	assert_errors("name: m\n"
		      "address: 2001:db8:ff::1\n"
		      "ports:\n"
		      "  - device: a0\n"
		      "    role: acess\n"
		      "  - device: c0\n"
		      "    role: core\n"
		      "    mtu: big\n"
		      "tunnel: {mtu: 9000}\n"
		      "pool: [2001:db8:100::/40/1]\n"
		      "static:\n"
		      "  tunnels:\n"
		      "    - remote: 2001:db8:ff::zz\n"
		      "  bindings:\n"
		      "    - prefix: 2001:db8:200:1::/64\n"
		      "      anchor: 2001:db8:ff::2\n"
		      "      serving: local\n"
		      "      mac: 02:00:00:00:01:01\n"
		      "      port: a0\n",
		      "t.yaml:5:11: ports[0].role: must be \"access\" or \"core\"\n"
		      "t.yaml:8:10: ports[1].mtu: expected an integer 1280..9000, got \"big\"\n"
		      "t.yaml:10:8: pool[0]: not an IPv6 prefix (address/length): "
		      "\"2001:db8:100::/40/1\"\n"
		      "t.yaml:13:15: static.tunnels[0].remote: not an IPv6 address: "
		      "\"2001:db8:ff::zz\"\n");
}

/* --- signalling: --- */

static void config_signalling_parses_every_field(void **state)
{
	(void)state;
	struct dmm_config cfg;
	assert_loads(BASE "pool: [2001:db8:100::/48]\n"
			  "signalling:\n"
			  "  cmd: 2001:db8:ff::100\n"
			  "  mode: locator\n"
			  "  peers: [2001:db8:ff::2, 2001:db8:ff::3]\n"
			  "  lifetime_s: 600\n"
			  "  dereg_variant: 2\n"
			  "  detach_grace_ms: 1500\n"
			  "  initial_bindack_ms: 500\n"
			  "  max_bindack_ms: 8000\n"
			  "  max_update_rate: 100\n"
			  "  min_delay_bce_delete_ms: 2000\n"
			  "  max_mns: 1000\n"
			  "  access_technology: 4\n"
			  "  heartbeat: {interval_s: 2, allow_short: true, missing_allowed: 2,\n"
			  "              restart_counter_file: /tmp/x.rc}\n",
		     &cfg);
	const struct dmm_cfg_signalling *s = &cfg.sig;
	assert_true(s->enabled);
	assert_ip6(&s->cmd, "2001:db8:ff::100");
	assert_int_equal(s->mode, DMM_CFG_CMD_LOCATOR);
	assert_int_equal(s->n_peers, 2);
	assert_ip6(&s->peers[1], "2001:db8:ff::3");
	assert_int_equal(s->lifetime_s, 600);
	assert_int_equal(s->dereg_variant, 2);
	assert_int_equal(s->detach_grace_ms, 1500);
	assert_int_equal(s->initial_bindack_ms, 500);
	assert_int_equal(s->max_bindack_ms, 8000);
	assert_int_equal(s->max_update_rate, 100);
	assert_int_equal(s->min_delay_bce_delete_ms, 2000);
	assert_int_equal(s->max_mns, 1000);
	assert_int_equal(s->att, 4);
	assert_true(s->heartbeat.enabled);
	assert_int_equal(s->heartbeat.interval_s, 2);
	assert_int_equal(s->heartbeat.missing_allowed, 2);
	assert_string_equal(s->heartbeat.restart_counter_file, "/tmp/x.rc");
	dmm_config_free(&cfg);
}

static void config_signalling_defaults(void **state)
{
	(void)state;
	struct dmm_config cfg;
	assert_loads(BASE "pool: [2001:db8:100::/48]\n"
			  "signalling: {cmd: 2001:db8:ff::100}\n",
		     &cfg);
	const struct dmm_cfg_signalling *s = &cfg.sig;
	assert_true(s->enabled);
	assert_int_equal(s->mode, DMM_CFG_CMD_RELAY);
	assert_int_equal(s->lifetime_s, 3600);
	assert_int_equal(s->dereg_variant, 1);
	assert_int_equal(s->detach_grace_ms, 5000);
	assert_int_equal(s->initial_bindack_ms, 1000);
	assert_int_equal(s->max_bindack_ms, 32000);
	assert_int_equal(s->max_update_rate, 3);
	assert_int_equal(s->min_delay_bce_delete_ms, 10000);
	assert_int_equal(s->max_mns, 65536);
	assert_int_equal(s->att, 3);
	assert_true(s->heartbeat.enabled);
	assert_int_equal(s->heartbeat.interval_s, 60);
	assert_int_equal(s->heartbeat.missing_allowed, 3);
	dmm_config_free(&cfg);
	/* Without the section, signalling is off. */
	assert_loads(BASE, &cfg);
	assert_false(cfg.sig.enabled);
	dmm_config_free(&cfg);
}

static void config_signalling_rejects_bad_values(void **state)
{
	(void)state;
	assert_errors(BASE "signalling: {cmd: 2001:db8:ff::100}\n",
		      "t.yaml:8:13: signalling: signalling needs a prefix pool (key \"pool\")\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {mode: relay}\n",
		      "t.yaml:9:13: signalling.cmd: required key is missing\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::1}\n",
		      "t.yaml:9:19: signalling.cmd: is this MAAR's own address\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, mode: fast}\n",
		      "t.yaml:9:43: signalling.mode: expected relay, locator or proxy, got "
		      "\"fast\"\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, mode: locator}\n",
		      "t.yaml:9:43: signalling.mode: locator mode needs signalling.peers: the "
		      "MAARs this one accepts direct PBAs from (RFC 8885 section 6)\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, dereg_variant: 3}\n",
		      "t.yaml:9:52: signalling.dereg_variant: 3 out of range 1..2\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, heartbeat: {interval_s: 10}}\n",
		      "t.yaml:9:61: signalling.heartbeat.interval_s: must be 30..3600 (RFC 5847 "
		      "section 5); below 30 only with allow_short: true (lab use)\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, peers: [2001:db8:ff::2, "
			   "2001:db8:ff::2]}\n",
		      "t.yaml:9:61: signalling.peers[1]: duplicate peer 2001:db8:ff::2\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, max_bindack_ms: 100}\n",
		      "t.yaml:9:53: signalling.max_bindack_ms: must be >= initial_bindack_ms "
		      "(1000)\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, lifetime: 5}\n",
		      "t.yaml:9:37: signalling.lifetime: unknown key\n");
	assert_errors(BASE "control_socket: run/x.sock\n",
		      "t.yaml:8:17: control_socket: must be an absolute path of at most 107 "
		      "characters\n");
}

/* RFC 8885 §4.4 (P5): signalling.local_prefixes, the local-only networks behind this MAAR. */
static void config_signalling_local_prefixes(void **state)
{
	(void)state;
	struct dmm_config cfg;
	assert_loads(BASE
		     "pool: [2001:db8:100::/48]\n"
		     "signalling:\n"
		     "  cmd: 2001:db8:ff::100\n"
		     "  local_prefixes: [2001:db8:900::/40, fd00:1::/32, 2001:db8:ff::77/128]\n",
		     &cfg);
	assert_int_equal(cfg.sig.n_local_prefixes, 3);
	assert_prefix(&cfg.sig.local_prefixes[0], "2001:db8:900::/40");
	assert_prefix(&cfg.sig.local_prefixes[1], "fd00:1::/32");
	assert_prefix(&cfg.sig.local_prefixes[2], "2001:db8:ff::77/128");
	dmm_config_free(&cfg);
	assert_loads(BASE "pool: [2001:db8:100::/48]\n"
			  "signalling: {cmd: 2001:db8:ff::100}\n",
		     &cfg);
	assert_int_equal(cfg.sig.n_local_prefixes, 0); /* default: none */
	dmm_config_free(&cfg);
}

static void config_signalling_local_prefixes_rejects_bad_values(void **state)
{
	(void)state;
	/* length 1..128: ::/0 is a default route, not a local network */
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: [0::/0]}\n",
		      "t.yaml:9:54: signalling.local_prefixes[0]: prefix length must be 1..128, "
		      "got /0\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: [fd00::1/64]}\n",
		      "t.yaml:9:54: signalling.local_prefixes[0]: host bits set past /64 (did you "
		      "mean fd00::/64?)\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: [fd00::/16, "
			   "fd00::/16]}\n",
		      "t.yaml:9:65: signalling.local_prefixes[1]: duplicate local prefix "
		      "fd00::/16\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: [2001:db8::/32]}\n",
		      "t.yaml:9:54: signalling.local_prefixes[0]: overlaps pool[0] "
		      "(2001:db8:100::/48)\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: [fd01::/16, "
			   "fd02::/16, fd03::/16, fd04::/16, fd05::/16]}\n",
		      "t.yaml:9:53: signalling.local_prefixes: at most 4 prefixes, got 5\n");
	assert_errors(BASE "pool: [2001:db8:100::/48]\n"
			   "signalling: {cmd: 2001:db8:ff::100, local_prefixes: fd00::/16}\n",
		      "t.yaml:9:53: signalling.local_prefixes: expected a list\n");
}

static void config_binding_dlif_mac(void **state)
{
	(void)state;
	struct dmm_config cfg;
	assert_loads(BASE_STATIC
		     "    - {prefix: 2001:db8:100:1::/64, anchor: local, serving: local,\n"
		     "       mac: 02:00:00:00:00:01, dlif_mac: 02:00:00:00:aa:01}\n",
		     &cfg);
	assert_mac(&cfg.bindings[0].dlif_mac, "02:00:00:00:aa:01");
	dmm_config_free(&cfg);
	assert_errors(
	    BASE_STATIC
	    "    - {prefix: 2001:db8:200:1::/64, anchor: 2001:db8:ff::2,\n"
	    "       serving: local, mac: 02:00:00:00:00:01, dlif_mac: 01:00:00:00:aa:01}\n",
	    "t.yaml:14:58: static.bindings[0].dlif_mac: must be a unicast, non-zero MAC "
	    "address\n");
}

#define BASE_SIG                                                                                   \
	BASE "pool: [2001:db8:100::/48]\n"                                                         \
	     "signalling:\n"                                                                       \
	     "  cmd: 2001:db8:ff::100\n"

static void config_access_parses_every_field(void **state)
{
	(void)state;
	struct dmm_config cfg;
	assert_loads(BASE_SIG "  access:\n"
			      "    policy: table\n"
			      "    mns:\n"
			      "      - {mac: 02:00:00:00:00:01, nai: mn1@example.org}\n"
			      "      - {mac: 02:00:00:00:00:02, nai: mn2@example.org}\n"
			      "    nai_realm: mn.example\n"
			      "    router_lifetime_s: 600\n"
			      "    ra_interval_ms: 20000\n"
			      "    ra_min_delay_ms: 100\n"
			      "    nud: {reachable_ms: 5000, retrans_ms: 500, max_probes: 2}\n",
		     &cfg);
	const struct dmm_cfg_access *a = &cfg.sig.access;
	assert_int_equal(a->policy, DMM_CFG_ACCESS_TABLE);
	assert_int_equal(a->n_mns, 2);
	assert_mac(&a->mns[1].mac, "02:00:00:00:00:02");
	assert_string_equal(a->mns[1].nai, "mn2@example.org");
	assert_string_equal(a->nai_realm, "mn.example");
	assert_int_equal(a->router_lifetime_s, 600);
	assert_int_equal(a->ra_interval_ms, 20000);
	assert_int_equal(a->ra_min_delay_ms, 100);
	assert_int_equal(a->nud_reachable_ms, 5000);
	assert_int_equal(a->nud_retrans_ms, 500);
	assert_int_equal(a->nud_max_probes, 2);
	dmm_config_free(&cfg);

	assert_loads(BASE_SIG, &cfg);
	a = &cfg.sig.access;
	assert_int_equal(a->policy, DMM_CFG_ACCESS_ANY);
	assert_string_equal(a->nai_realm, "mn.invalid");
	assert_int_equal(a->router_lifetime_s, 1800);
	assert_int_equal(a->ra_interval_ms, 60000);
	assert_int_equal(a->nud_max_probes, 3);
	dmm_config_free(&cfg);

	assert_loads(BASE_SIG "  access: {policy: allowlist, allow: [02:00:00:00:00:01]}\n", &cfg);
	assert_int_equal(cfg.sig.access.n_allow, 1);
	dmm_config_free(&cfg);
}

static void config_access_rejects_bad_values(void **state)
{
	(void)state;
	assert_errors(BASE_SIG "  access: {policy: some}\n",
		      "t.yaml:11:20: signalling.access.policy: expected any, allowlist or table, "
		      "got \"some\"\n");
	assert_errors(BASE_SIG "  access: {policy: table}\n",
		      "t.yaml:11:20: signalling.access.policy: table needs access.mns ({mac, nai} "
		      "entries)\n");
	assert_errors(BASE_SIG "  access: {policy: allowlist, allow: [02:00:00:00:00:01, "
			       "02:00:00:00:00:01]}\n",
		      "t.yaml:11:58: signalling.access.allow[1]: duplicate MAC 02:00:00:00:00:01 "
		      "(also entry 0)\n");
	assert_errors(BASE_SIG "  access: {allow: [02:00:00:00:00:01]}\n",
		      "t.yaml:11:19: signalling.access.allow: only used with policy: allowlist\n");
	assert_errors(
	    BASE_SIG "  access: {policy: table, mns: [{mac: 02:00:00:00:00:01, nai: "
		     "a@b}, {mac: 02:00:00:00:00:02, nai: a@b}]}\n",
	    "t.yaml:11:99: signalling.access.mns[1].nai: duplicate MN-ID (also entry 0)\n");
	assert_errors(BASE_SIG "  access: {nai_realm: a@b}\n",
		      "t.yaml:11:23: signalling.access.nai_realm: must be 1..127 octets without "
		      "blanks or '@'\n");
	assert_errors(BASE_SIG "  access: {router_lifetime_s: 10}\n",
		      "t.yaml:11:31: signalling.access.router_lifetime_s: must be 0 or at least "
		      "ra_interval_ms (RFC 4861 section 6.2.1)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_parses_every_field),
	    cmocka_unit_test(config_applies_defaults),
	    cmocka_unit_test(config_defaults_tunnel_mtu_to_core_mtu_minus_40),
	    cmocka_unit_test(config_accepts_empty_optional_sections),
	    cmocka_unit_test(config_binding_port_defaults_to_the_only_access_port),
	    cmocka_unit_test(config_loads_the_example_file),
	    cmocka_unit_test(config_role_names),
	    cmocka_unit_test(config_reports_missing_file),
	    cmocka_unit_test(config_reports_yaml_syntax_error),
	    cmocka_unit_test(config_rejects_empty_and_multiple_documents),
	    cmocka_unit_test(config_rejects_non_mapping_top_level),
	    cmocka_unit_test(config_rejects_unknown_top_level_key),
	    cmocka_unit_test(config_rejects_unknown_nested_key),
	    cmocka_unit_test(config_rejects_duplicate_key),
	    cmocka_unit_test(config_rejects_missing_required_keys),
	    cmocka_unit_test(config_rejects_wrong_node_types),
	    cmocka_unit_test(config_rejects_bad_name),
	    cmocka_unit_test(config_rejects_bad_address),
	    cmocka_unit_test(config_rejects_bad_port_addresses),
	    cmocka_unit_test(config_rejects_duplicate_device),
	    cmocka_unit_test(config_rejects_bad_prefix),
	    cmocka_unit_test(config_rejects_prefix_with_host_bits_set),
	    cmocka_unit_test(config_rejects_overlapping_pools),
	    cmocka_unit_test(config_rejects_port_without_role),
	    cmocka_unit_test(config_rejects_bad_role),
	    cmocka_unit_test(config_rejects_two_core_ports),
	    cmocka_unit_test(config_rejects_missing_access_or_core_port),
	    cmocka_unit_test(config_rejects_gateway_on_access_port),
	    cmocka_unit_test(config_rejects_bad_port_numbers),
	    cmocka_unit_test(config_rejects_limits_out_of_range),
	    cmocka_unit_test(config_rejects_non_integer),
	    cmocka_unit_test(config_rejects_tunnel_mtu_too_big),
	    cmocka_unit_test(config_signalling_parses_every_field),
	    cmocka_unit_test(config_binding_dlif_mac),
	    cmocka_unit_test(config_access_parses_every_field),
	    cmocka_unit_test(config_access_rejects_bad_values),
	    cmocka_unit_test(config_signalling_defaults),
	    cmocka_unit_test(config_signalling_rejects_bad_values),
	    cmocka_unit_test(config_signalling_local_prefixes),
	    cmocka_unit_test(config_signalling_local_prefixes_rejects_bad_values),
	    cmocka_unit_test(config_rejects_bad_static_tunnels),
	    cmocka_unit_test(config_rejects_binding_not_a_64),
	    cmocka_unit_test(config_rejects_overlapping_bindings),
	    cmocka_unit_test(config_rejects_binding_anchor_naming_unknown_tunnel),
	    cmocka_unit_test(config_rejects_binding_with_both_ends_remote),
	    cmocka_unit_test(config_rejects_missing_mac_when_serving_local),
	    cmocka_unit_test(config_rejects_mac_on_remote_serving),
	    cmocka_unit_test(config_rejects_bad_binding_mac_and_port),
	    cmocka_unit_test(config_requires_binding_port_with_several_access_ports),
	    cmocka_unit_test(config_rejects_local_binding_outside_pool),
	    cmocka_unit_test(config_rejects_remote_binding_inside_pool),
	    cmocka_unit_test(config_rejects_too_many_bindings_for_limits),
	    cmocka_unit_test(config_counts_the_gateway_route_against_limits),
	    cmocka_unit_test(config_rejects_bad_routes_and_neighbours),
	    cmocka_unit_test(config_reports_all_errors_without_cascades),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
