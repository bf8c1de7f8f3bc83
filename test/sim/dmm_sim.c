/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-sim: the domain simulation (DESIGN.md §7 level 3). N MAAR state machines and one CMD state
 * machine in one process, over an in-memory network with a virtual clock, seeded faults and a
 * seeded scenario of attaches, moves, departures and partitions; safety invariants are checked
 * after every event, convergence whenever the domain has settled. Every message is encoded with
 * dmm_mh_build (real checksum) at the sender and decoded with dmm_mh_parse at the receiver.
 * See test/sim/README.md for the fault model and the list of invariants. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_sm.h"
#include "dmm_ip6.h"
#include "dmm_mh.h"
#include "maar_sm.h"
#include "sim.h"

#define SIM_T0	     1700000000000ull /* virtual clock start: ms since 1970, like Timestamps */
#define SIM_MAX_MAAR 8
#define SIM_MAX_MN   8
#define SIM_MAX_BIND 128
#define SIM_NODE_CMD 0 /* node 0 is the CMD, 1..n_maar the MAARs */

enum ev_type {
	EV_DELIVER = 1, /* a packet reaches its destination node */
	EV_TICK,	/* a node's timer */
	EV_OP,		/* a MAAR's table action comes into force */
	EV_TX,		/* a sync SEND leaves once the earlier table actions are in force */
};

enum run_mode { MODE_RELAY = 0, MODE_LOCATOR, MODE_PROXY };

struct pkt {
	int src, dst;
	bool dup; /* a network duplicate (for the trace) */
	size_t len;
	uint8_t b[DMM_MH_MAX_LEN];
};

/* A sync SEND waiting for its MAAR's table actions to come into force. */
struct txh {
	struct dmm_ip6 dst;
	struct dmm_mh_msg m;
};

struct op {
	enum dmm_maar_action_type type;
	struct dmm_ip6 peer;
	struct dmm_prefix pfx;
	uint8_t flags;
	char nai[64];
};

/* What a MAAR's forwarding tables hold, as built from its table actions. */
struct model_bind {
	bool used;
	struct dmm_prefix pfx;
	uint8_t flags;
	struct dmm_ip6 peer;
	char nai[64];
};

struct model_tun {
	struct dmm_ip6 peer;
	bool live;
};

struct node {
	struct dmm_ip6 addr;
	char name[16];
	struct dmm_maar *maar; /* NULL for the CMD */
	struct dmm_prefix pool;
	uint64_t arm_gen;
	uint64_t armed_at; /* UINT64_MAX: not armed */
	uint64_t ops_last; /* time the last queued table action comes into force */
	unsigned ops_pending, tx_pending;
	struct model_bind bind[SIM_MAX_BIND];
	struct model_tun tun[SIM_MAX_MAAR + 1];
	unsigned n_tun;
	uint64_t part_end;     /* partitioned from the CMD until then */
	uint64_t last_release; /* last time a session anchoring a prefix here vanished */
	unsigned prev_anchored;
	/* PBU pacing check: send times of the last max_update_rate PBUs to / from the CMD */
	uint64_t rate_to_cmd[8], rate_from_cmd[8];
	unsigned rate_to_n, rate_from_n;
};

enum mn_state { MN_NEW = 0, MN_IN, MN_LEFT };

struct mn {
	char nai[64];
	enum mn_state st;
	int at;	      /* MAAR node index while MN_IN */
	bool tainted; /* one of its messages was lost (see README: where convergence is checked) */
	bool visited[SIM_MAX_MAAR + 1];
};

struct params {
	enum run_mode mode;
	int variant;
	unsigned n_maar, n_mn;
	double loss, dup, hold;
	uint64_t delay_max, hold_max, ops_max;
	uint32_t lifetime_s;
	uint32_t detach_grace_ms;
	uint8_t rate;
	unsigned steps;
	bool faults_given;  /* --loss/--dup/--delay-max override the seeded choice */
	bool strict;	    /* --strict: taint cleared at each new attachment */
	bool late_reattach; /* --late-reattach: moves may outlast the detach grace */
};

struct sim {
	struct params p;
	uint64_t seed;
	struct sim_rng rng;
	uint64_t now;
	struct sim_heap q;
	struct node nodes[SIM_MAX_MAAR + 1];
	struct dmm_cmd *cmd;
	struct mn mns[SIM_MAX_MN];
	bool faults_on;
	unsigned inflight;
	uint64_t events, sent, lost;
	bool bench; /* no checks, ops in force instantly */
	bool strict;
	bool tracing; /* record the trace */
	struct sim_buf trace;
	bool failed;
	char fail_msg[2048];
	/* bench: wall clock of the last table action applied */
	struct timespec last_op_wall;
	uint64_t checks_conv, checks_left, skipped_tainted;
};

static struct dmm_cmd_actions *cmd_out;
static struct dmm_maar_actions *maar_out;

/* Bounded copy: NAIs here are short, a longer one is cut (it stays unique in the sim). */
static void scpy(char *d, size_t n, const char *src)
{
	size_t l = strlen(src);
	if (l >= n)
		l = n - 1;
	memcpy(d, src, l);
	d[l] = '\0';
}

static const char *mode_name(enum run_mode m)
{
	return m == MODE_RELAY ? "relay" : m == MODE_LOCATOR ? "locator" : "proxy";
}

/* ---- trace and failure ------------------------------------------------------------------- */

static void tr(struct sim *s, int node, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tr(struct sim *s, int node, const char *fmt, ...)
{
	if (!s->tracing)
		return;
	va_list ap;
	sim_buf_printf(&s->trace, "%10.3f %-6s ", (double)(s->now - SIM_T0) / 1000.0,
		       node < 0 ? "-" : s->nodes[node].name);
	va_start(ap, fmt);
	sim_buf_vprintf(&s->trace, fmt, ap);
	va_end(ap);
	sim_buf_printf(&s->trace, "\n");
}

static void fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct sim *s, const char *fmt, ...)
{
	if (s->failed)
		return;
	va_list ap;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
	va_end(ap);
	tr(s, -1, "INVARIANT BROKEN: %s", s->fail_msg);
}

static const char *ipf(const struct dmm_ip6 *a, char *b)
{
	return dmm_ip6_fmt(a, b);
}

static const char *pfxf(const struct dmm_prefix *p, char *b)
{
	return dmm_prefix_fmt(p, b);
}

static int node_of(const struct sim *s, const struct dmm_ip6 *a)
{
	for (unsigned i = 0; i <= s->p.n_maar; i++)
		if (dmm_ip6_eq(&s->nodes[i].addr, a))
			return (int)i;
	return -1;
}

static struct mn *mn_of(struct sim *s, const char *nai)
{
	for (unsigned i = 0; i < s->p.n_mn; i++)
		if (!strcmp(s->mns[i].nai, nai))
			return &s->mns[i];
	return NULL;
}

static bool pfx_eq(const struct dmm_prefix *a, const struct dmm_prefix *b)
{
	return a->len == b->len && dmm_ip6_eq(&a->addr, &b->addr);
}

/* ---- network ----------------------------------------------------------------------------- */

static bool partitioned(const struct sim *s, int a, int b)
{
	int m = a == SIM_NODE_CMD ? b : b == SIM_NODE_CMD ? a : 0;
	return m > 0 && s->now < s->nodes[m].part_end;
}

static void push(struct sim *s, uint64_t t, int type, int node, uint64_t gen, void *p)
{
	struct sim_ev e = {.t = t, .type = type, .node = node, .gen = gen, .p = p};
	if (sim_heap_push(&s->q, &e) < 0) {
		fprintf(stderr, "dmm-sim: out of memory\n");
		exit(2);
	}
}

/* RFC 6275 §11.8 MAX_UPDATE_RATE as RFC 8885 §3.6/§6 apply it to the CMD and the S-MAAR: no
 * more than `rate` PBUs to one node in any 1000 ms window. */
static void rate_check(struct sim *s, uint64_t *ring, unsigned *n, const char *what)
{
	unsigned r = s->p.rate;
	if (!r)
		return;
	if (*n >= r) {
		uint64_t oldest = ring[*n % r];
		if (s->now - oldest < 1000)
			fail(s,
			     "pacing: %s: expected at most %u PBUs in 1000 ms, got %u within "
			     "%" PRIu64 " ms",
			     what, r, r + 1, s->now - oldest);
	}
	ring[*n % r] = s->now;
	(*n)++;
}

