/* SPDX-License-Identifier: BSD-3-Clause */
/* The real engine: controlplane/cmd_sm.[ch] (the sans-I/O CMD state machine) behind
 * cmd_engine.h. Maps struct cmd_config onto struct dmm_cmd_config and the state machine's
 * actions onto the shell's. `bce` walks the binding cache with dmm_cmd_foreach(); stats
 * carry bce_count. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cmd_engine.h"
#include "cmd_sm.h"
#include "dmm_log.h"

/* A configured MAAR and its index in cfg->maars, sorted by address for the activity walk. */
struct maar_ix {
	struct dmm_ip6 addr;
	unsigned idx;
};

_Static_assert(CMD_CFG_MAX_UPDATE_RATE == DMM_CMD_MAX_UPDATE_RATE,
	       "timers.max_update_rate is bounded by the state machine's limit");

struct cmd_engine {
	struct dmm_cmd *sm;
	uint64_t errors; /* dmm_cmd_input/tick returned a negative errno */
	struct maar_ix *maars;
	unsigned n_maars;
	struct dmm_cmd_actions out;
};

static int maar_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct maar_ix *)x)->addr, &((const struct maar_ix *)y)->addr,
		      DMM_IP6_LEN);
}

struct cmd_engine *cmd_engine_create(const struct cmd_config *cfg, uint64_t now_ms)
{
	struct dmm_cmd_config sc;
	struct dmm_cmd_peer *peers;
	struct cmd_engine *e;
	int err = 0;

	(void)now_ms;
	e = calloc(1, sizeof(*e));
	peers = calloc(cfg->n_maars, sizeof(*peers));
	if (e == NULL || peers == NULL) {
		free(e);
		free(peers);
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_maars; i++) {
		peers[i].addr = cfg->maars[i];
		/* M5: a MAAR listed with proxy_reg: false gets 154 for its PBUs */
		peers[i].proxy_reg = cfg->proxy_reg != NULL ? cfg->proxy_reg[i] : true;
		/* M28: PBUs for prefixes outside the pool get 155 (copied by dmm_cmd_new) */
		peers[i].n_pool = cfg->pool_n != NULL ? cfg->pool_n[i] : 0;
		peers[i].pool = peers[i].n_pool ? &cfg->pool[cfg->pool_first[i]] : NULL;
	}
	dmm_cmd_config_default(&sc);
	sc.addr = cfg->address;
	sc.mode = cfg->mode == CMD_MODE_LOCATOR ? DMM_CMD_MODE_LOCATOR
		  : cfg->mode == CMD_MODE_PROXY ? DMM_CMD_MODE_PROXY
						: DMM_CMD_MODE_RELAY;
	sc.peers = peers;
	sc.n_peers = cfg->n_maars;
	sc.max_lifetime_s = cfg->lifetime_max_s;
	sc.relay_timeout_ms = cfg->relay_aggregation_ms;
	sc.min_delay_bce_delete_ms = cfg->min_delay_before_bce_delete_ms;
	sc.ts_window_ms = cfg->timestamp_window_ms;
	sc.max_mns = cfg->max_mns;
	sc.initial_bindack_ms = cfg->initial_bindack_ms;
	sc.max_bindack_ms = cfg->max_bindack_ms;
	sc.max_update_rate = (uint8_t)cfg->max_update_rate;
	sc.max_paced = cfg->max_paced;
	/* M6/M7: subscriber policy (copied and sorted by dmm_cmd_new) */
	sc.subscriber_policy =
	    cfg->subs_policy == CMD_SUBS_LIST ? DMM_CMD_SUBS_LIST : DMM_CMD_SUBS_ANY;
	sc.allow = (const char *const *)cfg->subs_allow;
	sc.n_allow = cfg->n_subs_allow;
	sc.proxy_disabled = (const char *const *)cfg->subs_disabled;
	sc.n_proxy_disabled = cfg->n_subs_disabled;
	if (getrandom(&sc.hash_seed, sizeof(sc.hash_seed), 0) != (ssize_t)sizeof(sc.hash_seed))
		sc.hash_seed = now_ms ^ (uint64_t)(uintptr_t)e;
	e->sm = dmm_cmd_new(&sc, &err); /* copies the peers */
	free(peers);
	if (e->sm == NULL) {
		dmm_log("cmd", DMM_LOG_ERR, "dmm_cmd_new: %s", strerror(-err));
		free(e);
		return NULL;
	}
	e->maars = calloc(cfg->n_maars ? cfg->n_maars : 1, sizeof(*e->maars));
	if (e->maars == NULL) {
		cmd_engine_destroy(e);
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_maars; i++)
		e->maars[i] = (struct maar_ix){.addr = cfg->maars[i], .idx = i};
	e->n_maars = cfg->n_maars;
	qsort(e->maars, e->n_maars, sizeof(*e->maars), maar_cmp);
	return e;
}

