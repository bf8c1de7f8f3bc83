/* SPDX-License-Identifier: BSD-3-Clause */
/* dmmctl: operator CLI for dmm-maar. It speaks DPDK's telemetry protocol (v2) directly on
 * the socket every DPDK process opens, so it needs no DPDK library, no hugepages and no
 * EAL: a seqpacket AF_UNIX socket, a JSON greeting, then one JSON reply per command. The
 * /dmm/... commands are registered by the data plane (dataplane/dp_telemetry.c, which also
 * documents their replies); `raw` reaches any other command (/ethdev/stats,0, ...).
 *
 * It also queries dmm-cmd's control socket (cmd/cmd_main.c): a stream AF_UNIX socket, one
 * request line ("bce" or "stats"), one JSON answer, then EOF. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"

enum {
	EXIT_OK = 0,
	EXIT_CONNECT = 1, /* no socket, nobody listening, or closed before the greeting */
	EXIT_USAGE = 2,
	EXIT_REPLY = 3, /* malformed, truncated, null or missing reply */
};

#define TIMEOUT_S 5
/* The server reads a request into a 1024-byte buffer: longer ones would be split. */
#define MAX_REQUEST 1023
/* The server's replies are at most max_output_len bytes (16 KiB in 22.11): accept that
 * announced size within sane bounds. */
#define MIN_OUTPUT_LEN 1024
#define MAX_OUTPUT_LEN (64u << 20)
/* Paged replies: more workers than this is a broken server, not a big box. */
#define MAX_PAGED	   4096
#define CELL		   128
#define CMD_SOCKET_DEFAULT "/run/dmm-cmd.sock" /* dmm-cmd's control_socket default */

struct opts {
	const char *prefix;
	const char *socket;
	const char *cmd_socket;	 /* --cmd-socket: stats goes to dmm-cmd */
	const char *maar_socket; /* --maar-socket: dmm-maar's control socket */
	bool json, pretty, all;
};

struct conn {
	int fd;
	char *buf;
	size_t cap;
	/* Parsed replies stay alive until exit: merged pages point into several of them. */
	struct dmm_json_doc **docs;
	size_t n_docs;
};

static const char usage_text[] =
    "usage: dmmctl [OPTIONS] COMMAND\n"
    "\n"
    "Query a running dmm-maar through DPDK's telemetry socket, or dmm-cmd through its\n"
    "control socket (bce, stats with --cmd-socket).\n"
    "\n"
    "Commands:\n"
    "  stats         fast-path counters: one column per worker and a total, one row per\n"
    "                counter (rows that are zero everywhere are hidden unless --all),\n"
    "                then the control lcore's counters (/dmm/stats)\n"
    "  ports         one row per port: role, driver, MAC, MTU, queues, packets, misses,\n"
    "                errors (/dmm/ports)\n"
    "  tables        per worker replica fill levels \"n/max\", the last table op applied and\n"
    "                how far it is behind the last op issued (/dmm/tables)\n"
    "  raw CMD       any telemetry command, e.g. \"raw /ethdev/list\",\n"
    "                \"raw /ethdev/stats,0\", \"raw /\" (list of commands),\n"
    "                \"raw /help,/dmm/stats\"\n"
    "\n"
    "dmm-cmd commands (its control socket, --cmd-socket, default " CMD_SOCKET_DEFAULT "):\n"
    "  bce           the CMD's binding cache, one row per MN: MN-ID, STATE (active, or\n"
    "                dereg while kept after a de-registration), SERVING (the Proxy-CoA,\n"
    "                i.e. the serving MAAR), HNP, LIFETIME (seconds left), P-MAARS\n"
    "                (previous MAARs as address=prefix, oldest first); fetched in pages of\n"
    "                1000 entries (control request \"bce OFFSET LIMIT\"), --json merges them\n"
    "                into one array\n"
    "  stats         with --cmd-socket: dmm-cmd's counters, one per line (nested ones as\n"
    "                parent.name; zero ones hidden unless --all)\n"
    "\n"
    "dmm-maar signalling commands (its control socket, --maar-socket PATH: the\n"
    "control_socket of its configuration, default /run/dmm-maar.<name>.sock):\n"
    "  mn attach MN-ID [--ll-id MAC]\n"
    "                an MN appeared on the access link: delegate a prefix, register it with\n"
    "                the CMD (until the access link detects MNs by itself)\n"
    "  mn detach MN-ID\n"
    "                the MN left: de-registered after the detach grace unless it shows up\n"
    "                at another MAAR (RFC 8885 §3.5)\n"
    "  sessions      one row per MN session: MN-ID, STATE (registering, serving, detached,\n"
    "                deregistering, anchor, anchor-dereg), PREFIX (anchored here), LL-ID,\n"
    "                SERVING (where an anchored prefix is tunnelled), ANCHORS (P-MAARs of a\n"
    "                served MN as address=prefix)\n"
    "  sig           signalling counters (state machine, held messages, tunnels, heartbeat)\n"
    "\n"
    "Options:\n"
    "  -p, --file-prefix NAME  the --file-prefix dmm-maar was started with (default \"rte\")\n"
    "  -s, --socket PATH       telemetry socket to use instead of the one derived from the\n"
    "                          file prefix\n"
    "  -j, --json              print the reply's JSON value instead of tables (stats and\n"
    "                          tables: all pages merged into one value)\n"
    "      --pretty            like --json, indented\n"
    "      --cmd-socket PATH   dmm-cmd's control socket (bce always uses it; stats does\n"
    "                          when this is given)\n"
    "      --maar-socket PATH  dmm-maar's control socket (mn, sessions, sig)\n"
    "  -a, --all               stats: also show counters that are zero everywhere\n"
    "  -h, --help              this text\n"
    "\n"
    "Socket: <runtime dir>/dpdk/<file prefix>/dpdk_telemetry.v2, where the runtime dir is\n"
    "found as DPDK 22.11 does it: $RUNTIME_DIRECTORY if set (systemd RuntimeDirectory=),\n"
    "else /var/run for root, else $XDG_RUNTIME_DIR, else /tmp. dmmctl must therefore run\n"
    "as the same user, with the same environment, as dmm-maar, or be given --socket.\n"
    "\n"
    "dmm-cmd's socket is the control_socket of its configuration; dmmctl needs read and\n"
    "write permission on it (usually root).\n"
    "\n"
    "Exit status: 0 ok, 1 cannot connect, 2 usage error, 3 bad or null reply (unknown\n"
    "command, bad parameter, malformed or truncated JSON, timeout after 5 s).\n";

