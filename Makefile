# redwire — two commands: `make run` and `make test`.
# Both install any missing Debian packages first (idempotent, silent when
# nothing is missing), then configure and build into build/ with both cores.

BUILD     ?= build
JOBS      ?= 2
CONFIG    ?= feeds
STATE     ?= .state
LISTEN    ?= 127.0.0.1:8080
GENERATOR := $(if $(shell command -v ninja 2>/dev/null),-G Ninja,)

PACKAGES := g++ cmake ninja-build pkg-config make \
  libcurl4-openssl-dev libpugixml-dev libasio-dev libsqlitecpp-dev libsqlite3-dev \
  libspdlog-dev libfmt-dev catch2 libtomlplusplus-dev libgumbo-dev libuchardet-dev \
  libutf8proc-dev zlib1g-dev libsystemd-dev libstemmer-dev nlohmann-json3-dev \
  systemd dpkg-dev file jing python3-feedparser
# Only for the fuzz targets (docs/fuzzing.md): libFuzzer comes with clang.
FUZZ_PACKAGES := clang libclang-rt-14-dev python3
FUZZ_BUILD    ?= build-fuzz
FUZZ_SECONDS  ?= 600

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all deps build run test test-asan clean fuzz-build fuzz fuzz-smoke

all: build

deps:
	@missing=$$(for p in $(PACKAGES) $(EXTRA_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Configure once; later builds let CMake re-run itself when lists change.
build: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
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
	@[ -f $(ASAN_BUILD)/CMakeCache.txt ] || cmake -S . -B $(ASAN_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug \
	  -DREDWIRE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS)

# libFuzzer targets, built with clang, ASan and UBSan in their own directory.
# `make fuzz` runs each for FUZZ_SECONDS, one at a time; `make fuzz-smoke`
# runs each for 30 s, two at a time. Both replay fuzz/regressions/ first.
fuzz-build fuzz fuzz-smoke: EXTRA_PACKAGES := $(FUZZ_PACKAGES)
fuzz-build: deps
	@[ -f $(FUZZ_BUILD)/CMakeCache.txt ] || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDWIRE_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) 1

fuzz-smoke: fuzz-build
	@fuzz/run.sh $(FUZZ_BUILD) 30 2

clean:
	rm -rf $(BUILD)
