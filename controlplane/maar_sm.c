/* SPDX-License-Identifier: BSD-3-Clause */
/* MAAR state machine (RFC 8885 §3 with the RFC 5213 §6.9 MAG rules). See maar_sm.h and the MAAR
 * section of controlplane/README.md; each choice is also marked "[Gn]" / "[choice]" here.
 *
 * Layout (same scheme as cmd_sm.c, index and heap from cp_util.h): an entry pool allocated
 * once for cfg.max_mns sessions, an open-addressing NAI index (8-byte slots {entry + 1, 32-bit
 * hash tag}, table >= 2 * max_mns, linear probing, backward-shift deletion), and one binary
 * min-heap of sessions keyed by each session's earliest deadline. The NAI is malloc'd at
 * session creation, the remote-anchor array at the first remote anchor; lookups never allocate.
 *
 * Around them: the prefix pool (/64s numbered 0..total-1 across the configured pool prefixes,
 * handed out lowest never-used first, released ones kept in a min-heap so the lowest free is
 * reused first, and a FIFO holding released ones for min_delay_bce_delete_ms), the tunnel
 * reference counts per peer address, and the MAX_UPDATE_RATE limiter with its FIFO of sessions
 * waiting to send a PBU. A queued PBU is built when it leaves, so its Timestamp is fresh and the
 * CMD's TimestampValidityWindow check (RFC 5213 §5.5) passes however long it waited.
 */
#include "maar_sm.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cp_util.h"

#define NONE_U32 UINT32_MAX
#define NEVER	 UINT64_MAX

#define MAX_RATE       64	    /* upper bound of cfg.max_update_rate */
#define POOL_MAX_64S   (1ull << 40) /* /64s used per pool prefix: plenty, and sums never overflow */
#define PEER_SLOTS     (2 * DMM_MAAR_MAX_PEERS)
#define DEREG_RETRIES  3 /* lifetime-0 PBU retransmissions before giving up (F2, F7) */
#define PREFIX_RETRIES 3 /* new prefixes tried after 155 to a registration (F6) */

enum own_mode {
	OWN_NONE = 0,
	OWN_LOCAL,  /* ANCHORED|ATTACHED: plain router for the MN's prefix */
	OWN_TUNNEL, /* ANCHORED, tunnelled to s->smaar (holds a tunnel reference) */
};

struct remote {
	struct dmm_maar_remote pub;
	bool installed; /* tunnel reference held, BIND_SET and ADVERTISE emitted */
};

struct sess {
	char *nai;	    /* malloc'd, NUL-terminated */
	struct remote *rem; /* malloc'd with DMM_MAAR_MAX_REMOTE slots at the first remote anchor */
	uint64_t expire_ms, refresh_ms, grace_ms, retx_at_ms;
	uint64_t deadline_ms; /* heap key */
	uint64_t last_ts;     /* last Timestamp sent for this MN */
	/* F4: the newest moment this MAAR knows the MN's whereabouts for (its attach here, its
	 * registration PBUs, forwarded PBUs it accepted), as a Timestamp. A forwarded PBU not
	 * newer than this describes an older state of the domain. */
	uint64_t order_ts;
	uint64_t acc_ts; /* Timestamp of the registration PBU the CMD last accepted */
	uint64_t qtoken; /* identifies the live entry in the pacing FIFO */
	uint64_t pool_g; /* pool index of pfx */
	uint32_t hash, heap_pos, next_free;
	uint32_t retx_ms;
	uint32_t granted_s; /* lifetime granted by the last accepting PBA */
	struct dmm_prefix pfx;
	struct dmm_ip6 smaar;
	uint16_t last_seq;
	uint8_t nai_len;
	uint8_t state; /* enum dmm_maar_sess_state; 0 = free */
	uint8_t n_remote;
	uint8_t own;	 /* enum own_mode */
	uint8_t pbu_hi;	 /* HI of the PBU being (re)sent */
	uint8_t sent_hi; /* HI of the PBU last sent (the echo check) */
	uint8_t retries;
	uint8_t pfx_tries; /* F6: prefixes refused with 155 for this registration */
	uint64_t refused_g[PREFIX_RETRIES]; /* F6: their pool indices (pfx_tries of them) */
	bool own_adv;			    /* own prefix advertised */
	bool registered;		    /* an accepting PBA arrived in this serving period */
	bool outstanding;		    /* last PBU unanswered: retransmission running */
	bool accepted_cur; /* an accepting PBA for last_seq arrived (S7: more may follow) */
	bool seq_valid;	   /* last_seq names a PBU that was sent */
	bool queued;	   /* waiting in the pacing FIFO */
	bool q_new_seq;	   /* the queued PBU takes a new sequence number */
	bool has_ll_id, sent_llid;
	bool det_awaiting; /* DETACHED: the registration PBU sent before the detach is unanswered */
	uint8_t ll_id[6], sent_ll[6];
	/* The newest forwarded PBU refused as stale while the MN was attached here but newer than
	 * the registration the CMD last accepted from here: the CMD's instruction not acted on.
	 * Applied if the CMD later says this MAAR is a P-MAAR (F1 renewal). */
	struct {
		struct dmm_ip6 smaar;
		uint64_t ts;
		uint16_t seq, life;
		uint8_t hi, att;
		bool valid, has_llid;
		uint8_t llid[6];
	} pend;
};

struct peer {
	struct dmm_ip6 addr;
	uint32_t refs;
	bool used; /* slots stay used once taken (at most DMM_MAAR_MAX_PEERS peers) */
};

struct qent {
	uint32_t idx;
	uint64_t token;
	uint64_t t_req;
};

/* MAX_UPDATE_RATE limiter for one destination (RFC 8885 §3.6, RFC 6275 §12): the send times of
 * the last `rate` PBUs (ring) and the FIFO of PBUs waiting. The MAAR only ever sends PBUs to
 * the CMD, so there is one limiter; the structure is per destination all the same. */
struct limiter {
	uint64_t t[MAX_RATE];
	uint8_t head, n;
	struct qent *q;
	uint32_t q_head, q_n, q_cap;
};

struct release {
	uint64_t g;
	uint64_t due_ms;
};

struct pool_pfx {
	struct dmm_prefix p;
	uint64_t n64;  /* usable /64s */
	uint64_t base; /* first global index */
};

struct dmm_maar {
	struct dmm_maar_config cfg;
	struct dmm_ip6 *peers; /* allowed direct-PBA sources, sorted */
	struct pool_pfx pool[DMM_MAAR_MAX_POOL];
	struct dmm_prefix local[DMM_MAAR_MAX_LOCAL]; /* cfg.local, copied */
	uint64_t pool_total, pool_next;		     /* never-used /64s start at pool_next */
	uint64_t *free_heap;			     /* released /64s past the delay, min-heap */
	uint64_t n_free, cap_free;
	struct release *rel; /* FIFO ring: released /64s waiting min_delay_bce_delete_ms */
	uint64_t rel_head, rel_n, rel_cap;
	struct sess *ent;
	uint32_t free_head, count, hwm;
	struct dmm_cp_index by_nai;
	struct dmm_cp_heap timers; /* sessions by deadline_ms */
	struct peer *ptab;
	uint32_t n_ptab;
	struct limiter lim;
	uint64_t qtoken;
	uint64_t armed_ms; /* last ARM emitted; 0 = none */
	uint16_t seq;	   /* per-MAAR PBU sequence counter */
	struct dmm_maar_stats st;
};

/* ---- config ------------------------------------------------------------------------------ */

void dmm_maar_config_default(struct dmm_maar_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd_mode = DMM_MAAR_CMD_RELAY;
	cfg->lifetime_s = 3600;
	cfg->dereg_variant = 1;
	cfg->detach_grace_ms = 5000;
	cfg->initial_bindack_ms = 1000; /* INITIAL_BINDACK_TIMEOUT, RFC 6275 §12 */
	cfg->max_bindack_ms = 32000;	/* MAX_BINDACK_TIMEOUT */
	cfg->max_update_rate = 3;	/* MAX_UPDATE_RATE */
	cfg->min_delay_bce_delete_ms = 10000;
	cfg->max_mns = 65536;
	cfg->att = DMM_MH_ATT_IEEE8023;
	cfg->hash_seed = 0x9e3779b97f4a7c15ull;
}

const char *dmm_maar_event_name(enum dmm_maar_event e)
{
	switch (e) {
	case DMM_MAAR_EV_REGISTERED:
		return "registered";
	case DMM_MAAR_EV_HANDOVER_DONE:
		return "handover_done";
	case DMM_MAAR_EV_REFRESHED:
		return "refreshed";
	case DMM_MAAR_EV_REJECTED:
		return "rejected";
	case DMM_MAAR_EV_ANCHOR_MOVED:
		return "anchor_moved";
	case DMM_MAAR_EV_ANCHOR_ADDED:
		return "anchor_added";
	case DMM_MAAR_EV_DEREGISTERED:
		return "deregistered";
	case DMM_MAAR_EV_POOL_EMPTY:
		return "pool_empty";
	case DMM_MAAR_EV_TABLE_FULL:
		return "table_full";
	case DMM_MAAR_EV_GIVE_UP:
		return "give_up";
	}
	return "?";
}

const char *dmm_maar_state_name(enum dmm_maar_sess_state s)
{
	switch (s) {
	case DMM_MAAR_S_REGISTERING:
		return "registering";
	case DMM_MAAR_S_SERVING:
		return "serving";
	case DMM_MAAR_S_DETACHED:
		return "detached";
	case DMM_MAAR_S_DEREGISTERING:
		return "deregistering";
	case DMM_MAAR_S_ANCHOR:
		return "anchor";
	case DMM_MAAR_S_ANCHOR_DEREG:
		return "anchor_dereg";
	}
	return "?";
}

static int ip_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DMM_IP6_LEN);
}

static bool peer_allowed(const struct dmm_maar *m, const struct dmm_ip6 *a)
{
	return m->cfg.n_peers && bsearch(a, m->peers, m->cfg.n_peers, sizeof(*m->peers), ip_cmp);
}

/* ---- DLIF identity ------------------------------------------------------------------------ */

/* RFC 8885 §3.7 leaves the DLIF identity to "other means". Every MAAR must derive the same one
 * for (anchor, MN) without talking to anyone, so it is a fixed function: FNV-1a 64 with a fixed
 * (not per-MAAR) seed over the anchor's 16 octets and the NAI; MAC 02:h1:h2:h3:h4:h5 (locally
 * administered, unicast); link-local fe80::/64 + its modified EUI-64 (RFC 4291 appendix A). */
void dmm_maar_dlif_derive(const struct dmm_ip6 *anchor, const char *nai, struct dmm_maar_dlif *out)
{
	uint64_t h = 0xcbf29ce484222325ull ^ 0x646d6d2d646c6966ull; /* "dmm-dlif" */
	struct dmm_mac mac;

	h = dmm_cp_fnv1a(h, anchor->a, DMM_IP6_LEN);
	h = dmm_cp_fnv1a(h, nai, strlen(nai));
	h ^= h >> 31; /* FNV's low octets are weak: fold the high half in */
	mac.a[0] = 0x02;
	for (int i = 1; i < 6; i++)
		mac.a[i] = (uint8_t)(h >> (8 * (i - 1)));
	memcpy(out->mac, mac.a, 6);
	dmm_ip6_linklocal_from_mac(&mac, &out->lla);
}

