#include "daemon/app/routes.h"

#include <chrono>
#include <map>
#include <optional>

#include "daemon/publish/publish.h"

namespace redwire::app {
namespace {

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

http::Response NotFound() { return {404, "text/plain; charset=utf-8", {}, "not found\n"}; }

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

http::Limits HubLimits(http::Limits limits) {
  limits.post_paths.insert("/hub");
  return limits;
}

http::Response Routes::Handle(const http::Request& request) {
  const std::string& path = request.path;
  if (path == "/") return Index();
  if (path == "/status.json") return Status();
  if (path == "/metrics") return MetricsText();
  if (path == "/hub" && hub_) return hub_->Handle(request);
  if (auto feed = feeds_.Handle(request)) return std::move(*feed);
  return NotFound();
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

http::Response Routes::Index() {
  std::vector<publish::IndexTopic> topics;
  for (const auto& t : config_->catalog.topics) topics.push_back({t.id, t.title});
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.headers["Cache-Control"] = "no-cache";
  r.body = publish::RenderIndex(base_url_, topics, IndexSources(), Now());
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
