// fetch_bench: one pass of redwire's fetch -> parse -> classify -> store
// pipeline over a list of feed URLs, as fast as the politeness limits allow.
//
//   fetch_bench --urls FILE --state DIR [--concurrency N] [--fetch-only 1]
//
// The first run against an empty DIR is the cold pass (every feed fetched,
// parsed and stored); a second run is the warm pass (each conditional GET
// should answer 304). Prints one line: pass outcome counts, wall time and
// peak RSS. bench/fetch_bench.sh runs both passes beside Newsboat.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "daemon/live/live.h"
#include "daemon/ingest/ingest.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"

namespace {

using namespace redwire;

struct Args {
  std::string urls;
  std::string state;
  std::size_t concurrency = 32;
  bool fetch_only = false;  // skip parse and store: the fetcher's own share
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--urls") args.urls = value;
    else if (key == "--state") args.state = value;
    else if (key == "--concurrency") args.concurrency = static_cast<std::size_t>(std::atol(value.c_str()));
    else if (key == "--fetch-only") args.fetch_only = value == "1";
    else return false;
  }
  return !args.urls.empty() && !args.state.empty() && args.concurrency > 0;
}

long PeakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fprintf(stderr, "usage: fetch_bench --urls FILE --state DIR [--concurrency N] [--fetch-only 1]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  std::vector<std::string> urls;
  {
    std::ifstream in(args.urls);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) urls.push_back(line);
    }
  }
  std::filesystem::create_directories(args.state);
  auto opened = store::Store::Open(args.state + "/redwire.db");
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();

  auto live = std::make_shared<app::LiveConfig>();
  for (std::size_t i = 0; i < urls.size(); ++i) {
    config::Source source;
    source.id = "feed-" + std::to_string(i);
    source.name = source.id;
    source.url = urls[i];
    source.allow_private = true;  // nginx on loopback
    live->catalog.sources.push_back(std::move(source));
  }
  std::shared_ptr<const app::LiveConfig> config = live;

  asio::io_context io;
  fetch::Options options;
  options.max_concurrency = args.concurrency;
  // One loopback host serves every feed; per-host politeness would measure
  // the delay, not the pipeline.
  options.per_host = args.concurrency;
  options.host_delay = std::chrono::milliseconds(0);
  fetch::Fetcher fetcher(io, options);
  app::Ingester ingester(io, *store, fetcher);

  std::map<std::string, int> outcomes;
  long long items_new = 0;
  std::chrono::milliseconds transfer_total{0}, queued_total{0};
  const auto start = std::chrono::steady_clock::now();
  for (const auto& source : config->catalog.sources) {
    fetch::Request request;
    request.source_id = source.id;
    request.url = source.url;
    request.allow_private = true;
    if (auto prior = store->GetSourceState(source.id); prior.ok() && prior.value()) {
      request.etag = prior.value()->etag;
      request.last_modified = prior.value()->last_modified;
    }
    fetcher.Fetch(std::move(request), [&, source_ptr = &source](fetch::Response response) {
      ++outcomes[fetch::OutcomeName(response.outcome)];
      transfer_total += response.elapsed;
      queued_total += response.queued;
      if (response.outcome != fetch::Outcome::kOk || args.fetch_only) return;
      auto shared = std::make_shared<fetch::Response>(std::move(response));
      ingester.Ingest(config, *source_ptr, *shared, [&, shared, source_ptr](app::IngestResult result) {
        if (!result.error.empty()) {
          ++outcomes["parse-error"];
          return;
        }
        items_new += result.stats.inserted;
        store::SourceState state;
        state.source_id = source_ptr->id;
        state.etag = shared->etag;
        state.last_modified = shared->last_modified;
        state.last_outcome = "ok";
        state.last_status = shared->status;
        if (auto st = store->PutSourceState(state); !st.ok()) ++outcomes["store-error"];
      });
    });
  }
  io.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double n = urls.empty() ? 1.0 : static_cast<double>(urls.size());
  std::printf("feeds=%zu wall_s=%.3f peak_rss_mib=%.1f new_items=%lld mean_transfer_ms=%.1f mean_queued_ms=%.1f",
              urls.size(), wall, static_cast<double>(PeakRssKiB()) / 1024.0, items_new,
              static_cast<double>(transfer_total.count()) / n, static_cast<double>(queued_total.count()) / n);
  for (const auto& [outcome, n] : outcomes) std::printf(" %s=%d", outcome.c_str(), n);
  std::printf("\n");
  curl_global_cleanup();
  return 0;
}