static void taint(struct sim *s, const struct dmm_mh_msg *m)
{
	struct mn *mn = m->opt.has_mnid ? mn_of(s, m->opt.nai) : NULL;
	if (mn && !mn->tainted) {
		mn->tainted = true;
		tr(s, -1, "(%s tainted: one of its messages was lost)", mn->nai);
	}
}

static void net_send(struct sim *s, int from, const struct dmm_ip6 *dst, const struct dmm_mh_msg *m)
{
	char fb[4096], a[DMM_IP6_STRLEN];
	int to = node_of(s, dst);

	if (s->tracing) {
		dmm_mh_format(m, fb, sizeof(fb));
		tr(s, from, "SEND -> %s: %s", to >= 0 ? s->nodes[to].name : ipf(dst, a), fb);
	}
	if (to < 0 || to == from) {
		fail(s, "send to %s: expected another node of the domain", ipf(dst, a));
		return;
	}
	struct pkt *p = malloc(sizeof(*p));
	if (!p)
		exit(2);
	p->src = from;
	p->dst = to;
	p->dup = false;
	int rc = dmm_mh_build(m, &s->nodes[from].addr, dst, p->b, sizeof(p->b), &p->len);
	if (rc) {
		free(p);
		fail(s, "dmm_mh_build: expected 0, got %d (%s)", rc, dmm_mh_strerror(rc));
		return;
	}
	s->sent++;
	if (m->type == DMM_MH_BU && !s->bench) {
		char what[64];
		if (to == SIM_NODE_CMD) {
			snprintf(what, sizeof(what), "%s -> CMD", s->nodes[from].name);
			rate_check(s, s->nodes[from].rate_to_cmd, &s->nodes[from].rate_to_n, what);
		} else if (from == SIM_NODE_CMD) {
			snprintf(what, sizeof(what), "CMD -> %s", s->nodes[to].name);
			rate_check(s, s->nodes[to].rate_from_cmd, &s->nodes[to].rate_from_n, what);
		}
	}
	if (partitioned(s, from, to) || (s->faults_on && sim_rng_chance(&s->rng, s->p.loss))) {
		tr(s, from, "  DROP (%s)", partitioned(s, from, to) ? "partition" : "loss");
		s->lost++;
		taint(s, m);
		free(p);
		return;
	}
	int copies = s->faults_on && sim_rng_chance(&s->rng, s->p.dup) ? 2 : 1;
	for (int c = 0; c < copies; c++) {
		struct pkt *q = p;
		if (c) {
			q = malloc(sizeof(*q));
			if (!q)
				exit(2);
			*q = *p;
			q->dup = true;
		}
		uint64_t d = sim_rng_range(&s->rng, 0, s->p.delay_max);
		/* "hold one back": an extra delay so later messages overtake this one */
		if (s->faults_on && sim_rng_chance(&s->rng, s->p.hold))
			d += sim_rng_range(&s->rng, 1, s->p.hold_max);
		if (s->tracing)
			tr(s, from, "  %s in flight, arrives at +%" PRIu64 " ms",
			   c ? "duplicate" : "packet", d);
		s->inflight++;
		push(s, s->now + d, EV_DELIVER, to, 0, q);
	}
}

/* ---- actions ----------------------------------------------------------------------------- */

static void arm(struct sim *s, int node, uint64_t at)
{
	struct node *n = &s->nodes[node];
	n->arm_gen++;
	n->armed_at = at;
	push(s, at < s->now ? s->now : at, EV_TICK, node, n->arm_gen, NULL);
}

static void process_cmd(struct sim *s, int rc)
{
	if (rc < 0) {
		fail(s, "CMD returned %d: expected DONE/IGNORED/MORE", rc);
		return;
	}
	for (unsigned i = 0; i < cmd_out->n && !s->failed; i++) {
		const struct dmm_cmd_action *a = &cmd_out->a[i];
		if (a->type == DMM_CMD_ACT_SEND) {
			if (!dmm_ip6_eq(&a->src, &s->nodes[SIM_NODE_CMD].addr))
				fail(s, "CMD SEND: source is not the CMD's address");
			net_send(s, SIM_NODE_CMD, &a->dst, &a->msg);
		} else if (a->type == DMM_CMD_ACT_ARM) {
			tr(s, SIM_NODE_CMD, "ARM +%" PRId64 " ms", (int64_t)(a->at_ms - s->now));
			arm(s, SIM_NODE_CMD, a->at_ms);
		} else {
			fail(s, "CMD action type %d unknown", a->type);
		}
	}
}

static void apply_op(struct sim *s, int node, const struct op *o);

static const char *act_name(enum dmm_maar_action_type t)
{
	switch (t) {
	case DMM_MAAR_ACT_SEND:
		return "SEND";
	case DMM_MAAR_ACT_ARM:
		return "ARM";
	case DMM_MAAR_ACT_TUNNEL_ADD:
		return "TUNNEL_ADD";
	case DMM_MAAR_ACT_TUNNEL_DEL:
		return "TUNNEL_DEL";
	case DMM_MAAR_ACT_BIND_SET:
		return "BIND_SET";
	case DMM_MAAR_ACT_BIND_DEL:
		return "BIND_DEL";
	case DMM_MAAR_ACT_ADVERTISE:
		return "ADVERTISE";
	case DMM_MAAR_ACT_WITHDRAW:
		return "WITHDRAW";
	case DMM_MAAR_ACT_EVENT:
		return "EVENT";
	}
	return "?";
}

static void process_maar(struct sim *s, int node, int rc)
{
	struct node *n = &s->nodes[node];
	char a1[DMM_IP6_STRLEN], p1[DMM_PFX_STRLEN];

	if (rc < 0 && rc != -ENOSPC) {
		fail(s, "%s returned %d: expected DONE/IGNORED/MORE", n->name, rc);
		return;
	}
	for (unsigned i = 0; i < maar_out->n && !s->failed; i++) {
		const struct dmm_maar_action *a = &maar_out->a[i];
		switch (a->type) {
		case DMM_MAAR_ACT_SEND:
			if (a->sync && n->ops_last > s->now) {
				/* the real adapter holds it until dmm_opq_in_force(); the EV_TX is
				 * queued after the last op's EV_OP at the same time, so it follows
				 */
				struct txh *h = malloc(sizeof(*h));
				if (!h)
					exit(2);
				h->dst = a->dst;
				h->m = a->msg;
				tr(s, node,
				   "SEND (sync) held until ops in force at +%" PRIu64 " ms",
				   n->ops_last - s->now);
				n->tx_pending++;
				push(s, n->ops_last, EV_TX, node, 0, h);
			} else {
				net_send(s, node, &a->dst, &a->msg);
			}
			break;
		case DMM_MAAR_ACT_ARM:
			tr(s, node, "ARM +%" PRId64 " ms", (int64_t)(a->at_ms - s->now));
			arm(s, node, a->at_ms);
			break;
		case DMM_MAAR_ACT_TUNNEL_ADD:
		case DMM_MAAR_ACT_TUNNEL_DEL:
		case DMM_MAAR_ACT_BIND_SET:
		case DMM_MAAR_ACT_BIND_DEL: {
			struct op *o = malloc(sizeof(*o));
			if (!o)
				exit(2);
			o->type = a->type;
			o->peer = a->peer;
			o->pfx = a->prefix;
			o->flags = a->flags;
			scpy(o->nai, sizeof(o->nai), a->nai);
			if (s->bench) {
				apply_op(s, node, o);
				free(o);
				break;
			}
			uint64_t t = s->now + sim_rng_range(&s->rng, 0, s->p.ops_max);
			if (t < n->ops_last)
				t = n->ops_last; /* ops come into force in order (sequence numbers)
						  */
			n->ops_last = t;
			n->ops_pending++;
			tr(s, node, "%s %s peer=%s flags=%u %s (in force at +%" PRIu64 " ms)",
			   act_name(a->type),
			   a->type >= DMM_MAAR_ACT_BIND_SET ? pfxf(&a->prefix, p1) : "",
			   ipf(&a->peer, a1), a->flags, a->nai, t - s->now);
			push(s, t, EV_OP, node, 0, o);
			break;
		}
		case DMM_MAAR_ACT_ADVERTISE:
		case DMM_MAAR_ACT_WITHDRAW:
			tr(s, node, "%s %s %s anchor=%s valid=%u preferred=%u", act_name(a->type),
			   a->nai, pfxf(&a->prefix, p1), ipf(&a->peer, a1), a->valid_s,
			   a->preferred_s);
			break;
		case DMM_MAAR_ACT_EVENT:
			tr(s, node, "EVENT %s %s %s peer=%s status=%u",
			   dmm_maar_event_name(a->event), a->nai, pfxf(&a->prefix, p1),
			   ipf(&a->peer, a1), a->status);
			break;
		default:
			fail(s, "%s: action type %d unknown", n->name, a->type);
		}
	}
}

