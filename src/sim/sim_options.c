/*
 * sim_options.c - ibsim's option model: the tickOptionComputation ticks an
 * OPT subscription gets (model 13, bid 10, ask 11; 83, 80, 81 for delayed
 * data), computed from the underlying's walk.  Runs on ibsim's one thread.
 *
 * The model is Black-Scholes without rates or dividends (so pvDividend is
 * 0), deterministic: the underlying price is the underlying's mid, the
 * time is to 20:00 UTC of the expiry day (at least one hour), and the
 * volatility is a small smile, 0.20 + 0.10 * |ln(K/S)|; the bid and ask
 * computations use it minus and plus 0.01.  Vega is per volatility point
 * and theta per calendar day, as IB quotes them.  Without an underlying
 * price everything is sent as IB's "not computed" (-1 / -2).
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

#define YEAR_S (365.0 * 86400.0)

/* Years from now to 20:00 UTC of the expiry day YYYYMMDD; at least an hour. */
static double
years_to(const char *ymd, time_t now)
{
	struct tm tm = { 0 };
	int v[3] = { 0 }, width[3] = { 4, 2, 2 };

	for (int f = 0, i = 0; f < 3; f++) /* YYYYMMDD, digits only (our own catalogue's text) */
		for (int k = 0; k < width[f]; k++, i++) {
			if (ymd[i] < '0' || ymd[i] > '9')
				return 3600.0 / YEAR_S;
			v[f] = v[f] * 10 + (ymd[i] - '0');
		}
	tm.tm_year = v[0] - 1900, tm.tm_mon = v[1] - 1, tm.tm_mday = v[2], tm.tm_hour = 20;
	double s = difftime(timegm(&tm), now);
	return (s < 3600.0 ? 3600.0 : s) / YEAR_S;
}

static double
norm_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

static double
norm_pdf(double x)
{
	return exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

/* Black-Scholes, r = q = 0. */
static void
black_scholes(double S, double K, double T, double vol, bool call, struct sim_greeks *g)
{
	double sd = vol * sqrt(T);
	double d1 = (log(S / K) + 0.5 * vol * vol * T) / sd, d2 = d1 - sd;

	g->iv = vol;
	g->und_price = S;
	g->pv_dividend = 0;
	g->opt_price = call ? S * norm_cdf(d1) - K * norm_cdf(d2) : K * norm_cdf(-d2) - S * norm_cdf(-d1);
	g->delta = call ? norm_cdf(d1) : norm_cdf(d1) - 1;
	g->gamma = norm_pdf(d1) / (S * sd);
	g->vega = S * norm_pdf(d1) * sqrt(T) / 100;
	g->theta = -S * norm_pdf(d1) * vol / (2 * sqrt(T)) / 365;
}

bool
sim_opt_is_option(const struct sim_instr *in)
{
	return in->k && strcmp(in->k->sec_type, "OPT") == 0;
}

void
sim_opt_greeks(const struct sim *s, const struct sim_instr *in, double vol_shift, time_t now, struct sim_greeks *g)
{
	const struct sim_contract *k = in->k;
	int32_t u = k->under_symbol ? sim_md_find(s, k->under_symbol) : -1;
	double S = u >= 0 ? (s->instr[u].bid + s->instr[u].ask) / 2 : 0;

	if (!(S > 0) || !(k->strike > 0)) {
		*g = (struct sim_greeks){ DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX };
		return;
	}
	double vol = 0.20 + 0.10 * fabs(log(k->strike / S)) + vol_shift;
	black_scholes(S, k->strike, years_to(k->expiry, now), vol, k->right[0] == 'C', g);
}

int
sim_opt_send(const struct sim *s, struct sim_client *c, int32_t req, const struct sim_instr *in)
{
	static const struct {
		int32_t live, delayed;
		double shift;
	} ticks[] = { { 10, 80, -0.01 }, { 11, 81, 0.01 }, { 13, 83, 0 } };
	time_t now = time(NULL);

	for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		struct sim_greeks g;
		sim_opt_greeks(s, in, ticks[i].shift, now, &g);
		sim_enc_tick_option(&c->out, req, c->md_type >= 3 ? ticks[i].delayed : ticks[i].live, &g);
	}
	return (int)(sizeof(ticks) / sizeof(ticks[0]));
}
