/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-cmd configuration loader. Same approach as common/dmm_config.c (whose helpers are
 * static and stay there, so its behaviour is untouched): libyaml's document API gives a node
 * tree with positions, walked with a fixed schema; errors are collected so one run shows every
 * problem as "file:line:col: key: problem". */
#include "cmd_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dmm_yaml.h"

#define MAX_FIELDS 16 /* keys of the largest mapping (the root: 9) */

struct ctx {
	struct dmm_yaml y; /* file, error stream, document, key path, error count */
	struct cmd_config *cfg;
};

/* The shared YAML helpers (common/dmm_yaml.c) on this loader's context. */
#define error_at(c, n, key, ...) dmm_yaml_error(&(c)->y, n, key, __VA_ARGS__)
#define is_null			 dmm_yaml_is_null
#define present			 dmm_yaml_present

static yaml_node_t *node_at(struct ctx *c, yaml_node_item_t i)
{
	return dmm_yaml_node(&c->y, i);
}

static bool expect(struct ctx *c, const yaml_node_t *n, const char *key, yaml_node_type_t t)
{
	return dmm_yaml_expect(&c->y, n, key, t);
}

static const char *scalar(struct ctx *c, const yaml_node_t *n, const char *key)
{
	return dmm_yaml_scalar(&c->y, n, key);
}

/* vals[i] = value of keys[i] or NULL; unknown and duplicate keys are reported. */
static bool get_fields(struct ctx *c, const yaml_node_t *n, const char *key,
		       const char *const keys[], size_t n_keys, yaml_node_t *vals[])
{
	yaml_node_t *key_node[MAX_FIELDS] = {0};

	memset(vals, 0, n_keys * sizeof(*vals));
	if (!expect(c, n, key, YAML_MAPPING_NODE))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_at(c, p->key);
		size_t i, len;

		if (k->type != YAML_SCALAR_NODE) {
			error_at(c, k, NULL, "expected a scalar key");
			continue;
		}
		len = k->data.scalar.length;
		for (i = 0; i < n_keys; i++)
			if (strlen(keys[i]) == len &&
			    memcmp(keys[i], k->data.scalar.value, len) == 0)
				break;
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

static bool require(struct ctx *c, const yaml_node_t *map, const char *key, const yaml_node_t *v)
{
	if (v == NULL)
		error_at(c, map, key, "required key is missing");
	return v != NULL;
}

static int get_uint(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t lo, uint32_t hi,
		    uint32_t *out)
{
	return dmm_yaml_uint(&c->y, n, key, lo, hi, out);
}

/* A unicast address the CMD can talk to without a scope: not multicast, unspecified or
 * link-local. Loopback is allowed (single-host labs and the smoke test). */
static int get_addr(struct ctx *c, const yaml_node_t *n, const char *key, struct dmm_ip6 *out)
{
	struct dmm_ip6 a;
	const char *s, *bad = NULL;

	if (n == NULL)
		return 0;
	s = scalar(c, n, key);
	if (s == NULL)
		return -1;
	if (dmm_ip6_parse(s, &a) < 0) {
		error_at(c, n, key, "not an IPv6 address: \"%s\"", s);
		return -1;
	}
	if (dmm_ip6_is_multicast(&a))
		bad = "multicast";
	else if (dmm_ip6_is_zero(&a))
		bad = "the unspecified address";
	else if (dmm_ip6_is_linklocal(&a))
		bad = "link-local";
	if (bad != NULL) {
		error_at(c, n, key, "must not be %s", bad);
		return -1;
	}
	*out = a;
	return 1;
}

static void parse_mode(struct ctx *c, const yaml_node_t *n)
{
	static const char *const names[] = {"relay", "locator", "proxy"};
	const char *s = scalar(c, n, "mode");

	if (s == NULL)
		return;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			c->cfg->mode = (enum cmd_mode)(i + 1);
			return;
		}
	error_at(c, n, "mode", "expected relay, locator or proxy, got \"%s\"", s);
}

/* A pool prefix: length CMD_CFG_POOL_LEN_MIN..MAX, no host bits (same messages as the MAAR
 * loader's prefixes: the length is checked first). */
