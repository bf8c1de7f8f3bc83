/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration loader. libyaml's document API gives a node tree with source positions; it is
 * walked with a fixed schema (never generically, so a recursive alias cannot make us loop),
 * filled into struct dmm_config and validated. Errors are collected rather than fatal so that
 * one run shows every problem, each as "file:line:col: key: problem". */
#include "dmm_config.h"
#include "dmm_yaml.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NONE	   UINT32_MAX
#define MAX_FIELDS 16		     /* most keys in one mapping of the schema */
#define KEY_LEN	   (DMM_IP6_LEN + 1) /* address + prefix length */
#define OUTER_HDR  40		     /* outer IPv6 header of the ip6ip6 tunnel */
#define MIN_MTU	   1280		     /* IPv6 minimum link MTU, RFC 8200 section 5 */

/* Keys of the valid entries of one static list, sorted to find duplicates and to look remotes
 * up: static tables may hold millions of entries, so no pairwise comparisons. */
struct entry_key {
	uint8_t k[KEY_LEN];
	uint32_t idx;
};

struct keyset {
	struct entry_key *e;
	size_t n;
	const yaml_node_t *
	    *node; /* per list index: the key's node, where duplicates are reported */
};

struct ctx {
	struct dmm_yaml y; /* file, error stream, document, key path, error count */
	struct dmm_config *cfg;
	/* Checks that depend on a part that had errors are skipped: their messages would only
	 * be consequences of the first one. */
	bool ports_bad, roles_bad, core_mtu_bad, limits_bad, pools_bad, remotes_bad;
	uint32_t core;	       /* first core port, NONE if none */
	unsigned n_access;     /* access ports */
	uint32_t access_port;  /* the last access port: the default when there is only one */
	struct keyset remotes; /* static tunnel remotes, for the bindings' anchor and serving */
};

/* --- the shared YAML helpers (common/dmm_yaml.c), on this loader's context --- */

#define error_at(c, n, key, ...) dmm_yaml_error(&(c)->y, n, key, __VA_ARGS__)

static size_t push_key(struct ctx *c, const char *key)
{
	return dmm_yaml_push_key(&c->y, key);
}

static size_t push_index(struct ctx *c, size_t i)
{
	return dmm_yaml_push_index(&c->y, i);
}

static void pop(struct ctx *c, size_t old)
{
	dmm_yaml_pop(&c->y, old);
}

static yaml_node_t *node_at(struct ctx *c, yaml_node_item_t i)
{
	return dmm_yaml_node(&c->y, i);
}

#define is_null dmm_yaml_is_null
#define present dmm_yaml_present

static bool expect(struct ctx *c, const yaml_node_t *n, const char *key, yaml_node_type_t t)
{
	return dmm_yaml_expect(&c->y, n, key, t);
}

static const char *scalar(struct ctx *c, const yaml_node_t *n, const char *key)
{
	return dmm_yaml_scalar(&c->y, n, key);
}

static size_t find_key(const yaml_node_t *k, const char *const keys[], size_t n_keys)
{
	size_t len = k->data.scalar.length;

	for (size_t i = 0; i < n_keys; i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], k->data.scalar.value, len) == 0)
			return i;
	return n_keys;
}

/* Index the values of mapping n by key: vals[i] is the value of keys[i], NULL if absent.
 * Unknown and duplicate keys are reported. Returns false if n is not a mapping. */
static bool get_fields(struct ctx *c, const yaml_node_t *n, const char *const keys[], size_t n_keys,
		       yaml_node_t *vals[])
{
	yaml_node_t *key_node[MAX_FIELDS] = {0};

	assert(n_keys <= MAX_FIELDS);
	memset(vals, 0, n_keys * sizeof(*vals));
	if (!expect(c, n, NULL, YAML_MAPPING_NODE))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_at(c, p->key);
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			error_at(c, k, NULL, "expected a scalar key");
			continue;
		}
		i = find_key(k, keys, n_keys);
		if (i == n_keys)
			error_at(c, k, (const char *)k->data.scalar.value, "unknown key");
		else if (key_node[i] != NULL)
			error_at(c, k, keys[i], "duplicate key (first at line %zu)",
				 key_node[i]->start_mark.line + 1);
		else {
			key_node[i] = k;
			vals[i] = node_at(c, p->value);
		}
	}
	return true;
}

/* A missing required key is reported at its mapping. */
static bool require(struct ctx *c, const yaml_node_t *map, const char *key, const yaml_node_t *v)
{
	if (v == NULL)
		error_at(c, map, key, "required key is missing");
	return v != NULL;
}

/* Items of an optional list; absent or empty is a list of none. */
static bool get_list(struct ctx *c, const yaml_node_t *n, const char *key, yaml_node_item_t **items,
		     size_t *count)
{
	*items = NULL;
	*count = 0;
	if (!present(n))
		return true;
	if (!expect(c, n, key, YAML_SEQUENCE_NODE))
		return false;
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

/* --- typed values: the get_* helpers return 1 when set, 0 when absent, -1 on error --- */

static int get_uint(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t lo, uint32_t hi,
		    uint32_t *out)
{
	return dmm_yaml_uint(&c->y, n, key, lo, hi, out);
}

static int get_bool(struct ctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s;

	if (n == NULL)
		return 0;
	s = scalar(c, n, key);
	if (s == NULL)
		return -1;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
		*out = s[0] == 't';
		return 1;
	}
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		error_at(c, n, key, "expected an unquoted true or false");
	else
		error_at(c, n, key, "expected true or false, got \"%s\"", s);
	return -1;
}

enum addr_rule {
	NOT_MCAST = 1,
	NOT_UNSPEC = 2,
	NOT_LINKLOCAL = 4,
	NOT_LOOPBACK = 8,
	UNICAST = NOT_MCAST | NOT_UNSPEC | NOT_LOOPBACK,
	GLOBAL = UNICAST | NOT_LINKLOCAL,
};

static const char *addr_violation(const struct dmm_ip6 *a, unsigned rules)
{
	static const struct dmm_ip6 loopback = {.a = {[15] = 1}};

	if ((rules & NOT_MCAST) && dmm_ip6_is_multicast(a))
		return "multicast";
	if ((rules & NOT_UNSPEC) && dmm_ip6_is_zero(a))
		return "the unspecified address";
	if ((rules & NOT_LINKLOCAL) && dmm_ip6_is_linklocal(a))
		return "link-local";
	if ((rules & NOT_LOOPBACK) && dmm_ip6_eq(a, &loopback))
		return "loopback";
	return NULL;
}

static int get_addr(struct ctx *c, const yaml_node_t *n, const char *key, unsigned rules,
		    struct dmm_ip6 *out)
{
	struct dmm_ip6 a;
	const char *s, *bad;

	if (n == NULL)
		return 0;
	s = scalar(c, n, key);
	if (s == NULL)
		return -1;
	if (dmm_ip6_parse(s, &a) < 0) {
		error_at(c, n, key, "not an IPv6 address: \"%s\"", s);
		return -1;
	}
	bad = addr_violation(&a, rules);
	if (bad != NULL) {
		error_at(c, n, key, "must not be %s", bad);
		return -1;
	}
	*out = a;
	return 1;
}

/* A prefix with length lo..hi. The length is checked before the host bits: for a binding,
 * "not a /64" is the real problem with 2001:db8:1::/48. */