/* ---- the table model --------------------------------------------------------------------- */

static struct model_tun *tun_find(struct node *n, const struct dmm_ip6 *peer)
{
	for (unsigned i = 0; i < n->n_tun; i++)
		if (dmm_ip6_eq(&n->tun[i].peer, peer))
			return &n->tun[i];
	return NULL;
}

static struct model_bind *bind_find(struct node *n, const struct dmm_prefix *p)
{
	for (unsigned i = 0; i < SIM_MAX_BIND; i++)
		if (n->bind[i].used && pfx_eq(&n->bind[i].pfx, p))
			return &n->bind[i];
	return NULL;
}

static bool tunnelled(uint8_t flags)
{
	return flags != (DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED);
}

static void apply_op(struct sim *s, int node, const struct op *o)
{
	struct node *n = &s->nodes[node];
	char a1[DMM_IP6_STRLEN], p1[DMM_PFX_STRLEN];
	struct model_tun *t = tun_find(n, &o->peer);

	if (s->bench)
		clock_gettime(CLOCK_MONOTONIC, &s->last_op_wall);
	tr(s, node, "in force: %s %s peer=%s flags=%u %s", act_name(o->type),
	   o->type >= DMM_MAAR_ACT_BIND_SET ? pfxf(&o->pfx, p1) : "", ipf(&o->peer, a1), o->flags,
	   o->nai);
	switch (o->type) {
	case DMM_MAAR_ACT_TUNNEL_ADD:
		if (t && t->live) {
			fail(s, "%s: TUNNEL_ADD %s: expected no live tunnel to it, got one",
			     n->name, ipf(&o->peer, a1));
			return;
		}
		if (node_of(s, &o->peer) <= 0 || node_of(s, &o->peer) == node) {
			fail(s, "%s: TUNNEL_ADD %s: expected another MAAR as peer", n->name,
			     ipf(&o->peer, a1));
			return;
		}
		if (!t) {
			t = &n->tun[n->n_tun++];
			t->peer = o->peer;
		}
		t->live = true;
		break;
	case DMM_MAAR_ACT_TUNNEL_DEL:
		if (!t || !t->live) {
			fail(s, "%s: TUNNEL_DEL %s: expected a live tunnel, got none", n->name,
			     ipf(&o->peer, a1));
			return;
		}
		for (unsigned i = 0; i < SIM_MAX_BIND; i++) {
			struct model_bind *b = &n->bind[i];
			if (b->used && tunnelled(b->flags) && dmm_ip6_eq(&b->peer, &o->peer)) {
				fail(s,
				     "%s: TUNNEL_DEL %s: expected no binding using it, got %s (%s)",
				     n->name, ipf(&o->peer, a1), pfxf(&b->pfx, p1), b->nai);
				return;
			}
		}
		t->live = false;
		break;
	case DMM_MAAR_ACT_BIND_SET: {
		if (o->pfx.len != 64) {
			fail(s, "%s: BIND_SET %s: expected a /64", n->name, pfxf(&o->pfx, p1));
			return;
		}
		if (!(o->flags & (DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED))) {
			fail(s, "%s: BIND_SET %s: expected ANCHORED and/or ATTACHED, got flags %u",
			     n->name, pfxf(&o->pfx, p1), o->flags);
			return;
		}
		if (tunnelled(o->flags) && (!t || !t->live)) {
			fail(s,
			     "%s: BIND_SET %s via %s: expected a live tunnel to the peer, got none",
			     n->name, pfxf(&o->pfx, p1), ipf(&o->peer, a1));
			return;
		}
		/* anchored here <=> inside this MAAR's own pool (RFC 8885 §3.1) */
		bool own = dmm_prefix_contains(&n->pool, &o->pfx.addr);
		if (own != !!(o->flags & DMM_MAAR_BIND_ANCHORED)) {
			fail(s,
			     "%s: BIND_SET %s flags=%u: expected ANCHORED %s for a prefix %s its "
			     "pool",
			     n->name, pfxf(&o->pfx, p1), o->flags, own ? "set" : "clear",
			     own ? "inside" : "outside");
			return;
		}
		struct model_bind *b = bind_find(n, &o->pfx);
		for (unsigned i = 0; !b && i < SIM_MAX_BIND; i++)
			if (!n->bind[i].used)
				b = &n->bind[i];
		if (!b) {
			fail(s, "%s: model binding table full", n->name);
			return;
		}
		b->used = true;
		b->pfx = o->pfx;
		b->flags = o->flags;
		b->peer = o->peer;
		scpy(b->nai, sizeof(b->nai), o->nai);
		break;
	}
	case DMM_MAAR_ACT_BIND_DEL: {
		struct model_bind *b = bind_find(n, &o->pfx);
		if (!b) {
			fail(s, "%s: BIND_DEL %s: expected an installed binding, got none", n->name,
			     pfxf(&o->pfx, p1));
			return;
		}
		b->used = false;
		break;
	}
	default:
		break;
	}
}

/* ---- events ------------------------------------------------------------------------------ */

static void deliver(struct sim *s, struct pkt *p)
{
	static struct dmm_mh_msg msg; /* ~2.5 kB: not on the stack, the sim is single-threaded */
	char fb[4096];

	s->inflight--;
	int rc = dmm_mh_parse(p->b, p->len, &s->nodes[p->src].addr, &s->nodes[p->dst].addr, &msg);
	if (rc) {
		fail(s, "dmm_mh_parse of a message %s sent to %s: expected 0, got %d (%s)",
		     s->nodes[p->src].name, s->nodes[p->dst].name, rc, dmm_mh_strerror(rc));
		return;
	}
	if (partitioned(s, p->src, p->dst)) {
		tr(s, p->dst, "DROP (partition) from %s", s->nodes[p->src].name);
		s->lost++;
		taint(s, &msg);
		return;
	}
	if (s->tracing) {
		dmm_mh_format(&msg, fb, sizeof(fb));
		tr(s, p->dst, "RECV <- %s%s: %s", s->nodes[p->src].name, p->dup ? " (dup)" : "",
		   fb);
	}
	if (p->dst == SIM_NODE_CMD) {
		rc = dmm_cmd_input(s->cmd, s->now, &s->nodes[p->src].addr, &msg, cmd_out);
		if (rc == DMM_CMD_IGNORED)
			tr(s, p->dst, "  ignored");
		process_cmd(s, rc);
	} else {
		rc = dmm_maar_input(s->nodes[p->dst].maar, s->now, &s->nodes[p->src].addr, &msg,
				    maar_out);
		if (rc == DMM_MAAR_IGNORED)
			tr(s, p->dst, "  ignored");
		process_maar(s, p->dst, rc);
	}
}

static void check_safety(struct sim *s);

static void handle(struct sim *s, struct sim_ev *e)
{
	s->now = e->t;
	s->events++;
	switch (e->type) {
	case EV_DELIVER:
		deliver(s, e->p);
		free(e->p);
		break;
	case EV_TICK: {
		struct node *n = &s->nodes[e->node];
		if (e->gen != n->arm_gen)
			break; /* replaced by a later ARM */
		n->armed_at = UINT64_MAX;
		tr(s, e->node, "TICK");
		if (e->node == SIM_NODE_CMD)
			process_cmd(s, dmm_cmd_tick(s->cmd, s->now, cmd_out));
		else
			process_maar(s, e->node, dmm_maar_tick(n->maar, s->now, maar_out));
		break;
	}
	case EV_OP:
		s->nodes[e->node].ops_pending--;
		apply_op(s, e->node, e->p);
		free(e->p);
		break;
	case EV_TX: {
		struct txh *h = e->p;
		s->nodes[e->node].tx_pending--;
		tr(s, e->node, "ops in force: sync SEND leaves");
		net_send(s, e->node, &h->dst, &h->m);
		free(h);
		break;
	}
	}
	if (!s->bench && !s->failed)
		check_safety(s);
}

