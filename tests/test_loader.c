/*
 * test_loader.c - the built-in strategies are plugins linked in: each one's
 * descriptor (src/loader/registry.c, through the entry function its file
 * defines with IB_SDK_PLUGIN) passes the same check a dlopen'd plugin's
 * does, and that check refuses what it must.  The recorder, which writes
 * what the gateway sent into JSON lines with no help from ibpipe's own JSON
 * code (a strategy sees only the SDK), writes valid JSON for any bytes.
 */
#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline_state.h"
#include "loader/builtin.h"
#include "loader/plugin.h"
#include "loader/registry.h"
#include "testutil.h"

static void
test_builtins_pass_the_plugin_check(void)
{
	size_t n = 0;
	const ib_strategy_entry *e = ib_strategy_registry(&n);
	char err[256];

	CU_ASSERT_EQUAL(n, 5);
	for (size_t i = 0; i < n; i++) {
		const ib_sdk_plugin *d = e[i].entry();
		ib_strategy_vtable vt;

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_EQUAL(d->abi_major, IB_SDK_ABI_MAJOR);
		CU_ASSERT_EQUAL(d->abi_minor, IB_SDK_ABI_MINOR);
		CU_ASSERT_EQUAL(ib_plugin_check(e[i].name, d, &vt, err, sizeof(err)), IB_OK);
		CU_ASSERT_STRING_EQUAL(vt.name, e[i].name);
		CU_ASSERT_PTR_NOT_NULL(vt.create);
		CU_ASSERT_PTR_EQUAL(ib_strategy_find(e[i].name), d->vt);
	}
	CU_ASSERT_PTR_NULL(ib_strategy_find("nosuch"));
	/* each file defines its own entry: five different descriptors */
	CU_ASSERT_PTR_NOT_EQUAL(ibpipe_builtin_bench(), ibpipe_builtin_recorder());
	CU_ASSERT_PTR_NOT_NULL(ibpipe_builtin_bench()->vt->on_quote);
	CU_ASSERT_PTR_NOT_NULL(ibpipe_builtin_bench()->vt->on_book);
}

static void
test_plugin_check_refusals(void)
{
	static const ib_strategy_vtable inner = { .name = "t" };
	ib_sdk_plugin d = { IB_SDK_ABI_MAJOR, 0, (uint32_t)offsetof(ib_strategy_vtable, on_timer),
			    sizeof(ib_quote_data), sizeof(ib_book), sizeof(ib_order), sizeof(ib_contract),
			    sizeof(ib_accounts), &inner };
	ib_strategy_vtable vt;
	char err[256];

	/* an older minor version's shorter vtable: accepted, what it does not know is NULL */
	memset(&vt, 0xff, sizeof(vt));
	CU_ASSERT_EQUAL(ib_plugin_check("old", &d, &vt, err, sizeof(err)), IB_OK);
	CU_ASSERT_PTR_NULL(vt.on_timer);
	CU_ASSERT_STRING_EQUAL(vt.name, "t");

	d.abi_major = IB_SDK_ABI_MAJOR + 1;
	CU_ASSERT_EQUAL(ib_plugin_check("major", &d, &vt, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "plugin major: built for SDK ABI 2.0, this ibpipe has ABI 1."));
	d.abi_major = IB_SDK_ABI_MAJOR;
	d.vtable_size = sizeof(ib_strategy_vtable) + 8;
	CU_ASSERT_EQUAL(ib_plugin_check("newer", &d, &vt, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "struct sizes do not match"));
	d.vtable_size = sizeof(ib_strategy_vtable);
	d.quote_size++;
	CU_ASSERT_EQUAL(ib_plugin_check("quote", &d, &vt, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_plugin_check("null", NULL, &vt, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "returned no strategy"));
}

/* The recorder's error line for text, written through the built-in's own callbacks. */
static void
recorder_error_line(const char *text, char *line, size_t cap)
{
	const ib_strategy_vtable *vt = ib_strategy_find("recorder");
	ib_strategy_ctx ctx;
	char base[256], path[300];

	memset(&ctx, 0, sizeof(ctx));
	ctx.index = 3;
	snprintf(base, sizeof(base), "%s/rec", tu_tmpdir());
	snprintf(path, sizeof(path), "%s.3", base);
	setenv("IB_STRATEGY_LOG", base, 1);
	void *self = vt->create(&ctx);
	unsetenv("IB_STRATEGY_LOG");
	CU_ASSERT_PTR_NOT_NULL_FATAL(self);
	vt->on_error(self, &ctx, 7, 201, text);
	vt->destroy(self);
	line[0] = '\0';
	CU_ASSERT_EQUAL(tu_last_line(path, "\"cb\":\"error\"", line, cap), 0);
}

static void
test_recorder_writes_valid_json_for_any_bytes(void)
{
	char line[2048], want[512];
	const char *tail;

	/* valid UTF-8 passes; quote, backslash, control bytes escaped; a stray byte is U+FFFD */
	recorder_error_line("caf\xc3\xa9 \"q\" \\ \x01\n\x7f \xff\xc0\xaf \xed\xa0\x80 \xf0\x9f\x98\x80", line, sizeof(line));
	tail = strstr(line, "\"id\":7");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
	snprintf(want, sizeof(want), "%s",
		 "\"id\":7,\"code\":201,\"text\":\"caf\xc3\xa9 \\\"q\\\" \\\\ \\u0001\\u000a\\u007f \\ufffd\\ufffd\\ufffd "
		 "\\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"}");
	CU_ASSERT_STRING_EQUAL(tail, want);
	/* a UTF-8 sequence cut by the end of the string is not valid either */
	recorder_error_line("ab\xe2\x82", line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"text\":\"ab\\ufffd\\ufffd\"}"));
}

void
test_loader_register(void)
{
	CU_pSuite s = CU_add_suite("loader", NULL, NULL);

	CU_add_test(s, "built-ins pass the plugin check", test_builtins_pass_the_plugin_check);
	CU_add_test(s, "plugin check refusals", test_plugin_check_refusals);
	CU_add_test(s, "recorder writes valid JSON for any bytes", test_recorder_writes_valid_json_for_any_bytes);
}
