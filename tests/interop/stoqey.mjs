// Interop check: drive bin/ibsim with the third-party @stoqey/ib client.
// Usage: node stoqey.mjs [host] [port]   (or IBSIM_HOST / IBSIM_PORT in env)
import ib from "@stoqey/ib";

const { IBApi, EventName, SecType } = ib;

const host = process.argv[2] || process.env.IBSIM_HOST || "127.0.0.1";
const port = parseInt(process.argv[3] || process.env.IBSIM_PORT || "4002", 10);
const CLIENT_ID = 11;
const MKT_REQ_ID = 1001;
const TIMEOUT_MS = 20000;

const steps = [
  "connected",
  "managedAccounts",
  "nextValidId",
  "updateAccountValue",
  "accountDownloadEnd",
  "positionEnd",
  "tickPrice bid (1)",
  "tickPrice ask (2)",
  "disconnected",
];
const reached = new Set();
let account = null;
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
  try { api.disconnect(); } catch { /* ignore */ }
  process.exit(1);
}

const timer = setTimeout(() => {
  const missing = steps.filter((s) => !reached.has(s));
  fail(`timeout after ${TIMEOUT_MS} ms waiting for: ${missing[0] ?? "?"}`);
}, TIMEOUT_MS);

api.on(EventName.error, (err, code, reqId) => {
  const text = err && err.message ? err.message : String(err);
  // Codes 2100-2199 are informational farm-status notices from a real gateway.
  if (typeof code === "number" && code >= 2100 && code < 2200) {
    console.log(`info: ${code} ${text}`);
    return;
  }
  fail(`error event: code=${code} reqId=${reqId} ${text}`);
});

api.on(EventName.connected, () => step("connected", `server version ${api.serverVersion}`));

let gotAccounts = false;
let gotNextId = false;
function maybeStartAccount() {
  if (!gotAccounts || !gotNextId) return;
  api.reqAccountUpdates(true, account);
}

api.on(EventName.managedAccounts, (list) => {
  account = String(list).split(",").filter(Boolean)[0];
  step("managedAccounts", list);
  gotAccounts = true;
  maybeStartAccount();
});

api.on(EventName.nextValidId, (id) => {
  step("nextValidId", String(id));
  gotNextId = true;
  maybeStartAccount();
});

api.on(EventName.updateAccountValue, (key, value, currency, acct) => {
  accountValues++;
  if (accountValues === 1) step("updateAccountValue", `${key}=${value} ${currency} ${acct}`);
});

api.on(EventName.accountDownloadEnd, (acct) => {
  if (reached.has("accountDownloadEnd")) return;
  step("accountDownloadEnd", `${acct} (${accountValues} values)`);
  api.reqAccountUpdates(false, account);
  api.reqPositions();
});

api.on(EventName.position, () => { positions++; });

api.on(EventName.positionEnd, () => {
  if (reached.has("positionEnd")) return;
  step("positionEnd", `(${positions} positions)`);
  api.cancelPositions();
  api.reqMktData(
    MKT_REQ_ID,
    { symbol: "AAPL", secType: SecType.STK, exchange: "SMART", currency: "USD" },
    "",
    false,
    false,
  );
});

api.on(EventName.tickPrice, (reqId, field, value) => {
  if (reqId !== MKT_REQ_ID) return;
  if (field === 1) step("tickPrice bid (1)", String(value));
  if (field === 2) step("tickPrice ask (2)", String(value));
  if (reached.has("tickPrice bid (1)") && reached.has("tickPrice ask (2)") && !reached.has("disconnecting")) {
    reached.add("disconnecting");
    api.cancelMktData(MKT_REQ_ID);
    api.disconnect();
  }
});

api.on(EventName.disconnected, () => {
  if (finished) return;
  if (!reached.has("disconnecting")) {
    fail("connection closed unexpectedly");
    return;
  }
  step("disconnected");
  finished = true;
  clearTimeout(timer);
  console.log("interop: ok");
  process.exit(0);
});

console.log(`interop: @stoqey/ib -> ${host}:${port} clientId ${CLIENT_ID}`);
api.connect(CLIENT_ID);
