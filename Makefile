# ibpipe build.  One library (src/<box>/*.c minus the CLI's main and the
# simulator) shared by every binary:
# bin/ibpipe (the trader), bin/ibsim (the simulated gateway), bin/ibbench,
# and bin/test_ibpipe (the CUnit suite).  New files are picked up by glob,
# so adding a module or a test never needs an edit here.

CC      ?= cc
PKGS    := ck hiredis cunit libmicrohttpd
VARIANT ?= release

# `make asan test` / `make tsan test`: the sanitizer variant is chosen by the
# first goal and carried to every later goal through VARIANT.
ifneq ($(filter asan,$(MAKECMDGOALS)),)
  VARIANT := asan
endif
ifneq ($(filter tsan,$(MAKECMDGOALS)),)
  VARIANT := tsan
endif

GIT_SHA := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION := 0.1.0

# snprintf into fixed buffers truncates on purpose; GCC's format-truncation
# warning would flag every such use.
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wno-missing-field-initializers -Wno-format-truncation -Iinclude -Isrc -g \
	-DIB_VERSION=\"$(VERSION)\" -DIB_GIT_SHA=\"$(GIT_SHA)\"
HARDEN  := -fstack-protector-strong -fPIE
LDHARD  := -pie -Wl,-z,relro,-z,now

ifeq ($(VARIANT),asan)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDSAN := -fsanitize=address,undefined
else ifeq ($(VARIANT),tsan)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=thread
  LDSAN := -fsanitize=thread
else
  OPT := -O2 -D_FORTIFY_SOURCE=2
  LDSAN :=
endif

BUILD   := build/$(VARIANT)
BIN     := bin
ifneq ($(VARIANT),release)
  BIN   := bin/$(VARIANT)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(CFLAGS_BASE) $(OPT) $(HARDEN) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm
LDFLAGS += $(LDSAN) $(LDHARD)

