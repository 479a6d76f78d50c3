/*
 * req.h - outbound requests: what a client asks of the gateway.
 *
 * An ib_req is a fixed-size, self-contained value (no pointers), so it can
 * travel by copy through a ring from a strategy thread to the network thread,
 * which encodes it with ib_enc_req.  ibsim decodes the same bytes back with
 * ib_req_decode; the two are each other's tests.
 */
#ifndef IBPIPE_REQ_H
#define IBPIPE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct ib_contract {
	int32_t con_id;
	char symbol[24];
	char sec_type[8];          /* STK, OPT, FUT, CASH, ... */
	char last_trade_date[24];
	double strike;             /* IB_UNSET_DOUBLE or 0 -> sent as empty/0 as the official client does */
	char right[4];
	char multiplier[12];
	char exchange[16];
	char primary_exchange[16];
	char currency[8];
	char local_symbol[32];
	char trading_class[16];
} ib_contract;

/* A plain STK/SMART/USD contract, the common case. */
void ib_contract_stock(ib_contract *c, const char *symbol);

typedef struct ib_order {
	int32_t order_id;
	char action[8];     /* BUY, SELL */
	double total_qty;
	char order_type[8]; /* LMT, MKT, STP */
	double lmt_price;   /* IB_UNSET_DOUBLE when not applicable */
	double aux_price;   /* stop price for STP */
	char tif[8];        /* DAY, GTC */
	char account[24];
	char order_ref[32];
	bool outside_rth;
	bool transmit;
} ib_order;

void ib_order_init(ib_order *o);

typedef struct ib_exec_filter {
	int32_t client_id;
	char account[24];
	char time[24];
	char symbol[24];
	char sec_type[8];
	char exchange[16];
	char side[8];
} ib_exec_filter;

typedef struct ib_req {
	int32_t id; /* enum ib_out_id */
	union {
		struct { int32_t client_id; char capabilities[64]; } start_api;
		struct {
			int32_t req_id;
			ib_contract contract;
			char generic_ticks[64];
			bool snapshot, regulatory_snapshot;
		} mkt_data;
		struct { int32_t req_id; } cancel;          /* cancelMktData, cancelTickByTick, cancelAccountSummary */
		struct { int32_t order_id; ib_contract contract; ib_order order; } place_order;
		struct { int32_t order_id; char manual_cancel_time[24]; } cancel_order;
		struct { bool subscribe; char account[24]; } acct_data;
		struct { int32_t req_id; ib_exec_filter filter; } executions;
		struct { int32_t num_ids; } ids;
		struct { int32_t req_id; ib_contract contract; bool include_expired; } contract_data;
		struct { int32_t type; } market_data_type;
		struct { int32_t req_id; char group[32]; char tags[256]; } account_summary;
		struct {
			int32_t req_id;
			ib_contract contract;
			char tick_type[12]; /* Last, AllLast, BidAsk, MidPoint */
			int32_t number_of_ticks;
			bool ignore_size;
		} tick_by_tick;
		struct { int32_t req_id; ib_contract contract; int32_t num_rows; bool is_smart; } mkt_depth;
		struct { int32_t req_id; bool is_smart; } cancel_mkt_depth;
	} u;
} ib_req;

/*
 * Server-version gates that only request layouts depend on (the shared ones
 * are in ib.h).  Values as in the official client family's server_versions
 * (scmhub/ibapi server_versions.go).  The encoder and ib_req_decode speak
 * the text protocol from IB_CLIENT_MIN up to (not including) IB_SV_PROTOBUF
 * and answer IB_EVERSION outside it.
 */
enum ib_req_gate {
	IB_REQ_SV_DURATION = 158,               /* placeOrder: duration */
	IB_REQ_SV_POST_TO_ATS = 160,            /* placeOrder: postToAts */
	IB_REQ_SV_AUTO_CANCEL_PARENT = 162,     /* placeOrder: autoCancelParent */
	IB_REQ_SV_PEGBEST_PEGMID_OFFSETS = 170, /* placeOrder: minTradeQty (IBKRATS), PEG BEST/MID offsets */
	IB_REQ_SV_FA_PROFILE_DESUPPORT = 177,   /* placeOrder: faProfile dropped */
	IB_REQ_SV_CUSTOMER_ACCOUNT = 183,       /* placeOrder: customerAccount */
	IB_REQ_SV_PROFESSIONAL_CUSTOMER = 184,  /* placeOrder: professionalCustomer */
	IB_REQ_SV_RFQ_FIELDS = 187,             /* placeOrder (2), cancelOrder (3): RFQ fields ... */
	IB_REQ_SV_INCLUDE_OVERNIGHT = 189,      /* placeOrder: includeOvernight */
	IB_REQ_SV_UNDO_RFQ_FIELDS = 190,        /* ... and gone again from here */
	IB_REQ_SV_IMBALANCE_ONLY = 199,         /* placeOrder: imbalanceOnly */
	IB_REQ_SV_PARAMETRIZED_DAYS = 200,      /* reqExecutions: lastNDays, specificDates */
};

/* True for message ids that place, modify or cancel orders. */
bool ib_req_is_order(int32_t id);

/*
 * Encoder: appends complete frames (length prefix included) to a caller's
 * buffer.  A readonly encoder refuses order messages with IB_EREADONLY; that
 * is the one place readonly is enforced, so no code path can get around it.
 */
typedef struct ib_enc {
	char *buf;
	size_t len, cap;
	int server_version;
	bool readonly;
	int err;
	char errstr[128];
} ib_enc;

void ib_enc_init(ib_enc *e, char *buf, size_t cap, int server_version, bool readonly);
static inline void ib_enc_reset(ib_enc *e) { e->len = 0; }

/* "API\0" then the length-prefixed "v<min>..<max>[ opts]" (no NUL). */
int ib_enc_handshake(ib_enc *e, int min_version, int max_version, const char *options);
/*
 * IB_OK, or (with e->errstr set and nothing appended): IB_EREADONLY, IB_EVERSION
 * (server version outside the text layouts, or a field the version cannot
 * carry), IB_EINVAL (BAG contract; NaN/infinite price, quantity or strike),
 * IB_EUNKNOWN (id not encoded), IB_ENOSPC.
 */
int ib_enc_req(ib_enc *e, const ib_req *r);

/* Server side: parse the client's version-range frame payload ("v100..176 +PACEAPI"). */
int ib_handshake_request_parse(const char *payload, size_t len, int *min_version, int *max_version);

/* Server side: decode one request payload (after the length prefix). */
int ib_req_decode(const char *payload, size_t len, int server_version, ib_req *out, int *err_field);

#endif
