/*
 * ib.h - protocol constants of the TWS / IB Gateway socket API and ibpipe's
 * status codes.  Every message id, tick type, error code and server-version
 * gate used anywhere in ibpipe is named here, once.
 *
 * Error convention, for the whole library:
 * - A function that can fail returns int: IB_OK (0), or a negative
 *   enum ib_status below, named by ib_strerror().  Where a person needs
 *   more than the code, the caller passes char *err, size_t errlen and gets
 *   one line naming what failed (hiredis' err + errstr).
 * - A constructor returns a pointer: NULL on failure, with err filled.
 * - The one extension: an order refused by the risk checks returns its
 *   IB_RISK_* code (-100 and below, core/risk.h, named by ib_risk_name())
 *   through the same int, so "rc < 0" still means "not placed".
 * - Not errors, so not status codes: predicates return bool, lookups return
 *   an index >= 0 or -1 / a pointer or NULL for "not there".
 * Older code still returns 0 / -1 (config parsing, the command journal,
 * some socket and sim helpers); new code follows the rules above.
 */
#ifndef IBPIPE_IB_H
#define IBPIPE_IB_H

#include <float.h>
#include <stdint.h>

/* Status codes: 0 is success, negatives are errors.  ib_strerror names them. */
enum ib_status {
	IB_OK = 0,
	IB_EAGAIN = -1,    /* need more bytes */
	IB_ETOOBIG = -2,   /* frame length above IB_MAX_FRAME */
	IB_EEMPTY = -3,    /* frame length 0 */
	IB_EFIELD = -4,    /* a required field is missing */
	IB_ENUM = -5,      /* non-numeric text where a number must be */
	IB_EUNKNOWN = -6,  /* message id not known to this decoder */
	IB_EREADONLY = -7, /* order message refused on a readonly connection */
	IB_ENOSPC = -8,    /* output buffer too small */
	IB_EVERSION = -9,  /* server version outside what we speak */
	IB_EIO = -10,      /* socket error */
	IB_ETIMEDOUT = -11,
	IB_ECLOSED = -12,  /* peer closed the connection */
	IB_EINVAL = -13,   /* bad argument or value */
	IB_ETRUNC = -14,   /* stream ended inside a frame */
	IB_EFULL = -15,    /* a ring or table is full */
	IB_ENOORDERID = -16, /* the order-id mark could not be stored: order placement is stopped */
};
const char *ib_strerror(int status);

/*
 * Widths (bytes, with the NUL) of the ids ibpipe keeps, in every struct and
 * table that holds one: an account id of up to 23 bytes (a longer one is
 * refused like a long list), a symbol of up to 23.
 */
#define IB_ACCOUNT_ID_LEN 24
#define IB_SYMBOL_LEN 24

/* Frames above this are a fatal stream error, as in the official clients. */
#define IB_MAX_FRAME 0xFFFFFFu

/*
 * Server versions.  We advertise IB_CLIENT_MIN..IB_CLIENT_MAX: every layout
 * ibpipe decodes is exact across that range (docs/protocol.md),
 * and staying at or below 200 keeps the text encoding.
 */
enum ib_server_version {
	IB_SV_OPTIONAL_CAPABILITIES = 72,
	IB_SV_MARKET_CAP_PRICE = 131,
	IB_SV_LAST_LIQUIDITY = 136,
	IB_SV_ORDER_CONTAINER = 145,
	IB_SV_SIZE_RULES = 164,
	IB_SV_ADVANCED_ORDER_REJECT = 166,
	IB_SV_MANUAL_ORDER_TIME = 169,
	IB_SV_BOND_ISSUERID = 176,
	IB_SV_PENDING_PRICE_REVISION = 178,
	IB_SV_LAST_TRADE_DATE = 182,
	IB_SV_CME_TAGGING_FIELDS = 192,
	IB_SV_ERROR_TIME = 194,
	IB_SV_HISTORICAL_DATA_END = 196, /* historicalDataEnd (108); before, historicalData carries the end */
	IB_SV_SUBMITTER = 198,
	IB_SV_PROTOBUF = 201,
};
#define IB_CLIENT_MIN 157
#define IB_CLIENT_MAX 176

