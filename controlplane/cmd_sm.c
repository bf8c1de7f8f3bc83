/* SPDX-License-Identifier: BSD-3-Clause */
/* CMD state machine (RFC 8885 §3 with the RFC 5213 §5.3 anchor rules). See cmd_sm.h and
 * controlplane/README.md for the gap choices; each is also marked "[Gn]" / "[choice]" here.
 *
 * Memory layout of the binding cache, per MN (x86-64):
 *   struct bce                    112 B  (entry pool, calloc'd once for cfg.max_mns: untouched
 *                                         pages of an unused pool cost nothing)
 *   index slots                32-64 B   (8 B slots, two tables: by MN-ID and by HNP, each the
 *                                         next power of two >= 2*max_mns: load factor <= 0.5)
 *   timer heap slot                4 B
 *   NAI copy              len+1 + ~16 B  (malloc'd at registration)
 *   P-MAAR list     cap*102 + ~16 B      (malloc'd at the first handover, 2 slots, doubled
 *                                         as needed up to max_pmaar; 69 B of each slot hold
 *                                         up to 4 Local Prefixes, P5/D3)
 *   ~ 150 B + NAI for an MN that never moved (198 B measured with 25-octet NAIs at 1 M MNs,
 *   BENCHMARKS.md). The fan-out state (struct fanout, ~4.6 kB: the S-MAAR's PBU, per-P-MAAR
 *   retransmission timers, the relay collection) exists only while a forwarded PBU is
 *   unanswered.
 * Lookups hash the NAI (seeded FNV-1a 64), probe linearly comparing a 32-bit tag first, and
 * never allocate; deletion is by backward shift (no tombstones). Timers: one binary min-heap of
 * entries keyed by each entry's earliest deadline (expiry, deletion, relay timeout,
 * retransmission of a forwarded PBU). Index and heap: cp_util.h, shared with the MAAR and
 * access machines.
 */
#include "cmd_sm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_util.h"
#include "dmm_log.h"

#define NONE_U32 UINT32_MAX
#define NEVER	 UINT64_MAX

/* One P-MAAR a PBU was forwarded to. */
struct fan_target {
	struct dmm_cmd_pmaar p;
	uint64_t retry_ms;   /* next retransmission (RFC 8885 §3.6); NEVER once answered */
	uint32_t backoff_ms; /* interval before retry_ms: INITIAL_BINDACK_TIMEOUT, doubling */
	uint16_t lifetime;   /* granted lifetime, or 0 (de-registration, eviction notice) */
	bool collect;	     /* relay: its PBA is merged into the S-MAAR's */
	bool answered;
	bool accepted;
	bool has_dlif_lla;
	bool has_dlif_l2;
	struct dmm_ip6 dlif_lla;
	struct dmm_mh_lladdr dlif_l2;
	/* Timestamps of the retries that have left (0 = none yet): retries are stamped with the
	 * CMD's clock, so they lie in [ts_retry_min, ts_retry_max]. A PBA must echo one of the
	 * copies' Timestamps to answer this target (on_pba). */
	uint64_t ts_retry_min, ts_retry_max;
};

/* The PBUs forwarded for one S-MAAR PBU (a handover or de-registration fan-out, plus an
 * eviction notice), kept until every P-MAAR has answered or a newer handover/de-registration of
 * the MN (or the BCE's removal) supersedes them: retransmission state for each (RFC 8885 §3.6)
 * and, in relay mode, the PBA collection (§3.2 steps 3-4). */
struct fanout {
	struct dmm_mh_msg pbu; /* the S-MAAR's PBU (lifetime = granted): base of every forwarded
				* PBU, retry and PBA */
	uint64_t id;	       /* unique per CMD (fan_replace): ties paced PBUs to their fan-out */
	struct dmm_ip6 smaar;
	bool relay;	      /* relay handover: a merged PBA is owed to the S-MAAR */
	bool first_sent;      /* the collected PBA went out at the timeout */
	bool relay_done;      /* every collected P-MAAR has answered */
	uint64_t deadline_ms; /* collection timeout; NEVER when relay_timeout_ms == 0 */
	/* What the merged PBA answers: the S-MAAR's latest PBU (its handover PBU, or a
	 * retransmission / refresh absorbed while the collection is outstanding). */
	uint16_t ans_seq;
	uint16_t ans_life;
	uint8_t ans_hi;
	bool ans_has_ts;
	uint64_t ans_ts;
	uint8_t n;
	struct fan_target t[DMM_MH_MAX_PMAAR + 1];
};

struct bce {
	char *nai;		  /* malloc'd, NUL-terminated */
	struct dmm_cmd_pmaar *pm; /* malloc'd at the first handover, grown by doubling */
	struct fanout *fan;
	uint64_t expire_ms;
	uint64_t delete_ms;
	uint64_t deadline_ms; /* heap key: earliest of the above that applies */
	uint64_t last_ts;
	uint32_t hash;
	uint32_t heap_pos;
	uint32_t next_free;
	struct dmm_ip6 smaar;
	struct dmm_prefix hnp;
	uint16_t last_seq;
	uint8_t nai_len;
	uint8_t n_pmaar;
	uint8_t state; /* enum dmm_cmd_bce_state; 0 = free */
	uint8_t has_ts;
	uint8_t pm_cap; /* slots allocated at pm */
	uint8_t att;	/* Access Technology Type of the last accepted PBU (expiry notices) */
};

/* MAX_UPDATE_RATE pacing (RFC 8885 §3.2, §3.6, §6): per destination peer, the times of the last
 * max_update_rate PBUs scheduled to it (a ring, oldest at head, 0 = unused). A PBU may go at
 * max(now, oldest + 1 s), so no 1-second window ever holds more than the rate. */
struct peer_rate {
	uint64_t t[DMM_CMD_MAX_UPDATE_RATE];
	uint8_t head;
};

/* A paced PBU waiting for its send time; kept in a min-heap by (due, order). */
struct deferred {
	uint64_t due_ms;
	uint64_t order;
	bool stamp;	 /* a retry: Timestamp = the time it actually leaves */
	uint64_t fan_id; /* the fan-out it belongs to (struct fanout.id) */
	struct dmm_ip6 dst;
	struct dmm_mh_msg msg;
};

/* One configured subscriber (M6/M7), in a table sorted by NAI (strcmp). */
struct subscriber {
	char *nai; /* malloc'd */
	bool proxy_disabled;
};

struct dmm_cmd {
	struct dmm_cmd_config cfg;
	struct subscriber *subs; /* allow and proxy_disabled, sorted */
	uint32_t n_subs;
	struct dmm_cmd_peer *peers; /* sorted by address */
	struct dmm_prefix *pools;   /* every peer's pool, one allocation */
	struct bce *ent;
	uint32_t free_head;
	uint32_t count;
	uint32_t hwm; /* entries at index >= hwm have never been used (dmm_cmd_foreach) */
	struct dmm_cp_index by_nai; /* by MN-ID */
	struct dmm_cp_index by_hnp; /* by current HNP (155 for another MN's prefix) */
	struct dmm_cp_heap timers;  /* entries by deadline_ms */
	uint64_t armed_ms;	    /* last ARM emitted, 0 = none */
	struct peer_rate *rate;	    /* parallel to peers */
	struct deferred **dq;	    /* min-heap of paced PBUs */
	uint32_t n_dq, cap_dq;
	uint64_t dq_order;
	uint64_t fan_ids; /* last struct fanout.id given out */
	struct dmm_cmd_stats st;
};

_Static_assert(DMM_CMD_MAX_ACTIONS >= DMM_MH_MAX_PMAAR + 3, "one input's actions must fit");

/* ---- config, peers ----------------------------------------------------------------------- */

void dmm_cmd_config_default(struct dmm_cmd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = DMM_CMD_MODE_RELAY;
	cfg->max_lifetime_s = 0xffff * 4;
	cfg->relay_timeout_ms = 1000;
	cfg->min_delay_bce_delete_ms = 10000;
	cfg->ts_window_ms = 300;
	cfg->max_mns = 1000000;
	cfg->max_pmaar = DMM_MH_MAX_PMAAR;
	cfg->hash_seed = 0x9e3779b97f4a7c15ull;
	cfg->max_update_rate = 3;	/* MAX_UPDATE_RATE, RFC 6275 §12 */
	cfg->initial_bindack_ms = 1000; /* INITIAL_BINDACK_TIMEOUT, RFC 6275 §12 */
	cfg->max_bindack_ms = 32000;	/* MAX_BINDACK_TIMEOUT, RFC 6275 §12 */
	/* [choice] Each paced PBU holds a full message (~2.6 kB): 65536 of them bound the queue at
	 * ~170 MB. At 3 PBUs/s per peer such a backlog takes 65536 / (3 * peers) s to drain, e.g.
	 * 22 s for 1000 MAARs: beyond that a PBU would leave later than MAX_BINDACK_TIMEOUT, i.e.
	 * after the S-MAAR has given up waiting, so refusing the handover (130) is more useful. */
	cfg->max_paced = 65536;
}

const char *dmm_cmd_mode_name(enum dmm_cmd_mode m)
{
	switch (m) {
	case DMM_CMD_MODE_RELAY:
		return "relay";
	case DMM_CMD_MODE_LOCATOR:
		return "locator";
	case DMM_CMD_MODE_PROXY:
		return "proxy";
	}
	return "?";
}

