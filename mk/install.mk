# mk/install.mk - `make install` and `make verify-units`.  The Makefile includes this at its end,
# after BIN is defined.
#
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
#
# It installs the binaries, the example config and the systemd units.  It never overwrites a
# live config or password, and never starts or reloads anything; the commands for that are
# printed at the end.  The units name /usr/local/bin/ibpipe; for another PREFIX they are
# rewritten on the way.  Units go to /lib/systemd/system and config to /etc, whatever PREFIX is:
# that is where systemd and the units look.

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DOCDIR     ?= $(PREFIX)/share/doc/ibpipe
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
INSTALL    ?= install

UNITS := $(wildcard deploy/systemd/*.service)

.PHONY: install verify-units
install: $(BIN)/ibpipe $(BIN)/ibsim
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 $(BIN)/ibpipe $(BIN)/ibsim $(DESTDIR)$(BINDIR)/
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
	$(INSTALL) -m 0644 deploy/redis/redis.conf $(DESTDIR)$(DOCDIR)/redis.conf.example
	@echo
	@echo "Installed.  Next (deploy/README.md has the whole procedure):"
	@echo "  cp $(SYSCONFDIR)/ibpipe/ibpipe.conf.example $(SYSCONFDIR)/ibpipe/paper.conf   # then edit"
	@echo "  systemctl daemon-reload && systemctl enable --now ibpipe@paper.service"

# systemd-analyze verify over deploy/systemd/*.service (tools/verify-units.sh).
verify-units: $(BIN)/ibpipe
	IBPIPE_BIN=$(abspath $(BIN)/ibpipe) tools/verify-units.sh
