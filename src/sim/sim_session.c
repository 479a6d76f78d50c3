/*
 * sim_session.c - one API connection as the gateway sees it: "API\0" (read
 * by the server), the version range, startApi, then requests, each handed to
 * the module that owns it.
 *
 * Invariant: requests are acted on only in SIM_CS_READY, after startApi;
 * a request frame is counted (msgs_in, and order_frames for placeOrder and
 * cancelOrder ids) before it is decoded, so a frame the decoder refuses
 * still shows in the stats.  A connection marked by reset-handshake gets an
 * RST in answer to its version range.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "codec/encode.h"
#include "sim/sim.h"
#include "util/clock.h"

void
sim_send_error(struct sim *s, struct sim_client *c, int32_t req_id, int32_t code, const char *msg)
{
	(void)s;
	if (!IB_ERR_IS_INFO(code))
		c->n.errors++;
	sim_enc_error(&c->out, req_id, code, msg);
}

static const char *
notice_text(int32_t code)
{
	switch (code) {
	case IB_ERR_CONN_LOST: return "Connectivity between IB and Trader Workstation has been lost.";
	case IB_ERR_CONN_RESTORED_LOST: return "Connectivity between IB and Trader Workstation has been restored - data lost.";
	case IB_ERR_CONN_RESTORED: return "Connectivity between IB and Trader Workstation has been restored - data maintained.";
	case IB_ERR_FARM_OK: return "Market data farm connection is OK:usfarm";
	case IB_ERR_HMDS_OK: return "HMDS data farm connection is OK:ushmds";
	case IB_ERR_HMDS_INACTIVE: return "HMDS data farm connection is inactive but should be available upon demand.ushmds";
	case IB_ERR_FARM_INACTIVE: return "Market data farm connection is inactive but should be available upon demand.usfarm";
	case IB_ERR_FARM_BROKEN: return "Market data farm connection is broken:usfarm";
	case IB_ERR_HMDS_BROKEN: return "HMDS data farm connection is broken:ushmds";
	case IB_ERR_SECDEF_OK: return "Sec-def data farm connection is OK:secdefil";
	}
	return "ibsim notice";
}

int
sim_broadcast_notice(struct sim *s, int32_t code)
{
	int n = 0;

	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		sim_send_error(s, c, -1, code, notice_text(code));
		if (sim_client_ok(s, c))
			n++;
	}
	return n;
}

int
sim_send_malformed(struct sim *s)
{
	int n = 0;

	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		/* the right number of fields, but the price is not a number */
		const char *f[] = { "1", "6", "-1", "1", "not-a-price", "100", "0" };
		sim_enc_raw(&c->out, f, 7);
		if (sim_client_ok(s, c))
			n++;
	}
	return n;
}

static void
start_api(struct sim *s, struct sim_client *c, int32_t client_id)
{
	static char list[SIM_LIST_CAP];

	SIM_FOREACH_CLIENT(s, o) {
		if (o != c && o->state == SIM_CS_READY && o->client_id == client_id) {
			/* what a gateway says, then it drops the newcomer */
			sim_send_error(s, c, -1, IB_ERR_CLIENT_ID_IN_USE,
				       "Unable to connect as the client id is already in use. Retry with a unique client id.");
			c->closing = true;
			c->closing_ns = ib_now_mono_ns();
			ib_log(IB_LL_INFO, "ibsim", "%s: client id %d already in use: refused", c->peer, client_id);
			return;
		}
	}
	if (s->o.drop_sessions) { /* a gateway that takes the handshake, then hangs up at once */
		c->client_id = client_id;
		sim_client_close(s, c, "dropped after startApi (--drop-sessions)");
		return;
	}
	c->client_id = client_id;
	c->state = SIM_CS_READY;
	c->next_valid_id = s->next_order_id;
	sim_managed_accounts(s, list, sizeof(list));
	sim_enc_managed_accounts(&c->out, list);
	sim_enc_next_valid_id(&c->out, c->next_valid_id);
	sim_send_error(s, c, -1, IB_ERR_FARM_OK, notice_text(IB_ERR_FARM_OK));
	sim_send_error(s, c, -1, IB_ERR_HMDS_OK, notice_text(IB_ERR_HMDS_OK));
	sim_send_error(s, c, -1, IB_ERR_SECDEF_OK, notice_text(IB_ERR_SECDEF_OK));
	ib_log(IB_LL_INFO, "ibsim", "%s: client id %d started (server version %d)", c->peer, client_id, c->out.sv);
}

