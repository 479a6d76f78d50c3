/*
 * sim_server.c - ibsim's event loop: listening sockets, client connections,
 * output, timers, stalls, restarts and signals.
 *
 * Invariants:
 *  - A client whose peer goes away is closed at once (its fd closed in the
 *    same loop turn), so the API port never has a socket in CLOSE_WAIT.
 *    sim_client_close may be called from anywhere; it closes the socket and
 *    marks the client dead, and the memory is reclaimed at the top of the
 *    next turn, so callers holding a pointer are never left dangling.
 *  - Output is written from the client's buffer of whole frames and from
 *    the blast's pre-encoded batches, never interleaving inside a frame: a
 *    started blast batch is finished before buffered frames go out.
 *    A client is written until its socket would block, then not again
 *    until EPOLLOUT fires: an unpaced blast is driven by its socket alone,
 *    whatever else wakes the loop.
 *  - One timerfd carries the earliest deadline of everything; the loop
 *    sleeps in epoll_wait until a socket, the timer or a signal wakes it.
 *  - Two faults end a connection on purpose: drop-mid (half of one more
 *    frame, then a FIN) and reset-handshake (an RST in answer to the
 *    version range).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/str.h"
#include "util/clock.h"

#define NEVER INT64_MAX
#define CLOSING_GRACE_NS IB_NS_PER_S /* a refused client gets 1 s to read its error */
#define RELISTEN_RETRY_NS 100000000LL
#define LISTEN_BACKLOG 128
#define DROP_MID_WAIT_MS 200           /* drop-mid: how long a client's queued output may take to go out */

/* A listening socket on addr:port (0: any free port), or with backlog 0 one only bound to it. */
static int
listen_on(const char *addr, int port, int *bound, int rcvbuf, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t len = sizeof(a);
	int one = 1, fd;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* accepted connections inherit it; set before listen, so the window scale agrees with it */
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || (backlog > 0 && listen(fd, backlog) != 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

static void
watch(struct sim *s, int fd, uint64_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		ib_log(IB_LL_ERROR, "ibsim", "epoll_ctl add: %s", strerror(errno));
}

static bool
stalled(const struct sim *s, int64_t now)
{
	return now < s->stall_until_ns;
}

/* ---- clients ---- */

static void
print_summary(const struct sim_client *c, const char *why)
{
	char id[16];

	if (c->state == SIM_CS_READY)
		snprintf(id, sizeof(id), "%d", c->client_id);
	else
		ib_strlcpy(id, "-", sizeof(id));
	printf("ibsim: client %s %s closed (%s): msgs in %llu out %llu, orders %llu, order frames %llu, errors %llu\n",
	       id, c->peer, why, (unsigned long long)c->n.msgs_in, (unsigned long long)c->n.msgs_out,
	       (unsigned long long)c->n.orders, (unsigned long long)c->n.order_frames, (unsigned long long)c->n.errors);
	fflush(stdout);
}

void
sim_client_close(struct sim *s, struct sim_client *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	/* the fd goes now: a closed peer must not linger in CLOSE_WAIT */
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	sim_md_client_gone(s, c);
	sim_blast_free(c);
	s->closed.msgs_in += c->n.msgs_in;
	s->closed.msgs_out += c->n.msgs_out;
	s->closed.orders += c->n.orders;
	s->closed.order_frames += c->n.order_frames;
	s->closed.errors += c->n.errors;
	s->closed.bad_frames += c->n.bad_frames;
	s->closed.hist += c->n.hist;
	s->closed.hist_paced += c->n.hist_paced;
	s->nclosed++;
	print_summary(c, why);
}

void
sim_client_reset(struct sim *s, struct sim_client *c, const char *why)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };

	/* a zero linger time makes close() abort the connection: the peer gets an RST, not a FIN */
	if (!c->dead)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close));
	sim_client_close(s, c, why);
}

bool
sim_client_ok(struct sim *s, struct sim_client *c)
{
	if (c->dead)
		return false;
	if (c->out.overflow) {
		ib_log(IB_LL_WARN, "ibsim", "client %d: output buffer full (%u bytes unread); closing", c->client_id,
		       SIM_OUT_CAP);
		sim_client_close(s, c, "output buffer full: client not reading");
		return false;
	}
	return true;
}

