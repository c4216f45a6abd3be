#include "daemon/app/routes.h"

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

// Strong validator for a rendered body: 64-bit FNV-1a, quoted.
std::string EtagOf(const std::string& body) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

http::Response Cacheable(const http::Request& request, const char* type, std::string body) {
  http::Response r;
  r.content_type = type;
  const std::string etag = EtagOf(body);
  r.headers["ETag"] = etag;
  r.headers["Cache-Control"] = "max-age=60";
  if (request.header("if-none-match") == etag) {
    r.status = 304;
  } else {
    r.body = std::move(body);
  }
  return r;
}

http::Response NotFound() { return {404, "text/plain; charset=utf-8", {}, "not found\n"}; }

// "/topics/x.atom" with prefix "/topics/" and suffix ".atom" gives "x".
std::optional<std::string> Between(const std::string& path, const std::string& prefix, const std::string& suffix) {
  if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0 ||
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
}

std::map<std::string, store::SourceState> StatesById(store::Store& store) {
  std::map<std::string, store::SourceState> out;
  if (auto all = store.AllSourceStates(); all.ok()) {
    for (auto& s : all.value()) out[s.source_id] = std::move(s);
  }
  return out;
}

}  // namespace

Routes::Routes(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url)
    : store_(store), config_(std::move(config)), base_url_(std::move(base_url)) {}

http::Response Routes::Handle(const http::Request& request) {
  const std::string& path = request.path;
  const int limit = config_->catalog.settings.feed_entries;
  if (path == "/") return Index();
  if (path == "/all.atom") return Feed(request, "urn:redwire:all", "redwire — all items", {{}, {}, limit});
  if (auto id = Between(path, "/topics/", ".atom")) {
    if (const config::Topic* topic = config_->topic(*id)) {
      return Feed(request, "urn:redwire:topic:" + *id, "redwire — " + topic->title, {*id, {}, limit});
    }
  }
  if (auto id = Between(path, "/sources/", ".atom")) {
    if (const config::Source* source = config_->source(*id)) {
      return Feed(request, "urn:redwire:source:" + *id, "redwire — " + source->name, {{}, *id, limit});
    }
  }
  return NotFound();
}

http::Response Routes::Feed(const http::Request& request, const std::string& id, const std::string& title,
                            const store::Query& query) {
  auto items = store_.Items(query);
  if (!items.ok()) {
    spdlog::error("http: {}: {}", request.path, items.error().message);
    return {500, "text/plain; charset=utf-8", {}, "internal error\n"};
  }
  auto states = std::make_shared<std::map<std::string, store::SourceState>>(StatesById(store_));
  publish::SourceLookup source_of = [this, states](const std::string& source_id) {
    publish::SourceInfo info;
    info.id = source_id;
    info.title = source_id;  // a source removed from the config keeps its items
    if (const config::Source* source = config_->source(source_id)) {
      info.title = source->name;
      info.feed_url = source->url;
    }
    if (auto it = states->find(source_id); it != states->end()) info.site_link = it->second.feed_link;
    return info;
  };
  publish::FeedInfo info{id, title, base_url_ + request.path, base_url_ + "/", Now()};
  return Cacheable(request, "application/atom+xml; charset=utf-8",
                   publish::RenderAtom(info, items.value(), source_of));
}

http::Response Routes::Index() {
  std::vector<publish::IndexTopic> topics;
  for (const auto& t : config_->catalog.topics) topics.push_back({t.id, t.title});
  const auto states = StatesById(store_);
  std::vector<publish::IndexSource> sources;
  for (const auto& s : config_->catalog.sources) {
    publish::IndexSource is{s.id, s.name, s.url, s.has_scrape, std::nullopt};
    if (auto it = states.find(s.id); it != states.end()) is.state = it->second;
    sources.push_back(std::move(is));
  }
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.headers["Cache-Control"] = "no-cache";
  r.body = publish::RenderIndex(base_url_, topics, sources, Now());
  return r;
}

}  // namespace redwire::app
