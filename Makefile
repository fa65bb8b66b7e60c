# hostfleet - one executable, built with the libraries of DESIGN.md §7.
#
#   make            development build (warnings are errors): build/hostfleet
#   make test       install what is missing, build with ASan+UBSan, run the
#                   unit tests, the end-to-end tests and a short fuzz run
#   make demo       install what is missing, build, start the demo cluster
#   make bench      build the benchmarks (bench/)
#   make deb        install what is missing, build the Debian package
#                   build/hostfleet_VERSION_ARCH.deb (tools/mkdeb.sh)
#   make chaos SEED=N STEPS=M
#                   the chaos test (tests/e2e/0400-chaos.sh) with seed N
#                   (default: today's date) and M random steps (default
#                   500; `make test` runs it with 100)

PKGS     := libmicrohttpd libcurl jansson gnutls libsodium sqlite3 libpsl libseccomp libssh
CC       ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -Wformat=2 \
            -Wno-format-nonliteral -Wno-format-truncation
# the one version, the top entry of packaging/changelog: the program's
# (hostfleet --version) and the package's
VERSION  := $(shell sed -n '1s/^hostfleet .\([0-9][0-9A-Za-z.+~-]*\). .*/\1/p' packaging/changelog)
CFLAGS   ?= -O2 -g
CFLAGS   += -DHF_VERSION='"$(VERSION)"'
CFLAGS   += -std=gnu11 -D_GNU_SOURCE -pthread $(WARN) -Werror $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -pthread

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

COMMON   := $(wildcard src/common/*.c)
MASTER   := $(wildcard src/master/*.c src/master/cluster/*.c)
NODE     := $(wildcard src/node/*.c)
CLI      := $(wildcard src/cli/*.c) $(wildcard src/demo/*.c)
# the web panel's files, embedded as a C source (tools/embed.py)
PANEL    := $(shell find src/master/panel -type f ! -name '.*')
PANELGEN := build/gen/panel_assets.c
SRCS     := $(COMMON) $(MASTER) $(NODE) $(CLI) src/main.c $(PANELGEN)
HDRS     := $(shell find src -name '*.h')

OBJ      := $(SRCS:%.c=build/dev/%.o)
AOBJ     := $(SRCS:%.c=build/asan/%.o)
ROBJ     := $(SRCS:%.c=build/rel/%.o)
# the package's build: Debian's hardening flags (fortify, stack
# protector, PIE, full RELRO with bind-now) over ours
DEB_FLAGS   = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get
DEB_CFLAGS  = $(shell $(DEB_FLAGS) CPPFLAGS) $(shell $(DEB_FLAGS) CFLAGS)
DEB_LDFLAGS = $(shell $(DEB_FLAGS) LDFLAGS)

.PHONY: all test demo run deps bench clean unit e2e fuzz docs check-docs deb chaos

all: build/hostfleet

$(PANELGEN): $(PANEL) tools/embed.py
	@mkdir -p $(dir $@)
	python3 tools/embed.py src/master/panel $@

build/dev/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

build/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -O1 -c $< -o $@

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEB_CFLAGS) -c $< -o $@

build/dev/src/main.o build/asan/src/main.o build/rel/src/main.o: packaging/changelog

build/hostfleet: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/rel/hostfleet: $(ROBJ)
	$(CC) $(CFLAGS) $(DEB_CFLAGS) $(DEB_LDFLAGS) -o $@ $^ $(LDLIBS)

build/asan/hostfleet: $(AOBJ)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# ---- dependencies: every package the build and the tests need ----
deps:
	@sh tools/deps.sh

# ---- tests ----
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
# everything but the programs' main files, for linking unit tests
LIBSRCS  := $(filter-out src/main.c src/master/main.c src/node/main.c \
              src/cli/call.c src/cli/dump.c src/demo/demo.c, $(SRCS))
LIBAOBJ  := $(LIBSRCS:%.c=build/asan/%.o)

build/asan/tests/%: tests/unit/%.c $(LIBAOBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Wno-missing-prototypes -o $@ $< $(LIBAOBJ) \
	    $(LDLIBS) $(shell pkg-config --libs cmocka)

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
FUZZ_LIB  := $(LIBSRCS:%.c=build/fuzz/%.o)
# clang knows neither -Wformat=2's gcc extras nor -Wno-format-truncation
FUZZ_CFLAGS := $(filter-out -Wformat=2 -Wno-format-truncation,$(CFLAGS))

build/fuzz/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -O1 -c $< -o $@

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer,address,undefined -O1 \
	    -o $@ $< $(FUZZ_LIB) $(LDLIBS)

unit: $(UNIT_BINS)
e2e: build/asan/hostfleet
fuzz: $(FUZZ_BINS)

test: deps
	@$(MAKE) --no-print-directory build/asan/hostfleet build/hostfleet build/rel/hostfleet $(UNIT_BINS) $(FUZZ_BINS)
	@sh tests/run.sh

deb: deps
	@$(MAKE) --no-print-directory build/rel/hostfleet
	@sh tools/mkdeb.sh build/rel/hostfleet build

SEED  ?=
STEPS ?= 500
chaos: deps
	@$(MAKE) --no-print-directory build/asan/hostfleet
	CHAOS_SEED=$(SEED) CHAOS_STEPS=$(STEPS) sh tests/e2e/0400-chaos.sh

demo run: deps
	@$(MAKE) --no-print-directory build/hostfleet
	./build/hostfleet demo

bench: build/hostfleet build/proxyload build/usagebench

build/proxyload: bench/proxyload.c bench/bench.h
	@mkdir -p build
	$(CC) -O2 -Wall -Wextra -o $@ $< $(shell pkg-config --cflags --libs libcurl)

build/usagebench: bench/usage.c bench/bench.h build/dev/src/node/usage.o build/dev/src/common/util.o build/dev/src/common/log.o build/dev/src/node/store.o build/dev/src/common/db.o
	$(CC) $(CFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)

docs:
	@sh tools/gendocs.sh

clean:
	rm -rf build