static void
client_free(struct sim *s, struct sim_client *c)
{
	s->clients[c->slot] = NULL;
	s->nclients--;
	ib_framer_free(&c->in);
	free(c->out.buf);
	free(c);
}

static void
reap(struct sim *s)
{
	for (int i = 0; i < SIM_MAX_CLIENTS; i++)
		if (s->clients[i] && s->clients[i]->dead)
			client_free(s, s->clients[i]);
}

int
sim_drop_all(struct sim *s, const char *why)
{
	int n = 0;

	SIM_FOREACH_CLIENT(s, c) {
		sim_client_close(s, c, why);
		n++;
	}
	return n;
}

static void
accept_clients(struct sim *s, int64_t now)
{
	for (;;) {
		struct sockaddr_in a = { 0 };
		socklen_t alen = sizeof(a);
		int fd = accept4(s->lfd, (struct sockaddr *)&a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1, slot;
		struct sim_client *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				ib_log(IB_LL_WARN, "ibsim", "accept: %s", strerror(errno));
			return;
		}
		for (slot = 0; slot < SIM_MAX_CLIENTS && s->clients[slot]; slot++)
			;
		c = slot < SIM_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		if (c && (c->out.buf = malloc(SIM_OUT_CAP)) != NULL &&
		    ib_framer_init(&c->in, SIM_IN_CAP, SIM_IN_CAP - 8) == IB_OK) {
			int delay = s->o.account_delay_ms;
			if (s->o.account_jitter_ms > 0)
				delay += (int)(sim_rand(s) * (s->o.account_jitter_ms + 1));
			sim_out_init(&c->out, c->out.buf, SIM_OUT_CAP, s->o.server_version);
			c->fd = fd;
			c->slot = slot;
			c->client_id = -1;
			c->acct = -1;
			c->summary_req = -1;
			c->md_type = 1;
			c->connected_ns = now;
			c->reset_handshake = s->reset_next_handshake;
			s->reset_next_handshake = false;
			c->data_delay_ns = (int64_t)delay * IB_NS_PER_MS;
			c->data_at_ns = INT64_MAX; /* set at the handshake */
			snprintf(c->peer, sizeof(c->peer), "%s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			s->clients[slot] = c;
			s->nclients++;
			watch(s, fd, SIM_TAG_CLIENT + (uint64_t)slot, EPOLLIN | EPOLLRDHUP);
			ib_log(IB_LL_DEBUG, "ibsim", "connection from %s (slot %d, account data in %d ms)", c->peer, slot,
			       delay);
			continue;
		}
		if (c) {
			free(c->out.buf);
			free(c);
		}
		ib_log(IB_LL_WARN, "ibsim", "refusing a connection: %s", slot < SIM_MAX_CLIENTS ? "out of memory" : "too many clients");
		close(fd);
	}
}

/* What to wait for on a client: input, unless it went deaf (then its peer's writes pile up). */
static uint32_t
client_events(const struct sim_client *c)
{
	return (c->deaf ? 0 : EPOLLIN | EPOLLRDHUP) | (c->epollout ? EPOLLOUT : 0);
}

/* A connection the session made deaf (--deaf-after-orders) is no longer watched for input. */
static void
apply_deaf(struct sim *s, struct sim_client *c)
{
	struct epoll_event ev = { .data.u64 = SIM_TAG_CLIENT + (uint64_t)c->slot };

	if (!c->deaf || c->dead)
		return;
	ev.events = client_events(c);
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
read_client(struct sim *s, struct sim_client *c)
{
	for (; !c->deaf;) {
		ssize_t r;
		if (c->state == SIM_CS_MAGIC) {
			/* "API\0" precedes the first frame and is not length-prefixed */
			r = recv(c->fd, c->magic + c->magic_len, sizeof(c->magic) - (size_t)c->magic_len, 0);
			if (r > 0) {
				c->magic_len += (int)r;
				if (c->magic_len == (int)sizeof(c->magic)) {
					if (memcmp(c->magic, "API", 4) != 0) {
						sim_client_close(s, c, "not an API client (no \"API\\0\")");
						return;
					}
					c->state = SIM_CS_VERSION;
				}
				continue;
			}
		} else {
			size_t avail;
			char *w = ib_framer_wptr(&c->in, &avail);
			if (avail == 0) {
				sim_session_input(s, c); /* make room by consuming what is complete */
				if (c->dead)
					return;
				w = ib_framer_wptr(&c->in, &avail);
				if (avail == 0) {
					sim_client_close(s, c, "request frame too large");
					return;
				}
			}
			r = recv(c->fd, w, avail, 0);
			if (r > 0) {
				ib_framer_commit(&c->in, (size_t)r);
				continue;
			}
		}
		if (r == 0) {
			sim_session_input(s, c); /* requests that came with the FIN still count */
			sim_client_close(s, c, "client disconnected");
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			sim_client_close(s, c, strerror(errno));
			return;
		}
		break;
	}
	sim_session_input(s, c);
	apply_deaf(s, c);
}

static void
want_out(struct sim *s, struct sim_client *c, bool on)
{
	struct epoll_event ev = { .data.u64 = SIM_TAG_CLIENT + (uint64_t)c->slot };

	if (c->epollout == on)
		return;
	c->epollout = on;
	ev.events = client_events(c);
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}


/* msgs_out += the buffered frames now wholly written (each starts with its 4-byte length). */
static void
count_written(struct sim_client *c)
{
	while (c->out_off - c->out_frame >= 4) {
		size_t end = c->out_frame + 4 + ib_be32_get(c->out.buf + c->out_frame);
		if (end > c->out_off)
			break;
		c->out_frame = end;
		c->n.msgs_out++;
	}
}

/* Write the buffered frames; 1 all written, 0 would block, -1 error. */
static int
write_out(struct sim_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t w = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (w > 0) {
			c->out_off += (size_t)w;
			continue;
		}
		count_written(c);
		if (w < 0 && errno == EINTR)
			continue;
		return w < 0 && errno == EAGAIN ? 0 : -1;
	}
	count_written(c);
	c->out.len = c->out_off = c->out_frame = 0;
	return 1;
}

static void
flush_client(struct sim *s, struct sim_client *c)
{
	bool blocked = false;

	c->writable = false;
	for (;;) {
		int r;
		if (c->blast && c->blast->batch_off < c->blast->batch_end) {
			r = sim_blast_write(s, c); /* finish the batch on the wire first */
		} else if (c->out_off < c->out.len) {
			r = write_out(c);
		} else if (c->blast) {
			r = sim_blast_write(s, c); /* may start the next batch */
			if (r == 2)
				break;
		} else {
			break;
		}
		if (r < 0) {
			sim_client_close(s, c, "write error: peer gone");
			return;
		}
		if (r == 0) {
			blocked = true;
			break;
		}
	}
	/* keep the free space at the tail: move the rest, from the frame being written, to the front */
	if (c->out_frame > 0 && c->out_frame >= c->out.len / 2) {
		memmove(c->out.buf, c->out.buf + c->out_frame, c->out.len - c->out_frame);
		c->out.len -= c->out_frame;
		c->out_off -= c->out_frame;
		c->out_frame = 0;
	}
	if (blocked && c->blast)
		c->blast->full++;
	want_out(s, c, blocked);
	if (c->closing && !blocked && c->out.len == 0)
		sim_client_close(s, c, "refused");
}

/* ---- drop-mid ---- */

/* Send all of [p, p+n) within the deadline, waiting for room; false if it did not all go. */
static bool
send_by(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		int64_t left = (deadline - ib_now_mono_ns()) / IB_NS_PER_MS;
		if (w == 0 || errno != EAGAIN || left <= 0)
			return false;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		poll(&pfd, 1, (int)left);
	}
	return true;
}