static int peer_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DMM_IP6_LEN);
}

static const struct dmm_cmd_peer *peer_find(const struct dmm_cmd *c, const struct dmm_ip6 *a)
{
	return bsearch(a, c->peers, c->cfg.n_peers, sizeof(*c->peers), peer_cmp);
}

bool dmm_cmd_peer_allowed(const struct dmm_cmd *c, const struct dmm_ip6 *src)
{
	return c && src && peer_find(c, src) != NULL;
}

/* ---- subscribers (M6/M7) ----------------------------------------------------------------- */

static int sub_cmp(const void *a, const void *b)
{
	return strcmp(((const struct subscriber *)a)->nai, ((const struct subscriber *)b)->nai);
}

/* The subscriber entry of nai (NUL-terminated, as every parsed MN-ID is), or NULL. */
static const struct subscriber *sub_find(const struct dmm_cmd *c, const char *nai)
{
	struct subscriber key = {.nai = (char *)nai};

	return c->n_subs ? bsearch(&key, c->subs, c->n_subs, sizeof(*c->subs), sub_cmp) : NULL;
}

static bool nai_ok(const char *s)
{
	size_t n = s ? strnlen(s, DMM_MH_NAI_MAX + 1) : 0;
	return n >= 1 && n <= DMM_MH_NAI_MAX;
}

/* Copies and sorts both lists; -EINVAL for a bad or repeated NAI, -ENOMEM. */
static int subs_load(struct dmm_cmd *c, const struct dmm_cmd_config *cfg)
{
	uint64_t n = (uint64_t)cfg->n_allow + cfg->n_proxy_disabled;

	if (n == 0)
		return 0;
	if (!(c->subs = calloc(n, sizeof(*c->subs))))
		return -ENOMEM;
	for (unsigned k = 0; k < 2; k++) {
		const char *const *l = k ? cfg->proxy_disabled : cfg->allow;
		unsigned m = k ? cfg->n_proxy_disabled : cfg->n_allow;
		for (unsigned i = 0; i < m; i++) {
			if (!nai_ok(l[i]))
				return -EINVAL;
			struct subscriber *e = &c->subs[c->n_subs];
			if (!(e->nai = strdup(l[i])))
				return -ENOMEM;
			e->proxy_disabled = k == 1;
			c->n_subs++;
		}
	}
	qsort(c->subs, c->n_subs, sizeof(*c->subs), sub_cmp);
	for (uint32_t i = 1; i < c->n_subs; i++)
		if (strcmp(c->subs[i - 1].nai, c->subs[i].nai) == 0)
			return -EINVAL; /* listed twice: which answer was meant? */
	return 0;
}

/* ---- binding cache: index (controlplane/cp_util.h) -------------------------------------- */

static uint32_t nai_hash(const struct dmm_cmd *c, const char *s, size_t len)
{
	uint64_t h = dmm_cp_fnv1a(DMM_CP_FNV_OFFSET ^ c->cfg.hash_seed, s, len);

	h ^= h >> 29; /* FNV's low bits are weak; fold the high ones in for the mask */
	return (uint32_t)(h ^ (h >> 32));
}

static struct bce *bce_find(const struct dmm_cmd *c, const char *nai, size_t len)
{
	uint32_t h = nai_hash(c, nai, len);

	for (uint32_t cur = dmm_cp_index_home(&c->by_nai, h), i;
	     (i = dmm_cp_index_next(&c->by_nai, h, &cur)) != DMM_CP_NONE;) {
		struct bce *e = &c->ent[i];
		if (e->nai_len == len && memcmp(e->nai, nai, len) == 0)
			return e;
	}
	return NULL;
}

/* The HNP index: every BCE's current HNP (RFC 5213 §5.3.1: a prefix that matches a BCE of
 * another MN gets 155). Prefixes anchored at P-MAARs are not indexed. */
static uint32_t pfx_hash(const struct dmm_cmd *c, const struct dmm_prefix *p)
{
	uint64_t h = dmm_cp_fnv1a(DMM_CP_FNV_OFFSET ^ c->cfg.hash_seed, p->addr.a, DMM_IP6_LEN);

	h = dmm_cp_fnv1a(h, &p->len, 1);
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static bool pfx_eq(const struct dmm_prefix *a, const struct dmm_prefix *b)
{
	return a->len == b->len && dmm_ip6_eq(&a->addr, &b->addr);
}

static struct bce *pfx_find(const struct dmm_cmd *c, const struct dmm_prefix *p)
{
	uint32_t h = pfx_hash(c, p);

	for (uint32_t cur = dmm_cp_index_home(&c->by_hnp, h), i;
	     (i = dmm_cp_index_next(&c->by_hnp, h, &cur)) != DMM_CP_NONE;)
		if (pfx_eq(&c->ent[i].hnp, p))
			return &c->ent[i];
	return NULL;
}

static void pfx_index(struct dmm_cmd *c, struct bce *e)
{
	dmm_cp_index_insert(&c->by_hnp, (uint32_t)(e - c->ent), pfx_hash(c, &e->hnp));
}

static void pfx_unindex(struct dmm_cmd *c, struct bce *e)
{
	/* Reports false when the entry was not indexed (no HNP recorded yet): nothing to do. */
	dmm_cp_index_remove(&c->by_hnp, (uint32_t)(e - c->ent), pfx_hash(c, &e->hnp));
}

static bool fan_all_answered(const struct fanout *f);

static bool relay_pending(const struct fanout *f)
{
	return f && f->relay && !f->relay_done;
}

static uint64_t bce_deadline(const struct bce *e)
{
	uint64_t d = e->state == DMM_CMD_BCE_DEREG ? e->delete_ms : e->expire_ms;
	const struct fanout *f = e->fan;

	if (!f)
		return d;
	if (relay_pending(f) && !f->first_sent && f->deadline_ms < d)
		d = f->deadline_ms;
	for (int i = 0; i < f->n; i++)
		if (f->t[i].retry_ms < d)
			d = f->t[i].retry_ms;
	return d;
}

/* Call after changing any of an entry's times. */
static void bce_rearm(struct dmm_cmd *c, struct bce *e)
{
	uint32_t idx = (uint32_t)(e - c->ent);

	e->deadline_ms = bce_deadline(e);
	dmm_cp_heap_update(&c->timers, idx);
}

/* ---- entries ---------------------------------------------------------------------------- */

static struct bce *bce_create(struct dmm_cmd *c, const char *nai, size_t len)
{
	if (c->free_head == NONE_U32)
		return NULL;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, nai, len);
	copy[len] = '\0';

	uint32_t idx = c->free_head;
	struct bce *e = &c->ent[idx];
	c->free_head = e->next_free;
	if (idx >= c->hwm)
		c->hwm = idx + 1;
	memset(e, 0, sizeof(*e));
	e->nai = copy;
	e->nai_len = (uint8_t)len;
	e->hash = nai_hash(c, nai, len);
	e->heap_pos = NONE_U32;
	e->next_free = NONE_U32;
	e->state = DMM_CMD_BCE_ACTIVE;
	dmm_cp_index_insert(&c->by_nai, idx, e->hash);
	c->count++;
	return e;
}

static void bce_destroy(struct dmm_cmd *c, struct bce *e)
{
	uint32_t idx = (uint32_t)(e - c->ent);

	dmm_cp_index_remove(&c->by_nai, idx, e->hash);
	pfx_unindex(c, e);
	dmm_cp_heap_remove(&c->timers, idx);
	free(e->nai);
	free(e->pm);
	free(e->fan);
	memset(e, 0, sizeof(*e));
	e->heap_pos = NONE_U32;
	e->next_free = c->free_head;
	c->free_head = idx;
	c->count--;
}

static int pmaar_index(const struct bce *e, const struct dmm_ip6 *a)
{
	for (int i = 0; i < e->n_pmaar; i++)
		if (dmm_ip6_eq(&e->pm[i].addr, a))
			return i;
	return -1;
}

