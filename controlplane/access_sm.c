/* SPDX-License-Identifier: BSD-3-Clause */
/* Access-link state machine (issue 4): MNs on the access ports, their DLIFs (RFC 8885 §3.7),
 * Router Advertisements (RFC 4861 §6.2, RFC 4191), NA for DLIF addresses and NUD of the MNs
 * (RFC 4861 §7.3). See access_sm.h and controlplane/README.md "Access link". */
#include "access_sm.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_util.h"

#define NONE_U32	      UINT32_MAX
#define NEVER		      UINT64_MAX
#define INFINITE_LIFETIME     UINT32_MAX /* RFC 4861 §4.6.2: all ones = infinity */
#define MAX_ROUTER_LIFETIME_S 9000u	 /* RFC 4861 §6.2.1 */
#define MAX_MNS_LIMIT	      (1u << 24)

enum { ST_FREE = 0 }; /* otherwise enum dmm_access_mn_state */

struct pio_st {
	struct dmm_prefix p;
	uint64_t valid_until, pref_until; /* NEVER = infinite */
};

struct dlif {
	struct dmm_ip6 anchor;
	struct dmm_maar_dlif id;
	bool is_own;
	bool sent;    /* an RA went out from this DLIF */
	bool pending; /* an RA is owed, waiting for ra_min_delay_ms */
	uint8_t n_pfx, n_rio, n_gone;
	uint64_t last_ra;
	struct pio_st pfx[DMM_ACCESS_MAX_PIO];
	struct dmm_prefix rio[DMM_ACCESS_MAX_RIO];
	struct dmm_prefix gone[DMM_ACCESS_MAX_RIO]; /* RIOs to send once with lifetime 0 */
};

struct mn {
	char *nai;	 /* malloc'd */
	struct dlif *dl; /* malloc'd, cap_dlif slots */
	uint64_t last_heard, probe_at, next_ra, deadline;
	uint32_t mac_hash, nai_hash, heap_pos, next_free, ra_round;
	struct dmm_ip6 lla;
	uint16_t port;
	uint8_t mac[6];
	uint8_t nai_len, state, probes, n_dlif, cap_dlif;
	bool has_lla;
};

struct tbl {
	uint8_t mac[6];
	char *nai;
};

struct dmm_access {
	struct dmm_access_config cfg;
	char *realm;
	uint8_t (*allow)[6]; /* sorted */
	struct tbl *table;   /* sorted by MAC */
	struct mn *ent;
	uint32_t free_head, count;
	struct dmm_cp_index by_mac, by_nai;
	struct dmm_cp_heap timers; /* MNs by deadline */
	uint64_t armed_ms;
	uint64_t refuse_last[DMM_ACCESS_REFUSE_N];
	uint32_t refuse_supp[DMM_ACCESS_REFUSE_N];
	bool refuse_any[DMM_ACCESS_REFUSE_N];
	struct dmm_access_stats st;
};

void dmm_access_config_default(struct dmm_access_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy = DMM_ACCESS_POLICY_ANY;
	cfg->nai_realm = "mn.invalid";
	cfg->max_mns = 65536;
	cfg->router_lifetime_s = 1800;
	cfg->pmaar_router_lifetime_s = 1800;
	cfg->ra_interval_ms = 60000;
	cfg->ra_jitter_pct = 10;
	cfg->ra_min_delay_ms = 3000;
	cfg->link_mtu = 1460;
	cfg->cur_hop_limit = 64;
	cfg->nud_reachable_ms = 30000;
	cfg->nud_retrans_ms = 1000;
	cfg->nud_max_probes = 3;
	cfg->refuse_log_ms = 1000;
	cfg->hash_seed = 0x61636365737321ull;
}

const char *dmm_access_event_name(enum dmm_access_event e)
{
	switch (e) {
	case DMM_ACCESS_EV_ATTACHED:
		return "attached";
	case DMM_ACCESS_EV_REATTACHED:
		return "reattached";
	case DMM_ACCESS_EV_PORT_CHANGED:
		return "port-changed";
	case DMM_ACCESS_EV_NUD_FAILED:
		return "nud-failed";
	case DMM_ACCESS_EV_REFUSED:
		return "refused";
	case DMM_ACCESS_EV_DLIF_ADDED:
		return "dlif-added";
	case DMM_ACCESS_EV_DLIF_REMOVED:
		return "dlif-removed";
	case DMM_ACCESS_EV_FORGOTTEN:
		return "forgotten";
	}
	return "?";
}

const char *dmm_access_refuse_name(enum dmm_access_refuse r)
{
	switch (r) {
	case DMM_ACCESS_REFUSE_POLICY:
		return "policy";
	case DMM_ACCESS_REFUSE_FULL:
		return "full";
	case DMM_ACCESS_REFUSE_BAD_MAC:
		return "bad-mac";
	case DMM_ACCESS_REFUSE_NOMEM:
		return "nomem";
	case DMM_ACCESS_REFUSE_N:
		break;
	}
	return "?";
}

/* ---- hashing and indexes ------------------------------------------------------------------ */

