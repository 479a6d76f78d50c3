/*
 * app.js - the ibpipe dashboard: renders each picture `ibpipe web` sends on
 * /events (Server-Sent Events; the schema is in src/web/web_state.c).
 *
 * Everything from Redis is untrusted text: it goes into the page with
 * textContent only, and the JSON strings ibpipe stores (sync detail,
 * positions, books) are parsed in try/catch.  Values keep the digits
 * ibpipe published (fmt adds thousands separators to the string itself,
 * with no float rounding; only numbers from its JSON values are rounded to
 * 12 significant digits).
 */
'use strict';

const $ = (id) => document.getElementById(id);
let last = null;          // the latest picture
let lastAt = 0;           // when it came (Date.now())
const prevQuote = {};     // symbol -> {bid, ask, last}, to flash what moved

function parse(s) {
  if (typeof s !== 'string') return null;
  try { return JSON.parse(s); } catch (e) { return null; }
}

// "1234567.891" -> "1,234,567.891"; anything that is not a plain number stays as it is.
function fmt(v) {
  if (v === null || v === undefined || v === '') return '-';
  // a number parsed from ibpipe's JSON (positions, books) may carry binary noise: 427.46999999999997
  const s = typeof v === 'number' ? String(Number(v.toPrecision(12))) : String(v);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] || '');
}

function num(v) {
  const n = Number(v);
  return v === null || v === undefined || v === '' || !isFinite(n) ? null : n;
}

function signClass(v) {
  const n = num(v);
  return n === null || n === 0 ? '' : n > 0 ? 'pos' : 'neg';
}

function age(ms) {
  if (ms === null || !isFinite(ms)) return '-';
  if (ms < 0) ms = 0;
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 3600000) return Math.floor(ms / 60000) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}

// updated_at values are wall-clock nanoseconds: age against the server's clock.
function ageNs(ns) {
  const n = num(ns);
  return n === null || n <= 0 || !last ? null : last.now_ms - n / 1e6;
}

function td(text, cls) {
  const c = document.createElement('td');
  c.textContent = text;
  if (cls) c.className = cls;
  return c;
}

function tr(cells, attrs) {
  const r = document.createElement('tr');
  for (const c of cells) r.appendChild(c);
  for (const k in attrs || {}) r.setAttribute(k, attrs[k]);
  return r;
}

function fill(tableId, rows, emptyText, cols) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const c = td(emptyText, 'note');
    c.colSpan = cols;
    body.appendChild(tr([c]));
  }
}

// An account value by key: the USD figure, else BASE, else the bare key, else any currency.
function pick(values, key) {
  for (const k of [key + ':USD', key + ':BASE', key]) if (values[k] !== undefined) return values[k];
  for (const k in values) if (k.startsWith(key + ':')) return values[k];
  return null;
}

function renderSync(p) {
  const badge = $('sync'), state = $('sync-state'), miss = $('sync-missing');
  let s = p.redis.ok ? (p.sync || 'unknown') : 'down';
  let note = '';
  if (p.redis.ok && p.sync && !p.health) {
    // the readiness rule: a state without a live P:health is what a dead ibpipe leaves
    s = 'stale';
    note = 'P:health has expired: ibpipe is not running (last state: ' + p.sync + ')';
  } else if (s === 'unknown') {
    note = 'nothing published under this prefix yet';
  } else if (s === 'down') {
    note = 'Redis: ' + (p.redis.error || 'unreachable');
  } else if (s !== 'ready') {
    const d = parse(p.sync_detail) || {};
    const missing = Array.isArray(d.missing) ? d.missing.map(String) : [];
    note = missing.length ? 'waiting for: ' + missing.join(', ') : '';
    if (typeof d.waiting_s === 'number') note += (note ? ' ' : 'waiting ') + '(' + d.waiting_s.toFixed(1) + ' s)';
  }
  if (p.control === 'halt') note = (note ? note + ' · ' : '') + 'HALTED: kill switch set in P:control';
  state.textContent = s;
  badge.className = 'badge ' + s;
  miss.textContent = note;
}

