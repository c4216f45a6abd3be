// The redwire command line: `run`, `check`, `--help`, `--version`.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/app/app.h"

namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(redwire — a feed aggregator for the news of communist and workers' parties

usage:
  redwire run --config DIR --state DIR [--listen HOST:PORT] [--log-level LEVEL]
      Poll the sources in DIR/*.toml, store items in DIR/redwire.db under
      --state, and serve merged Atom feeds (default listen 127.0.0.1:8080).
  redwire check --config DIR
      Validate every DIR/*.toml and topic rule; list all errors, exit 1 on any.
  redwire --help | --version

log levels: trace, debug, info (default), warn, error
)";

// Reads "--name value" pairs after the command; unknown flags are errors.
bool ReadFlags(int argc, char** argv, int start, redwire::app::RunOptions& options,
               std::string& log_level, bool allow_run_flags) {
  for (int i = start; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "redwire: %s needs a value\n", flag.c_str());
      return false;
    }
    const std::string value = argv[++i];
    if (flag == "--config") options.config_dir = value;
    else if (flag == "--log-level") log_level = value;
    else if (allow_run_flags && flag == "--state") options.state_dir = value;
    else if (allow_run_flags && flag == "--listen") options.listen = value;
    else {
      std::fprintf(stderr, "redwire: unknown option %s (see redwire --help)\n", flag.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("redwire %s\n", kVersion);
    return 0;
  }
  const std::string command = argv[1];
  redwire::app::RunOptions options;
  std::string log_level = "info";
  if (command != "run" && command != "check") {
    std::fprintf(stderr, "redwire: unknown command '%s' (see redwire --help)\n", command.c_str());
    return 2;
  }
  if (!ReadFlags(argc, argv, 2, options, log_level, command == "run")) return 2;
  if (options.config_dir.empty() || (command == "run" && options.state_dir.empty())) {
    std::fprintf(stderr, "redwire: %s needs --config DIR%s\n", command.c_str(),
                 command == "run" ? " and --state DIR" : "");
    return 2;
  }
  const auto level = spdlog::level::from_str(log_level);
  if (level == spdlog::level::off && log_level != "off") {
    std::fprintf(stderr, "redwire: unknown log level '%s'\n", log_level.c_str());
    return 2;
  }
  // Logs go to stderr (journald under systemd); stdout is for command output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("redwire"));
  spdlog::set_level(level);

  if (command == "check") {
    auto config = redwire::app::LoadConfig(options.config_dir);
    if (!config.ok()) {
      std::fprintf(stderr, "%s\n", config.error().message.c_str());
      return 1;
    }
    std::printf("%s: %zu sources, %zu topics: ok\n", options.config_dir.c_str(),
                config.value()->catalog.sources.size(), config.value()->catalog.topics.size());
    return 0;
  }

  // Before any thread exists, as libcurl requires.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  const int code = redwire::app::Run(options);
  curl_global_cleanup();
  return code;
}