static int get_pool_prefix(struct ctx *c, const yaml_node_t *n, struct dmm_prefix *out)
{
	char buf[DMM_PFX_STRLEN];
	struct dmm_prefix p;
	const char *s = scalar(c, n, NULL);
	int rc;

	if (s == NULL)
		return -1;
	rc = dmm_prefix_parse(s, &p);
	if (rc < 0 && rc != -EDOM) {
		error_at(c, n, NULL, "not an IPv6 prefix (address/length): \"%s\"", s);
		return -1;
	}
	if (p.len < CMD_CFG_POOL_LEN_MIN || p.len > CMD_CFG_POOL_LEN_MAX) {
		error_at(c, n, NULL, "prefix length must be %u..%u, got /%u", CMD_CFG_POOL_LEN_MIN,
			 CMD_CFG_POOL_LEN_MAX, p.len);
		return -1;
	}
	if (rc == -EDOM) {
		dmm_ip6_mask(&p.addr, p.len);
		error_at(c, n, NULL, "host bits set past /%u (did you mean %s?)", p.len,
			 dmm_prefix_fmt(&p, buf));
		return -1;
	}
	*out = p;
	return 0;
}

/* Where each accepted pool prefix came from, for overlap messages. */
struct pool_src {
	unsigned maar; /* index in the maars list of the file */
	unsigned k;    /* index in that MAAR's pool */
};

/* pool: a list of prefixes owned by one MAAR. [M28, RFC 8885 §3.1] each MAAR owns its pool
 * exclusively, so a prefix overlapping any earlier one (another MAAR's, or the same pool's) is
 * an error naming both entries. */
static void parse_pool(struct ctx *c, const yaml_node_t *n, unsigned maar, struct pool_src *src)
{
	struct cmd_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	char buf[DMM_PFX_STRLEN];

	if (!expect(c, n, NULL, YAML_SEQUENCE_NODE))
		return;
	items = n->data.sequence.items.start;
	count = (size_t)(n->data.sequence.items.top - items);
	if (count == 0) {
		error_at(c, n, NULL,
			 "an empty pool allows nothing: give prefixes, or drop the key "
			 "to allow any prefix");
		return;
	}
	if (count > CMD_CFG_MAX_POOL_PER_MAAR) {
		error_at(c, n, NULL, "%zu prefixes, at most %u", count, CMD_CFG_MAX_POOL_PER_MAAR);
		return;
	}
	for (size_t k = 0; k < count; k++) {
		const yaml_node_t *item = node_at(c, items[k]);
		struct dmm_prefix p;
		size_t old = dmm_yaml_push_index(&c->y, k);
		bool bad = get_pool_prefix(c, item, &p) < 0;

		for (unsigned j = 0; !bad && j < cfg->n_pool; j++) {
			if (!dmm_prefix_overlap(&cfg->pool[j], &p))
				continue;
			error_at(c, item, NULL, "%s overlaps maars[%u].pool[%u] (%s)",
				 dmm_prefix_fmt(&p, buf), src[j].maar, src[j].k,
				 dmm_prefix_fmt(&cfg->pool[j], (char[DMM_PFX_STRLEN]){0}));
			bad = true;
		}
		if (!bad && cfg->n_pool >= CMD_CFG_MAX_POOL_TOTAL) {
			error_at(c, item, NULL, "more than %u pool prefixes in all",
				 CMD_CFG_MAX_POOL_TOTAL);
			bad = true;
		}
		if (!bad) {
			src[cfg->n_pool] = (struct pool_src){.maar = maar, .k = (unsigned)k};
			cfg->pool[cfg->n_pool++] = p;
		}
		dmm_yaml_pop(&c->y, old);
	}
}

static void get_bool(struct ctx *c, const yaml_node_t *n, const char *key, bool *out);

