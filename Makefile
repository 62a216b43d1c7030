# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over CMake: `make run` and `make test` are the README's two commands.
JOBS ?= 2
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test test-debug test-asan test-release fuzz bench format clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
	cmake --build build/release -j$(JOBS)

run: build
	scripts/run.sh

# The whole suite twice: plain (debug) and under AddressSanitizer + UndefinedBehaviorSanitizer;
# then the Release build `make run` uses (benchmarks included), whose -O2 finds warnings
# (-Wformat-truncation) the others do not.
test: deps test-debug test-asan test-release

test-debug:
	cmake -S . -B build/debug -DCMAKE_BUILD_TYPE=Debug
	cmake --build build/debug -j$(JOBS)
	cd build/debug && ctest -j$(JOBS) --output-on-failure

test-asan:
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Asan
	cmake --build build/asan -j$(JOBS)
	cd build/asan && ctest -j$(JOBS) --output-on-failure

test-release:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
	cmake --build build/release -j$(JOBS)

# libFuzzer targets, each for FUZZ_SECONDS on a copy of its seed corpus.
fuzz: deps
	CC=clang cmake -S . -B build/fuzz -DMDT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build build/fuzz -j$(JOBS) --target fuzz_money fuzz_config fuzz_gsm fuzz_smpp_pdu fuzz_command fuzz_api fuzz_social fuzz_http_target fuzz_http_head fuzz_card fuzz_sip_info fuzz_sip_hdr fuzz_iso8583 fuzz_pin_block fuzz_speak fuzz_dtmf fuzz_voice fuzz_iso_host
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench: build
	bench/run_ledger.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
