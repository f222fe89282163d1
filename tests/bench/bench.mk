# tests/bench/bench.mk: `make bench`, included by the Makefile.
#
#   make bench          build optimised binaries in build/bench and run
#                       tests/bench/run.sh (BENCH_ENTRIES, BENCH_ROUNDS to change;
#                       BENCH_BUNDLE_ENTRIES for the bundle verifier, default 1000000;
#                       BENCH_SCAN_ITEMS, BENCH_SCANS, BENCH_SCAN_ROUNDS for the
#                       inventory scans, tests/bench/scan.sh)
#   make bench-build    only build them
#
# The binaries are built with the default OPT (-O2 -g) and no sanitizers, as
# custos-verify ships.  A benchmark reports; it does not fail on a slow
# machine (it fails only if the verifier rejects the generated log).

BENCH_BUILD   := build/bench
BENCH_ENTRIES ?= 200000
BENCH_ROUNDS  ?= 5
BENCH_BUNDLE_ENTRIES ?= 1000000
BENCH_SCAN_ITEMS ?= 100000
BENCH_SCANS   ?= 2000
BENCH_SCAN_ROUNDS ?= 3
BENCH_PROGS    = $(addprefix $(BUILD)/tests/bench/,mkbenchlog bench_ed25519 runstat)

.PHONY: bench-build

bench: bench-build
	$(Q)BUILD=$(BENCH_BUILD) BENCH_ENTRIES=$(BENCH_ENTRIES) BENCH_ROUNDS=$(BENCH_ROUNDS) \
		BENCH_BUNDLE_ENTRIES=$(BENCH_BUNDLE_ENTRIES) tests/bench/run.sh
	$(Q)BUILD=$(BENCH_BUILD) BENCH_ROUNDS=$(BENCH_ROUNDS) tests/bench/ledger.sh
	$(Q)BUILD=$(BENCH_BUILD) tests/bench/holdings.sh
	$(Q)BUILD=$(BENCH_BUILD) BENCH_SCAN_ITEMS=$(BENCH_SCAN_ITEMS) BENCH_SCANS=$(BENCH_SCANS) \
		BENCH_ROUNDS=$(BENCH_SCAN_ROUNDS) tests/bench/scan.sh
	$(Q)BUILD=$(BENCH_BUILD) tests/bench/checkpoint.sh
	$(Q)BUILD=$(BENCH_BUILD) tests/bench/tui.sh
	$(Q)BUILD=$(BENCH_BUILD) BENCH_ROUNDS=$(BENCH_ROUNDS) tests/bench/report.sh

bench-build:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) SAN=0 $(BENCH_BUILD)/custos-verify \
		$(addprefix $(BENCH_BUILD)/tests/bench/,mkbenchlog bench_ed25519 runstat bench_ledger bench_holdings bench_scan bench_report) \
		$(BENCH_BUILD)/custos $(BENCH_BUILD)/tests/mktestkey \
		$(if $(wildcard tests/mkbundle.c),$(BENCH_BUILD)/tests/mkbundle)

$(BENCH_PROGS): %: %.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILD)/tests/bench/bench_ledger $(BUILD)/tests/bench/bench_holdings \
$(BUILD)/tests/bench/bench_scan: %: %.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PQ_LIBS) $(CRYPTO_LIBS)

$(BUILD)/tests/bench/bench_report: %: %.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PQ_LIBS) $(PDF_LIBS) $(CRYPTO_LIBS)
