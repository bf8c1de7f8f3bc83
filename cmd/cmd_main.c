/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-cmd: the Central Mobility Database daemon's I/O shell (DESIGN.md §1-2). A plain Linux
 * process: one raw IPv6 socket for the Mobility Header (protocol 135, the kernel computes and
 * verifies the checksum through IPV6_CHECKSUM), a timerfd for the engine's timers, a signalfd
 * and a UNIX control socket, all in one epoll loop. The CMD logic sits behind cmd_engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/sock_diag.h> /* SK_MEMINFO_DROPS */
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cmd_config.h"
#include "cmd_engine.h"
#include "dmm_log.h"
#include "dmm_mh.h"
#include "hb_sm.h"

#define LOG_MOD	     "cmd"
#define RX_BURST     64	  /* datagrams read per wake-up before other fds get a turn */
#define MAX_CLIENTS  16	  /* concurrent control connections */
#define REQ_MAX	     256  /* longest request line */
#define LOG_PER_SEC  10	  /* rate limit of per-packet log lines */
#define TICK_ROUNDS  64	  /* cmd_engine_tick() calls per timer wake-up */
#define N_MH_ERR     17	  /* DMM_MH_E_TRUNCATED (-1001) .. DMM_MH_E_INVALID (-1017) */
#define BCE_PAGE_DEF 1000 /* control request "bce [offset [limit]]" */
#define BCE_PAGE_MAX 10000

/* JSON names of the parse errors, indexed by -1001 - err. */
static const char *const mh_err_key[N_MH_ERR] = {
    "truncated",      "bad_len",       "bad_checksum", "unknown_type",	"bad_proto",
    "hdrlen_short",   "opt_truncated", "opt_bad_len",  "opt_duplicate", "too_many",
    "bad_prefix_len", "mnid_subtype",  "mnid_empty",   "mnid_nul",	"nospace",
    "too_big",	      "invalid"};

struct counters {
	uint64_t rx;		 /* datagrams received */
	uint64_t rx_not_allowed; /* sender not in maars */
	uint64_t rx_bad[N_MH_ERR];
	uint64_t rx_bad_other; /* oversized datagram, multicast destination, no pktinfo */
	uint64_t rx_valid;     /* handed to the engine */
	uint64_t tx;
	uint64_t tx_errors;
	uint64_t timer_ticks;
	/* heartbeat events (RFC 5847), see hb_sm.h */
	uint64_t hb_unreachable, hb_reachable, hb_restarted, hb_disabled, hb_timer_ticks;
};

struct client {
	int fd; /* -1 = free slot */
	size_t in_len;
	char in[REQ_MAX];
	char *out;
	size_t out_len, out_off;
};

struct daemon {
	const struct cmd_config *cfg;
	struct cmd_engine *eng;
	int ep, raw, tfd, sfd, ctl;
	uint64_t deadline; /* the engine's one timer (last ARM), 0 = none */
	bool stop;
	struct counters st;
	struct client cl[MAX_CLIENTS];
	struct cmd_actions act; /* big: kept here rather than on the stack */
	/* heartbeat with the configured MAARs: its own timerfd on CLOCK_MONOTONIC (only
	 * intervals matter, and the PBU clock may be stepped) */
	struct dmm_hb *hb;
	int hb_tfd;
	uint32_t restart_counter; /* ours, this start's */
	bool restarted;		  /* a previous start was recorded: state was lost */
	bool *active;		  /* per cfg->maars: has a binding here */
	unsigned n_active;
	uint64_t activity_ms; /* last activity walk (monotonic) */
	struct dmm_hb_actions hb_act;
	/* log rate limit */
	uint64_t log_sec, log_n, log_suppressed;
};

/* epoll data: fd kinds, clients as CLIENT_BASE + slot */
enum { EV_RAW = 1, EV_TIMER, EV_SIGNAL, EV_CTL, EV_HB_TIMER, EV_CLIENT_BASE = 100 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts); /* the Timestamp option's clock, see cmd_engine.h */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- logging --- */

static void syslog_backend(const char *module, enum dmm_log_level level, const char *fmt,
			   va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	syslog((int)level - 1, "%s: %s", module, msg); /* DMM_LOG_ERR 4 -> LOG_ERR 3, ... */
}

/* Per-packet log lines: at most LOG_PER_SEC a second, then one line saying how many were
 * left out. */
