// Hub: redwire's own WebSub hub (W3C Recommendation, 2018) for its feeds.
// Subscribers POST hub.mode=subscribe|unsubscribe to /hub; the hub answers
// 202, verifies intent with a GET carrying hub.challenge, and keeps the
// subscription (with its lease and secret) in the store. When a feed gains
// or changes entries, the hub POSTs the new feed to every live subscriber,
// signed with X-Hub-Signature (HMAC-SHA256 of the body under the
// subscriber's secret), retrying with backoff. Callbacks go through the
// fetcher, so its SSRF guard refuses private addresses. It can also ping an
// external hub (hub.mode=publish) for every changed feed. Loop thread only.
// Private to serve/: other modules reach it through daemon/serve/routes.h.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>

#include "daemon/fetch/fetcher.h"
#include "daemon/http/server.h"
#include "store/subscriptions.h"

namespace redwire::app {

struct HubOptions {
  std::chrono::seconds default_lease{10 * 24 * 3600};
  std::chrono::seconds min_lease{300};
  std::chrono::seconds max_lease{30 * 24 * 3600};
  // Delays before each retry of a failed delivery; then it is dropped.
  std::vector<std::chrono::seconds> retry_delays{std::chrono::seconds(10), std::chrono::seconds(60),
                                                 std::chrono::seconds(600), std::chrono::seconds(3600)};
  bool allow_private = false;  // callbacks on loopback/private addresses (tests)
  std::string external_hub;    // pinged with hub.mode=publish; empty: none
};

// What the hub needs of the published feeds: the body and content type of
// a feed by its path ("/topics/x.atom"), nullopt when it is not one.
struct HubFeed {
  std::string body;
  std::string content_type;
};
using FeedLookup = std::function<std::optional<HubFeed>(const std::string& path)>;

// A subscription request POSTed to the hub, checked: what Handle verifies
// with the callback before storing.
struct HubRequest {
  std::string mode;                  // "subscribe" or "unsubscribe"
  store::Subscription subscription;  // topic, callback, secret and lease
};

// The checks Handle runs on a POST /hub form body, without its side
// effects, so they can be tested and fuzzed alone. `base_url` (no trailing
// slash) is where the feeds are served, `feeds` says which paths are feeds;
// the lease is clamped to the options' bounds. Fails with the reason when
// the form is malformed, the mode unknown, the callback not an http(s) URL,
// the topic not one of our feeds, the secret 200 bytes or longer, or the
// lease not a number.
Result<HubRequest> ReadHubRequest(std::string_view body, const std::string& base_url, const FeedLookup& feeds,
                                  const HubOptions& options);

class Hub {
 public:
  // `fetcher` and `subscriptions` must outlive the Hub. `base_url` (no
  // trailing slash) is where the feeds and /hub are served.
  Hub(asio::io_context& io, fetch::Fetcher& fetcher, store::Subscriptions& subscriptions, FeedLookup feeds,
      std::string base_url, HubOptions options = {});
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // POST /hub with a form body: 202 when accepted (verification follows),
  // 400 with the reason otherwise.
  http::Response Handle(const http::Request& request);

  // The feeds at these absolute URLs changed: deliver them to their
  // subscribers and ping the external hub.
  void Publish(const std::vector<std::string>& topic_urls);

  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }

  // Deliveries waiting for a retry, and verifications under way.
  std::size_t pending() const;

 private:
  struct State;
  void Verify(std::string mode, store::Subscription subscription);
  void Deliver(store::Subscription subscription, std::shared_ptr<const HubFeed> feed, std::size_t attempt);

  asio::io_context& io_;
  fetch::Fetcher& fetcher_;
  store::Subscriptions& subscriptions_;
  FeedLookup feeds_;
  std::string base_url_;
  HubOptions options_;
  std::shared_ptr<State> state_;
};

// "sha256=" + lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string HubSignature(const std::string& secret, const std::string& body);

}  // namespace redwire::app