/* maars: each entry an address, or {address: ADDR, pool: [PREFIX, ...], proxy_reg: BOOL}. */
static void parse_maars(struct ctx *c, const yaml_node_t *n)
{
	static const char *const keys[] = {"address", "pool", "proxy_reg"};
	struct cmd_config *cfg = c->cfg;
	struct pool_src *src = NULL;
	size_t count, n_pool = 0;
	yaml_node_item_t *items;

	if (!expect(c, n, "maars", YAML_SEQUENCE_NODE))
		return;
	items = n->data.sequence.items.start;
	count = (size_t)(n->data.sequence.items.top - items);
	if (count == 0) {
		error_at(c, n, "maars", "at least one MAAR is required");
		return;
	}
	if (count > CMD_CFG_MAX_MAARS) {
		error_at(c, n, "maars", "%zu entries, at most %u", count, CMD_CFG_MAX_MAARS);
		return;
	}
	for (size_t i = 0; i < count; i++) { /* room for every pool prefix (upper bound) */
		const yaml_node_t *item = node_at(c, items[i]);
		for (yaml_node_pair_t *p =
			 item->type == YAML_MAPPING_NODE ? item->data.mapping.pairs.start : NULL;
		     p != NULL && p < item->data.mapping.pairs.top; p++) {
			const yaml_node_t *v = node_at(c, p->value);
			if (v->type == YAML_SEQUENCE_NODE)
				n_pool += (size_t)(v->data.sequence.items.top -
						   v->data.sequence.items.start);
		}
	}
	if (n_pool > CMD_CFG_MAX_POOL_TOTAL + CMD_CFG_MAX_POOL_PER_MAAR)
		n_pool = CMD_CFG_MAX_POOL_TOTAL + CMD_CFG_MAX_POOL_PER_MAAR;
	cfg->maars = calloc(count, sizeof(*cfg->maars));
	cfg->pool_first = calloc(count, sizeof(*cfg->pool_first));
	cfg->pool_n = calloc(count, sizeof(*cfg->pool_n));
	cfg->proxy_reg = calloc(count, sizeof(*cfg->proxy_reg));
	cfg->pool = calloc(n_pool ? n_pool : 1, sizeof(*cfg->pool));
	src = calloc(n_pool ? n_pool : 1, sizeof(*src));
	if (cfg->maars == NULL || cfg->pool_first == NULL || cfg->pool_n == NULL ||
	    cfg->proxy_reg == NULL || cfg->pool == NULL || src == NULL) {
		error_at(c, n, "maars", "out of memory");
		free(src);
		return;
	}
	size_t old_maars = dmm_yaml_push_key(&c->y, "maars");
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *item = node_at(c, items[i]), *addr = item;
		yaml_node_t *v[3] = {NULL, NULL, NULL};
		struct dmm_ip6 a;
		unsigned first = cfg->n_pool;
		bool proxy_reg = true; /* M5: false = this MAAR's PBUs get 154 */
		int dup, rc;

		size_t old = dmm_yaml_push_index(&c->y, i);
		if (item->type == YAML_MAPPING_NODE) {
			if (!get_fields(c, item, NULL, keys, 3, v) ||
			    !require(c, item, keys[0], v[0])) {
				dmm_yaml_pop(&c->y, old);
				continue;
			}
			addr = v[0];
			if (v[1] != NULL) {
				size_t o2 = dmm_yaml_push_key(&c->y, keys[1]);
				parse_pool(c, v[1], (unsigned)i, src);
				dmm_yaml_pop(&c->y, o2);
			}
			get_bool(c, v[2], keys[2], &proxy_reg);
		}
		const char *akey = v[0] != NULL ? keys[0] : NULL;
		rc = get_addr(c, addr, akey, &a);
		dup = rc > 0 ? cmd_config_maar_index(cfg, &a) : -1;
		if (dup >= 0)
			error_at(c, addr, akey, "duplicate of maars[%d]", dup);
		dmm_yaml_pop(&c->y, old);
		if (rc <= 0 || dup >= 0)
			continue;
		cfg->pool_first[cfg->n_maars] = first;
		cfg->pool_n[cfg->n_maars] = cfg->n_pool - first;
		cfg->proxy_reg[cfg->n_maars] = proxy_reg;
		cfg->maars[cfg->n_maars++] = a;
	}
	dmm_yaml_pop(&c->y, old_maars);
	free(src);
}

static void parse_lifetime(struct ctx *c, const yaml_node_t *n)
{
	static const char *const keys[] = {"max_s"};
	yaml_node_t *v[1];

	if (!present(n))
		return;
	size_t old = dmm_yaml_push_key(&c->y, "lifetime");
	if (get_fields(c, n, NULL, keys, 1, v))
		get_uint(c, v[0], keys[0], 1, CMD_CFG_LIFETIME_MAX_S, &c->cfg->lifetime_max_s);
	dmm_yaml_pop(&c->y, old);
}

/* timers: RFC 5213 §9.1 and RFC 6275 §12 constants. max_bindack_ms below initial_bindack_ms
 * (either given, or the other's default) is an error at the key that was given. */
