/*
 * test_contracts.c - the resolved contract table's pure parts: the sync
 * rule waiting for every configured contract (and its detail naming them),
 * the choice among one request's contractData (front month, ambiguous,
 * expired, none), the table set up from the config, and the conId cache.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/contracts.h"
#include "core/sync.h"
#include "json_valid.h"
#include "testutil.h"

#define S(x) ((int64_t)(x) * 1000000000LL)
#define STR(s) ((ib_str){ (s), (uint32_t)strlen(s) })

static const char specs[2][IB_SYNC_SPEC_LEN] = { "FUT:ES@CME", "CASH:EUR.USD@IDEALPRO" };

/* Every account piece in: only the contracts can hold the gate. */
static void
accounts_done(ib_sync *s)
{
	ib_sync_accounts(s, "DU1");
	ib_sync_next_id(s, 1);
	ib_sync_download_end(s, "DU1");
	ib_sync_position_end(s);
}

static void
test_sync_waits_for_every_contract(void)
{
	static ib_sync s;
	static char json[IB_SYNC_JSON_MAX];
	char text[512];

	ib_sync_init(&s, true, 3000);
	ib_sync_set_contracts(&s, 2, specs[0], sizeof(specs[0]));
	ib_sync_reset(&s, S(10), false);
	accounts_done(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(11)));
	ib_sync_json(&s, S(11), json, sizeof(json));
	CU_ASSERT(strstr(json, "\"missing\":[\"contract:FUT:ES@CME\",\"contract:CASH:EUR.USD@IDEALPRO\"]") != NULL);
	CU_ASSERT(strstr(json, "contract_errors") == NULL); /* pending is not an error */
	ib_sync_contract(&s, 0, true, NULL);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(11)));
	CU_ASSERT_EQUAL(ib_sync_pending_contract(&s), 1);
	ib_sync_describe(&s, S(12), text, sizeof(text));
	CU_ASSERT(strstr(text, "waiting for contract CASH:EUR.USD@IDEALPRO since 2.0 s") != NULL);
	ib_sync_contract(&s, 1, true, NULL);
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(12)));
	/* IB came back on the same connection: the contracts stay resolved */
	ib_sync_restart(&s, S(20));
	ib_sync_open_orders_end(&s);
	ib_sync_executions_end(&s);
	ib_sync_position_end(&s);
	ib_sync_download_end(&s, "DU1");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(21)));
	/* a new connection resolves them again: the gate waits, the specs are still named */
	ib_sync_reset(&s, S(30), false);
	accounts_done(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(31)));
	CU_ASSERT_EQUAL(ib_sync_pending_contract(&s), 0);
	ib_sync_json(&s, S(31), json, sizeof(json));
	CU_ASSERT(strstr(json, "\"missing\":[\"contract:FUT:ES@CME\",\"contract:CASH:EUR.USD@IDEALPRO\"]") != NULL);
}

static void
test_sync_detail_names_refusals_as_valid_json(void)
{
	static ib_sync s;
	static char json[IB_SYNC_JSON_MAX];
	static char many[IB_MAX_CONTRACTS][IB_SYNC_SPEC_LEN];
	char why[IB_SYNC_WHY_LEN];
	size_t n;

	ib_sync_init(&s, true, 3000);
	ib_sync_set_contracts(&s, 2, specs[0], sizeof(specs[0]));
	ib_sync_reset(&s, S(10), false);
	accounts_done(&s);
	/* whatever the gateway put in its message: quotes, backslashes, a newline, bytes not UTF-8 */
	ib_sync_contract(&s, 1, false, "unknown to IB (error 200: \"No\\ security\"\n\xff\xfe)");
	n = ib_sync_json(&s, S(11), json, sizeof(json));
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strstr(json, "\"contract_errors\":{\"CASH:EUR.USD@IDEALPRO\":\"unknown to IB (error 200: ") != NULL);
	CU_ASSERT(strstr(json, "\"missing\":[\"contract:FUT:ES@CME\",\"contract:CASH:EUR.USD@IDEALPRO\"]") != NULL);
	/* resolved later: the error goes */
	ib_sync_contract(&s, 1, true, NULL);
	n = ib_sync_json(&s, S(11), json, sizeof(json));
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strstr(json, "contract_errors") == NULL);
	/* the largest detail fits: every contract refused with the longest why, escaped at its worst */
	memset(why, '"', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	for (int k = 0; k < IB_MAX_CONTRACTS; k++) {
		memset(many[k], 0, sizeof(many[k]));
		snprintf(many[k], sizeof(many[k]), "FUT:X%d@CME:class=", k);
		memset(many[k] + strlen(many[k]), '"', sizeof(many[k]) - 1 - strlen(many[k]));
	}
	ib_sync_set_contracts(&s, IB_MAX_CONTRACTS, many[0], sizeof(many[0]));
	for (int k = 0; k < IB_MAX_CONTRACTS; k++)
		ib_sync_contract(&s, k, false, why);
	n = ib_sync_json(&s, S(11), json, sizeof(json));
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strstr(json, "\"error\"") == NULL); /* not the overflow fallback */
}

