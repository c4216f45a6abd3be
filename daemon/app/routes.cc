#include "daemon/app/routes.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include <spdlog/spdlog.h>

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

// One value of an application/x-www-form-urlencoded query, decoded ('+'
// is a space); empty when absent.
std::string QueryParam(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(pos, end - pos);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      const std::string raw = eq == std::string::npos ? std::string() : pair.substr(eq + 1);
      std::string out;
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') {
          out += ' ';
        } else if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
          out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += raw[i];
        }
      }
      return out;
    }
    pos = end + 1;
  }
  return {};
}

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// GET /search?q=...[&topic=ID][&source=ID]: the newest matching items as an
// Atom feed, one entry per duplicate cluster, so a reader can subscribe to a
// search. The words are matched by the store's full-text index.
http::Response SearchFeed(store::Store& store, const LiveConfig& config, const std::string& base_url,
                          const http::Request& request) {
  const std::string q = QueryParam(request.query, "q");
  store::Query query;
  query.search = q;
  query.dedup = true;
  query.limit = config.catalog.settings.feed_entries;
  if (std::string topic = QueryParam(request.query, "topic"); !topic.empty()) query.topic = topic;
  if (std::string source = QueryParam(request.query, "source"); !source.empty()) query.source = source;
  auto items = store.Items(query);
  if (!items.ok()) {
    // A search with nothing to look for is the reader's mistake, not ours.
    const std::string& message = items.error().message;
    if (message.rfind("store: search: ", 0) == 0) {
      return {400, "text/plain; charset=utf-8", {}, message.substr(15) + "\n"};
    }
    spdlog::error("http: /search: {}", message);
    return {500, "text/plain; charset=utf-8", {}, "internal error\n"};
  }
  publish::SourceLookup source_of = [&config](const std::string& source_id) {
    publish::SourceInfo info{source_id, source_id, {}, {}};
    if (const config::Source* source = config.source(source_id)) {
      info.title = source->name;
      info.feed_url = source->url;
    }
    return info;
  };
  publish::FeedInfo info;
  info.id = "urn:redwire:search:" + PercentEncode(q);
  info.title = "redwire — search: " + q;
  info.self_url = base_url + request.target;
  info.alternate_url = base_url + "/";
  info.generated_at = Now();
  http::Response r;
  r.content_type = "application/atom+xml; charset=utf-8";
  r.headers["Cache-Control"] = "max-age=60";
  r.body = publish::RenderAtom(info, items.value(), source_of);
  return r;
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
  if (path == "/search") return SearchFeed(store_, *config_, base_url_, request);
  if (auto feed = feeds_.Handle(request)) return std::move(*feed);
  return NotFound();
}

// The configured sources with what the store knows of each.
std::vector<publish::IndexSource> Routes::IndexSources() {
  const auto states = StatesById(store_);
  std::vector<publish::IndexSource> sources;
  for (const auto& s : config_->catalog.sources) {
    publish::IndexSource is{s.id, s.name, s.url, s.has_scrape && !scrape::HasRules(s.scrape), std::nullopt};
    if (auto it = states.find(s.id); it != states.end()) is.state = it->second;
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
