/*
 * pipeline_view.c - the opaque pipeline's accessors (core/pipeline.h): what
 * service/, cli/, benchmarks and tests read or set without seeing the
 * threads' state.  Any thread unless pipeline.h says otherwise; counters
 * are read with relaxed atomic loads, the diagnostics under diag_mu (held
 * only for copies, never by a thread on the message path).
 */
#include <ck_pr.h>
#include <string.h>

#include "codec/wire.h"
#include "core/pipeline_state.h"
#include "util/latency.h"
#include "util/str.h"

void
ib_pipeline_set_sink(ib_pipeline *p, const ib_pub_sink *sink)
{
	if (sink)
		p->sink = *sink;
	else
		memset(&p->sink, 0, sizeof(p->sink));
}

void
ib_pipeline_set_frame_tap(ib_pipeline *p, ib_frame_tap tap, void *arg)
{
	p->net.tap = tap;
	p->net.tap_arg = arg;
}

const ib_config *
ib_pipeline_config(const ib_pipeline *p)
{
	return &p->cfg;
}

const ib_stats *
ib_pipeline_stats(const ib_pipeline *p)
{
	return &p->stats;
}

ib_quote_table *
ib_pipeline_quotes(ib_pipeline *p)
{
	return p->quotes;
}

const ib_greeks *
ib_pipeline_greeks(const ib_pipeline *p)
{
	return p->greeks;
}

const ib_book_table *
ib_pipeline_books(const ib_pipeline *p)
{
	return p->books;
}

bool
ib_pipeline_stopping(const ib_pipeline *p)
{
	return ck_pr_load_int(&p->stop) != 0;
}

int
ib_pipeline_exit_code(const ib_pipeline *p)
{
	return p->exit_code; /* plain, as the threads write it: the owner reads it after the join */
}

void
ib_pipeline_set_exit_code(ib_pipeline *p, int code)
{
	p->exit_code = code;
}

bool
ib_pipeline_gate_open(const ib_pipeline *p)
{
	return ib_gate_is_open(&p->gate);
}

uint64_t
ib_pipeline_gate_opens(const ib_pipeline *p)
{
	return ib_gate_generation(&p->gate);
}

void
ib_pipeline_diag(ib_pipeline *p, char *text, size_t tcap, char *json, size_t jcap)
{
	pthread_mutex_lock(&p->diag.mu);
	if (text)
		ib_strlcpy(text, p->diag.text, tcap);
	if (json)
		ib_strlcpy(json, p->diag.json, jcap);
	pthread_mutex_unlock(&p->diag.mu);
}

void
ib_pipeline_diag_accounts(ib_pipeline *p, char *buf, size_t cap)
{
	pthread_mutex_lock(&p->diag.mu);
	ib_strlcpy(buf, p->diag.accounts, cap);
	pthread_mutex_unlock(&p->diag.mu);
}

void
ib_pipeline_get_times(ib_pipeline *p, ib_pipeline_times *out)
{
	pthread_mutex_lock(&p->diag.mu);
	out->handshake_ns = p->diag.handshake_ns;
	out->synced_ns = p->diag.synced_ns;
	out->gate_opened_real_ns = p->diag.gate_opened_real_ns;
	pthread_mutex_unlock(&p->diag.mu);
}

void
ib_pipeline_md_latency(const ib_pipeline *p, ib_hist *out)
{
	ib_hist_read_shared(&p->md.latency, out);
}

void
ib_pipeline_strategy_latency(const ib_pipeline *p, ib_hist *out)
{
	ib_hist one;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < p->nstrat; i++) {
		ib_hist_read_shared(&p->strat[i].cb_latency, &one);
		ib_hist_merge(out, &one);
	}
}

void
ib_pipeline_halt(ib_pipeline *p, bool halted)
{
	ck_pr_store_int(&p->risk.halted, halted ? 1 : 0);
}

bool
ib_pipeline_halted(const ib_pipeline *p)
{
	return ck_pr_load_int(&p->risk.halted) != 0;
}

bool
ib_pipeline_thread_id(const ib_pipeline *p, enum ib_pipeline_thread t, pthread_t *out)
{
	switch (t) {
	case IB_PT_NET:
		*out = p->net.th;
		return ck_pr_load_8((const uint8_t *)&p->net.started) != 0;
	case IB_PT_MD:
		*out = p->md.th;
		return p->md.started;
	case IB_PT_ACCT:
		*out = p->acct.th;
		return p->acct.started;
	default:
		return false;
	}
}

const ib_heartbeat *
ib_pipeline_heartbeat(const ib_pipeline *p, enum ib_pipeline_thread t)
{
	switch (t) {
	case IB_PT_NET:
		return &p->net.hb;
	case IB_PT_MD:
		return &p->md.hb;
	case IB_PT_ACCT:
		return &p->acct.hb;
	default:
		return NULL;
	}
}

int
ib_pipeline_nstrategies(const ib_pipeline *p)
{
	return p->nstrat;
}

bool
ib_pipeline_strategy_thread(const ib_pipeline *p, int i, pthread_t *out)
{
	if (i < 0 || i >= p->nstrat || !p->strat[i].thread)
		return false;
	*out = p->strat[i].thread;
	return true;
}

void *
ib_pipeline_strategy_self(const ib_pipeline *p, int i)
{
	return i >= 0 && i < p->nstrat ? p->strat[i].self : NULL;
}

void
ib_pipeline_order_id_failures(const ib_pipeline *p, uint64_t *mark_failures, uint64_t *refused_no_id)
{
	*mark_failures = ck_pr_load_64(&p->ids.store_failures);
	*refused_no_id = ck_pr_load_64(&p->ids.refused_no_id);
}

struct ib_stats_cmd *
ib_pipeline_cmd_stats(ib_pipeline *p)
{
	return &p->stats.cmd;
}