static bool log_ok(struct daemon *d)
{
	uint64_t sec = now_ms() / 1000;

	if (sec != d->log_sec) {
		if (d->log_suppressed > 0)
			dmm_log(LOG_MOD, DMM_LOG_WARNING, "%llu log messages suppressed",
				(unsigned long long)d->log_suppressed);
		d->log_sec = sec;
		d->log_n = 0;
		d->log_suppressed = 0;
	}
	if (d->log_n < LOG_PER_SEC) {
		d->log_n++;
		return true;
	}
	d->log_suppressed++;
	return false;
}

/* --- epoll helpers --- */

static int ep_add(struct daemon *d, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void timer_rearm(struct daemon *d)
{
	struct itimerspec its = {0};

	if (d->deadline != 0) {
		its.it_value.tv_sec = (time_t)(d->deadline / 1000);
		its.it_value.tv_nsec = (long)(d->deadline % 1000) * 1000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* all zero would disarm */
	}
	if (timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		dmm_log(LOG_MOD, DMM_LOG_ERR, "timerfd_settime: %s", strerror(errno));
}

/* --- Mobility Header I/O --- */

static void send_msg(struct daemon *d, const struct dmm_ip6 *dst, const struct dmm_mh_msg *m)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	uint8_t buf[DMM_MH_MAX_LEN];
	char a[DMM_IP6_STRLEN];
	size_t len;
	int rc;

	rc = dmm_mh_build(m, NULL, NULL, buf, sizeof(buf), &len);
	if (rc < 0) {
		d->st.tx_errors++;
		if (log_ok(d))
			dmm_log(LOG_MOD, DMM_LOG_ERR, "build for %s: %s", dmm_ip6_fmt(dst, a),
				dmm_mh_strerror(rc));
		return;
	}
	memcpy(&sa.sin6_addr, dst->a, DMM_IP6_LEN);
	dmm_ip6_fmt(dst, a);
	if (sendto(d->raw, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len) {
		d->st.tx_errors++;
		if (log_ok(d))
			dmm_log(LOG_MOD, DMM_LOG_ERR, "sendto %s: %s", a, strerror(errno));
		return;
	}
	d->st.tx++;
	if (log_ok(d)) {
		char line[512];

		dmm_mh_format(m, line, sizeof(line));
		dmm_log(LOG_MOD, DMM_LOG_DEBUG, "tx to %s: %s", a, line);
	}
}

static void run_actions(struct daemon *d)
{
	bool rearm = false;

	d->st.tx_errors += d->act.dropped;
	for (unsigned i = 0; i < d->act.n && i < CMD_ENGINE_MAX_ACTIONS; i++) {
		const struct cmd_action *a = &d->act.a[i];

		if (a->kind == CMD_ACT_SEND) {
			send_msg(d, &a->dst, &a->msg);
		} else if (a->kind == CMD_ACT_ARM) {
			d->deadline = a->at_ms != 0 ? a->at_ms : 1; /* replaces the earlier one */
			rearm = true;
		}
	}
	d->act.n = 0;
	d->act.dropped = 0;
	if (rearm)
		timer_rearm(d);
}

static void hb_timer_arm(struct daemon *d, uint64_t at_ms)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)(at_ms / 1000);
	its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* all zero would disarm */
	if (timerfd_settime(d->hb_tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		dmm_log(LOG_MOD, DMM_LOG_ERR, "heartbeat timerfd_settime: %s", strerror(errno));
}

/* The heartbeat machine's actions. Events are logged (not rate-limited: at most one per MAAR
 * per interval) and counted. [choice] The CMD keeps the BCEs of an unreachable or restarted
 * MAAR until their lifetime ends (cmd/README.md). */
static void run_hb_actions(struct daemon *d)
{
	for (unsigned i = 0; i < d->hb_act.n; i++) {
		const struct dmm_hb_action *a = &d->hb_act.a[i];
		char p[DMM_IP6_STRLEN];

		dmm_ip6_fmt(&a->peer, p);
		switch (a->type) {
		case DMM_HB_ACT_SEND:
			send_msg(d, &a->peer, &a->msg);
			break;
		case DMM_HB_ACT_ARM:
			hb_timer_arm(d, a->at_ms);
			break;
		case DMM_HB_ACT_UNREACHABLE:
			d->st.hb_unreachable++;
			dmm_log(LOG_MOD, DMM_LOG_WARNING,
				"MAAR %s unreachable: more than %u heartbeats unanswered (its BCEs "
				"are kept until their lifetime ends)",
				p, d->cfg->hb_missing_allowed);
			break;
		case DMM_HB_ACT_REACHABLE:
			d->st.hb_reachable++;
			dmm_log(LOG_MOD, DMM_LOG_NOTICE, "MAAR %s reachable again", p);
			break;
		case DMM_HB_ACT_RESTARTED:
			d->st.hb_restarted++;
			dmm_log(LOG_MOD, DMM_LOG_WARNING,
				"MAAR %s restarted: Restart Counter %u -> %u (its BCEs are kept "
				"until their lifetime ends)",
				p, a->old_rc, a->new_rc);
			break;
		case DMM_HB_ACT_DISABLED:
			d->st.hb_disabled++;
			dmm_log(LOG_MOD, DMM_LOG_NOTICE,
				"MAAR %s answered a heartbeat with Binding Error status 2: no more "
				"heartbeats to it",
				p);
			break;
		}
	}
	d->hb_act.n = 0;
}

/* RFC 5847 §3 (H3): requests only to MAARs with a binding here. One walk over the binding
 * cache per interval (cmd_engine_maar_activity). */
static void hb_refresh_activity(struct daemon *d)
{
	d->n_active = cmd_engine_maar_activity(d->eng, d->active);
	for (unsigned i = 0; i < d->cfg->n_maars; i++)
		dmm_hb_set_active(d->hb, &d->cfg->maars[i], d->active[i]);
}

static void on_hb_timer(struct daemon *d)
{
	uint64_t expirations, now;

	if (read(d->hb_tfd, &expirations, sizeof(expirations)) < 0)
		return;
	now = mono_ms();
	d->st.hb_timer_ticks++;
	/* Peers added together are due together: one walk per interval, not per wake-up. */
	if (d->activity_ms == 0 || now - d->activity_ms >= d->cfg->hb_interval_s * 500ull) {
		hb_refresh_activity(d);
		d->activity_ms = now;
	}
	for (int i = 0; i < TICK_ROUNDS; i++) {
		int rc = dmm_hb_tick(d->hb, now, &d->hb_act);

		run_hb_actions(d); /* ends with an ARM: the next due time, or now if MORE */
		if (rc != DMM_HB_MORE)
			break;
	}
}

/* RFC 6275 §9.2: an unknown MH type is answered with Binding Error status 2 (Home Address
 * :: as no HAO is ever accepted); the sender is a configured unicast MAAR. */
static void send_binding_error(struct daemon *d, const struct dmm_ip6 *dst)
{
	struct dmm_mh_msg be;

	memset(&be, 0, sizeof(be));
	be.type = DMM_MH_BE;
	be.be.status = DMM_MH_BE_UNKNOWN_MH_TYPE;
	send_msg(d, dst, &be);
}

static void rx_one(struct daemon *d, const uint8_t *buf, ssize_t n, int flags,
		   const struct sockaddr_in6 *from, const struct in6_pktinfo *pi)
{
	static struct dmm_mh_msg m; /* large; one daemon per process */
	struct dmm_ip6 src, dst;
	char a[DMM_IP6_STRLEN];
	int rc;

	d->st.rx++;
	memcpy(src.a, &from->sin6_addr, DMM_IP6_LEN);
	if (cmd_config_maar_index(d->cfg, &src) < 0) {
		d->st.rx_not_allowed++;
		if (log_ok(d))
			dmm_log(LOG_MOD, DMM_LOG_NOTICE,
				"dropped MH from %s: not a configured MAAR", dmm_ip6_fmt(&src, a));
		return;
	}
	if ((flags & MSG_TRUNC) || pi == NULL) {
		d->st.rx_bad_other++;
		if (log_ok(d))
			dmm_log(LOG_MOD, DMM_LOG_NOTICE, "dropped MH from %s: %s",
				dmm_ip6_fmt(&src, a), pi == NULL ? "no pktinfo" : "oversized");
		return;
	}
	memcpy(dst.a, &pi->ipi6_addr, DMM_IP6_LEN);
	if (dmm_ip6_is_multicast(&dst)) {
		d->st.rx_bad_other++;
		return;
	}
	/* NULL addresses: the kernel has verified the checksum (IPV6_CHECKSUM). */
	rc = dmm_mh_parse(buf, (size_t)n, NULL, NULL, &m);
	if (rc < 0) {
		int i = -1001 - rc;

		if (i >= 0 && i < N_MH_ERR)
			d->st.rx_bad[i]++;
		else
			d->st.rx_bad_other++;
		if (log_ok(d))
			dmm_log(LOG_MOD, DMM_LOG_NOTICE, "dropped MH from %s (%zd octets): %s",
				dmm_ip6_fmt(&src, a), n, dmm_mh_strerror(rc));
		if (rc == DMM_MH_E_UNKNOWN_TYPE && log_ok(d)) /* rate-limited like ICMPv6 */
			send_binding_error(d, &src);
		return;
	}
	d->st.rx_valid++;
	if (log_ok(d)) {
		char line[512];

		dmm_mh_format(&m, line, sizeof(line));
		dmm_log(LOG_MOD, DMM_LOG_DEBUG, "rx from %s: %s", dmm_ip6_fmt(&src, a), line);
	}
	/* Heartbeats are the heartbeat machine's; a Binding Error may answer one of its
	 * requests (H7) and also goes to the engine, which counts it. */
	if (m.type == DMM_MH_HB || m.type == DMM_MH_BE) {
		dmm_hb_input(d->hb, mono_ms(), &src, &m, &d->hb_act);
		run_hb_actions(d);
		if (m.type == DMM_MH_HB)
			return;
	}
	d->act.n = 0;
	d->act.dropped = 0;
	cmd_engine_input(d->eng, now_ms(), &src, &dst, &m, &d->act);
	run_actions(d);
}

static void rx_raw(struct daemon *d)
{
	uint8_t buf[DMM_MH_MAX_LEN + 1];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;

	for (int i = 0; i < RX_BURST; i++) {
		struct sockaddr_in6 from;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf.b,
				    .msg_controllen = sizeof(cbuf.b)};
		struct in6_pktinfo pi, *pip = NULL;
		ssize_t n = recvmsg(d->raw, &mh, 0);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && log_ok(d))
				dmm_log(LOG_MOD, DMM_LOG_ERR, "recvmsg: %s", strerror(errno));
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				pip = &pi;
			}
		rx_one(d, buf, n, mh.msg_flags, &from, pip);
	}
}