static int get_prefix(struct ctx *c, const yaml_node_t *n, const char *key, unsigned lo,
		      unsigned hi, struct dmm_prefix *out)
{
	char buf[DMM_PFX_STRLEN];
	struct dmm_prefix p;
	const char *s;
	int rc;

	if (n == NULL)
		return 0;
	s = scalar(c, n, key);
	if (s == NULL)
		return -1;
	rc = dmm_prefix_parse(s, &p);
	if (rc < 0 && rc != -EDOM) {
		error_at(c, n, key, "not an IPv6 prefix (address/length): \"%s\"", s);
		return -1;
	}
	if (p.len < lo || p.len > hi) {
		if (lo == hi)
			error_at(c, n, key, "not a /%u", lo);
		else
			error_at(c, n, key, "prefix length must be %u..%u, got /%u", lo, hi, p.len);
		return -1;
	}
	if (rc == -EDOM) {
		dmm_ip6_mask(&p.addr, p.len);
		error_at(c, n, key, "host bits set past /%u (did you mean %s?)", p.len,
			 dmm_prefix_fmt(&p, buf));
		return -1;
	}
	*out = p;
	return 1;
}

static int get_mac(struct ctx *c, const yaml_node_t *n, const char *key, struct dmm_mac *out)
{
	struct dmm_mac m;
	const char *s;

	if (n == NULL)
		return 0;
	s = scalar(c, n, key);
	if (s == NULL)
		return -1;
	if (dmm_mac_parse(s, &m) < 0) {
		error_at(c, n, key, "not a MAC address: \"%s\"", s);
		return -1;
	}
	if (dmm_mac_is_zero(&m) || dmm_mac_is_multicast(&m)) {
		error_at(c, n, key, "must be a unicast, non-zero MAC address");
		return -1;
	}
	*out = m;
	return 1;
}

/* --- sorted keys of static lists --- */

static int keyset_init(struct keyset *ks, size_t count)
{
	ks->e = calloc(count, sizeof(*ks->e));
	ks->node = calloc(count, sizeof(*ks->node));
	ks->n = 0;
	return ks->e != NULL && ks->node != NULL ? 0 : -ENOMEM;
}

static void keyset_free(struct keyset *ks)
{
	free(ks->e);
	free(ks->node);
	memset(ks, 0, sizeof(*ks));
}

static void keyset_add(struct keyset *ks, uint32_t idx, const yaml_node_t *n,
		       const struct dmm_ip6 *a, uint8_t len)
{
	struct entry_key *e = &ks->e[ks->n++];

	memcpy(e->k, a->a, DMM_IP6_LEN);
	e->k[DMM_IP6_LEN] = len;
	e->idx = idx;
	ks->node[idx] = n;
}

static int key_cmp(const void *x, const void *y)
{
	return memcmp(((const struct entry_key *)x)->k, ((const struct entry_key *)y)->k, KEY_LEN);
}

static int entry_cmp(const void *x, const void *y)
{
	uint32_t a = ((const struct entry_key *)x)->idx, b = ((const struct entry_key *)y)->idx;
	int d = key_cmp(x, y);

	return d != 0 ? d : (a > b) - (a < b);
}

/* Sort the keys, then report each entry equal to an earlier one, in list order. The path is
 * the list's ("static.tunnels"). */
static void keyset_report_dups(struct ctx *c, struct keyset *ks, size_t count, const char *key,
			       const char *msg)
{
	char list[sizeof(c->y.path)];
	uint32_t *orig;

	if (ks->n == 0)
		return;
	qsort(ks->e, ks->n, sizeof(*ks->e), entry_cmp);
	orig = malloc(count * sizeof(*orig));
	if (orig == NULL) {
		error_at(c, ks->node[ks->e[0].idx], key, "out of memory");
		return;
	}
	for (size_t i = 0; i < count; i++)
		orig[i] = NONE;
	for (size_t i = 1, first = 0; i < ks->n; i++) {
		if (key_cmp(&ks->e[i], &ks->e[first]) != 0)
			first = i;
		else
			orig[ks->e[i].idx] = ks->e[first].idx;
	}
	snprintf(list, sizeof(list), "%s", c->y.path);
	for (size_t i = 0; i < count; i++) {
		size_t old;

		if (orig[i] == NONE)
			continue;
		old = push_index(c, i);
		error_at(c, ks->node[i], key, "%s %s[%u]", msg, list, orig[i]);
		pop(c, old);
	}
	free(orig);
}

/* Index of the entry with this key (the keyset must be sorted), NONE if none. */
static uint32_t keyset_find(const struct keyset *ks, const struct dmm_ip6 *a, uint8_t len)
{
	struct entry_key k;
	const struct entry_key *e;

	if (ks->n == 0)
		return NONE;
	memcpy(k.k, a->a, DMM_IP6_LEN);
	k.k[DMM_IP6_LEN] = len;
	e = bsearch(&k, ks->e, ks->n, sizeof(*ks->e), key_cmp);
	return e != NULL ? e->idx : NONE;
}

/* --- name, address --- */

static void parse_name(struct ctx *c, const yaml_node_t *root, const yaml_node_t *n)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789_.-";
	const char *s;
	size_t len, bad;

	if (!require(c, root, "name", n) || (s = scalar(c, n, "name")) == NULL)
		return;
	len = strlen(s);
	bad = strspn(s, allowed);
	if (len == 0 || len >= DMM_CFG_NAME_LEN)
		error_at(c, n, "name", "must be 1..%d characters", DMM_CFG_NAME_LEN - 1);
	else if (bad < len && isprint((unsigned char)s[bad]))
		error_at(c, n, "name", "invalid character '%c' (allowed: A-Z a-z 0-9 _ . -)",
			 s[bad]);
	else if (bad < len)
		error_at(c, n, "name", "invalid character 0x%02x (allowed: A-Z a-z 0-9 _ . -)",
			 (unsigned char)s[bad]);
	else
		memcpy(c->cfg->name, s, len + 1);
}

static void parse_address(struct ctx *c, const yaml_node_t *root, const yaml_node_t *n)
{
	if (require(c, root, "address", n))
		get_addr(c, n, "address", GLOBAL, &c->cfg->address);
}

/* --- ports --- */

static void parse_device(struct ctx *c, const yaml_node_t *map, const yaml_node_t *n, uint32_t i)
{
	struct dmm_cfg_port *ports = c->cfg->ports;
	const char *s;

	if (!require(c, map, "device", n) || (s = scalar(c, n, "device")) == NULL)
		return;
	if (s[0] == '\0' || strlen(s) >= DMM_CFG_DEV_LEN) {
		error_at(c, n, "device", "must be 1..%d characters", DMM_CFG_DEV_LEN - 1);
		return;
	}
	for (uint32_t j = 0; j < i; j++) {
		if (strcmp(ports[j].device, s) == 0) {
			error_at(c, n, "device", "same device as ports[%u]", j);
			return;
		}
	}
	strcpy(ports[i].device, s);
}

/* Returns the role, or -1 (reported) if there is none. */
static int parse_role(struct ctx *c, const yaml_node_t *map, const yaml_node_t *n, uint32_t i)
{
	const char *s;

	if (!require(c, map, "role", n) || (s = scalar(c, n, "role")) == NULL)
		return -1;
	if (strcmp(s, "access") == 0) {
		c->n_access++;
		c->access_port = i;
		return DMM_ROLE_ACCESS;
	}
	if (strcmp(s, "core") != 0) {
		error_at(c, n, "role", "must be \"access\" or \"core\"");
		return -1;
	}
	if (c->core != NONE)
		error_at(c, n, "role", "more than one core port (ports[%u] is core)", c->core);
	else
		c->core = i;
	return DMM_ROLE_CORE;
}

/* Own addresses must be unique across all ports: each one answers NDP on exactly one link. */
static void check_addr_unique(struct ctx *c, const yaml_node_t *n, uint32_t port, unsigned k)
{
	const struct dmm_cfg_port *ports = c->cfg->ports;
	const struct dmm_ip6 *a = &ports[port].addrs[k];

	for (uint32_t i = 0; i <= port; i++) {
		for (unsigned j = 0; j < (i < port ? ports[i].n_addrs : k); j++) {
			if (dmm_ip6_eq(&ports[i].addrs[j], a)) {
				error_at(c, n, NULL, "same address as ports[%u].addresses[%u]", i,
					 j);
				return;
			}
		}
	}
}

