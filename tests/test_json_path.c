/*
 * test_json_path.c - hostile gateway text through the whole path: an
 * account id, a symbol and an error text holding '"', '\', a newline, a
 * control character and invalid UTF-8 go from ibsim through ibpipe into
 * every JSON text ibpipe writes -- the log (log_format = json),
 * P:sync:detail, P:events, P:positions:{A}, `ibpipe status --json`,
 * `ibpipe probe`, `ibpipe web`'s /api/state, `ibpipe dump` of the session's
 * recording, the strategy's JSON lines -- and into the orders stream and order hash (Redis strings,
 * not JSON: there the gateway's bytes are kept as they are).
 *
 * Each JSON text is checked by two parsers that share nothing with
 * src/util/json.c: the strict validator of json_valid.h with a string
 * decoder here, and python3's json module.  Both check that the text
 * survived: a decoded string equals the original with every byte that is
 * not valid UTF-8 replaced by U+FFFD.  Real ibsim,
 * redis-server and ibpipe processes on loopback; every wait is for an
 * event, with a deadline.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json_valid.h"
#include "testutil.h"

/* What the gateway sends (bytes) and what a JSON reader must decode (invalid bytes as U+FFFD). */
#define FFFD "\xef\xbf\xbd"
static const char ACCT[] = "DU\"q\\b\nn\t\xc3\xa9\xff\x01";
static const char ACCT_JSON[] = "DU\"q\\b\nn\t\xc3\xa9" FFFD "\x01";
static const char SYM[] = "S\"Y\\M\n\xfe";
static const char SYM_JSON[] = "S\"Y\\M\n" FFFD;
static const char ERR[] = "bad \"order\" at C:\\tmp\nline 2 \xc3\xa9t\xe9 \xff\xfe"
			  " end";
static const char ERR_JSON[] = "bad \"order\" at C:\\tmp\nline 2 \xc3\xa9t" FFFD " " FFFD FFFD " end";
/* A second error text of 100 x U+00E9 (200 bytes): longer than an order's reason, so it is cut --
   between characters, never inside one (E_CUT would be a split last character, read as U+FFFD). */
#define E_ACUTE "\xc3\xa9"
#define E_ACUTE10 E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
static const char LONG_ERR[] = E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10
	E_ACUTE10 E_ACUTE10;
static const char LONG_KEPT[] = E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10 E_ACUTE10; /* at least this much */
static const char E_CUT[] = E_ACUTE E_ACUTE FFFD;

/* ---- an independent JSON string decoder ---- */

static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static unsigned long
hex4(const char *p)
{
	char h[5] = { p[0], p[1], p[2], p[3], '\0' };

	return strtoul(h, NULL, 16);
}

/*
 * Does the valid JSON text s[0..n) hold a string equal to want (substring: containing it), once
 * decoded?  Strings are found by scanning from the start, so keys count too.
 */
static bool
has_string(const char *s, size_t n, const char *want, bool substring)
{
	char *dec = malloc(n + 1);
	bool found = false;

	if (dec == NULL)
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		size_t len = 0;
		if (s[i] != '"')
			continue;
		for (i++; i < n && s[i] != '"'; i++) {
			if (s[i] != '\\') {
				dec[len++] = s[i];
				continue;
			}
			switch (s[++i]) {
			case 'n': dec[len++] = '\n'; break;
			case 't': dec[len++] = '\t'; break;
			case 'r': dec[len++] = '\r'; break;
			case 'b': dec[len++] = '\b'; break;
			case 'f': dec[len++] = '\f'; break;
			case 'u': {
				unsigned long cp = hex4(s + i + 1);
				i += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(s + i + 3) - 0xDC00);
					i += 6;
				}
				len += put_utf8(dec + len, cp);
				break;
			}
			default: dec[len++] = s[i]; /* " \ / */
			}
		}
		dec[len] = '\0';
		found = substring ? strstr(dec, want) != NULL : strcmp(dec, want) == 0;
	}
	free(dec);
	return found;
}