static void on_timer(struct daemon *d)
{
	uint64_t expirations;

	if (read(d->tfd, &expirations, sizeof(expirations)) < 0)
		return; /* EAGAIN: spurious */
	d->st.timer_ticks++;
	d->deadline = 0;
	for (int i = 0; i < TICK_ROUNDS; i++) {
		bool more;

		d->act.n = 0;
		d->act.dropped = 0;
		more = cmd_engine_tick(d->eng, now_ms(), &d->act);
		run_actions(d);
		if (!more)
			return;
	}
	/* Still more due: let the other fds have a turn and come back at once. */
	d->deadline = now_ms();
	timer_rearm(d);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			dmm_log(LOG_MOD, DMM_LOG_NOTICE, "SIGHUP ignored (no reload)");
			continue;
		}
		dmm_log(LOG_MOD, DMM_LOG_NOTICE, "signal %u: exiting", si.ssi_signo);
		d->stop = true;
	}
}

/* --- control socket: one request line per connection, one JSON answer, then close --- */

static void client_close(struct daemon *d, struct client *c)
{
	epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void write_stats(struct daemon *d, FILE *f)
{
	const struct counters *s = &d->st;
	uint64_t bad = s->rx_bad_other;

	for (int i = 0; i < N_MH_ERR; i++)
		bad += s->rx_bad[i];
	fprintf(f,
		"{\"engine\":\"%s\",\"mode\":\"%s\",\"rx\":%llu,\"rx_valid\":%llu,"
		"\"rx_not_allowed\":%llu,\"rx_bad_total\":%llu,\"rx_bad\":{",
		cmd_engine_name(), cmd_mode_name(d->cfg->mode), (unsigned long long)s->rx,
		(unsigned long long)s->rx_valid, (unsigned long long)s->rx_not_allowed,
		(unsigned long long)bad);
	for (int i = 0; i < N_MH_ERR; i++)
		fprintf(f, "\"%s\":%llu,", mh_err_key[i], (unsigned long long)s->rx_bad[i]);
	fprintf(f, "\"other\":%llu},\"tx\":%llu,\"tx_errors\":%llu,\"timer_ticks\":%llu",
		(unsigned long long)s->rx_bad_other, (unsigned long long)s->tx,
		(unsigned long long)s->tx_errors, (unsigned long long)s->timer_ticks);
	/* The kernel verifies MH checksums (IPV6_CHECKSUM): a bad one is dropped inside recvmsg
	 * and never reaches rx_bad. The socket's drop count (sk_drops, as in /proc/net/raw6) is
	 * the only trace; it also counts receive-buffer overflows and IPsec policy drops. */
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t mil = sizeof(mi);
	if (getsockopt(d->raw, SOL_SOCKET, SO_MEMINFO, mi, &mil) == 0 &&
	    mil > SK_MEMINFO_DROPS * sizeof(mi[0]))
		fprintf(f, ",\"raw_socket_drops\":%u", mi[SK_MEMINFO_DROPS]);
	else
		fputs(",\"raw_socket_drops\":null", f);
	cmd_engine_stats_json(d->eng, f);
	const struct dmm_hb_stats *h = dmm_hb_get_stats(d->hb);
#define U(x) (unsigned long long)(x)
	fprintf(f,
		",\"heartbeat\":{\"interval_s\":%u,\"restart_counter\":%u,\"peers\":%u,"
		"\"peers_active\":%u,\"peer_unreachable\":%llu,\"peer_reachable\":%llu,"
		"\"peer_restarted\":%llu,\"peer_disabled\":%llu,\"rx_req\":%llu,\"rx_resp\":%llu,"
		"\"rx_unsolicited\":%llu,\"rx_resp_unmatched\":%llu,\"rx_resp_no_counter\":%llu,"
		"\"rx_be\":%llu,\"tx_req\":%llu,\"tx_resp\":%llu,\"tx_unsolicited\":%llu,"
		"\"timer_ticks\":%llu}",
		d->cfg->hb_interval_s, d->restart_counter, dmm_hb_peer_count(d->hb), d->n_active,
		U(s->hb_unreachable), U(s->hb_reachable), U(s->hb_restarted), U(s->hb_disabled),
		U(h->rx_req), U(h->rx_resp), U(h->rx_unsolicited), U(h->rx_resp_unmatched),
		U(h->rx_resp_no_counter), U(h->rx_be), U(h->tx_req), U(h->tx_resp),
		U(h->tx_unsolicited), U(s->hb_timer_ticks));
#undef U
	fputs("}\n", f);
}

/* A plain decimal, nothing else (no sign, no blanks, no 0x). */
static bool parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}