static void parse_port_addrs(struct ctx *c, const yaml_node_t *n, uint32_t port)
{
	struct dmm_cfg_port *p = &c->cfg->ports[port];
	yaml_node_item_t *items;
	size_t count, old;

	if (!get_list(c, n, "addresses", &items, &count))
		return;
	if (count > DMM_CFG_MAX_PORT_ADDRS) {
		error_at(c, n, "addresses", "at most %d addresses, got %zu", DMM_CFG_MAX_PORT_ADDRS,
			 count);
		return;
	}
	/* Entries keep their list index; a bad one stays ::, which never matches a valid one. */
	p->n_addrs = (unsigned)count;
	old = push_key(c, "addresses");
	for (unsigned k = 0; k < count; k++) {
		const yaml_node_t *a = node_at(c, items[k]);
		size_t o = push_index(c, k);

		if (get_addr(c, a, NULL, UNICAST, &p->addrs[k]) > 0)
			check_addr_unique(c, a, port, k);
		pop(c, o);
	}
	pop(c, old);
}

static void parse_desc(struct ctx *c, const yaml_node_t *n, const char *key, uint16_t *out)
{
	uint32_t v;

	if (get_uint(c, n, key, 64, 16384, &v) <= 0)
		return;
	if ((v & (v - 1)) != 0)
		error_at(c, n, key, "must be a power of two");
	else
		*out = (uint16_t)v;
}

/* The mtu of the core port bounds the tunnel mtu (outer header included), and tunnels must
 * carry the IPv6 minimum MTU without fragmenting: 1280 + 40 at least. */
static void parse_port_mtu(struct ctx *c, const yaml_node_t *n, uint32_t i, int role)
{
	struct dmm_cfg_port *p = &c->cfg->ports[i];
	uint32_t v;
	int rc = get_uint(c, n, "mtu", MIN_MTU, 9000, &v);

	if (rc > 0 && role == DMM_ROLE_CORE && v < MIN_MTU + OUTER_HDR) {
		error_at(c, n, "mtu",
			 "must be >= %u on the core port (tunnel mtu %u + %u-byte outer header)",
			 MIN_MTU + OUTER_HDR, MIN_MTU, OUTER_HDR);
		rc = -1;
	}
	if (rc > 0)
		p->mtu = (uint16_t)v;
	if (rc < 0 && c->core == i)
		c->core_mtu_bad = true;
}

static void parse_gateway(struct ctx *c, const yaml_node_t *n, struct dmm_cfg_port *p, int role)
{
	if (n == NULL)
		return;
	if (role == DMM_ROLE_ACCESS)
		error_at(c, n, "gateway", "only allowed on the core port");
	else if (get_addr(c, n, "gateway", UNICAST, &p->gateway) > 0 && role == DMM_ROLE_CORE)
		p->has_gateway = true;
}

static void parse_port(struct ctx *c, const yaml_node_t *n, uint32_t i)
{
	enum { DEVICE, ROLE, ADDRESSES, MTU, RX_DESC, TX_DESC, PROMISCUOUS, GATEWAY, N };
	static const char *const keys[N] = {"device",  "role",	  "addresses",	 "mtu",
					    "rx_desc", "tx_desc", "promiscuous", "gateway"};
	struct dmm_cfg_port *p = &c->cfg->ports[i];
	yaml_node_t *v[N];
	int role;

	p->mtu = 1500;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	if (!get_fields(c, n, keys, N, v)) {
		c->roles_bad = true;
		return;
	}
	parse_device(c, n, v[DEVICE], i);
	role = parse_role(c, n, v[ROLE], i);
	if (role < 0)
		c->roles_bad = true;
	else
		p->role = (enum dmm_port_role)role;
	parse_port_addrs(c, v[ADDRESSES], i);
	parse_port_mtu(c, v[MTU], i, role);
	parse_desc(c, v[RX_DESC], "rx_desc", &p->rx_desc);
	parse_desc(c, v[TX_DESC], "tx_desc", &p->tx_desc);
	/* Access ports receive frames for every MN's MAC; the core link only for our own. */
	p->promiscuous = role == DMM_ROLE_ACCESS;
	get_bool(c, v[PROMISCUOUS], "promiscuous", &p->promiscuous);
	parse_gateway(c, v[GATEWAY], p, role);
}

static void parse_ports(struct ctx *c, const yaml_node_t *root, const yaml_node_t *n)
{
	unsigned err0 = c->y.n_err;
	yaml_node_item_t *items;
	size_t count, old;

	c->ports_bad = true;
	if (!require(c, root, "ports", n) || !get_list(c, n, "ports", &items, &count))
		return;
	if (count == 0 || count > DMM_CFG_MAX_PORTS) {
		error_at(c, n, "ports", "must have 1..%d entries, got %zu", DMM_CFG_MAX_PORTS,
			 count);
		return;
	}
	c->cfg->n_ports = (unsigned)count;
	old = push_key(c, "ports");
	for (uint32_t i = 0; i < count; i++) {
		size_t o = push_index(c, i);

		parse_port(c, node_at(c, items[i]), i);
		pop(c, o);
	}
	/* With a role missing or misspelt, which port is which is unknown. */
	if (!c->roles_bad && c->core == NONE)
		error_at(c, n, NULL, "no core port: exactly one port must have role \"core\"");
	if (!c->roles_bad && c->n_access == 0)
		error_at(c, n, NULL, "no access port: at least one port must have role \"access\"");
	pop(c, old);
	c->ports_bad = c->y.n_err != err0;
}

/* --- tunnel, limits, pool, icmp --- */

static void parse_tunnel(struct ctx *c, const yaml_node_t *n)
{
	enum { HOP_LIMIT, MTU, N };
	static const char *const keys[N] = {"hop_limit", "mtu"};
	struct dmm_config *cfg = c->cfg;
	bool core_ok = c->core != NONE && !c->core_mtu_bad;
	uint32_t core_mtu = core_ok ? cfg->ports[c->core].mtu : 0;
	yaml_node_t *v[N];
	uint32_t u;
	size_t old;
	int rc;

	/* RFC 2473 section 7: the tunnel mtu is the link mtu less the outer header. */
	cfg->tunnel_hop_limit = 64;
	cfg->tunnel_mtu = core_ok ? (uint16_t)(core_mtu - OUTER_HDR) : 0;
	if (!present(n))
		return;
	old = push_key(c, "tunnel");
	if (get_fields(c, n, keys, N, v)) {
		if (get_uint(c, v[HOP_LIMIT], "hop_limit", 1, 255, &u) > 0)
			cfg->tunnel_hop_limit = (uint8_t)u;
		rc = get_uint(c, v[MTU], "mtu", MIN_MTU, 65535, &u);
		if (rc > 0 && core_ok && u > core_mtu - OUTER_HDR)
			error_at(c, v[MTU], "mtu",
				 "must be <= %u: core port mtu %u less the %u-byte outer header "
				 "(RFC 2473, section 7)",
				 core_mtu - OUTER_HDR, core_mtu, OUTER_HDR);
		else if (rc > 0)
			cfg->tunnel_mtu = (uint16_t)u;
	}
	pop(c, old);
}