void cmd_engine_destroy(struct cmd_engine *e)
{
	dmm_cmd_free(e->sm);
	free(e->maars);
	free(e);
}

const char *cmd_engine_name(void)
{
	return "cmd_sm";
}

static void convert(struct cmd_engine *e, struct cmd_actions *out)
{
	for (unsigned i = 0; i < e->out.n; i++) {
		const struct dmm_cmd_action *s = &e->out.a[i];
		struct cmd_action *a;

		if (out->n >= CMD_ENGINE_MAX_ACTIONS) {
			out->dropped++;
			continue;
		}
		a = &out->a[out->n++];
		a->kind = s->type == DMM_CMD_ACT_ARM ? CMD_ACT_ARM : CMD_ACT_SEND;
		a->at_ms = s->at_ms;
		a->dst = s->dst; /* s->src is cfg->address, the raw socket's bound address */
		if (s->type == DMM_CMD_ACT_SEND)
			a->msg = s->msg;
	}
	e->out.n = 0;
}

void cmd_engine_input(struct cmd_engine *e, uint64_t now_ms, const struct dmm_ip6 *src,
		      const struct dmm_ip6 *dst, const struct dmm_mh_msg *msg,
		      struct cmd_actions *out)
{
	(void)dst;
	if (dmm_cmd_input(e->sm, now_ms, src, msg, &e->out) < 0) {
		e->errors++;
		return;
	}
	convert(e, out);
}

bool cmd_engine_tick(struct cmd_engine *e, uint64_t now_ms, struct cmd_actions *out)
{
	int rc = dmm_cmd_tick(e->sm, now_ms, &e->out);

	if (rc < 0) {
		e->errors++;
		return false;
	}
	convert(e, out);
	return rc == DMM_CMD_MORE;
}

/* Every counter of struct dmm_cmd_stats but rejected[] (below), by JSON name: one table so the
 * reply cannot drift from the struct. The rx ones are prefixed "engine_" (the shell has its own
 * rx). A field added to the struct must be added here: the _Static_assert counts them. */
#define CMD_STATS(X)                                                                               \
	X(engine_rx_pbu, rx_pbu)                                                                   \
	X(engine_rx_pba, rx_pba)                                                                   \
	X(engine_rx_other, rx_other)                                                               \
	X(drop_unknown_peer, drop_unknown_peer)                                                    \
	X(drop_not_pbu_pba, drop_not_pbu_pba)                                                      \
	X(drop_dereg_unknown, drop_dereg_unknown)                                                  \
	X(drop_dereg_stranger, drop_dereg_stranger)                                                \
	X(drop_pba_unmatched, drop_pba_unmatched)                                                  \
	X(registrations, registrations)                                                            \
	X(handovers, handovers)                                                                    \
	X(refreshes, refreshes)                                                                    \
	X(deregistrations, deregistrations)                                                        \
	X(renewals, renewals)                                                                      \
	X(expired, expired)                                                                        \
	X(deleted, deleted)                                                                        \
	X(relay_timeouts, relay_timeouts)                                                          \
	X(relay_late_pbas, relay_late_pbas)                                                        \
	X(relay_superseded, relay_superseded)                                                      \
	X(pmaar_evicted, pmaar_evicted)                                                            \
	X(paced, paced)                                                                            \
	X(retransmits, retransmits)                                                                \
	X(retx_given_up, retx_given_up)                                                            \
	X(paced_full, paced_full)                                                                  \
	X(paced_overflow, paced_overflow)                                                          \
	X(refresh_absorbed, refresh_absorbed)                                                      \
	X(paced_stale, paced_stale)                                                                \
	X(expiry_notices, expiry_notices)                                                          \
	X(local_followups, local_followups)                                                        \
	X(local_dropped, local_dropped)