/* "bce [offset [limit]]": one page of the binding cache, so that a huge cache never builds a
 * huge answer: {"entries":[...],"offset":O,"next":N or null}. */
static void write_bce_page(struct daemon *d, char *args, FILE *f)
{
	unsigned long long offset = 0, limit = BCE_PAGE_DEF;
	char *tok[3] = {NULL}, *save = NULL;
	int n = 0;
	long long next;

	for (char *t = strtok_r(args, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (n == 2) {
			n = 3; /* too many */
			break;
		}
		tok[n++] = t;
	}
	if (n > 2 || (n >= 1 && !parse_ull(tok[0], (unsigned long long)LLONG_MAX / 2, &offset)) ||
	    (n == 2 && (!parse_ull(tok[1], BCE_PAGE_MAX, &limit) || limit == 0))) {
		fprintf(f, "{\"error\":\"usage: bce [offset [limit]], limit 1..%d\"}\n",
			BCE_PAGE_MAX);
		return;
	}
	fputs("{\"entries\":", f);
	next = cmd_engine_bce_page_json(d->eng, now_ms(), offset, (unsigned)limit, f);
	fprintf(f, ",\"offset\":%llu,\"next\":", offset);
	if (next < 0)
		fputs("null", f);
	else
		fprintf(f, "%lld", next);
	fputs("}\n", f);
}

static void client_answer(struct daemon *d, struct client *c)
{
	size_t len = 0;
	char *req = c->in;
	FILE *f;

	bool too_long = memchr(req, '\n', c->in_len) == NULL && c->in_len == sizeof(c->in) - 1;

	req[c->in_len] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	f = open_memstream(&c->out, &len);
	if (f == NULL) {
		client_close(d, c);
		return;
	}
	if (too_long)
		fputs("{\"error\":\"request line too long\"}\n", f);
	else if (strcmp(req, "stats") == 0)
		write_stats(d, f);
	else if (strncmp(req, "bce", 3) == 0 && (req[3] == '\0' || req[3] == ' '))
		write_bce_page(d, req + 3, f);
	else
		fputs("{\"error\":\"unknown request; try stats or bce [offset [limit]]\"}\n", f);
	fclose(f);
	c->out_len = len;
	c->out_off = 0;
	struct epoll_event ev = {.events = EPOLLOUT,
				 .data.u64 = EV_CLIENT_BASE + (uint64_t)(c - d->cl)};
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		client_close(d, c);
}

static void on_client(struct daemon *d, struct client *c, uint32_t events)
{
	if (c->out != NULL) { /* answering */
		while (c->out_off < c->out_len) {
			ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				break;
			}
			c->out_off += (size_t)n;
		}
		/* Unread input would turn the close into a reset that the client may see
		 * before the answer: discard what is queued (bounded). */
		for (int i = 0; i < 16; i++) {
			char junk[4096];

			if (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
				break;
		}
		client_close(d, c);
		return;
	}
	for (;;) {
		ssize_t n =
		    recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* error, or EOF before a full line: answer what came */
			if (n == 0 && c->in_len > 0)
				client_answer(d, c);
			else
				client_close(d, c);
			return;
		}
		c->in_len += (size_t)n;
		if (memchr(c->in, '\n', c->in_len) != NULL || c->in_len == sizeof(c->in) - 1) {
			client_answer(d, c);
			return;
		}
	}
	(void)events;
}