/* ---- choosing among one request's contractData ---- */

static ib_contract_data
fut(const char *local, const char *expiry, int32_t con_id, const char *cls)
{
	ib_contract_data cd;

	memset(&cd, 0, sizeof(cd));
	cd.contract.con_id = con_id;
	cd.contract.symbol = STR("ES");
	cd.contract.sec_type = STR("FUT");
	cd.contract.last_trade_date = STR(expiry);
	cd.contract.multiplier = STR("50");
	cd.contract.exchange = STR("CME");
	cd.contract.currency = STR("USD");
	cd.contract.local_symbol = STR(local);
	cd.contract.trading_class = STR(cls);
	cd.min_tick = 0.25;
	cd.time_zone_id = STR("US/Central");
	cd.trading_hours = STR("20260105:1700-20260106:1600");
	return cd;
}

static void
test_front_month_nearest_unexpired(void)
{
	static struct ib_contract_slot s;
	ib_contract_data a = fut("ESH6", "20260320", 1, "ES"), b = fut("ESZ5", "20251219", 2, "ES");
	ib_contract_data c = fut("ESM6", "20260619 08:30 US/Central", 3, "ES");
	char why[256];

	memset(&s, 0, sizeof(s));
	strcpy(s.spec, "FUT:ES@CME");
	strcpy(s.want.sec_type, "FUT"), strcpy(s.want.symbol, "ES"), strcpy(s.want.exchange, "CME");
	s.front_month = true;
	ib_contracts_begin(&s);
	ib_contracts_candidate(&s, &c, "20260105");
	ib_contracts_candidate(&s, &a, "20260105");
	ib_contracts_candidate(&s, &b, "20260105"); /* expired: never chosen */
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_RESOLVED);
	CU_ASSERT_EQUAL(s.cand.contract.con_id, 1);
	CU_ASSERT_STRING_EQUAL(s.cand.key, "FUT:ES@CME:20260320");
	CU_ASSERT_DOUBLE_EQUAL(s.cand.multiplier, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.cand.min_tick, 0.25, 0);
	CU_ASSERT_STRING_EQUAL(s.cand.contract.local_symbol, "ESH6");
	CU_ASSERT_STRING_EQUAL(s.cand.time_zone, "US/Central");
	/* on its expiry day it is still the front month */
	ib_contracts_begin(&s);
	ib_contracts_candidate(&s, &c, "20260320");
	ib_contracts_candidate(&s, &a, "20260320");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_RESOLVED);
	CU_ASSERT_EQUAL(s.cand.contract.con_id, 1);
	/* the day after, the next one; its key is the date alone */
	ib_contracts_begin(&s);
	ib_contracts_candidate(&s, &a, "20260321");
	ib_contracts_candidate(&s, &c, "20260321");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_RESOLVED);
	CU_ASSERT_STRING_EQUAL(s.cand.key, "FUT:ES@CME:20260619");
	/* all expired */
	ib_contracts_begin(&s);
	ib_contracts_candidate(&s, &b, "20260105");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_UNKNOWN);
	CU_ASSERT(strstr(why, "no unexpired contract among the 1 IB listed: ESZ5 (conId 2, class ES)") != NULL);
	/* two classes expiring together: refused, both named */
	ib_contract_data m = fut("MESH6", "20260320", 9, "MES");
	ib_contracts_begin(&s);
	ib_contracts_candidate(&s, &a, "20260105");
	ib_contracts_candidate(&s, &m, "20260105");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_AMBIGUOUS);
	CU_ASSERT(strstr(why, "ESH6 (conId 1, class ES), MESH6 (conId 9, class MES)") != NULL);
}