/* ---- NAI index (controlplane/cp_util.h) ------------------------------------------------- */

static uint32_t nai_hash(const struct dmm_maar *m, const char *s, size_t len)
{
	uint64_t h = dmm_cp_fnv1a(DMM_CP_FNV_OFFSET ^ m->cfg.hash_seed, s, len);

	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static struct sess *sess_find(const struct dmm_maar *m, const char *nai, size_t len)
{
	uint32_t h = nai_hash(m, nai, len);

	for (uint32_t cur = dmm_cp_index_home(&m->by_nai, h), i;
	     (i = dmm_cp_index_next(&m->by_nai, h, &cur)) != DMM_CP_NONE;) {
		struct sess *e = &m->ent[i];
		if (e->nai_len == len && memcmp(e->nai, nai, len) == 0)
			return e;
	}
	return NULL;
}

static void dmin(uint64_t *d, uint64_t t)
{
	if (t && t < *d)
		*d = t;
}

/* The earliest deadline that applies in the session's state. */
static uint64_t sess_deadline(const struct sess *s)
{
	uint64_t d = NEVER;

	switch (s->state) {
	case DMM_MAAR_S_REGISTERING:
	case DMM_MAAR_S_SERVING:
		if (s->outstanding && !s->queued)
			dmin(&d, s->retx_at_ms);
		if (s->state == DMM_MAAR_S_SERVING && !s->outstanding && !s->queued)
			dmin(&d, s->refresh_ms);
		dmin(&d, s->expire_ms);
		break;
	case DMM_MAAR_S_DETACHED:
		dmin(&d, s->grace_ms);
		dmin(&d, s->refresh_ms); /* F5: de-register rather than refresh an absent MN */
		dmin(&d, s->expire_ms);
		break;
	case DMM_MAAR_S_DEREGISTERING:
	case DMM_MAAR_S_ANCHOR_DEREG:
		if (s->outstanding && !s->queued)
			dmin(&d, s->retx_at_ms);
		break;
	case DMM_MAAR_S_ANCHOR:
		dmin(&d, s->expire_ms); /* 0 (none) under variant 1 */
		break;
	}
	return d;
}

/* Call after changing any of a session's times or its state. */
static void sess_rearm(struct dmm_maar *m, struct sess *s)
{
	uint32_t idx = (uint32_t)(s - m->ent);

	s->deadline_ms = sess_deadline(s);
	if (s->deadline_ms == NEVER)
		dmm_cp_heap_remove(&m->timers, idx);
	else
		dmm_cp_heap_update(&m->timers, idx);
}

/* ---- prefix pool -------------------------------------------------------------------------- */

static void pool_prefix(const struct dmm_maar *m, uint64_t g, struct dmm_prefix *out)
{
	unsigned i = 0;

	while (i + 1 < m->cfg.n_pool && g >= m->pool[i + 1].base)
		i++;
	uint64_t hi = dmm_ip6_hi64(m->pool[i].p.addr.a) + (g - m->pool[i].base);
	memset(out, 0, sizeof(*out));
	for (int k = 7; k >= 0; k--, hi >>= 8)
		out->addr.a[k] = (uint8_t)hi;
	out->len = 64;
}

static void fh_push(struct dmm_maar *m, uint64_t g)
{
	uint64_t i = m->n_free++;

	while (i > 0 && m->free_heap[(i - 1) / 2] > g) {
		m->free_heap[i] = m->free_heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->free_heap[i] = g;
}

static uint64_t fh_pop(struct dmm_maar *m)
{
	uint64_t top = m->free_heap[0], last = m->free_heap[--m->n_free], i = 0;

	for (;;) {
		uint64_t l = 2 * i + 1, c = l;
		if (l >= m->n_free)
			break;
		if (l + 1 < m->n_free && m->free_heap[l + 1] < m->free_heap[l])
			c = l + 1;
		if (m->free_heap[c] >= last)
			break;
		m->free_heap[i] = m->free_heap[c];
		i = c;
	}
	if (m->n_free)
		m->free_heap[i] = last;
	return top;
}

/* Lowest free /64: a released one past its delay, else the next never used. -ENOSPC. */
static int pool_alloc(struct dmm_maar *m, uint64_t *g)
{
	if (m->n_free)
		*g = fh_pop(m);
	else if (m->pool_next < m->pool_total)
		*g = m->pool_next++;
	else
		return -ENOSPC;
	m->st.prefixes_allocated++;
	return 0;
}

static int fh_reserve(struct dmm_maar *m);

/* F6: the lowest free /64 that is none of the n in avoid (refused with 155 for this MN); the
 * free ones skipped on the way go straight back. -ENOSPC. */
static int pool_alloc_avoiding(struct dmm_maar *m, const uint64_t *avoid, unsigned n, uint64_t *g)
{
	uint64_t skipped[PREFIX_RETRIES + 1];
	unsigned k = 0;
	int rc;

	if (n > PREFIX_RETRIES)
		return -EINVAL;
	for (;;) {
		rc = pool_alloc(m, g);
		if (rc)
			break;
		bool bad = false;
		for (unsigned i = 0; i < n; i++)
			bad |= avoid[i] == *g;
		if (!bad)
			break;
		skipped[k++] = *g; /* at most n distinct ones are bad */
		m->st.prefixes_allocated--;
		if (k > n) {
			rc = -ENOSPC;
			break;
		}
	}
	for (unsigned i = 0; i < k; i++)
		if (fh_reserve(m) == 0)
			fh_push(m, skipped[i]);
	return rc;
}

/* Back to the free heap. The heap holds at most pool_next entries; grow it on demand. */
static int fh_reserve(struct dmm_maar *m)
{
	if (m->n_free < m->cap_free)
		return 0;
	uint64_t cap = m->cap_free ? 2 * m->cap_free : 1024;
	uint64_t *h = realloc(m->free_heap, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	m->free_heap = h;
	m->cap_free = cap;
	return 0;
}

/* Release a /64: at once (it was never advertised) or after MinDelayBeforeBCEDelete, so a
 * prefix the MN may still hold is not handed to another MN (RFC 5213 §9.1 by analogy). On
 * allocation failure the /64 is leaked (counted as in use), never handed out twice. */
static void pool_release(struct dmm_maar *m, uint64_t now, uint64_t g, bool delayed)
{
	m->st.prefixes_released++;
	if (!delayed || m->cfg.min_delay_bce_delete_ms == 0) {
		if (fh_reserve(m) == 0)
			fh_push(m, g);
		return;
	}
	if (m->rel_n == m->rel_cap) {
		uint64_t cap = m->rel_cap ? 2 * m->rel_cap : 1024;
		struct release *r = malloc(cap * sizeof(*r));
		if (!r)
			return;
		for (uint64_t i = 0; i < m->rel_n; i++)
			r[i] = m->rel[(m->rel_head + i) % m->rel_cap];
		free(m->rel);
		m->rel = r;
		m->rel_head = 0;
		m->rel_cap = cap;
	}
	m->rel[(m->rel_head + m->rel_n++) % m->rel_cap] =
	    (struct release){.g = g, .due_ms = now + m->cfg.min_delay_bce_delete_ms};
}

static void pool_tick(struct dmm_maar *m, uint64_t now)
{
	while (m->rel_n && m->rel[m->rel_head].due_ms <= now) {
		if (fh_reserve(m))
			return;
		fh_push(m, m->rel[m->rel_head].g);
		m->rel_head = (m->rel_head + 1) % m->rel_cap;
		m->rel_n--;
	}
}

uint64_t dmm_maar_pool_used(const struct dmm_maar *m)
{
	return m->pool_next - m->n_free;
}

uint64_t dmm_maar_pool_free(const struct dmm_maar *m)
{
	return m->pool_total - m->pool_next + m->n_free;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

struct dmm_maar *dmm_maar_new(const struct dmm_maar_config *cfg, int *err)
{
	int dummy;
	struct dmm_maar *m;

	if (!err)
		err = &dummy;
	*err = -EINVAL;
	if (!cfg || dmm_ip6_is_zero(&cfg->addr) || dmm_ip6_is_zero(&cfg->cmd) ||
	    cfg->max_mns == 0 || cfg->max_mns > (1u << 28) || cfg->n_pool > DMM_MAAR_MAX_POOL ||
	    (cfg->n_pool && !cfg->pool) || cfg->n_peers > DMM_MAAR_MAX_PEERS ||
	    (cfg->n_peers && !cfg->peers) || cfg->cmd_mode > DMM_MAAR_CMD_PROXY ||
	    (cfg->cmd_mode == DMM_MAAR_CMD_LOCATOR && cfg->n_peers == 0) ||
	    (cfg->dereg_variant != 1 && cfg->dereg_variant != 2) || cfg->lifetime_s == 0 ||
	    cfg->initial_bindack_ms == 0 || cfg->max_bindack_ms < cfg->initial_bindack_ms ||
	    cfg->max_update_rate > MAX_RATE || cfg->n_local > DMM_MAAR_MAX_LOCAL ||
	    (cfg->n_local && !cfg->local))
		return NULL;
	for (unsigned i = 0; i < cfg->n_local; i++) {
		struct dmm_prefix p = cfg->local[i];
		if (p.len == 0 || p.len > 128)
			return NULL;
		dmm_ip6_mask(&p.addr, p.len);
		if (!dmm_ip6_eq(&p.addr, &cfg->local[i].addr))
			return NULL; /* host bits: RFC 4191 §2.3 routes have none */
	}
	for (unsigned i = 0; i < cfg->n_pool; i++) {
		struct dmm_prefix p = cfg->pool[i];
		if (p.len > 64)
			return NULL;
		dmm_ip6_mask(&p.addr, p.len);
		if (memcmp(&p, &cfg->pool[i], sizeof(p.addr)) != 0)
			return NULL; /* host bits set: almost always a typo */
		for (unsigned j = 0; j < i; j++)
			if (dmm_prefix_overlap(&cfg->pool[i], &cfg->pool[j]))
				return NULL;
	}

	*err = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->peers = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*m->peers));
	m->ent = calloc(cfg->max_mns, sizeof(*m->ent));
	m->ptab = calloc(PEER_SLOTS, sizeof(*m->ptab));
	if (!m->peers || !m->ent || !m->ptab || dmm_cp_index_init(&m->by_nai, cfg->max_mns) ||
	    dmm_cp_heap_init(&m->timers, m->ent, cfg->max_mns, sizeof(*m->ent),
			     offsetof(struct sess, deadline_ms), offsetof(struct sess, heap_pos))) {
		dmm_maar_free(m);
		return NULL;
	}
	if (cfg->n_peers)
		memcpy(m->peers, cfg->peers, cfg->n_peers * sizeof(*m->peers));
	qsort(m->peers, cfg->n_peers, sizeof(*m->peers), ip_cmp);
	m->cfg.peers = m->peers;
	m->cfg.pool = NULL; /* copied into m->pool */
	if (cfg->n_local)
		memcpy(m->local, cfg->local, cfg->n_local * sizeof(*m->local));
	m->cfg.local = m->local;
	for (unsigned i = 0; i < cfg->n_pool; i++) {
		uint64_t n =
		    64 - cfg->pool[i].len >= 40 ? POOL_MAX_64S : 1ull << (64 - cfg->pool[i].len);
		m->pool[i] = (struct pool_pfx){.p = cfg->pool[i], .n64 = n, .base = m->pool_total};
		m->pool_total += n;
	}
	for (uint32_t i = 0; i < cfg->max_mns; i++) /* heap_pos: set by dmm_cp_heap_init */
		m->ent[i].next_free = i + 1 < cfg->max_mns ? i + 1 : NONE_U32;
	*err = 0;
	return m;
}

void dmm_maar_free(struct dmm_maar *m)
{
	if (!m)
		return;
	if (m->ent)
		for (uint32_t i = 0; i < m->hwm; i++)
			if (m->ent[i].state) {
				free(m->ent[i].nai);
				free(m->ent[i].rem);
			}
	free(m->lim.q);
	free(m->rel);
	free(m->free_heap);
	free(m->ptab);
	free(m->peers);
	free(m->ent);
	dmm_cp_index_fini(&m->by_nai);
	dmm_cp_heap_fini(&m->timers);
	free(m);
}

static struct sess *sess_create(struct dmm_maar *m, const char *nai, size_t len)
{
	if (m->free_head == NONE_U32)
		return NULL;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, nai, len);
	copy[len] = '\0';
	uint32_t idx = m->free_head;
	struct sess *s = &m->ent[idx];
	m->free_head = s->next_free;
	if (idx >= m->hwm)
		m->hwm = idx + 1;
	memset(s, 0, sizeof(*s));
	s->nai = copy;
	s->nai_len = (uint8_t)len;
	s->hash = nai_hash(m, nai, len);
	s->heap_pos = NONE_U32;
	s->next_free = NONE_U32;
	dmm_cp_index_insert(&m->by_nai, idx, s->hash);
	m->count++;
	return s;
}

/* Removes the session; its pacing FIFO entry (if any) goes stale by its token. */
static void sess_destroy(struct dmm_maar *m, uint64_t now, struct sess *s, bool delayed_release)
{
	uint32_t idx = (uint32_t)(s - m->ent);

	pool_release(m, now, s->pool_g, delayed_release);
	dmm_cp_index_remove(&m->by_nai, idx, s->hash);
	dmm_cp_heap_remove(&m->timers, idx);
	free(s->nai);
	free(s->rem);
	memset(s, 0, sizeof(*s));
	s->heap_pos = NONE_U32;
	s->next_free = m->free_head;
	m->free_head = idx;
	m->count--;
}

/* ---- actions ------------------------------------------------------------------------------- */

#define ROOM(out) (DMM_MAAR_MAX_ACTIONS - (out)->n)

static struct dmm_maar_action *push(struct dmm_maar_actions *out, enum dmm_maar_action_type t,
				    const struct sess *s)
{
	/* Every caller checks the room first (worst cases in act_need()); this is a backstop. */
	if (out->n >= DMM_MAAR_MAX_ACTIONS)
		return NULL;
	struct dmm_maar_action *a = &out->a[out->n++];
	memset(a, 0, offsetof(struct dmm_maar_action, msg));
	a->type = t;
	if (s)
		memcpy(a->nai, s->nai, (size_t)s->nai_len + 1);
	return a;
}

static void ev(struct dmm_maar_actions *out, const struct sess *s, enum dmm_maar_event e)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_EVENT, s);

	if (!a)
		return;
	a->event = e;
	a->prefix = s->pfx;
	a->peer = s->smaar;
}