static void on_accept(struct daemon *d)
{
	for (;;) {
		int fd = accept4(d->ctl, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int slot = -1;

		if (fd < 0)
			return;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (d->cl[i].fd < 0) {
				slot = i;
				break;
			}
		if (slot < 0) {
			close(fd); /* busy: the client sees EOF */
			continue;
		}
		d->cl[slot].fd = fd;
		if (ep_add(d, fd, EPOLLIN | EPOLLRDHUP, EV_CLIENT_BASE + (uint64_t)slot) < 0)
			client_close(d, &d->cl[slot]);
	}
}

/* --- set-up --- */

static int open_raw(const struct cmd_config *cfg)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	int fd, off = DMM_MH_CKSUM_OFF, one = 1;
	char a[DMM_IP6_STRLEN];

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, DMM_MH_IPPROTO);
	if (fd < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "raw IPv6 socket (protocol 135): %s",
				   strerror(errno));
	memcpy(&sa.sin6_addr, cfg->address.a, DMM_IP6_LEN);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0) {
		int rc = -errno;
		close(fd);
		return DMM_LOG_RET(rc, LOG_MOD, "setsockopt: %s", strerror(-rc));
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;
		close(fd);
		return DMM_LOG_RET(rc, LOG_MOD, "bind raw socket to %s: %s",
				   dmm_ip6_fmt(&cfg->address, a), strerror(-rc));
	}
	return fd;
}