LIB_SRC   := $(filter-out src/cli/main.c src/sim/%,$(wildcard src/*/*.c))
SIM_SRC   := $(wildcard src/sim/*.c)
TEST_SRC  := $(wildcard tests/test_*.c) tests/runner.c tests/testutil.c
BENCH_SRC := $(wildcard bench/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ  := $(sort $(TEST_SRC:%.c=$(BUILD)/%.o))
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
LIBA      := $(BUILD)/libibpipe.a

.PHONY: all asan tsan test sdk-test test-stress run bench deps clean format lint fuzz fuzz-config fuzz-sync soak install
all: $(BIN)/ibpipe $(BIN)/ibsim $(BIN)/ibbench

asan tsan: all

$(BUILD)/%.o: %.c | deps-check
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
# the dashboard's page is embedded with .incbin, which -MMD does not see
$(BUILD)/src/web/web_assets.o: $(wildcard src/web/assets/*)

# Strategy plugins (include/ibpipe/sdk.h) link against the executable: it exports the SDK
# functions listed in mk/sdk.syms and nothing else.
$(BIN)/ibpipe: $(BUILD)/src/cli/main.o $(LIBA) mk/sdk.syms
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -Wl,--dynamic-list=mk/sdk.syms -o $@ $(BUILD)/src/cli/main.o $(LIBA) $(LDLIBS)

$(BIN)/ibsim: $(SIM_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ibbench exports the SDK too: `ibbench e2e --plugin $(BUILD)/bench-plugin.so` runs the bench
# strategy as a plugin (make bench compares it with the built-in): the same file as the built-in,
# which uses nothing but the SDK.
$(BIN)/ibbench: $(BENCH_OBJ) $(LIBA) mk/sdk.syms $(BUILD)/bench-plugin.so
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -Wl,--dynamic-list=mk/sdk.syms -o $@ $(BENCH_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/bench-plugin.so: src/strategies/bench.c src/strategies/bench.h $(wildcard include/ibpipe/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(filter-out -fPIE,$(CFLAGS)) -fPIC -shared -fvisibility=hidden $(LDSAN) -o $@ $<

# A built-in strategy is a plugin linked in: src/strategies/NAME.c includes only the SDK and ends
# with IB_SDK_PLUGIN(vtable).  Its entry function is renamed ibpipe_builtin_NAME so that several
# live in one executable; src/loader/registry.c lists them (src/loader/builtin.h).
$(BUILD)/src/strategies/%.o: CFLAGS += -Dibpipe_strategy_plugin=ibpipe_builtin_$(basename $(notdir $@))

# Each tests/test_<name>.c defines `void test_<name>_register(void)`; the
# runner's suite list is generated from the file names (through a temp file of
# its own: `make test` and `make lint` may run at once, as in CI).
$(BUILD)/tests/suites.h: $(wildcard tests/test_*.c)
	@mkdir -p $(dir $@)
	@for f in $(sort $(basename $(notdir $(wildcard tests/test_*.c)))); do \
		echo "SUITE($$f)"; done > $@.$$$$.tmp && mv $@.$$$$.tmp $@

$(BUILD)/tests/runner.o: $(BUILD)/tests/suites.h
$(BUILD)/tests/%.o: CFLAGS += -I$(BUILD)/tests -Itests

# Integration tests run bin/ibsim as a process; the test binary needs only the library.
$(BIN)/test_ibpipe: $(TEST_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The tests start bin/ibsim and bin/ibpipe as real processes; they need both.  The suite "sdk"
# (tools/sdk-test.sh) stages make install, whose man page is built here first: several make test
# at once (make test-stress) must not all write it.
test: all $(BIN)/test_ibpipe $(BUILD)/ibpipe.1
	@tools/deps.sh $(TEST_DEB_PKGS)
	IB_BIN=$(BIN) SDK_VARIANT=$(VARIANT) SDK_CFLAGS="$(LDSAN)" tools/with-redis.sh $(BIN)/test_ibpipe $(TESTS)

# The strategy SDK end to end (tools/sdk-test.sh): the examples built from a staged install, the
# refusals, plugins trading against ibsim.  `make asan sdk-test` / `make tsan sdk-test` run the
# plugins (built with the same sanitizer) in that variant of ibpipe.
sdk-test: all
	SDK_IBPIPE=$(abspath $(BIN)/ibpipe) SDK_VARIANT=$(VARIANT) SDK_CFLAGS="$(LDSAN)" tools/sdk-test.sh

# make test 20 times (STRESS_RUNS) while make bench loads the machine: 0 failures, 0 files left
test-stress: all $(BIN)/test_ibpipe
	tools/stress.sh

run: all
	tools/run.sh

bench: all
	@tools/deps.sh $(BENCH_DEB_PKGS)
	tools/bench.sh

# deps: install Debian packages when missing (root), or say what to run.
DEB_PKGS := build-essential pkg-config libck-dev libhiredis-dev libcunit1-dev libmicrohttpd-dev redis-server redis-tools
# only for the tests, not build dependencies (the image's build stage does without them):
# test_web loads the dashboard in a real headless browser, test_sentinel runs redis-sentinel,
# test_python the Python client
TEST_DEB_PKGS := chromium redis-sentinel python3-redis
# only for make bench: its charts (gnuplot) and instruction counts (valgrind's callgrind)
BENCH_DEB_PKGS := gnuplot-nox valgrind
deps:
	@tools/deps.sh $(DEB_PKGS) $(TEST_DEB_PKGS)

deps-check:
	@pkg-config --exists $(PKGS) && command -v redis-server >/dev/null || tools/deps.sh $(DEB_PKGS)

# lint: cppcheck + clang-tidy (rules: .clang-tidy, tools/cppcheck-suppressions.txt).
# Same defines and include paths as the build, minus gcc-only flags and -Werror.
# The commit id is a fixed word for lint: cppcheck failed with an internal error
# whenever the short SHA read as a number (5e06969 = 5 x 10^6969).
LINT_CFLAGS := $(filter-out -Werror -Wno-format-truncation -g -DIB_GIT_SHA=%,$(CFLAGS_BASE)) -DIB_GIT_SHA=\"lint\"
lint: $(BUILD)/tests/suites.h
	@LINT_CFLAGS="$(LINT_CFLAGS) $(PKG_CFLAGS)" LINT_TEST_CFLAGS="-I$(BUILD)/tests -Itests -include tools/lint-cunit.h" \
		tools/lint.sh

format:
	clang-format -i $(wildcard src/*/*.[ch] include/ibpipe/*.h tests/*.c bench/*.c)

clean:
	rm -rf build bin

# make bench-compare A=old.json B=new.json  (or: make bench-compare A.json B.json)
bench-compare:
	@python3 tools/bench_json.py compare $(or $(A),$(word 2,$(MAKECMDGOALS))) $(or $(B),$(word 3,$(MAKECMDGOALS)))
%.json:
	@:

# libFuzzer targets in tests/fuzz, FUZZ_SECONDS each (default 60); FUZZ_TARGETS=word selects some
fuzz:
	@tools/fuzz.sh

# the configuration path (file, environment, flags) on hostile inputs only
fuzz-config:
	@FUZZ_TARGETS="config" tools/fuzz.sh

# the account-list / sync state machine on arbitrary message sequences only
fuzz-sync:
	@FUZZ_TARGETS="sync" tools/fuzz.sh

# long-running stability run (SOAK_SECONDS, default 600)
soak: all
	@tools/soak.sh

include mk/install.mk
