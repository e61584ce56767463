# The two commands a new user needs: `make demo` and `make test`. Each installs missing
# Debian packages first (scripts/install-deps), then configures and builds in build/.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps deps-arm64 build build-arm64 demo test test-arm64 bench clean

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
	$(BUILD_DIR)/ebpfjit bench --json $(BUILD_DIR)/bench.json --plot $(BUILD_DIR)/bench.png

# ARM64: cross-build into build-arm64/ and run the whole ctest suite under qemu-user.
deps-arm64:
	scripts/install-deps --arm64

build-arm64: deps-arm64
	cmake -S . -B build-arm64 -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
	cmake --build build-arm64 -j $(JOBS)

test-arm64: build-arm64
	cd build-arm64 && ctest $(CTEST_FLAGS)

clean:
	rm -rf $(BUILD_DIR) build-arm64