/*
 * The second, independent parser: every JSON text checked here is also written to a file as
 * "SOURCE<TAB>TEXT" lines, and python3's json module (strict: UTF-8 decoded strictly, no control
 * characters in strings, no NaN/Infinity) parses each at the end and looks for the same texts.
 */
static FILE *py_texts;

static void
py_record(const char *what, const char *s, size_t n)
{
	if (py_texts) {
		fprintf(py_texts, "%s\t", what);
		fwrite(s, 1, n, py_texts);
		fputc('\n', py_texts);
	}
}

static const char PY_CHECK[] =
	"import json, sys\n"
	"want = {}\n"
	"for a in sys.argv[2:]:\n"
	"    src, hexes = a.split('=', 1)\n"
	"    want[src] = [bytes.fromhex(h).decode('utf-8') for h in hexes.split(',')]\n"
	"seen = {src: set() for src in want}\n"
	"def strings(o):\n"
	"    if isinstance(o, str):\n"
	"        yield o\n"
	"    elif isinstance(o, dict):\n"
	"        for k, v in o.items():\n"
	"            yield k\n"
	"            yield from strings(v)\n"
	"    elif isinstance(o, list):\n"
	"        for v in o:\n"
	"            yield from strings(v)\n"
	"def no_constant(c):\n"
	"    raise ValueError(c + ' is not JSON')\n"
	"bad = n = 0\n"
	"for line in open(sys.argv[1], 'rb').read().split(b'\\n'):\n"
	"    if not line:\n"
	"        continue\n"
	"    src, _, text = line.partition(b'\\t')\n"
	"    src = src.decode('utf-8', 'replace')\n"
	"    try:\n"
	"        o = json.loads(text.decode('utf-8'), parse_constant=no_constant)\n"
	"    except ValueError as e:\n"
	"        print('%s: %s: %r' % (src, e, text[:200]))\n"
	"        bad += 1\n"
	"        continue\n"
	"    n += 1\n"
	"    for s in strings(o):\n"
	"        for i, w in enumerate(want.get(src, [])):\n"
	"            if w in s:\n"
	"                seen[src].add(i)\n"
	"for src, ws in want.items():\n"
	"    for i in range(len(ws)):\n"
	"        if i not in seen[src]:\n"
	"            print('%s: text %d not found' % (src, i))\n"
	"            bad += 1\n"
	"print('%d JSON texts parsed' % n)\n"
	"sys.exit(1 if bad else 0)\n";

/* One JSON text: valid, and (want != NULL) holding want. */
static bool
json_holds(const char *what, const char *s, size_t n, const char *want, bool substring)
{
	bool ok = json_valid(s, n);

	py_record(what, s, n);
	if (!ok)
		fprintf(stderr, "\n      %s: not valid JSON: %.*s", what, (int)(n > 400 ? 400 : n), s);
	else if (want && !has_string(s, n, want, substring))
		fprintf(stderr, "\n      %s: the text did not survive: %.*s", what, (int)(n > 400 ? 400 : n), s);
	return ok && (want == NULL || has_string(s, n, want, substring));
}

/*
 * Every line of text is one valid JSON text; each of wants (NULL-terminated) is held by some line
 * (as a substring of one of its strings).  The number of lines, or -1.
 */
static int
lines_hold(const char *what, const char *text, const char *const *wants)
{
	int lines = 0, bad = 0;
	bool seen[8] = { false };

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		py_record(what, p, n);
		if (!json_valid(p, n)) {
			if (bad++ < 3)
				fprintf(stderr, "\n      %s line %d not valid JSON: %.*s", what, lines + 1, (int)(n > 300 ? 300 : n), p);
		}
		for (int k = 0; wants && wants[k] && k < 8; k++)
			seen[k] = seen[k] || has_string(p, n, wants[k], true);
		lines++;
		p += n + (p[n] == '\n');
	}
	for (int k = 0; wants && wants[k] && k < 8; k++)
		if (!seen[k]) {
			fprintf(stderr, "\n      %s: no line holds text %d", what, k);
			bad++;
		}
	return bad ? -1 : lines;
}

