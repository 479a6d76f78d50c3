/*
 * sim_send.c - what a gateway sends, field for field at server version
 * 157..176.  Strict clients (the official ones, @stoqey/ib) reject a frame
 * with a field too many or too few, so every layout here is exact; openOrder
 * is built on a real gateway frame (shared vectors, server 173, the same
 * layout up to 176) with the order's own values put in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/ib.h"
#include "sim.h"

void
sim_frame(struct sim_client *c, const char *const *fields, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += strlen(fields[i]) + 1;
	if (c->closing || c->out_len + 4 + len > SIM_OUT_CAP) {
		c->errors++;
		return; /* a client that does not read is dropped by the caller */
	}
	ib_be32_put(c->out + c->out_len, (uint32_t)len);
	c->out_len += 4;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(fields[i]) + 1;
		memcpy(c->out + c->out_len, fields[i], k);
		c->out_len += k;
	}
	c->msgs_out++;
}

#define NUM(buf, fmt, v) (snprintf(buf, sizeof(buf), fmt, v), buf)

void
sim_send_error(struct sim_client *c, int32_t req_id, int code, const char *msg)
{
	char r[16], k[16];
	const char *f[] = { "4", "2", NUM(r, "%d", req_id), NUM(k, "%d", code), msg, "" };

	/* advancedOrderRejectJson exists from 166 on */
	sim_frame(c, f, c->server_version >= IB_SV_ADVANCED_ORDER_REJECT ? 6 : 5);
}

void
sim_send_managed_accounts(struct sim *s, struct sim_client *c)
{
	char list[256] = "";

	for (int i = 0; i < s->nacct; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "", s->acct[i].id);
	const char *f[] = { "15", "1", list };
	sim_frame(c, f, 3);
}

void
sim_send_next_id(struct sim_client *c, int32_t id)
{
	char v[16];
	const char *f[] = { "9", "1", NUM(v, "%d", id) };
	sim_frame(c, f, 3);
}

static void
acct_value(struct sim_client *c, const char *acct, const char *key, const char *cur, double v)
{
	char b[32];
	const char *f[] = { "6", "2", key, NUM(b, "%.2f", v), cur, acct };
	sim_frame(c, f, 6);
}

static void
acct_text(struct sim_client *c, const char *acct, const char *key, const char *value)
{
	const char *f[] = { "6", "2", key, value, "", acct };
	sim_frame(c, f, 6);
}

static double
position_value(const struct sim *s, const struct sim_account *a)
{
	double v = 0;
	for (int i = 0; i < a->npos; i++)
		v += a->pos[i].qty * s->sym[a->pos[i].sym].last;
	return v;
}

void
sim_send_account_download(struct sim *s, struct sim_client *c, int ai)
{
	const struct sim_account *a = &s->acct[ai];
	double gpv = position_value(s, a), nl = a->cash + gpv, unreal = 0;
	char hhmm[8], b[8][32];
	time_t now = time(NULL);
	struct tm tm;

	for (int i = 0; i < a->npos; i++)
		unreal += a->pos[i].qty * (s->sym[a->pos[i].sym].last - a->pos[i].avg_cost);
	acct_text(c, a->id, "AccountCode", a->id);
	acct_text(c, a->id, "AccountReady", "true");
	acct_text(c, a->id, "AccountType", "INDIVIDUAL");
	const char *curs[] = { "USD", "BASE" };
	for (int k = 0; k < 2; k++) {
		acct_value(c, a->id, "CashBalance", curs[k], a->cash);
		acct_value(c, a->id, "TotalCashValue", curs[k], a->cash);
		acct_value(c, a->id, "NetLiquidation", curs[k], nl);
		acct_value(c, a->id, "UnrealizedPnL", curs[k], unreal);
		acct_value(c, a->id, "RealizedPnL", curs[k], a->realized);
		acct_value(c, a->id, "StockMarketValue", curs[k], gpv);
	}
	acct_value(c, a->id, "BuyingPower", "USD", nl * 4);
	acct_value(c, a->id, "AvailableFunds", "USD", nl - gpv * 0.25);
	acct_value(c, a->id, "ExcessLiquidity", "USD", nl - gpv * 0.25);
	acct_value(c, a->id, "GrossPositionValue", "USD", gpv);
	acct_value(c, a->id, "InitMarginReq", "USD", gpv * 0.25);
	acct_value(c, a->id, "MaintMarginReq", "USD", gpv * 0.25);
	acct_text(c, a->id, "Currency", "USD");
	for (int i = 0; i < a->npos; i++) {
		const struct sim_position *p = &a->pos[i];
		const struct sim_symbol *sy = &s->sym[p->sym];
		const char *f[] = { "7", "8", NUM(b[0], "%d", sy->con_id), sy->name, "STK", "", "0", "", "", "NASDAQ", "USD",
				    sy->name, "NMS", NUM(b[1], "%g", p->qty), NUM(b[2], "%.2f", sy->last),
				    NUM(b[3], "%.2f", p->qty * sy->last), NUM(b[4], "%.4f", p->avg_cost),
				    NUM(b[5], "%.2f", p->qty * (sy->last - p->avg_cost)), "0", a->id };
		sim_frame(c, f, 20);
	}
	localtime_r(&now, &tm);
	strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
	const char *t[] = { "8", "1", hhmm };
	sim_frame(c, t, 3);
}

