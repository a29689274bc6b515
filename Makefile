# Parley build. One tree builds parleyd (server), parley (client),
# parley-bench (load generator), unit tests and fuzzers.
#
#   make            build everything into build/
#   make run        install missing packages, build, start parleyd: chat on
#                   :7000, IRC on :6667, the web page on http://localhost:8080,
#                   data directory in $(BUILD)/data
#   make test       install missing packages, run every test suite
#   make SAN=1      build with AddressSanitizer + UBSan into build-san/
#   make bench      run the benchmark scenarios against parleyd and Redis
#   make bench-irc  run the IRC scenarios against InspIRCd and ngIRCd
#   make bench-store  a1 and c with and without --data-dir; persisted lines/s
#   make bench-cluster  parleyd nodes behind Redis vs one node
#   make bench-cluster-scale  capacity with 1, 2, 3 nodes at a fixed CPU quota each
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make install    programs to $(PREFIX)/bin, manual pages to
#                   $(PREFIX)/share/man/man1 and man8 (DESTDIR honoured)

CC      ?= cc
SAN     ?= 0
PREFIX  ?= /usr/local

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT     ?= -O1
else
BUILD   ?= build
SANFLAGS =
OPT     ?= -O2
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wvla
CPPFLAGS += -Isrc -D_GNU_SOURCE -MMD -MP
CFLAGS  ?= -g $(OPT)
CFLAGS  += -std=c17 $(WARN) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
# The store (src/store/): SQLite for the data directory, libsodium for
# password hashes, a writer thread off the data path.
STORE_LIBS = -lsqlite3 -lsodium -lpthread
# The cluster (src/cluster/): hiredis for Redis, linked wherever the store is.
STORE_LIBS += -lhiredis