static int open_ctl(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A stale socket from a previous run is replaced; anything else is left alone. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "control socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, MAX_CLIENTS) < 0) {
		int rc = -errno;
		close(fd);
		return DMM_LOG_RET(rc, LOG_MOD, "control socket %s: %s", path, strerror(-rc));
	}
	chmod(path, 0660);
	return fd;
}

/* RFC 5847 §3.2: the Restart Counter is state preserved across reboots, incremented each time
 * the node restarts and loses its PMIPv6 session state. dmm-cmd keeps no binding cache across
 * restarts, so every start loses state: the file holds the counter of the last start; it is
 * read (absent = 0), incremented and written back (temporary file, fsync, rename, fsync of the
 * directory) before the first heartbeat goes out. *restarted: a previous start was recorded.
 * The counter wraps at 2^32 (a peer still sees a different value). */
static int restart_counter_bump(const char *path, uint32_t *counter, bool *restarted)
{
	char buf[32], tmp[CMD_CFG_PATH_MAX + 8], dir[CMD_CFG_PATH_MAX];
	unsigned long long prev = 0;
	char *slash;
	int fd, n, rc = 0;
	FILE *f = fopen(path, "re");

	*restarted = false;
	if (f != NULL) {
		bool ok = fgets(buf, sizeof(buf), f) != NULL;

		fclose(f);
		buf[ok ? strcspn(buf, "\n") : 0] = '\0';
		if (!ok || !parse_ull(buf, UINT32_MAX, &prev))
			return DMM_LOG_RET(-EINVAL, LOG_MOD,
					   "%s: not a restart counter (a decimal 0..%u); fix or "
					   "remove it",
					   path, UINT32_MAX);
		*restarted = true;
	} else if (errno != ENOENT) {
		return DMM_LOG_RET(-errno, LOG_MOD, "%s: %s", path, strerror(errno));
	}
	*counter = (uint32_t)(prev + 1);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0'; /* a file in / */
	else
		*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return DMM_LOG_RET(-errno, LOG_MOD, "mkdir %s: %s", dir, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "%s: %s", tmp, strerror(errno));
	n = snprintf(buf, sizeof(buf), "%u\n", *counter);
	errno = 0;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) < 0)
		rc = errno != 0 ? -errno : -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return DMM_LOG_RET(rc, LOG_MOD, "writing %s: %s", path, strerror(-rc));
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) { /* the rename itself must survive a crash */
		fsync(fd);
		close(fd);
	}
	return 0;
}

