# dmm — top-level entry points. `make test` and `make demo` install their own dependencies
# (Debian 12, apt-get) and need root for DPDK and network namespaces.
MESON ?= meson
NINJA ?= ninja
BUILD ?= build

.PHONY: all deps build build-clang build-asan test test-unit test-pkt test-sim test-asan test-netns test-lab \
	demo bench fuzz build-fuzz test-fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	CC=gcc $(MESON) setup $(BUILD) --buildtype=debugoptimized >/dev/null

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

build-clang/build.ninja:
	CC=clang $(MESON) setup build-clang --buildtype=debugoptimized >/dev/null

build-clang: deps build-clang/build.ninja
	$(NINJA) -C build-clang

# -Db_lundef=false: sanitizer runtimes resolve symbols at load time.
build-asan/build.ninja:
	CC=gcc $(MESON) setup build-asan --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null

build-asan: deps build-asan/build.ninja
	$(NINJA) -C build-asan

test-unit: build
	$(MESON) test -C $(BUILD) --suite unit --print-errorlogs

test-pkt: build
	$(MESON) test -C $(BUILD) --suite pkt --print-errorlogs

# Unit, packet and domain-simulation tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer (the sim runs fewer seeds there: test/sim/meson.build).
test-asan: build-asan
	$(MESON) test -C build-asan --suite unit --suite pkt --suite sim --print-errorlogs

test-sim: build
	$(MESON) test -C $(BUILD) --suite sim --print-errorlogs

test-netns: build
	$(MESON) test -C $(BUILD) --suite netns --print-errorlogs

# The lab domain (test/lab): an unmodified Linux MN roaming across three dmm-maar.
test-lab: build
	$(MESON) test -C $(BUILD) --suite lab --print-errorlogs

# Everything: dependencies, gcc + clang builds (-Werror), unit, packet, ASan+UBSan, netns, lab.
test: deps build build-clang
	$(MESON) test -C $(BUILD) --suite unit --suite pkt --suite sim --suite netns --suite lab --print-errorlogs \
		--num-processes 1
	$(MAKE) test-asan
	$(MAKE) test-fuzz

build-fuzz/build.ninja:
	CC=clang $(MESON) setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
		-Db_lundef=false >/dev/null

build-fuzz: deps build-fuzz/build.ninja
	$(NINJA) -C build-fuzz test/fuzz/fuzz_config test/fuzz/fuzz_json test/fuzz/fuzz_mh \
		test/fuzz/fuzz_nd

# Regression run of every fuzz target on its corpus (bounded, deterministic seed).
FUZZ_RUNS ?= 200000
test-fuzz: build-fuzz
	@for t in config json mh nd; do \
		mkdir -p build-fuzz/corpus-$$t && \
		./build-fuzz/test/fuzz/fuzz_$$t -seed=1 -runs=$(FUZZ_RUNS) -max_len=4096 \
			build-fuzz/corpus-$$t test/fuzz/corpus/$$t > build-fuzz/fuzz-$$t.log 2>&1 \
			|| { cat build-fuzz/fuzz-$$t.log; exit 1; }; tail -n 1 build-fuzz/fuzz-$$t.log; \
	done

fuzz: build-fuzz
	@for t in config json mh nd; do mkdir -p build-fuzz/corpus-$$t; \
		./build-fuzz/test/fuzz/fuzz_$$t -max_total_time=30 build-fuzz/corpus-$$t \
			test/fuzz/corpus/$$t || exit 1; done

demo: build
	./test/lab/demo.sh $(BUILD)

bench: build
	./test/bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-clang build-asan build-fuzz