static const char *prog_prefix = "rte";
static bool prefix_given;

__attribute__((format(printf, 2, 3), noreturn)) static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dmmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

__attribute__((format(printf, 1, 2), noreturn)) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dmmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'dmmctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

/* Same directory rules as eal_create_runtime_dir() in DPDK 22.11 (lib/eal/linux). */
static void socket_path(const struct opts *o, char *out, size_t n)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");
	int len;

	if (o->socket != NULL) {
		len = snprintf(out, n, "%s", o->socket);
	} else {
		if (dir == NULL) {
			if (getuid() == 0)
				dir = "/var/run";
			else if ((dir = getenv("XDG_RUNTIME_DIR")) == NULL)
				dir = "/tmp";
		}
		len = snprintf(out, n, "%s/dpdk/%s/dpdk_telemetry.v2", dir, o->prefix);
	}
	if (len < 0 || (size_t)len >= n)
		usage_error("socket path too long (at most %zu bytes)", n - 1);
}

/* One message; the whole of it or an error (SOCK_SEQPACKET keeps message boundaries, and
 * MSG_TRUNC tells when one did not fit). */
static size_t recv_msg(int fd, char *buf, size_t cap, int code, const char *what)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		die(code, "no %s within %d s", what, TIMEOUT_S);
	if (n < 0)
		die(code, "reading %s: %s", what, strerror(errno));
	if (n == 0)
		die(code, "connection closed before the %s%s", what,
		    code == EXIT_CONNECT ? " (too many telemetry clients?)" : "");
	if (mh.msg_flags & MSG_TRUNC)
		die(EXIT_REPLY, "%s longer than the %zu bytes announced", what, cap);
	return (size_t)n;
}

static struct dmm_json *parse_or_die(struct conn *c, const char *buf, size_t len, const char *what)
{
	struct dmm_json_error err;
	struct dmm_json_doc *doc;
	struct dmm_json_doc **docs;
	int rc = dmm_json_parse(buf, len, &doc, &err);

	if (rc == -EINVAL)
		die(EXIT_REPLY, "malformed JSON in %s at byte %zu: %s", what, err.offset, err.msg);
	if (rc < 0)
		die(EXIT_REPLY, "%s: %s", what, err.msg);
	docs = realloc(c->docs, (c->n_docs + 1) * sizeof(*docs));
	if (docs == NULL)
		die(EXIT_REPLY, "out of memory");
	c->docs = docs;
	c->docs[c->n_docs++] = doc;
	return dmm_json_root(doc);
}

static void tel_connect(struct conn *c, const char *path, const struct opts *o)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	char greeting[4096];
	struct dmm_json *g;
	uint64_t max_len;
	size_t n;

	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die(EXIT_CONNECT, "socket: %s", strerror(errno));
	memcpy(sun.sun_path, path, strlen(path) + 1); /* length checked by socket_path() */
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (o->socket != NULL)
			die(EXIT_CONNECT, "cannot connect to %s: %s (is dmm-maar running?)", path,
			    strerror(errno));
		die(EXIT_CONNECT,
		    "cannot connect to %s: %s (is dmm-maar running with --file-prefix %s?)", path,
		    strerror(errno), o->prefix);
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	n = recv_msg(c->fd, greeting, sizeof(greeting), EXIT_CONNECT, "telemetry greeting");
	g = parse_or_die(c, greeting, n, "the telemetry greeting");
	if (!dmm_json_u64(dmm_json_get(g, "max_output_len"), &max_len) ||
	    max_len < MIN_OUTPUT_LEN || max_len > MAX_OUTPUT_LEN)
		die(EXIT_REPLY, "telemetry greeting without a valid max_output_len");
	c->cap = (size_t)max_len;
	c->buf = malloc(c->cap);
	if (c->buf == NULL)
		die(EXIT_REPLY, "out of memory");
}

/* Send cmd ("/x/y" or "/x/y,params") and return the value of its {"/x/y": value} reply. */
static struct dmm_json *request(struct conn *c, const char *cmd)
{
	size_t len = strlen(cmd), name_len = strcspn(cmd, ",");
	struct dmm_json *r, *v;
	ssize_t sent;
	size_t n;

	if (len > MAX_REQUEST) /* main() checks user input: only a bug gets here */
		die(EXIT_REPLY, "request longer than %d bytes", MAX_REQUEST);
	do
		sent = send(c->fd, cmd, len, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		die(EXIT_REPLY, "sending %s: %s", cmd, strerror(errno));
	n = recv_msg(c->fd, c->buf, c->cap, EXIT_REPLY, "reply");
	r = parse_or_die(c, c->buf, n, "the reply");
	if (r->type != DMM_JSON_OBJECT || r->n != 1 || r->child->key_len != name_len ||
	    memcmp(r->child->key, cmd, name_len) != 0)
		die(EXIT_REPLY, "reply to %s is not {\"%.*s\": value}", cmd, (int)name_len, cmd);
	v = r->child;
	if (v->type == DMM_JSON_NULL)
		die(EXIT_REPLY,
		    "%s: null reply (unknown command, bad parameter, or dmm-maar not ready)", cmd);
	return v;
}

static uint64_t need_u64(const struct dmm_json *obj, const char *key, const char *cmd)
{
	uint64_t x;

	if (!dmm_json_u64(dmm_json_get(obj, key), &x))
		die(EXIT_REPLY, "reply to %s: \"%s\" missing or not an unsigned integer", cmd, key);
	return x;
}

static struct dmm_json *need_obj(const struct dmm_json *obj, const char *key, const char *cmd)
{
	struct dmm_json *v = dmm_json_get(obj, key);