/*
 * Fault injection: what is queued for each ready client goes out whole (a
 * blast batch under way is finished), then the first half of one more
 * valid tickPrice, then a FIN -- the client sees the stream end inside a
 * frame.  Unread input is drained first, or close() would send an RST.
 */
int
sim_drop_mid_frame(struct sim *s)
{
	int n = 0;

	SIM_FOREACH_CLIENT(s, c) {
		int64_t deadline = ib_now_mono_ns() + DROP_MID_WAIT_MS * IB_NS_PER_MS;
		struct sim_blast *b = c->blast;
		const struct sim_instr *in = &s->instr[0];
		char frame[128], junk[4096];
		bool whole = true;
		sim_out o;

		if (c->state != SIM_CS_READY)
			continue;
		if (b && b->batch_off < b->batch_end) {
			whole = send_by(c->fd, b->buf + b->batch_off, b->batch_end - b->batch_off, deadline);
			if (whole) {
				b->batch_off = b->batch_end;
				sim_blast_count_written(c);
			}
		}
		if (whole && c->out_off < c->out.len) {
			whole = send_by(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off, deadline);
			if (whole) {
				c->out_off = c->out.len;
				count_written(c);
			}
		}
		sim_out_init(&o, frame, sizeof(frame), c->out.sv);
		sim_enc_tick_price(&o, -1, IB_TICK_BID, in->bid, in->bid_size, 1);
		if (whole)
			send_by(c->fd, frame, o.len / 2, deadline);
		while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		shutdown(c->fd, SHUT_WR);
		sim_client_close(s, c, "dropped mid-frame by control");
		n++;
	}
	return n;
}