static uint32_t hash32(const struct dmm_access *a, uint64_t tweak, const void *p, size_t n)
{
	uint64_t h = dmm_cp_fnv1a(DMM_CP_FNV_OFFSET ^ a->cfg.hash_seed ^ tweak, p, n);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static uint32_t mac_hash(const struct dmm_access *a, const uint8_t *mac)
{
	return hash32(a, 1, mac, 6);
}

static uint32_t nai_hash(const struct dmm_access *a, const char *nai, size_t len)
{
	return hash32(a, 2, nai, len);
}

/* Indexes: controlplane/cp_util.h (tag compare first, then the key). */
static struct mn *find_mac(const struct dmm_access *a, const uint8_t *mac)
{
	uint32_t h = mac_hash(a, mac);

	for (uint32_t cur = dmm_cp_index_home(&a->by_mac, h), i;
	     (i = dmm_cp_index_next(&a->by_mac, h, &cur)) != DMM_CP_NONE;)
		if (memcmp(a->ent[i].mac, mac, 6) == 0)
			return &a->ent[i];
	return NULL;
}

static struct mn *find_nai(const struct dmm_access *a, const char *nai)
{
	size_t len = strlen(nai);

	if (len == 0 || len > DMM_MH_NAI_MAX)
		return NULL;
	uint32_t h = nai_hash(a, nai, len);
	for (uint32_t cur = dmm_cp_index_home(&a->by_nai, h), i;
	     (i = dmm_cp_index_next(&a->by_nai, h, &cur)) != DMM_CP_NONE;) {
		struct mn *e = &a->ent[i];
		if (e->nai_len == len && memcmp(e->nai, nai, len) == 0)
			return e;
	}
	return NULL;
}

static void dmin(uint64_t *d, uint64_t t)
{
	if (t < *d)
		*d = t;
}

/* NUD needs a source identity: a DLIF of the MN, or the own DLIF derived from cfg.addr. */
static bool nud_on(const struct dmm_access *a, const struct mn *e)
{
	return a->cfg.nud_reachable_ms && (e->n_dlif || !dmm_ip6_is_zero(&a->cfg.addr));
}

static uint64_t mn_deadline(const struct dmm_access *a, const struct mn *e)
{
	uint64_t d = NEVER;

	if (e->state == DMM_ACCESS_MN_DETACHED)
		return NEVER; /* no RA, no probe: it has left (or is silent) */
	if (nud_on(a, e)) {
		if (e->state == DMM_ACCESS_MN_REACHABLE)
			dmin(&d, e->last_heard + a->cfg.nud_reachable_ms);
		else
			dmin(&d, e->probe_at);
	}
	if (e->n_dlif)
		dmin(&d, e->next_ra);
	for (unsigned i = 0; i < e->n_dlif; i++)
		if (e->dl[i].pending)
			dmin(&d, e->dl[i].last_ra + a->cfg.ra_min_delay_ms);
	return d;
}

static void mn_rearm(struct dmm_access *a, struct mn *e)
{
	uint32_t idx = (uint32_t)(e - a->ent);

	e->deadline = mn_deadline(a, e);
	if (e->deadline == NEVER)
		dmm_cp_heap_remove(&a->timers, idx);
	else
		dmm_cp_heap_update(&a->timers, idx);
}

/* ---- creation ----------------------------------------------------------------------------- */

static int mac_cmp(const void *x, const void *y)
{
	return memcmp(x, y, 6);
}

static bool mac_bad(const uint8_t *mac)
{
	return (mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static bool realm_ok(const char *r)
{
	size_t n = r ? strlen(r) : 0;

	if (n == 0 || 12 + 1 + n > DMM_MH_NAI_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (r[i] <= ' ' || r[i] == '@' || r[i] > '~')
			return false;
	return true;
}

static int check_config(const struct dmm_access_config *c)
{
	if (c->max_mns == 0 || c->max_mns > MAX_MNS_LIMIT)
		return -EINVAL;
	if (c->ra_interval_ms < 10 || c->nud_retrans_ms == 0 || c->nud_max_probes == 0)
		return -EINVAL;
	if (c->ra_jitter_pct > 50)
		return -EINVAL;
	/* RFC 4861 §6.2.1: AdvDefaultLifetime 0 or between MaxRtrAdvInterval and 9000 s. */
	uint64_t ivl_s = (c->ra_interval_ms + 999) / 1000;
	if ((c->router_lifetime_s &&
	     (c->router_lifetime_s < ivl_s || c->router_lifetime_s > MAX_ROUTER_LIFETIME_S)) ||
	    (c->pmaar_router_lifetime_s && (c->pmaar_router_lifetime_s < ivl_s ||
					    c->pmaar_router_lifetime_s > MAX_ROUTER_LIFETIME_S)))
		return -EINVAL;
	if (c->link_mtu && c->link_mtu < 1280) /* RFC 8200 §5 minimum link MTU */
		return -EINVAL;
	switch (c->policy) {
	case DMM_ACCESS_POLICY_ANY:
		break;
	case DMM_ACCESS_POLICY_ALLOWLIST:
		if (c->n_allow && !c->allow)
			return -EINVAL;
		break;
	case DMM_ACCESS_POLICY_TABLE:
		if (c->n_table && !c->table)
			return -EINVAL;
		for (unsigned i = 0; i < c->n_table; i++) {
			size_t n = c->table[i].nai ? strlen(c->table[i].nai) : 0;
			if (n == 0 || n > DMM_MH_NAI_MAX || mac_bad(c->table[i].mac))
				return -EINVAL;
		}
		return 0; /* the realm is not used */
	default:
		return -EINVAL;
	}
	return realm_ok(c->nai_realm) ? 0 : -EINVAL;
}

static int tbl_cmp(const void *x, const void *y)
{
	return memcmp(((const struct tbl *)x)->mac, ((const struct tbl *)y)->mac, 6);
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Copies the policy lists, sorted for bsearch; refuses duplicate MACs (and duplicate NAIs in
 * a table: one NAI is one MN, RFC 8885 §3.1 keys sessions by MN-ID). */
static int copy_policy(struct dmm_access *a, const struct dmm_access_config *c)
{

	if (c->policy == DMM_ACCESS_POLICY_ALLOWLIST && c->n_allow) {
		a->allow = malloc(sizeof(*a->allow) * c->n_allow);
		if (!a->allow)
			return -ENOMEM;
		memcpy(a->allow, c->allow, sizeof(*a->allow) * c->n_allow);
		qsort(a->allow, c->n_allow, 6, mac_cmp);
		for (unsigned i = 1; i < c->n_allow; i++)
			if (!memcmp(a->allow[i - 1], a->allow[i], 6))
				return -EINVAL;
	}
	if (c->policy == DMM_ACCESS_POLICY_TABLE && c->n_table) {
		a->table = calloc(c->n_table, sizeof(*a->table));
		char **names = calloc(c->n_table, sizeof(*names));
		int rc = 0;
		if (!a->table || !names) {
			free(names);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < c->n_table; i++) {
			memcpy(a->table[i].mac, c->table[i].mac, 6);
			if (!(a->table[i].nai = strdup(c->table[i].nai))) {
				free(names);
				return -ENOMEM;
			}
			names[i] = a->table[i].nai;
		}
		qsort(a->table, c->n_table, sizeof(*a->table), tbl_cmp);
		qsort(names, c->n_table, sizeof(*names), str_cmp);
		for (unsigned i = 1; i < c->n_table; i++)
			if (!memcmp(a->table[i - 1].mac, a->table[i].mac, 6) ||
			    !strcmp(names[i - 1], names[i]))
				rc = -EINVAL;
		free(names);
		if (rc)
			return rc;
	}
	return 0;
}

struct dmm_access *dmm_access_new(const struct dmm_access_config *cfg, int *err)
{
	int dummy, rc;
	struct dmm_access *a;

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!cfg || (rc = check_config(cfg)))
		return NULL;
	*err = -ENOMEM;
	if (!(a = calloc(1, sizeof(*a))))
		return NULL;
	a->cfg = *cfg;
	a->cfg.allow = NULL;
	a->cfg.table = NULL;
	a->cfg.nai_realm = NULL;
	if (cfg->policy != DMM_ACCESS_POLICY_TABLE && !(a->realm = strdup(cfg->nai_realm)))
		goto fail;
	if ((rc = copy_policy(a, cfg))) {
		*err = rc;
		goto fail;
	}
	a->ent = calloc(cfg->max_mns, sizeof(*a->ent));
	if (!a->ent || dmm_cp_index_init(&a->by_mac, cfg->max_mns) ||
	    dmm_cp_index_init(&a->by_nai, cfg->max_mns) ||
	    dmm_cp_heap_init(&a->timers, a->ent, cfg->max_mns, sizeof(*a->ent),
			     offsetof(struct mn, deadline), offsetof(struct mn, heap_pos)))
		goto fail;
	for (uint32_t i = 0; i < cfg->max_mns; i++) /* heap_pos: set by dmm_cp_heap_init */
		a->ent[i].next_free = i + 1 < cfg->max_mns ? i + 1 : NONE_U32;
	a->free_head = 0;
	*err = 0;
	return a;
fail:
	dmm_access_free(a);
	return NULL;
}

void dmm_access_free(struct dmm_access *a)
{
	if (!a)
		return;
	if (a->ent)
		for (uint32_t i = 0; i < a->cfg.max_mns; i++) {
			free(a->ent[i].nai);
			free(a->ent[i].dl);
		}
	if (a->table)
		for (unsigned i = 0; i < a->cfg.n_table; i++)
			free(a->table[i].nai);
	free(a->table);
	free(a->allow);
	free(a->realm);
	free(a->ent);
	dmm_cp_index_fini(&a->by_mac);
	dmm_cp_index_fini(&a->by_nai);
	dmm_cp_heap_fini(&a->timers);
	free(a);
}

/* ---- policy ------------------------------------------------------------------------------- */

int dmm_access_nai_for(const struct dmm_access *a, const uint8_t *mac, char *buf)
{
	if (!a || !mac || !buf)
		return -EINVAL;
	switch (a->cfg.policy) {
	case DMM_ACCESS_POLICY_TABLE: {
		struct tbl key;
		memcpy(key.mac, mac, 6);
		const struct tbl *t =
		    a->cfg.n_table ? bsearch(&key, a->table, a->cfg.n_table, sizeof(*t), tbl_cmp)
				   : NULL;
		if (!t)
			return -EPERM;
		snprintf(buf, DMM_MH_NAI_MAX + 1, "%s", t->nai);
		return 0;
	}
	case DMM_ACCESS_POLICY_ALLOWLIST:
		if (!a->cfg.n_allow || !bsearch(mac, a->allow, a->cfg.n_allow, 6, mac_cmp))
			return -EPERM;
		break;
	case DMM_ACCESS_POLICY_ANY:
		break;
	}
	if (mac_bad(mac))
		return -EPERM;
	/* [choice] 12 lowercase hex digits "@" realm: stable, unique per MAC, valid NAI. */
	snprintf(buf, DMM_MH_NAI_MAX + 1, "%02x%02x%02x%02x%02x%02x@%s", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5], a->realm);
	return 0;
}

/* ---- actions ------------------------------------------------------------------------------ */

#define ROOM(out) (DMM_ACCESS_MAX_ACTIONS - (out)->n)

static struct dmm_access_action *push(struct dmm_access_actions *out, enum dmm_access_action_type t,
				      const struct mn *e)
{
	/* Callers check the room first (need()); this is a backstop. */
	if (out->n >= DMM_ACCESS_MAX_ACTIONS)
		return NULL;
	struct dmm_access_action *x = &out->a[out->n++];
	memset(x, 0, sizeof(*x));
	x->type = t;
	if (e) {
		memcpy(x->nai, e->nai, (size_t)e->nai_len + 1);
		memcpy(x->mac, e->mac, 6);
		x->port = e->port;
	}
	return x;
}

/* Worst case for one MN in one call: an RA per DLIF, NS or NA, ATTACH/DETACH, two EVENTs, and
 * the ARM at the end. */
static unsigned need(const struct mn *e)
{
	return (e ? e->n_dlif : 0u) + 5u;
}

_Static_assert(DMM_ACCESS_MAX_DLIF + 5 + 1 <= DMM_ACCESS_MAX_ACTIONS,
	       "one MN's worst case must fit one action list");

static void ev(struct dmm_access_actions *out, const struct mn *e, enum dmm_access_event t)
{
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_EVENT, e);

	if (x)
		x->event = t;
}

static void ev_dlif(struct dmm_access_actions *out, const struct mn *e, const struct dlif *d,
		    enum dmm_access_event t)
{
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_EVENT, e);

	if (!x)
		return;
	x->event = t;
	x->anchor = d->anchor;
	x->dlif = d->id;
}

static void arm_next(struct dmm_access *a, struct dmm_access_actions *out)
{
	uint32_t top = dmm_cp_heap_top(&a->timers);
	uint64_t at = top != DMM_CP_NONE ? a->ent[top].deadline : NEVER;

	if (at == NEVER || at == a->armed_ms)
		return;
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_ARM, NULL);
	if (x) {
		x->at_ms = at;
		a->armed_ms = at;
	}
}