/* Inbound (server -> client) message ids. */
enum ib_in_id {
	IB_IN_TICK_PRICE = 1,
	IB_IN_TICK_SIZE = 2,
	IB_IN_ORDER_STATUS = 3,
	IB_IN_ERROR = 4,
	IB_IN_OPEN_ORDER = 5,
	IB_IN_ACCT_VALUE = 6,
	IB_IN_PORTFOLIO_VALUE = 7,
	IB_IN_ACCT_UPDATE_TIME = 8,
	IB_IN_NEXT_VALID_ID = 9,
	IB_IN_CONTRACT_DATA = 10,
	IB_IN_EXEC_DETAILS = 11,
	IB_IN_MKT_DEPTH = 12,
	IB_IN_MKT_DEPTH_L2 = 13,
	IB_IN_MANAGED_ACCTS = 15,
	IB_IN_HISTORICAL_DATA = 17,
	IB_IN_TICK_OPTION_COMPUTATION = 21,
	IB_IN_TICK_GENERIC = 45,
	IB_IN_TICK_STRING = 46,
	IB_IN_CURRENT_TIME = 49,
	IB_IN_REAL_TIME_BAR = 50,
	IB_IN_CONTRACT_DATA_END = 52,
	IB_IN_OPEN_ORDER_END = 53,
	IB_IN_ACCT_DOWNLOAD_END = 54,
	IB_IN_EXEC_DETAILS_END = 55,
	IB_IN_TICK_SNAPSHOT_END = 57,
	IB_IN_MARKET_DATA_TYPE = 58,
	IB_IN_COMMISSION_REPORT = 59,
	IB_IN_POSITION = 61,
	IB_IN_POSITION_END = 62,
	IB_IN_ACCOUNT_SUMMARY = 63,
	IB_IN_ACCOUNT_SUMMARY_END = 64,
	IB_IN_ACCOUNT_UPDATE_MULTI = 73,
	IB_IN_ACCOUNT_UPDATE_MULTI_END = 74,
	IB_IN_TICK_REQ_PARAMS = 81,
	IB_IN_HISTORICAL_DATA_UPDATE = 90,
	IB_IN_PNL = 94,
	IB_IN_PNL_SINGLE = 95,
	IB_IN_TICK_BY_TICK = 99,
	IB_IN_HISTORICAL_DATA_END = 108, /* from server version 196; before, historicalData carries start/end */
	IB_IN_MAX_ID = 256,
};

/* Outbound (client -> server) message ids. */
enum ib_out_id {
	IB_OUT_REQ_MKT_DATA = 1,
	IB_OUT_CANCEL_MKT_DATA = 2,
	IB_OUT_PLACE_ORDER = 3,
	IB_OUT_CANCEL_ORDER = 4,
	IB_OUT_REQ_OPEN_ORDERS = 5,
	IB_OUT_REQ_ACCT_DATA = 6,
	IB_OUT_REQ_EXECUTIONS = 7,
	IB_OUT_REQ_IDS = 8,
	IB_OUT_REQ_CONTRACT_DATA = 9,
	IB_OUT_REQ_MKT_DEPTH = 10,
	IB_OUT_CANCEL_MKT_DEPTH = 11,
	IB_OUT_REQ_MANAGED_ACCTS = 17,
	IB_OUT_REQ_HISTORICAL_DATA = 20,
	IB_OUT_CANCEL_HISTORICAL_DATA = 25,
	IB_OUT_REQ_CURRENT_TIME = 49,
	IB_OUT_REQ_REAL_TIME_BARS = 50,
	IB_OUT_CANCEL_REAL_TIME_BARS = 51,
	IB_OUT_REQ_GLOBAL_CANCEL = 58,  /* every open order at the gateway, whoever placed it */
	IB_OUT_REQ_MARKET_DATA_TYPE = 59,
	IB_OUT_REQ_POSITIONS = 61,
	IB_OUT_REQ_ACCOUNT_SUMMARY = 62,
	IB_OUT_CANCEL_ACCOUNT_SUMMARY = 63,
	IB_OUT_CANCEL_POSITIONS = 64,
	IB_OUT_START_API = 71,
	IB_OUT_REQ_PNL = 92,
	IB_OUT_CANCEL_PNL = 93,
	IB_OUT_REQ_PNL_SINGLE = 94,
	IB_OUT_CANCEL_PNL_SINGLE = 95,
	IB_OUT_REQ_TICK_BY_TICK = 97,
	IB_OUT_CANCEL_TICK_BY_TICK = 98,
};