static void parse_timers(struct ctx *c, const yaml_node_t *n)
{
	enum { RELAY, BCE_DELETE, TS_WINDOW, INIT_BA, MAX_BA, RATE, N };
	static const char *const keys[N] = {
	    "relay_aggregation_ms", "min_delay_before_bce_delete_ms",
	    "timestamp_window_ms",  "initial_bindack_ms",
	    "max_bindack_ms",	    "max_update_rate"};
	struct cmd_config *cfg = c->cfg;
	yaml_node_t *v[N];

	if (!present(n))
		return;
	size_t old = dmm_yaml_push_key(&c->y, "timers");
	if (get_fields(c, n, NULL, keys, N, v)) {
		get_uint(c, v[RELAY], keys[RELAY], 0, 60000, &cfg->relay_aggregation_ms);
		get_uint(c, v[BCE_DELETE], keys[BCE_DELETE], 0, 3600000,
			 &cfg->min_delay_before_bce_delete_ms);
		get_uint(c, v[TS_WINDOW], keys[TS_WINDOW], 1, 60000, &cfg->timestamp_window_ms);
		int i = get_uint(c, v[INIT_BA], keys[INIT_BA], CMD_CFG_BINDACK_MIN_MS,
				 CMD_CFG_INITIAL_BINDACK_MAX_MS, &cfg->initial_bindack_ms);
		int m = get_uint(c, v[MAX_BA], keys[MAX_BA], CMD_CFG_BINDACK_MIN_MS,
				 CMD_CFG_MAX_BINDACK_MAX_MS, &cfg->max_bindack_ms);
		if (i < 0 || m < 0 || cfg->max_bindack_ms >= cfg->initial_bindack_ms)
			; /* consistent, or already reported */
		else if (v[MAX_BA] != NULL)
			error_at(c, v[MAX_BA], keys[MAX_BA],
				 "%u is smaller than initial_bindack_ms (%u)", cfg->max_bindack_ms,
				 cfg->initial_bindack_ms);
		else
			error_at(c, v[INIT_BA], keys[INIT_BA],
				 "%u is larger than max_bindack_ms (%u)", cfg->initial_bindack_ms,
				 cfg->max_bindack_ms);
		get_uint(c, v[RATE], keys[RATE], 0, CMD_CFG_MAX_UPDATE_RATE, &cfg->max_update_rate);
	}
	dmm_yaml_pop(&c->y, old);
}

static void parse_limits(struct ctx *c, const yaml_node_t *n)
{
	static const char *const keys[] = {"mns", "paced"};
	yaml_node_t *v[2];

	if (!present(n))
		return;
	size_t old = dmm_yaml_push_key(&c->y, "limits");
	if (get_fields(c, n, NULL, keys, 2, v)) {
		get_uint(c, v[0], keys[0], 1, CMD_CFG_MAX_MNS, &c->cfg->max_mns);
		get_uint(c, v[1], keys[1], 1, CMD_CFG_MAX_PACED, &c->cfg->max_paced);
	}
	dmm_yaml_pop(&c->y, old);
}

static void parse_socket(struct ctx *c, const yaml_node_t *n)
{
	const char *s;

	if (n == NULL)
		return;
	s = scalar(c, n, "control_socket");
	if (s == NULL)
		return;
	if (s[0] != '/')
		error_at(c, n, "control_socket", "must be an absolute path, got \"%s\"", s);
	else if (strlen(s) >= CMD_CFG_SOCK_PATH_MAX)
		error_at(c, n, "control_socket", "path longer than %d characters",
			 CMD_CFG_SOCK_PATH_MAX - 1);
	else
		snprintf(c->cfg->control_socket, sizeof(c->cfg->control_socket), "%s", s);
}

/* YAML 1.1 booleans as libyaml leaves them: plain true/false only (no yes/no/on/off, which
 * surprise people). */
static void get_bool(struct ctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s;

	if (n == NULL)
		return;
	s = scalar(c, n, key);
	if (s == NULL)
		return;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "true") == 0)
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "false") == 0)
		*out = false;
	else
		error_at(c, n, key, "expected true or false, got \"%s\"", s);
}

/* heartbeat: RFC 5847 §5. An interval below 30 s is refused (SHOULD NOT) unless the lab flag
 * allow_short is set (PROTOCOL.md H8). */