/* Refusals are counted always and reported at most once per refuse_log_ms per reason, with
 * the number left out since, so an unknown host that keeps sending cannot flood the log. */
static int refuse(struct dmm_access *a, uint64_t now, struct dmm_access_actions *out, uint16_t port,
		  const uint8_t *mac, enum dmm_access_refuse r)
{
	a->st.refused[r]++;
	if (a->refuse_any[r] && now < a->refuse_last[r] + a->cfg.refuse_log_ms) {
		a->refuse_supp[r]++;
		a->st.events_suppressed++;
		return DMM_ACCESS_REFUSED;
	}
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_EVENT, NULL);
	if (x) {
		x->event = DMM_ACCESS_EV_REFUSED;
		x->reason = r;
		x->suppressed = a->refuse_supp[r];
		memcpy(x->mac, mac, 6);
		x->port = port;
	}
	a->refuse_any[r] = true;
	a->refuse_last[r] = now;
	a->refuse_supp[r] = 0;
	return DMM_ACCESS_REFUSED;
}

/* ---- Router Advertisements ---------------------------------------------------------------- */

static uint32_t left_s(uint64_t until, uint64_t now)
{
	if (until == NEVER)
		return INFINITE_LIFETIME;
	if (until <= now)
		return 0;
	uint64_t s = (until - now + 999) / 1000;
	return s >= INFINITE_LIFETIME ? INFINITE_LIFETIME - 1 : (uint32_t)s;
}

static uint64_t until_of(uint64_t now, uint32_t s)
{
	return s == INFINITE_LIFETIME ? NEVER : now + (uint64_t)s * 1000;
}