static void arm(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t at)
{
	if (at == m->armed_ms)
		return;
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_ARM, NULL);
	if (!a)
		return;
	a->at_ms = at;
	m->armed_ms = at;
}

static void tun_ref(struct dmm_maar *m, struct dmm_maar_actions *out, const struct dmm_ip6 *peer,
		    struct peer *p)
{
	if (p->refs++ == 0) {
		struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_TUNNEL_ADD, NULL);
		if (a)
			a->peer = *peer;
	}
	(void)m;
}

/* The peer entry for addr, created if need be; NULL when the table is full. */
static struct peer *peer_get(struct dmm_maar *m, const struct dmm_ip6 *addr, bool create)
{
	uint32_t h = (uint32_t)dmm_cp_fnv1a(DMM_CP_FNV_OFFSET, addr->a, DMM_IP6_LEN);

	for (uint32_t n = 0, i = h % PEER_SLOTS; n < PEER_SLOTS; n++, i = (i + 1) % PEER_SLOTS) {
		struct peer *p = &m->ptab[i];
		if (!p->used) {
			/* at most half full (DMM_MAAR_MAX_PEERS): probe chains stay short */
			if (!create || m->n_ptab >= DMM_MAAR_MAX_PEERS)
				return NULL;
			m->n_ptab++;
			p->used = true;
			p->addr = *addr;
			p->refs = 0;
			return p;
		}
		if (dmm_ip6_eq(&p->addr, addr))
			return p;
	}
	return NULL;
}

static void tun_unref(struct dmm_maar *m, struct dmm_maar_actions *out, const struct dmm_ip6 *peer)
{
	struct peer *p = peer_get(m, peer, false);

	if (!p || !p->refs)
		return;
	if (--p->refs == 0) {
		struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_TUNNEL_DEL, NULL);
		if (a)
			a->peer = *peer;
	}
}

static void bind_set(struct dmm_maar_actions *out, const struct sess *s,
		     const struct dmm_prefix *pfx, uint8_t flags, const struct dmm_ip6 *peer)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_BIND_SET, s);

	if (!a)
		return;
	a->prefix = *pfx;
	a->flags = flags;
	if (peer)
		a->peer = *peer;
	if ((flags & DMM_MAAR_BIND_ATTACHED) && s->has_ll_id) {
		a->has_ll_id = true;
		memcpy(a->ll_id, s->ll_id, 6);
	}
}

static void bind_del(struct dmm_maar_actions *out, const struct sess *s,
		     const struct dmm_prefix *pfx)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_BIND_DEL, s);

	if (a)
		a->prefix = *pfx;
}

/* local / n_local: the anchor's complete Local Prefix set (D3), NULL / 0 for none. */
static void advertise(struct dmm_maar_actions *out, const struct sess *s,
		      const struct dmm_prefix *pfx, const struct dmm_ip6 *anchor, uint32_t valid_s,
		      uint32_t preferred_s, const struct dmm_maar_dlif *dlif,
		      const struct dmm_prefix *local, uint8_t n_local)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_ADVERTISE, s);

	if (!a)
		return;
	a->prefix = *pfx;
	a->peer = *anchor;
	a->valid_s = valid_s;
	a->preferred_s = preferred_s;
	a->dlif = *dlif;
	a->n_local = n_local;
	if (n_local)
		memcpy(a->local, local, n_local * sizeof(*local));
}

/* A remote anchor's ADVERTISE, with its Local Prefixes; local_set: the set is new to the access
 * link (first ADVERTISE of an anchor that has some, or a changed set). */
static void remote_advertise(struct dmm_maar_actions *out, const struct sess *s,
			     const struct remote *r, uint32_t valid_s, bool local_set)
{
	/* RFC 8885 §3.7: a P-MAAR's prefix stays valid but deprecated, so new flows use the
	 * local prefix and the old ones keep theirs. */
	advertise(out, s, &r->pub.pfx, &r->pub.addr, valid_s, 0, &r->pub.dlif, r->pub.local,
		  r->pub.n_local);
	if (local_set && out->n && out->a[out->n - 1].type == DMM_MAAR_ACT_ADVERTISE)
		out->a[out->n - 1].local_set = true;
}

static void withdraw(struct dmm_maar_actions *out, const struct sess *s,
		     const struct dmm_prefix *pfx)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_WITHDRAW, s);

	if (a)
		a->prefix = *pfx;
}

static struct dmm_mh_msg *send_msg(struct dmm_maar_actions *out, const struct sess *s,
				   const struct dmm_ip6 *dst, bool sync)
{
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_SEND, s);

	if (!a)
		return NULL;
	a->dst = *dst;
	a->sync = sync;
	memset(&a->msg, 0, sizeof(a->msg));
	return &a->msg;
}

/* Worst-case actions to tear a session down or move it (BIND_DEL + WITHDRAW + TUNNEL_DEL per
 * prefix, plus a few SEND / TUNNEL_ADD / BIND_SET / EVENT). */
static unsigned act_need(const struct sess *s)
{
	return 3u * (s->n_remote + 1u) + 6u;
}

_Static_assert(3 * (DMM_MAAR_MAX_REMOTE + 1) + 6 + 2 <= DMM_MAAR_MAX_ACTIONS,
	       "one session's worst case must fit one action list");

/* ---- forwarding state ---------------------------------------------------------------------- */

static uint32_t remaining_s(const struct sess *s, uint64_t now)
{
	return s->expire_ms > now ? (uint32_t)((s->expire_ms - now + 999) / 1000) : 0;
}

static void own_local(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s)
{
	bind_set(out, s, &s->pfx, DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED, NULL);
	if (s->own == OWN_TUNNEL) /* BIND_SET first: the tunnel is free only after it */
		tun_unref(m, out, &s->smaar);
	s->own = OWN_LOCAL;
	memset(&s->smaar, 0, sizeof(s->smaar));
}

static void own_advertise(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s,
			  uint32_t life_s)
{
	struct dmm_maar_dlif d;

	dmm_maar_dlif_derive(&m->cfg.addr, s->nai, &d);
	advertise(out, s, &s->pfx, &m->cfg.addr, life_s, life_s, &d, NULL, 0);
	s->own_adv = true;
}

/* TUNNEL_ADD (first user), BIND_SET ATTACHED via the P-MAAR, ADVERTISE with preferred 0. */
static int remote_install(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s,
			  struct remote *r, uint32_t valid_s)
{
	struct peer *p = peer_get(m, &r->pub.addr, true);

	if (!p)
		return -ENOSPC;
	tun_ref(m, out, &r->pub.addr, p);
	bind_set(out, s, &r->pub.pfx, DMM_MAAR_BIND_ATTACHED, &r->pub.addr);
	remote_advertise(out, s, r, valid_s, r->pub.n_local > 0);
	r->installed = true;
	return 0;
}

static void remotes_uninstall(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s)
{
	for (int i = 0; i < s->n_remote; i++) {
		struct remote *r = &s->rem[i];
		if (!r->installed)
			continue;
		bind_del(out, s, &r->pub.pfx);
		withdraw(out, s, &r->pub.pfx);
		tun_unref(m, out, &r->pub.addr);
		r->installed = false;
	}
}

/* Everything this MAAR forwards or advertises for the MN goes: remote anchors, then its own
 * prefix (BIND_DEL before the TUNNEL_DEL that frees its tunnel). */
static void fwd_remove(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s,
		       bool keep_remotes)
{
	remotes_uninstall(m, out, s);
	if (!keep_remotes)
		s->n_remote = 0;
	if (s->own != OWN_NONE)
		bind_del(out, s, &s->pfx);
	if (s->own_adv)
		withdraw(out, s, &s->pfx);
	if (s->own == OWN_TUNNEL)
		tun_unref(m, out, &s->smaar);
	s->own = OWN_NONE;
	s->own_adv = false;
}

/* Replace r's Local Prefix set (RFC 8885 §4.4: what the anchor reported last, through the CMD
 * or directly; at most DMM_MAAR_MAX_LOCAL, the rest counted and left out). True if it changed. */