static void pmaar_remove(struct bce *e, int i)
{
	memmove(&e->pm[i], &e->pm[i + 1], (size_t)(e->n_pmaar - i - 1) * sizeof(*e->pm));
	e->n_pmaar--;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

struct dmm_cmd *dmm_cmd_new(const struct dmm_cmd_config *cfg, int *err)
{
	int dummy;
	struct dmm_cmd *c = NULL;

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!cfg || cfg->max_mns == 0 || cfg->max_mns > (1u << 30) || cfg->max_lifetime_s == 0 ||
	    cfg->max_pmaar == 0 || cfg->max_pmaar > DMM_MH_MAX_PMAAR ||
	    cfg->n_peers > DMM_CMD_MAX_PEERS || (cfg->n_peers && !cfg->peers) ||
	    cfg->mode > DMM_CMD_MODE_PROXY || cfg->max_update_rate > DMM_CMD_MAX_UPDATE_RATE ||
	    cfg->max_paced == 0 ||
	    (cfg->initial_bindack_ms && cfg->max_bindack_ms < cfg->initial_bindack_ms) ||
	    cfg->subscriber_policy > DMM_CMD_SUBS_LIST ||
	    (uint64_t)cfg->n_allow + cfg->n_proxy_disabled > DMM_CMD_MAX_SUBSCRIBERS ||
	    (cfg->n_allow && !cfg->allow) || (cfg->n_proxy_disabled && !cfg->proxy_disabled))
		return NULL;
	unsigned n_pool = 0;
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		if (cfg->peers[i].n_pool && !cfg->peers[i].pool)
			return NULL;
		for (unsigned k = 0; k < cfg->peers[i].n_pool; k++)
			if (cfg->peers[i].pool[k].len > 128)
				return NULL;
		n_pool += cfg->peers[i].n_pool;
	}

	*err = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->peers = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*c->peers));
	c->ent = calloc(cfg->max_mns, sizeof(*c->ent));
	c->rate = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*c->rate));
	c->pools = calloc(n_pool ? n_pool : 1, sizeof(*c->pools));
	if (!c->peers || !c->ent || !c->rate || !c->pools ||
	    dmm_cp_index_init(&c->by_nai, cfg->max_mns) ||
	    dmm_cp_index_init(&c->by_hnp, cfg->max_mns) ||
	    dmm_cp_heap_init(&c->timers, c->ent, cfg->max_mns, sizeof(*c->ent),
			     offsetof(struct bce, deadline_ms), offsetof(struct bce, heap_pos))) {
		dmm_cmd_free(c);
		return NULL;
	}
	memcpy(c->peers, cfg->peers, cfg->n_peers * sizeof(*c->peers));
	n_pool = 0;
	for (unsigned i = 0; i < cfg->n_peers; i++) { /* deep copy: the caller's may go away */
		struct dmm_cmd_peer *p = &c->peers[i];
		if (p->n_pool)
			memcpy(&c->pools[n_pool], p->pool, p->n_pool * sizeof(*p->pool));
		p->pool = p->n_pool ? &c->pools[n_pool] : NULL;
		n_pool += p->n_pool;
	}
	qsort(c->peers, cfg->n_peers, sizeof(*c->peers), peer_cmp);
	c->cfg.peers = c->peers;
	int rc = subs_load(c, cfg);
	if (rc) {
		dmm_cmd_free(c);
		*err = rc;
		return NULL;
	}
	c->cfg.allow = c->cfg.proxy_disabled = NULL; /* copied into c->subs */
	/* The free list links the pool in order; entries are zero (state 0) until used. */
	for (uint32_t i = 0; i < cfg->max_mns; i++) /* heap_pos: set by dmm_cp_heap_init */
		c->ent[i].next_free = i + 1 < cfg->max_mns ? i + 1 : NONE_U32;
	c->free_head = 0;
	*err = 0;
	return c;
}

void dmm_cmd_free(struct dmm_cmd *c)
{
	if (!c)
		return;
	if (c->ent) {
		for (uint32_t i = 0; i < c->cfg.max_mns; i++) {
			if (c->ent[i].state) {
				free(c->ent[i].nai);
				free(c->ent[i].pm);
				free(c->ent[i].fan);
			}
		}
	}
	for (uint32_t i = 0; i < c->n_dq; i++)
		free(c->dq[i]);
	free(c->dq);
	for (uint32_t i = 0; i < c->n_subs; i++)
		free(c->subs[i].nai);
	free(c->subs);
	free(c->rate);
	free(c->peers);
	free(c->pools);
	free(c->ent);
	dmm_cp_index_fini(&c->by_nai);
	dmm_cp_index_fini(&c->by_hnp);
	dmm_cp_heap_fini(&c->timers);
	free(c);
}

/* ---- message helpers -------------------------------------------------------------------- */

static uint64_t ms_to_ts(uint64_t ms)
{
	return dmm_mh_ts_make(ms / 1000, (uint32_t)(ms % 1000) * 1000000u);
}

