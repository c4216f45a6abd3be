// Routes: the fixed route table behind the HTTP server. Nothing maps to the
// filesystem; unknown paths are 404.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/live/live.h"
#include "daemon/serve/feeds.h"
#include "daemon/serve/websub.h"
#include "daemon/schedule/poller.h"
#include "daemon/http/server.h"
#include "store/store.h"

namespace redwire::app {

class Routes {
 public:
  // `base_url` (no trailing slash) prefixes self links. `store` and
  // `metrics` (the poller's counters for /metrics; may be null) must outlive.
  Routes(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url,
         const Metrics* metrics = nullptr);

  http::Response Handle(const http::Request& request);

  // The published feeds behind the routes (cache, publish_dir, changes).
  Feeds& feeds() { return feeds_; }

  // Serves the WebSub hub at POST /hub (the server's Limits must list
  // "/hub" in post_paths, see RouteLimits) and sends every feed change to its
  // subscribers, kept in `db_path`. `io` and `fetcher` must outlive.
  redwire::Status EnableHub(asio::io_context& io, fetch::Fetcher& fetcher, const std::string& db_path);

  // Serves POST /sources/ID/poll (the server's Limits must take it, see
  // RouteLimits): `poll_now` moves that source's next poll to now. Taken
  // from loopback peers whose request no proxy forwarded, or from any peer
  // with "Authorization: Bearer <control_token>"; else 401 or 403.
  using PollNowFn = std::function<Poller::PollNow(const std::string& source_id)>;
  void EnableControl(PollNowFn poll_now) { poll_now_ = std::move(poll_now); }

  // Serves `config` from the next request on (a reload); `base_url` as above.
  void Reload(std::shared_ptr<const LiveConfig> config, std::string base_url);

 private:
  http::Response StatusPage();
  http::Response Status();
  http::Response MetricsText();
  http::Response Control(const http::Request& request);
  std::vector<publish::IndexSource> IndexSources();

  store::Store& store_;
  std::shared_ptr<const LiveConfig> config_;
  std::string base_url_;
  const Metrics* metrics_;
  Feeds feeds_;
  std::unique_ptr<store::Subscriptions> subscriptions_;
  std::unique_ptr<Hub> hub_;
  PollNowFn poll_now_;
};

// Server limits that let POST /hub and POST /sources/ID/poll in.
http::Limits RouteLimits(http::Limits limits = {});

}  // namespace redwire::app