static void ra_base(const struct dmm_access *a, const struct mn *e, const struct dlif *d,
		    struct dmm_access_ra *ra)
{
	ra->port = e->port;
	memcpy(ra->dst_mac, e->mac, 6);
	/* [choice] RFC 4861 §6.2.6 allows a unicast answer to a soliciting host; we unicast at L2
	 * always (the DLIF is a point-to-point link to one MN) and use the MN's link-local as IPv6
	 * destination when we know it, else all-nodes. */
	if (e->has_lla) {
		ra->dst = e->lla;
	} else {
		memset(&ra->dst, 0, sizeof(ra->dst));
		ra->dst.a[0] = 0xff, ra->dst.a[1] = 0x02, ra->dst.a[15] = 0x01;
	}
	memcpy(ra->src_mac, d->id.mac, 6);
	ra->src = d->id.lla;
	ra->anchor = d->anchor;
	ra->is_own = d->is_own;
	ra->cur_hop_limit = a->cfg.cur_hop_limit;
	ra->reachable_ms = a->cfg.adv_reachable_ms;
	ra->retrans_ms = a->cfg.adv_retrans_ms;
	ra->mtu = a->cfg.link_mtu;
	/* D2 / [choice G10]: the own DLIF is the MN's preferred default router (medium); a P-MAAR's
	 * DLIF stays a router (lifetime > 0) so the MN's default route and neighbour entries for it
	 * survive the move unchanged (issue 4), but with preference low (RFC 4191 §2.2) so new
	 * traffic goes to the own DLIF. */
	ra->router_lifetime_s =
	    (uint16_t)(d->is_own ? a->cfg.router_lifetime_s : a->cfg.pmaar_router_lifetime_s);
	ra->prf = d->is_own ? DMM_ACCESS_PRF_MEDIUM : DMM_ACCESS_PRF_LOW;
	if (!ra->router_lifetime_s)
		ra->prf = DMM_ACCESS_PRF_MEDIUM; /* RFC 4191 §2.2: MUST be 00 with lifetime 0 */
}

/* The route to an anchor's local networks lives as long as the anchor's prefix does (the
 * traffic goes through that anchor's tunnel, RFC 8885 §3.7). */
static uint32_t rio_life(const struct dlif *d, uint64_t now)
{
	uint32_t best = 0;

	for (unsigned i = 0; i < d->n_pfx; i++) {
		uint32_t l = left_s(d->pfx[i].valid_until, now);
		if (l > best)
			best = l;
	}
	return best;
}

static void add_rios(const struct dlif *d, uint64_t now, struct dmm_access_ra *ra, bool all_zero)
{
	uint32_t life = all_zero ? 0 : rio_life(d, now);

	for (unsigned i = 0; i < d->n_rio; i++)
		ra->rio[ra->n_rio++] =
		    (struct dmm_access_rio){d->rio[i], life, DMM_ACCESS_PRF_MEDIUM};
	for (unsigned i = 0; i < d->n_gone; i++)
		ra->rio[ra->n_rio++] =
		    (struct dmm_access_rio){d->gone[i], 0, DMM_ACCESS_PRF_MEDIUM};
}

/* The regular RA of one DLIF: its prefixes with their remaining lifetimes (D1, D2) and its RIOs
 * (D3). Remaining lifetimes count down between RAs, as RFC 4861 §6.2.1 allows (AdvValidLifetime
 * "decrements in real time"), which also keeps RFC 4862 §5.5.3(e) hosts in step: a received
 * valid lifetime never exceeds what the host already holds unless the binding was refreshed. */
static void send_ra(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e,
		    struct dlif *d, uint64_t now)
{
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_SEND_RA, e);

	if (!x)
		return;
	struct dmm_access_ra *ra = &x->ra;
	ra_base(a, e, d, ra);
	for (unsigned i = 0; i < d->n_pfx; i++) {
		uint32_t v = left_s(d->pfx[i].valid_until, now);
		uint32_t p = d->is_own ? left_s(d->pfx[i].pref_until, now) : 0;
		if (p > v)
			p = v;
		ra->pio[ra->n_pio++] =
		    (struct dmm_access_pio){d->pfx[i].p, true, true, v, p}; /* L=1, A=1 */
	}
	add_rios(d, now, ra, false);
	d->n_gone = 0; /* sent once with lifetime 0 */
	d->sent = true;
	d->pending = false;
	d->last_ra = now;
	a->st.ra_sent++;
}

/* An RA is owed to the MN from d (change, RS): now, unless d sent one less than
 * ra_min_delay_ms ago; then it leaves from tick when the delay is over (coalesced, never
 * dropped). [choice] the limit is per DLIF: each DLIF is a router of its own for the MN, and a
 * handover's burst of ADVERTISEs (own + each P-MAAR) must not hold the others back. */
static void want_ra(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e,
		    struct dlif *d, uint64_t now)
{
	if (e->state == DMM_ACCESS_MN_DETACHED)
		return;
	if (!d->sent || now >= d->last_ra + a->cfg.ra_min_delay_ms) {
		send_ra(a, out, e, d, now);
	} else if (!d->pending) {
		d->pending = true;
		a->st.ra_delayed++;
	}
}

static uint64_t next_round(const struct dmm_access *a, struct mn *e, uint64_t now)
{
	uint64_t ivl = a->cfg.ra_interval_ms;
	uint64_t span = ivl * a->cfg.ra_jitter_pct / 100;

	e->ra_round++;
	if (span) {
		/* Deterministic jitter: a seeded hash of the MAC and the round number, so MNs that
		 * attached together do not stay in lock-step and tests can reproduce it. */
		uint8_t k[10];
		memcpy(k, e->mac, 6);
		memcpy(k + 6, &e->ra_round, 4);
		ivl -= hash32(a, 3, k, sizeof(k)) % (span + 1);
	}
	return now + ivl;
}

/* ---- MN entries --------------------------------------------------------------------------- */

static struct mn *mn_create(struct dmm_access *a, uint16_t port, const uint8_t *mac,
			    const char *nai, uint64_t now)
{
	uint32_t idx = a->free_head;
	size_t len = strlen(nai);

	if (idx == NONE_U32)
		return NULL;
	struct mn *e = &a->ent[idx];
	if (!(e->nai = malloc(len + 1)))
		return NULL;
	memcpy(e->nai, nai, len + 1);
	a->free_head = e->next_free;
	e->nai_len = (uint8_t)len;
	memcpy(e->mac, mac, 6);
	e->port = port;
	e->state = DMM_ACCESS_MN_REACHABLE;
	e->last_heard = now;
	e->mac_hash = mac_hash(a, mac);
	e->nai_hash = nai_hash(a, nai, len);
	dmm_cp_index_insert(&a->by_mac, idx, e->mac_hash);
	dmm_cp_index_insert(&a->by_nai, idx, e->nai_hash);
	a->count++;
	return e;
}

static void mn_destroy(struct dmm_access *a, struct mn *e)
{
	uint32_t idx = (uint32_t)(e - a->ent);

	dmm_cp_index_remove(&a->by_mac, idx, e->mac_hash);
	dmm_cp_index_remove(&a->by_nai, idx, e->nai_hash);
	dmm_cp_heap_remove(&a->timers, idx);
	free(e->nai);
	free(e->dl);
	memset(e, 0, sizeof(*e));
	e->heap_pos = NONE_U32;
	e->next_free = a->free_head;
	a->free_head = idx;
	a->count--;
}

static void learn_lla(struct mn *e, const struct dmm_ip6 *src)
{
	if (src && dmm_ip6_is_linklocal(src)) {
		e->lla = *src;
		e->has_lla = true;
	}
}

/* The MN was heard: reachable again (RFC 4861 §7.3.1 reachability confirmation). An MN that
 * NUD had given up on re-attaches: ATTACH again, and its DLIFs advertise at once. */
