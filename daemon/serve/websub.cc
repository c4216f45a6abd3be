#include "daemon/serve/websub.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "daemon/serve/form.h"
#include "daemon/publish/publish.h"

namespace redwire::app {
namespace {

// The spec caps hub.secret below 200 bytes; callbacks and topics are URLs.
constexpr std::size_t kMaxSecret = 199;
constexpr std::size_t kMaxUrl = 2048;

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xF];
  }
  return out;
}

bool IsHttpUrl(const std::string& url) {
  std::string head = url.substr(0, 8);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::size_t host = head.rfind("https://", 0) == 0 ? 8 : head.rfind("http://", 0) == 0 ? 7 : 0;
  if (host == 0 || url.size() <= host || url.size() > kMaxUrl || url[host] == '/') return false;
  return std::none_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; });
}

std::string Challenge() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Not secret, only unguessable enough that a callback cannot echo a
    // value it never received; fall back to the clock and address bits.
    const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    for (std::size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(t >> ((i % 8) * 8));
  }
  return Hex(bytes, sizeof bytes);
}

http::Response Reply(int status, const std::string& text) {
  return http::Response{status, "text/plain; charset=utf-8", {}, text + "\n"};
}

}  // namespace

std::string HubSignature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  return "sha256=" + Hex(mac, length);
}

// Shared with fetch and timer callbacks, which may outlive the Hub: they
// check `alive` before touching it.
struct Hub::State {
  bool alive = true;
  std::size_t pending = 0;
  std::set<std::shared_ptr<asio::steady_timer>> timers;
};

Hub::Hub(asio::io_context& io, fetch::Fetcher& fetcher, store::Subscriptions& subscriptions, FeedLookup feeds,
         std::string base_url, HubOptions options)
    : io_(io),
      fetcher_(fetcher),
      subscriptions_(subscriptions),
      feeds_(std::move(feeds)),
      base_url_(std::move(base_url)),
      options_(std::move(options)),
      state_(std::make_shared<State>()) {}

Hub::~Hub() {
  state_->alive = false;
  for (const auto& timer : state_->timers) timer->cancel();
}

std::size_t Hub::pending() const { return state_->pending; }

Result<HubRequest> ReadHubRequest(std::string_view body, const std::string& base_url, const FeedLookup& feeds,
                                  const HubOptions& options) {
  const auto form = ParseForm(body);
  if (!form) return Error{"malformed form body"};
  const auto field = [&](const char* name) {
    auto it = form->find(name);
    return it == form->end() ? std::string() : it->second;
  };
  const std::string mode = field("hub.mode");
  const std::string topic = field("hub.topic");
  const std::string callback = field("hub.callback");
  const std::string secret = field("hub.secret");
  if (mode != "subscribe" && mode != "unsubscribe") return Error{"hub.mode must be subscribe or unsubscribe"};
  if (!IsHttpUrl(callback)) return Error{"hub.callback must be an http(s) URL"};
  if (topic.rfind(base_url + "/", 0) != 0 || !feeds(topic.substr(base_url.size()))) {
    return Error{"hub.topic is not a feed of this hub: " + topic.substr(0, kMaxUrl)};
  }
  if (secret.size() > kMaxSecret) return Error{"hub.secret must be shorter than 200 bytes"};
  std::chrono::seconds lease = options.default_lease;
  if (const std::string asked = field("hub.lease_seconds"); !asked.empty()) {
    if (asked.size() > 10 || asked.find_first_not_of("0123456789") != std::string::npos) {
      return Error{"hub.lease_seconds must be a number of seconds"};
    }
    lease = std::clamp(std::chrono::seconds(std::stoll(asked)), options.min_lease, options.max_lease);
  }
  HubRequest out;
  out.mode = mode;
  out.subscription.topic = topic;
  out.subscription.callback = callback;
  out.subscription.secret = secret;
  out.subscription.lease = lease.count();
  return out;
}

http::Response Hub::Handle(const http::Request& request) {
  if (request.method != "POST") {
    http::Response r = Reply(405, "POST a WebSub subscription request here");
    r.headers["Allow"] = "POST";
    return r;
  }
  auto checked = ReadHubRequest(request.body, base_url_, feeds_, options_);
  if (!checked.ok()) return Reply(400, checked.error().message);
  Verify(checked.value().mode, std::move(checked.value().subscription));
  return Reply(202, "accepted; verifying intent");
}

