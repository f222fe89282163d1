# tests/fuzz/fuzz.mk: `make fuzz`, included by the Makefile.
#
#   make fuzz                  build the libFuzzer targets, run each 60 s
#   make fuzz FUZZ_SECONDS=N   run each N seconds
#   make fuzz-build            only build them (build/fuzz/tests/fuzz/fuzz_*)
#   make fuzz-seeds            regenerate the committed seed corpora
#
# The library and the targets are built with clang in build/fuzz with
# AddressSanitizer, UBSan (no recovery: any report is a crash) and libFuzzer's
# coverage instrumentation; the targets link libFuzzer's main.  `make fuzz`
# fails if any target finds a crash, a leak, a sanitizer report or a timeout,
# or if a committed reproducer in tests/fuzz/crashes/ still fails.

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OPT     := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_NAMES   := $(FUZZ_SRCS:tests/fuzz/%.c=%)

.PHONY: fuzz-build fuzz-seeds

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-build:
	$(Q)command -v $(FUZZ_CC) >/dev/null || \
		{ echo "fuzz: $(FUZZ_CC) not found; run make deps" >&2; exit 2; }
	$(Q)$(MAKE) --no-print-directory CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) OPT="$(FUZZ_OPT)" \
		$(FUZZ_NAMES:%=$(FUZZ_BUILD)/tests/fuzz/%)

# A target: its object (compiled by the tests/ rule of the Makefile, with
# OPT as above) linked with libFuzzer's main.
FUZZ_PROGS = $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/%)
$(FUZZ_PROGS): %: %.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(CRYPTO_LIBS)

fuzz-seeds: $(BUILD)/tests/mkvectors $(BUILD)/tests/mkbundle
	$(Q)tests/fuzz/mkseeds.sh $(BUILD)/tests/mkvectors $(BUILD)/tests/mkbundle