/* Process every event due up to `until` (inclusive); the clock ends at `until`. */
static void run_until(struct sim *s, uint64_t until)
{
	struct sim_ev e;
	while (!s->failed) {
		const struct sim_ev *top = sim_heap_top(&s->q);
		if (!top || top->t > until)
			break;
		sim_heap_pop(&s->q, &e);
		handle(s, &e);
	}
	if (!s->failed && s->now < until)
		s->now = until;
}

/* ---- invariants -------------------------------------------------------------------------- */

struct scan {
	struct sim *s;
	int node;
	unsigned anchored;
	/* every prefix anchored by a MAAR session, domain-wide */
	struct {
		struct dmm_prefix pfx;
		int node;
		char nai[64];
	} a[SIM_MAX_MAAR * SIM_MAX_MN * 4];
	unsigned n;
	bool transient; /* a session in a transient state or with a PBU outstanding */
};

static int scan_sess(const struct dmm_maar_session *ss, void *arg)
{
	struct scan *sc = arg;
	struct sim *s = sc->s;
	struct node *n = &s->nodes[sc->node];
	char p1[DMM_PFX_STRLEN], p2[DMM_PFX_STRLEN];

	if (ss->state != DMM_MAAR_S_SERVING && ss->state != DMM_MAAR_S_ANCHOR)
		sc->transient = true;
	if (ss->pbu_outstanding || ss->pbu_queued)
		sc->transient = true;
	if (!ss->pfx.len)
		return 0;
	sc->anchored++;
	if (ss->pfx.len != 64 || !dmm_prefix_contains(&n->pool, &ss->pfx.addr)) {
		fail(s, "%s anchors %s for %s: expected a /64 of its own pool %s", n->name,
		     pfxf(&ss->pfx, p1), ss->nai, pfxf(&n->pool, p2));
		return 1;
	}
	for (unsigned i = 0; i < sc->n; i++) {
		if (pfx_eq(&sc->a[i].pfx, &ss->pfx)) {
			fail(s, "prefix %s: expected one owner, got %s for %s and %s for %s",
			     pfxf(&ss->pfx, p1), s->nodes[sc->a[i].node].name, sc->a[i].nai,
			     n->name, ss->nai);
			return 1;
		}
		if (sc->a[i].node == sc->node && !strcmp(sc->a[i].nai, ss->nai)) {
			fail(s, "%s: expected one session per MN, got two for %s", n->name,
			     ss->nai);
			return 1;
		}
	}
	if (sc->n < sizeof(sc->a) / sizeof(sc->a[0])) {
		sc->a[sc->n].pfx = ss->pfx;
		sc->a[sc->n].node = sc->node;
		scpy(sc->a[sc->n].nai, sizeof(sc->a[sc->n].nai), ss->nai);
		sc->n++;
	}
	return 0;
}

static struct scan g_scan;

/* Safety, after every event: unique prefix ownership from own pools, table model (checked as
 * actions come into force), no unused live tunnel once a MAAR's ops are all in force, pool
 * accounting once no prefix can be in MinDelayBeforeBCEDelete quarantine. */
static void check_safety(struct sim *s)
{
	struct scan *sc = &g_scan;
	char a1[DMM_IP6_STRLEN];

	sc->s = s;
	sc->n = 0;
	sc->transient = false;
	for (unsigned i = 1; i <= s->p.n_maar && !s->failed; i++) {
		struct node *n = &s->nodes[i];
		sc->node = (int)i;
		sc->anchored = 0;
		dmm_maar_foreach(n->maar, scan_sess, sc);
		if (s->failed)
			return;
		if (sc->anchored < n->prev_anchored)
			n->last_release = s->now;
		n->prev_anchored = sc->anchored;
		uint64_t used = dmm_maar_pool_used(n->maar);
		if (used < sc->anchored) {
			fail(s, "%s: pool_used %" PRIu64 " < %u prefixes anchored", n->name, used,
			     sc->anchored);
			return;
		}
		/* a released prefix stays out of the pool MinDelayBeforeBCEDelete (RFC 5213 §9.1),
		 * plus one tick of slack */
		if (s->now > n->last_release + 10000 + 1000 && used != sc->anchored) {
			fail(s,
			     "%s: pool_used: expected %u (prefixes anchored, nothing in "
			     "quarantine since +%.3f), got %" PRIu64,
			     n->name, sc->anchored, (double)(n->last_release - SIM_T0) / 1000,
			     used);
			return;
		}
		if (n->ops_pending == 0) {
			for (unsigned t = 0; t < n->n_tun; t++) {
				if (!n->tun[t].live)
					continue;
				bool usedt = false;
				for (unsigned b = 0; b < SIM_MAX_BIND && !usedt; b++)
					usedt = n->bind[b].used && tunnelled(n->bind[b].flags) &&
						dmm_ip6_eq(&n->bind[b].peer, &n->tun[t].peer);
				if (!usedt) {
					fail(s,
					     "%s: tunnel to %s: expected TUNNEL_DEL after its last "
					     "binding, got a live unused tunnel",
					     n->name, ipf(&n->tun[t].peer, a1));
					return;
				}
			}
		}
	}
}

struct cmd_scan {
	bool transient;
	unsigned n;
};

static int cmd_scan_fn(const struct dmm_cmd_binding *b, void *arg)
{
	struct cmd_scan *c = arg;
	c->n++;
	if (b->state != DMM_CMD_BCE_ACTIVE || b->relay_pending || b->fwd_unanswered)
		c->transient = true;
	return 0;
}

/* Nothing in flight, no op or sync send pending, no session in a transient state or waiting for
 * a PBA (or paced), no PBU in the CMD's paced queue, no BCE waiting for deletion, for PBAs of
 * forwarded PBUs or for a relay collection, no prefix in quarantine. Timers may be due soon: with
 * short lifetimes the refreshes of several MNs leave no quiet gap, so a gap in the queue is not
 * required. */
static bool quiet(struct sim *s)
{
	if (s->inflight)
		return false;
	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		struct node *n = &s->nodes[i];
		if (n->ops_pending || n->tx_pending)
			return false;
		if (dmm_maar_pool_used(n->maar) != n->prev_anchored)
			return false;
	}
	if (g_scan.transient)
		return false;
	/* PBUs held in the CMD's MAX_UPDATE_RATE queue are signalling still to come (a paced
	 * PBU of a newer handover may not even have a target marked unanswered yet) */
	if (dmm_cmd_paced_pending(s->cmd))
		return false;
	struct cmd_scan c = {0};
	dmm_cmd_foreach(s->cmd, cmd_scan_fn, &c);
	return !c.transient;
}

static bool in_list(const struct dmm_cmd_binding *b, int node, const struct sim *s)
{
	for (unsigned i = 0; i < b->n_pmaar; i++)
		if (dmm_ip6_eq(&b->pmaar[i].addr, &s->nodes[node].addr))
			return true;
	return false;
}