static void parse_limits(struct ctx *c, const yaml_node_t *n)
{
	enum { BINDINGS, TUNNELS, ROUTES, NEIGHBOURS, N };
	static const char *const keys[N] = {"bindings", "tunnels", "routes", "neighbours"};
	struct dmm_cfg_limits *l = &c->cfg->limits;
	unsigned err0 = c->y.n_err;
	yaml_node_t *v[N];
	size_t old;

	*l = (struct dmm_cfg_limits){
	    .bindings = 65536, .tunnels = 1024, .routes = 1024, .neighbours = 256};
	if (!present(n))
		return;
	old = push_key(c, "limits");
	if (get_fields(c, n, keys, N, v)) {
		get_uint(c, v[BINDINGS], "bindings", 1, 16777216, &l->bindings);
		get_uint(c, v[TUNNELS], "tunnels", 1, 65536, &l->tunnels);
		get_uint(c, v[ROUTES], "routes", 1, 1048576, &l->routes);
		get_uint(c, v[NEIGHBOURS], "neighbours", 1, 65536, &l->neighbours);
	}
	pop(c, old);
	c->limits_bad = c->y.n_err != err0;
}

static void parse_pools(struct ctx *c, const yaml_node_t *n)
{
	struct dmm_config *cfg = c->cfg;
	unsigned err0 = c->y.n_err;
	yaml_node_item_t *items;
	char buf[DMM_PFX_STRLEN];
	size_t count, old;

	c->pools_bad = true;
	if (!get_list(c, n, "pool", &items, &count))
		return;
	if (count > DMM_CFG_MAX_POOLS) {
		error_at(c, n, "pool", "at most %d pools, got %zu", DMM_CFG_MAX_POOLS, count);
		return;
	}
	/* A bad entry keeps length 0, which no valid pool has. */
	cfg->n_pools = (unsigned)count;
	old = push_key(c, "pool");
	for (unsigned i = 0; i < count; i++) {
		const yaml_node_t *p = node_at(c, items[i]);
		size_t o = push_index(c, i);

		if (get_prefix(c, p, NULL, 1, 64, &cfg->pools[i]) > 0) {
			for (unsigned j = 0; j < i; j++) {
				if (cfg->pools[j].len == 0 ||
				    !dmm_prefix_overlap(&cfg->pools[j], &cfg->pools[i]))
					continue;
				error_at(c, p, NULL, "overlaps pool[%u] (%s)", j,
					 dmm_prefix_fmt(&cfg->pools[j], buf));
				break;
			}
		}
		pop(c, o);
	}
	pop(c, old);
	c->pools_bad = c->y.n_err != err0;
}

static void parse_icmp(struct ctx *c, const yaml_node_t *n)
{
	enum { RATE, BURST, N };
	static const char *const keys[N] = {"rate", "burst"};
	struct dmm_cfg_icmp *icmp = &c->cfg->icmp;
	yaml_node_t *v[N];
	size_t old;

	icmp->rate = 100;
	icmp->burst = 10;
	if (!present(n))
		return;
	old = push_key(c, "icmp");
	if (get_fields(c, n, keys, N, v)) {
		get_uint(c, v[RATE], "rate", 0, 1000000, &icmp->rate);
		get_uint(c, v[BURST], "burst", 1, 1000000, &icmp->burst);
	}
	pop(c, old);
}

/* --- static: tunnels, bindings, routes, neighbours --- */

static bool is_own_address(const struct dmm_config *cfg, const struct dmm_ip6 *a)
{
	if (dmm_ip6_eq(&cfg->address, a))
		return true;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		for (unsigned j = 0; j < cfg->ports[i].n_addrs; j++)
			if (dmm_ip6_eq(&cfg->ports[i].addrs[j], a))
				return true;
	return false;
}

static void parse_static_tunnel(struct ctx *c, const yaml_node_t *n, void *elem, uint32_t i,
				struct keyset *ks)
{
	enum { REMOTE, MTU, N };
	static const char *const keys[N] = {"remote", "mtu"};
	struct dmm_cfg_tunnel *t = elem;
	uint32_t max = c->cfg->tunnel_mtu != 0 ? c->cfg->tunnel_mtu : 65535;
	yaml_node_t *v[N];
	uint32_t u;

	/* Without every remote known, a binding naming a remote cannot be checked. */
	if (!get_fields(c, n, keys, N, v)) {
		c->remotes_bad = true;
		return;
	}
	if (!require(c, n, "remote", v[REMOTE]) ||
	    get_addr(c, v[REMOTE], "remote", GLOBAL, &t->remote) < 0) {
		c->remotes_bad = true;
	} else if (is_own_address(c->cfg, &t->remote)) {
		error_at(c, v[REMOTE], "remote", "must not be an address of this MAAR");
		c->remotes_bad = true;
	} else {
		keyset_add(ks, i, v[REMOTE], &t->remote, 128);
	}
	if (get_uint(c, v[MTU], "mtu", MIN_MTU, max, &u) > 0)
		t->mtu = (uint16_t)u;
}

/* Remote-anchored entries must name a static tunnel. "local" is DMM_CFG_LOCAL_PEER. */
static int get_peer(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t *out)
{
	struct dmm_ip6 a;
	const char *s = scalar(c, n, key);
	uint32_t idx;

	if (s == NULL)
		return -1;
	if (strcmp(s, "local") == 0) {
		*out = DMM_CFG_LOCAL_PEER;
		return 1;
	}
	if (dmm_ip6_parse(s, &a) < 0) {
		error_at(c, n, key, "must be \"local\" or the remote address of a static tunnel");
		return -1;
	}
	idx = keyset_find(&c->remotes, &a, 128);
	if (idx == NONE) {
		if (!c->remotes_bad)
			error_at(c, n, key, "no static tunnel with remote %s", s);
		return -1;
	}
	*out = idx;
	return 1;
}

/* Pools are what this MAAR delegates: a prefix anchored here must come from one, and a prefix
 * anchored at another MAAR must not (this MAAR could delegate it again). */
static void check_binding_pool(struct ctx *c, const yaml_node_t *n, const struct dmm_cfg_binding *b)
{
	const struct dmm_config *cfg = c->cfg;
	char buf[DMM_PFX_STRLEN];
	unsigned i;

	if (c->pools_bad || cfg->n_pools == 0)
		return;
	for (i = 0; i < cfg->n_pools; i++)
		if (dmm_prefix_contains(&cfg->pools[i], &b->prefix.addr))
			break;
	if (b->anchor == DMM_CFG_LOCAL_PEER && i == cfg->n_pools)
		error_at(c, n, "prefix", "anchored locally but not inside any pool");
	else if (b->anchor != DMM_CFG_LOCAL_PEER && i < cfg->n_pools)
		error_at(c, n, "prefix", "inside pool[%u] (%s) but anchored at a remote MAAR", i,
			 dmm_prefix_fmt(&cfg->pools[i], buf));
}

/* Default: the only access port. Skipped when the ports had errors: they are unknown. */
static void parse_binding_port(struct ctx *c, const yaml_node_t *map, const yaml_node_t *n,
			       struct dmm_cfg_binding *b)
{
	const struct dmm_config *cfg = c->cfg;
	const char *s;
	uint32_t i;

	if (c->ports_bad)
		return;
	if (n == NULL) {
		if (c->n_access == 1)
			b->port = c->access_port;
		else
			error_at(c, map, "port", "required when there are several access ports");
		return;
	}
	if ((s = scalar(c, n, "port")) == NULL)
		return;
	for (i = 0; i < cfg->n_ports && strcmp(cfg->ports[i].device, s) != 0; i++)
		;
	if (i == cfg->n_ports)
		error_at(c, n, "port", "no port with device \"%s\"", s);
	else if (cfg->ports[i].role != DMM_ROLE_ACCESS)
		error_at(c, n, "port", "ports[%u] is not an access port", i);
	else
		b->port = i;
}

/* The MN's link: a binding served here needs the MN's MAC and access port, one served by
 * another MAAR has neither. */