	if (v == NULL || v->type != DMM_JSON_OBJECT)
		die(EXIT_REPLY, "reply to %s: \"%s\" missing or not an object", cmd, key);
	return v;
}

/* /dmm/stats and /dmm/tables hold as many workers as fit in one telemetry reply; ask for
 * the rest (",K") and merge them into the first reply's "workers". */
static struct dmm_json *request_paged(struct conn *c, const char *cmd)
{
	struct dmm_json *first = request(c, cmd);
	struct dmm_json *workers = need_obj(first, "workers", cmd);
	uint64_t n = need_u64(first, "n_workers", cmd);
	uint64_t next = need_u64(first, "next_worker", cmd);

	if (n > MAX_PAGED)
		die(EXIT_REPLY, "reply to %s: implausible n_workers %" PRIu64, cmd, n);
	while (next < n) {
		char req[64];
		struct dmm_json *v;
		uint64_t nn;

		snprintf(req, sizeof(req), "%s,%" PRIu64, cmd, next);
		v = request(c, req);
		nn = need_u64(v, "next_worker", req);
		if (need_u64(v, "n_workers", req) != n || nn <= next || nn > n)
			die(EXIT_REPLY, "reply to %s: inconsistent paging", req);
		dmm_json_splice(workers, need_obj(v, "workers", req));
		next = nn;
	}
	if (next != n)
		die(EXIT_REPLY, "reply to %s: next_worker beyond n_workers", cmd);
	dmm_json_set_u64(dmm_json_get(first, "next_worker"), next);
	return first;
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Text from the wire, made safe for a terminal. */
static void clean(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; s != NULL && *s != '\0' && i + 1 < n; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	out[i] = '\0';
	if (i == 0 && n > 1)
		snprintf(out, n, "-");
}

/* Cell text of a number, or "-" when absent or not a number. */
static void num_cell(char *out, size_t n, const struct dmm_json *v)
{
	if (v != NULL && v->type == DMM_JSON_NUMBER && v->is_u64)
		snprintf(out, n, "%" PRIu64, v->u64);
	else if (v != NULL && v->type == DMM_JSON_NUMBER)
		snprintf(out, n, "%.*s", (int)v->len, v->str);
	else
		snprintf(out, n, "-");
}

static bool nonzero(const struct dmm_json *v)
{
	return v != NULL && v->type == DMM_JSON_NUMBER && v->num != 0;
}

static unsigned term_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 100;
}

/* A left/right aligned text table with computed column widths. */
struct table {
	unsigned ncol;
	const char *const *hdr;
	const char *right; /* per column 'r' or 'l' */
	size_t ncell;
	char (*cell)[CELL];
};

static char *table_next(struct table *t)
{
	char(*c)[CELL] = realloc(t->cell, (t->ncell + 1) * sizeof(*c));

	if (c == NULL)
		die(EXIT_REPLY, "out of memory");
	t->cell = c;
	return t->cell[t->ncell++];
}

static void table_print(const struct table *t)
{
	size_t w[32] = {0};

	for (unsigned j = 0; j < t->ncol; j++)
		w[j] = strlen(t->hdr[j]);
	for (size_t i = 0; i < t->ncell; i++)
		if (strlen(t->cell[i]) > w[i % t->ncol])
			w[i % t->ncol] = strlen(t->cell[i]);
	for (size_t i = 0; i < t->ncell + t->ncol; i++) {
		unsigned j = i % t->ncol;
		const char *s = i < t->ncol ? t->hdr[j] : t->cell[i - t->ncol];
		bool last = j + 1 == t->ncol;

		if (t->right[j] == 'r')
			printf("%*s", (int)w[j], s);
		else
			printf("%-*s", last ? 0 : (int)w[j], s);
		fputs(last ? "\n" : "  ", stdout);
	}
}

static bool stats_row_shown(const struct dmm_json *r, const struct dmm_json **ws, size_t nw,
			    bool all)
{
	if (all || nonzero(r))
		return true;
	for (size_t i = 0; i < nw; i++)
		if (nonzero(dmm_json_get(ws[i], r->key)))
			return true;
	return false;
}

/* Width of a column of r's values for worker w (NULL: the total) over the shown rows. */
static size_t stats_col_width(const struct dmm_json *total, const struct dmm_json **ws, size_t nw,
			      const struct dmm_json *w, const char *hdr, bool all)
{
	size_t width = strlen(hdr);
	char cell[CELL];

	for (const struct dmm_json *r = total->child; r != NULL; r = r->next) {
		if (!stats_row_shown(r, ws, nw, all))
			continue;
		num_cell(cell, sizeof(cell), w == NULL ? r : dmm_json_get(w, r->key));
		width = max_sz(width, strlen(cell));
	}
	return width;
}

static void print_stats(const struct dmm_json *v, bool all)
{
	const char *cmd = "/dmm/stats";
	const struct dmm_json *total = need_obj(v, "total", cmd);
	const struct dmm_json *control = need_obj(v, "control", cmd);
	const struct dmm_json *workers = need_obj(v, "workers", cmd);
	const struct dmm_json **ws = calloc(workers->n + 1, sizeof(*ws));
	char(*hdr)[CELL] = calloc(workers->n + 1, sizeof(*hdr));
	size_t *width = calloc(workers->n + 1, sizeof(*width));
	size_t nw = 0, namew = strlen("counter"), totw, room = term_width();
	bool any = false;
	char cell[CELL];

	if (ws == NULL || hdr == NULL || width == NULL)
		die(EXIT_REPLY, "out of memory");
	for (const struct dmm_json *w = workers->child; w != NULL; w = w->next) {
		char lc[32];

		if (w->type != DMM_JSON_OBJECT)
			die(EXIT_REPLY, "reply to %s: a worker is not an object", cmd);
		num_cell(lc, sizeof(lc), dmm_json_get(w, "lcore"));
		clean(cell, 24, w->key);
		/* Both parts are bounded (24 + 32 < CELL): truncation is impossible, but gcc at
		 * -O0 cannot see it, so cut explicitly. */
		snprintf(hdr[nw], CELL, "w%.24s/lc%.24s", cell, lc);
		ws[nw++] = w;
	}
	/* Rows are the counters of "total", in the server's order. */
	for (const struct dmm_json *r = total->child; r != NULL; r = r->next) {
		if (stats_row_shown(r, ws, nw, all)) {
			any = true;
			namew = max_sz(namew, strlen(r->key));
		}
	}
	for (size_t i = 0; i < nw; i++)
		width[i] = stats_col_width(total, ws, nw, ws[i], hdr[i], all);
	totw = stats_col_width(total, ws, nw, NULL, "total", all);

	if (!any)
		printf("all worker counters are zero (-a lists them)\n");
	/* Blocks of as many worker columns as the terminal takes, the total in the last. */
	for (size_t b = 0; any && (b == 0 || b < nw);) {
		size_t e = b, used = namew;
		bool last;

		/* At least one worker per block; the total needs room in the last one only. */
		while (e < nw) {
			size_t need = used + width[e] + 1 + (e + 1 == nw ? totw + 1 : 0);

			if (e > b && need > room)
				break;
			used += width[e++] + 1;
		}
		last = e == nw;
		if (b != 0)
			putchar('\n');
		printf("%-*s", (int)namew, "counter");
		for (size_t i = b; i < e; i++)
			printf(" %*s", (int)width[i], hdr[i]);
		if (last)
			printf(" %*s", (int)totw, "total");
		putchar('\n');
		for (const struct dmm_json *r = total->child; r != NULL; r = r->next) {
			if (!stats_row_shown(r, ws, nw, all))
				continue;
			clean(cell, sizeof(cell), r->key);
			printf("%-*s", (int)namew, cell);
			for (size_t i = b; i < e; i++) {
				num_cell(cell, sizeof(cell), dmm_json_get(ws[i], r->key));
				printf(" %*s", (int)width[i], cell);
			}
			if (last) {
				num_cell(cell, sizeof(cell), r);
				printf(" %*s", (int)totw, cell);
			}
			putchar('\n');
		}
		if (last)
			break;
		b = e;
	}

	printf("\ncontrol:\n");
	for (const struct dmm_json *r = control->child; r != NULL; r = r->next) {
		char name[CELL];

		if (!all && !nonzero(r) && strcmp(r->key, "uptime_s") != 0)
			continue;
		clean(name, sizeof(name), r->key);
		num_cell(cell, sizeof(cell), r);
		printf("  %-22s %s\n", name, cell);
	}
	free(ws);
	free(hdr);
	free(width);
}

static void print_ports(const struct dmm_json *v)
{
	static const char *const hdr[] = {
	    "PORT",	  "DEVICE",	"ROLE",	     "DRIVER",	  "MAC",       "MTU",	   "QUEUES",
	    "RX-PACKETS", "TX-PACKETS", "RX-MISSED", "RX-ERRORS", "TX-ERRORS", "RX-NOMBUF"};
	struct table t = {.ncol = 13, .hdr = hdr, .right = "rllllrrrrrrrr"};
	const struct dmm_json *ports = need_obj(v, "ports", "/dmm/ports");
	bool shared = false;

	for (const struct dmm_json *p = ports->child; p != NULL; p = p->next) {
		uint64_t rxq = 0, txq = 0, sh = 0;
		bool q;

		if (p->type != DMM_JSON_OBJECT)
			die(EXIT_REPLY, "reply to /dmm/ports: a port is not an object");
		num_cell(table_next(&t), CELL, dmm_json_get(p, "port_id"));
		clean(table_next(&t), CELL, dmm_json_string(dmm_json_get(p, "device")));
		clean(table_next(&t), CELL, dmm_json_string(dmm_json_get(p, "role")));
		clean(table_next(&t), CELL, dmm_json_string(dmm_json_get(p, "driver")));
		clean(table_next(&t), CELL, dmm_json_string(dmm_json_get(p, "mac")));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "mtu"));
		q = dmm_json_u64(dmm_json_get(p, "rx_queues"), &rxq) &&
		    dmm_json_u64(dmm_json_get(p, "tx_queues"), &txq);
		dmm_json_u64(dmm_json_get(p, "tx_shared"), &sh);
		shared |= sh != 0;
		if (q)
			snprintf(table_next(&t), CELL, "%" PRIu64 "/%" PRIu64 "%s", rxq, txq,
				 sh ? "*" : "");
		else
			snprintf(table_next(&t), CELL, "-");
		num_cell(table_next(&t), CELL, dmm_json_get(p, "ipackets"));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "opackets"));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "imissed"));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "ierrors"));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "oerrors"));
		num_cell(table_next(&t), CELL, dmm_json_get(p, "rx_nombuf"));
	}
	table_print(&t);
	if (shared)
		printf("QUEUES rx/tx; *: fewer TX queues than lcores, shared under a lock\n");
	free(t.cell);
}