static bool remote_set_local(struct dmm_maar *m, struct remote *r, const struct dmm_prefix *local,
			     unsigned n)
{
	if (n > DMM_MAAR_MAX_LOCAL) {
		m->st.local_dropped += n - DMM_MAAR_MAX_LOCAL;
		n = DMM_MAAR_MAX_LOCAL;
	}
	bool same = r->pub.n_local == n;
	for (unsigned i = 0; same && i < n; i++)
		same = r->pub.local[i].len == local[i].len &&
		       dmm_ip6_eq(&r->pub.local[i].addr, &local[i].addr);
	if (same)
		return false;
	r->pub.n_local = (uint8_t)n;
	if (n)
		memcpy(r->pub.local, local, n * sizeof(*local));
	return true;
}

/* Store a remote anchor {addr, pfx, dlif, local prefixes}; NULL if it is not usable. An anchor
 * already known is returned with *known set (and not changed: see remote_set_local). */
static struct remote *remote_add(struct dmm_maar *m, struct sess *s, const struct dmm_ip6 *addr,
				 const struct dmm_prefix *pfx, const struct dmm_mh_pmaar *opt,
				 const struct dmm_prefix *local, unsigned n_local, bool *known)
{
	*known = false;
	if (dmm_ip6_eq(addr, &m->cfg.addr) || pfx->len != 64 || dmm_ip6_is_zero(&pfx->addr) ||
	    (pfx->len == s->pfx.len && dmm_ip6_eq(&pfx->addr, &s->pfx.addr))) {
		m->st.remote_skipped++;
		return NULL;
	}
	for (int i = 0; i < s->n_remote; i++)
		if (dmm_ip6_eq(&s->rem[i].pub.addr, addr) &&
		    dmm_ip6_eq(&s->rem[i].pub.pfx.addr, &pfx->addr)) {
			*known = true;
			return &s->rem[i];
		}
	if (!s->rem && !(s->rem = calloc(DMM_MAAR_MAX_REMOTE, sizeof(*s->rem)))) {
		m->st.remote_skipped++;
		return NULL;
	}
	if (s->n_remote == DMM_MAAR_MAX_REMOTE) {
		m->st.remote_skipped++;
		return NULL;
	}
	struct remote *r = &s->rem[s->n_remote++];
	memset(r, 0, sizeof(*r));
	r->pub.addr = *addr;
	r->pub.pfx = *pfx;
	dmm_maar_dlif_derive(addr, s->nai, &r->pub.dlif);
	if (opt) { /* RFC 8885 §4.7-4.8 via the G4 convention: the options after this 67 */
		if (opt->has_dlif_lla)
			r->pub.dlif.lla = opt->dlif_lla;
		if (opt->has_dlif_l2 && opt->dlif_l2.len == 6)
			memcpy(r->pub.dlif.mac, opt->dlif_l2.a, 6);
	}
	remote_set_local(m, r, local, n_local);
	m->st.remote_anchors_added++;
	return r;
}

/* ---- PBU sending and pacing ------------------------------------------------------------------ */

static uint64_t ms_to_ts(uint64_t ms)
{
	return dmm_mh_ts_make(ms / 1000, (uint32_t)(ms % 1000) * 1000000u);
}

/* RFC 5213 §5.5: each PBU's Timestamp must be strictly greater than the last one the CMD
 * accepted for the MN; two PBUs in one millisecond get the second bumped by 1/65536 s. */
static uint64_t fresh_ts(struct sess *s, uint64_t now)
{
	uint64_t ts = ms_to_ts(now);

	if (ts <= s->last_ts)
		ts = s->last_ts + 1;
	s->last_ts = ts;
	return ts;
}

static bool rate_ok(const struct dmm_maar *m, uint64_t now)
{
	const struct limiter *l = &m->lim;

	return !m->cfg.max_update_rate || l->n < m->cfg.max_update_rate ||
	       l->t[l->head] + 1000 <= now;
}

static void rate_note(struct dmm_maar *m, uint64_t now)
{
	struct limiter *l = &m->lim;

	if (!m->cfg.max_update_rate)
		return;
	if (l->n < m->cfg.max_update_rate) {
		l->t[(l->head + l->n++) % m->cfg.max_update_rate] = now;
	} else {
		l->t[l->head] = now;
		l->head = (uint8_t)((l->head + 1) % m->cfg.max_update_rate);
	}
}

/* Build and emit the session's PBU now (its content follows from the state). */
static void pbu_emit(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s, uint64_t now,
		     bool retx)
{
	struct dmm_mh_msg *msg = send_msg(out, s, &m->cfg.cmd, false);

	if (!msg)
		return;
	bool dereg = s->state == DMM_MAAR_S_DEREGISTERING || s->state == DMM_MAAR_S_ANCHOR_DEREG;
	if (s->q_new_seq || !s->seq_valid) {
		s->last_seq = ++m->seq;
		s->seq_valid = true;
		s->accepted_cur = false;
	}
	msg->type = DMM_MH_BU;
	msg->bu.seq = s->last_seq;
	msg->bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	msg->bu.lifetime = dereg ? 0 : dmm_mh_lifetime_units(m->cfg.lifetime_s);
	struct dmm_mh_opts *o = &msg->opt;
	o->has_mnid = true;
	o->nai_len = s->nai_len;
	memcpy(o->nai, s->nai, (size_t)s->nai_len + 1);
	o->n_hnp = 1;
	o->hnp[0] = s->pfx;
	o->has_hi = true;
	o->hi = dereg ? DMM_MH_HI_UNKNOWN : s->pbu_hi; /* RFC 5213 §6.9.1.4: HI=4 */
	o->has_att = true;
	o->att = m->cfg.att;
	o->has_ts = true;
	o->ts = fresh_ts(s, now);
	if (!dereg && o->ts > s->order_ts)
		s->order_ts = o->ts;
	s->sent_llid = s->has_ll_id && s->state != DMM_MAAR_S_ANCHOR_DEREG;
	if (s->sent_llid) {
		o->has_mn_llid = true;
		o->mn_llid.len = 6;
		memcpy(o->mn_llid.a, s->ll_id, 6);
		memcpy(s->sent_ll, s->ll_id, 6);
	}
	s->sent_hi = o->hi;
	s->outstanding = true;
	/* Both de-registrations are retransmitted too (F2: RFC 5213 §6.9.1.4 extended). */
	s->retx_at_ms = now + s->retx_ms;
	m->st.pbu_sent++;
	if (retx)
		m->st.pbu_retx++;
}

/* Ask for the session's PBU to leave (new_seq: a new PBU; else a retransmission of last_seq).
 * It joins the FIFO of the CMD's limiter; drain() sends what the rate allows. */
