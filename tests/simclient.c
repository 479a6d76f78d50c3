/*
 * simclient.c - the blocking test client of simclient.h.
 *
 * Invariant: c->frame holds a private copy of the current payload, so the
 * views in c->msg and c->field[] stay valid until the next sc_next, however
 * the framer moves its buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "simclient.h"
#include "codec/encode.h"
#include "util/str.h"
#include "util/clock.h"

int64_t
sc_now_ns(void)
{
	return ib_now_mono_ns();
}

int
sc_open(simclient *c, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->id = -2;
	c->sv = IB_CLIENT_MAX;
	if (ib_framer_init(&c->fr, (1u << 17) + 8, 1u << 17) != IB_OK)
		return -1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		snprintf(c->errstr, sizeof(c->errstr), "connect to port %d: %s", port, strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

void
sc_close(simclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ib_framer_free(&c->fr);
}

int
sc_send_raw(simclient *c, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
sc_send(simclient *c, const ib_req *r)
{
	char buf[8192];
	ib_enc e;

	ib_enc_init(&e, buf, sizeof(buf), c->sv, false);
	if (ib_enc_req(&e, r) != IB_OK) {
		snprintf(c->errstr, sizeof(c->errstr), "encode request %d: %s", r->id, e.errstr);
		return -1;
	}
	return sc_send_raw(c, buf, e.len);
}

int
sc_expected_fields(int32_t id, int sv)
{
	int n;

	switch (id) {
	case IB_IN_TICK_PRICE: return 7;
	case IB_IN_TICK_SIZE: return 5;
	case IB_IN_ORDER_STATUS: return 12;
	case IB_IN_ERROR: return sv >= IB_SV_ADVANCED_ORDER_REJECT ? 6 : 5;
	case IB_IN_OPEN_ORDER:
		/* a plain stock order as a gateway reports it (no combo, algo, conditions) */
		n = 136;
		if (sv < 170)
			n -= 5; /* minTradeQty .. midOffsetAtHalf */
		if (sv < 162)
			n--; /* autoCancelParent */
		if (sv < 160)
			n--; /* postToAts */
		if (sv < 158)
			n--; /* duration */
		return n;
	case IB_IN_ACCT_VALUE: return 6;
	case IB_IN_PORTFOLIO_VALUE: return 20;
	case IB_IN_ACCT_UPDATE_TIME: return 3;
	case IB_IN_NEXT_VALID_ID: return 3;
	case IB_IN_CONTRACT_DATA:
		/* with one secId (ISIN), as for a US stock */
		return sv >= 163 ? 42 : 41;
	case IB_IN_EXEC_DETAILS: return sv >= IB_SV_PENDING_PRICE_REVISION ? 32 : 31;
	case IB_IN_MANAGED_ACCTS: return 3;
	case IB_IN_TICK_GENERIC: return 5;
	case IB_IN_TICK_OPTION_COMPUTATION: return 12; /* 156+: tickAttrib, no version */
	case IB_IN_TICK_STRING: return 5;
	case IB_IN_CURRENT_TIME: return 3;
	case IB_IN_CONTRACT_DATA_END: return 3;
	case IB_IN_OPEN_ORDER_END: return 2;
	case IB_IN_ACCT_DOWNLOAD_END: return 3;
	case IB_IN_EXEC_DETAILS_END: return 3;
	case IB_IN_TICK_SNAPSHOT_END: return 3;
	case IB_IN_MARKET_DATA_TYPE: return 4;
	case IB_IN_COMMISSION_REPORT: return 8;
	case IB_IN_POSITION: return 16;
	case IB_IN_POSITION_END: return 2;
	case IB_IN_ACCOUNT_SUMMARY: return 7;
	case IB_IN_ACCOUNT_SUMMARY_END: return 3;
	case IB_IN_TICK_REQ_PARAMS: return 5;
	case IB_IN_MKT_DEPTH: return 8;
	case IB_IN_MKT_DEPTH_L2: return sv >= 146 ? 10 : 9; /* isSmartDepth from 146 */
	case IB_IN_REAL_TIME_BAR: return 11;
	case IB_IN_HISTORICAL_DATA_UPDATE: return 10;
	case IB_IN_PNL: return 5;
	case IB_IN_PNL_SINGLE: return 7;
	}
	return -1;
}

