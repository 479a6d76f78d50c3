/*
 * sim_control.c - the control port: fault injection and statistics, one
 * text command per line, one line back for each ("ok ...", a JSON object,
 * or "error ...").  127.0.0.1 only.
 *
 *   drop                 close every client connection now
 *   notice CODE          errMsg CODE with reqId -1 to every client (1100, 1101, 1102, ...)
 *   stall MS             neither read nor write any client socket for MS ms
 *   malformed            one tickPrice with a non-numeric price to every client
 *   account-delay MS     account data delay for connections made from now on
 *   accounts A,B,...     managedAccounts becomes this list, sent to every client now
 *   accounts-hex HEX     the same, the list given as hex bytes (quotes, newlines, invalid UTF-8)
 *   error-hex ID CODE HEX  errMsg CODE for request/order ID with the text given as hex bytes,
 *                        to every client (a hostile or unusual gateway text)
 *   account-count N      the list becomes DU0000001..N, sent to every client now
 *   account-delay-one A MS  account A's download comes MS ms after it is requested (one
 *                        held now is due MS ms from now: 0 releases it)
 *   send-value A         a NetLiquidation value for account A (listed or not) to every client
 *   send-download-end A  an acctDownloadEnd for account A (listed or not) to every client
 *   server-version N     highest server version for connections made from now on
 *   restart MS           drop all, refuse connections for MS ms, then listen again
 *   blast N              N more pre-encoded tickPrice messages to every subscribed client
 *   depth-blast N        N more pre-encoded depth updates (and the tick-by-tick
 *                        messages they imply) to every client with depth subscriptions
 *   book SYMBOL          ibsim's book for SYMBOL, every row, best first, as JSON
 *   drop-mid             half of one more frame to every client, then close
 *   reset-handshake      the next new connection gets an RST after its version range
 *   ignore-orders N      the next N new orders are read and dropped: no answer, never known
 *                        (an order lost on its way, for ibpipe's restart check)
 *   stats                per-client and total counters, as JSON
 *   price SYMBOL BID ASK pin SYMBOL's (or conid:N's) quote at BID/ASK: the walk leaves it there (trades print
 *                        at them, stops and trailing stops see them); resting orders are looked at now
 *   price SYMBOL walk    let it walk again
 *   pnl ACCOUNT          the account's P&L as ibsim computes it (reqPnL's numbers), as JSON
 *   close / open         the simulated closing / opening auction: MOC, LOC / OPG orders settle
 *
 * Invariant: a command runs inside the event loop, between two turns, so
 * it sees and changes the simulator's state like any request does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/str.h"
#include "util/clock.h"

#define STATS_PER_CLIENT 400
#define REPLY_CAP (SIM_MAX_CLIENTS * STATS_PER_CLIENT + 512)

static void
ctl_close(struct sim *s, int i)
{
	if (s->ctl[i].fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->ctl[i].fd, NULL);
	close(s->ctl[i].fd);
	s->ctl[i].fd = -1;
	s->ctl[i].len = 0;
}

void
sim_control_close_all(struct sim *s)
{
	for (int i = 0; i < SIM_MAX_CONTROL; i++)
		ctl_close(s, i);
}

static void
reply(int fd, const char *text)
{
	size_t n = strlen(text), off = 0;

	/* small replies into an idle loopback socket: a short blocking retry is enough */
	for (int tries = 0; off < n && tries < 1000; tries++) {
		ssize_t w = send(fd, text + off, n - off, MSG_NOSIGNAL);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return;
		else
			usleep(100);
	}
}