/* Convergence for one MN in the domain (README: "Convergence"). */
static void check_mn_converged(struct sim *s, struct mn *mn)
{
	char a1[DMM_IP6_STRLEN], a2[DMM_IP6_STRLEN], p1[DMM_PFX_STRLEN], p2[DMM_PFX_STRLEN];
	struct dmm_maar_session ss, as;
	struct dmm_cmd_binding b;
	struct node *S = &s->nodes[mn->at];

	if (dmm_maar_lookup(S->maar, mn->nai, &ss) < 0) {
		fail(s, "%s attached at %s: expected a session there, got none", mn->nai, S->name);
		return;
	}
	if (ss.state != DMM_MAAR_S_SERVING) {
		fail(s, "%s at %s: expected state SERVING, got %s", mn->nai, S->name,
		     dmm_maar_state_name(ss.state));
		return;
	}
	struct model_bind *mb = bind_find(S, &ss.pfx);
	if (!mb || mb->flags != (DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED)) {
		fail(s, "%s at %s: expected %s bound ANCHORED|ATTACHED, got %s", mn->nai, S->name,
		     pfxf(&ss.pfx, p1), mb ? (mb->flags & 1 ? "ANCHORED" : "ATTACHED") : "nothing");
		return;
	}
	if (dmm_cmd_lookup(s->cmd, mn->nai, &b) < 0) {
		fail(s, "%s at %s: expected a BCE at the CMD, got none", mn->nai, S->name);
		return;
	}
	if (b.state != DMM_CMD_BCE_ACTIVE || !dmm_ip6_eq(&b.smaar, &S->addr) ||
	    !pfx_eq(&b.hnp, &ss.pfx)) {
		fail(s, "%s: expected BCE ACTIVE smaar=%s hnp=%s, got state %d smaar=%s hnp=%s",
		     mn->nai, ipf(&S->addr, a1), pfxf(&ss.pfx, p1), b.state, ipf(&b.smaar, a2),
		     pfxf(&b.hnp, p2));
		return;
	}
	if (ss.n_remote != b.n_pmaar) {
		fail(s, "%s at %s: expected %u remote anchors (the BCE's P-MAAR list), got %u",
		     mn->nai, S->name, b.n_pmaar, ss.n_remote);
		return;
	}
	for (unsigned i = 0; i < b.n_pmaar; i++) {
		int an = node_of(s, &b.pmaar[i].addr);
		if (an <= 0 || an == mn->at) {
			fail(s, "%s: BCE P-MAAR %s: expected another MAAR than the S-MAAR", mn->nai,
			     ipf(&b.pmaar[i].addr, a1));
			return;
		}
		struct node *A = &s->nodes[an];
		if (dmm_maar_lookup(A->maar, mn->nai, &as) < 0 || as.state != DMM_MAAR_S_ANCHOR ||
		    !dmm_ip6_eq(&as.smaar, &S->addr) || !pfx_eq(&as.pfx, &b.pmaar[i].pfx)) {
			fail(s, "%s: P-MAAR %s: expected ANCHOR smaar=%s pfx=%s, got %s", mn->nai,
			     A->name, S->name, pfxf(&b.pmaar[i].pfx, p1),
			     dmm_maar_lookup(A->maar, mn->nai, &as) < 0
				 ? "no session"
				 : dmm_maar_state_name(as.state));
			return;
		}
		mb = bind_find(A, &as.pfx);
		if (!mb || mb->flags != DMM_MAAR_BIND_ANCHORED ||
		    !dmm_ip6_eq(&mb->peer, &S->addr)) {
			fail(s, "%s: %s: expected %s ANCHORED tunnelled to %s, got %s", mn->nai,
			     A->name, pfxf(&as.pfx, p1), S->name,
			     mb ? ipf(&mb->peer, a1) : "no binding");
			return;
		}
		struct model_tun *t = tun_find(A, &S->addr);
		if (!t || !t->live) {
			fail(s, "%s: %s: expected a tunnel to %s, got none", mn->nai, A->name,
			     S->name);
			return;
		}
		bool found = false;
		for (unsigned r = 0; r < ss.n_remote; r++)
			found |= dmm_ip6_eq(&ss.remote[r].addr, &A->addr) &&
				 pfx_eq(&ss.remote[r].pfx, &as.pfx);
		if (!found) {
			fail(s, "%s at %s: expected remote anchor {%s, %s}, got none", mn->nai,
			     S->name, A->name, pfxf(&as.pfx, p1));
			return;
		}
		mb = bind_find(S, &as.pfx);
		if (!mb || mb->flags != DMM_MAAR_BIND_ATTACHED ||
		    !dmm_ip6_eq(&mb->peer, &A->addr)) {
			fail(s, "%s at %s: expected %s ATTACHED tunnelled to %s, got %s", mn->nai,
			     S->name, pfxf(&as.pfx, p1), A->name,
			     mb ? ipf(&mb->peer, a1) : "no binding");
			return;
		}
		t = tun_find(S, &A->addr);
		if (!t || !t->live) {
			fail(s, "%s at %s: expected a tunnel to %s, got none", mn->nai, S->name,
			     A->name);
			return;
		}
	}
	/* nothing else anywhere: no session at a MAAR outside {S, P-MAARs}, no binding of the MN
	 * besides the ones checked above */
	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		if ((int)i == mn->at || in_list(&b, (int)i, s))
			continue;
		if (dmm_maar_lookup(s->nodes[i].maar, mn->nai, &as) == 0) {
			fail(s,
			     "%s at %s: expected no state at %s (not in the P-MAAR list), got a %s "
			     "session",
			     mn->nai, S->name, s->nodes[i].name, dmm_maar_state_name(as.state));
			return;
		}
	}
	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		unsigned nb = 0, want = (int)i == mn->at ? 1u + b.n_pmaar : in_list(&b, (int)i, s);
		for (unsigned k = 0; k < SIM_MAX_BIND; k++)
			nb += s->nodes[i].bind[k].used && !strcmp(s->nodes[i].bind[k].nai, mn->nai);
		if (nb != want) {
			fail(s, "%s: %s: expected %u bindings for the MN, got %u", mn->nai,
			     s->nodes[i].name, want, nb);
			return;
		}
	}
}

/* An MN that left (or whose registration was lost): nothing of it anywhere. */
static void check_mn_gone(struct sim *s, struct mn *mn)
{
	struct dmm_maar_session as;
	struct dmm_cmd_binding b;

	if (dmm_cmd_lookup(s->cmd, mn->nai, &b) == 0) {
		fail(s, "%s left the domain: expected no BCE, got one (state %d)", mn->nai,
		     b.state);
		return;
	}
	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		struct node *n = &s->nodes[i];
		if (dmm_maar_lookup(n->maar, mn->nai, &as) == 0) {
			fail(s, "%s left the domain: expected no session at %s, got %s", mn->nai,
			     n->name, dmm_maar_state_name(as.state));
			return;
		}
		for (unsigned k = 0; k < SIM_MAX_BIND; k++)
			if (n->bind[k].used && !strcmp(n->bind[k].nai, mn->nai)) {
				char p1[DMM_PFX_STRLEN];
				fail(s, "%s left the domain: expected no binding at %s, got %s",
				     mn->nai, n->name, pfxf(&n->bind[k].pfx, p1));
				return;
			}
	}
}

static void check_converged(struct sim *s)
{
	for (unsigned i = 0; i < s->p.n_mn && !s->failed; i++) {
		struct mn *mn = &s->mns[i];
		if (mn->st == MN_NEW)
			continue;
		if (mn->tainted) {
			s->skipped_tainted++;
			continue;
		}
		if (mn->st == MN_IN) {
			s->checks_conv++;
			check_mn_converged(s, mn);
		} else {
			s->checks_left++;
			check_mn_gone(s, mn);
		}
	}
}

/* Run without faults until quiet (see quiet()), then check convergence. The bound is generous:
 * a PBU retransmission back-off reaches 32 s (RFC 6275 §12). */
static void settle(struct sim *s, const char *why)
{
	bool f = s->faults_on;
	uint64_t start = s->now;
	struct sim_ev e;

	s->faults_on = false;
	for (unsigned i = 1; i <= s->p.n_maar; i++)
		s->nodes[i].part_end = 0;
	tr(s, -1, "SETTLE (%s)", why);
	while (!s->failed) {
		if (quiet(s))
			break;
		if (s->now - start > 600000) {
			fail(s, "liveness: expected the domain to settle within 600 s, still busy");
			break;
		}
		if (!sim_heap_pop(&s->q, &e)) {
			fail(s,
			     "liveness: expected the domain to settle, got nothing scheduled while "
			     "something is still pending (a session, BCE, op or quarantine)");
			break;
		}
		handle(s, &e);
	}
	if (!s->failed) {
		tr(s, -1, "SETTLED after %.3f s: checking convergence", (s->now - start) / 1000.0);
		check_converged(s);
	}
	s->faults_on = f;
}

/* ---- scenario ---------------------------------------------------------------------------- */