static struct dmm_cmd_action *push(struct dmm_cmd_actions *out)
{
	if (out->n >= DMM_CMD_MAX_ACTIONS)
		return NULL;
	struct dmm_cmd_action *a = &out->a[out->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

/* A SEND action to dst; the caller fills a->msg. NULL on overflow. */
static struct dmm_mh_msg *send_to(struct dmm_cmd *c, struct dmm_cmd_actions *out,
				  const struct dmm_ip6 *dst)
{
	struct dmm_cmd_action *a = push(out);

	if (!a)
		return NULL;
	a->type = DMM_CMD_ACT_SEND;
	a->src = c->cfg.addr;
	a->dst = *dst;
	return &a->msg;
}

/* PBA to a PBU, RFC 5213 §5.3.6: MN-ID always (empty if the PBU had none), its HNPs or one
 * ALL_ZERO HNP, HI and ATT always (0 if absent), Timestamp / MN-LL-ID / Link-local Address
 * only if the PBU had them. P copied from the PBU; D always (RFC 8885 §4.2: the CMD can act as
 * a CMD). */
static void pba_base(struct dmm_mh_msg *m, const struct dmm_mh_msg *pbu, uint8_t status,
		     uint16_t lifetime)
{
	const struct dmm_mh_opts *i = &pbu->opt;
	struct dmm_mh_opts *o = &m->opt;

	memset(m, 0, sizeof(*m));
	m->type = DMM_MH_BA;
	m->ba.status = status;
	m->ba.flags = (uint8_t)(DMM_MH_BA_D | (pbu->bu.flags & DMM_MH_BU_P ? DMM_MH_BA_P : 0));
	m->ba.seq = pbu->bu.seq;
	m->ba.lifetime = lifetime;
	o->has_mnid = true;
	if (i->has_mnid) {
		o->nai_len = i->nai_len;
		memcpy(o->nai, i->nai, sizeof(o->nai));
	}
	if (i->n_hnp) {
		o->n_hnp = i->n_hnp;
		memcpy(o->hnp, i->hnp, sizeof(o->hnp));
	} else {
		o->n_hnp = 1; /* ALL_ZERO (zeroed above) */
	}
	o->has_hi = true;
	o->hi = i->has_hi ? i->hi : 0;
	o->has_att = true;
	o->att = i->has_att ? i->att : 0;
	if (i->has_ts) {
		o->has_ts = true;
		o->ts = i->ts;
	}
	if (i->has_mn_llid) {
		o->has_mn_llid = true;
		o->mn_llid = i->mn_llid;
	}
	if (i->has_lla) {
		o->has_lla = true;
		o->lla = i->lla;
	}
}

static int send_pba(struct dmm_cmd *c, struct dmm_cmd_actions *out, const struct dmm_ip6 *dst,
		    const struct dmm_mh_msg *pbu, uint8_t status, uint16_t lifetime,
		    struct dmm_mh_msg **msg)
{
	struct dmm_mh_msg *m = send_to(c, out, dst);

	if (!m)
		return -ENOSPC;
	pba_base(m, pbu, status, lifetime);
	c->st.rejected[status]++;
	if (msg)
		*msg = m;
	return 0;
}

/* ---- pacing ------------------------------------------------------------------------------ */

static bool dq_less(const struct deferred *a, const struct deferred *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->order < b->order);
}

static int dq_push(struct dmm_cmd *c, struct deferred *d)
{
	if (c->n_dq == c->cap_dq) {
		uint32_t cap = c->cap_dq ? 2 * c->cap_dq : 64;
		struct deferred **q = realloc(c->dq, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		c->dq = q;
		c->cap_dq = cap;
	}
	uint32_t i = c->n_dq++;
	while (i > 0 && dq_less(d, c->dq[(i - 1) / 2])) {
		c->dq[i] = c->dq[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	c->dq[i] = d;
	return 0;
}

static struct deferred *dq_pop(struct dmm_cmd *c)
{
	struct deferred *top = c->dq[0], *last = c->dq[--c->n_dq];
	uint32_t i = 0;

	for (;;) {
		uint32_t l = 2 * i + 1, m = l;
		if (l >= c->n_dq)
			break;
		if (l + 1 < c->n_dq && dq_less(c->dq[l + 1], c->dq[l]))
			m = l + 1;
		if (!dq_less(c->dq[m], last))
			break;
		c->dq[i] = c->dq[m];
		i = m;
	}
	if (c->n_dq)
		c->dq[i] = last;
	return top;
}

/* The time a PBU to dst may leave (>= now); pace_take() also reserves that slot. */
static uint64_t pace_peek(const struct dmm_cmd *c, const struct dmm_ip6 *dst, uint64_t now)
{
	const struct dmm_cmd_peer *p = peer_find(c, dst);

	if (!c->cfg.max_update_rate || !p)
		return now;
	const struct peer_rate *r = &c->rate[p - c->peers];
	uint64_t oldest = r->t[r->head];
	return oldest && oldest + 1000 > now ? oldest + 1000 : now;
}

static uint64_t pace_take(struct dmm_cmd *c, const struct dmm_ip6 *dst, uint64_t now)
{
	const struct dmm_cmd_peer *p = peer_find(c, dst);
	uint64_t at = pace_peek(c, dst, now);

	if (!c->cfg.max_update_rate || !p)
		return at;
	struct peer_rate *r = &c->rate[p - c->peers];
	r->t[r->head] = at;
	r->head = (uint8_t)((r->head + 1) % c->cfg.max_update_rate);
	return at;
}

/* A retry of t left with Timestamp ts (the CMD's clock, which never goes back). */
static void note_retry_ts(struct fan_target *t, uint64_t ts)
{
	if (!t->ts_retry_min)
		t->ts_retry_min = ts;
	if (ts > t->ts_retry_max)
		t->ts_retry_max = ts;
}

/* The S-MAAR's PBU as the CMD forwards it to one P-MAAR (RFC 8885 §3.2 step 2, §3.4 step 3,
 * the de-registration fan-out and the eviction notice): every option of the original, P/A/D
 * set, the target's lifetime, a Serving MAAR option = the S-MAAR, and [G1 choice] an Anchored
 * Prefix option naming the prefix that P-MAAR anchors. RFC 8885 options the PBU may not carry
 * are cleared. */
static void fwd_fill(struct dmm_mh_msg *m, const struct fanout *f, const struct fan_target *t)
{
	*m = f->pbu;
	m->bu.flags |= DMM_MH_BU_P | DMM_MH_BU_A | DMM_MH_BU_D;
	m->bu.lifetime = t->lifetime;
	m->opt.has_smaar = true;
	m->opt.smaar = f->smaar;
	m->opt.has_dlif_lla = m->opt.has_dlif_l2 = false;
	m->opt.n_pmaar = 0;
	m->opt.n_local = 0;
	m->opt.n_anchored = 1;
	m->opt.anchored[0] = t->p.pfx;
	m->opt.has_restart = false;
}

/* Send (or queue, over MAX_UPDATE_RATE) the forwarded PBU for target t, and arm its
 * retransmission (RFC 8885 §3.6: INITIAL_BINDACK_TIMEOUT after it leaves, doubling up to
 * MAX_BINDACK_TIMEOUT, then at that rate). A retry carries the same seq and a fresh Timestamp:
 * the CMD's clock when it leaves (RFC 5213 §6.9.4; always present, even if the S-MAAR's PBU
 * used the sequence-number scheme, since the P-MAAR would refuse a repeated seq with 135).
 * With the paced queue at max_paced the PBU is not queued: it is treated as lost and its
 * retransmission timer covers it. */
static int send_fwd(struct dmm_cmd *c, uint64_t now, struct dmm_cmd_actions *out,
		    const struct fanout *f, struct fan_target *t, bool retry)
{
	struct dmm_mh_msg *m;
	uint64_t at = pace_peek(c, &t->p.addr, now);
	uint32_t init = c->cfg.initial_bindack_ms;

	/* [choice] A lifetime-0 PBU (de-registration fan-out, eviction notice) is retried only
	 * until the interval has reached MAX_BINDACK_TIMEOUT (1, 2, 4, 8, 16, 32 s: six retries):
	 * an anchor that already released the prefix ignores it silently (RFC 5213 §5.3.5), and a
	 * de-registering MAG gives up too (§6.9.1.4). PBUs with a lifetime go on at that rate. */
	bool last = retry && t->lifetime == 0 && t->backoff_ms >= c->cfg.max_bindack_ms;
	if (retry) {
		uint64_t b = 2ull * t->backoff_ms;
		t->backoff_ms = (uint32_t)(b > c->cfg.max_bindack_ms ? c->cfg.max_bindack_ms : b);
	} else {
		t->backoff_ms = init;
	}
	if (last) {
		t->answered = true; /* given up: no longer waited for */
		t->retry_ms = NEVER;
		c->st.retx_given_up++;
	}
	if (at > now && c->n_dq >= c->cfg.max_paced) {
		c->st.paced_full++;
		if (!last)
			t->retry_ms = init ? now + t->backoff_ms : NEVER;
		return 0;
	}
	at = pace_take(c, &t->p.addr, now);
	if (at > now) { /* over MAX_UPDATE_RATE: queue it, tick sends it */
		struct deferred *d = malloc(sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->due_ms = at;
		d->order = c->dq_order++;
		d->dst = t->p.addr;
		d->stamp = retry;
		d->fan_id = f->id;
		if (dq_push(c, d)) {
			free(d);
			return -ENOMEM;
		}
		c->st.paced++;
		m = &d->msg;
	} else if (!(m = send_to(c, out, &t->p.addr))) {
		return -ENOSPC;
	}
	fwd_fill(m, f, t);
	if (retry) {
		m->opt.has_ts = true;
		m->opt.ts = ms_to_ts(now);
		if (at <= now) /* sent now; a paced one is stamped (and noted) when it leaves */
			note_retry_ts(t, m->opt.ts);
		c->st.retransmits++;
	}
	if (!last)
		t->retry_ms = init ? at + t->backoff_ms : NEVER;
	return 0;
}

static void add_prev_maar(struct dmm_mh_msg *m, const struct fan_target *t)
{
	struct dmm_mh_pmaar *p = &m->opt.pmaar[m->opt.n_pmaar++];

	memset(p, 0, sizeof(*p));
	p->addr = t->p.addr;
	p->hnp = t->p.pfx;
	p->has_dlif_lla = t->has_dlif_lla;
	p->dlif_lla = t->dlif_lla;
	p->has_dlif_l2 = t->has_dlif_l2;
	p->dlif_l2 = t->dlif_l2;
	/* D3 / G4 convention: the P-MAAR's Local Prefixes follow its Previous MAAR option. */
	p->n_local = t->p.n_local;
	memcpy(p->local, t->p.local, t->p.n_local * sizeof(*p->local));
}

/* Replace p's Local Prefix set with the n (<= DMM_MH_MAX_PMAAR_LOCAL) reported in a P-MAAR's
 * PBA. True if the set changed. */
static bool pmaar_set_local(struct dmm_cmd_pmaar *p, const struct dmm_prefix *local, unsigned n)
{
	bool same = p->n_local == n;
	for (unsigned i = 0; same && i < n; i++)
		same = p->local[i].len == local[i].len &&
		       dmm_ip6_eq(&p->local[i].addr, &local[i].addr);
	if (same)
		return false;
	p->n_local = (uint8_t)n;
	if (n)
		memcpy(p->local, local, n * sizeof(*local));
	return true;
}

/* A Previous MAAR option (no DLIF data: the BCE does not hold it [G5]) per listed P-MAAR. */
static void add_bce_pmaars(struct dmm_mh_msg *m, const struct bce *e)
{
	for (int k = 0; k < e->n_pmaar; k++) {
		struct fan_target t = {.p = e->pm[k]};
		add_prev_maar(m, &t);
	}
}

static void arm(struct dmm_cmd *c, struct dmm_cmd_actions *out, uint64_t at)
{
	if (at == c->armed_ms)
		return;
	struct dmm_cmd_action *a = push(out);
	if (!a) /* room is reserved by every caller */
		return;
	a->type = DMM_CMD_ACT_ARM;
	a->at_ms = at;
	c->armed_ms = at;
}

static void arm_next(struct dmm_cmd *c, struct dmm_cmd_actions *out)
{
	uint32_t top = dmm_cp_heap_top(&c->timers);
	uint64_t at = top != DMM_CP_NONE ? c->ent[top].deadline_ms : NEVER;

	if (c->n_dq && c->dq[0]->due_ms < at)
		at = c->dq[0]->due_ms;
	if (at != NEVER)
		arm(c, out, at);
}

/* ---- PBU processing --------------------------------------------------------------------- */

/* RFC 5213 §5.5 ordering. 0, 156, 157 or 135. */
static uint8_t order_check(const struct dmm_cmd *c, const struct bce *e, uint64_t now,
			   const struct dmm_mh_msg *m)
{
	if (m->opt.has_ts) {
		uint64_t ts = m->opt.ts;
		if (e && e->has_ts && ts < e->last_ts)
			return DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED;
		/* Exact: compare in units of 1/65536 ms, |ts*1000 - now*65536| > window*65536. */
		unsigned __int128 t = (unsigned __int128)ts * 1000,
				  n = (unsigned __int128)now << 16;
		unsigned __int128 skew = t > n ? t - n : n - t;
		if (skew > (unsigned __int128)c->cfg.ts_window_ms << 16 ||
		    (e && e->has_ts && ts == e->last_ts))
			return DMM_MH_ST_TIMESTAMP_MISMATCH;
		return 0;
	}
	/* Sequence-number scheme (RFC 6275 §9.5.1): reject seq in the 32768 values ending at the
	 * last accepted one. With no BCE (or no seq accepted yet) anything goes. */
	if (e && !e->has_ts && (uint16_t)(e->last_seq - m->bu.seq) < 32768)
		return DMM_MH_ST_SEQ_OUT_OF_WINDOW;
	return 0;
}

static void order_accept(struct bce *e, const struct dmm_mh_msg *m)
{
	if (m->opt.has_ts) {
		e->has_ts = 1;
		e->last_ts = m->opt.ts;
	} else {
		e->has_ts = 0;
	}
	e->last_seq = m->bu.seq;
	e->att = m->opt.att; /* present: checked (162) before any PBU is accepted */
}

static int reject(struct dmm_cmd *c, uint64_t now, const struct dmm_ip6 *src, const struct bce *e,
		  const struct dmm_mh_msg *pbu, uint8_t status, struct dmm_cmd_actions *out)
{
	struct dmm_mh_msg *m;
	int rc = send_pba(c, out, src, pbu, status, 0, &m);

	if (rc)
		return rc;
	if (status == DMM_MH_ST_TIMESTAMP_MISMATCH ||
	    status == DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED) {
		m->opt.has_ts = true; /* RFC 5213 §5.5: the CMD's current time */
		m->opt.ts = ms_to_ts(now);
	} else if (status == DMM_MH_ST_SEQ_OUT_OF_WINDOW) {
		m->ba.seq = e->last_seq; /* RFC 6275 §9.5.1 */
	}
	return DMM_CMD_DONE;
}

static uint16_t grant(const struct dmm_cmd *c, uint16_t req)
{
	uint32_t max = c->cfg.max_lifetime_s / 4;

	if (max == 0)
		max = 1;
	if (max > 0xffff)
		max = 0xffff;
	return req > max ? (uint16_t)max : req;
}

static struct fanout *fan_new(const struct dmm_ip6 *smaar, const struct dmm_mh_msg *pbu,
			      uint16_t life)
{
	struct fanout *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->pbu = *pbu;
	f->pbu.bu.lifetime = life;
	f->smaar = *smaar;
	f->deadline_ms = NEVER;
	f->ans_seq = pbu->bu.seq;
	f->ans_life = life;
	f->ans_hi = pbu->opt.hi;
	f->ans_has_ts = pbu->opt.has_ts;
	f->ans_ts = pbu->opt.ts;
	return f;
}

static struct fan_target *fan_add(struct fanout *f, const struct dmm_cmd_pmaar *p, uint16_t life,
				  bool collect)
{
	struct fan_target *t = &f->t[f->n++];

	t->p = *p;
	t->lifetime = life;
	t->collect = collect;
	t->retry_ms = NEVER;
	return t;
}

/* A newer handover or de-registration of the MN replaces the forwarded PBUs still unanswered
 * (their retransmissions stop) and an unfinished relay collection. */
static void fan_replace(struct dmm_cmd *c, struct bce *e, struct fanout *f)
{
	if (relay_pending(e->fan))
		c->st.relay_superseded++;
	free(e->fan);
	e->fan = f;
	if (f) /* before any of its PBUs is sent or queued (send_fwd tags them with it) */
		f->id = ++c->fan_ids;
}

static int on_dereg(struct dmm_cmd *c, uint64_t now, const struct dmm_ip6 *src, struct bce *e,
		    const struct dmm_mh_msg *pbu, struct dmm_cmd_actions *out)
{
	int rc;

	if (!e) { /* RFC 5213 §5.3.5 / §5.4.1: no session, ignore */
		c->st.drop_dereg_unknown++;
		return DMM_CMD_IGNORED;
	}
	if (dmm_ip6_eq(src, &e->smaar)) {
		if (e->state == DMM_CMD_BCE_DEREG) { /* retransmission: same answer, same timer */
			order_accept(e, pbu);
			rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, 0, NULL);
			return rc ? rc : DMM_CMD_DONE;
		}
		struct fanout *f = NULL;
		if (e->n_pmaar && !(f = fan_new(src, pbu, 0)))
			return reject(c, now, src, e, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES, out);
		order_accept(e, pbu);
		if ((rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, 0, NULL))) {
			free(f);
			return rc;
		}
		/* [G7 choice] tell every P-MAAR: the S-MAAR's PBU, lifetime 0, forwarded with
		 * Serving MAAR, retransmitted until answered or the BCE is removed
		 * (MinDelayBeforeBCEDelete later). The list is then cleared: they hold no state
		 * for this MN any more. */
		fan_replace(c, e, f);
		for (int i = 0; i < e->n_pmaar; i++)
			if ((rc = send_fwd(c, now, out, f, fan_add(f, &e->pm[i], 0, false), false)))
				return rc;
		e->n_pmaar = 0;
		e->state = DMM_CMD_BCE_DEREG;
		e->delete_ms = now + c->cfg.min_delay_bce_delete_ms;
		bce_rearm(c, e);
		c->st.deregistrations++;
		return DMM_CMD_DONE;
	}
	if (e->state == DMM_CMD_BCE_ACTIVE && pmaar_index(e, src) >= 0) {
		/* RFC 8885 §3.5 variant 2: a P-MAAR whose BCE expired; the MN is still in the
		 * domain, so answer with the session's remaining (non-zero) lifetime. */
		uint64_t left = e->expire_ms > now ? e->expire_ms - now : 0;
		uint64_t units = (left + 3999) / 4000;
		/* The BCE does not change: the MN's last accepted Timestamp (the S-MAAR's) stays.
		 */
		if ((rc =
			 send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED,
				  (uint16_t)(units ? (units > 0xffff ? 0xffff : units) : 1), NULL)))
			return rc;
		c->st.renewals++;
		return DMM_CMD_DONE;
	}
	c->st.drop_dereg_stranger++; /* RFC 5213 §5.3.5: not the Proxy-CoA, ignore */
	return DMM_CMD_IGNORED;
}

static int on_handover(struct dmm_cmd *c, uint64_t now, const struct dmm_ip6 *src, struct bce *e,
		       const struct dmm_mh_msg *pbu, uint16_t life, struct dmm_cmd_actions *out)
{
	int rc;

	/* New P-MAAR list: the old one without the new S-MAAR [choice: a MAAR the MN returns to
	 * serves its own prefix locally again], plus the old S-MAAR with its prefix. At the cap
	 * the oldest P-MAAR is dropped [X3 choice] and told so (below). Computed aside first:
	 * nothing changes unless the handover is accepted. */
	struct dmm_cmd_pmaar nl[DMM_MH_MAX_PMAAR], evicted = {0};
	int n = 0, kept = 0;
	bool evict = false;
	for (int k = 0; k < e->n_pmaar; k++)
		kept += !dmm_ip6_eq(&e->pm[k].addr, src);
	for (int k = 0; k < e->n_pmaar; k++) {
		if (dmm_ip6_eq(&e->pm[k].addr, src))
			continue;
		if (kept == c->cfg.max_pmaar && !evict) { /* the oldest goes */
			evicted = e->pm[k];
			evict = true;
			continue;
		}
		nl[n++] = e->pm[k];
	}
	nl[n++] = (struct dmm_cmd_pmaar){.addr = e->smaar, .pfx = e->hnp};

	/* [choice] The paced queue is bounded (max_paced): a fan-out that would overflow it is
	 * refused with 130 before anything changes (the S-MAAR retries later). */
	unsigned deferred = evict && pace_peek(c, &evicted.addr, now) > now;
	for (int k = 0; k < n; k++)
		deferred += pace_peek(c, &nl[k].addr, now) > now;
	if (deferred && c->n_dq + deferred > c->cfg.max_paced) {
		c->st.paced_overflow++;
		return reject(c, now, src, e, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES, out);
	}
	if (n > e->pm_cap) { /* 2, 4, 8, 16 slots: most MNs never make a long history */
		unsigned cap = e->pm_cap ? 2u * e->pm_cap : 2;
		if (cap > c->cfg.max_pmaar)
			cap = c->cfg.max_pmaar;
		struct dmm_cmd_pmaar *pm = realloc(e->pm, cap * sizeof(*pm));
		if (!pm)
			return reject(c, now, src, e, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES, out);
		e->pm = pm;
		e->pm_cap = (uint8_t)cap;
	}
	struct fanout *f = fan_new(src, pbu, life);
	if (!f)
		return reject(c, now, src, e, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES, out);

	memcpy(e->pm, nl, (size_t)n * sizeof(nl[0]));
	e->n_pmaar = (uint8_t)n;
	if (evict)
		c->st.pmaar_evicted++;
	order_accept(e, pbu);
	e->smaar = *src;
	pfx_unindex(c, e);
	e->hnp = pbu->opt.hnp[0];
	pfx_index(c, e);
	e->expire_ms = now + (uint64_t)life * 4000;
	fan_replace(c, e, f);
	c->st.handovers++;

	bool relay = c->cfg.mode == DMM_CMD_MODE_RELAY;
	for (int k = 0; k < n; k++)
		fan_add(f, &e->pm[k], life, relay);
	if (evict) /* the same form as the de-registration fan-out: lifetime 0 */
		fan_add(f, &evicted, 0, false);
	if (relay) {
		f->relay = true;
		f->deadline_ms = c->cfg.relay_timeout_ms ? now + c->cfg.relay_timeout_ms : NEVER;
	}

	struct dmm_mh_msg *m;
	if (c->cfg.mode == DMM_CMD_MODE_PROXY) {
		/* §3.4: PBA at once, from the BCE, then the PBUs. [G5] no DLIF data to give. */
		if ((rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, life, &m)))
			return rc;
		add_bce_pmaars(m, e);
	}
	/* Every mode: the PBUs to the P-MAARs (§3.2 step 2, §3.3, §3.4 step 3), then the
	 * eviction notice. */
	for (int k = 0; k < f->n; k++)
		if ((rc = send_fwd(c, now, out, f, &f->t[k], false)))
			return rc;
	/* §3.3: the P-MAARs answer the S-MAAR directly. [G2 choice] the CMD still acknowledges
	 * the S-MAAR's PBU (base options only, no Previous MAAR option) so that its
	 * retransmission timer stops. Relay: the PBA waits for the P-MAARs' PBAs. */
	if (c->cfg.mode == DMM_CMD_MODE_LOCATOR &&
	    (rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, life, NULL)))
		return rc;
	bce_rearm(c, e);
	return DMM_CMD_DONE;
}