static void fill_level(char *out, const struct dmm_json *w, const char *n, const char *max)
{
	uint64_t a, b;

	if (dmm_json_u64(dmm_json_get(w, n), &a) && dmm_json_u64(dmm_json_get(w, max), &b))
		snprintf(out, CELL, "%" PRIu64 "/%" PRIu64, a, b);
	else
		snprintf(out, CELL, "-");
}

static void print_tables(const struct dmm_json *v)
{
	static const char *const hdr[] = {"WORKER",	"LCORE", "BINDINGS", "TUNNELS", "ROUTES",
					  "NEIGHBOURS", "LOCAL", "APPLIED",  "BEHIND"};
	struct table t = {.ncol = 9, .hdr = hdr, .right = "rrrrrrrrr"};
	const char *cmd = "/dmm/tables";
	uint64_t op_seq = need_u64(v, "op_seq", cmd), pending = need_u64(v, "ops_pending", cmd);
	const struct dmm_json *workers = need_obj(v, "workers", cmd);

	for (const struct dmm_json *w = workers->child; w != NULL; w = w->next) {
		uint64_t applied;

		if (w->type != DMM_JSON_OBJECT)
			die(EXIT_REPLY, "reply to %s: a worker is not an object", cmd);
		num_cell(table_next(&t), CELL, dmm_json_get(w, "worker"));
		num_cell(table_next(&t), CELL, dmm_json_get(w, "lcore"));
		fill_level(table_next(&t), w, "bindings", "bindings_max");
		fill_level(table_next(&t), w, "tunnels", "tunnels_max");
		fill_level(table_next(&t), w, "routes", "routes_max");
		fill_level(table_next(&t), w, "neighbours", "neighbours_max");
		num_cell(table_next(&t), CELL, dmm_json_get(w, "local_addrs"));
		num_cell(table_next(&t), CELL, dmm_json_get(w, "applied_seq"));
		/* Ops issued but not yet applied by this worker (read a moment apart). */
		if (dmm_json_u64(dmm_json_get(w, "applied_seq"), &applied))
			snprintf(table_next(&t), CELL, "%" PRIu64,
				 applied < op_seq ? op_seq - applied : 0);
		else
			snprintf(table_next(&t), CELL, "-");
	}
	table_print(&t);
	printf("op_seq %" PRIu64 ", ops_pending %" PRIu64 " (waiting for ring space)\n", op_seq,
	       pending);
	free(t.cell);
}