static char *
hex(const char *s, char *out)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
	out[2 * n] = '\0';
	return out;
}

/* "SOURCE=HEX,HEX": what python3 must find in the texts of SOURCE; into a static buffer ring. */
static const char *
want_arg(const char *src, const char *a, const char *b, const char *c)
{
	static char bufs[8][1024];
	static unsigned next;
	char *o = bufs[next++ % 8];
	const char *t[] = { a, b, c };

	size_t n = (size_t)snprintf(o, sizeof(bufs[0]), "%s=", src);

	for (int i = 0; i < 3 && t[i] && n + 2 * strlen(t[i]) + 2 < sizeof(bufs[0]); i++) {
		if (i)
			o[n++] = ',';
		hex(t[i], o + n);
		n += strlen(o + n);
	}
	return o;
}

/* ---- Redis ---- */

/* The first field of XRANGE entry e named name, or NULL. */
static const redisReply *
entry_field(const redisReply *e, const char *name)
{
	const redisReply *kv = e->element[1];

	for (size_t i = 0; i + 1 < kv->elements; i += 2)
		if (strcmp(kv->element[i]->str, name) == 0)
			return kv->element[i + 1];
	return NULL;
}

static bool
reply_is(const redisReply *r, const char *want)
{
	return r && r->type == REDIS_REPLY_STRING && r->len == strlen(want) && memcmp(r->str, want, r->len) == 0;
}

/* The order id of the first entry of the orders stream for symbol, 0 while there is none. */
static long
order_id_of(redisContext *c, const char *stream, const char *symbol)
{
	redisReply *x = redisCommand(c, "XRANGE %s - +", stream);
	long id = 0;

	for (size_t i = 0; x && x->type == REDIS_REPLY_ARRAY && i < x->elements && id == 0; i++) {
		const redisReply *f = entry_field(x->element[i], "order_id");
		if (f && reply_is(entry_field(x->element[i], "symbol"), symbol))
			id = strtol(f->str, NULL, 10);
	}
	if (x)
		freeReplyObject(x);
	return id;
}

/* s is k >= min whole copies of the 2-byte character c2 (a cut between characters). */
static bool
whole_chars(const redisReply *r, const char *c2, size_t min)
{
	if (r == NULL || r->type != REDIS_REPLY_STRING || r->len % 2 || r->len < 2 * min)
		return false;
	for (size_t i = 0; i < r->len; i += 2)
		if (memcmp(r->str + i, c2, 2) != 0)
			return false;
	return true;
}

/* What the orders stream holds for one order. */
struct order_entries {
	int mine;      /* entries */
	int with_acct; /* with an account (placed without one, PendingSubmit has none: the gateway's openOrder names it) */
	int acct_ok;   /* whose account is exactly the id sent */
	int rejected;  /* Rejected with exactly the error text as its reason */
};

static bool
order_entries(redisContext *c, const char *stream, long id, struct order_entries *oe)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", stream);

	memset(oe, 0, sizeof(*oe));
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		if (r)
			freeReplyObject(r);
		return false;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *f = entry_field(e, "order_id"), *a = entry_field(e, "account");
		if (f == NULL || strtol(f->str, NULL, 10) != id)
			continue;
		oe->mine++;
		oe->with_acct += a && a->len > 0;
		oe->acct_ok += reply_is(a, ACCT);
		if (reply_is(entry_field(e, "status"), "Rejected"))
			oe->rejected += reply_is(entry_field(e, "reason"), ERR);
	}
	freeReplyObject(r);
	return true;
}

/* P:events messages until one says "ready": each valid, the id in some; how many, -1 if one failed. */
static int
events_until_ready(redisContext *sub)
{
	redisReply *rep;
	int n = 0, bad = 0;
	bool ready = false, id_seen = false;
	struct timeval tv = { 30, 0 };

	redisSetTimeout(sub, tv);
	while (!ready && redisGetReply(sub, (void **)&rep) == REDIS_OK) {
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 && rep->element[2]->type == REDIS_REPLY_STRING) {
			const redisReply *m = rep->element[2];
			n++;
			bad += !json_holds("P:events", m->str, m->len, NULL, false);
			id_seen = id_seen || has_string(m->str, m->len, ACCT_JSON, false);
			ready = strstr(m->str, "{\"sync\":\"ready\"") != NULL;
		}
		freeReplyObject(rep);
	}
	return ready && id_seen && bad == 0 ? n : -1;
}

