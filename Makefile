# custos: build, test, install.
#
#   make            build custos and custos-verify in build/
#   make run        build and show custos at work
#   make check      build with AddressSanitizer + UBSan and run every test
#   make check-ha   the failover test's long run (HA_FAILOVERS=12 kills)
#   make deps       install the Debian packages the build needs (apt-get)
#   make bench      benchmarks (optimised build, figures printed)
#   make fuzz       libFuzzer targets, 60 s each (FUZZ_SECONDS=N to change)
#   make install    PREFIX=/usr/local DESTDIR=
#   make V=1        show the full commands

PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
SAN        ?= 0
CC         ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Debian packages needed to build and test; `make deps` installs what is missing.
DEB_PACKAGES = build-essential pkg-config libsodium-dev libssl-dev openssl \
	libpq-dev libncurses-dev check clang libclang-rt-14-dev coreutils \
	postgresql postgresql-contrib postgresql-server-dev-15 postgresql-15-pgtap \
	postgresql-15-pgaudit tmux procps faketime \
	libcairo2-dev libpango1.0-dev libqrencode-dev poppler-utils zbar-tools fonts-dejavu-core

WARN    = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes
CSTD    = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     = -O2 -g
ifeq ($(SAN),1)
OPT     = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
endif

CRYPTO_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsodium libcrypto 2>/dev/null)
CRYPTO_LIBS   := $(shell $(PKG_CONFIG) --libs libsodium libcrypto 2>/dev/null) -lpthread
PQ_CFLAGS     := $(shell $(PKG_CONFIG) --cflags libpq libssl 2>/dev/null)
# libssl for the server certificate's subject (db_tls_describe); libpq
# itself does the TLS.
PQ_LIBS       := $(shell $(PKG_CONFIG) --libs libpq libssl 2>/dev/null)
CURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw formw menuw panelw 2>/dev/null)
CURSES_LIBS   := $(shell $(PKG_CONFIG) --libs ncursesw formw menuw panelw 2>/dev/null)
# The PDF reports (src/report_pdf.c): custos only, never custos-verify.
PDF_CFLAGS    := $(shell $(PKG_CONFIG) --cflags cairo pangocairo pangoft2 libqrencode fontconfig 2>/dev/null)
PDF_LIBS      := $(shell $(PKG_CONFIG) --libs cairo pangocairo pangoft2 libqrencode fontconfig 2>/dev/null)
CHECK_CFLAGS  := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS    := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# Each object gets the flags of the libraries its directory may use: every
# unit libsodium and libcrypto; src/ and keys/ libpq too, except the
# verifier's sources (VERIFY_SRCS), which get nothing more; tui/ and the
# tests also curses.  So a verifier source that included libpq or curses
# headers would not build, and no src/ unit sees curses at all.
BASE_CFLAGS = $(CSTD) $(WARN) $(OPT) $(CRYPTO_CFLAGS) -MMD -MP
ALL_CFLAGS = $(BASE_CFLAGS) $(if $(filter $<,$(VERIFY_SRCS)),,$(PQ_CFLAGS)) \
	     $(if $(filter tui/%,$<),$(CURSES_CFLAGS)) \
	     $(if $(filter src/report_pdf.c,$<),$(PDF_CFLAGS)) $(CFLAGS)
ALL_LDFLAGS = $(OPT) $(LDFLAGS)