/* --- dmm-cmd's control socket --- */

/* Send req as one line to a control socket (dmm-cmd's, or dmm-maar's with who =
 * "dmm-maar") and read the JSON answer until EOF. */
static struct dmm_json *ctl_request(struct conn *c, const char *path, const char *req,
				    const char *who)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	const char *opt = strcmp(who, "dmm-cmd") == 0 ? "--cmd-socket" : "--maar-socket";
	size_t len = 0, cap = 0;
	char line[1024];
	int n;

	if (strlen(path) >= sizeof(sun.sun_path))
		usage_error("%s: path longer than %zu bytes", opt, sizeof(sun.sun_path) - 1);
	if (strlen(req) + 2 > sizeof(line))
		usage_error("request longer than %zu bytes", sizeof(line) - 2);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die(EXIT_CONNECT, "socket: %s", strerror(errno));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die(EXIT_CONNECT, "cannot connect to %s: %s (is %s running? %s)", path,
		    strerror(errno), who, opt);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = snprintf(line, sizeof(line), "%s\n", req);
	for (size_t off = 0; off < (size_t)n;) {
		ssize_t w = send(c->fd, line + off, (size_t)n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die(EXIT_REPLY, "sending %s: %s", req, strerror(errno));
		off += (size_t)w;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 65536) {
			char *b;

			if (cap >= MAX_OUTPUT_LEN)
				die(EXIT_REPLY, "reply to %s longer than %u bytes", req,
				    MAX_OUTPUT_LEN);
			cap = cap ? cap * 2 : 65536;
			b = realloc(c->buf, cap);
			if (b == NULL)
				die(EXIT_REPLY, "out of memory");
			c->buf = b;
		}
		r = recv(c->fd, c->buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die(EXIT_REPLY, "no complete reply to %s within %d s", req, TIMEOUT_S);
		if (r < 0)
			die(EXIT_REPLY, "reading the reply to %s: %s", req, strerror(errno));
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == 0)
		die(EXIT_REPLY, "empty reply to %s (too many control clients?)", req);
	struct dmm_json *v = parse_or_die(c, c->buf, len, "the reply");
	const char *e = dmm_json_string(dmm_json_get(v, "error"));
	if (e != NULL) {
		char msg[CELL];

		clean(msg, sizeof(msg), e);
		die(EXIT_REPLY, "%s: %s", who, msg);
	}
	return v;
}

static struct dmm_json *cmd_request(struct conn *c, const char *path, const char *req)
{
	return ctl_request(c, path, req, "dmm-cmd");
}

/* dmm-cmd answers "bce OFFSET LIMIT" with {"entries":[...],"next":N or null}, so that a
 * huge binding cache never builds a huge answer: fetch page by page, one connection each
 * (one request per connection), and merge the entries into the first page's array. */
#define BCE_PAGE 1000

static struct dmm_json *cmd_bce_paged(struct conn *c, const char *path)
{
	struct dmm_json *entries = NULL;
	uint64_t offset = 0;