/* Same S-MAAR, same prefix, lifetime > 0: a refresh (HI=5) or the S-MAAR retransmitting its
 * handover PBU because the PBA was lost. */
static int on_refresh(struct dmm_cmd *c, uint64_t now, const struct dmm_ip6 *src, struct bce *e,
		      const struct dmm_mh_msg *pbu, uint16_t life, struct dmm_cmd_actions *out)
{
	struct fanout *f = e->fan;
	struct dmm_mh_msg *m;

	order_accept(e, pbu);
	e->expire_ms = now + (uint64_t)life * 4000;
	if (relay_pending(f) && !f->first_sent) {
		/* [choice] relay: the merged PBA, still being collected, answers this PBU (its
		 * seq, Timestamp, HI and lifetime replace the handover PBU's): no second answer
		 * without the P-MAARs' data. */
		f->ans_seq = pbu->bu.seq;
		f->ans_life = life;
		f->ans_hi = pbu->opt.hi;
		f->ans_has_ts = pbu->opt.has_ts;
		f->ans_ts = pbu->opt.ts;
		bce_rearm(c, e);
		c->st.refresh_absorbed++;
		return DMM_CMD_DONE;
	}
	bce_rearm(c, e);
	c->st.refreshes++;
	int rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, life, &m);
	if (rc)
		return rc;
	/* [choice] relay and proxy: a Previous MAAR option per listed P-MAAR, so that a lost
	 * handover PBA is repaired by the S-MAAR's retransmission (the S-MAAR only ever learns
	 * anchors from PBAs). [G7] refreshes are not propagated to the P-MAARs. Locator: base
	 * options only, the P-MAARs answer the S-MAAR themselves. */
	if (c->cfg.mode != DMM_CMD_MODE_LOCATOR)
		add_bce_pmaars(m, e);
	return DMM_CMD_DONE;
}