/* The heartbeat machine with every configured MAAR as a peer; after a restart (every start
 * but the first, see above) an unsolicited response to each of them (RFC 5847 §3.2, H6). */
static int setup_heartbeat(struct daemon *d)
{
	const struct cmd_config *cfg = d->cfg;
	struct dmm_hb_config hc;
	uint64_t now = mono_ms();
	unsigned cursor = 0;
	int rc, err = 0;

	rc = restart_counter_bump(cfg->hb_restart_file, &d->restart_counter, &d->restarted);
	if (rc < 0)
		return rc;
	dmm_hb_config_default(&hc);
	hc.addr = cfg->address;
	hc.interval_ms = cfg->hb_interval_s * 1000;
	hc.allow_short = cfg->hb_allow_short;
	hc.missing_allowed = cfg->hb_missing_allowed;
	hc.restart_counter = d->restart_counter;
	hc.max_peers = cfg->n_maars > 0 ? cfg->n_maars : 1;
	d->hb = dmm_hb_new(&hc, &err);
	d->active = calloc(hc.max_peers, sizeof(*d->active));
	if (d->hb == NULL || d->active == NULL)
		return DMM_LOG_RET(d->hb == NULL ? err : -ENOMEM, LOG_MOD, "heartbeat: %s",
				   strerror(d->hb == NULL ? -err : ENOMEM));
	for (unsigned i = 0; i < cfg->n_maars; i++)
		dmm_hb_peer_add(d->hb, now, &cfg->maars[i]);
	d->hb_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->hb_tfd < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "timerfd: %s", strerror(errno));
	if (dmm_hb_next_due(d->hb) != 0)
		hb_timer_arm(d, dmm_hb_next_due(d->hb));
	dmm_log(LOG_MOD, DMM_LOG_NOTICE, "Restart Counter %u (%s), heartbeat every %u s",
		d->restart_counter, d->restarted ? "restart: state lost" : "first start",
		cfg->hb_interval_s);
	if (d->restarted)
		do {
			rc = dmm_hb_announce(d->hb, &cursor, &d->hb_act);
			run_hb_actions(d);
		} while (rc == DMM_HB_MORE);
	return 0;
}

static int setup(struct daemon *d)
{
	sigset_t mask;

	d->ep = d->raw = d->tfd = d->sfd = d->ctl = d->hb_tfd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		d->cl[i].fd = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "sigprocmask: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->sfd < 0 || d->tfd < 0 || d->ep < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "signalfd/timerfd/epoll: %s", strerror(errno));
	d->raw = open_raw(d->cfg);
	if (d->raw < 0)
		return d->raw;
	d->ctl = open_ctl(d->cfg->control_socket);
	if (d->ctl < 0)
		return d->ctl;
	d->eng = cmd_engine_create(d->cfg, now_ms());
	if (d->eng == NULL)
		return DMM_LOG_RET(-ENOMEM, LOG_MOD, "cannot create the %s engine",
				   cmd_engine_name());
	int rc = setup_heartbeat(d);
	if (rc < 0)
		return rc;
	if (ep_add(d, d->raw, EPOLLIN, EV_RAW) < 0 || ep_add(d, d->tfd, EPOLLIN, EV_TIMER) < 0 ||
	    ep_add(d, d->sfd, EPOLLIN, EV_SIGNAL) < 0 || ep_add(d, d->ctl, EPOLLIN, EV_CTL) < 0 ||
	    ep_add(d, d->hb_tfd, EPOLLIN, EV_HB_TIMER) < 0)
		return DMM_LOG_RET(-errno, LOG_MOD, "epoll_ctl: %s", strerror(errno));
	return 0;
}

