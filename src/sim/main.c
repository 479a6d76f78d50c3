/*
 * main.c - bin/ibsim: options, the epoll loop, client sockets, the control
 * port and signals.  Loopback by default; a client that goes away is
 * closed at once, so no socket is ever left in CLOSE_WAIT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/ib.h"
#include "sim.h"

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

int64_t
sim_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double
sim_rand(struct sim *s)
{
	/* xorshift64*: deterministic per seed, no locks, no libc state */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (double)((s->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

int
sim_client_index(const struct sim *s, const struct sim_client *c)
{
	for (int i = 0; i < SIM_MAX_CLIENTS; i++)
		if (s->clients[i] == c)
			return i;
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ibsim [options]   -- a simulated IB Gateway on loopback\n"
		"  --port N               listen port (default 4002; 0 = ephemeral, printed on stdout)\n"
		"  --bind ADDR            listen address (default 127.0.0.1)\n"
		"  --port-file PATH       write the port here once listening\n"
		"  --control-port N       line-based control port on 127.0.0.1 (see docs in README)\n"
		"  --server-version N     highest server version served (default 176)\n"
		"  --accounts A,B         managed accounts (default DU111111)\n"
		"  --account-delay-ms N   delay the initial account download and positions by N ms\n"
		"  --account-jitter-ms N  add a random 0..N ms to that delay\n"
		"  --no-download-end      never send acctDownloadEnd (a gateway that forgets it)\n"
		"  --symbols A,B,...      known symbols (default 30 US stocks and ETFs)\n"
		"  --tick-rate N          market-data messages per second over all subscriptions (default 200)\n"
		"  --partial-fill-above N orders above N shares fill in slices (default 500)\n"
		"  --blast N              after subscribing, send N pre-encoded ticks as fast as the socket takes them\n"
		"  --blast-rate R         pace the blast at R msgs/s\n"
		"  --stamp                blasted tickPrice size = CLOCK_MONOTONIC ns at send (for latency)\n"
		"  --restart-rollback     after 'restart', nextValidId goes back (as real gateways have done)\n"
		"  --seed N               random seed\n");
}

static int
parse_args(struct sim *s, int argc, char **argv, char *symbols, size_t symcap, char *accounts, size_t acap)
{
	struct sim_opts *o = &s->o;

	o->port = 4002;
	o->server_version = IB_CLIENT_MAX;
	o->tick_rate = 200;
	o->partial_fill_above = 500;
	ib_strlcpy(o->bind, "127.0.0.1", sizeof(o->bind));
	ib_strlcpy(accounts, "DU111111", acap);
	s->rng = 0x9e3779b97f4a7c15ull;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (ARG("--port")) {
			o->port = atoi(v);
		} else if (ARG("--bind")) {
			ib_strlcpy(o->bind, v, sizeof(o->bind));
		} else if (ARG("--port-file")) {
			ib_strlcpy(o->port_file, v, sizeof(o->port_file));
		} else if (ARG("--control-port")) {
			o->control_port = atoi(v);
		} else if (ARG("--server-version")) {
			o->server_version = atoi(v);
		} else if (ARG("--accounts")) {
			ib_strlcpy(accounts, v, acap);
		} else if (ARG("--account-delay-ms")) {
			o->account_delay_ms = atoi(v);
		} else if (ARG("--account-jitter-ms")) {
			o->account_jitter_ms = atoi(v);
		} else if (strcmp(a, "--no-download-end") == 0) {
			o->no_download_end = true;
		} else if (ARG("--symbols")) {
			ib_strlcpy(symbols, v, symcap);
		} else if (ARG("--tick-rate")) {
			o->tick_rate = atof(v);
		} else if (ARG("--partial-fill-above")) {
			o->partial_fill_above = atoi(v);
		} else if (ARG("--blast")) {
			o->blast = atoll(v);
		} else if (ARG("--blast-rate")) {
			o->blast_rate = atof(v);
		} else if (strcmp(a, "--stamp") == 0) {
			o->stamp = true;
		} else if (strcmp(a, "--restart-rollback") == 0) {
			o->restart_rollback = true;
		} else if (ARG("--seed")) {
			s->rng = strtoull(v, NULL, 10) | 1;
		} else {
			fprintf(stderr, "ibsim: unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
#undef ARG
	}
	return 0;
}

static int
listen_on(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : -1;
}

void
sim_close_client(struct sim *s, int i, const char *why)
{
	struct sim_client *c = s->clients[i];

	if (!c)
		return;
	printf("ibsim: client %d closed (%s): msgs in %llu out %llu, orders %llu, order frames %llu, errors %llu\n",
	       c->client_id, why, (unsigned long long)c->msgs_in, (unsigned long long)c->msgs_out,
	       (unsigned long long)c->orders, (unsigned long long)c->order_frames, (unsigned long long)c->errors);
	fflush(stdout);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	for (int k = 0; k < s->norders; k++)
		if (s->orders[k].client == i)
			s->orders[k].client = -1; /* orders stay at the gateway; their owner is away */
	ib_framer_free(&c->in);
	free(c->out);
	free(c->subs);
	free(c);
	s->clients[i] = NULL;
}

static void
accept_clients(struct sim *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1, i;
		if (fd < 0)
			return;
		if (sim_now() < s->refuse_until_ns) {
			close(fd); /* restarting: nobody home */
			continue;
		}
		for (i = 0; i < SIM_MAX_CLIENTS && s->clients[i]; i++)
			;
		struct sim_client *c = i < SIM_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		if (!c || !(c->out = malloc(SIM_OUT_CAP)) || !(c->subs = calloc(SIM_MAX_SUBS, sizeof(*c->subs))) ||
		    ib_framer_init(&c->in, (1u << 20) + 8, 1u << 20) != IB_OK) {
			if (c) {
				free(c->out);
				free(c->subs);
				free(c);
			}
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->connected_ns = sim_now();
		int delay = s->o.account_delay_ms + (s->o.account_jitter_ms > 0 ? (int)(sim_rand(s) * s->o.account_jitter_ms) : 0);
		c->download_at_ns = c->connected_ns + (int64_t)delay * 1000000LL;
		s->clients[i] = c;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i };
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* Write what is pending; -1 if the client is gone. */
static int
flush_client(struct sim *s, int i)
{
	struct sim_client *c = s->clients[i];

	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w > 0) {
			c->out_off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		return -1;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	else if (c->out_off > SIM_OUT_CAP / 2) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (c->out_len ? EPOLLOUT : 0), .data.u32 = (uint32_t)i };
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

static void
read_client(struct sim *s, int i)
{
	struct sim_client *c = s->clients[i];

	for (;;) {
		size_t avail;
		char *w = ib_framer_wptr(&c->in, &avail);
		ssize_t r = recv(c->fd, w, avail, 0);
		if (r > 0) {
			ib_framer_commit(&c->in, (size_t)r);
			continue;
		}
		if (r == 0) {
			sim_close_client(s, i, "client disconnected");
			return;
		}
		if (errno != EAGAIN && errno != EINTR) {
			sim_close_client(s, i, "read error");
			return;
		}
		break;
	}
	sim_client_input(s, c);
}

/* ---- control port ---- */

static void
broadcast_notice(struct sim *s, int code)
{
	const char *msg = code == IB_ERR_CONN_LOST ? "Connectivity between IB and Trader Workstation has been lost."
			  : code == IB_ERR_CONN_RESTORED_LOST
				  ? "Connectivity between IB and Trader Workstation has been restored - data lost."
				  : "Connectivity between IB and Trader Workstation has been restored - data maintained.";
	for (int i = 0; i < SIM_MAX_CLIENTS; i++)
		if (s->clients[i] && s->clients[i]->state == 2)
			sim_send_error(s->clients[i], -1, code, msg);
}

static void
control(struct sim *s, int fd)
{
	char line[256], out[16384];
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	int v = 0;

	if (n <= 0)
		return;
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	out[0] = '\0';
	if (strcmp(line, "drop") == 0) {
		int k = 0;
		for (int i = 0; i < SIM_MAX_CLIENTS; i++)
			if (s->clients[i]) {
				sim_close_client(s, i, "dropped by control");
				k++;
			}
		snprintf(out, sizeof(out), "ok dropped %d\n", k);
	} else if (sscanf(line, "notice %d", &v) == 1) {
		broadcast_notice(s, v);
		snprintf(out, sizeof(out), "ok notice %d\n", v);
	} else if (sscanf(line, "stall %d", &v) == 1) {
		s->stall_until_ns = sim_now() + (int64_t)v * 1000000LL;
		snprintf(out, sizeof(out), "ok stall %d\n", v);
	} else if (strcmp(line, "malformed") == 0) {
		for (int i = 0; i < SIM_MAX_CLIENTS; i++)
			if (s->clients[i] && s->clients[i]->state == 2) {
				const char *f[] = { "1", "6", "1000", "1", "not-a-price", "100", "0" };
				sim_frame(s->clients[i], f, 7);
			}
		snprintf(out, sizeof(out), "ok malformed\n");
	} else if (sscanf(line, "account-delay %d", &v) == 1) {
		s->o.account_delay_ms = v;
		snprintf(out, sizeof(out), "ok account-delay %d\n", v);
	} else if (sscanf(line, "server-version %d", &v) == 1) {
		s->o.server_version = v;
		snprintf(out, sizeof(out), "ok server-version %d\n", v);
	} else if (sscanf(line, "restart %d", &v) == 1) {
		for (int i = 0; i < SIM_MAX_CLIENTS; i++)
			if (s->clients[i])
				sim_close_client(s, i, "gateway restart");
		s->refuse_until_ns = sim_now() + (int64_t)v * 1000000LL;
		if (s->o.restart_rollback)
			s->next_order_id = 1;
		snprintf(out, sizeof(out), "ok restart %d\n", v);
	} else if (sscanf(line, "blast %d", &v) == 1) {
		for (int i = 0; i < SIM_MAX_CLIENTS; i++)
			if (s->clients[i] && s->clients[i]->state == 2) {
				s->clients[i]->blast_left = v;
				s->clients[i]->blast_armed = false;
			}
		snprintf(out, sizeof(out), "ok blast %d\n", v);
	} else if (strcmp(line, "stats") == 0) {
		size_t o = 0;
		unsigned long long tin = 0, tout = 0, tord = 0, tof = 0;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "{\"clients\":[");
		int first = 1;
		for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
			struct sim_client *c = s->clients[i];
			if (!c)
				continue;
			tin += c->msgs_in, tout += c->msgs_out, tord += c->orders, tof += c->order_frames;
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "%s{\"client_id\":%d,\"msgs_in\":%llu,\"msgs_out\":%llu,\"orders\":%llu,"
					      "\"order_frames\":%llu,\"errors\":%llu,\"subscriptions\":%d}",
					      first ? "" : ",", c->client_id, (unsigned long long)c->msgs_in,
					      (unsigned long long)c->msgs_out, (unsigned long long)c->orders,
					      (unsigned long long)c->order_frames, (unsigned long long)c->errors, c->nsubs);
			first = 0;
			if (o >= sizeof(out) - 256)
				break;
		}
		snprintf(out + o, sizeof(out) - o,
			 "],\"total_msgs_in\":%llu,\"total_msgs_out\":%llu,\"total_orders\":%llu,\"total_order_frames\":%llu,"
			 "\"next_order_id\":%d}\n",
			 tin, tout, tord, tof, s->next_order_id);
	} else {
		snprintf(out, sizeof(out), "error unknown command '%s'\n", line);
	}
	if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0) {
		/* the asker left; nothing to do */
	}
}

