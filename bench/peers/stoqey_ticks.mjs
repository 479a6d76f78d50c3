// stoqey_ticks.mjs - the peer: @stoqey/ib consuming ibsim's blast; prints ticks/s.
// usage: node stoqey_ticks.mjs PORT N_TICKS SYMBOLS
import { IBApi, EventName } from "@stoqey/ib";

const [port, want, symbols] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4].split(",")];
const ib = new IBApi({ host: "127.0.0.1", port, clientId: 21 });
let n = 0, t0 = 0;
ib.on(EventName.tickPrice, () => {
  if (n++ === 0) t0 = process.hrtime.bigint();
  if (n === want) {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(JSON.stringify({ peer: "@stoqey/ib", ticks: n, seconds: secs, ticks_per_s: n / secs }));
    ib.disconnect();
    process.exit(0);
  }
});
ib.on(EventName.nextValidId, () => {
  symbols.forEach((s, i) => ib.reqMktData(1000 + i, { symbol: s, secType: "STK", exchange: "SMART", currency: "USD" }, "", false, false));
});
ib.on(EventName.error, () => {});
setTimeout(() => { console.log(JSON.stringify({ peer: "@stoqey/ib", ticks: n, timeout: true })); process.exit(1); }, 120000);
ib.connect();