void
sim_send_positions(struct sim *s, struct sim_client *c)
{
	char b[3][32];

	for (int k = 0; k < s->nacct; k++) {
		const struct sim_account *a = &s->acct[k];
		for (int i = 0; i < a->npos; i++) {
			const struct sim_symbol *sy = &s->sym[a->pos[i].sym];
			const char *f[] = { "61", "3", a->id, NUM(b[0], "%d", sy->con_id), sy->name, "STK", "", "0", "", "",
					    "NASDAQ", "USD", sy->name, "NMS", NUM(b[1], "%g", a->pos[i].qty),
					    NUM(b[2], "%.4f", a->pos[i].avg_cost) };
			sim_frame(c, f, 16);
		}
	}
	const char *e[] = { "62", "1" };
	sim_frame(c, e, 2);
}

/* A real openOrder frame (server 173; identical layout through 176), fields 1..136. */
static const char *const open_order_template[] = {
	"5", "5", "265598", "AAPL", "STK", "", "0", "?", "", "SMART", "USD", "AAPL", "NMS", "BUY", "100", "MKT", "0.0",
	"0.0", "DAY", "", "DU1234567", "", "0", "", "100", "600745656", "0", "0", "0", "", "600745656.0/DU1234567/100",
	"", "", "", "", "", "", "", "", "", "0", "", "-1", "0", "", "", "", "", "", "2147483647", "0", "0", "0", "",
	"3", "0", "0", "", "0", "0", "", "0", "None", "", "0", "", "", "", "?", "0", "0", "", "0", "0", "", "", "", "",
	"", "0", "0", "0", "2147483647", "2147483647", "", "", "0", "", "IB", "0", "0", "", "0", "0", "PreSubmitted",
	"1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308",
	"1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308",
	"1.7976931348623157E308", "", "", "", "", "", "0", "0", "0", "None", "1.7976931348623157E308",
	"1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308",
	"1.7976931348623157E308", "0", "", "", "", "0", "1", "0", "0", "0", "", "", "0", "", "100", "0.02", "", "",
};
#define OO_FIELDS ((int)(sizeof(open_order_template) / sizeof(open_order_template[0])))

void
sim_send_open_order(struct sim *s, struct sim_client *c, const struct sim_order *o)
{
	const char *f[OO_FIELDS];
	char id[16], con[16], qty[32], lmt[32], aux[32], cid[16], perm[24], alloc[96];

	memcpy(f, open_order_template, sizeof(f));
	f[1] = NUM(id, "%d", o->id);
	f[2] = NUM(con, "%d", s->sym[o->sym].con_id);
	f[3] = s->sym[o->sym].name;
	f[11] = s->sym[o->sym].name;
	f[13] = o->action;
	f[14] = NUM(qty, "%g", o->qty);
	f[15] = o->type;
	f[16] = NUM(lmt, "%.10g", o->lmt);
	f[17] = NUM(aux, "%.10g", o->aux);
	f[18] = o->tif;
	f[20] = s->acct[o->acct].id;
	f[24] = NUM(cid, "%d", c->client_id);
	f[25] = NUM(perm, "%lld", (long long)o->perm_id);
	snprintf(alloc, sizeof(alloc), "%lld.0/%s/%g", (long long)o->perm_id, s->acct[o->acct].id, o->qty);
	f[30] = alloc;
	f[94] = o->status;
	sim_frame(c, f, OO_FIELDS);
}

void
sim_send_order_status(struct sim_client *c, const struct sim_order *o, double last_fill)
{
	char b[8][32];
	const char *f[] = { "3", NUM(b[0], "%d", o->id), o->status, NUM(b[1], "%g", o->filled),
			    NUM(b[2], "%g", o->qty - o->filled), NUM(b[3], "%.10g", o->avg), NUM(b[4], "%lld", (long long)o->perm_id),
			    "0", NUM(b[5], "%.10g", last_fill), NUM(b[6], "%d", c->client_id), "", "0" };
	sim_frame(c, f, 12);
}

void
sim_send_exec(struct sim *s, struct sim_client *c, const struct sim_order *o, int32_t req_id, double shares,
	      double price, int64_t exec_no)
{
	char b[12][48], when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d %H:%M:%S UTC", &tm);
	const char *f[] = { "11", NUM(b[0], "%d", req_id), NUM(b[1], "%d", o->id), NUM(b[2], "%d", s->sym[o->sym].con_id),
			    s->sym[o->sym].name, "STK", "", "0", "", "", "SMART", "USD", s->sym[o->sym].name, "NMS",
			    NUM(b[3], "0000sim.%08llx.01.01", (long long)exec_no), when, s->acct[o->acct].id, "IBSIM",
			    strcmp(o->action, "BUY") == 0 ? "BOT" : "SLD", NUM(b[4], "%g", shares), NUM(b[5], "%.10g", price),
			    NUM(b[6], "%lld", (long long)o->perm_id), NUM(b[7], "%d", c->client_id), "0",
			    NUM(b[8], "%g", o->filled), NUM(b[9], "%.10g", o->avg), "", "", "", "", "2" };
	sim_frame(c, f, 31);
}

void
sim_send_contract(struct sim *s, struct sim_client *c, int32_t req_id, int sym)
{
	char b[4][32];
	const struct sim_symbol *sy = &s->sym[sym];
	const char *f[] = { "10", NUM(b[0], "%d", req_id), sy->name, "STK", "", "0", "", "SMART", "USD", sy->name, "NMS", "NMS",
			    NUM(b[1], "%d", sy->con_id), "0.01", "", "LMT,MKT,STP", "SMART,NASDAQ,NYSE", "1", "0", sy->name,
			    "NASDAQ", "", "Technology", "Computers", "Computers", "US/Eastern",
			    "20250101:0400-20250101:2000", "20250101:0930-20250101:1600", "", "", "1", "ISIN", "US0000000000",
			    "1", "", "", "26", "", "COMMON", "0.0001", "0.0001", "100" };
	sim_frame(c, f, (int)(sizeof(f) / sizeof(f[0])));
	const char *e[] = { "52", "1", b[0] };
	sim_frame(c, e, 3);
}
