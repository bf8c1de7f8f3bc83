/* SPDX-License-Identifier: BSD-3-Clause */
/* Heartbeat (RFC 5847) state machine; the behaviour and the choices are described in hb_sm.h.
 *
 * Peers live in one array sized at creation (max_peers) and are found by a linear scan: a
 * node has few heartbeat peers (a MAAR one, the CMD its configured MAARs), and each is touched
 * once per interval or per Heartbeat message. */
#include "hb_sm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct peer {
	struct dmm_ip6 addr;
	bool active, disabled, awaiting, rc_known;
	enum dmm_hb_peer_state state;
	uint32_t next_seq, last_seq, missed, rc;
	uint64_t due_ms;
};

struct dmm_hb {
	struct dmm_hb_config cfg;
	struct peer *peers;
	unsigned n;
	struct dmm_hb_stats st;
};

void dmm_hb_config_default(struct dmm_hb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = DMM_HB_INTERVAL_DEF_MS;
	cfg->missing_allowed = DMM_HB_MISSING_DEF;
	cfg->max_peers = DMM_HB_MAX_PEERS;
}

struct dmm_hb *dmm_hb_new(const struct dmm_hb_config *cfg, int *err)
{
	uint32_t lo =
	    cfg != NULL && cfg->allow_short ? DMM_HB_INTERVAL_LAB_MIN_MS : DMM_HB_INTERVAL_MIN_MS;
	struct dmm_hb *hb;
	int dummy;

	if (err == NULL)
		err = &dummy;
	/* RFC 5847 §5: HEARTBEAT_INTERVAL SHOULD NOT be below 30 s or above 3600 s. Only the
	 * lower bound can be lifted (lab runs need seconds, nobody needs more than an hour). */
	if (cfg == NULL || cfg->interval_ms < lo || cfg->interval_ms > DMM_HB_INTERVAL_MAX_MS ||
	    cfg->missing_allowed > DMM_HB_MISSING_MAX || cfg->max_peers == 0 ||
	    cfg->max_peers > DMM_HB_MAX_PEERS) {
		*err = -EINVAL;
		return NULL;
	}
	hb = calloc(1, sizeof(*hb));
	if (hb != NULL)
		hb->peers = calloc(cfg->max_peers, sizeof(*hb->peers));
	if (hb == NULL || hb->peers == NULL) {
		free(hb);
		*err = -ENOMEM;
		return NULL;
	}
	hb->cfg = *cfg;
	*err = 0;
	return hb;
}

void dmm_hb_free(struct dmm_hb *hb)
{
	if (hb == NULL)
		return;
	free(hb->peers);
	free(hb);
}

static struct peer *find(const struct dmm_hb *hb, const struct dmm_ip6 *a)
{
	for (unsigned i = 0; i < hb->n; i++)
		if (dmm_ip6_eq(&hb->peers[i].addr, a))
			return &hb->peers[i];
	return NULL;
}

int dmm_hb_peer_add(struct dmm_hb *hb, uint64_t now_ms, const struct dmm_ip6 *addr)
{
	struct peer *p;

	if (hb == NULL || addr == NULL)
		return -EINVAL;
	if (find(hb, addr) != NULL)
		return -EEXIST;
	if (hb->n >= hb->cfg.max_peers)
		return -ENOSPC;
	p = &hb->peers[hb->n++];
	memset(p, 0, sizeof(*p));
	p->addr = *addr;
	p->state = DMM_HB_UP; /* nothing says otherwise yet */
	p->next_seq = 1;
	p->due_ms = now_ms + hb->cfg.interval_ms;
	return 0;
}

int dmm_hb_peer_remove(struct dmm_hb *hb, const struct dmm_ip6 *addr)
{
	struct peer *p = hb != NULL && addr != NULL ? find(hb, addr) : NULL;

	if (p == NULL)
		return -ENOENT;
	*p = hb->peers[--hb->n];
	return 0;
}

int dmm_hb_set_active(struct dmm_hb *hb, const struct dmm_ip6 *addr, bool active)
{
	struct peer *p = hb != NULL && addr != NULL ? find(hb, addr) : NULL;

	if (p == NULL)
		return -ENOENT;
	if (p->active && !active) {
		/* Not probed any more, so its silence means nothing: forget the outstanding
		 * request and the missed count (choice, hb_sm.h). */
		p->awaiting = false;
		p->missed = 0;
	}
	p->active = active;
	return 0;
}

void dmm_hb_make_request(struct dmm_mh_msg *m, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = DMM_MH_HB;
	m->hb.flags = 0; /* R=0, U=0, no option: 16 octets (RFC 5847 §3.3, H1) */
	m->hb.seq = seq;
}

