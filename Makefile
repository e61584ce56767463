# The two commands a new user needs: `make demo` and `make test`. Each installs missing
# Debian packages first (scripts/install-deps), then configures and builds in build/.
# CI=true (.ci/run) builds the quick `Check` type (-O1, no debug info: cmake/BuildSpeed.cmake)
# everywhere; developers get RelWithDebInfo.
ifeq ($(CI),true)
BUILD_TYPE ?= Check
SAN_BUILD_TYPE ?= Check
FUZZ_BUILD_TYPE ?= Check
FUZZ_JOBS ?= $(shell nproc)
endif
BUILD_DIR ?= build
# make bench BENCH_FLAGS=--structural-fallback: see bench/README.md
BENCH_FLAGS ?=
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps deps-arm64 build build-arm64 demo test test-arm64 bench clean \
        build-asan test-asan build-tsan test-tsan test-asan-ci test-tsan-ci \
        fuzz fuzz-build deps-fuzz

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/demo $(BUILD_DIR)

test: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)

bench: build
	$(BUILD_DIR)/ebpfjit bench --peers $(BENCH_FLAGS) --json $(BUILD_DIR)/bench.json --plot $(BUILD_DIR)/bench.png

# ARM64: cross-build into build-arm64/ and run the whole ctest suite under qemu-user.
deps-arm64:
	scripts/install-deps --arm64

build-arm64: deps-arm64
	cmake -S . -B build-arm64 -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
	cmake --build build-arm64 -j $(JOBS)

test-arm64: build-arm64
	cd build-arm64 && ctest $(CTEST_FLAGS)

# Sanitizers: the same suite, built with ASan+UBSan (build-asan/) or TSan (build-tsan/).
# ASAN_TESTS / TSAN_TESTS are extra ctest arguments that pick tests (-L, -R, -E); empty runs
# everything. ASAN_TARGETS / TSAN_TARGETS limit what is built (empty: everything).
# CI runs the narrowed stages test-asan-ci and test-tsan-ci (below).
ASAN_TESTS ?=
TSAN_TESTS ?=
ASAN_TARGETS ?=
TSAN_TARGETS ?=
SAN_BUILD_TYPE ?= RelWithDebInfo
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=$(SAN_BUILD_TYPE) -DEBPFJIT_SANITIZE=address
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) $(if $(ASAN_TARGETS),--target $(ASAN_TARGETS))

test-asan: build-asan
	cd $(ASAN_BUILD_DIR) && ctest $(CTEST_FLAGS) $(ASAN_TESTS)

build-tsan: deps
	cmake -S . -B $(TSAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=$(SAN_BUILD_TYPE) -DEBPFJIT_SANITIZE=thread
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS) $(if $(TSAN_TARGETS),--target $(TSAN_TARGETS))

test-tsan: build-tsan
	cd $(TSAN_BUILD_DIR) && ctest $(CTEST_FLAGS) $(TSAN_TESTS)

# CI's sanitizer stages (tests/CMakeLists.txt says what each label holds; DEVELOPERS.md,
# "Checks", gives their times): ASan+UBSan over bad input, CLI, loader, maps, verifier, JIT,
# conformance and fuzz regressions; TSan over every test that starts threads.
test-asan-ci:
	$(MAKE) test-asan ASAN_TARGETS=asan_ci_tests ASAN_TESTS="-L asan_ci"

test-tsan-ci:
	$(MAKE) test-tsan TSAN_TARGETS=threaded_tests TSAN_TESTS="-L threads"

# Fuzzing: libFuzzer (clang 14) build in build-fuzz/, targets build-fuzz/tests/fuzz/fuzz_<name>.
# `make fuzz FUZZ_SECONDS=N` runs every target for N seconds on a scratch copy of its seed
# corpus (tests/fuzz/corpus/<name>/); crashes land in build-fuzz/fuzz-artifacts/.
# FUZZ_JOBS targets run at a time.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_FLAGS ?=
FUZZ_JOBS ?= 1
FUZZ_BUILD_TYPE ?= RelWithDebInfo

deps-fuzz:
	scripts/install-deps --fuzz

fuzz-build: deps-fuzz
	CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=$(FUZZ_BUILD_TYPE) \
	  -DEBPFJIT_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_all

fuzz: fuzz-build
	FUZZ_JOBS=$(FUZZ_JOBS) scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS) -- $(FUZZ_FLAGS)

clean:
	rm -rf $(BUILD_DIR) build-arm64 build-asan build-tsan build-fuzz