static bool pool_allows(const struct dmm_cmd_peer *p, const struct dmm_prefix *hnp)
{
	if (!p->n_pool)
		return true;
	for (unsigned k = 0; k < p->n_pool; k++)
		if (p->pool[k].len <= hnp->len && dmm_prefix_contains(&p->pool[k], &hnp->addr))
			return true;
	return false;
}

static int on_pbu(struct dmm_cmd *c, uint64_t now, const struct dmm_ip6 *src,
		  const struct dmm_mh_msg *pbu, struct dmm_cmd_actions *out)
{
	const struct dmm_mh_opts *o = &pbu->opt;
	const struct dmm_cmd_peer *peer = peer_find(c, src);
	struct bce *e = NULL;

	c->st.rx_pbu++;
	/* RFC 5213 §5.3.1, in order. Step 1 (authentication) is the peer check in input(). */
	if (!o->has_mnid || o->nai_len == 0)
		return reject(c, now, src, NULL, pbu, DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION, out);
	if (!peer->proxy_reg)
		return reject(c, now, src, NULL, pbu, DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG,
			      out);
	/* Steps 7-8 (M6, M7): the subscriber policy. The MN-ID is NUL-terminated and holds no
	 * other NUL (dmm_mh_parse), so it is looked up as a string. */
	const struct subscriber *sub = sub_find(c, o->nai);
	if (!sub && c->cfg.subscriber_policy == DMM_CMD_SUBS_LIST)
		return reject(c, now, src, NULL, pbu, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE, out);
	if (sub && sub->proxy_disabled)
		return reject(c, now, src, NULL, pbu, DMM_MH_ST_PROXY_REG_NOT_ENABLED, out);
	/* [G6 choice] a PBU without P or without D (a legacy MAG, or a plain BU) is refused by
	 * policy here, with 129 Administratively prohibited. */
	if ((pbu->bu.flags & (DMM_MH_BU_P | DMM_MH_BU_D)) != (DMM_MH_BU_P | DMM_MH_BU_D))
		return reject(c, now, src, NULL, pbu, DMM_MH_ST_ADMIN_PROHIBITED, out);
	e = bce_find(c, o->nai, o->nai_len);
	/* [choice] A listed P-MAAR's lifetime-0 PBU (RFC 8885 §3.5 variant 2) is ordered on its
	 * own: the MN's last accepted Timestamp / seq come from other MAARs' PBUs (RFC 5213 §5.5
	 * assumes one MAG per MN), so only the validity window applies; it changes nothing in the
	 * BCE, so it does not move them either. */
	bool pm_dereg = e && pbu->bu.lifetime == 0 && e->state == DMM_CMD_BCE_ACTIVE &&
			!dmm_ip6_eq(src, &e->smaar) && pmaar_index(e, src) >= 0;
	uint8_t st = order_check(c, pm_dereg ? NULL : e, now, pbu);
	if (st)
		return reject(c, now, src, e, pbu, st, out);
	if (!o->n_hnp)
		return reject(c, now, src, e, pbu, DMM_MH_ST_MISSING_HOME_NETWORK_PREFIX_OPTION,
			      out);
	if (!o->has_hi)
		return reject(c, now, src, e, pbu, DMM_MH_ST_MISSING_HANDOFF_INDICATOR_OPTION, out);
	if (!o->has_att)
		return reject(c, now, src, e, pbu, DMM_MH_ST_MISSING_ACCESS_TECH_TYPE_OPTION, out);
	/* [M27 choice] a D=1 PBU asking the CMD to allocate (ALL_ZERO HNP) is refused with 129:
	 * MAARs allocate, the CMD never does. [choice] one prefix per MAAR: several HNPs in one
	 * PBU are refused with 129 too. */
	if (o->n_hnp > 1 || o->hnp[0].len == 0 || dmm_ip6_is_zero(&o->hnp[0].addr))
		return reject(c, now, src, e, pbu, DMM_MH_ST_ADMIN_PROHIBITED, out);

	if (pbu->bu.lifetime == 0)
		return on_dereg(c, now, src, e, pbu, out);

	/* Prefix authorisation (RFC 5213 §5.3.1, 155), for PBUs that would create or move a
	 * binding, after the RFC's option checks and before any BCE-dependent decision (159,
	 * handover): [M28 choice] the prefix must lie in the sending MAAR's pool (in DMM the
	 * MAAR, not the anchor, owns it), and it must not be another MN's current HNP (RFC
	 * 5213: the HNP matches a BCE but the MN-ID differs). */
	const struct bce *owner = pfx_find(c, &o->hnp[0]);
	if (!pool_allows(peer, &o->hnp[0]) || (owner && owner != e))
		return reject(c, now, src, e, pbu, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX,
			      out);

	uint16_t life = grant(c, pbu->bu.lifetime);
	if (!e) { /* RFC 8885 §3.1: initial registration */
		e = bce_create(c, o->nai, o->nai_len);
		if (!e)
			return reject(c, now, src, NULL, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES,
				      out);
		e->smaar = *src;
		e->hnp = o->hnp[0];
		pfx_index(c, e);
		e->expire_ms = now + (uint64_t)life * 4000;
		order_accept(e, pbu);
		bce_rearm(c, e);
		c->st.registrations++;
		int rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, life, NULL);
		return rc ? rc : DMM_CMD_DONE;
	}
	if (e->state == DMM_CMD_BCE_DEREG) {
		/* RFC 5213 §5.3.5: a new registration within MinDelayBeforeBCEDelete cancels the
		 * deletion. [choice] From any MAAR, with any prefix it may register: the old S-MAAR
		 * has released its anchor, so it is not made a P-MAAR (the session starts afresh,
		 * as in §3.1). Unanswered de-registration notices to the old P-MAARs keep being
		 * retried. */
		order_accept(e, pbu);
		e->smaar = *src;
		pfx_unindex(c, e);
		e->hnp = o->hnp[0];
		pfx_index(c, e);
		e->n_pmaar = 0;
		e->state = DMM_CMD_BCE_ACTIVE;
		e->expire_ms = now + (uint64_t)life * 4000;
		bce_rearm(c, e);
		c->st.registrations++;
		int rc = send_pba(c, out, src, pbu, DMM_MH_ST_ACCEPTED, life, NULL);
		return rc ? rc : DMM_CMD_DONE;
	}
	/* [choice, RFC 5213 §5.4.1 MAY] any HI, HI=4 (handoff state unknown) included, from
	 * another MAAR is a handover at once: no MaxDelayBeforeNewBCEAssign wait, since under
	 * DMM the old S-MAAR never de-registers a moving MN. */
	if (!dmm_ip6_eq(src, &e->smaar))
		return on_handover(c, now, src, e, pbu, life, out);
	/* Same S-MAAR. The prefix must be the one registered (RFC 5213: 159). */
	if (o->hnp[0].len != e->hnp.len || !dmm_ip6_eq(&o->hnp[0].addr, &e->hnp.addr))
		return reject(c, now, src, e, pbu, DMM_MH_ST_BCE_PBU_PREFIX_SET_DO_NOT_MATCH, out);
	return on_refresh(c, now, src, e, pbu, life, out);
}

/* ---- lifetime expiry ----------------------------------------------------------------------- */

