/*
 * lint-cunit.h - a model of CUnit for the static analyzer.  make lint
 * (tools/lint.sh) force-includes it into tests/ only; no binary is built
 * with it.
 *
 * A failed CU_ASSERT_*_FATAL does not return: CUnit longjmps out of the
 * test.  The analyzer sees an ordinary call, so every use of p after
 * CU_ASSERT_PTR_NOT_NULL_FATAL(p) looked like a possible null dereference.
 * Here a fatal failure ends in abort(), which the analyzer understands
 * without inlining anything; the condition is still evaluated once, and
 * non-fatal assertions still return, as they do in CUnit.
 */
#ifndef IB_LINT_CUNIT_H
#define IB_LINT_CUNIT_H

#include <CUnit/CUnit.h>
#include <stdlib.h>

/* (CU_assertImplementation) in parentheses is the real function, not this macro. */
#define CU_assertImplementation(v, line, cond, file, func, fatal)                              \
	__extension__({                                                                         \
		CU_BOOL ib_lint_ok = (v);                                                       \
		(CU_assertImplementation)(ib_lint_ok, (line), (cond), (file), (func), (fatal)); \
		if (!ib_lint_ok && (fatal))                                                     \
			abort();                                                                \
		ib_lint_ok;                                                                     \
	})

#endif