static void parse_heartbeat(struct ctx *c, const yaml_node_t *n)
{
	enum { INTERVAL, MISSING, FILE_, SHORT, N };
	static const char *const keys[N] = {"interval_s", "missing_allowed", "restart_counter_file",
					    "allow_short"};
	struct cmd_config *cfg = c->cfg;
	yaml_node_t *v[N];

	if (!present(n))
		return;
	size_t old = dmm_yaml_push_key(&c->y, "heartbeat");
	if (get_fields(c, n, NULL, keys, N, v)) {
		get_bool(c, v[SHORT], keys[SHORT], &cfg->hb_allow_short);
		if (get_uint(c, v[INTERVAL], keys[INTERVAL], 1, CMD_CFG_HB_INTERVAL_MAX_S,
			     &cfg->hb_interval_s) > 0 &&
		    cfg->hb_interval_s < CMD_CFG_HB_INTERVAL_MIN_S && !cfg->hb_allow_short)
			error_at(c, v[INTERVAL], keys[INTERVAL],
				 "%u is below %u s (RFC 5847 §5); allow_short: true for a lab",
				 cfg->hb_interval_s, CMD_CFG_HB_INTERVAL_MIN_S);
		get_uint(c, v[MISSING], keys[MISSING], 0, CMD_CFG_HB_MISSING_MAX,
			 &cfg->hb_missing_allowed);
		if (v[FILE_] != NULL) {
			const char *s = scalar(c, v[FILE_], keys[FILE_]);

			if (s == NULL)
				;
			else if (s[0] != '/')
				error_at(c, v[FILE_], keys[FILE_],
					 "must be an absolute path, got \"%s\"", s);
			else if (strlen(s) + sizeof(".tmp") > CMD_CFG_PATH_MAX)
				error_at(c, v[FILE_], keys[FILE_],
					 "path longer than %zu characters",
					 CMD_CFG_PATH_MAX - sizeof(".tmp"));
			else
				snprintf(cfg->hb_restart_file, sizeof(cfg->hb_restart_file), "%s",
					 s);
		}
	}
	dmm_yaml_pop(&c->y, old);
}

/* One subscriber NAI as read, for the duplicate check across both lists. */
struct sub_src {
	const char *nai;
	const yaml_node_t *node;
	unsigned list, i; /* 0 = allow, 1 = proxy_disabled; index in it */
};

static int sub_src_cmp(const void *x, const void *y)
{
	const struct sub_src *a = x, *b = y;
	int r = strcmp(a->nai, b->nai);

	if (r)
		return r;
	return a->list != b->list ? (a->list < b->list ? -1 : 1) : (a->i > b->i) - (a->i < b->i);
}

/* One list of NAIs (RFC 4283 MN-ID, subtype NAI: 1..254 octets; scalar() refuses NULs). */
static void parse_nai_list(struct ctx *c, const yaml_node_t *n, const char *key, char ***out,
			   unsigned *n_out)
{
	yaml_node_item_t *items;
	size_t count;

	if (!present(n) || !expect(c, n, key, YAML_SEQUENCE_NODE))
		return;
	items = n->data.sequence.items.start;
	count = (size_t)(n->data.sequence.items.top - items);
	if (count > CMD_CFG_MAX_SUBSCRIBERS) {
		error_at(c, n, key, "%zu entries, at most %u", count, CMD_CFG_MAX_SUBSCRIBERS);
		return;
	}
	if (count == 0)
		return;
	if ((*out = calloc(count, sizeof(**out))) == NULL) {
		error_at(c, n, key, "out of memory");
		return;
	}
	size_t old = dmm_yaml_push_key(&c->y, key);
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *item = node_at(c, items[i]);
		size_t o = dmm_yaml_push_index(&c->y, i);
		const char *s = scalar(c, item, NULL);

		if (s != NULL) {
			size_t len = item->data.scalar.length;
			if (len == 0 || len > 254)
				error_at(c, item, NULL, "an MN-ID (NAI) has 1..254 octets, got %zu",
					 len);
			else if (((*out)[*n_out] = strdup(s)) == NULL)
				error_at(c, item, NULL, "out of memory");
			else
				(*n_out)++;
		}
		dmm_yaml_pop(&c->y, o);
	}
	dmm_yaml_pop(&c->y, old);
}

/* subscribers: {policy: any | list, allow: [NAI, ...], proxy_disabled: [NAI, ...]}
 * (RFC 5213 §5.3.1 steps 7-8: M6 153, M7 152). */
