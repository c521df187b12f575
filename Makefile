# deal-enrich: small Unix programs that enrich closed CRM deals.
# GNU make. `make` builds bin/, `make check` runs every test under ASan+UBSan.
.POSIX:
.SUFFIXES:

PREFIX    = /usr/local
BINDIR    = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/deal-enrich
MANDIR    = $(PREFIX)/share/man
DESTDIR   =
VERSION   = 0.1.0

CC        = cc
PKG_CONFIG = pkg-config
PKGS      = yajl lmdb libcurl gsl
DEPCFLAGS = $$($(PKG_CONFIG) --cflags $(PKGS))
DEPLIBS   = $$($(PKG_CONFIG) --libs $(PKGS)) -lcsv -lm
CFLAGS    = -O2 -g
WFLAGS    = -std=c11 -D_GNU_SOURCE -DDE_VERSION='"$(VERSION)"' -Wall -Wextra -Ilib
SANFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

PROGS     = $(notdir $(basename $(wildcard cmd/*.c)))
LIBSRC    = $(wildcard lib/*.c)
LIBHDR    = $(wildcard lib/*.h)
UNITSRC   = $(wildcard tests/unit/test_*.c)
FUZZSRC   = $(wildcard fuzz/fuzz_*.c)
PIPELINES = $(filter-out %.md,$(wildcard pipelines/*))
MANPAGES  = $(wildcard man/*.1)

REL = build/rel
SAN = build/san

all: $(PROGS:%=bin/%)

# ---- release build ----
$(REL)/lib/%.o: lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) $(DEPCFLAGS) -c $< -o $@

$(REL)/libdeal.a: $(LIBSRC:lib/%.c=$(REL)/lib/%.o)
	rm -f $@ && ar rcs $@ $^

bin/%: cmd/%.c $(REL)/libdeal.a $(LIBHDR)
	@mkdir -p bin
	$(CC) $(WFLAGS) $(CFLAGS) $(DEPCFLAGS) $< -o $@ $(REL)/libdeal.a $(DEPLIBS)

# ---- sanitizer build, used by every test ----
$(SAN)/lib/%.o: lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) $(DEPCFLAGS) -c $< -o $@

$(SAN)/libdeal.a: $(LIBSRC:lib/%.c=$(SAN)/lib/%.o)
	rm -f $@ && ar rcs $@ $^

$(SAN)/bin/%: cmd/%.c $(SAN)/libdeal.a $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) $(DEPCFLAGS) $< -o $@ $(SAN)/libdeal.a $(DEPLIBS)

$(SAN)/unit/%: tests/unit/%.c $(SAN)/libdeal.a $(LIBHDR) tests/unit/fixture.h
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) $(DEPCFLAGS) $< -o $@ $(SAN)/libdeal.a $(DEPLIBS) -lcmocka

# Fuzz targets, replayed over their committed corpus by `make check`.
$(SAN)/fuzz/%: fuzz/%.c fuzz/replay.c $(SAN)/libdeal.a $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) $(DEPCFLAGS) $< fuzz/replay.c -o $@ $(SAN)/libdeal.a $(DEPLIBS)

# The allocation-fault build: the sanitizer objects, every allocation of lib/
# and cmd/ routed through tests/fault/alloc.c (DE_FAULT_ALLOC=n fails the n-th).
FAULT = build/fault
FAULTWRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
$(FAULT)/bin/%: cmd/%.c $(SAN)/libdeal.a tests/fault/alloc.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) $(DEPCFLAGS) $< tests/fault/alloc.c -o $@ $(SAN)/libdeal.a $(DEPLIBS) $(FAULTWRAP)

san: $(PROGS:%=$(FAULT)/bin/%) $(PROGS:%=$(SAN)/bin/%) $(UNITSRC:tests/unit/%.c=$(SAN)/unit/%) $(FUZZSRC:fuzz/%.c=$(SAN)/fuzz/%)

# ---- tests ----
check: deps
	@$(MAKE) --no-print-directory -j2 san
	@tests/run $(SAN)

check-valgrind: deps all
	@VALGRIND=1 tests/run --cmd-only bin

# libFuzzer runs (clang): FUZZ_SECONDS each, starting from the committed corpus;
# new inputs go to build/fuzz/<target>-corpus, findings to build/fuzz/.
FUZZ_SECONDS = 60
fuzz: deps-fuzz
	@mkdir -p build/fuzz
	@for f in $(FUZZSRC); do n=$$(basename $$f .c); \
	  clang $(WFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(DEPCFLAGS) $$f $(LIBSRC) \
	    -o build/fuzz/$$n $(DEPLIBS) || exit 1; \
	  mkdir -p fuzz/corpus/$$n build/fuzz/$$n-corpus; \
	  build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/$$n- \
	    build/fuzz/$$n-corpus fuzz/corpus/$$n || exit 1; done

bench: all
	@bench/run

demo: deps all
	@examples/demo

# ---- Debian packages ----
DEB_PKGS = gcc make pkg-config libyajl-dev liblmdb-dev libcsv-dev libcmocka-dev \
	libcurl4-openssl-dev libgsl-dev python3 jq curl postgresql lmdb-utils valgrind parallel man-db \
	chromium
DEB_FUZZ_PKGS = clang libclang-rt-14-dev

deps:
	@tools/deps $(DEB_PKGS)

deps-fuzz:
	@tools/deps $(DEB_FUZZ_PKGS)

# ---- install ----
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(LIBEXECDIR)
	for p in $(PROGS); do cp bin/$$p $(DESTDIR)$(BINDIR)/$$p; chmod 755 $(DESTDIR)$(BINDIR)/$$p; done
	for p in $(PIPELINES); do n=$$(basename $$p); cp $$p $(DESTDIR)$(BINDIR)/deal-enrich-$$n; \
	  chmod 755 $(DESTDIR)$(BINDIR)/deal-enrich-$$n; done
	for m in $(MANPAGES); do cp $$m $(DESTDIR)$(MANDIR)/man1/; chmod 644 $(DESTDIR)$(MANDIR)/man1/$$(basename $$m); done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for p in $(PIPELINES); do rm -f $(DESTDIR)$(BINDIR)/deal-enrich-$$(basename $$p); done
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$m); done

clean:
	rm -rf bin build

.PHONY: all san check check-valgrind fuzz bench demo deps deps-fuzz install uninstall clean
.PRECIOUS: $(SAN)/lib/%.o $(REL)/lib/%.o