# ---- source sets, by layer ----
UTIL_SRC    = $(wildcard src/util/*.c)
LOOP_SRC    = $(wildcard src/loop/*.c)
NET_SRC     = $(wildcard src/net/*.c)
CODEC_SRC   = $(wildcard src/codec/*.c)
HUB_SRC     = $(wildcard src/hub/*.c)
CLUSTER_SRC = $(wildcard src/cluster/*.c)
STORE_SRC   = $(wildcard src/store/*.c)
DIALECT_SRC = $(wildcard src/dialect/*.c)
TLS_SRC     = $(wildcard src/tls/*.c)
SERVER_SRC  = $(wildcard src/server/*.c)
CLIENT_SRC  = $(wildcard client/*.c)
BENCH_SRC   = $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

CORE_OBJ    = $(call obj,$(UTIL_SRC) $(LOOP_SRC) $(NET_SRC) $(CODEC_SRC))
CHAT_OBJ    = $(call obj,$(HUB_SRC) $(STORE_SRC) $(DIALECT_SRC) $(CLUSTER_SRC))
TLS_OBJ     = $(call obj,$(TLS_SRC))
# The web page (web/) compiled in as a generated C file.
WEB_FILES   = $(shell find web -type f ! -name '.*' 2>/dev/null)
WEB_ASSETS  = $(BUILD)/gen/web_assets.c
SERVER_OBJ  = $(call obj,$(filter-out src/server/main.c,$(SERVER_SRC))) $(BUILD)/obj/gen/web_assets.o
CLIENT_OBJ  = $(call obj,$(CLIENT_SRC))
BENCH_OBJ   = $(call obj,$(BENCH_SRC))

CORE_LIB    = $(BUILD)/libparley-core.a
CHAT_LIB    = $(BUILD)/libparley-chat.a
# OpenSSL is linked only by what holds src/tls/: the three programs.
TLS_LIB     = $(BUILD)/libparley-tls.a
TLS_LDLIBS  = -lssl -lcrypto
SERVER_LIB  = $(BUILD)/libparley-server.a

PARLEYD     = $(BUILD)/parleyd
PARLEY      = $(BUILD)/parley
BENCH       = $(BUILD)/parley-bench

UNIT_SRC    = $(wildcard tests/unit/test_*.c)
UNIT_BIN    = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

PROGRAMS    = $(PARLEYD) $(if $(CLIENT_SRC),$(PARLEY)) $(if $(BENCH_SRC),$(BENCH))

.PHONY: all deps run test unit integration regression valgrind check-layers \
        san-test bench bench-cluster bench-cluster-scale bench-irc bench-store fuzz fuzz-smoke clean install deps-test
.DEFAULT_GOAL := all

all: $(PROGRAMS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CHAT_LIB): $(CHAT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TLS_LIB): $(TLS_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(WEB_ASSETS): $(WEB_FILES) tools/embed-web.sh
	@mkdir -p $(dir $@)
	sh tools/embed-web.sh web > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/web_assets.o: $(WEB_ASSETS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(SERVER_LIB): $(SERVER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PARLEYD): $(call obj,src/server/main.c) $(SERVER_LIB) $(CHAT_LIB) $(TLS_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(TLS_LDLIBS)

$(PARLEY): $(CLIENT_OBJ) $(TLS_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lreadline $(TLS_LDLIBS)

$(BENCH): $(BENCH_OBJ) $(TLS_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lm $(TLS_LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(CHAT_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@) $(BUILD)/obj/tests/unit
	$(CC) $(CPPFLAGS) -MF $(BUILD)/obj/tests/unit/$*.d -MT $@ -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(CHAT_LIB) $(CORE_LIB) -lcmocka $(STORE_LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- running ----

deps:
	@sh tools/install-deps.sh

# install-deps waits for an apt/dpkg lock held by another process (run
# against a scratch apt tree: the system's locks are never touched).
deps-test:
	@sh tests/tools/install_deps_lock.sh

run: deps all
	@echo "parleyd: open http://localhost:8080 in a browser (chat on :7000, IRC on :6667)"
	$(PARLEYD) --listen chat:7000 --listen irc:6667 --listen http:8080 --data-dir $(BUILD)/data

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

check-layers:
	@sh tools/check-layers.sh

PYTHON = /usr/bin/python3
PYTEST = $(PYTHON) -m pytest -q -p no:cacheprovider

integration: all
	PARLEY_BUILD=$(BUILD) $(PYTEST) tests/integration

regression: all
	PARLEY_BUILD=$(BUILD) bash tests/regression.sh

valgrind: all
	PARLEY_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/valgrind.sh

san-test:
	$(MAKE) SAN=1 all unit
	PARLEY_BUILD=build-san $(PYTEST) tests/integration

test: deps
	$(MAKE) all unit check-layers fuzz-regress deps-test
	$(MAKE) integration regression
	$(MAKE) san-test
	$(MAKE) valgrind

bench: deps all
	PARLEY_BUILD=$(BUILD) bash bench/run.sh

# Cluster mode: 1 and 3 nodes behind a redis-server vs one node (docs/CLUSTER.md).
bench-cluster: all
	PARLEY_BUILD=$(BUILD) bash bench/run-cluster.sh

# Many small rooms on 1, 2 and 3 nodes, each node held to the same CPU quota
# with a cgroup (root; skipped without a writable CPU controller).
bench-cluster-scale: all
	PARLEY_BUILD=$(BUILD) python3 bench/cluster_scale.py

# The IRC scenarios against InspIRCd, ngIRCd (and parleyd's IRC listener).
bench-irc: deps all
	@sh tools/install-deps.sh inspircd ngircd
	PARLEY_BUILD=$(BUILD) BENCH_SCENARIOS="irc-a1 irc-a4 irc-c irc-d" bash bench/run.sh

# Persistence: a1 and c beside a1-data and c-data (--data-dir) in one run,
# and persist (committed room lines per second); docs/BENCHMARKS.md.
bench-store: deps all
	PARLEY_BUILD=$(BUILD) BENCH_SCENARIOS="a1 a1-data c c-data persist" bash bench/run.sh

# ---- fuzzing (tests/fuzz; figures in docs/TESTING.md) ----
# fuzz-build   each tests/fuzz/fuzz_NAME.c as a libFuzzer binary (clang,
#              ASan+UBSan) in build-fuzz/fuzz/
# fuzz         runs each for FUZZ_SECONDS from its seed corpus; fails on any
#              crash, leak or timeout (tests/fuzz/run.sh)
# fuzz-regress the same targets built with $(CC) and a replay main, run over
#              their seed corpora (part of `make test`)
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SRC      = $(wildcard tests/fuzz/*.c)
FUZZ_NAMES    = $(patsubst tests/fuzz/fuzz_%.c,%,$(filter tests/fuzz/fuzz_%.c,$(FUZZ_SRC)))
FUZZ_HELP_OBJ = $(call obj,$(filter-out tests/fuzz/fuzz_%.c tests/fuzz/replay.c,$(FUZZ_SRC)))
FUZZ_SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_LIBS     = $(FUZZ_HELP_OBJ) $(SERVER_LIB) $(CHAT_LIB) $(TLS_LIB) $(CORE_LIB)

.PHONY: fuzz-build fuzz-bins fuzz-regress

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) OPT=-O1 SANFLAGS="$(FUZZ_SANFLAGS)" fuzz-bins

fuzz-bins: $(call obj,$(FUZZ_SRC)) $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(STORE_LIBS) $(TLS_LDLIBS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_NAMES)

$(BUILD)/fuzz/regress_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o \
                         $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(TLS_LDLIBS)

fuzz-regress: $(call obj,$(FUZZ_SRC)) $(patsubst %,$(BUILD)/fuzz/regress_%,$(FUZZ_NAMES))
	@set -e; for t in $(FUZZ_NAMES); do \
		$(BUILD)/fuzz/regress_$$t tests/fuzz/corpus/$$t; done

# ---- end of fuzzing ----

clean:
	rm -rf build build-san build-fuzz

# Manual pages: each beside the program it documents.
MAN1 = client/parley.1
MAN8 = src/server/parleyd.8
MANDIR ?= $(PREFIX)/share/man

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