static void parse_subscribers(struct ctx *c, const yaml_node_t *n)
{
	enum { POLICY, ALLOW, DISABLED, N };
	static const char *const keys[N] = {"policy", "allow", "proxy_disabled"};
	struct cmd_config *cfg = c->cfg;
	yaml_node_t *v[N];
	const char *s;

	if (!present(n))
		return;
	size_t old = dmm_yaml_push_key(&c->y, "subscribers");
	if (!get_fields(c, n, NULL, keys, N, v)) {
		dmm_yaml_pop(&c->y, old);
		return;
	}
	if (v[POLICY] != NULL && (s = scalar(c, v[POLICY], keys[POLICY])) != NULL) {
		if (strcmp(s, "any") == 0)
			cfg->subs_policy = CMD_SUBS_ANY;
		else if (strcmp(s, "list") == 0)
			cfg->subs_policy = CMD_SUBS_LIST;
		else
			error_at(c, v[POLICY], keys[POLICY], "expected any or list, got \"%s\"", s);
	}
	parse_nai_list(c, v[ALLOW], keys[ALLOW], &cfg->subs_allow, &cfg->n_subs_allow);
	parse_nai_list(c, v[DISABLED], keys[DISABLED], &cfg->subs_disabled, &cfg->n_subs_disabled);
	/* [choice] allow only means something with policy list: say so rather than ignore it. */
	if (present(v[ALLOW]) && cfg->subs_policy != CMD_SUBS_LIST)
		error_at(c, v[ALLOW], keys[ALLOW],
			 "needs policy: list (policy any serves every MN)");
	unsigned total = cfg->n_subs_allow + cfg->n_subs_disabled;
	if (total > CMD_CFG_MAX_SUBSCRIBERS) {
		error_at(c, n, NULL, "%u MN-IDs in allow and proxy_disabled, at most %u", total,
			 CMD_CFG_MAX_SUBSCRIBERS);
	} else if (total > 1) {
		/* Sorted copy of both lists: a repeated NAI is adjacent to its first occurrence. It
		 * is an error even across the lists (which answer was meant?). The node of each
		 * entry is found again by its index, since entries with errors were skipped. */
		struct sub_src *t = calloc(total, sizeof(*t));
		if (t == NULL) {
			error_at(c, n, NULL, "out of memory");
		} else {
			unsigned k = 0;
			for (unsigned l = 0; l < 2; l++) {
				const yaml_node_t *list = v[l ? DISABLED : ALLOW];
				char **nais = l ? cfg->subs_disabled : cfg->subs_allow;
				unsigned m = l ? cfg->n_subs_disabled : cfg->n_subs_allow;
				if (m == 0)
					continue; /* absent, or no valid entry */
				yaml_node_item_t *items = list->data.sequence.items.start;
				for (unsigned i = 0, j = 0; i < m; j++) {
					const yaml_node_t *it = node_at(c, items[j]);
					if (it->type != YAML_SCALAR_NODE ||
					    strcmp((const char *)it->data.scalar.value, nais[i]) !=
						0)
						continue; /* skipped for an error */
					t[k++] = (struct sub_src){nais[i], it, l, j};
					i++;
				}
			}
			qsort(t, k, sizeof(*t), sub_src_cmp);
			for (unsigned i = 1; i < k; i++) {
				if (strcmp(t[i - 1].nai, t[i].nai) != 0)
					continue;
				size_t o1 =
				    dmm_yaml_push_key(&c->y, keys[t[i].list ? DISABLED : ALLOW]);
				size_t o2 = dmm_yaml_push_index(&c->y, t[i].i);
				error_at(c, t[i].node, NULL, "\"%s\" is already listed in %s[%u]",
					 t[i].nai, keys[t[i - 1].list ? DISABLED : ALLOW],
					 t[i - 1].i);
				dmm_yaml_pop(&c->y, o2);
				dmm_yaml_pop(&c->y, o1);
			}
			free(t);
		}
	}
	dmm_yaml_pop(&c->y, old);
}