static void
init_accounts(struct sim *s, const char *list)
{
	char buf[256], *save = NULL;

	ib_strlcpy(buf, list, sizeof(buf));
	for (char *t = strtok_r(buf, ",", &save); t && s->nacct < SIM_MAX_ACCOUNTS; t = strtok_r(NULL, ",", &save)) {
		struct sim_account *a = &s->acct[s->nacct++];
		ib_strlcpy(a->id, t, sizeof(a->id));
		a->cash = 1000000.0;
		/* a few positions in the first symbols */
		for (int k = 0; k < 2 && k < s->nsym; k++) {
			a->pos[a->npos++] = (struct sim_position){ k, 100.0 * (k + 1), s->sym[k].last * 0.95 };
			a->cash -= 100.0 * (k + 1) * s->sym[k].last * 0.95;
		}
	}
}

int
main(int argc, char **argv)
{
	static struct sim s;
	static char symbols[1 << 17];
	char accounts[256];
	struct epoll_event evs[64];

	if (parse_args(&s, argc, argv, symbols, sizeof(symbols), accounts, sizeof(accounts)) != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sim_market_init(&s, symbols);
	init_accounts(&s, accounts);
	s.next_order_id = 1;
	s.lfd = listen_on(s.o.bind, s.o.port);
	if (s.lfd < 0) {
		fprintf(stderr, "ibsim: cannot listen on %s:%d: %s\n", s.o.bind, s.o.port, strerror(errno));
		return 1;
	}
	s.cfd = -1;
	if (s.o.control_port > 0 && (s.cfd = listen_on("127.0.0.1", s.o.control_port)) < 0) {
		fprintf(stderr, "ibsim: cannot listen on control port %d\n", s.o.control_port);
		return 1;
	}
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN, .data.u32 = 1000 };
	epoll_ctl(s.epfd, EPOLL_CTL_ADD, s.lfd, &lev);
	if (s.cfd >= 0) {
		struct epoll_event cev = { .events = EPOLLIN, .data.u32 = 1001 };
		epoll_ctl(s.epfd, EPOLL_CTL_ADD, s.cfd, &cev);
	}
	int port = bound_port(s.lfd);
	printf("ibsim: listening on %s:%d (server version %d, %d symbols, accounts %s)\n", s.o.bind, port,
	       s.o.server_version, s.nsym, accounts);
	fflush(stdout);
	if (s.o.port_file[0]) {
		FILE *f = fopen(s.o.port_file, "w");
		if (f) {
			fprintf(f, "%d\n", port);
			fclose(f);
		}
	}
	while (!got_signal) {
		int64_t now = sim_now();
		bool stalled = now < s.stall_until_ns;
		int timeout = 5;
		for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
			struct sim_client *c = s.clients[i];
			if (c && c->blast_left > 0)
				timeout = s.o.blast_rate > 0 ? 1 : 0; /* paced: wake every millisecond */
		}
		int n = epoll_wait(s.epfd, evs, 64, stalled ? 5 : timeout);
		now = sim_now();
		for (int k = 0; k < n; k++) {
			uint32_t id = evs[k].data.u32;
			if (id == 1000) {
				accept_clients(&s);
			} else if (id == 1001) {
				int fd = accept(s.cfd, NULL, NULL);
				if (fd >= 0) {
					struct timeval tv = { 1, 0 };
					setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
					control(&s, fd);
					close(fd);
				}
			} else if (id < SIM_MAX_CLIENTS && s.clients[id] && !stalled) {
				if (evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					read_client(&s, (int)id);
			}
		}
		if (stalled)
			continue;
		sim_market_tick(&s, now);
		sim_orders_work(&s, now);
		for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
			struct sim_client *c = s.clients[i];
			if (!c)
				continue;
			sim_client_timers(&s, c, now);
			sim_blast(&s, c, now);
			if (flush_client(&s, i) != 0) {
				sim_close_client(&s, i, "write error");
				continue;
			}
			if (c->closing && c->out_len == 0)
				sim_close_client(&s, i, "refused");
		}
	}
	for (int i = 0; i < SIM_MAX_CLIENTS; i++)
		if (s.clients[i])
			sim_close_client(&s, i, "ibsim shutting down");
	close(s.lfd);
	if (s.cfd >= 0)
		close(s.cfd);
	close(s.epfd);
	return 0;
}