	for (;;) {
		char req[64];
		struct dmm_json *v, *e, *nx;
		uint64_t n;

		snprintf(req, sizeof(req), "bce %" PRIu64 " %d", offset, BCE_PAGE);
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		v = cmd_request(c, path, req);
		e = v->type == DMM_JSON_OBJECT ? dmm_json_get(v, "entries") : NULL;
		nx = v->type == DMM_JSON_OBJECT ? dmm_json_get(v, "next") : NULL;
		if (e == NULL || e->type != DMM_JSON_ARRAY || nx == NULL)
			die(EXIT_REPLY, "reply to %s: no entries array and next", req);
		if (entries == NULL)
			entries = e;
		else
			dmm_json_splice(entries, e);
		if (nx->type == DMM_JSON_NULL)
			return entries;
		if (!dmm_json_u64(nx, &n) || n <= offset)
			die(EXIT_REPLY, "reply to %s: inconsistent paging (next)", req);
		offset = n;
	}
}

/* Table cells here can be long (an NAI is up to 254 bytes, a P-MAAR list 16 pairs): print
 * the fixed columns padded and the P-MAAR list last, unpadded. */
#define BCE_NCOL 6

static void bce_cells(const struct dmm_json *m, char **cells)
{
	uint64_t u;
	const struct dmm_json *pm = dmm_json_get(m, "p_maars");
	size_t n = 0, cap = 1;
	char *list;

	cells[0] = malloc(4 * 254 + 2);
	cells[1] = malloc(CELL);
	cells[2] = malloc(CELL);
	cells[3] = malloc(CELL);
	cells[4] = malloc(CELL);
	if (!cells[0] || !cells[1] || !cells[2] || !cells[3] || !cells[4])
		die(EXIT_REPLY, "out of memory");
	clean(cells[0], 4 * 254 + 2, dmm_json_string(dmm_json_get(m, "mn_id")));
	clean(cells[1], CELL, dmm_json_string(dmm_json_get(m, "state")));
	clean(cells[2], CELL, dmm_json_string(dmm_json_get(m, "serving")));
	clean(cells[3], CELL, dmm_json_string(dmm_json_get(m, "hnp")));
	if (dmm_json_u64(dmm_json_get(m, "lifetime_s"), &u))
		snprintf(cells[4], CELL, "%" PRIu64, u);
	else
		snprintf(cells[4], CELL, "-");
	if (pm != NULL && pm->type == DMM_JSON_ARRAY)
		cap = pm->n * (2 * CELL + 2) + 2;
	list = malloc(cap);
	if (list == NULL)
		die(EXIT_REPLY, "out of memory");
	list[0] = '\0';
	for (const struct dmm_json *p = pm != NULL && pm->type == DMM_JSON_ARRAY ? pm->child : NULL;
	     p != NULL; p = p->next) {
		char a[CELL], x[CELL];

		clean(a, sizeof(a), dmm_json_string(dmm_json_get(p, "address")));
		clean(x, sizeof(x), dmm_json_string(dmm_json_get(p, "prefix")));
		n += (size_t)snprintf(list + n, cap - n, "%s%s=%s", n ? "," : "", a, x);
	}
	if (n == 0)
		snprintf(list, cap, "-");
	cells[5] = list;
}

static void print_bce(const struct dmm_json *v)
{
	static const char *const hdr[BCE_NCOL] = {"MN-ID", "STATE",    "SERVING",
						  "HNP",   "LIFETIME", "P-MAARS"};
	size_t w[BCE_NCOL], rows = 0, i = 0;
	char **cells;

	if (v->type != DMM_JSON_ARRAY)
		die(EXIT_REPLY, "reply to bce is not an array");
	cells = calloc(v->n * BCE_NCOL + 1, sizeof(*cells));
	if (cells == NULL)
		die(EXIT_REPLY, "out of memory");
	for (const struct dmm_json *m = v->child; m != NULL; m = m->next, rows++) {
		if (m->type != DMM_JSON_OBJECT)
			die(EXIT_REPLY, "reply to bce: an entry is not an object");
		bce_cells(m, cells + rows * BCE_NCOL);
	}
	for (unsigned j = 0; j < BCE_NCOL; j++)
		w[j] = strlen(hdr[j]);
	for (i = 0; i < rows * BCE_NCOL; i++)
		w[i % BCE_NCOL] = max_sz(w[i % BCE_NCOL], strlen(cells[i]));
	for (i = 0; i < (rows + 1) * BCE_NCOL; i++) {
		unsigned j = i % BCE_NCOL;
		const char *s = i < BCE_NCOL ? hdr[j] : cells[i - BCE_NCOL];

		if (j == 4)
			printf("%*s  ", (int)w[j], s);
		else if (j + 1 == BCE_NCOL)
			printf("%s\n", s);
		else
			printf("%-*s  ", (int)w[j], s);
	}
	if (rows == 0)
		printf("(binding cache empty)\n");
	for (i = 0; i < rows * BCE_NCOL; i++)
		free(cells[i]);
	free(cells);
}

/* dmm-cmd's stats object: one "name value" line per number, nested objects as parent.name. */
static void print_cmd_stats_obj(const struct dmm_json *v, const char *parent, bool all)
{
	for (const struct dmm_json *r = v->child; r != NULL; r = r->next) {
		char name[2 * CELL], key[CELL], cell[CELL];

		clean(key, sizeof(key), r->key);
		snprintf(name, sizeof(name), "%s%s%s", parent, *parent ? "." : "", key);
		if (r->type == DMM_JSON_OBJECT) {
			print_cmd_stats_obj(r, name, all);
			continue;
		}
		if (r->type == DMM_JSON_STRING)
			clean(cell, sizeof(cell), r->str);
		else if (r->type == DMM_JSON_NUMBER) {
			if (!all && !nonzero(r))
				continue;
			num_cell(cell, sizeof(cell), r);
		} else
			continue;
		printf("%-24s %s\n", name, cell);
	}
}

/* --- dmm-maar's control socket --- */

/* "sessions OFFSET LIMIT" pages like dmm-cmd's bce: {"count":N,"sessions":[...],"next":K|null}. */
#define SESSIONS_PAGE 1000

static struct dmm_json *maar_sessions_paged(struct conn *c, const char *path)
{
	struct dmm_json *all = NULL;
	uint64_t offset = 0;