static void heard(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e, uint16_t port,
		  uint64_t now)
{
	bool was_detached = e->state == DMM_ACCESS_MN_DETACHED;
	bool moved = port != e->port;

	e->last_heard = now;
	e->state = DMM_ACCESS_MN_REACHABLE;
	e->probes = 0;
	e->port = port;
	if (was_detached || moved) {
		push(out, DMM_ACCESS_ACT_ATTACH, e);
		if (was_detached) {
			a->st.reattach++;
			ev(out, e, DMM_ACCESS_EV_REATTACHED);
			for (unsigned i = 0; i < e->n_dlif; i++)
				want_ra(a, out, e, &e->dl[i], now);
			if (e->n_dlif)
				e->next_ra = next_round(a, e, now);
		} else {
			/* [choice] an MN heard on another access port of this MAAR: ATTACH is
			 * repeated so the adapter rebinds its port (the MAAR machine treats a
			 * repeated attach as idempotent). */
			a->st.port_changes++;
			ev(out, e, DMM_ACCESS_EV_PORT_CHANGED);
		}
	}
}

/* Attach evidence (RS, NS, NA, unknown source): the known MN, or a new one if the policy and
 * the capacity allow it; NULL when refused (*rc says why). */
static struct mn *evidence(struct dmm_access *a, uint64_t now, struct dmm_access_actions *out,
			   uint16_t port, const uint8_t *mac, const struct dmm_ip6 *src, int *rc)
{
	struct mn *e = find_mac(a, mac);
	char nai[DMM_MH_NAI_MAX + 1];

	*rc = DMM_ACCESS_DONE;
	if (e) {
		heard(a, out, e, port, now);
		learn_lla(e, src);
		return e;
	}
	if (mac_bad(mac)) {
		*rc = refuse(a, now, out, port, mac, DMM_ACCESS_REFUSE_BAD_MAC);
		return NULL;
	}
	if (dmm_access_nai_for(a, mac, nai)) {
		*rc = refuse(a, now, out, port, mac, DMM_ACCESS_REFUSE_POLICY);
		return NULL;
	}
	if (find_nai(a, nai)) {
		/* Only an operator-added MN (dmm_access_add_mn) can hold this NAI under another
		 * MAC: the same MN with a new interface address. Re-key it. */
		e = find_nai(a, nai);
		uint32_t idx = (uint32_t)(e - a->ent);
		dmm_cp_index_remove(&a->by_mac, idx, e->mac_hash);
		memcpy(e->mac, mac, 6);
		e->mac_hash = mac_hash(a, mac);
		dmm_cp_index_insert(&a->by_mac, idx, e->mac_hash);
		e->port = (uint16_t)(port + 1); /* force the repeated ATTACH with the new MAC */
		heard(a, out, e, port, now);
		learn_lla(e, src);
		return e;
	}
	if (a->free_head == NONE_U32) {
		*rc = refuse(a, now, out, port, mac, DMM_ACCESS_REFUSE_FULL);
		return NULL;
	}
	if (!(e = mn_create(a, port, mac, nai, now))) {
		*rc = refuse(a, now, out, port, mac, DMM_ACCESS_REFUSE_NOMEM);
		return NULL;
	}
	learn_lla(e, src);
	a->st.attach++;
	push(out, DMM_ACCESS_ACT_ATTACH, e);
	ev(out, e, DMM_ACCESS_EV_ATTACHED);
	return e;
}

static int finish(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e, int rc)
{
	if (e)
		mn_rearm(a, e);
	arm_next(a, out);
	return rc;
}

#define CHECK(a, mac, out)                                                                         \
	do {                                                                                       \
		if (!(a) || !(mac) || !(out))                                                      \
			return -EINVAL;                                                            \
		(out)->n = 0;                                                                      \
	} while (0)

/* ---- inputs from the link ----------------------------------------------------------------- */

int dmm_access_rx_rs(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *src, struct dmm_access_actions *out)
{
	int rc;

	CHECK(a, mac, out);
	a->st.rx_rs++;
	struct mn *e = evidence(a, now_ms, out, port, mac, src, &rc);
	if (!e)
		return finish(a, out, NULL, rc);
	/* RFC 4861 §6.2.6: every router on the link answers; here each DLIF is one. An MN without
	 * a DLIF yet (PBA outstanding) gets nothing (RFC 5213 §6.9.2, S2). */
	for (unsigned i = 0; i < e->n_dlif; i++) {
		a->st.ra_solicited++;
		want_ra(a, out, e, &e->dl[i], now_ms);
	}
	return finish(a, out, e, DMM_ACCESS_DONE);
}

int dmm_access_rx_unknown_src(struct dmm_access *a, uint64_t now_ms, uint16_t port,
			      const uint8_t *mac, const struct dmm_ip6 *src,
			      struct dmm_access_actions *out)
{
	int rc;

	CHECK(a, mac, out);
	a->st.rx_unknown_src++;
	struct mn *e = evidence(a, now_ms, out, port, mac, src, &rc);
	return finish(a, out, e, e ? DMM_ACCESS_DONE : rc);
}

int dmm_access_rx_ns(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *src, const struct dmm_ip6 *target,
		     struct dmm_access_actions *out)
{
	int rc;

	CHECK(a, mac, out);
	if (!src || !target)
		return -EINVAL;
	a->st.rx_ns++;
	if (dmm_ip6_is_zero(src)) {
		/* DAD (RFC 4862 §5.4.3) of an address the MN is trying: the MN's business and
		 * its peers'; no DLIF address is ever a candidate (they are derived from MACs no
		 * host uses), so a router has nothing to defend. */
		a->st.ns_dad_ignored++;
		return DMM_ACCESS_IGNORED;
	}
	struct mn *e = evidence(a, now_ms, out, port, mac, src, &rc);
	if (!e)
		return finish(a, out, NULL, rc);
	for (unsigned i = 0; i < e->n_dlif; i++) {
		struct dlif *d = &e->dl[i];
		if (!dmm_ip6_eq(&d->id.lla, target))
			continue;
		/* RFC 4861 §7.2.4: solicited NA to the NS source, Router flag (a DLIF is a
		 * router), Override (the DLIF owns the address), TLLA = the DLIF's MAC. */
		struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_SEND_NA, e);
		if (x) {
			x->na.port = e->port;
			memcpy(x->na.dst_mac, e->mac, 6);
			x->na.dst = *src;
			memcpy(x->na.src_mac, d->id.mac, 6);
			x->na.src = d->id.lla;
			x->na.target = d->id.lla;
			memcpy(x->na.tlla, d->id.mac, 6);
			x->na.flags = DMM_ACCESS_NA_R | DMM_ACCESS_NA_S | DMM_ACCESS_NA_O;
			a->st.na_sent++;
		}
		return finish(a, out, e, DMM_ACCESS_DONE);
	}
	/* Isolation (D5): only the MN's own DLIFs answer it; another MN's DLIF address or any
	 * other target is not ours to resolve. */
	a->st.ns_not_dlif++;
	return finish(a, out, e, DMM_ACCESS_DONE);
}