static void parse_binding_link(struct ctx *c, const yaml_node_t *map, const yaml_node_t *mac,
			       const yaml_node_t *port, const yaml_node_t *dlif,
			       struct dmm_cfg_binding *b)
{
	if (b->serving != DMM_CFG_LOCAL_PEER) {
		if (dlif != NULL)
			error_at(c, dlif, "dlif_mac", "only allowed when serving is local");
		if (mac != NULL)
			error_at(c, mac, "mac", "only allowed when serving is local");
		if (port != NULL)
			error_at(c, port, "port", "only allowed when serving is local");
		return;
	}
	if (mac == NULL)
		error_at(c, map, "mac", "required when serving is local");
	else
		get_mac(c, mac, "mac", &b->mac);
	if (dlif != NULL)
		get_mac(c, dlif, "dlif_mac", &b->dlif_mac);
	parse_binding_port(c, map, port, b);
}

static void parse_binding(struct ctx *c, const yaml_node_t *n, void *elem, uint32_t i,
			  struct keyset *ks)
{
	enum { PREFIX, ANCHOR, SERVING, MAC, PORT, DLIF, N };
	static const char *const keys[N] = {"prefix", "anchor", "serving",
					    "mac",    "port",	"dlif_mac"};
	struct dmm_cfg_binding *b = elem;
	yaml_node_t *v[N];
	int prefix = -1, anchor = -1, serving = -1;

	b->anchor = DMM_CFG_LOCAL_PEER;
	b->serving = DMM_CFG_LOCAL_PEER;
	b->port = NONE;
	if (!get_fields(c, n, keys, N, v))
		return;
	if (require(c, n, "prefix", v[PREFIX]))
		prefix = get_prefix(c, v[PREFIX], "prefix", 64, 64, &b->prefix);
	if (prefix > 0)
		keyset_add(ks, i, v[PREFIX], &b->prefix.addr, b->prefix.len);
	if (require(c, n, "anchor", v[ANCHOR]))
		anchor = get_peer(c, v[ANCHOR], "anchor", &b->anchor);
	if (require(c, n, "serving", v[SERVING]))
		serving = get_peer(c, v[SERVING], "serving", &b->serving);
	/* Neither end here: the binding is none of this MAAR's business. */
	if (anchor > 0 && serving > 0 && b->anchor != DMM_CFG_LOCAL_PEER &&
	    b->serving != DMM_CFG_LOCAL_PEER)
		error_at(c, v[SERVING], "serving", "anchor and serving cannot both be remote");
	if (prefix > 0 && anchor > 0)
		check_binding_pool(c, v[PREFIX], b);
	if (serving > 0)
		parse_binding_link(c, n, v[MAC], v[PORT], v[DLIF], b);
}

static void parse_route(struct ctx *c, const yaml_node_t *n, void *elem, uint32_t i,
			struct keyset *ks)
{
	enum { PREFIX, VIA, N };
	static const char *const keys[N] = {"prefix", "via"};
	const struct dmm_config *cfg = c->cfg;
	struct dmm_cfg_route *r = elem;
	yaml_node_t *v[N];

	if (!get_fields(c, n, keys, N, v))
		return;
	if (require(c, n, "prefix", v[PREFIX]) &&
	    get_prefix(c, v[PREFIX], "prefix", 0, 128, &r->prefix) > 0) {
		if (r->prefix.len == 0 && c->core != NONE && cfg->ports[c->core].has_gateway)
			error_at(c, v[PREFIX], "prefix",
				 "default route already set by ports[%u].gateway", c->core);
		else
			keyset_add(ks, i, v[PREFIX], &r->prefix.addr, r->prefix.len);
	}
	if (require(c, n, "via", v[VIA]))
		get_addr(c, v[VIA], "via", UNICAST, &r->via);
}

static void parse_neighbour(struct ctx *c, const yaml_node_t *n, void *elem, uint32_t i,
			    struct keyset *ks)
{
	enum { ADDRESS, MAC, N };
	static const char *const keys[N] = {"address", "mac"};
	struct dmm_cfg_neighbour *nb = elem;
	yaml_node_t *v[N];

	if (!get_fields(c, n, keys, N, v))
		return;
	if (require(c, n, "address", v[ADDRESS]) &&
	    get_addr(c, v[ADDRESS], "address", UNICAST, &nb->addr) > 0)
		keyset_add(ks, i, v[ADDRESS], &nb->addr, 128);
	if (require(c, n, "mac", v[MAC]))
		get_mac(c, v[MAC], "mac", &nb->mac);
}

struct static_list {
	const char *key; /* under static:, and in limits: */
	uint32_t limit;
	unsigned reserved; /* entries of the limit already taken (the gateway's default route) */
	size_t elem_size;
	void (*parse)(struct ctx *c, const yaml_node_t *n, void *elem, uint32_t i,
		      struct keyset *ks);
	const char *dup_key; /* the field that must be unique, and the message if it is not */
	const char *dup_msg;
};

/* Parse one static list into a new array; returns NULL if there are no entries. The limit
 * check is skipped when limits had errors: the limit is then unknown. */
static void *parse_static_list(struct ctx *c, const yaml_node_t *n, const struct static_list *l,
			       struct keyset *ks, unsigned *count)
{
	yaml_node_item_t *items;
	size_t cnt, old;
	char *arr;

	if (!get_list(c, n, l->key, &items, &cnt) || cnt == 0)
		return NULL;
	if (!c->limits_bad && cnt + l->reserved > l->limit)
		error_at(c, n, l->key, "more entries than limits.%s (%zu%s > %u)", l->key, cnt,
			 l->reserved ? " + the gateway's default route" : "", l->limit);
	arr = calloc(cnt, l->elem_size);
	if (arr == NULL || keyset_init(ks, cnt) < 0) {
		error_at(c, n, l->key, "out of memory");
		free(arr);
		return NULL;
	}
	old = push_key(c, l->key);
	for (uint32_t i = 0; i < cnt; i++) {
		size_t o = push_index(c, i);

		l->parse(c, node_at(c, items[i]), arr + i * l->elem_size, i, ks);
		pop(c, o);
	}
	keyset_report_dups(c, ks, cnt, l->dup_key, l->dup_msg);
	pop(c, old);
	*count = (unsigned)cnt;
	return arr;
}

static void parse_static(struct ctx *c, const yaml_node_t *n)
{
	enum { TUNNELS, BINDINGS, ROUTES, NEIGHBOURS, N };
	static const char *const keys[N] = {"tunnels", "bindings", "routes", "neighbours"};
	struct dmm_config *cfg = c->cfg;
	const struct dmm_cfg_limits *lim = &cfg->limits;
	bool gw = c->core != NONE && cfg->ports[c->core].has_gateway;
	const struct static_list tunnels = {
	    "tunnels", lim->tunnels,	0, sizeof(*cfg->tunnels), parse_static_tunnel,
	    "remote",  "same remote as"};
	const struct static_list bindings = {
	    "bindings",	   lim->bindings, 0,	     sizeof(*cfg->bindings),
	    parse_binding, "prefix",	  "overlaps"};
	const struct static_list routes = {
	    "routes", lim->routes,     gw, sizeof(*cfg->routes), parse_route,
	    "prefix", "same prefix as"};
	const struct static_list neighbours = {
	    "neighbours", lim->neighbours,  0, sizeof(*cfg->neighbours), parse_neighbour,
	    "address",	  "same address as"};
	struct keyset ks = {0};
	yaml_node_t *v[N];
	size_t old;

	if (!present(n))
		return;
	old = push_key(c, "static");
	if (get_fields(c, n, keys, N, v)) {
		if (present(v[TUNNELS]) && v[TUNNELS]->type != YAML_SEQUENCE_NODE)
			c->remotes_bad = true;
		cfg->tunnels =
		    parse_static_list(c, v[TUNNELS], &tunnels, &c->remotes, &cfg->n_tunnels);
		cfg->bindings = parse_static_list(c, v[BINDINGS], &bindings, &ks, &cfg->n_bindings);
		keyset_free(&ks);
		cfg->routes = parse_static_list(c, v[ROUTES], &routes, &ks, &cfg->n_routes);
		keyset_free(&ks);
		cfg->neighbours =
		    parse_static_list(c, v[NEIGHBOURS], &neighbours, &ks, &cfg->n_neighbours);
		keyset_free(&ks);
	}
	pop(c, old);
}