void dmm_hb_make_response(struct dmm_mh_msg *m, uint32_t seq, bool unsolicited,
			  uint32_t restart_counter)
{
	memset(m, 0, sizeof(*m));
	m->type = DMM_MH_HB;
	m->hb.flags = DMM_MH_HB_R | (unsolicited ? DMM_MH_HB_U : 0);
	m->hb.seq = seq;
	/* RFC 5847 §3.2: the Restart Counter goes in every Heartbeat Response. */
	m->opt.has_restart = true;
	m->opt.restart = restart_counter;
}

static struct dmm_hb_action *push(struct dmm_hb_actions *out, enum dmm_hb_action_type t,
				  const struct dmm_ip6 *peer)
{
	struct dmm_hb_action *a = &out->a[out->n++];

	a->type = t;
	if (peer != NULL)
		a->peer = *peer;
	else
		memset(&a->peer, 0, sizeof(a->peer));
	a->at_ms = 0;
	a->old_rc = a->new_rc = 0;
	return a;
}

/* RFC 5847 §3.2: compare with the stored value; a different one means a restart with state
 * loss; the first one of a solicited response is just stored. An unsolicited response is sent
 * only "after a restart that lost state" so that peers "quickly discover the restart": it
 * reports one even when no counter was known yet (old_rc 0 then), unless it repeats the stored
 * value (a duplicate). */
static void take_counter(struct dmm_hb *hb, struct peer *p, const struct dmm_mh_msg *msg,
			 bool unsolicited, struct dmm_hb_actions *out)
{
	if (!msg->opt.has_restart) {
		hb->st.rx_resp_no_counter++;
		return;
	}
	if ((p->rc_known && p->rc != msg->opt.restart) || (!p->rc_known && unsolicited)) {
		struct dmm_hb_action *a = push(out, DMM_HB_ACT_RESTARTED, &p->addr);

		a->old_rc = p->rc_known ? p->rc : 0;
		a->new_rc = msg->opt.restart;
		hb->st.restarted++;
	}
	p->rc = msg->opt.restart;
	p->rc_known = true;
}

static int input_be(struct dmm_hb *hb, const struct dmm_ip6 *src, const struct dmm_mh_msg *msg,
		    struct dmm_hb_actions *out)
{
	struct peer *p = find(hb, src);

	hb->st.rx_be++;
	/* RFC 5847 §3: Binding Error status 2 "in response to a Heartbeat Request" — the only
	 * evidence of that is a request outstanding to that peer. */
	if (p == NULL || p->disabled || !p->awaiting ||
	    msg->be.status != DMM_MH_BE_UNKNOWN_MH_TYPE) {
		hb->st.rx_be_ignored++;
		return DMM_HB_IGNORED;
	}
	p->disabled = true;
	p->awaiting = false;
	p->missed = 0;
	push(out, DMM_HB_ACT_DISABLED, &p->addr);
	hb->st.disabled++;
	return DMM_HB_DONE;
}

int dmm_hb_input(struct dmm_hb *hb, uint64_t now_ms, const struct dmm_ip6 *src,
		 const struct dmm_mh_msg *msg, struct dmm_hb_actions *out)
{
	uint16_t fl;
	struct peer *p;

	(void)now_ms;
	if (hb == NULL || src == NULL || msg == NULL || out == NULL)
		return -EINVAL;
	out->n = 0;
	if (msg->type == DMM_MH_BE)
		return input_be(hb, src, msg, out);
	if (msg->type != DMM_MH_HB) {
		hb->st.rx_bad++;
		return DMM_HB_IGNORED;
	}
	fl = msg->hb.flags & (DMM_MH_HB_U | DMM_MH_HB_R);
	if (fl == DMM_MH_HB_U) { /* "unsolicited request": U is only defined with R */
		hb->st.rx_bad++;
		return DMM_HB_IGNORED;
	}
	if (fl == 0) {
		/* A request: always answered, binding or not (RFC 5847 §3, H2), same sequence
		 * number; a Restart Counter in it is ignored (§3.4, H9). */
		struct dmm_hb_action *a = push(out, DMM_HB_ACT_SEND, src);

		hb->st.rx_req++;
		dmm_hb_make_response(&a->msg, msg->hb.seq, false, hb->cfg.restart_counter);
		hb->st.tx_resp++;
		return DMM_HB_DONE;
	}
	p = find(hb, src);
	if (p == NULL) {
		hb->st.rx_resp_unknown_peer++;
		return DMM_HB_IGNORED;
	}
	if (fl & DMM_MH_HB_U) {
		/* RFC 5847 §3.2: sequence number ignored, no reply; the counter tells. */
		hb->st.rx_unsolicited++;
		take_counter(hb, p, msg, true, out);
		return DMM_HB_DONE;
	}
	hb->st.rx_resp++;
	/* Matched by sequence number (§3.1): any request sent since the last answered one. */
	if (!p->awaiting || p->last_seq - msg->hb.seq > p->missed) {
		hb->st.rx_resp_unmatched++;
		return DMM_HB_IGNORED;
	}
	p->awaiting = false;
	p->missed = 0; /* §3.1: a response resets MISSING_HEARTBEAT */
	if (p->state == DMM_HB_UNREACHABLE) {
		p->state = DMM_HB_UP;
		push(out, DMM_HB_ACT_REACHABLE, &p->addr);
		hb->st.reachable++;
	}
	take_counter(hb, p, msg, false, out);
	return DMM_HB_DONE;
}