static void attach(struct sim *s, struct mn *mn, int node)
{
	tr(s, node, "ATTACH %s", mn->nai);
	mn->st = MN_IN;
	mn->at = node;
	mn->visited[node] = true;
	/* --strict: a new attachment should repair every piece of state of the MN (the CMD
	 * re-sends the whole P-MAAR list), so convergence is expected again unless a message is
	 * lost from here on. Not the default: README "Findings" lists the cases where it is not. */
	if (s->strict)
		mn->tainted = false;
	uint8_t ll[6] = {0x02, 0, 0, 0, 0, (uint8_t)(mn - s->mns + 1)};
	int rc = dmm_maar_attach(s->nodes[node].maar, s->now, mn->nai, ll, maar_out);
	if (rc < 0)
		fail(s, "%s: attach %s: expected DONE, got %d", s->nodes[node].name, mn->nai, rc);
	process_maar(s, node, rc);
	if (!s->failed && !s->bench)
		check_safety(s);
}

static void detach(struct sim *s, struct mn *mn)
{
	tr(s, mn->at, "DETACH %s", mn->nai);
	int rc = dmm_maar_detach(s->nodes[mn->at].maar, s->now, mn->nai, maar_out);
	process_maar(s, mn->at, rc);
	if (!s->failed && !s->bench)
		check_safety(s);
}

static struct mn *pick_mn(struct sim *s, enum mn_state st)
{
	unsigned cand[SIM_MAX_MN], n = 0;
	for (unsigned i = 0; i < s->p.n_mn; i++)
		if (s->mns[i].st == st)
			cand[n++] = i;
	return n ? &s->mns[cand[sim_rng_range(&s->rng, 0, n - 1)]] : NULL;
}

static int pick_maar_except(struct sim *s, int except)
{
	int m;
	do
		m = (int)sim_rng_range(&s->rng, 1, s->p.n_maar);
	while (m == except);
	return m;
}

/* Move: detach at the S-MAAR, attach at another MAAR 0..gap ms later; with probability 0.4 one
 * the MN visited before (RFC 8885 §3.2: it then serves that prefix locally again). */
static void step_move(struct sim *s, struct mn *mn)
{
	int from = mn->at, to = -1;
	detach(s, mn);
	uint64_t gap = sim_rng_chance(&s->rng, 0.2) ? sim_rng_range(&s->rng, 0, 3000)
						    : sim_rng_range(&s->rng, 0, 300);
	/* Without --late-reattach the MN shows up again before the old S-MAAR's detach grace
	 * ends (README "Findings" F3: after the grace the CMD mishandles the new registration). */
	if (!s->p.late_reattach && gap + 200 >= s->p.detach_grace_ms)
		gap = s->p.detach_grace_ms - 200;
	if (gap)
		run_until(s, s->now + gap);
	if (s->failed)
		return;
	if (sim_rng_chance(&s->rng, 0.4)) {
		int c[SIM_MAX_MAAR], n = 0;
		for (unsigned i = 1; i <= s->p.n_maar; i++)
			if ((int)i != from && mn->visited[i])
				c[n++] = (int)i;
		if (n)
			to = c[sim_rng_range(&s->rng, 0, (uint64_t)n - 1)];
	}
	if (to < 0)
		to = pick_maar_except(s, from);
	attach(s, mn, to);
}

static void step_leave(struct sim *s, struct mn *mn)
{
	tr(s, -1, "%s LEAVES the domain", mn->nai);
	detach(s, mn);
	mn->st = MN_LEFT;
}

static void step_partition(struct sim *s)
{
	int m = (int)sim_rng_range(&s->rng, 1, s->p.n_maar);
	uint64_t d = sim_rng_range(&s->rng, 100, 3000);
	/* with short lifetimes, sometimes longer than the lifetime: the CMD's BCE expires */
	if (s->p.lifetime_s < 60 && sim_rng_chance(&s->rng, 0.5))
		d = s->p.lifetime_s * 1000ull + sim_rng_range(&s->rng, 1000, 10000);
	s->nodes[m].part_end = s->now + d;
	tr(s, m, "PARTITION from the CMD for %" PRIu64 " ms", d);
}

static void check_final(struct sim *s)
{
	char a1[DMM_IP6_STRLEN], p1[DMM_PFX_STRLEN];

	/* RFC 8885 §3.5 variant 1: a P-MAAR has no timer and waits for the S-MAAR's
	 * de-registration, which the S-MAAR sends once (RFC 5213 §6.9.1.4). When it is lost the
	 * anchors stay forever (README "Findings" F2): for such MNs only variant 2 must clean up.
	 */
	bool leak_ok = false;
	for (unsigned i = 0; i < s->p.n_mn && !s->failed; i++) {
		if (s->mns[i].st == MN_NEW)
			continue;
		if (s->p.variant == 1 && s->mns[i].tainted) {
			leak_ok = true;
			s->skipped_tainted++;
			continue;
		}
		s->checks_left++;
		check_mn_gone(s, &s->mns[i]);
	}
	if (s->failed || leak_ok)
		return;

	if (dmm_cmd_count(s->cmd)) {
		fail(s, "end of run: expected an empty binding cache, got %u BCEs",
		     dmm_cmd_count(s->cmd));
		return;
	}
	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		struct node *n = &s->nodes[i];
		if (dmm_maar_count(n->maar) || dmm_maar_pool_used(n->maar)) {
			fail(
			    s,
			    "end of run: %s: expected 0 sessions and 0 prefixes in use, got %u and "
			    "%" PRIu64,
			    n->name, dmm_maar_count(n->maar), dmm_maar_pool_used(n->maar));
			return;
		}
		for (unsigned k = 0; k < SIM_MAX_BIND; k++)
			if (n->bind[k].used) {
				fail(s, "end of run: %s: expected no binding, got %s (%s)", n->name,
				     pfxf(&n->bind[k].pfx, p1), n->bind[k].nai);
				return;
			}
		for (unsigned t = 0; t < n->n_tun; t++)
			if (n->tun[t].live) {
				fail(s, "end of run: %s: expected no tunnel, got one to %s",
				     n->name, ipf(&n->tun[t].peer, a1));
				return;
			}
	}
}

static void free_sim(struct sim *s)
{
	struct sim_ev e;
	while (sim_heap_pop(&s->q, &e))
		free(e.p);
	sim_heap_free(&s->q);
	for (unsigned i = 1; i <= SIM_MAX_MAAR; i++)
		if (s->nodes[i].maar)
			dmm_maar_free(s->nodes[i].maar);
	if (s->cmd)
		dmm_cmd_free(s->cmd);
	s->cmd = NULL;
	for (unsigned i = 0; i <= SIM_MAX_MAAR; i++)
		s->nodes[i].maar = NULL;
}

/* Seeded run parameters; command-line values win. */
static void draw_params(struct sim *s, const struct params *given)
{
	struct params *p = &s->p;
	*p = *given;
	if (!p->n_mn)
		p->n_mn = (unsigned)sim_rng_range(&s->rng, 1, 6);
	if (!given->faults_given) {
		p->loss = sim_rng_chance(&s->rng, 0.3) ? 0 : sim_rng_range(&s->rng, 1, 15) / 100.0;
		p->dup = sim_rng_chance(&s->rng, 0.5) ? 0 : sim_rng_range(&s->rng, 1, 5) / 100.0;
		p->delay_max = sim_rng_range(&s->rng, 0, 40);
	}
	p->hold = sim_rng_chance(&s->rng, 0.5) ? 0 : 0.03;
	p->hold_max = 150; /* stays inside TimestampValidityWindow (300 ms) with delay_max */
	p->ops_max = 2;
	p->lifetime_s =
	    sim_rng_chance(&s->rng, 0.3) ? (uint32_t)sim_rng_range(&s->rng, 2, 10) * 4 : 3600;
	p->detach_grace_ms = (uint32_t)sim_rng_range(&s->rng, 1000, 5000);
	p->rate = 3;
	p->steps = (unsigned)sim_rng_range(&s->rng, 8, 40);
}

