# The two commands a newcomer needs: `make run` and `make test`. Everything else is a building block.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# Seconds each fuzz target runs in `make test` (eight targets: keeps CI near 20 minutes);
# `make fuzz FUZZ_SECONDS=600` for a longer campaign.
FUZZ_SECONDS ?= 30
FUZZ_CXX ?= clang++-16

# ccache hits across clones (CI builds a fresh clone in another folder): paths are hashed
# relative to the checkout, and the working directory is left out of the hash.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build install run demo test unit-test asan-test tsan-test fuzz-build fuzz bench lint format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# `parley`, the client SDK's libraries and headers, find_package(Parley) and parley-client.pc
# under PREFIX (default /usr/local; e.g. `make install PREFIX=$HOME/.local`, no root needed).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The main job: the chat server on its development defaults (a key made and kept in ./data).
run: build
	$(BUILD)/src/cli/parley serve --listen 127.0.0.1:8080 --data ./data

# A token minted, verified and inspected with a throwaway key: the token path in one command.
demo: build
	@scripts/demo $(BUILD)/src/cli/parley

test: build
	@$(MAKE) --no-print-directory unit-test asan-test fuzz

unit-test:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_SANITIZE=ON \
		-DPARLEY_BUILD_BENCHMARKS=OFF -DPARLEY_BUILD_EXAMPLES=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# The threaded parts (client SDK, server) under ThreadSanitizer; not part of `make test`.
tsan-test: deps
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_SANITIZE_THREAD=ON \
		-DPARLEY_BUILD_BENCHMARKS=OFF -DPARLEY_BUILD_EXAMPLES=OFF >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		ctest --test-dir build-tsan --output-on-failure -j $(JOBS) $(TSAN_TESTS)

fuzz-build: deps
	@CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPARLEY_BUILD_FUZZERS=ON -DPARLEY_BUILD_TESTS=OFF -DPARLEY_BUILD_BENCHMARKS=OFF \
		-DPARLEY_BUILD_EXAMPLES=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target parley_fuzzers

# Every fuzz target for FUZZ_SECONDS under ASan + UBSan, starting from its committed corpus.
fuzz: fuzz-build
	@scripts/run-fuzzers $(FUZZ_BUILD)/fuzz $(FUZZ_SECONDS)

bench: deps
	@cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARLEY_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-bench -j $(JOBS)
	build-bench/bench/token_bench --benchmark_min_time=2

lint: build
	@scripts/lint $(BUILD)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-bench