# The library: every module of src/ and keys/ except the programs' mains.
MAINS     = src/main.c src/custos_verify.c
LIB_SRCS  = $(filter-out $(MAINS),$(wildcard src/*.c keys/*.c))
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
MIGRATIONS = $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
LIB       = $(BUILD)/libcustos.a

# The terminal UI: linked into custos (and the tests/check_tui_* suites)
# only, never into libcustos.a or custos-verify.
# The oversight verifier's sources: the list in docs/VERIFY.md, which
# oversight bodies build from by hand and tests/t_verify_standalone.sh
# checks, is the one list; the Makefile reads it.
VERIFY_SRCS := $(shell sed -n 's/^<!-- verifier-sources: \(.*\) -->$$/\1/p' docs/VERIFY.md)
VERIFY_OBJS  = $(VERIFY_SRCS:%.c=$(BUILD)/%.o)

TUI_SRCS  = $(wildcard tui/*.c)
TUI_OBJS  = $(TUI_SRCS:%.c=$(BUILD)/%.o)

TEST_SRCS = $(wildcard tests/check_*.c)
TEST_BINS = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_SCRIPTS = $(sort $(wildcard tests/t_*.sh))

FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)

.SECONDARY:
.PHONY: all run stop check check-ha test tests-build deps bench fuzz install uninstall clean custos custos-verify \
	ext install-ext ext-installed
all: $(BUILD)/custos $(BUILD)/custos-verify ext

custos: $(BUILD)/custos
custos-verify: $(BUILD)/custos-verify

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The migrations are compiled in: custos carries its own schema.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) src/embed_sql.sh
	@mkdir -p $(dir $@)
	$(Q)sh src/embed_sql.sh $@ $(MIGRATIONS)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/custos: $(BUILD)/src/main.o $(TUI_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PQ_LIBS) $(CURSES_LIBS) $(PDF_LIBS) $(CRYPTO_LIBS)

# The oversight verifier links libsodium and libcrypto only: no libpq, no
# curses; its objects are compiled with those two libraries' flags only.
$(BUILD)/custos-verify: $(VERIFY_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(PQ_CFLAGS) $(CURSES_CFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PQ_LIBS) $(CURSES_LIBS) $(CRYPTO_LIBS)

# Suites of the terminal UI link its objects too (the more specific pattern
# wins), and so the PDF writer that its `P` calls.
$(BUILD)/tests/check_tui_%: $(BUILD)/tests/check_tui_%.o $(TUI_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PQ_LIBS) $(CURSES_LIBS) $(PDF_LIBS) $(CRYPTO_LIBS)

# The test-vector generator (tests/vectors/ is its committed output).
$(BUILD)/tests/mkvectors: $(BUILD)/tests/mkvectors.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

# TEST-ONLY key files at minimum KDF cost, for tests and the demo.
$(BUILD)/tests/mktestkey: $(BUILD)/tests/mktestkey.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

# The bundle generator for the offline-verifier tests (tests/mkbundle.c).
$(BUILD)/tests/mkbundle: $(BUILD)/tests/mkbundle.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

# The entry forger for the tamper tests on a real database (tests/forge.c).
$(BUILD)/tests/forge: $(BUILD)/tests/forge.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)
TEST_TOOLS = $(BUILD)/tests/mkvectors $(BUILD)/tests/mktestkey \
	$(if $(wildcard tests/mkbundle.c),$(BUILD)/tests/mkbundle) \
	$(if $(wildcard tests/forge.c),$(BUILD)/tests/forge)

# The server extension (src/pg/), built with PostgreSQL's PGXS in $(BUILD)/pg
# from the same entry, note and signer sources as the client; its own
# compiler flags (a backend module is never built with the sanitizers).
# `make install-ext` puts it into the server's directories (pg_config), as
# root directly, otherwise through sudo.
PG_CONFIG ?= pg_config
EXT_MAKE = $(MAKE) --no-print-directory -C $(BUILD)/pg -f $(CURDIR)/src/pg/Makefile \
	PG_CONFIG=$(PG_CONFIG) CC="$$($(PG_CONFIG) --cc)" with_llvm=no $(if $(Q),-s)
EXT_SO = $(BUILD)/pg/custos.so
ext:
	@mkdir -p $(BUILD)/pg
	@$(if $(Q),echo "  PGXS    $(EXT_SO)")
	$(Q)env -u CFLAGS -u LDFLAGS $(EXT_MAKE) all
install-ext: ext
	$(Q)if [ "$$(id -u)" = 0 ] || [ -n "$(DESTDIR)" ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO env -u CFLAGS -u LDFLAGS $(EXT_MAKE) install DESTDIR=$(DESTDIR)
# The tests and the demo need this tree's extension in the server: install
# it when it differs from the one there.
ext-installed: ext
	$(Q)same=yes; share="$$($(PG_CONFIG) --sharedir)/extension"; \
	cmp -s $(EXT_SO) "$$($(PG_CONFIG) --pkglibdir)/custos.so" || same=no; \
	for f in src/pg/custos.control src/pg/custos--*.sql; do \
		cmp -s $$f "$$share/$${f##*/}" || same=no; done; \
	if [ $$same = no ]; then \
		echo "  INSTALL the custos extension into $$($(PG_CONFIG) --pkglibdir)"; \
		$(MAKE) --no-print-directory install-ext; fi

# `make check`: the build with clang too (its warnings are errors as well),
# then the whole suite under AddressSanitizer and UBSan.
check:
	$(Q)$(MAKE) --no-print-directory CC=clang BUILD=build/clang all tests-build
	$(Q)$(MAKE) --no-print-directory SAN=1 BUILD=build/san test

# `make check-ha`: the failover test's long run (tests/t_failover.sh under
# the sanitizers): HA_FAILOVERS primaries killed under load, 12 by default.
HA_FAILOVERS ?= 12
check-ha: all ext-installed
	$(Q)$(MAKE) --no-print-directory SAN=1 BUILD=build/san all tests-build
	$(Q)HA_FAILOVERS=$(HA_FAILOVERS) BUILD=build/san tests/run.sh tests/t_failover.sh

# Every test program and tool, built but not run.
tests-build: $(TEST_BINS) $(TEST_TOOLS)

# Run every Check suite and every scenario script against the binaries in $(BUILD).
test: all ext-installed $(TEST_BINS) $(TEST_TOOLS)
	$(Q)BUILD=$(BUILD) tests/run.sh $(TEST_BINS) $(TEST_SCRIPTS)

deps:
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; \
	else \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# `make run`: a local PostgreSQL kept in $(DEMO_DIR) (started if it is not
# running; data survives), the demo ledger made once through custos's own
# commands, and custos at work on it.  Stop the server with `make stop`.
DEMO_DIR ?= .demo
run: all ext-installed $(BUILD)/tests/mktestkey
	$(Q)tests/demo.sh $(BUILD) $(DEMO_DIR) >$(BUILD)/demo.env
	$(Q). ./$(BUILD)/demo.env; \
	echo "== alarms (as auditor dave)"; PGUSER=dave $(BUILD)/custos alarms; \
	echo; echo "== the exported bundle, verified offline by the oversight body's policy"; \
	$(BUILD)/custos-verify --policy $(DEMO_DIR)/policy $(DEMO_DIR)/bundle; \
	echo; echo "Use it yourself (every demo passphrase: TEST-ONLY passphrase, never use):"; \
	sed 's/^/  /' $(BUILD)/demo.env; \
	echo "  PGUSER=alice CUSTOS_KEY=$(DEMO_DIR)/keys/alice.key $(BUILD)/custos   (the TUI; see README)"; \
	if [ -t 0 ] && [ -t 1 ]; then \
		echo; printf "Starting the TUI as alice, custodian of 123456 (press Enter)... "; read -r _; \
		PGUSER=alice CUSTOS_KEY=$(DEMO_DIR)/keys/alice.key \
		CUSTOS_LOG_KEY=$(DEMO_DIR)/keys/log.key $(BUILD)/custos; \
	fi

stop:
	$(Q)if [ -d $(DEMO_DIR)/data ]; then \
		if [ "$$(id -u)" = 0 ]; then RU="runuser -u postgres --"; else RU=; fi; \
		if $$RU $$(pg_config --bindir)/pg_ctl -D $(DEMO_DIR)/data status >/dev/null; then \
			$$RU $$(pg_config --bindir)/pg_ctl -D $(DEMO_DIR)/data stop; \
		else echo "stop: the demo server is not running"; fi; fi

# `make bench` and `make fuzz` live beside their sources.
include $(wildcard tests/bench/bench.mk tests/fuzz/fuzz.mk)

install: all install-ext
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BUILD)/custos $(BUILD)/custos-verify $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/custos $(DESTDIR)$(PREFIX)/bin/custos-verify
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/custos.1 $(DESTDIR)$(PREFIX)/share/man/man1/custos-verify.1

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