static int setup(struct sim *s)
{
	struct dmm_ip6 addrs[SIM_MAX_MAAR];
	struct dmm_cmd_peer peers[SIM_MAX_MAAR];
	int err = 0;

	memset(peers, 0, sizeof(peers));

	for (unsigned i = 0; i <= s->p.n_maar; i++) {
		struct node *n = &s->nodes[i];
		memset(&n->addr, 0, sizeof(n->addr));
		n->addr.a[0] = 0x20;
		n->addr.a[1] = 0x01;
		n->addr.a[2] = 0x0d;
		n->addr.a[3] = 0xb8;
		n->addr.a[15] = i ? (uint8_t)i : 0x0c;
		snprintf(n->name, sizeof(n->name), i ? "MAAR%u" : "CMD", i);
		n->armed_at = UINT64_MAX;
		if (i) {
			/* pool 2001:db8:i::/56: 256 /64s, disjoint by construction */
			n->pool.addr = n->addr;
			memset(n->pool.addr.a + 6, 0, 10);
			n->pool.addr.a[5] = (uint8_t)i;
			n->pool.len = 56;
			addrs[i - 1] = n->addr;
			peers[i - 1].addr = n->addr;
			peers[i - 1].proxy_reg = true;
			/* the CMD checks each HNP against its sender's pool (155, M28) */
			peers[i - 1].pool = &n->pool;
			peers[i - 1].n_pool = 1;
		}
	}
	for (unsigned i = 1; i <= s->p.n_maar; i++)
		for (unsigned j = i + 1; j <= s->p.n_maar; j++)
			if (dmm_prefix_overlap(&s->nodes[i].pool, &s->nodes[j].pool))
				return -EINVAL;

	struct dmm_cmd_config cc;
	dmm_cmd_config_default(&cc);
	cc.addr = s->nodes[SIM_NODE_CMD].addr;
	cc.mode = (enum dmm_cmd_mode)s->p.mode;
	cc.peers = peers;
	cc.n_peers = s->p.n_maar;
	cc.max_mns = 64;
	cc.hash_seed = s->seed;
	cc.max_update_rate = s->p.rate;
	s->cmd = dmm_cmd_new(&cc, &err);
	if (!s->cmd)
		return err;

	for (unsigned i = 1; i <= s->p.n_maar; i++) {
		struct dmm_maar_config mc;
		struct dmm_ip6 others[SIM_MAX_MAAR];
		unsigned no = 0;
		for (unsigned j = 1; j <= s->p.n_maar; j++)
			if (j != i)
				others[no++] = addrs[j - 1];
		dmm_maar_config_default(&mc);
		mc.addr = s->nodes[i].addr;
		mc.cmd = s->nodes[SIM_NODE_CMD].addr;
		mc.cmd_mode = (enum dmm_maar_cmd_mode)s->p.mode;
		mc.peers = others;
		mc.n_peers = no;
		mc.pool = &s->nodes[i].pool;
		mc.n_pool = 1;
		mc.lifetime_s = s->p.lifetime_s;
		mc.dereg_variant = (uint8_t)s->p.variant;
		mc.detach_grace_ms = s->p.detach_grace_ms;
		mc.max_update_rate = s->p.rate;
		mc.max_mns = 64;
		mc.hash_seed = s->seed ^ i;
		s->nodes[i].maar = dmm_maar_new(&mc, &err);
		if (!s->nodes[i].maar)
			return err;
	}
	for (unsigned i = 0; i < s->p.n_mn; i++)
		snprintf(s->mns[i].nai, sizeof(s->mns[i].nai), "mn%u@sim.example", i + 1);
	return 0;
}

static void scenario(struct sim *s)
{
	for (unsigned step = 0; step < s->p.steps && !s->failed; step++) {
		unsigned r = (unsigned)sim_rng_range(&s->rng, 0, 99);
		struct mn *fresh = pick_mn(s, MN_NEW), *in = pick_mn(s, MN_IN);
		if (fresh && (r < 25 || !in)) {
			attach(s, fresh, (int)sim_rng_range(&s->rng, 1, s->p.n_maar));
		} else if (in && r < 65) {
			step_move(s, in);
		} else if (in && r < 71) {
			step_leave(s, in);
		} else if (r < 80) {
			step_partition(s);
		} else {
			run_until(s, s->now + sim_rng_range(&s->rng, 0, 2000));
		}
		if (s->failed)
			break;
		/* sometimes let it settle, sometimes go on while signalling is in flight */
		if (sim_rng_chance(&s->rng, 0.3))
			settle(s, "between steps");
		else
			run_until(s, s->now + sim_rng_range(&s->rng, 0, 300));
	}
	if (s->failed)
		return;
	settle(s, "before the end");
	for (unsigned i = 0; i < s->p.n_mn && !s->failed; i++)
		if (s->mns[i].st == MN_IN)
			step_leave(s, &s->mns[i]);
	if (s->failed)
		return;
	/* past every lifetime (variant 2 anchors run their own timers) */
	run_until(s, s->now + 2000ull * s->p.lifetime_s + 60000);
	settle(s, "end of run");
	if (!s->failed)
		check_final(s);
}

static struct sim g_sim;

/* One seed. Returns 0, or 1 after printing the failure and the full trace. */
static int run_one(const struct params *given, uint64_t seed, bool tracing, bool quiet_ok,
		   const char *argv0)
{
	struct sim *s = &g_sim;

	free_sim(s);
	sim_buf_reset(&s->trace);
	struct sim_buf keep = s->trace;
	memset(s, 0, sizeof(*s));
	s->trace = keep;
	s->seed = seed;
	s->tracing = tracing;
	s->strict = given->strict;
	/* the seed alone picks everything: mode and variant enter so that each combination draws
	 * its own scenario */
	sim_rng_seed(&s->rng, seed * 6 + (uint64_t)given->mode * 2 + (uint64_t)given->variant - 1);
	s->now = SIM_T0;
	draw_params(s, given);
	int rc = setup(s);
	if (rc) {
		fprintf(stderr, "dmm-sim: setup failed: %s\n", strerror(-rc));
		return 1;
	}
	s->faults_on = true;
	tr(s, -1,
	   "seed %" PRIu64 " mode %s variant %d: %u MAARs, %u MNs, %u steps, loss %.2f dup %.2f "
	   "delay 0..%" PRIu64 " ms hold %.2f, lifetime %u s, detach grace %u ms",
	   seed, mode_name(s->p.mode), s->p.variant, s->p.n_maar, s->p.n_mn, s->p.steps, s->p.loss,
	   s->p.dup, s->p.delay_max, s->p.hold, s->p.lifetime_s, s->p.detach_grace_ms);
	scenario(s);
	if (tracing)
		fwrite(s->trace.s, 1, s->trace.len, stdout);
	if (!s->failed)
		return 0;
	if (quiet_ok)
		return 1;
	char msg[sizeof(s->fail_msg)];
	scpy(msg, sizeof(msg), s->fail_msg);
	if (!tracing) {
		/* replay with the trace on: the run is a function of the seed */
		run_one(given, seed, true, true, argv0);
		if (strcmp(msg, g_sim.fail_msg))
			printf("NON-DETERMINISTIC: the replay failed with \"%s\"\n",
			       g_sim.fail_msg);
	}
	printf("\nFAIL seed %" PRIu64 " mode %s variant %d: %s\n", seed, mode_name(given->mode),
	       given->variant, msg);
	printf("replay: %s --mode %s --variant %d --maars %u", argv0, mode_name(given->mode),
	       given->variant, given->n_maar);
	if (given->n_mn)
		printf(" --mns %u", given->n_mn);
	if (given->faults_given)
		printf(" --loss %g --dup %g --delay-max %" PRIu64, given->loss, given->dup,
		       given->delay_max);
	printf("%s%s --seeds 1 --first-seed %" PRIu64 " --trace\n",
	       given->strict ? " --strict" : "", given->late_reattach ? " --late-reattach" : "",
	       seed);
	return 1;
}

/* ---- benchmark --------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000ll + (b->tv_nsec - a->tv_nsec));
}

/* Handovers with k = 1..3 P-MAARs: an MN cycles over k+1 MAARs, so after the first lap the
 * S-MAAR's PBU always finds k P-MAARs. Zero link delay, table actions in force at once (applied
 * inline), no faults, max_update_rate 0 at the CMD and the MAARs (pacing off: with zero delay
 * the 1 s pacing window would otherwise be what is measured). Timed: from just before
 * dmm_maar_attach() at the new S-MAAR to the last table action applied at any MAAR while every
 * zero-delay event of that handover is processed. */