static int pbu_request(struct dmm_maar *m, uint64_t now, struct sess *s, bool new_seq)
{
	struct limiter *l = &m->lim;

	if (new_seq) {
		s->retx_ms = m->cfg.initial_bindack_ms;
		s->retries = 0;
		s->accepted_cur = false; /* S7 acceptance ends when the next PBU is sent */
	}
	s->q_new_seq = s->queued ? (s->q_new_seq || new_seq) : new_seq;
	s->outstanding = true;
	if (s->queued)
		return 0;
	if (l->q_n == l->q_cap) {
		uint32_t cap = l->q_cap ? 2 * l->q_cap : 256;
		struct qent *q = malloc(cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		for (uint32_t i = 0; i < l->q_n; i++)
			q[i] = l->q[(l->q_head + i) % l->q_cap];
		free(l->q);
		l->q = q;
		l->q_head = 0;
		l->q_cap = cap;
	}
	s->qtoken = ++m->qtoken;
	s->queued = true;
	l->q[(l->q_head + l->q_n++) % l->q_cap] =
	    (struct qent){.idx = (uint32_t)(s - m->ent), .token = s->qtoken, .t_req = now};
	return 0;
}

/* Drop a session's pending PBU and stop its retransmissions (the FIFO entry goes stale). */
static void pbu_cancel(struct sess *s)
{
	s->queued = false;
	s->outstanding = false;
	s->retx_at_ms = 0;
}

/* Send queued PBUs while the rate allows and reserve slots remain in out. */
static void drain(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now, unsigned reserve)
{
	struct limiter *l = &m->lim;

	while (l->q_n) {
		struct qent e = l->q[l->q_head];
		struct sess *s = &m->ent[e.idx];
		bool live = s->state && s->queued && s->qtoken == e.token;
		if (live && (!rate_ok(m, now) || ROOM(out) <= reserve))
			return;
		l->q_head = (l->q_head + 1) % l->q_cap;
		l->q_n--;
		if (!live)
			continue;
		s->queued = false;
		rate_note(m, now);
		if (e.t_req < now)
			m->st.pbu_paced++;
		bool retx = !s->q_new_seq && s->seq_valid;
		pbu_emit(m, out, s, now, retx);
		s->q_new_seq = false;
		sess_rearm(m, s);
	}
}

/* The next time something is due: a session deadline, a queued PBU, a prefix release. */
static void arm_next(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now)
{
	uint32_t top = dmm_cp_heap_top(&m->timers);
	uint64_t at = top != DMM_CP_NONE ? m->ent[top].deadline_ms : NEVER;
	const struct limiter *l = &m->lim;

	if (l->q_n) {
		uint64_t t = rate_ok(m, now) ? now : l->t[l->head] + 1000;
		if (t < at)
			at = t;
	}
	if (m->rel_n && m->rel[m->rel_head].due_ms < at)
		at = m->rel[m->rel_head].due_ms;
	if (at != NEVER)
		arm(m, out, at);
}

/* ---- serving side -------------------------------------------------------------------------- */

static bool ll_eq(const struct sess *s, const uint8_t *ll)
{
	return ll ? s->has_ll_id && memcmp(s->ll_id, ll, 6) == 0 : !s->has_ll_id;
}

static void ll_store(struct sess *s, const uint8_t *ll)
{
	s->has_ll_id = ll != NULL;
	if (ll)
		memcpy(s->ll_id, ll, 6);
	else
		memset(s->ll_id, 0, 6);
}

/* Re-issue the ATTACHED bindings (own and remote) with the current ll_id. */
static void rebind_attached(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s)
{
	(void)m;
	if (s->own == OWN_LOCAL)
		bind_set(out, s, &s->pfx, DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED, NULL);
	for (int i = 0; i < s->n_remote; i++)
		if (s->rem[i].installed)
			bind_set(out, s, &s->rem[i].pub.pfx, DMM_MAAR_BIND_ATTACHED,
				 &s->rem[i].pub.addr);
}

static void start_registering(struct dmm_maar *m, uint64_t now, struct sess *s, uint8_t hi)
{
	s->state = DMM_MAAR_S_REGISTERING;
	s->pbu_hi = hi;
	s->registered = false;
	s->grace_ms = 0;
	s->refresh_ms = 0;
	pbu_request(m, now, s, true);
}

int dmm_maar_attach(struct dmm_maar *m, uint64_t now_ms, const char *nai, const uint8_t *ll_id,
		    struct dmm_maar_actions *out)
{
	size_t len;

	if (!m || !nai || !out)
		return -EINVAL;
	out->n = 0;
	len = strlen(nai);
	if (len == 0 || len > DMM_MH_NAI_MAX) {
		m->st.drop_malformed++;
		return -EINVAL;
	}
	m->st.attach++;
	struct sess *s = sess_find(m, nai, len);
	if (!s) {
		uint64_t g;
		if (m->free_head == NONE_U32) {
			m->st.attach_refused_full++;
			struct sess tmp = {.nai = (char *)nai, .nai_len = (uint8_t)len};
			ev(out, &tmp, DMM_MAAR_EV_TABLE_FULL);
			return -ENOSPC;
		}
		if (pool_alloc(m, &g)) {
			m->st.attach_refused_pool++;
			struct sess tmp = {.nai = (char *)nai, .nai_len = (uint8_t)len};
			ev(out, &tmp, DMM_MAAR_EV_POOL_EMPTY);
			return -ENOSPC;
		}
		if (!(s = sess_create(m, nai, len))) {
			pool_release(m, now_ms, g, false);
			m->st.prefixes_released--; /* never handed out */
			m->st.prefixes_allocated--;
			return -ENOMEM;
		}
		s->order_ts = ms_to_ts(now_ms);
		s->pool_g = g;
		pool_prefix(m, g, &s->pfx);
		ll_store(s, ll_id);
		/* [choice] HI=1 for an MN this MAAR holds no state for (RFC 5213 §8.4: new
		 * interface); the CMD looks the MN up by MN-ID anyway (G13). */
		start_registering(m, now_ms, s, DMM_MH_HI_NEW_IFACE);
	} else {
		/* F4: the MN is here now, so a forwarded PBU describing an earlier moment is stale
		 * (one domain clock: RFC 5213 §5.5 assumes synchronised clocks). */
		uint64_t ts = ms_to_ts(now_ms);
		if (ts > s->order_ts)
			s->order_ts = ts;
		switch (s->state) {
		case DMM_MAAR_S_ANCHOR:
		case DMM_MAAR_S_ANCHOR_DEREG:
			/* The MN is back at a MAAR that anchors a prefix for it: reuse it, HI=3
			 * (handoff between MAGs). The tunnel to the old S-MAAR stays until the
			 * PBA, so downlink keeps flowing meanwhile. */
			ll_store(s, ll_id);
			s->expire_ms = 0;
			start_registering(m, now_ms, s, DMM_MH_HI_MAG_CHANGE);
			break;
		case DMM_MAAR_S_DETACHED: {
			/* Back within the grace: nothing to tell the CMD. */
			if (!ll_eq(s, ll_id)) {
				ll_store(s, ll_id);
				rebind_attached(m, out, s);
			}
			s->grace_ms = 0;
			if (!s->registered) {
				start_registering(m, now_ms, s, s->pbu_hi);
				break;
			}
			s->state = DMM_MAAR_S_SERVING;
			uint32_t left = remaining_s(s, now_ms);
			own_advertise(m, out, s, left);
			for (int i = 0; i < s->n_remote; i++)
				if (s->rem[i].installed)
					remote_advertise(out, s, &s->rem[i], left, false);
			/* F4 [choice]: tell the CMD (HI=3, new seq). During the grace the MN may
			 * have attached and registered elsewhere; the CMD then still names that
			 * MAAR, and the forwarded PBU saying so (a retry carries a fresh stamp)
			 * would make this MAAR an anchor while the MN is here. If the MN went
			 * nowhere this is a plain refresh for the CMD. Until it is answered,
			 * forwarded PBUs are stale (on_fwd_pbu). */
			s->pbu_hi = DMM_MH_HI_MAG_CHANGE;
			s->refresh_ms = 0;
			pbu_request(m, now_ms, s, true);
			break;
		}
		case DMM_MAAR_S_DEREGISTERING:
			/* [choice] back while the lifetime-0 PBU is out: a new registration of the
			 * same prefix (the CMD's entry is still within MinDelayBeforeBCEDelete). */
			ll_store(s, ll_id);
			start_registering(m, now_ms, s, DMM_MH_HI_NEW_IFACE);
			break;
		default: /* REGISTERING / SERVING: idempotent, except a new link-layer id */
			if (!ll_eq(s, ll_id)) {
				ll_store(s, ll_id);
				if (s->state == DMM_MAAR_S_SERVING)
					rebind_attached(m, out, s);
			}
			break;
		}
	}
	sess_rearm(m, s);
	drain(m, out, now_ms, 1);
	arm_next(m, out, now_ms);
	return DMM_MAAR_DONE;
}

int dmm_maar_detach(struct dmm_maar *m, uint64_t now_ms, const char *nai,
		    struct dmm_maar_actions *out)
{
	if (!m || !nai || !out)
		return -EINVAL;
	out->n = 0;
	size_t len = strlen(nai);
	struct sess *s = len && len <= DMM_MH_NAI_MAX ? sess_find(m, nai, len) : NULL;
	/* RFC 8885 §3.5 (P7): only a session served here reacts; a P-MAAR sends nothing. */
	if (!s || (s->state != DMM_MAAR_S_REGISTERING && s->state != DMM_MAAR_S_SERVING))
		return DMM_MAAR_IGNORED;
	m->st.detach++;
	/* A registration PBU already sent may still be answered: that answer is taken even though
	 * the MN left (the CMD then holds a binding that the grace end must de-register). A PBU
	 * that only waits in the pacing queue never leaves. */
	s->det_awaiting = s->outstanding && s->seq_valid && !(s->queued && s->q_new_seq);
	s->state = DMM_MAAR_S_DETACHED;
	s->grace_ms = now_ms + m->cfg.detach_grace_ms;
	/* S8 / RFC 5213 §6.9.4: no retransmission for an MN that is not attached. */
	pbu_cancel(s);
	sess_rearm(m, s);
	arm_next(m, out, now_ms);
	return DMM_MAAR_DONE;
}

/* Session over without a lifetime-0 PBU (expiry, rejected refresh). */
static void serving_teardown(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
			     struct sess *s, bool event)
{
	fwd_remove(m, out, s, false);
	if (event)
		ev(out, s, DMM_MAAR_EV_DEREGISTERED);
	sess_destroy(m, now, s, true);
}

/* Grace over: RFC 8885 §3.5 / RFC 5213 §6.9.1.4 de-registration (S10). Forwarding goes now,
 * except the tunnel of a prefix this MAAR anchored before the MN came back (its HI=3 PBU was
 * never accepted): to the CMD this MAAR may still be the P-MAAR tunnelling to the S-MAAR, and
 * a renewal (F1) then leaves it exactly so. */
static void start_dereg(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
			struct sess *s)
{
	if (s->own == OWN_TUNNEL) {
		remotes_uninstall(m, out, s);
		s->n_remote = 0;
		if (s->own_adv)
			withdraw(out, s, &s->pfx);
		s->own_adv = false;
	} else {
		fwd_remove(m, out, s, false);
	}
	s->state = DMM_MAAR_S_DEREGISTERING;
	s->grace_ms = s->refresh_ms = 0;
	pbu_request(m, now, s, true);
}

/* An accepting PBA for the serving PBU (first one for this seq, or a later one: S7). */
static int serving_accept(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
			  struct sess *s, const struct dmm_mh_msg *pba)
{
	const struct dmm_mh_opts *o = &pba->opt;
	bool first = !s->accepted_cur;
	uint32_t granted = dmm_mh_lifetime_secs(pba->ba.lifetime);
	bool drop_old = false;
	struct dmm_ip6 old_smaar;

	if (first) {
		s->accepted_cur = true;
		s->outstanding = false;
		s->retx_at_ms = 0;
		s->acc_ts = o->has_ts ? o->ts : s->last_ts;
		if (s->pend.valid && s->pend.ts <= s->acc_ts)
			s->pend.valid = false; /* the CMD took this MAAR's newer registration */
		s->granted_s = granted;
		s->expire_ms = now + (uint64_t)granted * 1000;
		/* [choice] refresh at 3/4 of the granted lifetime: room for a few retries. */
		s->refresh_ms = now + (uint64_t)granted * 750;
		if (s->state == DMM_MAAR_S_REGISTERING)
			s->state = DMM_MAAR_S_SERVING;
		if (s->own == OWN_TUNNEL) {
			/* Returning MN: local delivery again. The old S-MAAR's tunnel reference is
			 * dropped after the remote anchors are in, so a tunnel that one of them
			 * still needs (the old S-MAAR is usually a P-MAAR now) is not removed and
			 * re-added. */
			bind_set(out, s, &s->pfx, DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED,
				 NULL);
			drop_old = true;
			old_smaar = s->smaar;
			s->own = OWN_LOCAL;
			memset(&s->smaar, 0, sizeof(s->smaar));
		} else if (s->own != OWN_LOCAL) {
			own_local(m, out, s);
		}
		own_advertise(m, out, s, granted);
	}
	/* Remote anchors already known are re-advertised with the new lifetime; those learnt
	 * before this PBA (locator-mode direct PBAs) go live now (S2). */
	for (int i = 0; first && i < s->n_remote; i++) {
		if (s->rem[i].installed) {
			remote_advertise(out, s, &s->rem[i], granted, false);
		} else if (remote_install(m, out, s, &s->rem[i], granted)) {
			m->st.remote_skipped++;
		}
	}
	unsigned added = 0;
	for (int i = 0; i < o->n_pmaar; i++) {
		bool known;
		const struct dmm_mh_pmaar *pm = &o->pmaar[i];
		struct remote *r =
		    remote_add(m, s, &pm->addr, &pm->hnp, pm, pm->local, pm->n_local, &known);
		if (!r)
			continue;
		if (known) {
			/* D3 / G4 convention: the CMD's entry for this anchor carries its current
			 * Local Prefix set (a later merged PBA, a proxy-mode follow-up, a refresh
			 * PBA): an installed anchor re-advertises with the new routes. */
			if (remote_set_local(m, r, pm->local, pm->n_local)) {
				m->st.local_updates++;
				if (r->installed)
					remote_advertise(out, s, r, remaining_s(s, now), true);
			}
			continue;
		}
		if (remote_install(m, out, s, r, s->granted_s)) {
			s->n_remote--; /* peer table full */
			m->st.remote_skipped++;
			continue;
		}
		added++;
		if (ROOM(out) > 3u * (unsigned)(o->n_pmaar - i) + 3u) {
			struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_EVENT, s);
			a->event = DMM_MAAR_EV_ANCHOR_ADDED;
			a->peer = r->pub.addr;
			a->prefix = r->pub.pfx;
		} else {
			m->st.events_dropped++;
		}
	}
	if (drop_old)
		tun_unref(m, out, &old_smaar);
	if (first) {
		enum dmm_maar_event e;
		if (s->sent_hi == DMM_MH_HI_MAG_CHANGE || added) {
			e = DMM_MAAR_EV_HANDOVER_DONE;
			m->st.handovers++;
		} else if (!s->registered) {
			e = DMM_MAAR_EV_REGISTERED;
			m->st.registrations++;
		} else {
			e = DMM_MAAR_EV_REFRESHED;
			m->st.refreshes++;
		}
		s->registered = true;
		ev(out, s, e);
	}
	sess_rearm(m, s);
	return DMM_MAAR_DONE;
}

