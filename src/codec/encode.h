/*
 * encode.h - requests to bytes and back: the client's encoder (msg_encode.c)
 * and the server side's decoder (req_decode.c, used by ibsim).  The two are
 * each other's tests.
 */
#ifndef IBPIPE_ENCODE_H
#define IBPIPE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wire.h"
#include "ibpipe/req.h"

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
