/*
 * simclient.h - a small blocking API client for tests, built on ibpipe's
 * codec (ib_enc_*, ib_framer, ib_msg_decode): connect, handshake, send
 * requests, read messages one at a time with a timeout.
 *
 * It is also a strict reader: every frame's field count is checked against
 * the exact layout at the negotiated server version (sc_expected_fields),
 * and frames that do not match are counted in `strict_violations` -- what a
 * strict third-party client would reject.  127.0.0.1 only.
 */
#ifndef IBPIPE_TESTS_SIMCLIENT_H
#define IBPIPE_TESTS_SIMCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "codec/msg.h"
#include "ibpipe/req.h"
#include "codec/wire.h"

#define SC_MAX_FIELDS 256

typedef struct simclient {
	int fd;
	int sv;                  /* negotiated server version */
	char conn_time[64];
	ib_framer fr;
	char frame[1 << 16];     /* the current frame's payload; msg and field views point here */
	uint32_t len;
	int nfields;
	const char *field[SC_MAX_FIELDS];
	int32_t id;              /* message id of the current frame (-1: handshake reply) */
	ib_msg msg;              /* decoded, when decode_rc == IB_OK */
	int decode_rc;
	int64_t recv_ns;         /* CLOCK_MONOTONIC when the current frame was read */
	/* seen during sc_connect */
	int32_t next_valid_id;
	char accounts[256];
	/* counters */
	uint64_t frames;
	int strict_violations;
	char last_violation[160];
	char errstr[192];
} simclient;

/* TCP connect to 127.0.0.1:port; 0 or -1. */
int sc_open(simclient *c, int port);
/* "API\0" + "v<min>..<max>"; reads the reply: 0, or -1 if the server closed or answered oddly. */
int sc_handshake(simclient *c, int min_version, int max_version);
int sc_start_api(simclient *c, int32_t client_id);
/* All of the above, then wait for managedAccounts and nextValidId (recorded in c). */
int sc_connect(simclient *c, int port, int32_t client_id);
void sc_close(simclient *c);

int sc_send(simclient *c, const ib_req *r);
/* Raw bytes (for malformed-request tests). */
int sc_send_raw(simclient *c, const void *p, size_t n);

/*
 * Read the next frame: IB_OK (c->id, c->msg, c->field[] set), IB_ETIMEDOUT,
 * or IB_ECLOSED when the server closed the connection.
 */
int sc_next(simclient *c, int timeout_ms);
/* Skip frames until one with message id `id`: IB_OK, IB_ETIMEDOUT or IB_ECLOSED. */
int sc_wait(simclient *c, int32_t id, int timeout_ms);
/* Skip frames until an errMsg with this code. */
int sc_wait_error(simclient *c, int32_t code, int timeout_ms);
/* True once the server has closed the connection (reads EOF within timeout_ms, discarding frames). */
bool sc_closed_within(simclient *c, int timeout_ms);

/* Exact field count (message id included) of a frame at server version sv, or -1 if it varies. */
int sc_expected_fields(int32_t id, int sv);

/* Request helpers */
void sc_req_mkt_data(ib_req *r, int32_t req_id, const char *symbol);
void sc_req_order(ib_req *r, int32_t order_id, const char *action, double qty, const char *type, double lmt);

int64_t sc_now_ns(void);

#endif