static int serving_reject(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
			  struct sess *s, uint8_t status)
{
	m->st.rejections++;
	struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_EVENT, s);
	a->event = DMM_MAAR_EV_REJECTED;
	a->status = status;
	a->prefix = s->pfx;
	if (s->state == DMM_MAAR_S_DETACHED &&
	    (status == DMM_MH_ST_TIMESTAMP_MISMATCH ||
	     status == DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED)) {
		/* The MN left before the answer: no retry (S8); the grace end de-registers
		 * whatever the CMD holds. */
		return DMM_MAAR_DONE;
	}
	if (status == DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX &&
	    s->state == DMM_MAAR_S_REGISTERING && !s->registered && s->own == OWN_NONE &&
	    !s->own_adv && s->pfx_tries < PREFIX_RETRIES) {
		/* F6, RFC 5213 §6.9.1.2: after 155 the MAG does not request the same prefix again.
		 * The CMD still holds it for another MN (a stale BCE): take another /64 and
		 * register it (new seq, HI=1). [choice] The refused /64 was never advertised, so,
		 * as for any refused registration (S3), it goes back to the pool at once; it is
		 * released only after the new one is taken, so this MN does not get it back. */
		uint64_t g;
		s->refused_g[s->pfx_tries] = s->pool_g;
		if (pool_alloc_avoiding(m, s->refused_g, s->pfx_tries + 1u, &g) == 0) {
			pool_release(m, now, s->pool_g, false);
			s->pool_g = g;
			pool_prefix(m, g, &s->pfx);
			s->pfx_tries++;
			m->st.prefix_retried++;
			start_registering(m, now, s, DMM_MH_HI_NEW_IFACE);
			sess_rearm(m, s);
			return DMM_MAAR_DONE;
		}
	}
	if (status == DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED) {
		/* RFC 5213 §6.9.1.2: re-register at once with a fresh Timestamp (new seq, so
		 * a late answer to the refused PBU cannot be taken for the new one). */
		pbu_request(m, now, s, true);
		sess_rearm(m, s);
		return DMM_MAAR_DONE;
	}
	if (status == DMM_MH_ST_TIMESTAMP_MISMATCH) {
		/* [choice] RFC 5213 wants a clock re-synchronisation first; the lab has one clock,
		 * so the retransmission timer (current back-off, fresh Timestamp) is the retry. */
		sess_rearm(m, s);
		return DMM_MAAR_DONE;
	}
	/* S3: nothing is advertised or forwarded for a refused registration. */
	if (!s->registered && s->own == OWN_NONE && !s->own_adv) {
		sess_destroy(m, now, s, false); /* never advertised: back to the pool at once */
		return DMM_MAAR_DONE;
	}
	fwd_remove(m, out, s, false);
	sess_destroy(m, now, s, true);
	return DMM_MAAR_DONE;
}

/* ---- anchoring side ------------------------------------------------------------------------ */

