# SPDX-License-Identifier: GPL-2.0
# schedml: one non-recursive Makefile for the BPF object, its skeleton, the daemon and the tests.
#
#   make            build build/schedml
#   make run        install missing Debian packages, build, run a foreground dry-run
#   make test       install missing Debian packages, build, run every test (unit, sanitizers, root)
#   make bench      benchmarks (root; not part of make test)
#   make install    PREFIX=/usr/local DESTDIR=
#   V=1             show full commands

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/schedml
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
OUT ?= build

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf libelf zlib json-c libsystemd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

CFLAGS ?= -O2 -g
SAN_FLAGS ?=
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-D_GNU_SOURCE -Iinclude -Ibpf -I$(OUT) $(PKG_CFLAGS) $(SAN_FLAGS) -MMD -MP
override LDFLAGS += $(SAN_FLAGS)
LDLIBS := $(PKG_LIBS) -lm

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(LIB_SRCS))
LIB := $(OUT)/libschedml.a
BIN := $(OUT)/schedml

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
# bench/*.bpf.c are BPF objects (the tracing-overhead floor reference), not host programs.
BENCH_BPF_OBJS := $(patsubst bench/%.bpf.c,$(OUT)/bench/%.bpf.o,$(wildcard bench/*.bpf.c))
BENCH_BINS := $(filter-out $(OUT)/bench/%.bpf,$(BENCH_BINS))

.PHONY: all deps run test unit integ bench install uninstall clean
.DEFAULT_GOAL := all

all: $(BIN) $(UNIT_BINS) $(BENCH_BINS)

deps:
	$(Q)tools/deps.sh

$(OUT)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(VMLINUX_BTF) || { echo "schedml: $(VMLINUX_BTF) not readable: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h $(OUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Ibpf \
		-MMD -MP -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

.SECONDARY: $(BPF_OBJS) $(SKELS)

# Only the tracer includes a skeleton; -MMD records that after the first build.
$(OUT)/obj/%.o: src/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(OUT)/obj/main.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LIB) $(LDLIBS) $(CMOCKA_LIBS) -o $@

$(OUT)/bench/%: bench/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

# BPF objects the benchmarks load without a skeleton (bench/floorload.c).
all: $(BENCH_BPF_OBJS)
$(OUT)/bench/%.bpf.o: bench/%.bpf.c $(OUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) \
		-MMD -MP -c $< -o $@

# The README's two commands.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(BIN) run --foreground --dry-run --debug --model models/default.json

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/san CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" $(OUT)/san/schedml \
		$(patsubst $(OUT)/%,$(OUT)/san/%,$(UNIT_BINS))
	$(Q)OUT=$(OUT) tests/run.sh

unit: $(UNIT_BINS)
	$(Q)OUT=$(OUT) tests/run.sh unit

integ: $(BIN)
	$(Q)OUT=$(OUT) tests/run.sh integ

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUT=$(OUT) bench/run.sh

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/schedml
	install -D -m 0644 models/default.json $(DESTDIR)$(DATADIR)/models/default.json
	install -D -m 0644 systemd/schedml.service $(DESTDIR)$(UNITDIR)/schedml.service
	install -D -m 0644 systemd/config.json $(DESTDIR)$(SYSCONFDIR)/schedml/config.json

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/schedml $(DESTDIR)$(DATADIR)/models/default.json \
		$(DESTDIR)$(UNITDIR)/schedml.service $(DESTDIR)$(SYSCONFDIR)/schedml/config.json
	-rmdir $(DESTDIR)$(DATADIR)/models $(DESTDIR)$(DATADIR) $(DESTDIR)$(SYSCONFDIR)/schedml 2>/dev/null

# Corpus workloads (tools/gen-corpus.sh): small standalone programs, not linked with schedml.
WORKLOAD_SRCS := $(wildcard tools/workloads/*.c)
WORKLOAD_BINS := $(patsubst tools/workloads/%.c,$(OUT)/workloads/%,$(WORKLOAD_SRCS))
.PHONY: workloads
workloads: $(WORKLOAD_BINS)
$(OUT)/workloads/%: tools/workloads/%.c tools/workloads/common.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE $< -lm -o $@

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*.d $(OUT)/tests/*.d $(OUT)/bench/*.d $(OUT)/bpf/*.d)

# ---- fuzz (hardening, issue 7: tests/fuzz/, docs/hardening.md) -------------------------------
# libFuzzer targets tests/fuzz/fuzz_<t>.c. The library is rebuilt with clang into $(OUT)/fuzz/
# with coverage instrumentation (-fsanitize=fuzzer-no-link) and ASan+UBSan (libclang-rt-14-dev);
# each target links libFuzzer's main. Not -Werror: clang may warn where gcc (the -Werror gate)
# does not, and the fuzz build must not break on that.
#   make fuzz          every target for FUZZ_SECONDS (default 300) each, then its regression inputs
#   make fuzz-smoke    the same for FUZZ_SMOKE_SECONDS (default 20): tests/integ/t_fuzz_smoke.sh
#   make fuzz FUZZ_TARGETS="model config"   only some targets
FUZZ_OUT := $(OUT)/fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_TARGETS ?=
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
FUZZ_LIB := $(FUZZ_OUT)/libschedml.a
FUZZ_LIB_OBJS := $(patsubst src/%.c,$(FUZZ_OUT)/obj/%.o,$(LIB_SRCS))
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra \
	-Wno-missing-field-initializers -D_GNU_SOURCE -Iinclude -Ibpf -I$(OUT) $(PKG_CFLAGS) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP

.PHONY: fuzz fuzz-smoke fuzz-build

$(FUZZ_OUT)/obj/%.o: src/%.c | $(SKELS)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itests -fsanitize=fuzzer $< $(FUZZ_LIB) $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)OUT=$(OUT) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	$(Q)OUT=$(OUT) tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

-include $(wildcard $(FUZZ_OUT)/obj/*.d $(FUZZ_OUT)/*.d)
# ---- end of fuzz ----------------------------------------------------------------------------
