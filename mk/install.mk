# mk/install.mk - `make install`, `make uninstall`, `make man` and `make verify-units`.  The
# Makefile includes this at its end, after BIN and BUILD are defined.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=/tmp/stage] [UNITDIR=/etc/systemd/system]
#   make uninstall (same variables)
#
# It installs the binaries, the man page, the example config and the systemd units.  It never
# overwrites a live config or password, and never starts or reloads anything; the commands for
# that are printed at the end.  The units name /usr/local/bin/ibpipe; for another PREFIX they
# are rewritten on the way.  Units go to /etc/systemd/system, where an admin's own units go
# (/lib/systemd/system belongs to Debian packages), and config to /etc, whatever PREFIX is:
# that is where systemd and the units look.  uninstall removes what install put there except
# the live config and password files in /etc/ibpipe, which it names.
# tools/install-test.sh stages an install and an uninstall in a temp DESTDIR (CI).

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DOCDIR     ?= $(PREFIX)/share/doc/ibpipe
MANDIR     ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
PCDIR      ?= $(PREFIX)/lib/pkgconfig
EXAMPLEDIR ?= $(PREFIX)/share/ibpipe/examples
SYSCONFDIR ?= /etc
UNITDIR    ?= /etc/systemd/system
INSTALL    ?= install

UNITS := $(wildcard deploy/systemd/*.service)
# The SDK: every public header (sdk.h includes the rest), the example plugins and their README.
SDK_HEADERS  := $(wildcard include/ibpipe/*.h)
SDK_EXAMPLES := $(wildcard examples/*.c)
SDK_VERSION  := $(shell sed -n 's/^\#define IB_SDK_ABI_MAJOR //p' include/ibpipe/sdk.h).$(shell sed -n 's/^\#define IB_SDK_ABI_MINOR //p' include/ibpipe/sdk.h)

.PHONY: install uninstall man verify-units
# The man page, from the binary's own --help output (tools/manpage.sh): the settings table is
# the one `ibpipe run --help` prints, so the two never disagree.
man: $(BUILD)/ibpipe.1
$(BUILD)/ibpipe.1: $(BIN)/ibpipe tools/manpage.sh
	@echo "  MAN     $@"
	@tools/manpage.sh $(BIN)/ibpipe > $@.tmp && mv -f $@.tmp $@

install: $(BIN)/ibpipe $(BIN)/ibsim $(BUILD)/ibpipe.1
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BIN)/ibpipe $(BIN)/ibsim $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(BUILD)/ibpipe.1 $(DESTDIR)$(MANDIR)/man1/ibpipe.1
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/ibpipe
	$(INSTALL) -m 0644 deploy/ibpipe.conf $(DESTDIR)$(SYSCONFDIR)/ibpipe/ibpipe.conf.example
	@# The units pass this file as a credential, so it must exist; empty means "no password".
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/ibpipe/redis.password ]; then \
		echo "$(INSTALL) -m 0600 /dev/null $(DESTDIR)$(SYSCONFDIR)/ibpipe/redis.password"; \
		$(INSTALL) -m 0600 /dev/null $(DESTDIR)$(SYSCONFDIR)/ibpipe/redis.password; fi
	@for u in $(UNITS); do \
		echo "  UNIT    $(DESTDIR)$(UNITDIR)/$${u##*/}"; \
		sed 's|/usr/local/bin/ibpipe|$(BINDIR)/ibpipe|g; s|/usr/local/share/doc/ibpipe|$(DOCDIR)|g' "$$u" \
			> $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	$(INSTALL) -m 0644 deploy/README.md $(DESTDIR)$(DOCDIR)/README.md
	@# The strategy SDK (include/ibpipe/sdk.h): headers, pkg-config file, example plugins.
	$(INSTALL) -d -m 0755 $(DESTDIR)$(INCLUDEDIR)/ibpipe $(DESTDIR)$(PCDIR) $(DESTDIR)$(EXAMPLEDIR)
	$(INSTALL) -m 0644 $(SDK_HEADERS) $(DESTDIR)$(INCLUDEDIR)/ibpipe/
	sed 's|@PREFIX@|$(PREFIX)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(SDK_VERSION)|' mk/ibpipe.pc.in > $(DESTDIR)$(PCDIR)/ibpipe.pc
	$(INSTALL) -m 0644 $(SDK_EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)/
	$(INSTALL) -m 0644 deploy/redis/redis.conf $(DESTDIR)$(DOCDIR)/redis.conf.example
	$(INSTALL) -m 0644 deploy/redis/sentinel.conf $(DESTDIR)$(DOCDIR)/sentinel.conf.example
	$(INSTALL) -m 0755 deploy/redis/acl.sh $(DESTDIR)$(DOCDIR)/redis-acl.sh
	@echo
	@echo "Installed.  Next (deploy/README.md has the whole procedure):"
	@echo "  cp $(SYSCONFDIR)/ibpipe/ibpipe.conf.example $(SYSCONFDIR)/ibpipe/paper.conf   # then edit"
	@echo "  systemctl daemon-reload && systemctl enable --now ibpipe@paper.service"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ibpipe $(DESTDIR)$(BINDIR)/ibsim $(DESTDIR)$(MANDIR)/man1/ibpipe.1
	@for u in $(UNITS); do echo "rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}"; rm -f "$(DESTDIR)$(UNITDIR)/$${u##*/}"; done
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/ibpipe/,$(notdir $(SDK_HEADERS))) $(DESTDIR)$(PCDIR)/ibpipe.pc
	rm -f $(addprefix $(DESTDIR)$(EXAMPLEDIR)/,$(notdir $(SDK_EXAMPLES)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/ibpipe $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(PREFIX)/share/ibpipe 2>/dev/null
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/redis.conf.example $(DESTDIR)$(DOCDIR)/sentinel.conf.example $(DESTDIR)$(DOCDIR)/redis-acl.sh
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(DESTDIR)$(SYSCONFDIR)/ibpipe/ibpipe.conf.example
	@left=$$(ls -A $(DESTDIR)$(SYSCONFDIR)/ibpipe 2>/dev/null); \
	if [ -n "$$left" ]; then echo "Kept in $(DESTDIR)$(SYSCONFDIR)/ibpipe (your config and passwords):" $$left; \
	else rmdir $(DESTDIR)$(SYSCONFDIR)/ibpipe 2>/dev/null || true; fi
	@echo "Stop and disable running instances first: systemctl disable --now 'ibpipe@*'; then systemctl daemon-reload"

# systemd-analyze verify over deploy/systemd/*.service (tools/verify-units.sh).
verify-units: $(BIN)/ibpipe
	IBPIPE_BIN=$(abspath $(BIN)/ibpipe) tools/verify-units.sh