/* --- signalling: PBU/PBA with the CMD (RFC 8885 §3), heartbeat (RFC 5847) --- */

static void parse_heartbeat(struct ctx *c, const yaml_node_t *n)
{
	enum { ENABLED, INTERVAL, MISSING, ALLOW_SHORT, RESTART_FILE, N };
	static const char *const keys[N] = {"enabled", "interval_s", "missing_allowed",
					    "allow_short", "restart_counter_file"};
	struct dmm_cfg_heartbeat *hb = &c->cfg->sig.heartbeat;
	yaml_node_t *v[N];
	uint32_t iv = 60;
	size_t old;
	int rc;

	hb->enabled = true;
	hb->interval_s = 60;
	hb->missing_allowed = 3;
	if (!present(n))
		return;
	old = push_key(c, "heartbeat");
	if (get_fields(c, n, keys, N, v)) {
		get_bool(c, v[ENABLED], "enabled", &hb->enabled);
		get_bool(c, v[ALLOW_SHORT], "allow_short", &hb->allow_short);
		get_uint(c, v[MISSING], "missing_allowed", 1, 255, &hb->missing_allowed);
		rc = get_uint(c, v[INTERVAL], "interval_s", 1, 3600, &iv);
		/* RFC 5847 §5: HEARTBEAT_INTERVAL SHOULD NOT be below 30 s (H8); the lab may ask
		 * for less with allow_short so that a restart is seen within seconds. */
		if (rc > 0 && iv < 30 && !hb->allow_short)
			error_at(c, v[INTERVAL], "interval_s",
				 "must be 30..3600 (RFC 5847 section 5); below 30 only with "
				 "allow_short: true (lab use)");
		else if (rc > 0)
			hb->interval_s = iv;
		if (present(v[RESTART_FILE])) {
			const char *f = scalar(c, v[RESTART_FILE], "restart_counter_file");
			if (f != NULL &&
			    (strlen(f) == 0 || strlen(f) >= sizeof(hb->restart_counter_file)))
				error_at(c, v[RESTART_FILE], "restart_counter_file",
					 "must be a path of 1..%zu characters",
					 sizeof(hb->restart_counter_file) - 1);
			else if (f != NULL)
				snprintf(hb->restart_counter_file, sizeof(hb->restart_counter_file),
					 "%s", f);
		}
	}
	pop(c, old);
}

static void parse_sig_mode(struct ctx *c, const yaml_node_t *n)
{
	static const char *const names[] = {"relay", "locator", "proxy"};
	const char *s;

	c->cfg->sig.mode = DMM_CFG_CMD_RELAY;
	if (n == NULL)
		return;
	s = scalar(c, n, "mode");
	if (s == NULL)
		return;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			c->cfg->sig.mode = (enum dmm_cfg_cmd_mode)i;
			return;
		}
	error_at(c, n, "mode", "expected relay, locator or proxy, got \"%s\"", s);
}

static void parse_sig_peers(struct ctx *c, const yaml_node_t *n)
{
	struct dmm_cfg_signalling *sig = &c->cfg->sig;
	yaml_node_item_t *items;
	size_t count, old;
	char buf[DMM_IP6_STRLEN];

	if (!get_list(c, n, "peers", &items, &count))
		return;
	if (count > DMM_CFG_MAX_SIG_PEERS) {
		error_at(c, n, "peers", "at most %d peers, got %zu", DMM_CFG_MAX_SIG_PEERS, count);
		return;
	}
	old = push_key(c, "peers");
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *p = node_at(c, items[i]);
		size_t o = push_index(c, i);
		struct dmm_ip6 a;

		if (get_addr(c, p, NULL, GLOBAL, &a) > 0) {
			bool dup = false;
			for (unsigned j = 0; j < sig->n_peers; j++)
				dup |= dmm_ip6_eq(&sig->peers[j], &a);
			if (dup)
				error_at(c, p, NULL, "duplicate peer %s", dmm_ip6_fmt(&a, buf));
			else if (is_own_address(c->cfg, &a))
				error_at(c, p, NULL, "is this MAAR's own address");
			else
				sig->peers[sig->n_peers++] = a;
		}
		pop(c, o);
	}
	pop(c, old);
}

/* signalling.local_prefixes: RFC 8885 §4.4 Local Prefix options. Each 1..128 bits without host
 * bits (RFC 4191 §2.3 routes), no duplicates, and none overlapping the pool: a delegated MN
 * prefix is not a local network. The pool is parsed before signalling (parse_root). */
static void parse_sig_local(struct ctx *c, const yaml_node_t *n)
{
	struct dmm_cfg_signalling *sig = &c->cfg->sig;
	yaml_node_item_t *items;
	size_t count, old;
	char buf[DMM_PFX_STRLEN];

	if (!get_list(c, n, "local_prefixes", &items, &count))
		return;
	if (count > DMM_CFG_MAX_LOCAL_PFX) {
		error_at(c, n, "local_prefixes", "at most %d prefixes, got %zu",
			 DMM_CFG_MAX_LOCAL_PFX, count);
		return;
	}
	old = push_key(c, "local_prefixes");
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *p = node_at(c, items[i]);
		size_t o = push_index(c, i);
		struct dmm_prefix q;
		bool bad = false;

		if (get_prefix(c, p, NULL, 1, 128, &q) > 0) {
			for (unsigned j = 0; j < sig->n_local_prefixes && !bad; j++)
				if (sig->local_prefixes[j].len == q.len &&
				    dmm_ip6_eq(&sig->local_prefixes[j].addr, &q.addr)) {
					error_at(c, p, NULL, "duplicate local prefix %s",
						 dmm_prefix_fmt(&q, buf));
					bad = true;
				}
			for (unsigned j = 0; j < c->cfg->n_pools && !bad; j++)
				if (c->cfg->pools[j].len != 0 &&
				    dmm_prefix_overlap(&c->cfg->pools[j], &q)) {
					error_at(c, p, NULL, "overlaps pool[%u] (%s)", j,
						 dmm_prefix_fmt(&c->cfg->pools[j], buf));
					bad = true;
				}
			if (!bad)
				sig->local_prefixes[sig->n_local_prefixes++] = q;
		}
		pop(c, o);
	}
	pop(c, old);
}