/* [G7 choice, sim finding F2] An ACTIVE entry's lifetime ran out with P-MAARs listed: the S-MAAR
 * neither refreshed nor de-registered (it crashed, or its lifetime-0 PBU was lost). Under
 * de-registration variant 1 the P-MAARs run no timer of their own (RFC 8885 §3.5), so without
 * word from the CMD they would anchor and tunnel the MN's old prefixes for ever. The CMD
 * therefore does what it does after an S-MAAR's de-registration (on_dereg): each P-MAAR gets a
 * lifetime-0 PBU with Serving MAAR (the expired S-MAAR) and Anchored Prefix, through pacing,
 * retried with the lifetime-0 give-up rule, and the entry stays DEREG for
 * MinDelayBeforeBCEDelete so that those retries and the P-MAARs' PBAs still have a fan-out to
 * match (destroying it at once would drop every notice after the first copy) and a late PBU of
 * the S-MAAR finds the same answer as after a de-registration.
 *
 * No S-MAAR PBU is at hand, so the CMD writes the one the S-MAAR would have sent (RFC 5213
 * §6.9.1.4): MN-ID, the S-MAAR's HNP, HI=4, the ATT last accepted, a Timestamp = the CMD's
 * clock now (newer than every forwarded PBU of this MN, which a P-MAAR requires; retries
 * restamp), and seq = last accepted + 1, so that a late PBA to the last handover PBU is not
 * taken for an answer to this notice. Unanswered lifetime-0 notices of the replaced fan-out
 * (an evicted P-MAAR's) are carried over with their retry state; other unanswered forwarded
 * PBUs are superseded by the notices. 0, or a negative errno: -ENOMEM before anything changed
 * (the caller then removes the entry without notices), or from send_fwd. */
static int expire_notify(struct dmm_cmd *c, uint64_t now, struct bce *e,
			 struct dmm_cmd_actions *out)
{
	struct fanout *f = calloc(1, sizeof(*f)), *old = e->fan;
	struct dmm_mh_msg *m;
	int rc;

	if (!f)
		return -ENOMEM;
	m = &f->pbu;
	m->type = DMM_MH_BU;
	m->bu.seq = (uint16_t)(e->last_seq + 1);
	m->bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	m->opt.has_mnid = true;
	m->opt.nai_len = e->nai_len;
	memcpy(m->opt.nai, e->nai, e->nai_len);
	m->opt.n_hnp = 1;
	m->opt.hnp[0] = e->hnp;
	m->opt.has_hi = true;
	m->opt.hi = DMM_MH_HI_UNKNOWN;
	m->opt.has_att = true;
	m->opt.att = e->att;
	m->opt.has_ts = true;
	m->opt.ts = ms_to_ts(now);
	f->smaar = e->smaar;
	f->deadline_ms = NEVER;
	f->ans_seq = m->bu.seq;
	for (int i = 0; old && i < old->n; i++) {
		const struct fan_target *t = &old->t[i];
		if (!t->answered && t->lifetime == 0 && pmaar_index(e, &t->p.addr) < 0 &&
		    f->n < (int)(sizeof(f->t) / sizeof(f->t[0])) - e->n_pmaar)
			f->t[f->n++] = *t;
	}
	fan_replace(c, e, f);
	for (int i = 0; i < e->n_pmaar; i++)
		if ((rc = send_fwd(c, now, out, f, fan_add(f, &e->pm[i], 0, false), false)))
			return rc;
	c->st.expiry_notices += e->n_pmaar;
	e->n_pmaar = 0;
	e->state = DMM_CMD_BCE_DEREG;
	e->delete_ms = now + c->cfg.min_delay_bce_delete_ms;
	return 0;
}

/* ---- PBA processing (retransmissions, relay collection) --------------------------------- */

static bool relay_all_answered(const struct fanout *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->t[i].collect && !f->t[i].answered)
			return false;
	return true;
}

static bool fan_all_answered(const struct fanout *f)
{
	for (int i = 0; i < f->n; i++)
		if (!f->t[i].answered)
			return false;
	return true;
}

/* The (merged) PBA to the S-MAAR with a Previous MAAR option per accepting P-MAAR that has
 * answered and, if only is given, just that one (a late PBA after the timeout). It answers the
 * S-MAAR's latest PBU (seq, Timestamp, HI, lifetime). */
static int relay_send(struct dmm_cmd *c, struct fanout *f, const struct fan_target *only,
		      struct dmm_cmd_actions *out)
{
	struct dmm_mh_msg *m;
	int rc = send_pba(c, out, &f->smaar, &f->pbu, DMM_MH_ST_ACCEPTED, f->ans_life, &m);

	if (rc)
		return rc;
	m->ba.seq = f->ans_seq;
	m->opt.hi = f->ans_hi;
	m->opt.has_ts = f->ans_has_ts;
	m->opt.ts = f->ans_has_ts ? f->ans_ts : 0;
	if (only) {
		add_prev_maar(m, only);
		return 0;
	}
	for (int i = 0; i < f->n; i++)
		if (f->t[i].collect && f->t[i].answered && f->t[i].accepted)
			add_prev_maar(m, &f->t[i]);
	return 0;
}

/* [choice, sim finding F8] The sequence number alone does not identify a forwarded PBU: each
 * S-MAAR numbers its own PBUs, so the fan-out of MAAR3's seq 5 may replace that of MAAR1's seq 5
 * for the same MN, and the P-MAAR's answer to the old one (still in flight, or provoked by a
 * paced copy) would be taken for an answer to the new one: the CMD would stop retrying and tell
 * the S-MAAR that the P-MAAR anchors for it while it tunnels to the old S-MAAR. The P-MAAR echoes
 * the Serving MAAR option in an accepting PBA (G3) and the Timestamp in every PBA (RFC 5213
 * §6.9.1.2 / §5.3.6), so both must match when present: Serving MAAR = the fan-out's S-MAAR
 * (refusals carry none), and the Timestamp one that a copy sent to this P-MAAR carried: the
 * original's or a retry's. */
static bool pba_echoes_fanout(const struct fanout *f, const struct dmm_mh_msg *pba)
{
	return !pba->opt.has_smaar || dmm_ip6_eq(&pba->opt.smaar, &f->smaar);
}

static bool pba_echoes_target(const struct fanout *f, const struct fan_target *t,
			      const struct dmm_mh_msg *pba)
{
	uint64_t ts = pba->opt.ts;

	if (!pba->opt.has_ts)
		return true; /* nothing to compare: seq and source decide (RFC 6275 scheme) */
	if (f->pbu.opt.has_ts && ts == f->pbu.opt.ts)
		return true;
	return t->ts_retry_min && ts >= t->ts_retry_min && ts <= t->ts_retry_max;
}

static int on_pba(struct dmm_cmd *c, const struct dmm_ip6 *src, const struct dmm_mh_msg *pba,
		  struct dmm_cmd_actions *out)
{
	const struct dmm_mh_opts *o = &pba->opt;
	struct bce *e;
	int rc;

	c->st.rx_pba++;
	if (!o->has_mnid || !(e = bce_find(c, o->nai, o->nai_len))) {
		c->st.drop_pba_unmatched++;
		return DMM_CMD_IGNORED;
	}
	/* Matched by MN-ID + source + seq (RFC 5213 §6.9.1.2, as a MAG matches), and by what the
	 * P-MAAR echoes of the forwarded PBU: any unanswered forwarded PBU, in either BCE state
	 * (a de-registration fan-out too). */
	struct fanout *f = e->fan;
	struct fan_target *t = NULL;
	if (f && pba->ba.seq == f->pbu.bu.seq && pba_echoes_fanout(f, pba))
		for (int i = 0; i < f->n && !t; i++)
			if (!f->t[i].answered && dmm_ip6_eq(&f->t[i].p.addr, src) &&
			    pba_echoes_target(f, &f->t[i], pba))
				t = &f->t[i];
	if (!t) {
		/* Locator/proxy: a P-MAAR's repeated acknowledgement; the BCE was already
		 * updated when the PBU went out. Anything else is unmatched. */
		if (c->cfg.mode != DMM_CMD_MODE_RELAY && e->state == DMM_CMD_BCE_ACTIVE &&
		    pmaar_index(e, src) >= 0)
			return DMM_CMD_DONE;
		c->st.drop_pba_unmatched++;
		return DMM_CMD_IGNORED;
	}
	t->answered = true;
	t->retry_ms = NEVER;
	t->accepted = dmm_mh_status_accepted(pba->ba.status);
	t->has_dlif_lla = o->has_dlif_lla;
	t->dlif_lla = o->dlif_lla;
	t->has_dlif_l2 = o->has_dlif_l2;
	t->dlif_l2 = o->dlif_l2;
	if (t->accepted && t->lifetime) {
		/* P5: the P-MAAR's own Local Prefixes (message-level 66s). [choice] Stored in the
		 * BCE's P-MAAR entry, so every later PBA to the S-MAAR (relay merge, proxy answer,
		 * refresh) repeats them after its Previous MAAR option. */
		unsigned nl = o->n_local;
		if (nl > DMM_MH_MAX_PMAAR_LOCAL) { /* what a merged PBA can tie to one 67 */
			c->st.local_dropped += nl - DMM_MH_MAX_PMAAR_LOCAL;
			nl = DMM_MH_MAX_PMAAR_LOCAL;
		}
		bool changed = pmaar_set_local(&t->p, o->local, nl);
		int i = pmaar_index(e, src);
		if (i >= 0 && pfx_eq(&e->pm[i].pfx, &t->p.pfx))
			pmaar_set_local(&e->pm[i], o->local, nl);
		/* [choice] Proxy mode answered the S-MAAR before this PBA (§3.4), with the Local
		 * Prefixes known then (none for the MAAR it just left): a set it has not seen yet
		 * follows at once in a PBA of the same form as a relay's late PBA (one Previous
		 * MAAR option, the handover PBU's seq, which the S-MAAR accepts again, S7), rather
		 * than only with the next refresh. */
		if (changed && c->cfg.mode == DMM_CMD_MODE_PROXY &&
		    e->state == DMM_CMD_BCE_ACTIVE && dmm_ip6_eq(&e->smaar, &f->smaar)) {
			if ((rc = relay_send(c, f, t, out)))
				return rc;
			c->st.local_followups++;
		}
	}
	if (t->collect && !f->relay_done) {
		if (!t->accepted) { /* [choice] a refusing P-MAAR's prefix is unusable */
			int i = pmaar_index(e, src);
			if (i >= 0)
				pmaar_remove(e, i);
		}
		bool all = relay_all_answered(f);
		if (f->first_sent) { /* §3.2: late PBAs follow the timed-out one */
			c->st.relay_late_pbas++;
			if (t->accepted && (rc = relay_send(c, f, t, out)))
				return rc;
		} else if (all && (rc = relay_send(c, f, NULL, out))) {
			return rc;
		}
		if (all)
			f->relay_done = true;
	}
	if (fan_all_answered(f)) {
		free(f);
		e->fan = NULL;
	}
	bce_rearm(c, e);
	return DMM_CMD_DONE;
}

