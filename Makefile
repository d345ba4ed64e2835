# relais — the human commands. Everything below calls scripts/deps.sh first,
# so a fresh Debian 12 machine needs nothing else.
#   make build   build build/relais (release with debug info)
#   make test    the whole suite, then again under ASan+UBSan
#   make demo    the main job on generated data, with the embedded SQLite store
#   make bench   benchmarks, figures printed
#   make fuzz    short fuzzing runs of the parsers (clang/libFuzzer)

MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DRELAIS_WERROR=ON
endif

.PHONY: all build deps test test-fast test-asan demo bench fuzz clean po

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

test: test-fast test-asan

test-fast:
	@scripts/deps.sh test
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)
	@cd build && ctest --output-on-failure -j $(JOBS)

test-asan:
	@scripts/deps.sh test
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRELAIS_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh

bench:
	@scripts/deps.sh bench
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@bench/run.sh build-bench

# Each fuzz target runs FUZZ_SECONDS; new inputs go to build-fuzz/corpus/<target>, the
# seeds of tests/fuzz/corpus/<target> are only read.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh test
	@CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELAIS_FUZZ=ON \
		$(CMAKE_FLAGS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzzers
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

po:
	@scripts/po-update.sh

clean:
	rm -rf build build-asan build-bench build-fuzz
