/*
 * contracts.c - the resolved contract table: which configured symbols are
 * contract specs, how one reqContractDetails answer becomes one contract
 * (or a refusal naming the candidates), the conId cache, and the accessor
 * the rest of the pipeline reads resolved contracts with.
 *
 * Setup runs on the main thread before the threads start; the choice runs
 * on the network thread (resolve.c); the cache is written by the account
 * thread.  Rules of who writes what: contracts.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/contract_spec.h"
#include "codec/wire.h"
#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "ibpipe/log.h"
#include "util/str.h"

/* A configured item that is a spec rather than a bare stock symbol (the config keeps specs canonical). */
static bool
is_spec(const char *item)
{
	return strchr(item, ':') != NULL || strchr(item, '@') != NULL;
}

static void
load_cache(ib_contract_table *t)
{
	FILE *f = fopen(t->cache_path, "r");
	char line[256];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab = strchr(line, '\t'), *end = NULL;
		long id;
		if (line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		id = strtol(tab + 1, &end, 10);
		if (end == tab + 1 || id <= 0 || id > INT32_MAX)
			continue; /* a damaged line: as if not cached */
		for (int k = 0; k < t->n; k++)
			if (strcmp(t->slot[k].spec, line) == 0)
				t->slot[k].cached_con_id = t->slot[k].stored_con_id = (int32_t)id;
	}
	fclose(f);
}

int
ib_contracts_setup(ib_contract_table *t, const ib_config *cfg, ib_quote_table *q, char *err, size_t cap)
{
	int n = cfg->nsymbols < IB_CFG_MAX_SYMBOLS ? cfg->nsymbols : IB_CFG_MAX_SYMBOLS;

	t->n = 0;
	for (int i = 0; i < IB_CFG_MAX_SYMBOLS; i++)
		t->of_instrument[i] = -1;
	for (int i = 0; i < n; i++) {
		struct ib_contract_slot *s;
		if (!is_spec(cfg->symbols[i])) {
			ib_quote_set_name(q, (uint32_t)i, cfg->symbols[i]);
			continue;
		}
		if (t->n == IB_MAX_CONTRACTS) {
			snprintf(err, cap, "symbols: more than %d contract specs (bare stock symbols do not count)",
				 IB_MAX_CONTRACTS);
			return -1;
		}
		s = &t->slot[t->n];
		memset(s, 0, sizeof(*s)); /* before the threads: no reader yet */
		if (ib_spec_parse(cfg->symbols[i], strlen(cfg->symbols[i]), &s->want, err, cap) != IB_OK)
			return -1;
		ib_strlcpy(s->spec, cfg->symbols[i], sizeof(s->spec));
		s->instrument = (uint32_t)i;
		s->front_month = ib_spec_is_front_month(&s->want);
		t->mid_from_bbo[i] = strcmp(s->want.sec_type, "CASH") == 0;
		t->of_instrument[i] = (int16_t)t->n++;
	}
	t->cache_path[0] = '\0';
	if (t->n > 0) {
		const char *dir = cfg->state_dir[0] ? cfg->state_dir : ".";
		ib_strlcpy(t->cache_dir, dir, sizeof(t->cache_dir));
		snprintf(t->cache_path, sizeof(t->cache_path), "%s/contracts-%s-%d-%d", dir, cfg->host, cfg->port,
			 cfg->client_id);
		load_cache(t);
	}
	return 0;
}

/* ---- one request's candidates ---- */

void
ib_contracts_begin(struct ib_contract_slot *s)
{
	s->ncand = 0;
	s->kept = false;
	s->tie = false;
	s->cands[0] = '\0';
	memset(&s->cand, 0, sizeof(s->cand));
}

static void
from_data(ib_resolved_contract *r, const ib_contract_data *cd, const ib_contract *want)
{
	const ib_contract_view *v = &cd->contract;
	ib_contract *c = &r->contract;
	double m = 0;

	memset(r, 0, sizeof(*r));
	c->con_id = v->con_id;
	ib_str_copy(c->symbol, sizeof(c->symbol), v->symbol);
	ib_str_copy(c->sec_type, sizeof(c->sec_type), v->sec_type);
	ib_str_copy(c->last_trade_date, sizeof(c->last_trade_date), v->last_trade_date);
	c->strike = v->strike;
	ib_str_copy(c->right, sizeof(c->right), v->right);
	ib_str_copy(c->multiplier, sizeof(c->multiplier), v->multiplier);
	ib_str_copy(c->exchange, sizeof(c->exchange), v->exchange);
	ib_str_copy(c->primary_exchange, sizeof(c->primary_exchange), v->primary_exchange);
	ib_str_copy(c->currency, sizeof(c->currency), v->currency);
	ib_str_copy(c->local_symbol, sizeof(c->local_symbol), v->local_symbol);
	ib_str_copy(c->trading_class, sizeof(c->trading_class), v->trading_class);
	if (want->exchange[0]) /* routed where the spec said (IB may describe it on another) */
		ib_strlcpy(c->exchange, want->exchange, sizeof(c->exchange));
	if (c->multiplier[0] && (ib_parse_f64(c->multiplier, strlen(c->multiplier), &m) != IB_OK || !(m > 0)))
		m = 0;
	r->multiplier = m > 0 ? m : 1;
	r->min_tick = cd->min_tick;
	ib_str_copy(r->time_zone, sizeof(r->time_zone), cd->time_zone_id);
	ib_str_copy(r->trading_hours, sizeof(r->trading_hours), cd->trading_hours);
	ib_str_copy(r->liquid_hours, sizeof(r->liquid_hours), cd->liquid_hours);
	ib_str_copy(r->long_name, sizeof(r->long_name), cd->long_name);
	if (ib_spec_key(c, r->key, sizeof(r->key)) < 0)
		snprintf(r->key, sizeof(r->key), "conid:%d", (int)c->con_id); /* IB sent what no spec can say */
}