/* ---- entry points ------------------------------------------------------------------------ */

int dmm_cmd_input(struct dmm_cmd *c, uint64_t now_ms, const struct dmm_ip6 *src,
		  const struct dmm_mh_msg *msg, struct dmm_cmd_actions *out)
{
	int rc;

	if (!c || !src || !msg || !out)
		return -EINVAL;
	out->n = 0;
	if (!peer_find(c, src)) {
		c->st.drop_unknown_peer++;
		return DMM_CMD_IGNORED;
	}
	switch (msg->type) {
	case DMM_MH_BU:
		rc = on_pbu(c, now_ms, src, msg, out);
		break;
	case DMM_MH_BA:
		rc = on_pba(c, src, msg, out);
		break;
	default:
		c->st.rx_other++;
		c->st.drop_not_pbu_pba++;
		return DMM_CMD_IGNORED;
	}
	if (rc < 0)
		return rc;
	arm_next(c, out);
	return rc;
}

int dmm_cmd_tick(struct dmm_cmd *c, uint64_t now_ms, struct dmm_cmd_actions *out)
{
	if (!c || !out)
		return -EINVAL;
	out->n = 0;
	while (c->n_dq && c->dq[0]->due_ms <= now_ms) { /* paced PBUs first: they are older */
		if (out->n + 2 > DMM_CMD_MAX_ACTIONS) {
			arm(c, out, now_ms);
			return DMM_CMD_MORE;
		}
		struct deferred *d = dq_pop(c);
		struct bce *e = bce_find(c, d->msg.opt.nai, d->msg.opt.nai_len);
		struct fan_target *t = NULL;
		for (int i = 0; e && e->fan && e->fan->id == d->fan_id && i < e->fan->n && !t; i++)
			if (!e->fan->t[i].answered && dmm_ip6_eq(&e->fan->t[i].p.addr, &d->dst))
				t = &e->fan->t[i];
		/* [choice] A queued PBU with a lifetime is stale, and dropped, when its fan-out
		 * has been replaced by a newer handover or de-registration of the MN (sim finding
		 * F8: sent after the newer one's PBUs, it would make the P-MAAR tunnel to the old
		 * S-MAAR), when that P-MAAR has answered meanwhile (an earlier copy did it), or
		 * when its destination has become the MN's S-MAAR (F4: it would make the serving
		 * MAAR anchor and tunnel away from the MN). Lifetime-0 notices still go: the
		 * anchor they release is not used by any newer binding. */
		if (d->msg.bu.lifetime &&
		    (!t || (e->state == DMM_CMD_BCE_ACTIVE && dmm_ip6_eq(&e->smaar, &d->dst)))) {
			c->st.paced_stale++;
			free(d);
			continue;
		}
		struct dmm_mh_msg *m = send_to(c, out, &d->dst);
		*m = d->msg;	/* room checked above */
		if (d->stamp) { /* a paced retry: fresh Timestamp when it leaves */
			m->opt.ts = ms_to_ts(now_ms);
			if (t)
				note_retry_ts(t, m->opt.ts);
		}
		free(d);
	}
	for (uint32_t top; (top = dmm_cp_heap_top(&c->timers)) != DMM_CP_NONE &&
			   c->ent[top].deadline_ms <= now_ms;) {
		struct bce *e = &c->ent[top];
		struct fanout *f = e->fan;
		bool expiring = e->state == DMM_CMD_BCE_ACTIVE && e->expire_ms <= now_ms;
		if (expiring && e->n_pmaar) {
			/* One notice per P-MAAR and the ARM (at most max_pmaar + 1). The old
			 * fan-out's due retries and relay timeout are superseded: the S-MAAR's
			 * binding is gone; lifetime-0 notices are carried over (expire_notify). */
			if (out->n + e->n_pmaar + 1u > DMM_CMD_MAX_ACTIONS) {
				arm(c, out, now_ms);
				return DMM_CMD_MORE;
			}
			dmm_log("cmd", DMM_LOG_DEBUG, "%s: lifetime expired, %u P-MAAR(s) told",
				e->nai, e->n_pmaar);
			c->st.expired++;
			int rc = expire_notify(c, now_ms, e, out);
			if (rc == -ENOMEM) { /* no fan-out: as before F2, remove it silently */
				bce_destroy(c, e);
				continue;
			}
			if (rc)
				return rc;
			bce_rearm(c, e);
			continue;
		}
		/* Worst case per entry: one PBA and one PBU per due retry; keep room for them
		 * and the ARM (at most max_pmaar + 3, which always fits an empty out). */
		unsigned need = 2;
		for (int i = 0; f && i < f->n; i++)
			need += f->t[i].retry_ms <= now_ms;
		if (out->n + need > DMM_CMD_MAX_ACTIONS) {
			arm(c, out, now_ms);
			return DMM_CMD_MORE;
		}
		if (relay_pending(f) && !f->first_sent && f->deadline_ms <= now_ms) {
			/* §3.2: the collection timeout: send what we have, late ones follow. */
			int rc = relay_send(c, f, NULL, out);
			if (rc)
				return rc;
			f->first_sent = true;
			c->st.relay_timeouts++;
		}
		for (int i = 0; f && i < f->n; i++) {
			if (f->t[i].retry_ms > now_ms)
				continue;
			int rc = send_fwd(c, now_ms, out, f, &f->t[i], true);
			if (rc)
				return rc;
		}
		if (f && !relay_pending(f) && fan_all_answered(f)) { /* every notice given up */
			free(f);
			e->fan = NULL;
		}
		if (e->state == DMM_CMD_BCE_DEREG && e->delete_ms <= now_ms) {
			dmm_log("cmd", DMM_LOG_DEBUG, "%s: deleted after de-registration", e->nai);
			c->st.deleted++;
			bce_destroy(c, e);
		} else if (e->state == DMM_CMD_BCE_ACTIVE && e->expire_ms <= now_ms) {
			dmm_log("cmd", DMM_LOG_DEBUG, "%s: lifetime expired", e->nai);
			c->st.expired++;
			bce_destroy(c, e);
		} else {
			bce_rearm(c, e);
		}
	}
	arm_next(c, out);
	return DMM_CMD_DONE;
}

/* ---- inspection ------------------------------------------------------------------------- */

static void binding_copy(const struct bce *e, struct dmm_cmd_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->nai_len = e->nai_len;
	memcpy(b->nai, e->nai, e->nai_len); /* nai[nai_len] is '\0' from the memset */
	b->state = e->state;
	b->smaar = e->smaar;
	b->hnp = e->hnp;
	b->n_pmaar = e->n_pmaar;
	if (e->n_pmaar)
		memcpy(b->pmaar, e->pm, e->n_pmaar * sizeof(*e->pm));
	b->expire_ms = e->expire_ms;
	b->delete_ms = e->delete_ms;
	b->has_ts = e->has_ts;
	b->last_ts = e->last_ts;
	b->last_seq = e->last_seq;
	b->relay_pending = relay_pending(e->fan);
	for (int i = 0; e->fan && i < e->fan->n; i++)
		b->fwd_unanswered += !e->fan->t[i].answered;
}

int dmm_cmd_lookup(const struct dmm_cmd *c, const char *nai, struct dmm_cmd_binding *b)
{
	const struct bce *e = bce_find(c, nai, strlen(nai));

	if (!e)
		return -ENOENT;
	binding_copy(e, b);
	return 0;
}

int dmm_cmd_foreach(const struct dmm_cmd *c, int (*fn)(const struct dmm_cmd_binding *b, void *arg),
		    void *arg)
{
	struct dmm_cmd_binding b;

	if (!c || !fn)
		return -EINVAL;
	/* The pool is indexed densely from 0 (free list in order, freed entries reused first),
	 * so the high-water mark bounds the scan; free entries have state 0. */
	for (uint32_t i = 0; i < c->hwm; i++) {
		const struct bce *e = &c->ent[i];
		int rc;

		if (!e->state)
			continue;
		binding_copy(e, &b);
		rc = fn(&b, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

uint32_t dmm_cmd_count(const struct dmm_cmd *c)
{
	return c->count;
}

uint32_t dmm_cmd_paced_pending(const struct dmm_cmd *c)
{
	return c ? c->n_dq : 0;
}

const struct dmm_cmd_stats *dmm_cmd_get_stats(const struct dmm_cmd *c)
{
	return &c->st;
}