static const struct {
	const char *name;
	size_t off;
} stats_table[] = {
#define X(json, field) {#json, offsetof(struct dmm_cmd_stats, field)},
    CMD_STATS(X)
#undef X
};

#define X(json, field) +1
_Static_assert(sizeof(struct dmm_cmd_stats) == (0 CMD_STATS(X)) * sizeof(uint64_t) +
						   sizeof(((struct dmm_cmd_stats *)0)->rejected),
	       "struct dmm_cmd_stats has a counter missing from CMD_STATS");
#undef X

void cmd_engine_stats_json(const struct cmd_engine *e, FILE *out)
{
	const struct dmm_cmd_stats *s = dmm_cmd_get_stats(e->sm);
	uint64_t accepted = 0, rejected = 0;
	bool first = true;

	for (unsigned i = 0; i < 256; i++) /* "rejected" is per status, accepted ones too */
		*(dmm_mh_status_accepted((uint8_t)i) ? &accepted : &rejected) += s->rejected[i];
	fprintf(out,
		",\"bce_count\":%u,\"engine_errors\":%llu,\"pba_accepted\":%llu,"
		"\"pba_rejected\":%llu",
		dmm_cmd_count(e->sm), (unsigned long long)e->errors, (unsigned long long)accepted,
		(unsigned long long)rejected);
	for (size_t i = 0; i < sizeof(stats_table) / sizeof(stats_table[0]); i++) {
		uint64_t v;

		memcpy(&v, (const char *)s + stats_table[i].off, sizeof(v));
		fprintf(out, ",\"%s\":%llu", stats_table[i].name, (unsigned long long)v);
	}
	/* PBAs sent by status (RFC 5213 §8.9, 155 = prefix outside the MAAR's pool, M28), the
	 * ones sent only: {"0":12,"155":1}. */
	fputs(",\"pba_status\":{", out);
	for (unsigned i = 0; i < 256; i++) {
		if (!s->rejected[i])
			continue;
		fprintf(out, "%s\"%u\":%llu", first ? "" : ",", i,
			(unsigned long long)s->rejected[i]);
		first = false;
	}
	fputc('}', out);
}

/* A JSON string for an NAI: valid UTF-8 sequences pass through; '"', '\\' and control
 * characters are escaped; any byte that does not start a valid UTF-8 sequence is written as
 * \u00XX (its Latin-1 reading), so the output is always valid JSON (RFC 8259 §8.1). */