/* tickByTick's length depends on its type: Last/AllLast and BidAsk 9 fields, MidPoint 5. */
static int
tick_by_tick_fields(const simclient *c)
{
	if (c->nfields < 3)
		return 3;
	switch (atoi(c->field[2])) {
	case IB_TBT_LAST:
	case IB_TBT_ALL_LAST:
	case IB_TBT_BID_ASK: return 9;
	case IB_TBT_MIDPOINT: return 5;
	}
	return -1;
}

/* Split the current payload into fields and decode it. */
static void
take(simclient *c, const char *p, uint32_t len)
{
	int64_t id = -1;
	int expect;

	memcpy(c->frame, p, len);
	c->len = len;
	c->nfields = 0;
	for (uint32_t i = 0, start = 0; i < len; i++)
		if (c->frame[i] == '\0') {
			if (c->nfields < SC_MAX_FIELDS)
				c->field[c->nfields] = c->frame + start;
			c->nfields++;
			start = i + 1;
		}
	c->frames++;
	c->recv_ns = sc_now_ns();
	memset(&c->msg, 0, sizeof(c->msg));
	if (c->id == -2) {
		/* the first frame is the handshake reply */
		c->id = -1;
		c->decode_rc = IB_OK;
		expect = 2;
	} else {
		if (c->nfields > 0 && ib_parse_i64(c->field[0], strlen(c->field[0]), &id) != IB_OK)
			id = -1;
		c->id = (int32_t)id;
		c->decode_rc = ib_msg_decode(c->frame, c->len, c->sv, &c->msg, NULL);
		expect = c->id == IB_IN_TICK_BY_TICK ? tick_by_tick_fields(c) : sc_expected_fields(c->id, c->sv);
		if (c->id == IB_IN_HISTORICAL_DATA) /* id reqId start end count, then 8 fields a bar */
			expect = c->nfields > 4 ? 5 + 8 * atoi(c->field[4]) : 5;
	}
	if (expect >= 0 && c->nfields != expect) {
		c->strict_violations++;
		snprintf(c->last_violation, sizeof(c->last_violation), "message %d: %d fields, expected %d", c->id,
			 c->nfields, expect);
	}
}

int
sc_next(simclient *c, int timeout_ms)
{
	int64_t deadline = sc_now_ns() + (int64_t)timeout_ms * 1000000LL;
	ib_frame fr;

	for (;;) {
		int rc = ib_framer_next(&c->fr, &fr);
		if (rc == IB_OK) {
			take(c, fr.p, fr.len);
			return IB_OK;
		}
		if (rc != IB_EAGAIN) {
			snprintf(c->errstr, sizeof(c->errstr), "framing: %s", c->fr.errstr);
			return IB_ECLOSED;
		}
		int64_t left = deadline - sc_now_ns();
		if (left <= 0)
			return IB_ETIMEDOUT;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, (int)((left + 999999) / 1000000));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue; /* the deadline check decides */
		size_t avail;
		char *w = ib_framer_wptr(&c->fr, &avail);
		ssize_t r = recv(c->fd, w, avail, 0);
		if (r > 0)
			ib_framer_commit(&c->fr, (size_t)r);
		else if (r == 0 || (errno != EINTR && errno != EAGAIN))
			return IB_ECLOSED;
	}
}

int
sc_wait(simclient *c, int32_t id, int timeout_ms)
{
	int64_t deadline = sc_now_ns() + (int64_t)timeout_ms * 1000000LL;

	for (;;) {
		int64_t left = (deadline - sc_now_ns()) / 1000000;
		int rc = sc_next(c, left > 0 ? (int)left : 0);
		if (rc != IB_OK || c->id == id)
			return rc;
	}
}

