# SPDX-License-Identifier: MIT
#
# The user's entry point. `make` installs what is missing and builds;
# `make check` runs every test; `make demo` runs the main job end to end;
# `make bench` runs the benchmarks against Linux and writes bench/results/.

BUILD_DIR ?= build
MESON_OPTS ?=
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer.
ifeq ($(SANITIZE),1)
BUILD_DIR := build-sanitize
MESON_OPTS += -Db_sanitize=address,undefined -Db_lundef=false
endif

DEPS_STAMP := $(BUILD_DIR)/.deps-installed

.PHONY: all build deps check check-unit check-system fuzz demo bench clean

all: build

$(DEPS_STAMP): scripts/install-deps
	scripts/install-deps
	@mkdir -p $(BUILD_DIR) && touch $@

deps: $(DEPS_STAMP)

# Parts of the tree are built when their folder has a meson.build, so a new
# one must reconfigure the build.
MESON_FILES := $(shell find . -name meson.build -not -path './build*')

$(BUILD_DIR)/build.ninja: $(DEPS_STAMP) $(MESON_FILES)
	if [ -f $(BUILD_DIR)/meson-private/coredata.dat ]; then \
		meson setup --reconfigure $(BUILD_DIR) $(MESON_OPTS); \
	else \
		CC=clang meson setup $(BUILD_DIR) $(MESON_OPTS); \
	fi
	@touch $@

build: $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR)

check: build
	scripts/testnet reap
	meson test -C $(BUILD_DIR) --print-errorlogs --num-processes 1

check-unit: build
	meson test -C $(BUILD_DIR) --print-errorlogs --suite unit

check-system: build
	meson test -C $(BUILD_DIR) --print-errorlogs --suite system --num-processes 1

fuzz: build
	meson test -C $(BUILD_DIR) --print-errorlogs --suite fuzz

demo: build
	scripts/demo $(BUILD_DIR)

bench: build
	scripts/bench $(BUILD_DIR)

clean:
	rm -rf build build-sanitize
