# redwire — two commands: `make run` and `make test`.
# Both install any missing Debian packages first (idempotent, silent when
# nothing is missing), then configure and build into build/ with both cores.
# On a bare Debian system, first (as root): apt-get update && apt-get install -y make git

BUILD     ?= build
JOBS      ?= 2
CONFIG    ?= feeds
STATE     ?= .state
LISTEN    ?= 127.0.0.1:8080

# Every package comes from packages.list (one line per CMake find_* call, test
# program or Python module; tests/packages_test.py keeps it complete).
package_column = $(shell awk '$$1 ~ /^($(1))$$/ && $$3 != "-" { print $$3 }' packages.list | sort -u)
PACKAGES := $(call package_column,tool|find_package|pkg_check_modules|find_path|find_library|find_program|command|python|file)
# Only for `make screenshots` (docs/screenshots/): shrinks the PNGs.
SHOT_PACKAGES := $(call package_column,screenshots)
# Only for the fuzz targets (docs/fuzzing.md): libFuzzer comes with clang.
FUZZ_PACKAGES := $(call package_column,fuzz)
FUZZ_BUILD    ?= build-fuzz
FUZZ_SECONDS  ?= 600

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all deps configure build build-redwire run test test-asan clean fuzz-build fuzz fuzz-smoke screenshots

# $(call configure,DIR,CMAKE ARGUMENTS[,ENV]): configure DIR unless its last
# configure finished. The stamp is written only when cmake succeeds, so a
# failed or interrupted configure (a package was missing, ^C) is simply run
# again by the next make instead of leaving a half-made DIR that ninja
# cannot load. A failed configure also drops its cache, so a bad value it
# cached (a compiler that was missing) is looked up again. An existing cache
# keeps its generator; a new one gets Ninja.
define configure
	@if [ ! -f $(1)/.configured ] || [ ! -f $(1)/build.ninja -a ! -f $(1)/Makefile ]; then \
	  rm -f $(1)/.configured; \
	  if [ -f $(1)/CMakeCache.txt ]; then generator=; else generator="-G Ninja"; fi; \
	  if $(3) cmake -S . -B $(1) $$generator $(2) >/dev/null; then touch $(1)/.configured; \
	  else rm -f $(1)/CMakeCache.txt; echo "configure of $(1) failed; the next make runs it again" >&2; exit 1; fi; \
	fi
endef

all: build

deps:
	@missing=$$(for p in $(PACKAGES) $(EXTRA_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Configured once; later builds let CMake re-run itself when lists change.
configure: deps
	$(call configure,$(BUILD),-DCMAKE_BUILD_TYPE=RelWithDebInfo)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The readers' pages in headless Chromium at 390 and 1280 px, as the browser
# test takes them, written to docs/screenshots/ at 256 colours.
screenshots: EXTRA_PACKAGES := $(SHOT_PACKAGES)
screenshots: build
	@/usr/bin/python3 tests/browser_test.py --binary $(BUILD)/redwire --screenshots docs/screenshots
	@pngquant --force --skip-if-larger --strip --ext .png 256 docs/screenshots/*.png; rc=$$?; \
	  [ $$rc -eq 0 ] || [ $$rc -eq 98 ] || [ $$rc -eq 99 ]

# `make run` builds the daemon only, not the tests and benchmarks.
build-redwire: configure
	@cmake --build $(BUILD) -j $(JOBS) --target redwire

run: build-redwire
	@mkdir -p $(STATE)
	$(BUILD)/redwire run --config $(CONFIG) --state $(STATE) --listen $(LISTEN)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer
# (docs/hardening.md), in its own build directory: any finding, and any
# leak at the exit of a test or of the daemon it runs, fails the test.
ASAN_BUILD ?= build-asan
# No LeakSanitizer suppressions: neither redwire nor its libraries leak on
# any test path, and a new leak should fail.
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:print_stacktrace=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
test-asan: deps
	$(call configure,$(ASAN_BUILD),-DCMAKE_BUILD_TYPE=Debug -DREDWIRE_SANITIZE=ON)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS)

# libFuzzer targets, built with clang, ASan and UBSan in their own directory.
# `make fuzz` runs each for FUZZ_SECONDS, one at a time; `make fuzz-smoke`
# runs each for 30 s, two at a time. Both replay fuzz/regressions/ first.
fuzz-build fuzz fuzz-smoke: EXTRA_PACKAGES := $(FUZZ_PACKAGES)
fuzz-build: deps
	$(call configure,$(FUZZ_BUILD),-DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDWIRE_FUZZ=ON,CC=clang CXX=clang++)
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) 1

fuzz-smoke: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) 30 2

clean:
	rm -rf $(BUILD)