static int bench(const struct params *given, unsigned handovers)
{
	struct sim *s = &g_sim;
	int ret = 0;

	printf("dmm-sim --bench-handover: mode %s, %u MNs, %u handovers per P-MAAR count\n",
	       mode_name(given->mode), given->n_mn ? given->n_mn : 1, handovers);
	printf("%-8s %-8s %10s %10s %10s %12s\n", "mode", "P-MAARs", "median_us", "p99_us",
	       "max_us", "msgs/handover");
	for (unsigned k = 1; k <= 3; k++) {
		free_sim(s);
		memset(s, 0, sizeof(*s));
		s->bench = true;
		s->now = SIM_T0;
		s->p = *given;
		s->p.n_maar = 4;
		s->p.n_mn = given->n_mn ? given->n_mn : 1;
		s->p.variant = 1;
		s->p.lifetime_s = 3600;
		s->p.detach_grace_ms = 5000;
		s->p.rate = 0;
		s->p.delay_max = 0;
		s->p.ops_max = 0;
		sim_rng_seed(&s->rng, 1);
		if (setup(s)) {
			fprintf(stderr, "bench: setup failed\n");
			return 1;
		}
		uint64_t *lat = calloc(handovers, sizeof(*lat));
		uint64_t msgs = 0;
		unsigned done = 0, warm = (k + 1) * 2;
		for (unsigned i = 0; i < s->p.n_mn; i++)
			attach(s, &s->mns[i], 1);
		run_until(s, s->now + 10);
		for (unsigned h = 0; !s->failed && done < handovers; h++) {
			struct mn *mn = &s->mns[h % s->p.n_mn];
			int to = mn->at % (int)(k + 1) + 1; /* 1 -> 2 -> ... -> k+1 -> 1 */
			detach(s, mn);
			run_until(s, s->now);
			struct timespec t0;
			uint64_t sent0 = s->sent;
			s->last_op_wall.tv_sec = 0;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			attach(s, mn, to);
			run_until(s, s->now);
			if (s->failed)
				break;
			if (!s->last_op_wall.tv_sec) {
				fail(s, "bench: handover applied no table action");
				break;
			}
			uint64_t ns = ns_between(&t0, &s->last_op_wall);
			/* the handover must have converged (not timed) */
			check_mn_converged(s, mn);
			if (h >= warm * s->p.n_mn) {
				lat[done++] = ns;
				msgs += s->sent - sent0;
			}
			run_until(s, s->now + 10); /* Timestamps must increase (RFC 5213 §5.5) */
		}
		if (s->failed) {
			printf("bench failed: %s\n", s->fail_msg);
			free(lat);
			return 1;
		}
		qsort(lat, done, sizeof(*lat), cmp_u64);
		printf("%-8s %-8u %10.2f %10.2f %10.2f %12.2f\n", mode_name(given->mode), k,
		       lat[done / 2] / 1000.0, lat[(size_t)(done * 0.99)] / 1000.0,
		       lat[done - 1] / 1000.0, (double)msgs / done);
		free(lat);
	}
	free_sim(s);
	return ret;
}

/* ---- main -------------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: dmm-sim [--mode relay|locator|proxy|all] [--variant 1|2|all] [--seeds N]\n"
		"               [--first-seed S] [--maars N] [--mns N] [--loss P --dup P "
		"--delay-max MS]\n"
		"               [--strict] [--late-reattach] [--max-failures N] [--trace]\n"
		"       dmm-sim --bench-handover [--mode X|all] [--mns N] [--handovers N]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"mode", required_argument, NULL, 'm'},
	    {"variant", required_argument, NULL, 'v'},
	    {"seeds", required_argument, NULL, 'n'},
	    {"first-seed", required_argument, NULL, 's'},
	    {"maars", required_argument, NULL, 'M'},
	    {"mns", required_argument, NULL, 'k'},
	    {"loss", required_argument, NULL, 'l'},
	    {"dup", required_argument, NULL, 'd'},
	    {"delay-max", required_argument, NULL, 'D'},
	    {"trace", no_argument, NULL, 't'},
	    {"bench-handover", no_argument, NULL, 'b'},
	    {"handovers", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {"strict", no_argument, NULL, 'S'},
	    {"late-reattach", no_argument, NULL, 'L'},
	    {"max-failures", required_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0},
	};
	struct params given = {.n_maar = 3};
	int mode_lo = 0, mode_hi = 2, var_lo = 1, var_hi = 2, c;
	uint64_t seeds = 100, first = 1;
	unsigned handovers = 2000, max_fail = 3;
	bool trace = false, do_bench = false;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "all"))
				mode_lo = 0, mode_hi = 2;
			else if (!strcmp(optarg, "relay"))
				mode_lo = mode_hi = MODE_RELAY;
			else if (!strcmp(optarg, "locator"))
				mode_lo = mode_hi = MODE_LOCATOR;
			else if (!strcmp(optarg, "proxy"))
				mode_lo = mode_hi = MODE_PROXY;
			else
				return usage(), 2;
			break;
		case 'v':
			if (!strcmp(optarg, "all"))
				var_lo = 1, var_hi = 2;
			else if (!strcmp(optarg, "1") || !strcmp(optarg, "2"))
				var_lo = var_hi = atoi(optarg);
			else
				return usage(), 2;
			break;
		case 'n':
			seeds = strtoull(optarg, NULL, 10);
			break;
		case 's':
			first = strtoull(optarg, NULL, 10);
			break;
		case 'M':
			given.n_maar = (unsigned)atoi(optarg);
			if (given.n_maar < 2 || given.n_maar > SIM_MAX_MAAR)
				return usage(), 2;
			break;
		case 'k':
			given.n_mn = (unsigned)atoi(optarg);
			if (given.n_mn < 1 || given.n_mn > SIM_MAX_MN)
				return usage(), 2;
			break;
		case 'l':
			given.loss = atof(optarg);
			given.faults_given = true;
			break;
		case 'd':
			given.dup = atof(optarg);
			given.faults_given = true;
			break;
		case 'D':
			given.delay_max = strtoull(optarg, NULL, 10);
			given.faults_given = true;
			break;
		case 'S':
			given.strict = true;
			break;
		case 'L':
			given.late_reattach = true;
			break;
		case 'F':
			max_fail = (unsigned)atoi(optarg);
			if (!max_fail)
				return usage(), 2;
			break;
		case 't':
			trace = true;
			break;
		case 'b':
			do_bench = true;
			break;
		case 'H':
			handovers = (unsigned)atoi(optarg);
			if (!handovers)
				return usage(), 2;
			break;
		default:
			return usage(), 2;
		}
	}
	cmd_out = malloc(sizeof(*cmd_out));
	maar_out = malloc(sizeof(*maar_out));
	if (!cmd_out || !maar_out)
		return 2;

	int failures = 0;
	if (do_bench) {
		for (int m = mode_lo; m <= mode_hi; m++) {
			given.mode = (enum run_mode)m;
			failures += bench(&given, handovers);
		}
		return failures ? 1 : 0;
	}
	for (int m = mode_lo; m <= mode_hi; m++) {
		for (int v = var_lo; v <= var_hi; v++) {
			uint64_t ev = 0, sent = 0, lost = 0, conv = 0, left = 0, skip = 0;
			unsigned bad = 0;
			given.mode = (enum run_mode)m;
			given.variant = v;
			for (uint64_t sd = first; sd < first + seeds; sd++) {
				int rc = run_one(&given, sd, trace, false, argv[0]);
				ev += g_sim.events;
				sent += g_sim.sent;
				lost += g_sim.lost;
				conv += g_sim.checks_conv;
				left += g_sim.checks_left;
				skip += g_sim.skipped_tainted;
				if (rc) {
					bad++;
					if (bad >= max_fail)
						break; /* the first failures tell the story */
				}
			}
			printf("mode %-7s variant %d: seeds %" PRIu64 "..%" PRIu64
			       ": %s (%u failed); %" PRIu64 " events, %" PRIu64
			       " messages (%" PRIu64 " lost), convergence checks %" PRIu64
			       " in-domain + %" PRIu64 " departed (%" PRIu64
			       " skipped: tainted by loss)\n",
			       mode_name(given.mode), v, first, first + seeds - 1,
			       bad ? "FAIL" : "ok", bad, ev, sent, lost, conv, left, skip);
			failures += (int)bad;
		}
	}
	free_sim(&g_sim);
	sim_buf_free(&g_sim.trace);
	free(cmd_out);
	free(maar_out);
	return failures ? 1 : 0;
}