static void parse_access_list(struct ctx *c, const yaml_node_t *n, bool table)
{
	struct dmm_cfg_access *ac = &c->cfg->sig.access;
	const char *key = table ? "mns" : "allow";
	yaml_node_item_t *items;
	size_t count, old;
	char buf[DMM_MAC_STRLEN];

	if (!get_list(c, n, key, &items, &count) || count == 0)
		return;
	if (count > DMM_CFG_MAX_ACCESS_MNS) {
		error_at(c, n, key, "at most %d entries, got %zu", DMM_CFG_MAX_ACCESS_MNS, count);
		return;
	}
	if (table)
		ac->mns = calloc(count, sizeof(*ac->mns));
	else
		ac->allow = calloc(count, sizeof(*ac->allow));
	if ((table && ac->mns == NULL) || (!table && ac->allow == NULL)) {
		error_at(c, n, key, "out of memory");
		return;
	}
	old = push_key(c, key);
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *e = node_at(c, items[i]);
		size_t o = push_index(c, i);
		const yaml_node_t *macn = e, *nain = NULL;
		struct dmm_mac mac;

		if (table) {
			enum { MAC, NAI, N };
			static const char *const keys[N] = {"mac", "nai"};
			yaml_node_t *v[N];
			bool ok;

			if (!get_fields(c, e, keys, N, v)) {
				pop(c, o);
				continue;
			}
			ok = require(c, e, "mac", v[MAC]);
			ok = require(c, e, "nai", v[NAI]) && ok;
			if (!ok) {
				pop(c, o);
				continue;
			}
			macn = v[MAC];
			nain = v[NAI];
		}
		if (get_mac(c, macn, table ? "mac" : NULL, &mac) > 0) {
			unsigned n_have = table ? ac->n_mns : ac->n_allow, k;
			int dup = -1;

			for (k = 0; k < n_have && dup < 0; k++)
				if (memcmp(table ? ac->mns[k].mac.a : ac->allow[k].a, mac.a, 6) ==
				    0)
					dup = (int)k;
			if (dup >= 0) {
				error_at(c, macn, table ? "mac" : NULL,
					 "duplicate MAC %s (also entry %d)", dmm_mac_fmt(&mac, buf),
					 dup);
			} else if (!table) {
				ac->allow[ac->n_allow++] = mac;
			} else {
				const char *nai = scalar(c, nain, "nai");

				if (nai != NULL && (strlen(nai) == 0 || strlen(nai) > 254 ||
						    strpbrk(nai, " \t\r\n") != NULL)) {
					error_at(c, nain, "nai",
						 "must be 1..254 octets without blanks (RFC 4283)");
				} else if (nai != NULL) {
					for (k = 0; k < ac->n_mns && dup < 0; k++)
						if (strcmp(ac->mns[k].nai, nai) == 0)
							dup = (int)k;
					if (dup >= 0) {
						error_at(c, nain, "nai",
							 "duplicate MN-ID (also entry %d)", dup);
					} else {
						ac->mns[ac->n_mns].mac = mac;
						snprintf(ac->mns[ac->n_mns].nai,
							 sizeof(ac->mns[ac->n_mns].nai), "%s", nai);
						ac->n_mns++;
					}
				}
			}
		}
		pop(c, o);
	}
	pop(c, old);
}

static void parse_access(struct ctx *c, const yaml_node_t *n)
{
	enum { POLICY, ALLOW, MNS, REALM, RTR_LT, RA_INT, RA_MIN, NUD, N };
	static const char *const keys[N] = {
	    "policy",	      "allow",		 "mns", "nai_realm", "router_lifetime_s",
	    "ra_interval_ms", "ra_min_delay_ms", "nud"};
	struct dmm_cfg_access *ac = &c->cfg->sig.access;
	yaml_node_t *v[N];
	size_t old;

	ac->policy = DMM_CFG_ACCESS_ANY;
	snprintf(ac->nai_realm, sizeof(ac->nai_realm), "mn.invalid");
	ac->router_lifetime_s = 1800;
	ac->ra_interval_ms = 60000;
	ac->ra_min_delay_ms = 3000;
	ac->nud_reachable_ms = 30000;
	ac->nud_retrans_ms = 1000;
	ac->nud_max_probes = 3;
	if (!present(n))
		return;
	old = push_key(c, "access");
	if (!get_fields(c, n, keys, N, v)) {
		pop(c, old);
		return;
	}
	if (v[POLICY] != NULL) {
		const char *p = scalar(c, v[POLICY], "policy");

		if (p != NULL && strcmp(p, "any") == 0)
			ac->policy = DMM_CFG_ACCESS_ANY;
		else if (p != NULL && strcmp(p, "allowlist") == 0)
			ac->policy = DMM_CFG_ACCESS_ALLOWLIST;
		else if (p != NULL && strcmp(p, "table") == 0)
			ac->policy = DMM_CFG_ACCESS_TABLE;
		else if (p != NULL)
			error_at(c, v[POLICY], "policy",
				 "expected any, allowlist or table, got \"%s\"", p);
	}
	parse_access_list(c, v[ALLOW], false);
	parse_access_list(c, v[MNS], true);
	if (ac->policy == DMM_CFG_ACCESS_ALLOWLIST && !present(v[ALLOW]))
		error_at(c, v[POLICY], "policy", "allowlist needs access.allow (a list of MACs)");
	if (ac->policy == DMM_CFG_ACCESS_TABLE && !present(v[MNS]))
		error_at(c, v[POLICY], "policy", "table needs access.mns ({mac, nai} entries)");
	if (present(v[ALLOW]) && ac->policy != DMM_CFG_ACCESS_ALLOWLIST)
		error_at(c, v[ALLOW], "allow", "only used with policy: allowlist");
	if (present(v[MNS]) && ac->policy != DMM_CFG_ACCESS_TABLE)
		error_at(c, v[MNS], "mns", "only used with policy: table");
	if (present(v[REALM])) {
		const char *r = scalar(c, v[REALM], "nai_realm");

		/* <12 hex digits>@realm must fit an MN-ID. */
		if (r != NULL && (strlen(r) == 0 || strlen(r) >= sizeof(ac->nai_realm) ||
				  strpbrk(r, " \t\r\n@") != NULL))
			error_at(c, v[REALM], "nai_realm",
				 "must be 1..%zu octets without blanks or '@'",
				 sizeof(ac->nai_realm) - 1);
		else if (r != NULL)
			snprintf(ac->nai_realm, sizeof(ac->nai_realm), "%s", r);
	}
	get_uint(c, v[RA_INT], "ra_interval_ms", 1000, 1800000, &ac->ra_interval_ms);
	get_uint(c, v[RA_MIN], "ra_min_delay_ms", 0, 60000, &ac->ra_min_delay_ms);
	/* RFC 4861 §6.2.1: AdvDefaultLifetime is 0 or MaxRtrAdvInterval..9000 s. */
	if (get_uint(c, v[RTR_LT], "router_lifetime_s", 0, 9000, &ac->router_lifetime_s) > 0 &&
	    ac->router_lifetime_s != 0 &&
	    (uint64_t)ac->router_lifetime_s * 1000 < ac->ra_interval_ms)
		error_at(c, v[RTR_LT], "router_lifetime_s",
			 "must be 0 or at least ra_interval_ms (RFC 4861 section 6.2.1)");
	if (present(v[NUD])) {
		enum { REACH, RETRANS, PROBES, NN };
		static const char *const nk[NN] = {"reachable_ms", "retrans_ms", "max_probes"};
		yaml_node_t *w[NN];
		size_t o = push_key(c, "nud");

		if (get_fields(c, v[NUD], nk, NN, w)) {
			get_uint(c, w[REACH], "reachable_ms", 1000, 3600000, &ac->nud_reachable_ms);
			get_uint(c, w[RETRANS], "retrans_ms", 100, 60000, &ac->nud_retrans_ms);
			get_uint(c, w[PROBES], "max_probes", 1, 255, &ac->nud_max_probes);
		}
		pop(c, o);
	}
	pop(c, old);
}