	for (;;) {
		char req[64];
		struct dmm_json *v, *e, *nx;
		uint64_t n;

		snprintf(req, sizeof(req), "sessions %" PRIu64 " %d", offset, SESSIONS_PAGE);
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		v = ctl_request(c, path, req, "dmm-maar");
		e = v->type == DMM_JSON_OBJECT ? dmm_json_get(v, "sessions") : NULL;
		nx = v->type == DMM_JSON_OBJECT ? dmm_json_get(v, "next") : NULL;
		if (e == NULL || e->type != DMM_JSON_ARRAY || nx == NULL)
			die(EXIT_REPLY, "reply to %s: no sessions array and next", req);
		if (all == NULL)
			all = e;
		else
			dmm_json_splice(all, e);
		if (nx->type == DMM_JSON_NULL)
			return all;
		if (!dmm_json_u64(nx, &n) || n <= offset)
			die(EXIT_REPLY, "reply to %s: inconsistent paging (next)", req);
		offset = n;
	}
}

#define SESS_NCOL 6

static void print_sessions(const struct dmm_json *v)
{
	static const char *const hdr[SESS_NCOL] = {"MN-ID", "STATE",   "PREFIX",
						   "LL-ID", "SERVING", "ANCHORS"};
	size_t w[SESS_NCOL], rows = 0, i;
	char **cells = calloc(v->n * SESS_NCOL + 1, sizeof(*cells));

	if (cells == NULL)
		die(EXIT_REPLY, "out of memory");
	for (const struct dmm_json *m = v->child; m != NULL; m = m->next, rows++) {
		char **r = cells + rows * SESS_NCOL;
		const struct dmm_json *an = dmm_json_get(m, "anchors");
		size_t cap = 2, n = 0;

		if (m->type != DMM_JSON_OBJECT)
			die(EXIT_REPLY, "reply to sessions: an entry is not an object");
		r[0] = malloc(4 * 254 + 2);
		for (int k = 1; k < SESS_NCOL - 1; k++)
			r[k] = malloc(CELL);
		if (an != NULL && an->type == DMM_JSON_ARRAY)
			cap = an->n * (2 * CELL + 2) + 2;
		r[5] = malloc(cap);
		for (int k = 0; k < SESS_NCOL; k++)
			if (r[k] == NULL)
				die(EXIT_REPLY, "out of memory");
		clean(r[0], 4 * 254 + 2, dmm_json_string(dmm_json_get(m, "mn")));
		clean(r[1], CELL, dmm_json_string(dmm_json_get(m, "state")));
		clean(r[2], CELL, dmm_json_string(dmm_json_get(m, "prefix")));
		clean(r[3], CELL, dmm_json_string(dmm_json_get(m, "ll_id")));
		clean(r[4], CELL, dmm_json_string(dmm_json_get(m, "serving")));
		r[5][0] = '\0';
		for (const struct dmm_json *p = an != NULL && an->type == DMM_JSON_ARRAY ? an->child
											 : NULL;
		     p != NULL; p = p->next) {
			char a[CELL], x[CELL];

			clean(a, sizeof(a), dmm_json_string(dmm_json_get(p, "maar")));
			clean(x, sizeof(x), dmm_json_string(dmm_json_get(p, "prefix")));
			n += (size_t)snprintf(r[5] + n, cap - n, "%s%s=%s", n ? "," : "", a, x);
		}
		for (int k = 3; k < SESS_NCOL; k++)
			if (r[k][0] == '\0')
				snprintf(r[k], 2, "-");
	}
	for (unsigned j = 0; j < SESS_NCOL; j++)
		w[j] = strlen(hdr[j]);
	for (i = 0; i < rows * SESS_NCOL; i++)
		w[i % SESS_NCOL] = max_sz(w[i % SESS_NCOL], strlen(cells[i]));
	for (i = 0; i < (rows + 1) * SESS_NCOL; i++) {
		unsigned j = i % SESS_NCOL;
		const char *x = i < SESS_NCOL ? hdr[j] : cells[i - SESS_NCOL];

		if (j + 1 == SESS_NCOL)
			printf("%s\n", x);
		else
			printf("%-*s  ", (int)w[j], x);
	}
	if (rows == 0)
		printf("(no session)\n");
	for (i = 0; i < rows * SESS_NCOL; i++)
		free(cells[i]);
	free(cells);
}

