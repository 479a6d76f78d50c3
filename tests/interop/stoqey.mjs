// Interop check: a third-party client library (@stoqey/ib) uses bin/ibsim as
// if it were IB Gateway.  @stoqey/ib is a strict reader: a frame with one
// field too many or too few is reported as an error, which fails this check.
//
// Usage: node stoqey.mjs [host] [port]   (or IBSIM_HOST / IBSIM_PORT)
// Starts nothing; exits 0 only if every step below happened, else 1 naming
// the first missing step (overall timeout 20 s).
import ib from "@stoqey/ib";

const { IBApi, EventName, SecType, OrderAction, OrderType } = ib;

const host = process.argv[2] || process.env.IBSIM_HOST || "127.0.0.1";
const port = parseInt(process.argv[3] || process.env.IBSIM_PORT || "4002", 10);
const CLIENT_ID = 11;
const MKT_REQ_ID = 1001;
const CONTRACT_REQ_ID = 2001;
const TIMEOUT_MS = 20000;
const AAPL = { symbol: "AAPL", secType: SecType.STK, exchange: "SMART", currency: "USD" };
// issue #17: a future's expiries, historical and real-time bars, P&L
const ES = { symbol: "ES", secType: SecType.FUT, exchange: "CME", currency: "USD" };
const EURUSD = { symbol: "EUR", secType: SecType.CASH, exchange: "IDEALPRO", currency: "USD" };
const FUT_REQ_ID = 3001;
const HIST_REQ_ID = 4001;
const RTBAR_REQ_ID = 5001;
const PNL_REQ_ID = 6001;
const PNL_SINGLE_REQ_ID = 6002;
const AAPL_CONID = 265598;

const steps = [
  "connected",
  "managedAccounts",
  "nextValidId",
  "updateAccountValue",
  "updatePortfolio",
  "accountDownloadEnd",
  "position",
  "positionEnd",
  "contractDetails",
  "contractDetailsEnd",
  "tickPrice bid (1)",
  "tickPrice ask (2)",
  "openOrder",
  "orderStatus Filled",
  "execDetails",
  "commissionReport",
  "contractDetails FUT",
  "historicalData",
  "realtimeBar",
  "pnl",
  "pnlSingle",
  "disconnected",
];
const reached = new Set();
let account = null;
let orderId = null;
let accountValues = 0;
let positions = 0;
let finished = false;

const api = new IBApi({ host, port });

function step(name, detail) {
  if (reached.has(name)) return;
  reached.add(name);
  console.log(`step: ${name}${detail ? " " + detail : ""}`);
}

function fail(msg) {
  if (finished) return;
  finished = true;
  const missing = steps.filter((s) => !reached.has(s));
  console.error(`interop: FAIL: ${msg}`);
  if (missing.length) console.error(`interop: missing steps: ${missing.join(", ")}`);
  try { api.disconnect(); } catch { /* already gone */ }
  process.exit(1);
}

const timer = setTimeout(() => {
  const missing = steps.filter((s) => !reached.has(s));
  fail(`timeout after ${TIMEOUT_MS} ms waiting for: ${missing[0] ?? "?"}`);
}, TIMEOUT_MS);

api.on(EventName.error, (err, code, reqId) => {
  const text = err && err.message ? err.message : String(err);
  // 2100-2169: a gateway's informational farm notices
  if (typeof code === "number" && code >= 2100 && code < 2170) {
    console.log(`info: ${code} ${text}`);
    return;
  }
  // anything else, decoding errors ("unprocessed data left on queue") included, fails
  fail(`error event: code=${code} reqId=${reqId} ${text}`);
});

api.on(EventName.connected, () => step("connected", `server version ${api.serverVersion}`));

let gotAccounts = false;
let gotNextId = false;
function maybeStart() {
  if (gotAccounts && gotNextId) api.reqAccountUpdates(true, account);
}

api.on(EventName.managedAccounts, (list) => {
  account = String(list).split(",").filter(Boolean)[0];
  step("managedAccounts", list);
  gotAccounts = true;
  maybeStart();
});

api.on(EventName.nextValidId, (id) => {
  if (orderId === null) orderId = id;
  step("nextValidId", String(id));
  gotNextId = true;
  maybeStart();
});

api.on(EventName.updateAccountValue, (key, value, currency, acct) => {
  accountValues++;
  if (accountValues === 1) step("updateAccountValue", `${key}=${value} ${currency} ${acct}`);
});

api.on(EventName.updatePortfolio, (contract, pos, marketPrice) => {
  step("updatePortfolio", `${contract.symbol} ${pos} @ ${marketPrice}`);
});

api.on(EventName.accountDownloadEnd, (acct) => {
  if (reached.has("accountDownloadEnd")) return;
  step("accountDownloadEnd", `${acct} (${accountValues} values)`);
  api.reqAccountUpdates(false, account);
  api.reqPositions();
});

api.on(EventName.position, (acct, contract, pos, avgCost) => {
  positions++;
  step("position", `${acct} ${contract.symbol} ${pos} @ ${avgCost}`);
});

api.on(EventName.positionEnd, () => {
  if (reached.has("positionEnd")) return;
  step("positionEnd", `(${positions} positions)`);
  api.cancelPositions();
  api.reqContractDetails(CONTRACT_REQ_ID, AAPL);
});

api.on(EventName.contractDetails, (reqId, details) => {
  if (reqId !== CONTRACT_REQ_ID) return;
  step("contractDetails", `${details.contract.symbol} conId ${details.contract.conId} "${details.longName}"`);
});