/* Tick types (subset ibpipe interprets; others pass through by number). */
enum ib_tick_type {
	IB_TICK_BID_SIZE = 0,
	IB_TICK_BID = 1,
	IB_TICK_ASK = 2,
	IB_TICK_ASK_SIZE = 3,
	IB_TICK_LAST = 4,
	IB_TICK_LAST_SIZE = 5,
	IB_TICK_HIGH = 6,
	IB_TICK_LOW = 7,
	IB_TICK_VOLUME = 8,
	IB_TICK_CLOSE = 9,
	IB_TICK_BID_OPTION = 10,        /* tickOptionComputation's tick types */
	IB_TICK_ASK_OPTION = 11,
	IB_TICK_LAST_OPTION = 12,
	IB_TICK_MODEL_OPTION = 13,
	IB_TICK_OPEN = 14,
	IB_TICK_LAST_TIMESTAMP = 45,
	IB_TICK_DELAYED_BID = 66,
	IB_TICK_DELAYED_ASK = 67,
	IB_TICK_DELAYED_LAST = 68,
	IB_TICK_DELAYED_BID_SIZE = 69,
	IB_TICK_DELAYED_ASK_SIZE = 70,
	IB_TICK_DELAYED_LAST_SIZE = 71,
	IB_TICK_DELAYED_VOLUME = 74,
	IB_TICK_DELAYED_BID_OPTION = 80,
	IB_TICK_DELAYED_ASK_OPTION = 81,
	IB_TICK_DELAYED_LAST_OPTION = 82,
	IB_TICK_DELAYED_MODEL_OPTION = 83,
};

/* tickByTick (99) sub-types. */
enum ib_tbt_type {
	IB_TBT_LAST = 1,
	IB_TBT_ALL_LAST = 2,
	IB_TBT_BID_ASK = 3,
	IB_TBT_MIDPOINT = 4,
};

/* Error and notice codes carried by errMsg (4). */
enum ib_err_code {
	IB_ERR_DUP_ORDER_ID = 103,
	IB_ERR_PACING = 100,
	IB_ERR_MAX_TICKERS = 101,
	IB_ERR_HIST_PACING = 162,     /* historical data service error, e.g. a pacing violation */
	IB_ERR_NO_SECURITY = 200,
	IB_ERR_ORDER_REJECTED = 201,
	IB_ERR_ORDER_CANCELLED = 202,
	IB_ERR_CLIENT_ID_IN_USE = 326,
	IB_ERR_NOT_SUBSCRIBED = 354,
	IB_ERR_CONNECT_FAIL = 502,
	IB_ERR_NOT_CONNECTED = 504,
	IB_ERR_CONN_LOST = 1100,
	IB_ERR_CONN_RESTORED_LOST = 1101,
	IB_ERR_CONN_RESTORED = 1102,
	IB_ERR_FARM_BROKEN = 2103,
	IB_ERR_FARM_OK = 2104,
	IB_ERR_HMDS_BROKEN = 2105,
	IB_ERR_HMDS_OK = 2106,
	IB_ERR_HMDS_INACTIVE = 2107,
	IB_ERR_FARM_INACTIVE = 2108,
	IB_ERR_SECDEF_OK = 2158,
	IB_ERR_MAX_TBT = 10190,       /* max number of tick-by-tick requests */
	IB_ERR_DEPTH_LIMIT = 309,     /* max number of market depth requests */
	IB_ERR_DEPTH_RESET = 317,     /* market depth reset: empty the book, the rows come again */
	IB_ERR_CANT_FIND_ORDER = 135, /* cancel of an order id the gateway does not know */
	IB_ERR_READING_REQUEST = 320, /* a request frame the gateway could not parse */
	IB_ERR_VALIDATING_REQUEST = 321, /* a request with a bad value (unknown account, tick type ...) */
	IB_ERR_PROCESSING_REQUEST = 322, /* e.g. a duplicate ticker id */
	IB_ERR_CANNOT_CANCEL = 10148, /* cancel of an order already in a final state */
};
/* 2100..2169 are informational notices, not failures. */
#define IB_ERR_IS_INFO(c) ((c) >= 2100 && (c) <= 2169)

/* Unset sentinels as the Java client spells them. */
#define IB_UNSET_INT INT32_MAX
#define IB_UNSET_LONG INT64_MAX
#define IB_UNSET_DOUBLE DBL_MAX

#endif
