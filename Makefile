# The two commands a new user needs: `make demo` and `make test`. Each installs missing
# Debian packages first (scripts/install-deps), then configures and builds in build/.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps build demo test bench clean

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

clean:
	rm -rf $(BUILD_DIR)