static void pba_base(struct dmm_mh_msg *msg, const struct dmm_mh_msg *pbu, uint8_t status,
		     uint16_t lifetime)
{
	const struct dmm_mh_opts *i = &pbu->opt;
	struct dmm_mh_opts *o = &msg->opt;

	memset(msg, 0, sizeof(*msg));
	msg->type = DMM_MH_BA;
	msg->ba.status = status;
	msg->ba.flags = DMM_MH_BA_P | DMM_MH_BA_D;
	msg->ba.seq = pbu->bu.seq;
	msg->ba.lifetime = lifetime;
	o->has_mnid = true;
	o->nai_len = i->nai_len;
	memcpy(o->nai, i->nai, sizeof(o->nai));
	if (i->n_hnp) {
		o->n_hnp = i->n_hnp;
		memcpy(o->hnp, i->hnp, sizeof(o->hnp));
	} else {
		o->n_hnp = 1; /* ALL_ZERO, RFC 5213 §5.3.6 */
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
}

static int pbu_refuse(struct dmm_maar *m, struct dmm_maar_actions *out,
		      const struct dmm_mh_msg *pbu, uint8_t status)
{
	struct sess tmp = {.nai = (char *)pbu->opt.nai, .nai_len = pbu->opt.nai_len};
	struct dmm_mh_msg *msg = send_msg(out, &tmp, &m->cfg.cmd, false);

	pba_base(msg, pbu, status, 0);
	m->st.pba_sent++;
	m->st.pba_rejected_sent++;
	return DMM_MAAR_DONE;
}

/* P5, RFC 8885 §4.4: one Local Prefix option per configured local network, message-level (the
 * PBA is this MAAR's own; PBAs always carry D=1 here). */
static void add_local(const struct dmm_maar *m, struct dmm_mh_msg *msg)
{
	msg->opt.n_local = (uint8_t)m->cfg.n_local;
	if (m->cfg.n_local)
		memcpy(msg->opt.local, m->local, m->cfg.n_local * sizeof(*m->local));
}

/* PBA 0 to a forwarded PBU: HNP = the prefix anchored here (P1), Serving MAAR echoed [G3], DLIF
 * 69/70 of this MAAR for the MN (P6, message-level: G4 convention) and its Local Prefixes
 * (P5). */
static void pba_anchor(struct dmm_maar *m, struct dmm_maar_actions *out, struct sess *s,
		       const struct dmm_mh_msg *pbu, bool sync)
{
	struct dmm_mh_msg *msg = send_msg(out, s, &m->cfg.cmd, sync);
	struct dmm_maar_dlif d;

	pba_base(msg, pbu, DMM_MH_ST_ACCEPTED, pbu->bu.lifetime);
	msg->opt.n_hnp = 1;
	memset(msg->opt.hnp, 0, sizeof(msg->opt.hnp));
	msg->opt.hnp[0] = s->pfx;
	if (pbu->opt.has_smaar) {
		msg->opt.has_smaar = true;
		msg->opt.smaar = pbu->opt.smaar;
	}
	if (pbu->bu.lifetime) {
		dmm_maar_dlif_derive(&m->cfg.addr, s->nai, &d);
		msg->opt.has_dlif_lla = true;
		msg->opt.dlif_lla = d.lla;
		msg->opt.has_dlif_l2 = true;
		msg->opt.dlif_l2.len = 6;
		memcpy(msg->opt.dlif_l2.a, d.mac, 6);
		add_local(m, msg);
	}
	m->st.pba_sent++;
}

/* A forwarded PBU naming another S-MAAR (or the CMD's lifetime-0 cleanup) reached a MAAR where
 * the MN is attached and registered. If it is newer than the registration the CMD last
 * accepted from here, the CMD's binding is not this MAAR's any more (the MN visited another
 * MAAR, which registered, and came back within the detach grace, so no PBU left here).
 * [choice] Register again, HI=3 (back at a MAAR that anchors its prefix), new seq: to the CMD
 * it is a handover back here. A PBU already outstanding or queued does the same job. An older
 * one is only a late copy: nothing to do (a needless PBU would also change the seq that
 * locator-mode direct PBAs are matched with). */
static void stale_fwd_reregister(struct dmm_maar *m, uint64_t now, struct sess *s,
				 const struct dmm_mh_msg *pbu)
{
	if (s->state != DMM_MAAR_S_SERVING || s->outstanding || s->queued || !pbu->opt.has_ts ||
	    pbu->opt.ts <= s->acc_ts)
		return;
	s->pbu_hi = DMM_MH_HI_MAG_CHANGE;
	s->refresh_ms = 0;
	pbu_request(m, now, s, true);
	sess_rearm(m, s);
}

static int anchor_to(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now, struct sess *s,
		     const struct dmm_mh_msg *pbu, bool to_cmd);

/* Remember a forwarded PBU refused while the MN was attached here (see struct sess .pend). */
static void pend_store(struct sess *s, const struct dmm_mh_msg *pbu)
{
	const struct dmm_mh_opts *o = &pbu->opt;

	if (!pbu->bu.lifetime || !o->has_ts || o->ts <= s->acc_ts ||
	    (s->pend.valid && o->ts <= s->pend.ts))
		return;
	s->pend.valid = true;
	s->pend.smaar = o->smaar;
	s->pend.ts = o->ts;
	s->pend.seq = pbu->bu.seq;
	s->pend.life = pbu->bu.lifetime;
	s->pend.hi = o->has_hi ? o->hi : 0;
	s->pend.att = o->has_att ? o->att : 0;
	s->pend.has_llid = o->has_mn_llid && o->mn_llid.len == 6;
	if (s->pend.has_llid)
		memcpy(s->pend.llid, o->mn_llid.a, 6);
}

/* F1 renewal: the CMD lists this MAAR as a P-MAAR. A remembered instruction names the S-MAAR:
 * anchor there now (locator mode: tell that S-MAAR directly, as the PBA would have). The CMD
 * had its PBA 0 when the PBU came. */
static void pend_apply(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
		       struct sess *s)
{
	struct dmm_mh_msg f;

	if (!s->pend.valid)
		return;
	s->pend.valid = false;
	memset(&f, 0, sizeof(f));
	f.type = DMM_MH_BU;
	f.bu.seq = s->pend.seq;
	f.bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	f.bu.lifetime = s->pend.life;
	f.opt.has_mnid = true;
	f.opt.nai_len = s->nai_len;
	memcpy(f.opt.nai, s->nai, (size_t)s->nai_len + 1);
	f.opt.n_hnp = 1;
	f.opt.hnp[0] = s->pfx;
	f.opt.has_hi = true;
	f.opt.hi = s->pend.hi;
	f.opt.has_att = true;
	f.opt.att = s->pend.att;
	f.opt.has_ts = true;
	f.opt.ts = s->pend.ts;
	f.opt.has_mn_llid = s->pend.has_llid;
	if (s->pend.has_llid) {
		f.opt.mn_llid.len = 6;
		memcpy(f.opt.mn_llid.a, s->pend.llid, 6);
	}
	f.opt.has_smaar = true;
	f.opt.smaar = s->pend.smaar;
	if (s->pend.ts > s->order_ts)
		s->order_ts = s->pend.ts;
	anchor_to(m, out, now, s, &f, false);
}

static int on_fwd_pbu(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
		      const struct dmm_mh_msg *pbu)
{
	const struct dmm_mh_opts *o = &pbu->opt;

	m->st.rx_pbu++;
	if (!o->has_mnid || o->nai_len == 0 || !o->has_smaar || dmm_ip6_is_zero(&o->smaar)) {
		m->st.drop_malformed++; /* a CMD PBU always names the S-MAAR (RFC 8885 §3.2) */
		return DMM_MAAR_IGNORED;
	}
	struct sess *s = sess_find(m, o->nai, o->nai_len);
	if (!s) {
		if (pbu->bu.lifetime == 0) { /* RFC 5213 §5.3.5: nothing to remove, ignore */
			m->st.drop_dereg_unknown++;
			return DMM_MAAR_IGNORED;
		}
		/* P9 / [G11 choice]: 128 Reason unspecified, options echoed. */
		m->st.pbu_no_session++;
		return pbu_refuse(m, out, pbu, DMM_MH_ST_REASON_UNSPECIFIED);
	}
	/* [choice] an Anchored Prefix option (G1) naming another prefix: 155. */
	if (o->n_anchored) {
		bool match = false;
		for (int i = 0; i < o->n_anchored; i++)
			if (o->anchored[i].len == s->pfx.len &&
			    dmm_ip6_eq(&o->anchored[i].addr, &s->pfx.addr))
				match = true;
		if (!match)
			return pbu_refuse(m, out, pbu,
					  DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
	}
	bool serving = s->state == DMM_MAAR_S_REGISTERING || s->state == DMM_MAAR_S_SERVING ||
		       s->state == DMM_MAAR_S_DETACHED || s->state == DMM_MAAR_S_DEREGISTERING;
	bool self = dmm_ip6_eq(&o->smaar, &m->cfg.addr);
	if (self || (pbu->bu.lifetime == 0 && serving)) {
		/* Stale: the MN is (again) served here. Acknowledge, change nothing. */
		pba_anchor(m, out, s, pbu, false);
		if (!self && o->has_ts && o->ts > s->acc_ts && s->n_remote) {
			/* The CMD de-registered the MN after this MAAR's last accepted
			 * registration and told every P-MAAR to drop its anchor (G7): the remote
			 * anchors learnt here are gone; the re-registration below learns the
			 * current ones. */
			remotes_uninstall(m, out, s);
			s->n_remote = 0;
		}
		if (!self)
			stale_fwd_reregister(m, now, s, pbu);
		return DMM_MAAR_DONE;
	}
	/* F4 [choice]: RFC 5213 §5.5 ordering in the anchor role. The PBU carries the S-MAAR's
	 * Timestamp (a CMD retry: the CMD's clock when it left); one not newer than what this
	 * MAAR knows (the MN's attach here, its own registrations, the last forwarded PBU it
	 * took) is an older handover: paced, duplicated, reordered. While the MN is attached here
	 * and this MAAR's own PBU is unanswered, any forwarded PBU is older than that PBU,
	 * whatever its stamp says (a retry's stamp is not the S-MAAR's): the CMD has not seen
	 * it yet, and its answer settles the matter. Such a PBU gets PBA 0 (the CMD stops
	 * retrying it) and changes nothing; if the CMD's binding has moved on meanwhile, the
	 * re-registration below sets it straight. A newer one is taken even while the MN looks
	 * attached: the forwarded PBU is how an S-MAAR whose detach detection lags learns the
	 * move (RFC 8885 §3.2). */
	bool own_pending = (s->state == DMM_MAAR_S_REGISTERING || s->state == DMM_MAAR_S_SERVING) &&
			   (s->outstanding || s->queued || !s->registered);
	if (own_pending || (o->has_ts && o->ts <= s->order_ts)) {
		m->st.pbu_stale++;
		pba_anchor(m, out, s, pbu, false);
		if (s->state == DMM_MAAR_S_REGISTERING || s->state == DMM_MAAR_S_SERVING)
			pend_store(s, pbu);
		stale_fwd_reregister(m, now, s, pbu);
		return DMM_MAAR_DONE;
	}
	if (o->has_ts)
		s->order_ts = o->ts;
	if (pbu->bu.lifetime == 0) {
		/* [G7] the CMD's cleanup after the S-MAAR de-registered: the MN left the domain. */
		fwd_remove(m, out, s, false);
		pba_anchor(m, out, s, pbu, true);
		ev(out, s, DMM_MAAR_EV_DEREGISTERED);
		m->st.deregistrations++;
		sess_destroy(m, now, s, true);
		return DMM_MAAR_DONE;
	}
	if (serving) {
		/* The MN moved on: stop serving it here (its remote anchors are now the new
		 * S-MAAR's business); the own prefix stays, tunnelled below. */
		remotes_uninstall(m, out, s);
		s->n_remote = 0;
		s->own_adv = false; /* the MN is gone from this link: no final RA */
		pbu_cancel(s);
		s->refresh_ms = s->grace_ms = 0;
		s->registered = false;
		s->det_awaiting = false;
	} else {
		pbu_cancel(s); /* ANCHOR_DEREG: the MN is alive elsewhere */
	}
	s->pend.valid = false;
	return anchor_to(m, out, now, s, pbu, true);
}

/* Anchor the MN's prefix here, tunnelled to the forwarded PBU's Serving MAAR, and acknowledge
 * (to the CMD if to_cmd; in locator mode to the S-MAAR too). */
static int anchor_to(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now, struct sess *s,
		     const struct dmm_mh_msg *pbu, bool to_cmd)
{
	const struct dmm_mh_opts *o = &pbu->opt;

	/* P1 / [G12]: the tunnel endpoint is the Serving MAAR option, not the IPv6 source. */
	struct peer *p = peer_get(m, &o->smaar, true);
	if (!p) {
		m->st.remote_skipped++;
		return to_cmd ? pbu_refuse(m, out, pbu, DMM_MH_ST_INSUFFICIENT_RESOURCES)
			      : DMM_MAAR_DONE;
	}
	bool same = s->own == OWN_TUNNEL && dmm_ip6_eq(&s->smaar, &o->smaar);
	if (!same) {
		tun_ref(m, out, &o->smaar, p);
		bind_set(out, s, &s->pfx, DMM_MAAR_BIND_ANCHORED, &o->smaar);
		if (s->own == OWN_TUNNEL)
			tun_unref(m, out, &s->smaar);
	}
	s->own = OWN_TUNNEL;
	s->smaar = o->smaar;
	s->state = DMM_MAAR_S_ANCHOR;
	/* P2 (variant 1): no timer any more; P3 (variant 2): the forwarded lifetime. */
	s->expire_ms = m->cfg.dereg_variant == 2
			   ? now + (uint64_t)dmm_mh_lifetime_secs(pbu->bu.lifetime) * 1000
			   : 0;
	m->st.anchor_moves++;
	ev(out, s, DMM_MAAR_EV_ANCHOR_MOVED);
	if (to_cmd)
		pba_anchor(m, out, s, pbu, true);
	if (m->cfg.cmd_mode == DMM_MAAR_CMD_LOCATOR) {
		/* P4, RFC 8885 §3.3: straight to the S-MAAR too, HNP = the anchored prefix, and
		 * of the RFC 8885 options only the Local Prefixes (P5: the S-MAAR learns them from
		 * this PBA); it matches it by MN-ID + seq. */
		struct dmm_mh_msg *msg = send_msg(out, s, &o->smaar, true);
		pba_base(msg, pbu, DMM_MH_ST_ACCEPTED, pbu->bu.lifetime);
		msg->opt.n_hnp = 1;
		memset(msg->opt.hnp, 0, sizeof(msg->opt.hnp));
		msg->opt.hnp[0] = s->pfx;
		if (pbu->bu.lifetime)
			add_local(m, msg);
		m->st.pba_sent++;
		m->st.pba_direct_sent++;
	}
	sess_rearm(m, s);
	return DMM_MAAR_DONE;
}

/* ---- PBA input ----------------------------------------------------------------------------- */

static int on_pba(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now,
		  const struct dmm_ip6 *src, const struct dmm_mh_msg *pba)
{
	const struct dmm_mh_opts *o = &pba->opt;
	bool from_cmd = dmm_ip6_eq(src, &m->cfg.cmd);

	m->st.rx_pba++;
	if (!from_cmd && !(m->cfg.cmd_mode == DMM_MAAR_CMD_LOCATOR && peer_allowed(m, src))) {
		m->st.drop_unknown_src++;
		return DMM_MAAR_IGNORED;
	}
	if (!o->has_mnid || o->nai_len == 0) {
		m->st.drop_malformed++;
		return DMM_MAAR_IGNORED;
	}
	struct sess *s = sess_find(m, o->nai, o->nai_len);
	bool accepted = dmm_mh_status_accepted(pba->ba.status);
	if (!s || !s->seq_valid || pba->ba.seq != s->last_seq) {
		m->st.drop_pba_unmatched++;
		return DMM_MAAR_IGNORED;
	}
	if (!from_cmd) {
		/* RFC 8885 §3.3 [INFERENCE, PROTOCOL.md §2.1(c)]: a P-MAAR's direct PBA, matched
		 * by MN-ID + the seq of our latest PBU, which the CMD copied into its PBU. */
		/* DETACHED too: the session may resume within the grace and then needs it. */
		if (s->state != DMM_MAAR_S_REGISTERING && s->state != DMM_MAAR_S_SERVING &&
		    s->state != DMM_MAAR_S_DETACHED) {
			m->st.drop_pba_unmatched++;
			return DMM_MAAR_IGNORED;
		}
		if (!accepted)
			return DMM_MAAR_DONE; /* that P-MAAR refused: nothing to add */
		if (!o->n_hnp || o->hnp[0].len != 64) {
			m->st.drop_malformed++;
			return DMM_MAAR_IGNORED;
		}
		bool known;
		/* P5 in locator mode: the P-MAAR's own Local Prefixes are message-level. */
		struct remote *r =
		    remote_add(m, s, src, &o->hnp[0], NULL, o->local, o->n_local, &known);
		if (!r)
			return DMM_MAAR_DONE;
		if (known) {
			if (remote_set_local(m, r, o->local, o->n_local)) {
				m->st.local_updates++;
				if (r->installed)
					remote_advertise(out, s, r, remaining_s(s, now), true);
			}
			return DMM_MAAR_DONE;
		}
		/* S2: installed only once the CMD accepted our registration. */
		if (s->registered && s->own == OWN_LOCAL &&
		    remote_install(m, out, s, r, s->granted_s)) {
			s->n_remote--;
			m->st.remote_skipped++;
			return DMM_MAAR_DONE;
		}
		struct dmm_maar_action *a = push(out, DMM_MAAR_ACT_EVENT, s);
		a->event = DMM_MAAR_EV_ANCHOR_ADDED;
		a->peer = r->pub.addr;
		a->prefix = r->pub.pfx;
		return DMM_MAAR_DONE;
	}

	bool serving_pbu =
	    ((s->state == DMM_MAAR_S_REGISTERING || s->state == DMM_MAAR_S_SERVING) &&
	     (s->outstanding || s->accepted_cur) && !s->queued) ||
	    (s->state == DMM_MAAR_S_DETACHED && (s->det_awaiting || s->accepted_cur));
	bool dereg_pbu =
	    (s->state == DMM_MAAR_S_DEREGISTERING || s->state == DMM_MAAR_S_ANCHOR_DEREG) &&
	    s->outstanding && !s->queued;
	if (!serving_pbu && !dereg_pbu) {
		m->st.drop_pba_unmatched++;
		return DMM_MAAR_IGNORED;
	}
	/* RFC 5213 §6.9.1.2 / S4: the echoed options must be those we sent. */
	bool llid_ok = !s->sent_llid || (o->has_mn_llid && o->mn_llid.len == 6 &&
					 memcmp(o->mn_llid.a, s->sent_ll, 6) == 0);
	if (!o->has_hi || o->hi != s->sent_hi || !o->has_att || o->att != m->cfg.att || !llid_ok) {
		m->st.drop_pba_mismatch++;
		if (dereg_pbu) /* ignored; the removal timer / retries still end the session */
			return DMM_MAAR_IGNORED;
		pbu_cancel(s); /* no retransmission until an operator acts */
		s->accepted_cur = false;
		s->det_awaiting = false;
		ev(out, s, DMM_MAAR_EV_GIVE_UP);
		sess_rearm(m, s);
		return DMM_MAAR_DONE;
	}
	if (dereg_pbu) {
		if (accepted && pba->ba.lifetime) {
			/* RFC 8885 §3.5 variant 2: the MN is still in the domain: renewed. F1: the
			 * same answer to the S-MAAR's own de-registration means the CMD already
			 * lists this MAAR as a P-MAAR (the MN moved on and the forwarded PBU naming
			 * the new S-MAAR is lost or late): keep the prefix as an anchor. Its
			 * forwarding was removed when the de-registration started and stays so
			 * until that forwarded PBU (retried by the CMD) names the tunnel endpoint;
			 * [choice] under both variants the granted lifetime bounds that wait (at
			 * its end the anchor asks the CMD again, ANCHOR_DEREG). A returning MN's
			 * session still holds its tunnel (start_dereg): anchoring as before. */
			bool renewed = s->state == DMM_MAAR_S_DEREGISTERING;
			if (renewed) {
				m->st.dereg_renewed++;
				s->registered = false;
			}
			pbu_cancel(s);
			s->state = DMM_MAAR_S_ANCHOR;
			s->expire_ms =
			    m->cfg.dereg_variant == 1 && s->own == OWN_TUNNEL
				? 0 /* P2: the tunnel target is known */
				: now + (uint64_t)dmm_mh_lifetime_secs(pba->ba.lifetime) * 1000;
			if (renewed)
				pend_apply(m, out, now, s); /* sets the expiry per variant itself */
			sess_rearm(m, s);
			return DMM_MAAR_DONE;
		}
		if (pba->ba.status == DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED ||
		    pba->ba.status == DMM_MH_ST_TIMESTAMP_MISMATCH) {
			/* F7: the CMD ordered this lifetime-0 PBU against another MAAR's newer PBU
			 * for the MN (RFC 5213 §5.5 per MN): it says nothing about the session.
			 * The retransmission (fresh Timestamp, bounded, see on_timer) retries. */
			return DMM_MAAR_DONE;
		}
		fwd_remove(m, out, s, false);
		ev(out, s, DMM_MAAR_EV_DEREGISTERED);
		m->st.deregistrations++;
		sess_destroy(m, now, s, true);
		return DMM_MAAR_DONE;
	}
	if (s->state == DMM_MAAR_S_DETACHED && !s->accepted_cur)
		s->det_awaiting = false; /* answered; S7 later PBAs match by accepted_cur */
	if (!accepted)
		return serving_reject(m, out, now, s, pba->ba.status);
	if (!o->n_hnp || o->hnp[0].len != 64 || !dmm_ip6_eq(&o->hnp[0].addr, &s->pfx.addr)) {
		m->st.drop_malformed++; /* accepted, but not our prefix: not believable */
		return DMM_MAAR_IGNORED;
	}
	return serving_accept(m, out, now, s, pba);
}

int dmm_maar_input(struct dmm_maar *m, uint64_t now_ms, const struct dmm_ip6 *src,
		   const struct dmm_mh_msg *msg, struct dmm_maar_actions *out)
{
	int rc;

	if (!m || !src || !msg || !out)
		return -EINVAL;
	out->n = 0;
	switch (msg->type) {
	case DMM_MH_BU:
		if (!dmm_ip6_eq(src, &m->cfg.cmd)) {
			m->st.rx_pbu++;
			m->st.drop_unknown_src++;
			return DMM_MAAR_IGNORED;
		}
		rc = on_fwd_pbu(m, out, now_ms, msg);
		break;
	case DMM_MH_BA:
		rc = on_pba(m, out, now_ms, src, msg);
		break;
	default: /* Heartbeat, Binding Error: the adapter handles them */
		m->st.rx_other++;
		return DMM_MAAR_IGNORED;
	}
	if (rc < 0)
		return rc;
	drain(m, out, now_ms, 1);
	arm_next(m, out, now_ms);
	return rc;
}

/* ---- timers -------------------------------------------------------------------------------- */

static void on_timer(struct dmm_maar *m, struct dmm_maar_actions *out, uint64_t now, struct sess *s)
{
	switch (s->state) {
	case DMM_MAAR_S_REGISTERING:
	case DMM_MAAR_S_SERVING:
		if (s->expire_ms && s->expire_ms <= now) {
			/* No accepting PBA before the binding ran out: the CMD forgot us too. */
			m->st.expirations++;
			serving_teardown(m, out, now, s, true);
			return;
		}
		if (s->outstanding && s->retx_at_ms && s->retx_at_ms <= now) {
			/* RFC 8885 §3.6: double up to MAX_BINDACK_TIMEOUT, then MAY go on at that
			 * rate for ever. [choice] same seq, fresh Timestamp. */
			uint64_t next = 2ull * s->retx_ms;
			s->retx_ms =
			    next > m->cfg.max_bindack_ms ? m->cfg.max_bindack_ms : (uint32_t)next;
			s->retx_at_ms = 0;
			pbu_request(m, now, s, false);
		} else if (s->state == DMM_MAAR_S_SERVING && !s->outstanding && s->refresh_ms &&
			   s->refresh_ms <= now) {
			s->pbu_hi = DMM_MH_HI_NOT_CHANGED; /* S9, RFC 5213 §6.9.1.3 */
			s->refresh_ms = 0;
			pbu_request(m, now, s, true);
		}
		break;
	case DMM_MAAR_S_DETACHED:
		/* F5 [choice]: the grace end, the refresh time (an MN that is not attached is not
		 * refreshed, RFC 5213 §6.9.4) or the lifetime end, whichever comes first,
		 * de-registers: a binding that silently lapses would leave variant-1 P-MAARs
		 * anchoring for ever. At the refresh time the CMD still holds the BCE, so it can
		 * tell the P-MAARs (G7). */
		if ((s->grace_ms && s->grace_ms <= now) ||
		    (s->refresh_ms && s->refresh_ms <= now) ||
		    (s->expire_ms && s->expire_ms <= now))
			start_dereg(m, out, now, s);
		break;
	case DMM_MAAR_S_ANCHOR:
		if (s->expire_ms && s->expire_ms <= now) {
			/* RFC 8885 §3.5 variant 2: ask the CMD whether the MN is still around. */
			s->state = DMM_MAAR_S_ANCHOR_DEREG;
			s->expire_ms = 0;
			pbu_request(m, now, s, true);
		}
		break;
	case DMM_MAAR_S_DEREGISTERING:
	case DMM_MAAR_S_ANCHOR_DEREG: {
		/* [choice] RFC 5213 §6.9.1.4's fallback (remove after INITIAL_BINDACK_TIMEOUT),
		 * extended (F2): 3 retransmissions with back-off (fresh Timestamp, same seq), then
		 * the session is removed. A single lost lifetime-0 PBU would otherwise leave the
		 * CMD's BCE, and under variant 1 every P-MAAR's anchor, to outlive the MN. */
		if (s->retries >= DEREG_RETRIES) {
			fwd_remove(m, out, s, false);
			ev(out, s, DMM_MAAR_EV_DEREGISTERED);
			m->st.deregistrations++;
			sess_destroy(m, now, s, true);
			return;
		}
		s->retries++;
		uint64_t next = 2ull * s->retx_ms;
		s->retx_ms = next > m->cfg.max_bindack_ms ? m->cfg.max_bindack_ms : (uint32_t)next;
		s->retx_at_ms = 0;
		pbu_request(m, now, s, false);
		break;
	}
	}
	sess_rearm(m, s);
}

int dmm_maar_tick(struct dmm_maar *m, uint64_t now_ms, struct dmm_maar_actions *out)
{
	if (!m || !out)
		return -EINVAL;
	out->n = 0;
	pool_tick(m, now_ms);
	for (uint32_t top; (top = dmm_cp_heap_top(&m->timers)) != DMM_CP_NONE &&
			   m->ent[top].deadline_ms <= now_ms;) {
		struct sess *s = &m->ent[top];
		if (ROOM(out) < act_need(s) + 2) {
			m->armed_ms = 0; /* force the ARM */
			arm(m, out, now_ms);
			return DMM_MAAR_MORE;
		}
		on_timer(m, out, now_ms, s);
		if (s->state && s->deadline_ms <= now_ms) {
			/* a deadline that did not move (a bug): drop it rather than spin */
			s->deadline_ms = NEVER;
			dmm_cp_heap_remove(&m->timers, (uint32_t)(s - m->ent));
		}
	}
	drain(m, out, now_ms, 1);
	if (m->lim.q_n && rate_ok(m, now_ms)) {
		/* live PBUs left only for lack of room */
		struct qent *e = &m->lim.q[m->lim.q_head];
		struct sess *s = &m->ent[e->idx];
		if (s->state && s->queued && s->qtoken == e->token) {
			m->armed_ms = 0;
			arm(m, out, now_ms);
			return DMM_MAAR_MORE;
		}
	}
	arm_next(m, out, now_ms);
	return DMM_MAAR_DONE;
}

int dmm_maar_cmd_restarted(struct dmm_maar *m, uint64_t now_ms, struct dmm_maar_actions *out)
{
	if (!m || !out)
		return -EINVAL;
	out->n = 0;
	for (uint32_t i = 0; i < m->hwm; i++) {
		struct sess *s = &m->ent[i];
		if (s->state != DMM_MAAR_S_REGISTERING && s->state != DMM_MAAR_S_SERVING)
			continue;
		/* [choice] HI=1: the restarted CMD has no BCE, so for it this is a new
		 * registration. Forwarding state stays as it is meanwhile. */
		s->pbu_hi = DMM_MH_HI_NEW_IFACE;
		s->refresh_ms = 0;
		pbu_request(m, now_ms, s, true);
		sess_rearm(m, s);
	}
	drain(m, out, now_ms, 1);
	if (m->lim.q_n && rate_ok(m, now_ms)) {
		m->armed_ms = 0;
		arm(m, out, now_ms);
		return DMM_MAAR_DONE;
	}
	arm_next(m, out, now_ms);
	return DMM_MAAR_DONE;
}

/* ---- inspection ----------------------------------------------------------------------------- */

static void sess_copy(const struct sess *s, struct dmm_maar_session *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->nai, s->nai, (size_t)s->nai_len + 1);
	o->state = s->state;
	o->pfx = s->pfx;
	o->has_ll_id = s->has_ll_id;
	memcpy(o->ll_id, s->ll_id, 6);
	o->smaar = s->smaar;
	o->n_remote = s->n_remote;
	for (int i = 0; i < s->n_remote; i++)
		o->remote[i] = s->rem[i].pub;
	o->expire_ms = s->expire_ms;
	o->last_seq = s->last_seq;
	o->pbu_outstanding = s->outstanding;
	o->retx_ms = s->retx_ms;
	o->refresh_ms = s->refresh_ms;
	o->grace_ms = s->grace_ms;
	o->retx_at_ms = s->retx_at_ms;
	o->pbu_queued = s->queued;
}

int dmm_maar_lookup(const struct dmm_maar *m, const char *nai, struct dmm_maar_session *s)
{
	if (!m || !nai || !s)
		return -EINVAL;
	size_t len = strlen(nai);
	const struct sess *e = len && len <= DMM_MH_NAI_MAX ? sess_find(m, nai, len) : NULL;

	if (!e)
		return -ENOENT;
	sess_copy(e, s);
	return 0;
}

int dmm_maar_foreach(const struct dmm_maar *m,
		     int (*fn)(const struct dmm_maar_session *s, void *arg), void *arg)
{
	struct dmm_maar_session *o;

	if (!m || !fn)
		return -EINVAL;
	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	int rc = 0;
	for (uint32_t i = 0; i < m->hwm && rc == 0; i++) {
		if (!m->ent[i].state)
			continue;
		sess_copy(&m->ent[i], o);
		rc = fn(o, arg);
	}
	free(o);
	return rc;
}

uint32_t dmm_maar_count(const struct dmm_maar *m)
{
	return m->count;
}

const struct dmm_maar_stats *dmm_maar_get_stats(const struct dmm_maar *m)
{
	return &m->st;
}