function renderHealth(p) {
  const h = p.health || {};
  const dl = $('health');
  const items = [];
  const add = (k, v, cls) => items.push([k, v, cls]);
  if (!p.health) {
    add('P:health', p.redis.ok ? 'missing (ibpipe not running?)' : '-', 'bad');
  } else {
    add('gateway', h.connected === '1' ? 'connected' : 'DISCONNECTED', h.connected === '1' ? 'good' : 'bad');
    add('server / client id', (h.server_version || '-') + ' / ' + (h.client_id || '-'));
    add('msgs/s', fmt(h.msgs_per_s));
    add('msgs in', fmt(h.msgs_in));
    add('coalesced', fmt(h.coalesced));
    add('dropped', fmt(h.dropped), num(h.dropped) > 0 ? 'bad' : '');
    add('staleness p50', h.staleness_p50_us ? fmt(h.staleness_p50_us) + ' µs' : '-');
    add('staleness p99', h.staleness_p99_us ? fmt(h.staleness_p99_us) + ' µs' : '-');
    add('redis reconnects', fmt(h.redis_reconnects));
    add('redis errors', fmt(h.redis_errors), num(h.redis_errors) > 0 ? 'bad' : '');
    add('bad frames', fmt(h.frames_bad), num(h.frames_bad) > 0 ? 'bad' : '');
    add('write stalls', fmt(h.write_stalls), num(h.write_stalls) > 0 ? 'bad' : '');
    add('uptime', h.uptime_s ? age(num(h.uptime_s) * 1000) : '-');
    add('pid', h.pid || '-');
    add('health TTL', p.health_ttl >= 0 ? p.health_ttl + ' s' : '-', p.health_ttl >= 0 && p.health_ttl < 3 ? 'bad' : '');
  }
  dl.replaceChildren(...items.map(([k, v, cls]) => {
    const d = document.createElement('div'), dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = k;
    dd.textContent = v;
    if (cls) dd.className = cls;
    d.append(dt, dd);
    return d;
  }));
  $('last-event').textContent = p.event
    ? 'last event ' + age(p.now_ms - p.event.at_ms) + ' ago: ' + p.event.text : 'no event on P:events since the dashboard started';
}

function renderAccounts(p) {
  const rows = (p.accounts || []).map((a) => {
    const v = a.values || {};
    const up = pick(v, 'UnrealizedPnL'), rp = pick(v, 'RealizedPnL');
    return tr([
      td(a.id),
      td(fmt(pick(v, 'NetLiquidation')), 'n netliq'),
      td(fmt(pick(v, 'TotalCashValue') ?? pick(v, 'CashBalance') ?? pick(v, 'TotalCashBalance')), 'n cash'),
      td(fmt(pick(v, 'BuyingPower')), 'n buying-power'),
      td(fmt(pick(v, 'AvailableFunds')), 'n'),
      td(fmt(up), 'n ' + signClass(up)),
      td(fmt(rp), 'n ' + signClass(rp)),
      td(age(ageNs(v.updated_at)), 'n'),
    ], { 'data-account': a.id });
  });
  fill('accounts', rows, 'no accounts published yet', 8);
}

function renderPositions(p) {
  const rows = [];
  for (const x of p.positions || []) {
    const d = parse(x.data);
    if (!d || typeof d !== 'object') continue;
    rows.push(tr([
      td(x.account), td(d.symbol ?? x.con_id), td(d.secType ?? '-'),
      td(fmt(d.position), 'n'), td(fmt(d.avgCost), 'n'), td(fmt(d.marketPrice), 'n'), td(fmt(d.marketValue), 'n'),
      td(fmt(d.unrealizedPNL), 'n ' + signClass(d.unrealizedPNL)),
      td(fmt(d.realizedPNL), 'n ' + signClass(d.realizedPNL)),
    ], { 'data-account': x.account, 'data-symbol': String(d.symbol ?? x.con_id) }));
  }
  rows.sort((a, b) => (a.getAttribute('data-account') + a.getAttribute('data-symbol'))
    .localeCompare(b.getAttribute('data-account') + b.getAttribute('data-symbol')));
  fill('positions', rows, 'no positions', 9);
}

function flashCell(cell, was, now) {
  const a = num(was), b = num(now);
  if (a === null || b === null || a === b) return;
  cell.classList.add(b > a ? 'flash-up' : 'flash-down');
}

function renderQuotes(p) {
  const rows = (p.quotes || []).map((q) => {
    const was = prevQuote[q.symbol] || {};
    const bid = td(fmt(q.bid), 'n bid'), ask = td(fmt(q.ask), 'n ask'), lst = td(fmt(q.last), 'n last');
    flashCell(bid, was.bid, q.bid);
    flashCell(ask, was.ask, q.ask);
    flashCell(lst, was.last, q.last);
    prevQuote[q.symbol] = { bid: q.bid, ask: q.ask, last: q.last };
    const a = ageNs(q.updated_at);
    return tr([td(q.symbol), td(fmt(q.bid_size), 'n'), bid, ask, td(fmt(q.ask_size), 'n'), lst,
      td(fmt(q.volume), 'n'), td(age(a), 'n age' + (a !== null && a > 5000 ? ' old' : ''))],
    { 'data-symbol': q.symbol });
  });
  fill('quotes', rows, 'no quotes published', 8);
}