static void
test_ambiguous_and_none(void)
{
	static struct ib_contract_slot s;
	ib_contract_data a = fut("ESH6", "20260320", 1, "ES"), c = fut("ESM6", "20260619", 3, "ES");
	char why[256];

	memset(&s, 0, sizeof(s));
	strcpy(s.spec, "FUT:ES@CME:2026");
	ib_contracts_begin(&s);
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_UNKNOWN);
	ib_contracts_candidate(&s, &a, "20260105");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_RESOLVED);
	ib_contracts_candidate(&s, &c, "20260105");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_AMBIGUOUS);
	CU_ASSERT(strstr(why, "ambiguous: 2 contracts match (ESH6 (conId 1, class ES), ESM6 (conId 3, class ES))") != NULL);
	/* a long list is cut, and says so */
	for (int i = 0; i < 40; i++)
		ib_contracts_candidate(&s, &c, "20260105");
	CU_ASSERT_EQUAL(ib_contracts_choose(&s, why, sizeof(why)), IB_CT_AMBIGUOUS);
	CU_ASSERT(strstr(why, "42 contracts match") != NULL);
	CU_ASSERT(strstr(why, ", ...") != NULL);
}

/* ---- the table from the config, and the cache ---- */

static void
test_setup_and_cache(void)
{
	static ib_config cfg;
	static ib_contract_table t, t2;
	static ib_quote_table q;
	char err[256], path[400], *text;
	FILE *f;

	ib_config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "symbols", "AAPL, fut:es@cme , CASH:EUR.USD,STK:AMBIG,AMBIG@SMART,conid:265598",
					    err, sizeof(err)), 0);
	/* canonical: lower case and defaults folded; a stock written as a spec stays a spec */
	CU_ASSERT_EQUAL_FATAL(cfg.nsymbols, 5);
	CU_ASSERT_STRING_EQUAL(cfg.symbols[1], "FUT:ES@CME");
	CU_ASSERT_STRING_EQUAL(cfg.symbols[2], "CASH:EUR.USD@IDEALPRO");
	CU_ASSERT_STRING_EQUAL(cfg.symbols[3], "STK:AMBIG"); /* AMBIG@SMART is the same spec: dropped */
	CU_ASSERT_STRING_EQUAL(cfg.symbols[4], "conid:265598");
	CU_ASSERT_NOT_EQUAL(ib_config_set(&cfg, "symbols", "AAPL,FUT:ES", err, sizeof(err)), 0);
	CU_ASSERT(strstr(err, "FUT needs an exchange") != NULL);
	CU_ASSERT_NOT_EQUAL(ib_config_set(&cfg, "symbols", "aapl", err, sizeof(err)), 0); /* a bare symbol as before */
	/* tick-by-tick and depth take specs too: the kind or rows after the last colon */
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "tbt", "fut:es@cme:BidAsk,AAPL:Last", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.ntbt, 2);
	CU_ASSERT_STRING_EQUAL(cfg.tbt[0].symbol, "FUT:ES@CME");
	CU_ASSERT_STRING_EQUAL(cfg.tbt[0].kind, "BidAsk");
	CU_ASSERT_STRING_EQUAL(cfg.tbt[1].symbol, "AAPL");
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "depth", "FUT:ES@CME:202603:10", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.depth[0].symbol, "FUT:ES@CME:202603");
	CU_ASSERT_EQUAL(cfg.depth[0].rows, 10);
	CU_ASSERT_NOT_EQUAL(ib_config_set(&cfg, "depth", "FUT:ES:10", err, sizeof(err)), 0);
	CU_ASSERT(strstr(err, "FUT needs an exchange") != NULL);
	CU_ASSERT_NOT_EQUAL(ib_config_set(&cfg, "tbt", "FUT:ES@CME", err, sizeof(err)), 0); /* no kind: ES@CME is none */
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "symbols", "AAPL,FUT:ES@CME,CASH:EUR.USD", err, sizeof(err)), 0);
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", tu_tmpdir());
	memset(&q, 0, sizeof(q));
	CU_ASSERT_EQUAL_FATAL(ib_contracts_setup(&t, &cfg, &q, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(t.of_instrument[0], -1);
	CU_ASSERT_EQUAL(t.of_instrument[1], 0);
	CU_ASSERT_EQUAL(t.of_instrument[2], 1);
	CU_ASSERT_TRUE(t.slot[0].front_month);
	CU_ASSERT_FALSE(t.mid_from_bbo[1]);
	CU_ASSERT_TRUE(t.mid_from_bbo[2]);
	CU_ASSERT_STRING_EQUAL(ib_quote_name(&q, 0), "AAPL");
	CU_ASSERT_STRING_EQUAL(ib_quote_name(&q, 1), ""); /* named when resolved */
	/* nothing resolved: nothing to cache */
	CU_ASSERT_EQUAL(ib_contracts_store_cache(&t), 0);
	snprintf(path, sizeof(path), "%s/contracts-%s-%d-%d", cfg.state_dir, cfg.host, cfg.port, cfg.client_id);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	/* resolved: written whole, and read back by the next start */
	t.slot[0].r.contract.con_id = 495512551;
	strcpy(t.slot[0].r.key, "FUT:ES@CME:20260320");
	atomic_store(&t.slot[0].ready, true);
	t.slot[1].r.contract.con_id = 12087792;
	strcpy(t.slot[1].r.key, "CASH:EUR.USD@IDEALPRO");
	atomic_store(&t.slot[1].ready, true);
	CU_ASSERT_EQUAL(ib_contracts_store_cache(&t), 0);
	text = tu_read_file(path, NULL);
	CU_ASSERT_FATAL(text != NULL);
	CU_ASSERT(strstr(text, "\nFUT:ES@CME\t495512551\tFUT:ES@CME:20260320\nCASH:EUR.USD@IDEALPRO\t12087792\t"
			       "CASH:EUR.USD@IDEALPRO\n") != NULL);
	free(text);
	CU_ASSERT_EQUAL(ib_contracts_setup(&t2, &cfg, &q, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t2.slot[0].cached_con_id, 495512551);
	CU_ASSERT_EQUAL(t2.slot[1].cached_con_id, 12087792);
	CU_ASSERT_FALSE(atomic_load(&t2.slot[0].ready)); /* the cache never stands in for resolution */
	/* a damaged cache is as good as none */
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("FUT:ES@CME\tbanana\nCASH:EUR.USD@IDEALPRO\n\t\t\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(ib_contracts_setup(&t2, &cfg, &q, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t2.slot[0].cached_con_id, 0);
	CU_ASSERT_EQUAL(t2.slot[1].cached_con_id, 0);
	unlink(path);
}

void
test_contracts_register(void)
{
	CU_pSuite s = CU_add_suite("contracts: resolution rules, table, cache", NULL, NULL);

	CU_add_test(s, "sync waits for every contract; a reconnect re-arms, IB's return does not",
		    test_sync_waits_for_every_contract);
	CU_add_test(s, "the detail names refused contracts, valid JSON at any size", test_sync_detail_names_refusals_as_valid_json);
	CU_add_test(s, "front month: nearest unexpired, expiry day, expired, two classes", test_front_month_nearest_unexpired);
	CU_add_test(s, "several candidates refused and listed; none is unknown", test_ambiguous_and_none);
	CU_add_test(s, "table from the config's symbols; conId cache written and read", test_setup_and_cache);
}