/* ---- stall and restart ---- */

static void
unwatch_clients(struct sim *s)
{
	SIM_FOREACH_CLIENT(s, c) {
		if (!c->dead) {
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			c->epollout = false;
		}
	}
	if (s->lfd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
}

static void
rewatch_clients(struct sim *s)
{
	SIM_FOREACH_CLIENT(s, c) {
		if (!c->dead)
			watch(s, c->fd, SIM_TAG_CLIENT + (uint64_t)c->slot, client_events(c));
	}
	if (s->lfd >= 0)
		watch(s, s->lfd, SIM_TAG_LISTEN, EPOLLIN);
}

void
sim_stall(struct sim *s, int ms)
{
	int64_t now = ib_now_mono_ns();

	if (!stalled(s, now))
		unwatch_clients(s); /* level-triggered readiness would spin the loop */
	s->stall_until_ns = now + (int64_t)ms * IB_NS_PER_MS;
	ib_log(IB_LL_INFO, "ibsim", "stalled for %d ms: no reads, no writes", ms);
}

int
sim_restart(struct sim *s, int ms)
{
	int n = sim_drop_all(s, "gateway restart");

	if (s->lfd >= 0) {
		if (!stalled(s, ib_now_mono_ns()))
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL);
		close(s->lfd); /* a restarting gateway refuses connections */
		s->lfd = -1;
		/*
		 * ... but its port stays its own: a socket bound and not listening
		 * still refuses every connection, and the kernel hands a bound port to
		 * no one binding port 0.  Without it, another program's listener could
		 * get the port and our clients would connect to it (a CI run did).
		 */
		int bound;
		s->hold_fd = listen_on(s->o.bind, s->port, &bound, 0, 0);
		if (s->hold_fd < 0)
			ib_log(IB_LL_WARN, "ibsim", "cannot hold port %d while restarting: %s", s->port, strerror(errno));
	}
	s->restart_until_ns = ib_now_mono_ns() + (int64_t)ms * IB_NS_PER_MS;
	if (s->o.restart_rollback)
		sim_orders_rollback(s);
	ib_log(IB_LL_INFO, "ibsim", "restarting: port %d closed for %d ms", s->port, ms);
	return n;
}

static void
relisten(struct sim *s, int64_t now)
{
	int bound;

	if (s->hold_fd >= 0)
		close(s->hold_fd);
	s->hold_fd = -1;
	s->lfd = listen_on(s->o.bind, s->port, &bound, s->o.rcvbuf, LISTEN_BACKLOG);
	if (s->lfd < 0) {
		ib_log(IB_LL_WARN, "ibsim", "re-listen on %s:%d: %s; retrying", s->o.bind, s->port, strerror(errno));
		s->restart_until_ns = now + RELISTEN_RETRY_NS;
		return;
	}
	s->restart_until_ns = 0;
	if (!stalled(s, now))
		watch(s, s->lfd, SIM_TAG_LISTEN, EPOLLIN);
	ib_log(IB_LL_INFO, "ibsim", "restarted: listening on %s:%d again", s->o.bind, s->port);
}