static unsigned utf8_len(const unsigned char *s, size_t n)
{
	unsigned len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		if (s[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (unsigned k = 2; k < len; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return len;
}

static void json_str(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned l;

		if (s[i] == '"' || s[i] == '\\') {
			fputc('\\', out);
			fputc(s[i++], out);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			fprintf(out, "\\u%04x", s[i++]);
		} else if (s[i] < 0x80) {
			fputc(s[i++], out);
		} else if ((l = utf8_len(s + i, n - i)) != 0) {
			fwrite(s + i, 1, l, out);
			i += l;
		} else {
			fprintf(out, "\\u%04x", s[i++]);
		}
	}
	fputc('"', out);
}

struct bce_ctx {
	FILE *out;
	uint64_t now_ms;
	bool first;
	unsigned long long skip; /* entries before the page */
	unsigned long long left; /* entries still to write; ULLONG_MAX = no limit */
	bool more;		 /* an entry after the page exists */
};

static int bce_one(const struct dmm_cmd_binding *b, void *arg)
{
	struct bce_ctx *x = arg;
	char a[DMM_IP6_STRLEN], p[DMM_PFX_STRLEN];
	uint64_t left = 0;

	if (x->skip > 0) {
		x->skip--;
		return 0;
	}
	if (x->left == 0) {
		x->more = true;
		return 1; /* one past the page: stop the walk */
	}
	x->left--;

	if (b->state == DMM_CMD_BCE_ACTIVE && b->expire_ms > x->now_ms)
		left = (b->expire_ms - x->now_ms + 999) / 1000;
	fputs(x->first ? "{\"mn_id\":" : ",{\"mn_id\":", x->out);
	x->first = false;
	json_str(x->out, b->nai, b->nai_len);
	fprintf(x->out,
		",\"state\":\"%s\",\"serving\":\"%s\",\"hnp\":\"%s\",\"lifetime_s\":%llu,"
		"\"p_maars\":[",
		b->state == DMM_CMD_BCE_DEREG ? "dereg" : "active", dmm_ip6_fmt(&b->smaar, a),
		dmm_prefix_fmt(&b->hnp, p), (unsigned long long)left);
	for (unsigned i = 0; i < b->n_pmaar; i++)
		fprintf(x->out, "%s{\"address\":\"%s\",\"prefix\":\"%s\"}", i ? "," : "",
			dmm_ip6_fmt(&b->pmaar[i].addr, a), dmm_prefix_fmt(&b->pmaar[i].pfx, p));
	fputs("]}", x->out);
	return 0;
}

void cmd_engine_bce_json(const struct cmd_engine *e, uint64_t now_ms, FILE *out)
{
	struct bce_ctx x = {.out = out, .now_ms = now_ms, .first = true, .left = ULLONG_MAX};

	fputc('[', out);
	dmm_cmd_foreach(e->sm, bce_one, &x);
	fputc(']', out);
}

long long cmd_engine_bce_page_json(const struct cmd_engine *e, uint64_t now_ms,
				   unsigned long long offset, unsigned limit, FILE *out)
{
	struct bce_ctx x = {
	    .out = out, .now_ms = now_ms, .first = true, .skip = offset, .left = limit};

	fputc('[', out);
	dmm_cmd_foreach(e->sm, bce_one, &x);
	fputc(']', out);
	return x.more ? (long long)(offset + limit) : -1;
}

struct act_ctx {
	const struct cmd_engine *e;
	bool *active;
	unsigned n_active;
};

static void mark(struct act_ctx *x, const struct dmm_ip6 *a)
{
	struct maar_ix key = {.addr = *a};
	const struct maar_ix *m = bsearch(&key, x->e->maars, x->e->n_maars, sizeof(key), maar_cmp);

	if (m != NULL && !x->active[m->idx]) {
		x->active[m->idx] = true;
		x->n_active++;
	}
}

static int act_one(const struct dmm_cmd_binding *b, void *arg)
{
	struct act_ctx *x = arg;

	/* A de-registered entry waiting for deletion is no "active Binding Cache entry" (RFC
	 * 5847 §3); its P-MAAR list is already empty. */
	if (b->state != DMM_CMD_BCE_ACTIVE)
		return 0;
	mark(x, &b->smaar);
	for (unsigned i = 0; i < b->n_pmaar; i++)
		mark(x, &b->pmaar[i].addr);
	return x->n_active == x->e->n_maars; /* every MAAR has one: stop early */
}

unsigned cmd_engine_maar_activity(const struct cmd_engine *e, bool *active)
{
	struct act_ctx x = {.e = e, .active = active};

	memset(active, 0, e->n_maars * sizeof(*active));
	if (e->n_maars > 0)
		dmm_cmd_foreach(e->sm, act_one, &x);
	return x.n_active;
}