function renderBooks(p) {
  const box = $('books');
  if (!p.books || p.books.length === 0) {
    const n = document.createElement('p');
    n.className = 'note';
    n.textContent = 'no depth subscriptions (depth = SYM:ROWS)';
    box.replaceChildren(n);
    return;
  }
  box.replaceChildren(...p.books.map((b) => {
    const d = parse(b.data) || {};
    const bids = Array.isArray(d.bids) ? d.bids : [], asks = Array.isArray(d.asks) ? d.asks : [];
    const n = Math.min(10, Math.max(bids.length, asks.length));
    let max = 1;
    for (const r of bids.slice(0, n).concat(asks.slice(0, n))) if (Array.isArray(r) && num(r[1]) > max) max = num(r[1]);
    const div = document.createElement('div'), h = document.createElement('h3'), t = document.createElement('table');
    div.className = 'ladder';
    div.setAttribute('data-symbol', b.symbol);
    h.textContent = b.symbol + '  ';
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = 'v' + (d.version ?? '-') + ', ' + age(ageNs(d.updated_at)) + ' old';
    h.appendChild(note);
    const head = document.createElement('thead');
    head.appendChild(tr(['Bid size', 'Bid', 'Ask', 'Ask size'].map((x) => {
      const c = document.createElement('th'); c.textContent = x; c.className = 'n'; return c;
    })));
    const body = document.createElement('tbody');
    for (let i = 0; i < n; i++) {
      const bi = Array.isArray(bids[i]) ? bids[i] : [], ai = Array.isArray(asks[i]) ? asks[i] : [];
      const bs = td(fmt(bi[1] ?? ''), 'n bid'), as = td(fmt(ai[1] ?? ''), 'n ask');
      for (const [cell, size] of [[bs, bi[1]], [as, ai[1]]]) {
        if (num(size) === null) continue;
        const bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = Math.round(100 * num(size) / max) + '%';
        cell.appendChild(bar);
      }
      body.appendChild(tr([bs, td(fmt(bi[0] ?? ''), 'n bidpx'), td(fmt(ai[0] ?? ''), 'n askpx'), as]));
    }
    t.append(head, body);
    div.append(h, t);
    return div;
  }));
}

function clock(ns) {
  const n = num(ns);
  if (n === null || n <= 0) return '-';
  const d = new Date(n / 1e6);
  return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function renderOrders(p) {
  const rows = (p.orders || []).map((o) => {
    const f = o.f || {};
    const kind = f.kind || '-';
    let side = f.action, qty = f.qty, type = f.type, price = f.lmt, status = f.status, filled = f.filled;
    let avg = f.avg_fill_price;
    if (kind === 'exec') {
      side = f.side; qty = f.shares; type = ''; price = f.price; status = 'exec ' + (f.exec_id || '');
      filled = f.cum_qty; avg = f.avg_price;
    } else if (kind === 'cmd') {
      // a command's result: what was asked (cmd) and what came of it (result, reason)
      side = f.cmd; qty = ''; type = ''; price = ''; status = f.result; filled = ''; avg = '';
    }
    const oid = f.order_id && f.order_id !== '0' ? f.order_id : '';
    return tr([
      td(clock(f.ts)), td(kind), td(oid || '-', 'n'), td(f.cmd_id || ''), td(f.account || '-'), td(f.symbol || '-'),
      td(side || '-'), td(qty === '' ? '' : fmt(qty), 'n'), td(type ?? '-'), td(price === '' ? '' : fmt(price), 'n'),
      td(status || '-', 'status' + (f.result === 'refused' ? ' neg' : '')),
      td(filled === '' ? '' : fmt(filled), 'n'), td(avg === '' ? '' : fmt(avg), 'n'),
      td((f.reason || '') + (f.repeat && f.repeat !== '0' ? ' (repeat)' : '')),
    ], { 'data-order-id': oid, 'data-kind': kind, 'data-cmd-id': f.cmd_id || '', 'data-stream-id': o.id });
  });
  fill('orders', rows, 'no orders in the stream yet', 14);
}

function render(p) {
  last = p;
  lastAt = Date.now();
  $('prefix').textContent = p.prefix;
  $('redis-at').textContent = p.redis.at + (p.redis.ok ? '' : ' (unreachable)');
  renderSync(p);
  renderHealth(p);
  renderAccounts(p);
  renderPositions(p);
  renderQuotes(p);
  renderBooks(p);
  renderOrders(p);
  document.body.setAttribute('data-seq', String(p.seq));
  banner();
}

function banner() {
  const b = $('banner');
  let msg = '';
  if (last && !last.redis.ok) msg = 'Redis at ' + last.redis.at + ' cannot be read: ' + (last.redis.error || '?');
  else if (last && Date.now() - lastAt > 3000)
    msg = 'no update from the dashboard server for ' + age(Date.now() - lastAt) + ': the figures below are old';
  b.textContent = msg;
  b.hidden = msg === '';
}

function connect() {
  const es = new EventSource('/events');
  es.onopen = () => { $('stream').textContent = 'live'; };
  es.onmessage = (e) => {
    const p = parse(e.data);
    if (p && p.redis) render(p);
  };
  es.onerror = () => { $('stream').textContent = 'reconnecting'; };
}

setInterval(banner, 1000);
connect();