void
sim_control_accept(struct sim *s)
{
	for (;;) {
		int fd = accept4(s->cfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		if (fd < 0)
			return;
		for (i = 0; i < SIM_MAX_CONTROL && s->ctl[i].fd >= 0; i++)
			;
		if (i == SIM_MAX_CONTROL) {
			reply(fd, "error too many control connections\n");
			close(fd);
			continue;
		}
		s->ctl[i].fd = fd;
		s->ctl[i].len = 0;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = SIM_TAG_CTL_CONN + (uint64_t)i };
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

static const char *
state_name(const struct sim_client *c)
{
	switch (c->state) {
	case SIM_CS_MAGIC:
	case SIM_CS_VERSION: return "handshake";
	case SIM_CS_START_API: return "start_api";
	}
	return c->closing ? "refused" : "ready";
}

static void
stats(struct sim *s, char *out, size_t cap)
{
	struct sim_counters t = s->closed;
	size_t n = 0;
	int first = 1;

	n += (size_t)snprintf(out + n, cap - n, "{\"clients\":[");
	SIM_FOREACH_CLIENT(s, c) {
		const struct sim_counters *k = &c->n;
		t.msgs_in += k->msgs_in, t.msgs_out += k->msgs_out, t.orders += k->orders;
		t.order_frames += k->order_frames, t.errors += k->errors, t.bad_frames += k->bad_frames;
		t.hist += k->hist, t.hist_paced += k->hist_paced;
		if (n + STATS_PER_CLIENT > cap)
			continue;
		n += (size_t)snprintf(out + n, cap - n,
				      "%s{\"client_id\":%d,\"peer\":\"%s\",\"state\":\"%s\",\"server_version\":%d,"
				      "\"msgs_in\":%llu,\"msgs_out\":%llu,\"orders\":%llu,\"order_frames\":%llu,"
				      "\"errors\":%llu,\"bad_frames\":%llu,\"subscriptions\":%d,\"depth\":%d,\"tbt\":%d,"
				      "\"blasting\":%s,\"unsent_bytes\":%zu}",
				      first ? "" : ",", c->client_id, c->peer, state_name(c), c->out.sv,
				      (unsigned long long)k->msgs_in, (unsigned long long)k->msgs_out,
				      (unsigned long long)k->orders, (unsigned long long)k->order_frames,
				      (unsigned long long)k->errors, (unsigned long long)k->bad_frames, c->nsubs, c->ndepth,
				      c->ntbt, c->blast ? "true" : "false", sim_unsent_bytes(c));
		first = 0;
	}
	snprintf(out + n, cap - n,
		 "],\"total_msgs_in\":%llu,\"total_msgs_out\":%llu,\"total_orders\":%llu,\"total_order_frames\":%llu,"
		 "\"total_errors\":%llu,\"total_bad_frames\":%llu,\"clients_closed\":%llu,\"next_order_id\":%d,"
		 "\"orders_known\":%d,\"executions\":%lld,\"stalled\":%s,\"restarting\":%s,\"loop_wakeups\":%llu,"
		 "\"timer_wakeups\":%llu,\"orders_ignored\":%llu,\"global_cancels\":%llu,\"orders_live\":%d,"
		 "\"total_hist\":%llu,\"total_hist_paced\":%llu}\n",
		 (unsigned long long)t.msgs_in, (unsigned long long)t.msgs_out, (unsigned long long)t.orders,
		 (unsigned long long)t.order_frames, (unsigned long long)t.errors, (unsigned long long)t.bad_frames,
		 (unsigned long long)s->nclosed, s->next_order_id, s->norders, (long long)s->nexecs,
		 ib_now_mono_ns() < s->stall_until_ns ? "true" : "false", s->restart_until_ns ? "true" : "false",
		 (unsigned long long)s->wakeups, (unsigned long long)s->timer_wakeups,
		 (unsigned long long)s->orders_ignored, (unsigned long long)s->global_cancels, sim_orders_live(s),
		 (unsigned long long)t.hist, (unsigned long long)t.hist_paced);
}

/* "ok book SYM {...}": every row of ibsim's book for SYM, best first. */
static void
book(struct sim *s, const char *symbol, char *out, size_t cap)
{
	int n = snprintf(out, cap, "ok book %s ", symbol);

	if (n <= 0 || (size_t)n >= cap || sim_depth_book_json(s, symbol, out + n, cap - (size_t)n - 1) < 0) {
		snprintf(out, cap, "error unknown symbol: '%s'\n", symbol);
		return;
	}
	ib_strlcpy(out + strlen(out), "\n", cap - strlen(out));
}

/* "NAME N" with N an integer in [lo, hi]; returns 1 and sets *v, or 0. */
static int
arg(const char *line, const char *name, long lo, long hi, long *v)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(line, name, n) != 0 || line[n] != ' ')
		return 0;
	errno = 0;
	*v = strtol(line + n + 1, &end, 10);
	return errno == 0 && end != line + n + 1 && *end == '\0' && *v >= lo && *v <= hi;
}