int dmm_access_rx_na(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *target, uint8_t flags, struct dmm_access_actions *out)
{
	int rc;

	CHECK(a, mac, out);
	(void)flags; /* [choice] any NA from the MN's MAC proves it is there (solicited or not) */
	a->st.rx_na++;
	struct mn *e = evidence(a, now_ms, out, port, mac, target, &rc);
	return finish(a, out, e, e ? DMM_ACCESS_DONE : rc);
}

int dmm_access_rx_traffic(struct dmm_access *a, uint64_t now_ms, const uint8_t *mac,
			  struct dmm_access_actions *out)
{
	CHECK(a, mac, out);
	a->st.rx_traffic++;
	struct mn *e = find_mac(a, mac);
	if (!e) {
		a->st.rx_unknown_mn++; /* the fast path reports unknown sources separately */
		return DMM_ACCESS_IGNORED;
	}
	heard(a, out, e, e->port, now_ms);
	return finish(a, out, e, DMM_ACCESS_DONE);
}

int dmm_access_add_mn(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		      const char *nai, struct dmm_access_actions *out)
{
	CHECK(a, mac, out);
	size_t len = nai ? strlen(nai) : 0;
	if (len == 0 || len > DMM_MH_NAI_MAX || mac_bad(mac)) {
		a->st.bad_input++;
		return -EINVAL;
	}
	struct mn *e = find_mac(a, mac);
	struct mn *n = find_nai(a, nai);
	if (e || n) {
		if (e != n) { /* MAC or NAI already belongs to another MN */
			a->st.bad_input++;
			return -EEXIST;
		}
		e->last_heard = now_ms;
		e->state = DMM_ACCESS_MN_REACHABLE;
		e->probes = 0;
		e->port = port;
		return finish(a, out, e, DMM_ACCESS_DONE);
	}
	if (a->free_head == NONE_U32)
		return finish(a, out, NULL,
			      refuse(a, now_ms, out, port, mac, DMM_ACCESS_REFUSE_FULL));
	if (!(e = mn_create(a, port, mac, nai, now_ms)))
		return finish(a, out, NULL,
			      refuse(a, now_ms, out, port, mac, DMM_ACCESS_REFUSE_NOMEM));
	a->st.attach++;
	ev(out, e, DMM_ACCESS_EV_ATTACHED);
	return finish(a, out, e, DMM_ACCESS_DONE);
}

/* ---- inputs from the MAAR machine --------------------------------------------------------- */

static struct dlif *dlif_find(struct mn *e, const struct dmm_ip6 *anchor)
{
	for (unsigned i = 0; i < e->n_dlif; i++)
		if (dmm_ip6_eq(&e->dl[i].anchor, anchor))
			return &e->dl[i];
	return NULL;
}

static int pfx_find(const struct dlif *d, const struct dmm_prefix *p)
{
	for (unsigned i = 0; i < d->n_pfx; i++)
		if (d->pfx[i].p.len == p->len && dmm_ip6_eq(&d->pfx[i].p.addr, &p->addr))
			return (int)i;
	return -1;
}

static void pfx_del(struct dlif *d, int i)
{
	d->pfx[i] = d->pfx[--d->n_pfx];
}

static void dlif_del(struct mn *e, struct dlif *d)
{
	*d = e->dl[--e->n_dlif];
}

static bool pfx_ok(const struct dmm_prefix *p, unsigned max_len)
{
	if (!p || p->len > max_len)
		return false;
	struct dmm_ip6 m = p->addr;
	dmm_ip6_mask(&m, p->len);
	return dmm_ip6_eq(&m, &p->addr);
}

int dmm_access_advertise(struct dmm_access *a, uint64_t now_ms, const char *nai,
			 const struct dmm_prefix *prefix, uint32_t valid_s, uint32_t preferred_s,
			 const struct dmm_ip6 *anchor, const struct dmm_maar_dlif *id, bool is_own,
			 struct dmm_access_actions *out)
{
	if (!a || !nai || !prefix || !anchor || !id || !out)
		return -EINVAL;
	out->n = 0;
	/* SLAAC (A=1) needs a /64 (RFC 4862 §5.5.3(d) with 64-bit IIDs); MAARs delegate /64s. */
	if (prefix->len != 64 || !pfx_ok(prefix, 64)) {
		a->st.bad_input++;
		return DMM_ACCESS_IGNORED;
	}
	struct mn *e = find_nai(a, nai);
	if (!e) {
		a->st.adv_unknown_mn++;
		return DMM_ACCESS_IGNORED;
	}
	struct dlif *d = dlif_find(e, anchor);
	/* A prefix advertised under another anchor moves (never happens with one anchor per
	 * prefix; handled so state cannot duplicate). An emptied DLIF goes silently: the MN keeps
	 * the prefix through the new DLIF. */
	for (unsigned i = 0; i < e->n_dlif; i++) {
		struct dlif *o = &e->dl[i];
		int k;
		if (o == d || (k = pfx_find(o, prefix)) < 0)
			continue;
		pfx_del(o, k);
		if (!o->n_pfx) {
			ev_dlif(out, e, o, DMM_ACCESS_EV_DLIF_REMOVED);
			a->st.dlif_removed++;
			bool last = o == &e->dl[e->n_dlif - 1];
			dlif_del(e, o);
			if (!last && d == &e->dl[e->n_dlif])
				d = o; /* d was the moved last element */
		}
		break;
	}
	if (!d) {
		if (e->n_dlif >= DMM_ACCESS_MAX_DLIF) {
			a->st.dlif_full++;
			return finish(a, out, e, DMM_ACCESS_IGNORED);
		}
		if (e->n_dlif == e->cap_dlif) {
			unsigned cap = e->cap_dlif ? 2u * e->cap_dlif : 1u;
			if (cap > DMM_ACCESS_MAX_DLIF)
				cap = DMM_ACCESS_MAX_DLIF;
			struct dlif *n = realloc(e->dl, cap * sizeof(*n));
			if (!n)
				return finish(a, out, e, -ENOMEM);
			e->dl = n;
			e->cap_dlif = (uint8_t)cap;
		}
		d = &e->dl[e->n_dlif++];
		memset(d, 0, sizeof(*d));
		d->anchor = *anchor;
		d->id = *id;
		d->is_own = is_own;
		a->st.dlif_added++;
		ev_dlif(out, e, d, DMM_ACCESS_EV_DLIF_ADDED);
		if (e->n_dlif == 1)
			e->next_ra = next_round(a, e, now_ms);
	} else {
		d->id = *id; /* the MAAR machine is authoritative for the identity */
		d->is_own = is_own;
	}
	int k = pfx_find(d, prefix);
	if (k < 0) {
		if (d->n_pfx >= DMM_ACCESS_MAX_PIO) {
			a->st.pio_full++;
			return finish(a, out, e, DMM_ACCESS_IGNORED);
		}
		k = d->n_pfx++;
		d->pfx[k].p = *prefix;
	}
	/* D1 (RFC 8885 §3.7): a P-MAAR's prefix is always deprecated on its DLIF, whatever the
	 * caller passed; D2: the own prefix keeps its lifetimes (preferred <= valid). */
	if (preferred_s > valid_s)
		preferred_s = valid_s;
	d->pfx[k].valid_until = until_of(now_ms, valid_s);
	d->pfx[k].pref_until = is_own ? until_of(now_ms, preferred_s) : now_ms;
	a->st.ra_changed++;
	want_ra(a, out, e, d, now_ms);
	return finish(a, out, e, DMM_ACCESS_DONE);
}

