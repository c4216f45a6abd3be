#include "daemon/serve/routes.h"

#include <chrono>
#include <map>
#include <optional>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "daemon/publish/publish.h"

namespace redwire::app {
namespace {

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

http::Response NotFound() { return {404, "text/plain; charset=utf-8", {}, "not found\n"}; }

http::Response Plain(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", {{"Cache-Control", "no-store"}}, std::move(body) + "\n"};
}

// Compares without a timing hint of where the first difference is.
bool SameSecret(const std::string& given, const std::string& expected) {
  return !expected.empty() && given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

// A proxy on this host makes every request come from loopback; one that
// forwarded it says so in one of these.
bool Forwarded(const http::Request& request) {
  for (const char* name : {"forwarded", "x-forwarded-for", "x-real-ip"}) {
    if (request.headers.count(name) != 0) return true;
  }
  return false;
}

std::map<std::string, store::SourceState> StatesById(store::Store& store) {
  std::map<std::string, store::SourceState> out;
  if (auto all = store.AllSourceStates(); all.ok()) {
    for (auto& s : all.value()) out[s.source_id] = std::move(s);
  }
  return out;
}

}  // namespace

Routes::Routes(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url,
               const Metrics* metrics)
    : store_(store),
      config_(std::move(config)),
      base_url_(std::move(base_url)),
      metrics_(metrics),
      feeds_(store_, config_, base_url_) {}

void Routes::Reload(std::shared_ptr<const LiveConfig> config, std::string base_url) {
  config_ = std::move(config);
  base_url_ = std::move(base_url);
  feeds_.Reload(config_, base_url_);
  if (hub_) hub_->set_base_url(base_url_);
}

redwire::Status Routes::EnableHub(asio::io_context& io, fetch::Fetcher& fetcher, const std::string& db_path) {
  auto opened = store::Subscriptions::Open(db_path);
  if (!opened.ok()) return opened.error();
  subscriptions_ = std::move(opened).value();
  HubOptions options;
  options.allow_private = config_->catalog.settings.allow_private;
  options.external_hub = config_->catalog.settings.external_hub;
  FeedLookup lookup = [this](const std::string& path) -> std::optional<HubFeed> {
    const auto key = FeedKey::Parse(path);
    if (!key || key->page != 1 || key->format == FeedKey::Format::kHtml) return std::nullopt;
    auto body = feeds_.Body(path);
    if (!body) return std::nullopt;
    return HubFeed{std::move(*body), key->format == FeedKey::Format::kAtom ? "application/atom+xml"
                                                                           : "application/feed+json"};
  };
  hub_ = std::make_unique<Hub>(io, fetcher, *subscriptions_, std::move(lookup), base_url_, std::move(options));
  feeds_.Observe([this](const std::vector<std::string>& urls) { hub_->Publish(urls); });
  feeds_.AdvertiseHub(true);
  return Ok{};
}

http::Limits RouteLimits(http::Limits limits) {
  limits.post_paths.insert("/hub");
  limits.post_paths.insert("/sources/*");
  return limits;
}

http::Response Routes::Handle(const http::Request& request) {
  const std::string& path = request.path;
  if (path == "/status") return StatusPage();
  if (path == "/status.json") return Status();
  if (path == "/metrics") return MetricsText();
  if (path == "/hub" && hub_) return hub_->Handle(request);
  if (request.method == "POST" && path.rfind("/sources/", 0) == 0) return Control(request);
  if (auto feed = feeds_.Handle(request)) return std::move(*feed);
  return NotFound();
}

// POST /sources/ID/poll.
http::Response Routes::Control(const http::Request& request) {
  constexpr std::string_view kSuffix = "/poll";
  const std::string& path = request.path;
  if (!poll_now_ || path.size() <= 9 + kSuffix.size() ||
      path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    http::Response r = Plain(405, "method not allowed");
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  const std::string id = path.substr(9, path.size() - 9 - kSuffix.size());
  const std::string& token = config_->catalog.settings.control_token;
  const std::string auth = request.header("authorization");
  bool allowed = false;
  if (!auth.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (token.empty() || auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0 ||
        !SameSecret(auth.substr(kBearer.size()), token)) {
      spdlog::warn("control: {} POST {}: wrong or unexpected token", request.peer, path);
      http::Response r = Plain(401, "wrong token");
      r.headers["WWW-Authenticate"] = "Bearer realm=\"redwire\", error=\"invalid_token\"";
      return r;
    }
    allowed = true;
  } else if (request.from_loopback() && !Forwarded(request)) {
    allowed = true;
  }
  if (!allowed) {
    spdlog::warn("control: {} POST {}: refused (not a local peer, no token)", request.peer, path);
    if (!token.empty()) {
      http::Response r = Plain(401, "a bearer token is required");
      r.headers["WWW-Authenticate"] = "Bearer realm=\"redwire\"";
      return r;
    }
    return Plain(403, "poll requests are taken from this host only (or set [redwire] control_token)");
  }
  switch (poll_now_(id)) {
    case Poller::PollNow::kStarted:
      spdlog::info("control: {} asked to poll {} now", request.peer, id);
      return Plain(202, "polling now");
    case Poller::PollNow::kAlreadyPolling: return Plain(202, "already being polled");
    case Poller::PollNow::kUnknown: break;
  }
  return Plain(404, "no source '" + id + "' in the configuration");
}

// The configured sources with what the store knows of each.
std::vector<publish::IndexSource> Routes::IndexSources() {
  const auto states = StatesById(store_);
  std::vector<publish::IndexSource> sources;
  for (const auto& s : config_->catalog.sources) {
    publish::IndexSource is{s.id, s.name, s.url, false, std::nullopt};
    if (auto it = states.find(s.id); it != states.end()) is.state = it->second;
    // A page without rules is polled for a feed of its site; until its
    // first poll it is listed as a page.
    is.scrape_pending = s.has_scrape && !scrape::HasRules(s.scrape) && !is.state;
    sources.push_back(std::move(is));
  }
  return sources;
}

// Live, unlike the feeds: the operator wants the state of this moment.
http::Response Routes::StatusPage() {
  publish::SiteInfo site{base_url_, {}};
  for (const auto& t : config_->catalog.topics) site.topics.push_back({t.id, t.title});
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.headers["Cache-Control"] = "no-cache";
  r.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'";
  r.body = publish::RenderStatusPage(site, IndexSources(), Now());
  return r;
}

http::Response Routes::Status() {
  http::Response r;
  r.content_type = "application/json";
  r.headers["Cache-Control"] = "no-cache";
  r.body = StatusJson(IndexSources(), Now());
  return r;
}

http::Response Routes::MetricsText() {
  static const Metrics kNone;
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.headers["Cache-Control"] = "no-cache";
  r.body = (metrics_ ? *metrics_ : kNone).Render(IndexSources());
  return r;
}

}  // namespace redwire::app