int dmm_hb_tick(struct dmm_hb *hb, uint64_t now_ms, struct dmm_hb_actions *out)
{
	uint64_t next;

	if (hb == NULL || out == NULL)
		return -EINVAL;
	out->n = 0;
	for (unsigned i = 0; i < hb->n; i++) {
		struct peer *p = &hb->peers[i];

		if (p->due_ms > now_ms)
			continue;
		if (out->n + 3 > DMM_HB_MAX_ACTIONS) { /* UNREACHABLE + SEND + final ARM */
			push(out, DMM_HB_ACT_ARM, NULL)->at_ms = now_ms;
			return DMM_HB_MORE;
		}
		if (p->active && !p->disabled) {
			/* RFC 5847 §3.1: before the next request, count the unanswered one; past
			 * MISSING_HEARTBEATS_ALLOWED the peer is unreachable (H4). */
			if (p->awaiting && p->missed < UINT32_MAX)
				p->missed++;
			if (p->missed > hb->cfg.missing_allowed && p->state == DMM_HB_UP) {
				p->state = DMM_HB_UNREACHABLE;
				push(out, DMM_HB_ACT_UNREACHABLE, &p->addr);
				hb->st.unreachable++;
			}
			struct dmm_hb_action *a = push(out, DMM_HB_ACT_SEND, &p->addr);

			p->last_seq = p->next_seq++;
			p->awaiting = true;
			dmm_hb_make_request(&a->msg, p->last_seq);
			hb->st.tx_req++;
		}
		p->due_ms += hb->cfg.interval_ms;
		if (p->due_ms <= now_ms) /* slept through several intervals: no catch-up burst */
			p->due_ms = now_ms + hb->cfg.interval_ms;
	}
	next = dmm_hb_next_due(hb);
	if (next != 0)
		push(out, DMM_HB_ACT_ARM, NULL)->at_ms = next;
	return DMM_HB_DONE;
}

int dmm_hb_announce(struct dmm_hb *hb, unsigned *cursor, struct dmm_hb_actions *out)
{
	if (hb == NULL || cursor == NULL || out == NULL)
		return -EINVAL;
	out->n = 0;
	for (; *cursor < hb->n; (*cursor)++) {
		struct dmm_hb_action *a;

		if (out->n == DMM_HB_MAX_ACTIONS)
			return DMM_HB_MORE;
		a = push(out, DMM_HB_ACT_SEND, &hb->peers[*cursor].addr);
		/* RFC 5847 §3.2: U=1, R=1, the (incremented) counter; the sequence number is
		 * ignored by the receiver. */
		dmm_hb_make_response(&a->msg, 0, true, hb->cfg.restart_counter);
		hb->st.tx_unsolicited++;
	}
	return DMM_HB_DONE;
}

uint64_t dmm_hb_next_due(const struct dmm_hb *hb)
{
	uint64_t next = 0;

	for (unsigned i = 0; hb != NULL && i < hb->n; i++)
		if (next == 0 || hb->peers[i].due_ms < next)
			next = hb->peers[i].due_ms;
	return next;
}

int dmm_hb_peer_get(const struct dmm_hb *hb, const struct dmm_ip6 *addr,
		    struct dmm_hb_peer_info *info)
{
	const struct peer *p = hb != NULL && addr != NULL ? find(hb, addr) : NULL;

	if (p == NULL || info == NULL)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->addr = p->addr;
	info->active = p->active;
	info->disabled = p->disabled;
	info->awaiting = p->awaiting;
	info->state = p->state;
	info->next_seq = p->next_seq;
	info->last_seq = p->last_seq;
	info->missed = p->missed;
	info->rc_known = p->rc_known;
	info->rc = p->rc;
	info->due_ms = p->due_ms;
	return 0;
}

unsigned dmm_hb_peer_count(const struct dmm_hb *hb)
{
	return hb != NULL ? hb->n : 0;
}

const struct dmm_hb_stats *dmm_hb_get_stats(const struct dmm_hb *hb)
{
	return &hb->st;
}