/* The last RA of a withdrawn prefix (issue 4 §4): PIO valid 0 / preferred 0, and router
 * lifetime 0 plus every RIO at 0 when the DLIF has nothing left. Not rate-limited: it is the
 * DLIF's last word. RFC 4862 §5.5.3(e): hosts ignore a valid lifetime below 2 hours from an
 * unauthenticated RA unless it exceeds what they hold, so the address only becomes deprecated
 * (preferred 0) and dies at its own expiry; the forwarding state is gone anyway. */
static void send_final(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e,
		       struct dlif *d, const struct dmm_prefix *p, uint64_t now)
{
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_SEND_RA, e);

	if (!x)
		return;
	struct dmm_access_ra *ra = &x->ra;
	ra_base(a, e, d, ra);
	ra->final = true;
	if (p)
		ra->pio[ra->n_pio++] = (struct dmm_access_pio){*p, true, true, 0, 0};
	if (!d->n_pfx) {
		ra->router_lifetime_s = 0;
		ra->prf = DMM_ACCESS_PRF_MEDIUM;
		add_rios(d, now, ra, true);
	}
	d->sent = true;
	d->last_ra = now;
	a->st.ra_sent++;
	a->st.ra_final++;
}

int dmm_access_withdraw(struct dmm_access *a, uint64_t now_ms, const char *nai,
			const struct dmm_prefix *prefix, struct dmm_access_actions *out)
{
	if (!a || !nai || !prefix || !out)
		return -EINVAL;
	out->n = 0;
	struct mn *e = find_nai(a, nai);
	struct dlif *d = NULL;
	int k = -1;
	for (unsigned i = 0; e && i < e->n_dlif && k < 0; i++)
		if ((k = pfx_find(&e->dl[i], prefix)) >= 0)
			d = &e->dl[i];
	if (!d) {
		a->st.withdraw_unknown++;
		return DMM_ACCESS_IGNORED;
	}
	pfx_del(d, k);
	/* [choice] no RA to an MN NUD has given up on: it is not on the link. */
	if (e->state != DMM_ACCESS_MN_DETACHED)
		send_final(a, out, e, d, prefix, now_ms);
	if (!d->n_pfx) {
		ev_dlif(out, e, d, DMM_ACCESS_EV_DLIF_REMOVED);
		a->st.dlif_removed++;
		dlif_del(e, d);
	}
	if (e->state == DMM_ACCESS_MN_DETACHED && !e->n_dlif) {
		/* Gone from the link and nothing left to advertise: forget it. */
		ev(out, e, DMM_ACCESS_EV_FORGOTTEN);
		a->st.forgotten++;
		mn_destroy(a, e);
		e = NULL;
	}
	return finish(a, out, e, DMM_ACCESS_DONE);
}

int dmm_access_local_prefixes(struct dmm_access *a, uint64_t now_ms, const char *nai,
			      const struct dmm_ip6 *anchor, const struct dmm_prefix *prefixes,
			      unsigned n, struct dmm_access_actions *out)
{
	if (!a || !nai || !anchor || (n && !prefixes) || !out)
		return -EINVAL;
	out->n = 0;
	if (n > DMM_ACCESS_MAX_RIO) {
		a->st.rio_full++;
		return DMM_ACCESS_IGNORED;
	}
	for (unsigned i = 0; i < n; i++)
		if (!pfx_ok(&prefixes[i], 128)) { /* RFC 4191 §2.3: 0..128, host bits zero */
			a->st.bad_input++;
			return DMM_ACCESS_IGNORED;
		}
	struct mn *e = find_nai(a, nai);
	struct dlif *d = e ? dlif_find(e, anchor) : NULL;
	if (!d) {
		a->st.adv_unknown_mn++;
		return DMM_ACCESS_IGNORED;
	}
	/* Routes no longer listed are sent once with lifetime 0 (RFC 4191 §3.1: that removes
	 * the route), the rest replaced. */
	for (unsigned i = 0; i < d->n_rio; i++) {
		bool kept = false;
		for (unsigned j = 0; j < n && !kept; j++)
			kept = prefixes[j].len == d->rio[i].len &&
			       dmm_ip6_eq(&prefixes[j].addr, &d->rio[i].addr);
		if (!kept && d->n_gone < DMM_ACCESS_MAX_RIO)
			d->gone[d->n_gone++] = d->rio[i];
	}
	for (unsigned j = 0; j < n; j++)
		d->rio[j] = prefixes[j];
	d->n_rio = (uint8_t)n;
	/* A prefix listed again is not also "gone". */
	for (unsigned i = 0; i < d->n_gone;) {
		bool back = false;
		for (unsigned j = 0; j < n && !back; j++)
			back = prefixes[j].len == d->gone[i].len &&
			       dmm_ip6_eq(&prefixes[j].addr, &d->gone[i].addr);
		if (back)
			d->gone[i] = d->gone[--d->n_gone];
		else
			i++;
	}
	a->st.ra_changed++;
	want_ra(a, out, e, d, now_ms);
	return finish(a, out, e, DMM_ACCESS_DONE);
}

int dmm_access_forget(struct dmm_access *a, uint64_t now_ms, const char *nai,
		      struct dmm_access_actions *out)
{
	(void)now_ms;
	if (!a || !nai || !out)
		return -EINVAL;
	out->n = 0;
	struct mn *e = find_nai(a, nai);
	if (!e) {
		a->st.withdraw_unknown++;
		return DMM_ACCESS_IGNORED;
	}
	ev(out, e, DMM_ACCESS_EV_FORGOTTEN);
	a->st.forgotten++;
	/* Its DLIFs go with it: counted, so dlif_added - dlif_removed stays the live number
	 * (the lab's leak check after repeated moves relies on it). */
	a->st.dlif_removed += e->n_dlif;
	mn_destroy(a, e);
	return finish(a, out, NULL, DMM_ACCESS_DONE);
}

/* ---- timers ------------------------------------------------------------------------------- */

/* The NUD probe's source: the own DLIF, else any DLIF, else the own identity derived from
 * cfg.addr (the same dmm_maar_dlif_derive the MAAR machine uses, so the MN later sees the same
 * router). */
static void probe_src(const struct dmm_access *a, const struct mn *e, struct dmm_maar_dlif *id)
{
	for (unsigned i = 0; i < e->n_dlif; i++)
		if (e->dl[i].is_own) {
			*id = e->dl[i].id;
			return;
		}
	if (e->n_dlif) {
		*id = e->dl[0].id;
		return;
	}
	dmm_maar_dlif_derive(&a->cfg.addr, e->nai, id);
}

