// Poller: one steady_timer per source; each expiry fetches the source
// (conditionally), parses, classifies and stores the items, records the
// outcome in the store and schedules the next poll (backoff on failure).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "daemon/app/app.h"
#include "daemon/app/ingest.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"

namespace redwire::app {

class Poller {
 public:
  // `store` and `fetcher` must outlive the Poller. Loop thread only.
  Poller(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher,
         std::shared_ptr<const LiveConfig> config);
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Schedules every feed source; first polls are spread out. Returns how many.
  std::size_t Start();
  // Cancels every pending poll; fetches under way finish into the void.
  void Stop();

 private:
  void Schedule(const std::string& source_id, std::chrono::milliseconds delay);
  void Poll(const std::string& source_id);
  void OnFetched(const std::string& source_id, fetch::Response response);
  void Finish(const std::string& source_id, const fetch::Response& response, store::SourceState state,
              const std::string& failure);
  std::chrono::milliseconds Backoff(const config::Source& source, int failures,
                                    const fetch::Response& response);
  long long Uniform(long long lo, long long hi);

  asio::io_context& io_;
  store::Store& store_;
  fetch::Fetcher& fetcher_;
  Ingester ingester_;
  std::shared_ptr<const LiveConfig> config_;
  std::map<std::string, std::unique_ptr<asio::steady_timer>> timers_;
  std::mt19937_64 rng_;
  bool stopped_ = false;
};

}  // namespace redwire::app