static void parse_signalling(struct ctx *c, const yaml_node_t *n)
{
	enum {
		CMD,
		MODE,
		PEERS,
		LIFETIME,
		VARIANT,
		GRACE,
		INIT_ACK,
		MAX_ACK,
		RATE,
		MIN_DELAY,
		MAX_MNS,
		ATT,
		HEARTBEAT,
		ACCESS,
		LOCAL,
		N
	};
	static const char *const keys[N] = {"cmd",
					    "mode",
					    "peers",
					    "lifetime_s",
					    "dereg_variant",
					    "detach_grace_ms",
					    "initial_bindack_ms",
					    "max_bindack_ms",
					    "max_update_rate",
					    "min_delay_bce_delete_ms",
					    "max_mns",
					    "access_technology",
					    "heartbeat",
					    "access",
					    "local_prefixes"};
	struct dmm_cfg_signalling *sig = &c->cfg->sig;
	yaml_node_t *v[N];
	size_t old;

	*sig = (struct dmm_cfg_signalling){.lifetime_s = 3600,
					   .dereg_variant = 1,
					   .detach_grace_ms = 5000,
					   .initial_bindack_ms = 1000,
					   .max_bindack_ms = 32000,
					   .max_update_rate = 3,
					   .min_delay_bce_delete_ms = 10000,
					   .max_mns = 65536,
					   .att = 3};
	if (!present(n))
		return;
	sig->enabled = true;
	old = push_key(c, "signalling");
	if (!get_fields(c, n, keys, N, v)) {
		pop(c, old);
		return;
	}
	if (require(c, n, "cmd", v[CMD]) && get_addr(c, v[CMD], "cmd", GLOBAL, &sig->cmd) > 0 &&
	    is_own_address(c->cfg, &sig->cmd))
		error_at(c, v[CMD], "cmd", "is this MAAR's own address");
	parse_sig_mode(c, v[MODE]);
	parse_sig_peers(c, v[PEERS]);
	/* RFC 8885 §6: locator mode makes MAARs exchange PBAs directly, which needs security
	 * associations between them (X2): only listed peers are believed, so none is an error. */
	if (sig->mode == DMM_CFG_CMD_LOCATOR && sig->n_peers == 0)
		error_at(c, v[MODE] ? v[MODE] : n, "mode",
			 "locator mode needs signalling.peers: the MAARs this one accepts direct "
			 "PBAs from (RFC 8885 section 6)");
	/* The PBU lifetime field counts 4-second units up to 0xffff (RFC 6275 §6.1.7). */
	get_uint(c, v[LIFETIME], "lifetime_s", 4, 262140, &sig->lifetime_s);
	get_uint(c, v[VARIANT], "dereg_variant", 1, 2, &sig->dereg_variant);
	get_uint(c, v[GRACE], "detach_grace_ms", 0, 3600000, &sig->detach_grace_ms);
	get_uint(c, v[INIT_ACK], "initial_bindack_ms", 10, 60000, &sig->initial_bindack_ms);
	if (get_uint(c, v[MAX_ACK], "max_bindack_ms", 10, 3600000, &sig->max_bindack_ms) > 0 &&
	    sig->max_bindack_ms < sig->initial_bindack_ms)
		error_at(c, v[MAX_ACK], "max_bindack_ms", "must be >= initial_bindack_ms (%u)",
			 sig->initial_bindack_ms);
	get_uint(c, v[RATE], "max_update_rate", 0, 1000000, &sig->max_update_rate);
	get_uint(c, v[MIN_DELAY], "min_delay_bce_delete_ms", 0, 3600000,
		 &sig->min_delay_bce_delete_ms);
	if (get_uint(c, v[MAX_MNS], "max_mns", 1, 16777216, &sig->max_mns) > 0 && !c->limits_bad &&
	    sig->max_mns > c->cfg->limits.bindings)
		error_at(c, v[MAX_MNS], "max_mns",
			 "must be <= limits.bindings (%u): every MN needs at least one binding",
			 c->cfg->limits.bindings);
	get_uint(c, v[ATT], "access_technology", 1, 255, &sig->att);
	parse_heartbeat(c, v[HEARTBEAT]);
	parse_access(c, v[ACCESS]);
	parse_sig_local(c, v[LOCAL]);
	/* RFC 8885 §3.1: the MAAR delegates prefixes from its own pool. */
	if (!c->pools_bad && c->cfg->n_pools == 0)
		error_at(c, n, NULL, "signalling needs a prefix pool (key \"pool\")");
	pop(c, old);
}

/* --- loading --- */

/* Sections are parsed in dependency order, whatever their order in the file. */
static void parse_root(struct ctx *c, const yaml_node_t *root)
{
	enum { NAME, ADDRESS, PORTS, TUNNEL, LIMITS, POOL, ICMP, STATIC, SIGNALLING, CTL_SOCK, N };
	static const char *const keys[N] = {"name",	  "address",	   "ports", "tunnel",
					    "limits",	  "pool",	   "icmp",  "static",
					    "signalling", "control_socket"};
	yaml_node_t *v[N];

	if (!get_fields(c, root, keys, N, v))
		return;
	parse_name(c, root, v[NAME]);
	parse_address(c, root, v[ADDRESS]);
	parse_ports(c, root, v[PORTS]);
	parse_tunnel(c, v[TUNNEL]);
	parse_limits(c, v[LIMITS]);
	parse_pools(c, v[POOL]);
	parse_icmp(c, v[ICMP]);
	parse_static(c, v[STATIC]);
	parse_signalling(c, v[SIGNALLING]);
	if (present(v[CTL_SOCK])) {
		const char *p = scalar(c, v[CTL_SOCK], "control_socket");
		/* sockaddr_un.sun_path holds 108 octets with the terminating NUL. */
		if (p != NULL && (p[0] != '/' || strlen(p) >= sizeof(c->cfg->control_socket)))
			error_at(c, v[CTL_SOCK], "control_socket",
				 "must be an absolute path of at most %zu characters",
				 sizeof(c->cfg->control_socket) - 1);
		else if (p != NULL)
			snprintf(c->cfg->control_socket, sizeof(c->cfg->control_socket), "%s", p);
	}
}

static void parse_cb(struct dmm_yaml *y, const yaml_node_t *root)
{
	parse_root((struct ctx *)y, root); /* y is the first member of struct ctx */
}

static int load(const char *name, const char *buf, size_t len, struct dmm_config *cfg, FILE *err)
{
	struct ctx c = {
	    .y = {.file = name, .err = err != NULL ? err : stderr}, .cfg = cfg, .core = NONE};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	rc = dmm_yaml_load(&c.y, buf, len, parse_cb);
	keyset_free(&c.remotes);
	if (rc < 0)
		dmm_config_free(cfg);
	return rc;
}

int dmm_config_load(const char *path, struct dmm_config *cfg, FILE *err)
{
	return load(path, NULL, 0, cfg, err);
}

int dmm_config_load_buf(const char *name, const char *buf, size_t len, struct dmm_config *cfg,
			FILE *err)
{
	/* A NULL buf would mean "read the file": an empty buffer is an empty document. */
	return load(name, buf != NULL ? buf : "", buf != NULL ? len : 0, cfg, err);
}

void dmm_config_free(struct dmm_config *cfg)
{
	free(cfg->sig.access.allow);
	free(cfg->sig.access.mns);
	free(cfg->tunnels);
	free(cfg->bindings);
	free(cfg->routes);
	free(cfg->neighbours);
	memset(cfg, 0, sizeof(*cfg));
}

unsigned dmm_config_core_port(const struct dmm_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role == DMM_ROLE_CORE)
			return i;
	return 0;
}

const char *dmm_cfg_cmd_mode_name(enum dmm_cfg_cmd_mode m)
{
	switch (m) {
	case DMM_CFG_CMD_RELAY:
		return "relay";
	case DMM_CFG_CMD_LOCATOR:
		return "locator";
	case DMM_CFG_CMD_PROXY:
		return "proxy";
	}
	return "?";
}

const char *dmm_role_name(enum dmm_port_role r)
{
	switch (r) {
	case DMM_ROLE_ACCESS:
		return "access";
	case DMM_ROLE_CORE:
		return "core";
	}
	return "?";
}