/* ---- the test ---- */

static void
test_hostile_text_through_every_json(void)
{
	char hexbuf[512], syms[64], cmd[600], out[256], rec[300], key[200];
	const char *sim[] = { "--accounts-hex", hex(ACCT, hexbuf), "--symbols", syms, NULL };
	struct tu_opts o = { .sim_args = sim, .strategy = "trader", .script = "BUY AAPL 100 LMT 1.00; BUY MSFT 100 LMT 1.00",
			     .redis = TU_REDIS_PRIVATE };
	const char *args[] = { "--log-format", "json", "--record", rec, NULL };
	struct tu_stack s;
	redisContext *c, *sub;
	redisReply *r;

	snprintf(syms, sizeof(syms), "%s,AAPL,MSFT", SYM);
	snprintf(rec, sizeof(rec), "%s/session.ibrec", tu_tmpdir());
	o.args = args;
	char texts[300];
	snprintf(texts, sizeof(texts), "%s/texts", tu_tmpdir());
	py_texts = fopen(texts, "w");
	CU_ASSERT_FATAL(py_texts != NULL);
	/* the pieces one by one: P:events is subscribed to before ibpipe starts */
	memset(&s, 0, sizeof(s));
	snprintf(s.prefix, sizeof(s.prefix), "jp%d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(tu_redis_start(&s.redis, 0, NULL, NULL), 0);
	s.redis_port = s.redis.port;
	snprintf(s.url, sizeof(s.url), "redis://127.0.0.1:%d", s.redis_port);
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s.sim, sim), 0);
	c = tu_rconn(s.redis_port);
	sub = tu_rconn(s.redis_port);
	CU_ASSERT_FATAL(c != NULL && sub != NULL);
	r = redisCommand(sub, "SUBSCRIBE %s", tu_key(&s, "events"));
	CU_ASSERT(r != NULL && r->type == REDIS_REPLY_ARRAY);
	if (r)
		freeReplyObject(r);
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&s.ib, s.sim.port, &o, s.url, s.prefix), 0);

	/* P:events, up to "ready" */
	CU_ASSERT(events_until_ready(sub) > 0);
	redisFree(sub);
	CU_ASSERT_EQUAL(tu_stack_ready(&s, 30000), 0);

	/* the order on the hostile account rests; then the gateway rejects it with the hostile text */
	long id = 0;
	CU_ASSERT(TU_UNTIL((id = order_id_of(c, tu_key(&s, "stream:orders"), "AAPL")) > 0, 20000));
	snprintf(key, sizeof(key), "%s:order:%ld", s.prefix, id);
	char st[64];
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, key, "status", st, sizeof(st)), "Submitted") == 0, 20000));
	snprintf(cmd, sizeof(cmd), "error-hex %ld 201 ", id);
	hex(ERR, cmd + strlen(cmd));
	CU_ASSERT_EQUAL(tu_control(s.sim.ctl, cmd, out, sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "ok error-hex sent to 1", 22) == 0);
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, key, "status", st, sizeof(st)), "Rejected") == 0, 20000));

	/* the second order gets the long text: its reason is cut between two characters */
	char key2[200];
	long id2 = 0;
	CU_ASSERT(TU_UNTIL((id2 = order_id_of(c, tu_key(&s, "stream:orders"), "MSFT")) > 0, 20000));
	snprintf(key2, sizeof(key2), "%s:order:%ld", s.prefix, id2);
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, key2, "status", st, sizeof(st)), "Submitted") == 0, 20000));
	snprintf(cmd, sizeof(cmd), "error-hex %ld 201 ", id2);
	hex(LONG_ERR, cmd + strlen(cmd));
	CU_ASSERT_EQUAL(tu_control(s.sim.ctl, cmd, out, sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "ok error-hex sent to 1", 22) == 0);
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, key2, "status", st, sizeof(st)), "Rejected") == 0, 20000));
	r = redisCommand(c, "HGET %s reason", key2);
	CU_ASSERT(whole_chars(r, E_ACUTE, 50));
	if (r)
		freeReplyObject(r);

	/* P:sync:detail */
	r = redisCommand(c, "GET %s", tu_key(&s, "sync:detail"));
	CU_ASSERT_FATAL(r != NULL && r->type == REDIS_REPLY_STRING);
	CU_ASSERT(json_holds("P:sync:detail", r->str, r->len, ACCT_JSON, false));
	freeReplyObject(r);

	/* P:positions:{A}: the key carries the id as sent; each value a valid JSON object, one with the symbol */
	r = redisCommand(c, "HGETALL %s:positions:{%s}", s.prefix, ACCT);
	CU_ASSERT_FATAL(r != NULL && r->type == REDIS_REPLY_ARRAY);
	CU_ASSERT(r->elements >= 4); /* the symbol's position and AAPL's */
	int valid = 0, with_sym = 0;
	for (size_t i = 1; i < r->elements; i += 2) {
		valid += json_holds("P:positions", r->element[i]->str, r->element[i]->len, NULL, false);
		with_sym += has_string(r->element[i]->str, r->element[i]->len, SYM_JSON, false);
	}
	CU_ASSERT_EQUAL((size_t)valid, r->elements / 2);
	CU_ASSERT_EQUAL(with_sym, 1);
	freeReplyObject(r);

	/* the orders stream and the order's hash are Redis strings: the gateway's bytes, exactly */
	struct order_entries oe = { 0 };
	CU_ASSERT(TU_UNTIL(order_entries(c, tu_key(&s, "stream:orders"), id, &oe) && oe.rejected > 0, 20000));
	CU_ASSERT(oe.mine >= 3);
	CU_ASSERT(oe.acct_ok >= 2);
	CU_ASSERT_EQUAL(oe.acct_ok, oe.with_acct);
	CU_ASSERT_EQUAL(oe.rejected, 1);
	r = redisCommand(c, "HMGET %s account reason", key);
	CU_ASSERT_FATAL(r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
	CU_ASSERT(reply_is(r->element[0], ACCT));
	CU_ASSERT(reply_is(r->element[1], ERR));
	freeReplyObject(r);

	/* ibpipe status --json */
	static char big[1 << 17];
	char *const status[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", s.url, "--redis-prefix", s.prefix,
				 "--json", NULL };
	int rc = tu_run(status, big, sizeof(big), 10000);
	CU_ASSERT(rc >= 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	size_t n = strlen(big);
	n -= n && big[n - 1] == '\n';
	CU_ASSERT(json_holds("status --json", big, n, ACCT_JSON, false));

	/* ibpipe probe: its own session with the gateway, one JSON verdict */
	char port[16];
	snprintf(port, sizeof(port), "%d", s.sim.port);
	char *const probe[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--client-id", "99", "--log-level", "error", NULL };
	rc = tu_run(probe, big, sizeof(big), 30000);
	CU_ASSERT(rc >= 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	n = strlen(big);
	n -= n && big[n - 1] == '\n';
	CU_ASSERT(json_holds("probe", big, n, ACCT_JSON, false));
	redisFree(c);

	/* ibpipe web: the dashboard's /api/state, read from Redis alone, once it shows the rejection */
	char weblog[300], line[256];
	const char *at;
	int wport = 0;
	snprintf(weblog, sizeof(weblog), "%s/web.log", s.ib.dir);
	char *const webv[] = { (char *)tu_bin("ibpipe"), "web", "--listen", "127.0.0.1:0", "--redis-url", s.url,
			       "--redis-prefix", s.prefix, NULL };
	pid_t web = tu_spawn(webv, weblog);
	if (web > 0 && tu_wait_for_text(weblog, "ibpipe web: dashboard on http://127.0.0.1:", 10000) == 0 &&
	    tu_last_line(weblog, "ibpipe web: dashboard on", line, sizeof(line)) == 0 && (at = strstr(line, "127.0.0.1:")))
		wport = atoi(at + 10);
	CU_ASSERT(wport > 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(wport, "/api/state", big, sizeof(big)) == 200 && strstr(big, "Rejected"), 20000));
	for (n = strlen(big); n > 0 && (big[n - 1] == '\n' || big[n - 1] == '\r'); n--)
		;
	CU_ASSERT(json_holds("web /api/state", big, n, ACCT_JSON, false));
	CU_ASSERT(has_string(big, n, ERR_JSON, false)); /* the order's reason in the orders tail */
	CU_ASSERT(has_string(big, n, LONG_KEPT, true) && !has_string(big, n, E_CUT, true));
	CU_ASSERT(web > 0 && tu_exited_ok(tu_stop(web, SIGTERM, 10000)));

	/* a clean stop: the log, the strategy's lines and the recording are whole */
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));

	/* the log, one JSON object per line */
	char *text = tu_read_file(s.ib.log, NULL);
	CU_ASSERT_FATAL(text != NULL);
	const char *in_log[] = { ERR_JSON, LONG_KEPT, NULL };
	CU_ASSERT(lines_hold("log", text, in_log) > 5);
	free(text);

	/* the strategy's JSON lines (the recorder's format) */
	text = tu_read_file(tu_slog(&s.ib, 0), NULL);
	CU_ASSERT_FATAL(text != NULL);
	const char *in_strategy[] = { ACCT_JSON, ERR_JSON, LONG_KEPT, NULL };
	CU_ASSERT(lines_hold("strategy log", text, in_strategy) > 3);
	CU_ASSERT(!has_string(text, strlen(text), E_CUT, true));
	free(text);

	/* ibpipe dump of the recording: every frame as one JSON line */
	static char dump[1 << 22];
	char *const dumpv[] = { (char *)tu_bin("ibpipe"), "dump", rec, NULL };
	rc = tu_run(dumpv, dump, sizeof(dump), 30000);
	CU_ASSERT(rc >= 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	CU_ASSERT(strlen(dump) + 1 < sizeof(dump));
	const char *in_dump[] = { ACCT_JSON, SYM_JSON, ERR_JSON, NULL };
	CU_ASSERT(lines_hold("dump", dump, in_dump) > 10);

	/* the same texts through python3's json */
	fclose(py_texts);
	py_texts = NULL;
	char *const py[] = { "/usr/bin/python3", "-c", (char *)PY_CHECK, texts,
			     (char *)want_arg("P:sync:detail", ACCT_JSON, NULL, NULL),
			     (char *)want_arg("P:events", ACCT_JSON, NULL, NULL),
			     (char *)want_arg("P:positions", SYM_JSON, NULL, NULL),
			     (char *)want_arg("status --json", ACCT_JSON, NULL, NULL),
			     (char *)want_arg("probe", ACCT_JSON, NULL, NULL),
			     (char *)want_arg("web /api/state", ACCT_JSON, ERR_JSON, LONG_KEPT),
			     (char *)want_arg("log", ERR_JSON, LONG_KEPT, NULL),
			     (char *)want_arg("strategy log", ACCT_JSON, ERR_JSON, LONG_KEPT),
			     (char *)want_arg("dump", ACCT_JSON, SYM_JSON, ERR_JSON),
			     NULL };
	rc = tu_run(py, big, sizeof(big), 60000);
	if (!(rc >= 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0))
		fprintf(stderr, "\n      python3 json: %.2000s", big);
	CU_ASSERT(rc >= 0 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	CU_ASSERT(strstr(big, " JSON texts parsed") != NULL);
}

void
test_json_path_register(void)
{
	CU_pSuite s = CU_add_suite("json_path", NULL, NULL);
	CU_add_test(s, "an account id, a symbol and an error text with any bytes: every JSON valid, the text kept",
		    test_hostile_text_through_every_json);
}