static bool
named(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncmp(line, name, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

/* Every ready client gets what f encodes for account id; how many. */
static int
to_clients(struct sim *s, const char *id, void (*f)(sim_out *o, const char *id))
{
	int n = 0;

	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		f(&c->out, id);
		if (sim_client_ok(s, c))
			n++;
	}
	return n;
}

static void
enc_value(sim_out *o, const char *id)
{
	sim_enc_acct_value(o, "NetLiquidation", "1000.00", "USD", id);
}

static void
enc_download_end(sim_out *o, const char *id)
{
	sim_enc_acct_download_end(o, id);
}

int
sim_hex_decode(const char *hex, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *h = hex; *h; h += 2) {
		char pair[3] = { h[0], h[1], '\0' }, *end;
		unsigned long b;
		if (h[1] == '\0' || k + 1 >= cap)
			return -1;
		b = strtoul(pair, &end, 16);
		if (*end != '\0' || b == 0 || pair[0] == '-' || pair[0] == '+' || pair[0] == ' ')
			return -1;
		out[k++] = (char)b;
	}
	out[k] = '\0';
	return (int)k;
}

/* "error-hex ID CODE HEX": errMsg CODE about ID with the text HEX decodes to; how many got it, -1 if bad. */
static int
error_hex(struct sim *s, const char *line)
{
	static char text[2048];
	const char *p = line + strlen("error-hex ");
	char *end;
	long id, code;
	int n = 0;

	errno = 0;
	id = strtol(p, &end, 10);
	if (end == p || *end != ' ' || id < INT32_MIN || id > INT32_MAX)
		return -1;
	code = strtol(p = end + 1, &end, 10);
	if (errno || end == p || *end != ' ' || code < 0 || code > 99999 || sim_hex_decode(end + 1, text, sizeof(text)) < 0)
		return -1;
	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		sim_send_error(s, c, (int32_t)id, (int32_t)code, text);
		if (sim_client_ok(s, c))
			n++;
	}
	return n;
}

/* "account-delay-one ID MS": the id and MS in 0..3600000. */
static bool
account_delay_one(const char *line, char *id, size_t cap, long *v)
{
	const char *p = line + strlen("account-delay-one ");
	size_t n;
	char *end;

	if (strncmp(line, "account-delay-one ", 18) != 0 || (n = strcspn(p, " ")) == 0 || n >= cap || p[n] != ' ')
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	errno = 0;
	*v = strtol(p + n + 1, &end, 10);
	return errno == 0 && end != p + n + 1 && *end == '\0' && *v >= 0 && *v <= 3600000;
}

/* The account-list commands (sim_account_list.c); false when line is none of them. */
static bool
account_command(struct sim *s, const char *line, char *out, size_t cap)
{
	static char list[SIM_LIST_CAP];
	char err[160], id[64];
	long v;
	int n;

	if (named(line, "accounts") && line[8] == ' ') {
		ib_strlcpy(list, line + 9, sizeof(list));
	} else if (named(line, "accounts-hex") && line[12] == ' ') {
		if (sim_hex_decode(line + 13, list, sizeof(list)) < 0) {
			snprintf(out, cap, "error accounts-hex: '%.16s' is not hex bytes (pairs, no 00)\n", line + 13);
			return true;
		}
	} else if (arg(line, "account-count", 0, SIM_MAX_ACCOUNTS, &v)) {
		sim_account_list_generate((int)v, list, sizeof(list));
	} else if (account_delay_one(line, id, sizeof(id), &v)) {
		/* an account not yet listed is created (unlisted), so a later "accounts" finds its delay */
		int ai = sim_account_add(s, id), held = 0;
		if (ai < 0) {
			snprintf(out, cap, "error account-delay-one: no room for '%s'\n", id);
			return true;
		}
		s->acct[ai].download_delay_ms = (int)v;
		/* a download already held for it is due on the new delay, from now: "0" releases it */
		SIM_FOREACH_CLIENT(s, c) {
			if (c->acct == ai && c->acct_owed) {
				c->acct_due_ns = ib_now_mono_ns() + v * IB_NS_PER_MS;
				held++;
			}
		}
		snprintf(out, cap, "ok account-delay-one %s %ld (%d held)\n", id, v, held);
		return true;
	} else if (sscanf(line, "send-value %63s", id) == 1) {
		snprintf(out, cap, "ok send-value %s to %d\n", id, to_clients(s, id, enc_value));
		return true;
	} else if (sscanf(line, "send-download-end %63s", id) == 1) {
		snprintf(out, cap, "ok send-download-end %s to %d\n", id, to_clients(s, id, enc_download_end));
		return true;
	} else {
		return false;
	}
	if ((n = sim_account_list_set(s, list, false, err, sizeof(err))) < 0) {
		snprintf(out, cap, "error %s\n", err);
		return true;
	}
	snprintf(out, cap, "ok accounts %d sent to %d\n", n, sim_account_list_push(s));
	return true;
}

