/*
 * test_contract_spec.c - the contract spec parser and printer and the
 * instrument key (src/codec/contract_spec.c): the examples of
 * docs/contracts.md field by field, the canonical form, the key's
 * independence from how a contract was written, and hostile text (every
 * refusal is IB_EINVAL with a line that names the spec and the problem).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "codec/contract_spec.h"
#include "util/str.h"

static int
parse(const char *s, ib_contract *k, char *err, size_t cap)
{
	return ib_spec_parse(s, strlen(s), k, err, cap);
}

static void
test_examples(void)
{
	ib_contract k;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("AAPL", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "STK");
	CU_ASSERT_STRING_EQUAL(k.symbol, "AAPL");
	CU_ASSERT_STRING_EQUAL(k.exchange, "SMART");
	CU_ASSERT_STRING_EQUAL(k.currency, "USD");
	CU_ASSERT_EQUAL(k.con_id, 0);
	CU_ASSERT_EQUAL(k.strike, IB_UNSET_DOUBLE);

	CU_ASSERT_EQUAL_FATAL(parse("FUT:ES@CME:202603", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "FUT");
	CU_ASSERT_STRING_EQUAL(k.symbol, "ES");
	CU_ASSERT_STRING_EQUAL(k.exchange, "CME");
	CU_ASSERT_STRING_EQUAL(k.last_trade_date, "202603");
	CU_ASSERT_STRING_EQUAL(k.currency, "USD");
	CU_ASSERT_FALSE(ib_spec_is_front_month(&k));

	CU_ASSERT_EQUAL_FATAL(parse("FUT:ES@CME", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.last_trade_date, "");
	CU_ASSERT_TRUE(ib_spec_is_front_month(&k));

	CU_ASSERT_EQUAL_FATAL(parse("CASH:EUR.USD@IDEALPRO", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "CASH");
	CU_ASSERT_STRING_EQUAL(k.symbol, "EUR");
	CU_ASSERT_STRING_EQUAL(k.currency, "USD");
	CU_ASSERT_STRING_EQUAL(k.exchange, "IDEALPRO");
	CU_ASSERT_FALSE(ib_spec_is_front_month(&k));

	CU_ASSERT_EQUAL_FATAL(parse("OPT:SPY@SMART:20261218:500:C", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "OPT");
	CU_ASSERT_STRING_EQUAL(k.symbol, "SPY");
	CU_ASSERT_STRING_EQUAL(k.last_trade_date, "20261218");
	CU_ASSERT_EQUAL(k.strike, 500.0);
	CU_ASSERT_STRING_EQUAL(k.right, "C");

	CU_ASSERT_EQUAL_FATAL(parse("IND:SPX@CBOE", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "IND");
	CU_ASSERT_STRING_EQUAL(k.exchange, "CBOE");

	CU_ASSERT_EQUAL_FATAL(parse("conid:265598", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_EQUAL(k.con_id, 265598);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "");
	CU_ASSERT_STRING_EQUAL(k.exchange, "");
	CU_ASSERT_EQUAL_FATAL(parse("conid:265598@SMART", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.exchange, "SMART");
}

static void
test_qualifiers_and_primary(void)
{
	ib_contract k;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("STK:MSFT@SMART/NASDAQ", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.exchange, "SMART");
	CU_ASSERT_STRING_EQUAL(k.primary_exchange, "NASDAQ");

	CU_ASSERT_EQUAL_FATAL(parse("STK:SAP@IBIS:ccy=EUR", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.currency, "EUR");
	CU_ASSERT_STRING_EQUAL(k.exchange, "IBIS");

	CU_ASSERT_EQUAL_FATAL(parse("FUT:DAX@EUREX:202603:ccy=EUR:mult=25:class=FDAX:local=FDAX MAR 26", &k, err,
				    sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.multiplier, "25");
	CU_ASSERT_STRING_EQUAL(k.trading_class, "FDAX");
	CU_ASSERT_STRING_EQUAL(k.local_symbol, "FDAX MAR 26");
	CU_ASSERT_STRING_EQUAL(k.currency, "EUR");

	/* no secType but a qualifier: a stock */
	CU_ASSERT_EQUAL_FATAL(parse("BMW@IBIS:ccy=EUR", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "STK");
	/* IB's symbols with a blank, lower case read as upper case, CALL/PUT words */
	CU_ASSERT_EQUAL_FATAL(parse("BRK B", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.symbol, "BRK B");
	CU_ASSERT_EQUAL_FATAL(parse("opt:spy@smart:20261218:502.5:put", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.sec_type, "OPT");
	CU_ASSERT_STRING_EQUAL(k.symbol, "SPY");
	CU_ASSERT_STRING_EQUAL(k.right, "P");
	CU_ASSERT_EQUAL(k.strike, 502.5);
	/* defaults: OPT on SMART, CASH on IDEALPRO */
	CU_ASSERT_EQUAL_FATAL(parse("OPT:SPY:20261218:500:C", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.exchange, "SMART");
	CU_ASSERT_EQUAL_FATAL(parse("CASH:GBP.JPY", &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.exchange, "IDEALPRO");
	CU_ASSERT_STRING_EQUAL(k.currency, "JPY");
}

/* The printed form of what a spec parses to, and that it parses back to the same contract. */
static void
check_canonical(const char *in, const char *want_spec, const char *want_key)
{
	ib_contract a, b;
	char err[256], spec[IB_SPEC_BUF], key[IB_SPEC_BUF];
	int n;

	CU_ASSERT_EQUAL_FATAL(parse(in, &a, err, sizeof(err)), IB_OK);
	n = ib_spec_format(&a, spec, sizeof(spec));
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL(strlen(spec), (size_t)n);
	CU_ASSERT_STRING_EQUAL(spec, want_spec);
	CU_ASSERT_TRUE_FATAL(ib_spec_key(&a, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, want_key);
	CU_ASSERT_EQUAL_FATAL(parse(spec, &b, err, sizeof(err)), IB_OK);
	CU_ASSERT_TRUE(ib_contract_equal(&a, &b));
}

static void
test_canonical_form_and_key(void)
{
	check_canonical("AAPL", "AAPL", "AAPL");
	check_canonical("STK:aapl@SMART:ccy=USD", "AAPL", "AAPL");
	check_canonical("STK:AAPL@SMART/NASDAQ", "STK:AAPL@SMART/NASDAQ", "AAPL");
	check_canonical("AAPL@ISLAND", "STK:AAPL@ISLAND", "STK:AAPL@ISLAND");
	check_canonical("STK:SAP@IBIS:ccy=eur", "STK:SAP@IBIS:ccy=EUR", "STK:SAP@IBIS:ccy=EUR");
	check_canonical("FUT:ES@CME:202603", "FUT:ES@CME:202603", "FUT:ES@CME:202603");
	check_canonical("FUT:ES@CME:202603:mult=50:class=ES", "FUT:ES@CME:202603:mult=50:class=ES",
			"FUT:ES@CME:202603");
	check_canonical("FUT:ES@CME", "FUT:ES@CME", "FUT:ES@CME");
	check_canonical("CASH:EUR.USD@IDEALPRO", "CASH:EUR.USD@IDEALPRO", "CASH:EUR.USD@IDEALPRO");
	check_canonical("cash:eur.usd", "CASH:EUR.USD@IDEALPRO", "CASH:EUR.USD@IDEALPRO");
	check_canonical("OPT:SPY@SMART:20261218:500.000:CALL", "OPT:SPY@SMART:20261218:500:C",
			"OPT:SPY@SMART:20261218:500:C");
	check_canonical("OPT:SPY:20261218:0.1:P", "OPT:SPY@SMART:20261218:0.1:P", "OPT:SPY@SMART:20261218:0.1:P");
	check_canonical("FOP:ES@CME:20260320:5000.25:C", "FOP:ES@CME:20260320:5000.25:C",
			"FOP:ES@CME:20260320:5000.25:C");
	check_canonical("IND:SPX@CBOE", "IND:SPX@CBOE", "IND:SPX@CBOE");
	check_canonical("conid:265598", "conid:265598", "conid:265598");
	check_canonical("conid:265598@smart", "conid:265598@SMART", "conid:265598");
	check_canonical("STK:CASH", "CASH", "CASH"); /* a stock named like a secType */
	check_canonical("IND", "IND", "IND");
}

/* A resolved contract (as contractData fills it) keys the same as the spec that asked for it. */
static void
test_key_of_resolved_contract(void)
{
	ib_contract r;
	char key[IB_SPEC_BUF];

	memset(&r, 0, sizeof(r));
	r.con_id = 265598;
	strcpy(r.symbol, "AAPL");
	strcpy(r.sec_type, "STK");
	strcpy(r.exchange, "SMART");
	strcpy(r.primary_exchange, "NASDAQ");
	strcpy(r.currency, "USD");
	strcpy(r.local_symbol, "AAPL");
	strcpy(r.trading_class, "NMS");
	r.strike = 0;
	CU_ASSERT_TRUE(ib_spec_key(&r, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, "AAPL");

	memset(&r, 0, sizeof(r));
	r.con_id = 495512563;
	strcpy(r.symbol, "ES");
	strcpy(r.sec_type, "FUT");
	strcpy(r.last_trade_date, "20260320");
	strcpy(r.multiplier, "50");
	strcpy(r.exchange, "CME");
	strcpy(r.currency, "USD");
	strcpy(r.local_symbol, "ESH6");
	strcpy(r.trading_class, "ES");
	CU_ASSERT_TRUE(ib_spec_key(&r, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, "FUT:ES@CME:20260320");
	/* as contractData carries it at some server versions: date, last trade time, zone */
	ib_strlcpy(r.last_trade_date, "20260320 08:30 US/Central", sizeof(r.last_trade_date)); /* cut, as ib_str_copy does */
	CU_ASSERT_TRUE(ib_spec_key(&r, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, "FUT:ES@CME:20260320");
	strcpy(r.last_trade_date, "20260320-08:30");
	CU_ASSERT_TRUE(ib_spec_key(&r, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, "FUT:ES@CME:20260320");
	strcpy(r.last_trade_date, "2026032 08:30");
	CU_ASSERT_EQUAL(ib_spec_key(&r, key, sizeof(key)), IB_EINVAL);

	/* unambiguous across secTypes: the same symbol as STK, IND, FUT keys three ways */
	memset(&r, 0, sizeof(r));
	strcpy(r.symbol, "SPX");
	strcpy(r.sec_type, "IND");
	strcpy(r.exchange, "CBOE");
	strcpy(r.currency, "USD");
	CU_ASSERT_TRUE(ib_spec_key(&r, key, sizeof(key)) > 0);
	CU_ASSERT_STRING_EQUAL(key, "IND:SPX@CBOE");
}

static void
check_refused(const char *in, size_t len, const char *needle)
{
	ib_contract k;
	char err[256];

	memset(err, 'x', sizeof(err));
	CU_ASSERT_EQUAL(ib_spec_parse(in, len, &k, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(memchr(err, '\0', sizeof(err)));
	CU_ASSERT_EQUAL(strncmp(err, "contract spec \"", 15), 0);
	if (!strstr(err, needle))
		fprintf(stderr, "\n  spec error \"%s\" lacks \"%s\"\n", err, needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
}
#define REFUSED(s, needle) check_refused((s), strlen(s), (needle))

static void
test_hostile_input(void)
{
	char big[400];
	ib_contract k;

	REFUSED("", "empty");
	REFUSED(" AAPL", "blank");
	REFUSED("AAPL ", "blank");
	REFUSED("FUT:ES", "FUT needs an exchange, as in FUT:ES@CME");
	REFUSED("IND:SPX", "IND needs an exchange");
	REFUSED("FUTX:ES@CME", "unknown secType \"FUTX\"");
	REFUSED("FUT:ES@CME:2026", "expiry \"2026\"");
	REFUSED("FUT:ES@CME:202613", "expiry");
	REFUSED("FUT:ES@CME:20260332", "expiry");
	REFUSED("FUT:ES@CME:202603:202606", "one field");
	REFUSED("OPT:SPY@SMART:20261218:500", "expiry:strike:right");
	REFUSED("OPT:SPY@SMART:20261218:500:X", "right \"X\"");
	REFUSED("OPT:SPY@SMART:20261218:-5:C", "strike \"-5\"");
	REFUSED("OPT:SPY@SMART:20261218:0:C", "above 0");
	REFUSED("OPT:SPY@SMART:20261218:1e3:C", "strike");
	REFUSED("OPT:SPY@SMART:20261218:12345678:C", "strike");
	REFUSED("OPT:SPY@SMART:20261218:1.123456789:C", "strike");
	REFUSED("OPT:SPY@SMART:20261218:nan:C", "strike");
	REFUSED("CASH:EURUSD@IDEALPRO", "currency pair");
	REFUSED("CASH:EUR.US@IDEALPRO", "currency pair");
	REFUSED("CASH:EUR.USD@IDEALPRO:ccy=JPY", "no ccy=");
	REFUSED("STK:AAPL:202603", "STK takes no field");
	REFUSED("AAPL:ccy=EURO", "ccy \"EURO\"");
	REFUSED("AAPL:ccy=EUR:ccy=USD", "twice");
	REFUSED("AAPL:color=red", "unknown qualifier \"color\"");
	REFUSED("FUT:ES@CME:mult=50:202603", "qualifiers go last");
	REFUSED("FUT:ES@CME:202603:mult=0", "mult \"0\"");
	REFUSED("FUT:ES@CME:202603:mult=-50", "mult");
	REFUSED("FUT:ES@CME:202603:mult=123456789012", "mult");
	REFUSED("FUT:ES@CME:202603:local=", "local");
	REFUSED("FUT:ES@CME:202603:class=a/b", "class");
	REFUSED("AAPL@", "exchange \"\"");
	REFUSED("AAPL@SMART/", "primary exchange");
	REFUSED("AAPL@SM ART", "exchange");
	REFUSED("AAPL@SMART/NAS/DAQ", "primary exchange");
	REFUSED("AA  PL", "symbol");
	REFUSED("AAPL::", "empty");
	REFUSED("FUT::ES", "empty");
	REFUSED("FUT:", "empty");
	REFUSED("A$PL", "symbol \"A$PL\"");
	REFUSED("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "symbol");
	REFUSED("conid:", "empty");
	REFUSED("conid:abc", "conid \"abc\"");
	REFUSED("conid:0", "conid");
	REFUSED("conid:2147483648", "conid");
	REFUSED("conid:99999999999999999999", "conid");
	REFUSED("conid:1@", "exchange");
	REFUSED("a:b:c:d:e:f:g:h:i", "8");
	check_refused("AA\0PL", 5, "byte 2");
	check_refused("AAPL\n", 5, "byte 4");
	check_refused("\xc3\xa9", 2, "byte 0");
	memset(big, 'A', sizeof(big));
	check_refused(big, sizeof(big), "longer than");
	/* the error text shows the spec printable and cut */
	check_refused("\x01\x02", 2, "\"??\"");
	check_refused("FUT:\"ES\"@CME", strlen("FUT:\"ES\"@CME"), "FUT:?ES?@CME");
	/* a NULL or zero-sized error buffer is fine */
	CU_ASSERT_EQUAL(ib_spec_parse("FUT:ES", 6, &k, NULL, 0), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_spec_parse("FUT:ES", 6, &k, big, 0), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_spec_parse("FUT:ES", 6, &k, big, 5), IB_EINVAL);
	CU_ASSERT_EQUAL(big[4], '\0');
}

/* The printer refuses contracts the grammar cannot express instead of printing something that reads back wrong. */
static void
test_format_refuses_what_it_cannot_print(void)
{
	ib_contract k;
	char out[IB_SPEC_BUF];

	CU_ASSERT_EQUAL_FATAL(parse("FUT:ES@CME:202603", &k, NULL, 0), IB_OK);
	strcpy(k.symbol, "E:S");
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	strcpy(k.symbol, "es"); /* would read back as ES */
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	strcpy(k.symbol, "ES");
	k.exchange[0] = '\0'; /* FUT has no default exchange */
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	strcpy(k.exchange, "CME");
	strcpy(k.sec_type, "BAG");
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	memset(k.sec_type, 'F', sizeof(k.sec_type)); /* unterminated */
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);

	CU_ASSERT_EQUAL_FATAL(parse("OPT:SPY@SMART:20261218:500:C", &k, NULL, 0), IB_OK);
	k.strike = 1e-20;
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	k.strike = IB_UNSET_DOUBLE;
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	k.strike = 500;
	memset(k.right, 0, sizeof(k.right));
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), IB_EINVAL);
	strcpy(k.right, "C");
	/* too small a buffer: IB_ENOSPC, never an overrun, always terminated */
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, 10), IB_ENOSPC);
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, 0), IB_ENOSPC);
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), (int)strlen("OPT:SPY@SMART:20261218:500:C"));
	memset(&k, 0, sizeof(k));
	CU_ASSERT_EQUAL(ib_spec_key(&k, out, sizeof(out)), IB_EINVAL); /* nothing at all */
}

/* The longest spec of every field fits IB_SPEC_BUF. */
static void
test_longest_spec_fits(void)
{
	const char *s = "FOP:ABCDEFGHIJKLMNOPQRSTUVW@ABCDEFGHIJKLMNO/ABCDEFGHIJKLMNO:20261218:1234567.12345678:C"
			":ccy=EUR:mult=12345678901:class=ABCDEFGHIJKLMNO";
	const char *t = "FOP:A@B:20261218:1:C:local=ABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
	ib_contract k;
	char out[IB_SPEC_BUF], err[256];

	CU_ASSERT_EQUAL_FATAL(parse(s, &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_EQUAL(ib_spec_format(&k, out, sizeof(out)), (int)strlen(s));
	CU_ASSERT_STRING_EQUAL(out, s);
	CU_ASSERT_EQUAL_FATAL(parse(t, &k, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(k.local_symbol, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");
}

void
test_contract_spec_register(void)
{
	CU_pSuite s = CU_add_suite("contract_spec", NULL, NULL);
	CU_add_test(s, "the documented examples parse field by field", test_examples);
	CU_add_test(s, "primary exchange, ccy, mult, class, local, defaults", test_qualifiers_and_primary);
	CU_add_test(s, "canonical print reads back the same; the key keeps what identifies", test_canonical_form_and_key);
	CU_add_test(s, "a resolved contract keys as its spec would", test_key_of_resolved_contract);
	CU_add_test(s, "hostile specs: IB_EINVAL and a line naming spec and problem", test_hostile_input);
	CU_add_test(s, "the printer refuses what it cannot print back", test_format_refuses_what_it_cannot_print);
	CU_add_test(s, "the longest spec fits IB_SPEC_BUF", test_longest_spec_fits);
}