static void parse_root(struct ctx *c, const yaml_node_t *root)
{
	enum {
		ADDRESS,
		MODE,
		MAARS,
		LIFETIME,
		TIMERS,
		LIMITS,
		SOCKET,
		HEARTBEAT,
		SUBSCRIBERS,
		N_KEYS
	};
	static const char *const keys[N_KEYS] = {"address",	   "mode",	"maars",
						 "lifetime",	   "timers",	"limits",
						 "control_socket", "heartbeat", "subscribers"};
	yaml_node_t *v[N_KEYS];

	if (!get_fields(c, root, NULL, keys, N_KEYS, v))
		return;
	if (require(c, root, keys[ADDRESS], v[ADDRESS]))
		get_addr(c, v[ADDRESS], keys[ADDRESS], &c->cfg->address);
	if (require(c, root, keys[MODE], v[MODE]))
		parse_mode(c, v[MODE]);
	if (require(c, root, keys[MAARS], v[MAARS]))
		parse_maars(c, v[MAARS]);
	parse_lifetime(c, v[LIFETIME]);
	parse_timers(c, v[TIMERS]);
	parse_limits(c, v[LIMITS]);
	parse_socket(c, v[SOCKET]);
	parse_heartbeat(c, v[HEARTBEAT]);
	parse_subscribers(c, v[SUBSCRIBERS]);
	if (c->cfg->n_maars > 0 && cmd_config_maar_index(c->cfg, &c->cfg->address) >= 0)
		error_at(c, v[ADDRESS], keys[ADDRESS], "is also listed in maars");
}

static void defaults(struct cmd_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	cfg->lifetime_max_s = CMD_CFG_DEF_LIFETIME_MAX_S;
	cfg->relay_aggregation_ms = CMD_CFG_DEF_RELAY_AGG_MS;
	cfg->min_delay_before_bce_delete_ms = CMD_CFG_DEF_BCE_DELETE_MS;
	cfg->timestamp_window_ms = CMD_CFG_DEF_TS_WINDOW_MS;
	cfg->max_mns = CMD_CFG_DEF_MNS;
	cfg->initial_bindack_ms = CMD_CFG_DEF_INITIAL_BINDACK_MS;
	cfg->max_bindack_ms = CMD_CFG_DEF_MAX_BINDACK_MS;
	cfg->max_update_rate = CMD_CFG_DEF_MAX_UPDATE_RATE;
	cfg->max_paced = CMD_CFG_DEF_PACED;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", CMD_CFG_DEF_SOCKET);
	cfg->hb_interval_s = CMD_CFG_DEF_HB_INTERVAL_S;
	cfg->hb_missing_allowed = CMD_CFG_DEF_HB_MISSING;
	snprintf(cfg->hb_restart_file, sizeof(cfg->hb_restart_file), "%s",
		 CMD_CFG_DEF_RESTART_FILE);
}

static void parse_cb(struct dmm_yaml *y, const yaml_node_t *root)
{
	parse_root((struct ctx *)y, root); /* y is the first member of struct ctx */
}

static int load(const char *name, const char *buf, size_t len, struct cmd_config *cfg, FILE *err)
{
	struct ctx c = {.y = {.file = name, .err = err != NULL ? err : stderr}, .cfg = cfg};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	defaults(cfg, name);
	rc = dmm_yaml_load(&c.y, buf, len, parse_cb);
	if (rc < 0)
		cmd_config_free(cfg);
	return rc;
}

int cmd_config_load(const char *path, struct cmd_config *cfg, FILE *err)
{
	return load(path, NULL, 0, cfg, err);
}

int cmd_config_load_buf(const char *name, const char *buf, size_t len, struct cmd_config *cfg,
			FILE *err)
{
	return load(name, buf != NULL ? buf : "", buf != NULL ? len : 0, cfg, err);
}

void cmd_config_free(struct cmd_config *cfg)
{
	free(cfg->maars);
	free(cfg->pool_first);
	free(cfg->pool_n);
	free(cfg->pool);
	free(cfg->proxy_reg);
	for (unsigned i = 0; i < cfg->n_subs_allow; i++)
		free(cfg->subs_allow[i]);
	free(cfg->subs_allow);
	for (unsigned i = 0; i < cfg->n_subs_disabled; i++)
		free(cfg->subs_disabled[i]);
	free(cfg->subs_disabled);
	memset(cfg, 0, sizeof(*cfg));
}

const char *cmd_mode_name(enum cmd_mode m)
{
	switch (m) {
	case CMD_MODE_RELAY:
		return "relay";
	case CMD_MODE_LOCATOR:
		return "locator";
	case CMD_MODE_PROXY:
		return "proxy";
	}
	return "?";
}

int cmd_config_maar_index(const struct cmd_config *cfg, const struct dmm_ip6 *a)
{
	for (unsigned i = 0; i < cfg->n_maars; i++)
		if (dmm_ip6_eq(&cfg->maars[i], a))
			return (int)i;
	return -1;
}