/* ---- the loop ---- */

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
next_deadline(const struct sim *s, int64_t now)
{
	int64_t t = NEVER;

	if (s->restart_until_ns)
		t = s->restart_until_ns;
	if (stalled(s, now))
		return min64(t, s->stall_until_ns);
	t = min64(t, sim_md_next_deadline(s));
	t = min64(t, sim_depth_next_deadline(s));
	t = min64(t, sim_orders_next_deadline(s));
	t = min64(t, sim_bars_next_deadline(s));
	t = min64(t, sim_pnl_next_deadline(s));
	t = min64(t, sim_contracts_next_deadline(s));
	SIM_FOREACH_CLIENT(s, c) {
		if (c->dead)
			continue;
		t = min64(t, sim_account_next_deadline(c));
		t = min64(t, sim_blast_next_deadline(c));
		/* frames queued after this client's flush in the same turn (a depth blast's net effect) */
		if (c->out_off < c->out.len && !c->epollout)
			t = min64(t, now);
		if (c->closing)
			t = min64(t, c->closing_ns + CLOSING_GRACE_NS);
	}
	return t;
}

static void
arm_timer(struct sim *s, int64_t at)
{
	struct itimerspec its = { 0 };

	if (at != NEVER) {
		if (at <= 0)
			at = 1;
		its.it_value.tv_sec = at / IB_NS_PER_S;
		its.it_value.tv_nsec = at % IB_NS_PER_S;
	}
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Everything due: downloads, ticks, order steps, blasts, and the writes they made. */
static void
run_due(struct sim *s, int64_t now)
{
	if (stalled(s, now))
		return;
	if (s->stall_until_ns) {
		s->stall_until_ns = 0;
		rewatch_clients(s);
		ib_log(IB_LL_INFO, "ibsim", "stall over");
	}
	SIM_FOREACH_CLIENT(s, c) {
		if (c->dead || c->state != SIM_CS_READY)
			continue;
		sim_account_timers(s, c, now);
		sim_blast_poll(s, c, now);
		sim_client_ok(s, c);
	}
	sim_md_step(s, now);
	sim_depth_step(s, now);
	sim_orders_step(s, now);
	sim_bars_step(s, now);
	sim_pnl_step(s, now);
	sim_contracts_step(s, now);
	SIM_FOREACH_CLIENT(s, c) {
		if (c->dead)
			continue;
		/*
		 * A client waiting for EPOLLOUT had a full socket: writing to it on
		 * a wake-up meant for something else (another client's ticks) would
		 * only squeeze in small sends.  Its frames wait for EPOLLOUT.
		 */
		if (sim_client_ok(s, c) && (!c->epollout || c->writable))
			flush_client(s, c);
		if (!c->dead && c->closing && now - c->closing_ns >= CLOSING_GRACE_NS)
			sim_client_close(s, c, "refused");
	}
}

static int
setup(struct sim *s)
{
	sigset_t mask;
	int cport = 0;

	s->lfd = s->cfd = s->hold_fd = -1;
	s->lfd = listen_on(s->o.bind, s->o.port, &s->port, s->o.rcvbuf, LISTEN_BACKLOG);
	if (s->lfd < 0) {
		fprintf(stderr, "ibsim: cannot listen on %s:%d: %s\n", s->o.bind, s->o.port, strerror(errno));
		return -1;
	}
	if (s->o.control_port >= 0) {
		s->cfd = listen_on("127.0.0.1", s->o.control_port, &cport, 0, LISTEN_BACKLOG);
		if (s->cfd < 0) {
			fprintf(stderr, "ibsim: cannot listen on control port 127.0.0.1:%d: %s\n", s->o.control_port,
				strerror(errno));
			return -1;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sfd < 0 || s->tfd < 0 || s->epfd < 0) {
		fprintf(stderr, "ibsim: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < SIM_MAX_CONTROL; i++)
		s->ctl[i].fd = -1;
	watch(s, s->lfd, SIM_TAG_LISTEN, EPOLLIN);
	if (s->cfd >= 0)
		watch(s, s->cfd, SIM_TAG_CONTROL, EPOLLIN);
	watch(s, s->tfd, SIM_TAG_TIMER, EPOLLIN);
	watch(s, s->sfd, SIM_TAG_SIGNAL, EPOLLIN);

	/* first stdout line: tests and scripts read the port from it */
	printf("ibsim: listening on %s:%d\n", s->o.bind, s->port);
	if (s->cfd >= 0)
		printf("ibsim: control on 127.0.0.1:%d\n", cport);
	printf("ibsim: server version %d, %d symbols, accounts %s, account delay %d ms\n", s->o.server_version,
	       s->ninstr, s->o.accounts, s->o.account_delay_ms);
	fflush(stdout);
	if (s->o.port_file[0]) {
		char tmp[300];
		FILE *f;
		/* write then rename: a reader never sees a half-written port */
		snprintf(tmp, sizeof(tmp), "%s.tmp", s->o.port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", s->port) < 0 || fclose(f) != 0 || rename(tmp, s->o.port_file) != 0) {
			fprintf(stderr, "ibsim: cannot write %s: %s\n", s->o.port_file, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
sim_server_run(struct sim *s)
{
	struct epoll_event evs[64];

	if (setup(s) != 0)
		return 1;
	while (!s->stop) {
		int64_t now = ib_now_mono_ns();
		reap(s);
		if (s->restart_until_ns && now >= s->restart_until_ns)
			relisten(s, now);
		run_due(s, now);
		reap(s);
		arm_timer(s, next_deadline(s, ib_now_mono_ns()));
		int n = epoll_wait(s->epfd, evs, 64, -1);
		if (n < 0 && errno != EINTR) {
			ib_log(IB_LL_ERROR, "ibsim", "epoll_wait: %s", strerror(errno));
			break;
		}
		now = ib_now_mono_ns();
		if (n > 0)
			s->wakeups++;
		for (int k = 0; k < n; k++) {
			uint64_t tag = evs[k].data.u64;
			if (tag == SIM_TAG_LISTEN) {
				if (s->lfd >= 0 && !stalled(s, now))
					accept_clients(s, now);
			} else if (tag == SIM_TAG_CONTROL) {
				sim_control_accept(s);
			} else if (tag == SIM_TAG_TIMER) {
				uint64_t x;
				s->timer_wakeups++;
				if (read(s->tfd, &x, sizeof(x)) < 0) {
					/* spurious: the deadline is recomputed anyway */
				}
			} else if (tag == SIM_TAG_SIGNAL) {
				struct signalfd_siginfo si;
				if (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					ib_log(IB_LL_INFO, "ibsim", "signal %u: shutting down", si.ssi_signo);
					s->stop = true;
				}
			} else if (tag >= SIM_TAG_CLIENT && tag < SIM_TAG_CLIENT + SIM_MAX_CLIENTS) {
				struct sim_client *c = s->clients[tag - SIM_TAG_CLIENT];
				if (!c || c->dead || stalled(s, now))
					continue;
				if (evs[k].events & EPOLLOUT) {
					c->writable = true; /* the flush in run_due writes */
					if (c->blast)
						c->blast->epollout++;
				}
				if (evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					read_client(s, c);
			} else if (tag >= SIM_TAG_CTL_CONN && tag < SIM_TAG_CTL_CONN + SIM_MAX_CONTROL) {
				sim_control_input(s, (int)(tag - SIM_TAG_CTL_CONN));
			}
		}
	}
	sim_drop_all(s, "ibsim shutting down");
	reap(s);
	sim_control_close_all(s);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	if (s->cfd >= 0)
		close(s->cfd);
	close(s->tfd);
	close(s->sfd);
	close(s->epfd);
	return 0;
}