static void
version_range(struct sim *s, struct sim_client *c, const char *p, uint32_t len)
{
	int lo, hi;
	char when[48];

	if (ib_handshake_request_parse(p, len, &lo, &hi) != IB_OK) {
		sim_client_close(s, c, "bad version range");
		return;
	}
	/* negotiated = the highest we both speak; none in common: a gateway hangs up */
	if (lo > s->o.server_version || hi < SIM_SV_MIN) {
		ib_log(IB_LL_INFO, "ibsim", "%s: client range v%d..%d, ours v%d..%d: closing", c->peer, lo, hi, SIM_SV_MIN,
		       s->o.server_version);
		sim_client_close(s, c, "no common server version");
		return;
	}
	c->out.sv = hi < s->o.server_version ? hi : s->o.server_version;
	c->data_at_ns = ib_now_mono_ns() + c->data_delay_ns; /* the account delay runs from the handshake */
	sim_utc_time(when, sizeof(when), "%Y%m%d %H:%M:%S UTC");
	sim_enc_handshake_reply(&c->out, c->out.sv, when);
	c->state = SIM_CS_START_API;
}

static void
request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	static char list[SIM_LIST_CAP];

	switch (r->id) {
	case IB_OUT_START_API:
		break; /* already started */
	case IB_OUT_REQ_ACCT_DATA:
	case IB_OUT_REQ_POSITIONS:
	case IB_OUT_CANCEL_POSITIONS:
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
		sim_account_request(s, c, r);
		break;
	case IB_OUT_PLACE_ORDER:
	case IB_OUT_CANCEL_ORDER:
	case IB_OUT_REQ_GLOBAL_CANCEL:
	case IB_OUT_REQ_OPEN_ORDERS:
	case IB_OUT_REQ_EXECUTIONS:
	case IB_OUT_REQ_IDS:
		sim_orders_request(s, c, r);
		break;
	case IB_OUT_REQ_CURRENT_TIME:
		sim_enc_current_time(&c->out, (int64_t)time(NULL));
		break;
	case IB_OUT_REQ_MANAGED_ACCTS:
		sim_managed_accounts(s, list, sizeof(list));
		sim_enc_managed_accounts(&c->out, list);
		break;
	default:
		sim_md_request(s, c, r); /* market data, contracts, and the feeds */
		break;
	}
}

/* The message id of a request payload, without decoding the rest. */
static int32_t
peek_id(const char *p, uint32_t len)
{
	int32_t id = 0;
	uint32_t i;

	for (i = 0; i < len && p[i] >= '0' && p[i] <= '9' && i < 6; i++)
		id = id * 10 + (p[i] - '0');
	return i > 0 && i < len && p[i] == '\0' ? id : -1;
}

static void
frame(struct sim *s, struct sim_client *c, const char *p, uint32_t len)
{
	ib_req r;
	int field = 0, rc;
	int32_t id;
	char why[96];

	c->n.msgs_in++;
	if (c->state == SIM_CS_VERSION) {
		if (c->reset_handshake)
			sim_client_reset(s, c, "reset in the handshake by control");
		else
			version_range(s, c, p, len);
		return;
	}
	id = peek_id(p, len);
	if (ib_req_is_order(id))
		c->n.order_frames++;
	rc = ib_req_decode(p, len, c->out.sv, &r, &field);
	if (rc != IB_OK) {
		c->n.bad_frames++;
		if (rc == IB_EUNKNOWN) {
			ib_log(IB_LL_INFO, "ibsim", "client %d: request id %d is not simulated; ignored", c->client_id, id);
			return;
		}
		/* a gateway answers a request it cannot parse with 320 */
		snprintf(why, sizeof(why), "Error reading request: message id %d, field %d: %s", id, field, ib_strerror(rc));
		ib_log(IB_LL_WARN, "ibsim", "client %d: %s", c->client_id, why);
		sim_send_error(s, c, -1, IB_ERR_READING_REQUEST, why);
		return;
	}
	if (c->state == SIM_CS_START_API) {
		if (r.id == IB_OUT_START_API)
			start_api(s, c, r.u.start_api.client_id);
		else
			ib_log(IB_LL_INFO, "ibsim", "%s: request %d before startApi ignored", c->peer, r.id);
		return;
	}
	request(s, c, &r);
}

void
sim_session_input(struct sim *s, struct sim_client *c)
{
	ib_frame fr;
	int rc = IB_EAGAIN;

	while (!c->dead && !c->closing && !c->deaf && (rc = ib_framer_next(&c->in, &fr)) == IB_OK) {
		frame(s, c, fr.p, fr.len);
		if (!sim_client_ok(s, c))
			return;
		if (s->o.deaf_after_orders > 0 && c->n.orders >= (uint64_t)s->o.deaf_after_orders) {
			/* a gateway that stops reading: what follows stays unread, the client's send queue fills */
			c->deaf = true;
			ib_log(IB_LL_INFO, "ibsim", "client %d: deaf after %llu orders: nothing more is read", c->client_id,
			       (unsigned long long)c->n.orders);
			return;
		}
	}
	if (!c->dead && !c->closing && rc != IB_EAGAIN) {
		ib_log(IB_LL_WARN, "ibsim", "%s: %s", c->peer, c->in.errstr);
		sim_client_close(s, c, "bad framing");
	}
}