void Hub::Verify(std::string mode, store::Subscription s) {
  const std::string challenge = Challenge();
  fetch::Request request;
  request.source_id = "websub";
  request.allow_private = options_.allow_private;
  request.url = s.callback + (s.callback.find('?') == std::string::npos ? "?" : "&") + "hub.mode=" + mode +
                "&hub.topic=" + publish::PercentEncode(s.topic) + "&hub.challenge=" + challenge;
  if (mode == "subscribe") request.url += "&hub.lease_seconds=" + std::to_string(s.lease);
  ++state_->pending;
  fetcher_.Fetch(std::move(request), [this, state = state_, mode, s, challenge](fetch::Response response) mutable {
    --state->pending;
    if (!state->alive) return;
    const bool confirmed = response.outcome == fetch::Outcome::kOk && response.status >= 200 &&
                           response.status < 300 && response.body == challenge;
    if (!confirmed) {
      spdlog::warn("websub: {} of {} to {} not confirmed: {}", mode, s.callback, s.topic,
                   response.outcome == fetch::Outcome::kOk ? "the callback did not echo hub.challenge"
                                                           : response.error);
      return;
    }
    Status stored = Ok{};
    if (mode == "subscribe") {
      s.created_at = Now();
      s.expires_at = s.created_at + s.lease;
      stored = subscriptions_.Put(s);
    } else {
      stored = subscriptions_.Remove(s.topic, s.callback);
    }
    if (!stored.ok()) {
      spdlog::error("websub: {}", stored.error().message);
      return;
    }
    spdlog::info("websub: {} {} {} (lease {} s)", s.callback, mode == "subscribe" ? "subscribed to" : "unsubscribed from",
                 s.topic, s.lease);
  });
}

void Hub::Publish(const std::vector<std::string>& topic_urls) {
  const UnixTime now = Now();
  if (auto expired = subscriptions_.Expire(now); !expired.ok()) {
    spdlog::error("websub: {}", expired.error().message);
  } else if (expired.value() > 0) {
    spdlog::info("websub: {} subscriptions expired", expired.value());
  }
  for (const std::string& topic : topic_urls) {
    if (!options_.external_hub.empty()) {
      fetch::Request ping;
      ping.source_id = "websub";
      ping.url = options_.external_hub;
      ping.allow_private = options_.allow_private;
      ping.post = true;
      ping.post_body = "hub.mode=publish&hub.url=" + publish::PercentEncode(topic);
      ping.headers = {"Content-Type: application/x-www-form-urlencoded"};
      ++state_->pending;
      fetcher_.Fetch(std::move(ping), [state = state_, topic, hub = options_.external_hub](fetch::Response r) {
        --state->pending;
        if (r.outcome != fetch::Outcome::kOk) spdlog::warn("websub: ping of {} for {} failed: {}", hub, topic, r.error);
      });
    }
    auto subscribers = subscriptions_.ForTopic(topic, now);
    if (!subscribers.ok()) {
      spdlog::error("websub: {}", subscribers.error().message);
      continue;
    }
    if (subscribers.value().empty() || topic.rfind(base_url_ + "/", 0) != 0) continue;
    auto feed = feeds_(topic.substr(base_url_.size()));
    if (!feed) continue;
    auto shared = std::make_shared<const HubFeed>(std::move(*feed));
    for (auto& s : subscribers.value()) Deliver(std::move(s), shared, 0);
  }
}

void Hub::Deliver(store::Subscription s, std::shared_ptr<const HubFeed> feed, std::size_t attempt) {
  fetch::Request request;
  request.source_id = "websub";
  request.url = s.callback;
  request.allow_private = options_.allow_private;
  request.post = true;
  request.post_body = feed->body;
  request.headers = {"Content-Type: " + feed->content_type,
                     "Link: <" + base_url_ + "/hub>; rel=\"hub\", <" + s.topic + ">; rel=\"self\""};
  if (!s.secret.empty()) request.headers.push_back("X-Hub-Signature: " + HubSignature(s.secret, feed->body));
  ++state_->pending;
  fetcher_.Fetch(std::move(request), [this, state = state_, s, feed, attempt](fetch::Response response) {
    --state->pending;
    if (!state->alive) return;
    if (response.outcome == fetch::Outcome::kOk && response.status >= 200 && response.status < 300) {
      spdlog::debug("websub: delivered {} to {}", s.topic, s.callback);
      return;
    }
    const std::string why = response.status != 0 ? "HTTP " + std::to_string(response.status) : response.error;
    if (attempt >= options_.retry_delays.size()) {
      spdlog::warn("websub: giving up delivering {} to {} after {} attempts: {}", s.topic, s.callback,
                   attempt + 1, why);
      return;
    }
    const auto delay = options_.retry_delays[attempt];
    spdlog::info("websub: delivering {} to {} failed ({}); retry in {} s", s.topic, s.callback, why,
                 delay.count());
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    state->timers.insert(timer);
    ++state->pending;
    timer->async_wait([this, state, timer, s, feed, attempt](const std::error_code& ec) {
      --state->pending;
      state->timers.erase(timer);
      if (ec || !state->alive) return;
      Deliver(s, feed, attempt + 1);
    });
  });
}

}  // namespace redwire::app