/* mn attach|detach, sessions, sig on dmm-maar. */
static void maar_command(const struct opts *o, struct conn *c, const char *cmd, int argc,
			 char **argv)
{
	char req[1024];
	struct dmm_json *v;

	if (strcmp(cmd, "mn") == 0) {
		if (argc < 2 || (strcmp(argv[0], "attach") != 0 && strcmp(argv[0], "detach") != 0))
			usage_error("mn attach MN-ID [--ll-id MAC] | mn detach MN-ID");
		const char *mac = NULL;
		if (strcmp(argv[0], "attach") == 0 && argc == 4 &&
		    (strcmp(argv[2], "--ll-id") == 0))
			mac = argv[3];
		else if (strcmp(argv[0], "attach") == 0 && argc == 3)
			mac = argv[2];
		else if (argc != 2)
			usage_error("mn attach MN-ID [--ll-id MAC] | mn detach MN-ID");
		/* The request is split on blanks: an MN-ID with one cannot be sent. */
		if (strpbrk(argv[1], " \t\r\n") != NULL || argv[1][0] == '\0')
			usage_error("MN-ID: a non-empty NAI without blanks expected");
		if (strlen(argv[1]) > 254)
			usage_error("MN-ID longer than 254 octets (RFC 4283)");
		snprintf(req, sizeof(req), "mn %s %s%s%s", argv[0], argv[1], mac ? " " : "",
			 mac ? mac : "");
		v = ctl_request(c, o->maar_socket, req, "dmm-maar");
		if (o->json) {
			dmm_json_write(stdout, v, o->pretty ? 2 : -1);
			putchar('\n');
		} else {
			char r[CELL];
			clean(r, sizeof(r), dmm_json_string(dmm_json_get(v, "result")));
			printf("%s\n", r);
		}
		return;
	}
	if (argc != 0)
		usage_error("%s takes no argument", cmd);
	if (strcmp(cmd, "sessions") == 0) {
		v = maar_sessions_paged(c, o->maar_socket);
		if (o->json) {
			printf("{\"sessions\":");
			dmm_json_write(stdout, v, o->pretty ? 2 : -1);
			printf("}\n");
		} else {
			print_sessions(v);
		}
		return;
	}
	v = ctl_request(c, o->maar_socket, "sig", "dmm-maar");
	if (o->json) {
		dmm_json_write(stdout, v, o->pretty ? 2 : -1);
		putchar('\n');
	} else if (v->type == DMM_JSON_OBJECT) {
		print_cmd_stats_obj(v, "", o->all);
	} else {
		die(EXIT_REPLY, "reply to sig is not an object");
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"file-prefix", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"pretty", no_argument, NULL, 'P'},
	    {"all", no_argument, NULL, 'a'},
	    {"cmd-socket", required_argument, NULL, 'C'},
	    {"maar-socket", required_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {.prefix = prog_prefix};
	struct conn c = {.fd = -1};
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *cmd;
	struct dmm_json *v;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:s:jah", lopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL)
				usage_error("--file-prefix: a name without '/' expected");
			o.prefix = optarg;
			prefix_given = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'P':
			o.json = o.pretty = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'C':
			if (optarg[0] == '\0')
				usage_error("--cmd-socket: a path expected");
			o.cmd_socket = optarg;
			break;
		case 'M':
			if (optarg[0] == '\0')
				usage_error("--maar-socket: a path expected");
			o.maar_socket = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			usage_error("option %s needs an argument", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (o.socket != NULL && prefix_given)
		usage_error("--socket and --file-prefix exclude each other");
	if (optind >= argc)
		usage_error("no command");
	cmd = argv[optind++];
	if (strcmp(cmd, "mn") == 0 || strcmp(cmd, "sessions") == 0 || strcmp(cmd, "sig") == 0) {
		if (o.maar_socket == NULL)
			usage_error("%s needs --maar-socket PATH (dmm-maar's control_socket)", cmd);
		if (o.socket != NULL || prefix_given || o.cmd_socket != NULL)
			usage_error("%s on dmm-maar: only --maar-socket applies", cmd);
		maar_command(&o, &c, cmd, argc - optind, argv + optind);
		goto out;
	}
	if (o.maar_socket != NULL)
		usage_error("--maar-socket applies to mn, sessions and sig only");
	if (strcmp(cmd, "raw") == 0) {
		if (optind + 1 != argc)
			usage_error("raw takes one telemetry command, e.g. raw /ethdev/list");
		if (argv[optind][0] != '/')
			usage_error("telemetry commands start with '/'");
		if (strlen(argv[optind]) > MAX_REQUEST)
			usage_error("telemetry command longer than %d bytes", MAX_REQUEST);
	} else if (strcmp(cmd, "stats") != 0 && strcmp(cmd, "ports") != 0 &&
		   strcmp(cmd, "tables") != 0 && strcmp(cmd, "bce") != 0) {
		usage_error("unknown command '%s'", cmd);
	} else if (optind != argc) {
		usage_error("%s takes no argument", cmd);
	}

	if (strcmp(cmd, "bce") == 0 || (strcmp(cmd, "stats") == 0 && o.cmd_socket != NULL)) {
		if (o.socket != NULL || prefix_given)
			usage_error("%s on dmm-cmd: --socket and --file-prefix do not apply", cmd);
		const char *cpath = o.cmd_socket != NULL ? o.cmd_socket : CMD_SOCKET_DEFAULT;

		v = strcmp(cmd, "bce") == 0 ? cmd_bce_paged(&c, cpath)
					    : cmd_request(&c, cpath, cmd);
		if (o.json) {
			dmm_json_write(stdout, v, o.pretty ? 2 : -1);
			putchar('\n');
		} else if (strcmp(cmd, "bce") == 0)
			print_bce(v);
		else if (v->type == DMM_JSON_OBJECT)
			print_cmd_stats_obj(v, "", o.all);
		else
			die(EXIT_REPLY, "reply to stats is not an object");
		goto out;
	}
	if (o.cmd_socket != NULL)
		usage_error("--cmd-socket applies to bce and stats only");
	socket_path(&o, path, sizeof(path));
	tel_connect(&c, path, &o);

	if (strcmp(cmd, "raw") == 0)
		v = request(&c, argv[optind]);
	else if (strcmp(cmd, "stats") == 0)
		v = request_paged(&c, "/dmm/stats");
	else if (strcmp(cmd, "tables") == 0)
		v = request_paged(&c, "/dmm/tables");
	else
		v = request(&c, "/dmm/ports");

	if (o.json || strcmp(cmd, "raw") == 0) {
		dmm_json_write(stdout, v, o.json && !o.pretty ? -1 : 2);
		putchar('\n');
	} else if (strcmp(cmd, "stats") == 0) {
		print_stats(v, o.all);
	} else if (strcmp(cmd, "tables") == 0) {
		print_tables(v);
	} else {
		print_ports(v);
	}

out:
	close(c.fd);
	for (size_t i = 0; i < c.n_docs; i++)
		dmm_json_free(c.docs[i]);
	free(c.docs);
	free(c.buf);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EXIT_REPLY, "writing output: %s", strerror(errno));
	return EXIT_OK;
}