int
sc_wait_error(simclient *c, int32_t code, int timeout_ms)
{
	int64_t deadline = sc_now_ns() + (int64_t)timeout_ms * 1000000LL;

	for (;;) {
		int64_t left = (deadline - sc_now_ns()) / 1000000;
		int rc = sc_wait(c, IB_IN_ERROR, left > 0 ? (int)left : 0);
		if (rc != IB_OK || (c->decode_rc == IB_OK && c->msg.u.error.code == code))
			return rc;
	}
}

bool
sc_closed_within(simclient *c, int timeout_ms)
{
	int64_t deadline = sc_now_ns() + (int64_t)timeout_ms * 1000000LL;

	for (;;) {
		int64_t left = (deadline - sc_now_ns()) / 1000000;
		int rc = sc_next(c, left > 0 ? (int)left : 0);
		if (rc == IB_ECLOSED)
			return true;
		if (rc == IB_ETIMEDOUT)
			return false;
	}
}

int
sc_handshake(simclient *c, int min_version, int max_version)
{
	char buf[64];
	ib_enc e;
	ib_str when;

	ib_enc_init(&e, buf, sizeof(buf), c->sv, false);
	if (ib_enc_handshake(&e, min_version, max_version, NULL) != IB_OK || sc_send_raw(c, buf, e.len) != 0)
		return -1;
	if (sc_next(c, 3000) != IB_OK || c->id != -1)
		return -1;
	if (ib_handshake_reply_parse(c->frame, c->len, &c->sv, &when) != IB_OK)
		return -1;
	ib_str_copy(c->conn_time, sizeof(c->conn_time), when);
	return 0;
}

int
sc_start_api(simclient *c, int32_t client_id)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_START_API;
	r.u.start_api.client_id = client_id;
	return sc_send(c, &r);
}

int
sc_connect(simclient *c, int port, int32_t client_id)
{
	bool accounts = false, id = false;

	if (sc_open(c, port) != 0 || sc_handshake(c, 100, IB_CLIENT_MAX) != 0 || sc_start_api(c, client_id) != 0)
		return -1;
	while (!accounts || !id) {
		if (sc_next(c, 3000) != IB_OK)
			return -1;
		if (c->id == IB_IN_MANAGED_ACCTS && c->decode_rc == IB_OK) {
			ib_str_copy(c->accounts, sizeof(c->accounts), c->msg.u.managed_accts.list);
			accounts = true;
		} else if (c->id == IB_IN_NEXT_VALID_ID && c->decode_rc == IB_OK) {
			c->next_valid_id = c->msg.u.next_valid_id.order_id;
			id = true;
		}
	}
	return 0;
}

void
sc_req_mkt_data(ib_req *r, int32_t req_id, const char *symbol)
{
	memset(r, 0, sizeof(*r));
	r->id = IB_OUT_REQ_MKT_DATA;
	r->u.mkt_data.req_id = req_id;
	ib_contract_stock(&r->u.mkt_data.contract, symbol);
}

void
sc_req_order(ib_req *r, int32_t order_id, const char *action, double qty, const char *type, double lmt)
{
	memset(r, 0, sizeof(*r));
	r->id = IB_OUT_PLACE_ORDER;
	r->u.place_order.order_id = order_id;
	ib_contract_stock(&r->u.place_order.contract, "AAPL");
	ib_order_init(&r->u.place_order.order);
	r->u.place_order.order.order_id = order_id;
	ib_strlcpy(r->u.place_order.order.action, action, sizeof(r->u.place_order.order.action));
	r->u.place_order.order.total_qty = qty;
	ib_strlcpy(r->u.place_order.order.order_type, type, sizeof(r->u.place_order.order.order_type));
	if (lmt > 0)
		r->u.place_order.order.lmt_price = lmt;
}