static void teardown(struct daemon *d)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->cl[i].fd >= 0)
			client_close(d, &d->cl[i]);
	if (d->ctl >= 0) {
		close(d->ctl);
		unlink(d->cfg->control_socket);
	}
	int fds[] = {d->raw, d->tfd, d->sfd, d->ep, d->hb_tfd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (d->eng != NULL)
		cmd_engine_destroy(d->eng);
	dmm_hb_free(d->hb);
	free(d->active);
}

static void loop(struct daemon *d)
{
	struct epoll_event ev[32];

	while (!d->stop) {
		int n = epoll_wait(d->ep, ev, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			dmm_log(LOG_MOD, DMM_LOG_ERR, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;

			if (tag == EV_RAW)
				rx_raw(d);
			else if (tag == EV_TIMER)
				on_timer(d);
			else if (tag == EV_HB_TIMER)
				on_hb_timer(d);
			else if (tag == EV_SIGNAL)
				on_signal(d);
			else if (tag == EV_CTL)
				on_accept(d);
			else if (tag >= EV_CLIENT_BASE && tag < EV_CLIENT_BASE + MAX_CLIENTS &&
				 d->cl[tag - EV_CLIENT_BASE].fd >= 0)
				on_client(d, &d->cl[tag - EV_CLIENT_BASE], ev[i].events);
		}
	}
}

static void usage(FILE *f)
{
	fputs("usage: dmm-cmd --config FILE [--foreground] [--verbose]\n"
	      "       dmm-cmd --check-config FILE\n"
	      "  --config FILE        run the CMD with this YAML configuration\n"
	      "  --foreground         stay attached, log to stderr (default: daemonize, syslog)\n"
	      "  --verbose            log every message received and sent (debug level)\n"
	      "  --check-config FILE  validate FILE, print every problem, exit 0 if valid\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
					     {"check-config", required_argument, NULL, 'C'},
					     {"foreground", no_argument, NULL, 'f'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static struct daemon d; /* holds the action buffer: too big for the stack */
	const char *config = NULL, *check = NULL;
	bool foreground = false, verbose = false;
	struct cmd_config cfg;
	char a[DMM_IP6_STRLEN];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:C:fvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (config == NULL) == (check == NULL)) {
		usage(stderr);
		return 2;
	}
	if (check != NULL) {
		rc = cmd_config_load(check, &cfg, stderr);
		if (rc < 0)
			return 1;
		printf("%s: OK (mode %s, %u MAARs)\n", check, cmd_mode_name(cfg.mode), cfg.n_maars);
		cmd_config_free(&cfg);
		return 0;
	}
	if (cmd_config_load(config, &cfg, stderr) < 0)
		return 1;
	dmm_log_set_level(verbose ? DMM_LOG_DEBUG : DMM_LOG_INFO);
	d.cfg = &cfg;
	rc = setup(&d);
	if (rc == 0 && !foreground) {
		if (daemon(0, 0) < 0) {
			rc = -errno;
			dmm_log(LOG_MOD, DMM_LOG_ERR, "daemon: %s", strerror(errno));
		} else {
			openlog("dmm-cmd", LOG_PID, LOG_DAEMON);
			setlogmask(LOG_UPTO(verbose ? LOG_DEBUG : LOG_INFO));
			dmm_log_set_backend(syslog_backend);
		}
	}
	if (rc == 0) {
		dmm_log(LOG_MOD, DMM_LOG_NOTICE,
			"dmm-cmd on %s, mode %s, %u MAARs, engine %s, control %s",
			dmm_ip6_fmt(&cfg.address, a), cmd_mode_name(cfg.mode), cfg.n_maars,
			cmd_engine_name(), cfg.control_socket);
		loop(&d);
	}
	teardown(&d);
	cmd_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