/* Returns false when the MN was destroyed. */
static bool on_timer(struct dmm_access *a, struct dmm_access_actions *out, struct mn *e,
		     uint64_t now)
{
	/* RAs: the periodic round (every DLIF not heard from within the rate limit), else owed
	 * ones whose delay is over. */
	if (e->n_dlif && e->next_ra <= now) {
		for (unsigned i = 0; i < e->n_dlif; i++) {
			struct dlif *d = &e->dl[i];
			if (!d->sent || now >= d->last_ra + a->cfg.ra_min_delay_ms) {
				if (!d->pending)
					a->st.ra_periodic++;
				send_ra(a, out, e, d, now);
			}
		}
		e->next_ra = next_round(a, e, now);
	}
	for (unsigned i = 0; i < e->n_dlif; i++) {
		struct dlif *d = &e->dl[i];
		if (d->pending && now >= d->last_ra + a->cfg.ra_min_delay_ms)
			send_ra(a, out, e, d, now);
	}
	if (!nud_on(a, e))
		return true;
	/* NUD (RFC 4861 §7.3.3): quiet for REACHABLE_TIME -> unicast probes every RETRANS_TIMER;
	 * MAX_UNICAST_SOLICIT unanswered -> gone. [choice] no STALE/DELAY: a router watching
	 * attachment has no upper-layer hint to wait for (rx_traffic is reported as heard). */
	if (e->state == DMM_ACCESS_MN_REACHABLE && e->last_heard + a->cfg.nud_reachable_ms <= now) {
		e->state = DMM_ACCESS_MN_PROBE;
		e->probes = 0;
		e->probe_at = now;
	}
	if (e->state != DMM_ACCESS_MN_PROBE || e->probe_at > now)
		return true;
	if (e->probes >= a->cfg.nud_max_probes) {
		/* RFC 8885 §3.5: a detach is reported; the MAAR machine waits its grace before
		 * de-registering. The DLIFs stay until it withdraws their prefixes. */
		push(out, DMM_ACCESS_ACT_DETACH, e);
		ev(out, e, DMM_ACCESS_EV_NUD_FAILED);
		a->st.nud_failed++;
		e->state = DMM_ACCESS_MN_DETACHED;
		for (unsigned i = 0; i < e->n_dlif; i++)
			e->dl[i].pending = false;
		if (!e->n_dlif) {
			ev(out, e, DMM_ACCESS_EV_FORGOTTEN);
			a->st.forgotten++;
			mn_destroy(a, e);
			return false;
		}
		return true;
	}
	struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_SEND_NS, e);
	if (x) {
		struct dmm_maar_dlif id;
		struct dmm_ip6 t;
		probe_src(a, e, &id);
		if (e->has_lla) {
			t = e->lla;
		} else {
			/* [choice] never heard its link-local (attached by a frame with another
			 * source): try the EUI-64 one (RFC 4291 appendix A); a host with stable
			 * private IIDs (RFC 8064) will not answer and gets re-attached when it
			 * speaks again. */
			struct dmm_mac m;
			memcpy(m.a, e->mac, 6);
			dmm_ip6_linklocal_from_mac(&m, &t);
		}
		x->ns.port = e->port;
		memcpy(x->ns.dst_mac, e->mac, 6);
		x->ns.dst = t;
		x->ns.target = t;
		memcpy(x->ns.src_mac, id.mac, 6);
		x->ns.src = id.lla;
		x->ns.probe = (uint8_t)(e->probes + 1);
		a->st.ns_sent++;
	}
	e->probes++;
	e->probe_at = now + a->cfg.nud_retrans_ms;
	return true;
}

int dmm_access_tick(struct dmm_access *a, uint64_t now_ms, struct dmm_access_actions *out)
{
	if (!a || !out)
		return -EINVAL;
	out->n = 0;
	a->armed_ms = 0; /* the timer fired: whatever comes next must be armed again */
	for (uint32_t top; (top = dmm_cp_heap_top(&a->timers)) != DMM_CP_NONE &&
			   a->ent[top].deadline <= now_ms;) {
		struct mn *e = &a->ent[top];
		if (ROOM(out) < need(e) + 1) {
			struct dmm_access_action *x = push(out, DMM_ACCESS_ACT_ARM, NULL);
			x->at_ms = now_ms;
			a->armed_ms = now_ms;
			return DMM_ACCESS_MORE;
		}
		if (on_timer(a, out, e, now_ms))
			mn_rearm(a, e);
	}
	arm_next(a, out);
	return DMM_ACCESS_DONE;
}

/* ---- inspection --------------------------------------------------------------------------- */

static void mn_copy(const struct mn *e, struct dmm_access_mn *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->nai, e->nai, (size_t)e->nai_len + 1);
	memcpy(o->mac, e->mac, 6);
	o->port = e->port;
	o->state = (enum dmm_access_mn_state)e->state;
	o->has_lla = e->has_lla;
	o->lla = e->lla;
	o->probes = e->probes;
	o->last_heard_ms = e->last_heard;
	o->next_ra_ms = e->n_dlif ? e->next_ra : 0;
	o->n_dlif = e->n_dlif;
	for (unsigned i = 0; i < e->n_dlif; i++) {
		const struct dlif *d = &e->dl[i];
		struct dmm_access_dlif_info *x = &o->dlif[i];
		x->anchor = d->anchor;
		x->id = d->id;
		x->is_own = d->is_own;
		x->n_pfx = d->n_pfx;
		x->n_rio = d->n_rio;
		for (unsigned k = 0; k < d->n_pfx; k++) {
			x->pfx[k] = d->pfx[k].p;
			x->valid_until_ms[k] = d->pfx[k].valid_until;
			x->preferred_until_ms[k] = d->pfx[k].pref_until;
		}
		for (unsigned k = 0; k < d->n_rio; k++)
			x->rio[k] = d->rio[k];
		x->last_ra_ms = d->sent ? d->last_ra : 0;
	}
}

int dmm_access_lookup(const struct dmm_access *a, const char *nai, struct dmm_access_mn *mn)
{
	if (!a || !nai || !mn)
		return -EINVAL;
	const struct mn *e = find_nai(a, nai);
	if (!e)
		return -ENOENT;
	mn_copy(e, mn);
	return 0;
}

int dmm_access_lookup_mac(const struct dmm_access *a, const uint8_t *mac, struct dmm_access_mn *mn)
{
	if (!a || !mac || !mn)
		return -EINVAL;
	const struct mn *e = find_mac(a, mac);
	if (!e)
		return -ENOENT;
	mn_copy(e, mn);
	return 0;
}

uint32_t dmm_access_count(const struct dmm_access *a)
{
	return a ? a->count : 0;
}

const struct dmm_access_stats *dmm_access_get_stats(const struct dmm_access *a)
{
	return a ? &a->st : NULL;
}