api.on(EventName.contractDetailsEnd, (reqId) => {
  if (reqId !== CONTRACT_REQ_ID || reached.has("contractDetailsEnd")) return;
  step("contractDetailsEnd");
  api.reqMktData(MKT_REQ_ID, AAPL, "", false, false);
});

api.on(EventName.tickPrice, (reqId, field, value) => {
  if (reqId !== MKT_REQ_ID) return;
  if (field === 1) step("tickPrice bid (1)", String(value));
  if (field === 2) step("tickPrice ask (2)", String(value));
  if (reached.has("tickPrice bid (1)") && reached.has("tickPrice ask (2)") && !reached.has("ordering")) {
    reached.add("ordering");
    api.cancelMktData(MKT_REQ_ID);
    // a market order: openOrder (~136 fields) must parse field for field
    api.placeOrder(orderId, AAPL, { action: OrderAction.BUY, orderType: OrderType.MKT, totalQuantity: 1, tif: "DAY", transmit: true });
  }
});

api.on(EventName.openOrder, (id, contract, order, state) => {
  if (id !== orderId) return;
  step("openOrder", `${id} ${order.action} ${order.totalQuantity} ${contract.symbol} ${order.orderType} ${state.status}`);
});

api.on(EventName.execDetails, (reqId, contract, execution) => {
  if (execution.orderId !== orderId) return;
  step("execDetails", `${execution.side} ${execution.shares} ${contract.symbol} @ ${execution.price}`);
});

api.on(EventName.orderStatus, (id, status, filled, remaining, avgFillPrice) => {
  if (id === orderId && status === "Filled")
    step("orderStatus Filled", `${filled} filled, ${remaining} remaining, avg ${avgFillPrice}`);
});

api.on(EventName.commissionReport, (report) => {
  step("commissionReport", `${report.execId} ${report.commission} ${report.currency}`);
  if (reached.has("orderStatus Filled") && reached.has("execDetails") && !reached.has("futures")) {
    reached.add("futures");
    api.reqContractDetails(FUT_REQ_ID, ES);
  }
});

// ---- issue #17: contract details of a future, bars, P&L ----

let futures = 0;
let bars = 0;
api.on(EventName.contractDetails, (reqId, details) => {
  if (reqId === FUT_REQ_ID) futures++;
  if (reqId === FUT_REQ_ID && details.contract.multiplier !== 50 && details.contract.multiplier !== "50")
    fail(`ES multiplier ${details.contract.multiplier}`);
});

api.on(EventName.contractDetailsEnd, (reqId) => {
  if (reqId !== FUT_REQ_ID || reached.has("contractDetails FUT")) return;
  if (futures < 2) fail(`ES: ${futures} contracts, want its expiries`);
  step("contractDetails FUT", `ES: ${futures} expiries`);
  api.reqHistoricalData(HIST_REQ_ID, AAPL, "", "1800 S", "1 min", "TRADES", 0, 1, false);
});

api.on(EventName.historicalData, (reqId, date, open, high, low, close) => {
  if (reqId !== HIST_REQ_ID) return;
  if (String(date).startsWith("finished")) {
    if (bars !== 30) fail(`historicalData: ${bars} bars, want 30`);
    step("historicalData", `${bars} bars, ${date}`);
    api.reqRealTimeBars(RTBAR_REQ_ID, EURUSD, 5, "MIDPOINT", false);
    return;
  }
  if (!(low <= open && open <= high && low <= close && close <= high)) fail(`bar ${date}: ${open} ${high} ${low} ${close}`);
  bars++;
});

api.on(EventName.realtimeBar, (reqId, time, open, high, low, close) => {
  if (reqId !== RTBAR_REQ_ID || reached.has("realtimeBar")) return;
  step("realtimeBar", `${time} ${open} ${high} ${low} ${close}`);
  api.cancelRealTimeBars(RTBAR_REQ_ID);
  api.reqPnL(PNL_REQ_ID, account, "");
});

api.on(EventName.pnl, (reqId, daily, unrealized, realized) => {
  if (reqId !== PNL_REQ_ID || reached.has("pnl")) return;
  step("pnl", `daily ${daily} unrealized ${unrealized} realized ${realized}`);
  api.cancelPnL(PNL_REQ_ID);
  api.reqPnLSingle(PNL_SINGLE_REQ_ID, account, "", AAPL_CONID);
});

api.on(EventName.pnlSingle, (reqId, pos, daily, unrealized, realized, value) => {
  if (reqId !== PNL_SINGLE_REQ_ID || reached.has("pnlSingle")) return;
  step("pnlSingle", `AAPL pos ${pos} unrealized ${unrealized} value ${value}`);
  api.cancelPnLSingle(PNL_SINGLE_REQ_ID);
  reached.add("disconnecting");
  api.disconnect();
});

api.on(EventName.disconnected, () => {
  if (finished) return;
  if (!reached.has("disconnecting")) {
    fail("connection closed unexpectedly");
    return;
  }
  step("disconnected");
  const missing = steps.filter((s) => !reached.has(s));
  if (missing.length) {
    fail(`disconnected before: ${missing.join(", ")}`);
    return;
  }
  finished = true;
  clearTimeout(timer);
  console.log("interop: ok");
  process.exit(0);
});

console.log(`interop: @stoqey/ib -> ${host}:${port} clientId ${CLIENT_ID}`);
api.connect(CLIENT_ID);