/* The instrument of a symbol (its local symbol for a future or option), or of "conid:N"; -1 none. */
static int32_t
instrument_named(const struct sim *s, const char *name)
{
	char *end = NULL;
	long id;

	if (strncmp(name, "conid:", 6) != 0)
		return sim_md_find(s, name);
	id = strtol(name + 6, &end, 10);
	for (int32_t i = 0; *end == '\0' && id > 0 && i < s->ninstr; i++)
		if (s->instr[i].con_id == id)
			return i;
	return -1;
}

/* "price SYMBOL BID ASK" | "price SYMBOL walk" (SYMBOL may be conid:N) */
static void
price(struct sim *s, const char *args, char *out, size_t cap)
{
	char sym[IB_SYMBOL_LEN], a[24], b[24] = "";
	char *e1 = NULL, *e2 = NULL;
	int32_t i;

	if (sscanf(args, "%23s %23s %23s", sym, a, b) < 2 || (i = instrument_named(s, sym)) < 0) {
		snprintf(out, cap, "error price: '%.40s' (price SYMBOL BID ASK | price SYMBOL walk)\n", args);
		return;
	}
	struct sim_instr *in = &s->instr[i];
	if (strcmp(a, "walk") == 0) {
		in->pinned = false;
		snprintf(out, cap, "ok price %s walks\n", sym);
		return;
	}
	double bid = strtod(a, &e1), ask = strtod(b, &e2);
	if (*e1 || *e2 || !(bid > 0) || !(ask >= bid) || ask > 1e9) {
		snprintf(out, cap, "error price: bid and ask must be numbers, 0 < bid <= ask\n");
		return;
	}
	in->pinned = true;
	in->bid = bid;
	in->ask = ask;
	in->last = bid;
	/* every live order is looked at on the next turn: a stop set off by this fires now */
	sim_orders_poke(s);
	snprintf(out, cap, "ok price %s %.10g %.10g\n", sym, bid, ask);
}