/* The expiry date of a contract, YYYYMMDD, or "" (IB may append a time and zone). */
static void
expiry_of(const ib_contract *c, char out[9])
{
	size_t n = strnlen(c->last_trade_date, 8);

	memcpy(out, c->last_trade_date, n);
	out[n] = '\0';
	if (n < 8)
		out[0] = '\0';
}

void
ib_contracts_candidate(struct ib_contract_slot *s, const ib_contract_data *cd, const char *today)
{
	ib_resolved_contract r;
	size_t len = strlen(s->cands);

	from_data(&r, cd, &s->want);
	s->ncand++;
	/* "AMBIG (conId 700000001, NYSE, class AMBIG)": what tells the candidates apart, and how to name one */
	if (len + 64 < sizeof(s->cands))
		snprintf(s->cands + len, sizeof(s->cands) - len, "%s%s (conId %d%s%s%s%s)", len ? ", " : "",
			 r.contract.local_symbol[0] ? r.contract.local_symbol : r.key, (int)r.contract.con_id,
			 r.contract.primary_exchange[0] ? ", " : "", r.contract.primary_exchange,
			 r.contract.trading_class[0] ? ", class " : "", r.contract.trading_class);
	else if (len + 6 < sizeof(s->cands) && !strstr(s->cands, ", ..."))
		snprintf(s->cands + len, sizeof(s->cands) - len, ", ...");
	if (s->front_month) {
		char e[9], best[9];
		expiry_of(&r.contract, e);
		if (!e[0] || strcmp(e, today) < 0)
			return; /* expired (or no date): never the front month */
		expiry_of(&s->cand.contract, best);
		if (s->kept && strcmp(e, best) == 0) {
			s->tie = true;
			return;
		}
		if (s->kept && strcmp(e, best) > 0)
			return;
		s->tie = false;
	} else if (s->kept) {
		return; /* the first is kept; more make the spec ambiguous */
	}
	s->cand = r;
	s->kept = true;
}

int
ib_contracts_choose(struct ib_contract_slot *s, char *why, size_t cap)
{
	why[0] = '\0';
	if (s->ncand == 0) {
		snprintf(why, cap, "IB knows no such contract (no contractData)");
		return IB_CT_UNKNOWN;
	}
	if (s->front_month && !s->kept) {
		snprintf(why, cap, "no unexpired contract among the %d IB listed: %s", s->ncand, s->cands);
		return IB_CT_UNKNOWN;
	}
	if (s->front_month && s->tie) {
		snprintf(why, cap, "ambiguous front month: several contracts expire first (%d listed: %s); "
			 "add class= or mult=", s->ncand, s->cands);
		return IB_CT_AMBIGUOUS;
	}
	if (!s->front_month && s->ncand > 1) {
		snprintf(why, cap, "ambiguous: %d contracts match (%s); name one with conid:, an exchange, "
			 "primary exchange, class= or local=", s->ncand, s->cands);
		return IB_CT_AMBIGUOUS;
	}
	return IB_CT_RESOLVED;
}

/* ---- the conId cache ---- */

int
ib_contracts_store_cache(ib_contract_table *t)
{
	char tmp[340];
	bool changed = false;
	FILE *f;
	int rc = 0, e = 0, dfd;

	if (!t->cache_path[0])
		return 0;
	for (int k = 0; k < t->n; k++)
		if (atomic_load_explicit(&t->slot[k].ready, memory_order_acquire) &&
		    t->slot[k].r.contract.con_id != t->slot[k].stored_con_id)
			changed = true;
	if (!changed)
		return 0;
	/* a temporary file renamed over the cache: a reader (or a crash) sees the old file or the new, whole */
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->cache_path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "# ibpipe: the conId each configured contract spec resolved to (spec, conId, key); "
		   "rewritten at every change, read at start\n");
	for (int k = 0; k < t->n; k++) {
		const struct ib_contract_slot *s = &t->slot[k];
		int32_t id = atomic_load_explicit(&s->ready, memory_order_acquire) ? s->r.contract.con_id : s->stored_con_id;
		if (id > 0)
			fprintf(f, "%s\t%d\t%s\n", s->spec, (int)id,
				atomic_load_explicit(&s->ready, memory_order_acquire) ? s->r.key : "");
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1, e = errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -1, e = errno;
	if (rc == 0 && rename(tmp, t->cache_path) != 0)
		rc = -1, e = errno;
	if (rc != 0) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	if ((dfd = open(t->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd); /* the rename is durable once the directory is; a cache may lag a crash */
		close(dfd);
	}
	for (int k = 0; k < t->n; k++)
		if (atomic_load_explicit(&t->slot[k].ready, memory_order_acquire))
			t->slot[k].stored_con_id = t->slot[k].r.contract.con_id;
	return 0;
}

/* ---- readers ---- */

bool
ib_pipeline_contract(const ib_pipeline *p, uint32_t instrument, ib_resolved_contract *out)
{
	const ib_contract_table *t = p->contracts;
	const struct ib_contract_slot *s;

	if (t == NULL || instrument >= IB_CFG_MAX_SYMBOLS || t->of_instrument[instrument] < 0)
		return false;
	s = &t->slot[t->of_instrument[instrument]];
	if (!atomic_load_explicit(&s->ready, memory_order_acquire))
		return false;
	*out = s->r;
	return true;
}