static void
command(struct sim *s, char *line, char *out, size_t cap)
{
	long v;
	int n;

	if (strcmp(line, "drop") == 0) {
		n = sim_drop_all(s, "dropped by control");
		snprintf(out, cap, "ok dropped %d\n", n);
	} else if (arg(line, "notice", 1, 99999, &v)) {
		n = sim_broadcast_notice(s, (int32_t)v);
		snprintf(out, cap, "ok notice %ld sent to %d\n", v, n);
	} else if (arg(line, "stall", 1, 3600000, &v)) {
		sim_stall(s, (int)v);
		snprintf(out, cap, "ok stall %ld\n", v);
	} else if (strcmp(line, "malformed") == 0) {
		n = sim_send_malformed(s);
		snprintf(out, cap, "ok malformed sent to %d\n", n);
	} else if (arg(line, "account-delay", 0, 3600000, &v)) {
		s->o.account_delay_ms = (int)v;
		snprintf(out, cap, "ok account-delay %ld\n", v);
	} else if (arg(line, "contract-delay", 0, 3600000, &v)) {
		/* requests already held are due on the new delay, from now: "0" answers them */
		n = sim_contracts_set_delay(s, (int)v);
		snprintf(out, cap, "ok contract-delay %ld (%d held)\n", v, n);
	} else if (arg(line, "server-version", SIM_SV_MIN, SIM_SV_MAX, &v)) {
		s->o.server_version = (int)v;
		snprintf(out, cap, "ok server-version %ld\n", v);
	} else if (arg(line, "restart", 1, 3600000, &v)) {
		n = sim_restart(s, (int)v);
		snprintf(out, cap, "ok restart %ld dropped %d\n", v, n);
	} else if (arg(line, "blast", 1, 1000000000000L, &v)) {
		n = 0;
		SIM_FOREACH_CLIENT(s, c) {
			if (c->state == SIM_CS_READY && c->nsubs > 0) {
				sim_blast_arm(s, c, v);
				n++;
			}
		}
		snprintf(out, cap, "ok blast %ld to %d\n", v, n);
	} else if (arg(line, "depth-blast", 1, 1000000000000L, &v)) {
		n = 0;
		SIM_FOREACH_CLIENT(s, c) {
			if (c->state == SIM_CS_READY && c->ndepth > 0) {
				sim_depth_blast_arm(s, c, v);
				n++;
			}
		}
		snprintf(out, cap, "ok depth-blast %ld to %d\n", v, n);
	} else if (named(line, "book") && line[4] == ' ') {
		book(s, line + 5, out, cap);
	} else if (named(line, "pnl") && line[3] == ' ') {
		n = snprintf(out, cap, "ok pnl ");
		if (n <= 0 || sim_pnl_json(s, line + 4, out + n, cap - (size_t)n - 1) < 0)
			snprintf(out, cap, "error unknown account: '%.40s'\n", line + 4);
		else
			ib_strlcpy(out + strlen(out), "\n", cap - strlen(out));
	} else if (named(line, "error-hex")) {
		if (line[9] != ' ' || (n = error_hex(s, line)) < 0)
			snprintf(out, cap, "error bad argument: '%.40s' (error-hex ID CODE HEX)\n", line);
		else
			snprintf(out, cap, "ok error-hex sent to %d\n", n);
	} else if (strcmp(line, "close") == 0 || strcmp(line, "open") == 0) {
		n = sim_orders_auction(s, line[0] == 'c');
		snprintf(out, cap, "ok %s %d\n", line, n);
	} else if (strcmp(line, "drop-mid") == 0) {
		n = sim_drop_mid_frame(s);
		snprintf(out, cap, "ok drop-mid %d\n", n);
	} else if (strcmp(line, "reset-handshake") == 0) {
		s->reset_next_handshake = true;
		snprintf(out, cap, "ok reset-handshake armed\n");
	} else if (arg(line, "ignore-orders", 0, 1000000, &v)) {
		s->ignore_orders = (int)v;
		snprintf(out, cap, "ok ignore-orders %ld\n", v);
	} else if (strcmp(line, "stats") == 0) {
		stats(s, out, cap);
	} else if (named(line, "price") && line[5] == ' ') {
		price(s, line + 6, out, cap);
	} else if (account_command(s, line, out, cap)) {
		/* done */
	} else if (strcmp(line, "help") == 0) {
		snprintf(out, cap, "ok commands: drop, notice CODE, stall MS, malformed, account-delay MS, contract-delay MS, "
				   "server-version N (%d..%d), restart MS, blast N, depth-blast N, book SYMBOL, "
				   "drop-mid, reset-handshake, ignore-orders N, stats, accounts LIST, accounts-hex HEX, account-count N, "
				   "account-delay-one ACCT MS, send-value ACCT, send-download-end ACCT, error-hex ID CODE HEX, "
				   "pnl ACCT, close, open, price SYMBOL BID ASK | walk\n",
			 SIM_SV_MIN, SIM_SV_MAX);
	} else if (named(line, "notice") || named(line, "stall") || named(line, "account-delay") || named(line, "contract-delay") ||
		   named(line, "server-version") || named(line, "restart") || named(line, "blast") ||
		   named(line, "depth-blast") || named(line, "book") || named(line, "ignore-orders")) {
		snprintf(out, cap, "error bad argument: '%s'\n", line);
	} else {
		snprintf(out, cap, "error unknown command: '%s' (try help)\n", line);
	}
	ib_log(IB_LL_INFO, "ibsim", "control: %s -> %.*s", line, (int)strcspn(out, "\n"), out);
}

void
sim_control_input(struct sim *s, int i)
{
	struct sim_ctl *k = &s->ctl[i];
	static char out[REPLY_CAP];

	if (k->fd < 0)
		return;
	for (;;) {
		ssize_t r = recv(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len, 0);
		if (r > 0) {
			k->len += (size_t)r;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			ctl_close(s, i);
			return;
		} else if (errno == EAGAIN) {
			break;
		}
		/* run every complete line */
		char *nl;
		while (k->fd >= 0 && (nl = memchr(k->buf, '\n', k->len)) != NULL) {
			size_t n = (size_t)(nl - k->buf);
			*nl = '\0';
			if (n > 0 && k->buf[n - 1] == '\r')
				k->buf[n - 1] = '\0';
			command(s, k->buf, out, sizeof(out));
			reply(k->fd, out);
			memmove(k->buf, nl + 1, k->len - n - 1);
			k->len -= n + 1;
		}
		if (k->len == sizeof(k->buf) - 1) {
			reply(k->fd, "error line too long\n");
			ctl_close(s, i);
			return;
		}
	}
}
