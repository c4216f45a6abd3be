#include "daemon/serve/feeds.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <spdlog/spdlog.h>

#include "daemon/serve/form.h"
#include "daemon/publish/publish.h"
#include "util/hash.h"
#include "util/time.h"

namespace redwire::app {
namespace {

namespace fs = std::filesystem;
using Kind = FeedKey::Kind;
using Format = FeedKey::Format;

// Paging goes this many items deep; older items are in the store, not in
// any feed (RFC 5005 lets a paged feed stop anywhere).
constexpr int kMaxDepth = 10000;
// publish_dir gets the first pages only; deeper history is served live.
constexpr int kStaticPages = 10;
// The cache is bounded by its key space (configured feeds x formats x
// pages); this cap only matters for a huge configuration.
constexpr std::size_t kMaxCacheBytes = 256u << 20;
constexpr const char* kCacheControl = "public, max-age=60";
// Each topic's newest items on the front page.
constexpr int kFrontItems = 5;
// Rendered searches kept at once (see Feeds::Search).
constexpr std::size_t kMaxSearches = 256;

struct Ext {
  const char* suffix;
  Format format;
  const char* content_type;
};
constexpr Ext kExts[] = {
    {".atom", Format::kAtom, "application/atom+xml; charset=utf-8"},
    {".json", Format::kJson, "application/feed+json; charset=utf-8"},
    {".html", Format::kHtml, "text/html; charset=utf-8"},
};
constexpr const char* kOpmlType = "text/x-opml; charset=utf-8";

const Ext& ExtOf(Format format) {
  for (const Ext& e : kExts) {
    if (e.format == format) return e;
  }
  return kExts[0];
}

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Strong validator: 64-bit FNV-1a of the bytes, quoted.
std::string EtagOf(const std::string& body, const char* suffix) {
  return "\"" + util::Hex64(util::Fnv1a64(body)) + suffix + "\"";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether an If-None-Match list names one of `tags` (weak comparison, RFC
// 9110 13.1.2), or is "*".
bool NoneMatchHits(const std::string& header, std::initializer_list<const std::string*> tags) {
  std::string_view rest = header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view tag = Trim(rest.substr(0, comma));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    for (const std::string* t : tags) {
      if (tag == *t) return true;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// Whether Accept-Encoding allows gzip: listed (or "*") with q > 0.
bool AcceptsGzip(const std::string& header) {
  std::string_view rest = header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view part = Trim(rest.substr(0, comma));
    const std::size_t semi = part.find(';');
    std::string coding(Trim(part.substr(0, semi)));
    std::transform(coding.begin(), coding.end(), coding.begin(), [](unsigned char c) { return std::tolower(c); });
    if (coding == "gzip" || coding == "x-gzip" || coding == "*") {
      bool zero = false;
      if (semi != std::string_view::npos) {
        std::string params(part.substr(semi + 1));
        params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
        if (params.rfind("q=", 0) == 0) zero = std::strtod(params.c_str() + 2, nullptr) <= 0.0;
      }
      if (!zero) return true;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<int> PageNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 5 || digits.front() == '0' ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const int n = std::stoi(std::string(digits));
  if (n < 2) return std::nullopt;  // page 1 has the plain URL only
  return n;
}

bool IsIdSegment(std::string_view id) {
  return !id.empty() && id.find('/') == std::string_view::npos && id != "." && id != "..";
}

// A search's parameters in one canonical query string: the cache key and the
// feed's self link, so "q=a&topic=b" and "topic=b&q=a" are one feed.
struct SearchKey {
  std::string q, topic, source;
  // nullopt for a malformed query string.
  static std::optional<SearchKey> Of(const std::string& query) {
    auto form = ParseForm(query);
    if (!form) return std::nullopt;
    return SearchKey{(*form)["q"], (*form)["topic"], (*form)["source"]};
  }
  // "/search?q=..." (Atom) or "/search.html?q=...".
  std::string Target(const char* path = "/search") const {
    std::string target = std::string(path) + "?q=" + publish::PercentEncode(q);
    if (!topic.empty()) target += "&topic=" + publish::PercentEncode(topic);
    if (!source.empty()) target += "&source=" + publish::PercentEncode(source);
    return target;
  }
};

// Last-Modified of a page of entries: the newest entry time, never before
// `floor` (the configuration's load) nor after now.
UnixTime ModifiedOf(const std::vector<store::StoredItem>& page, UnixTime floor) {
  UnixTime modified = floor;
  for (const auto& stored : page) {
    modified = std::max({modified, stored.item.updated, stored.item.published, stored.first_seen});
  }
  return std::min(modified, Now());
}

http::Response NotModified(const http::Response& full) {
  http::Response r;
  r.status = 304;
  r.content_type = full.content_type;
  for (const char* name : {"ETag", "Last-Modified", "Cache-Control", "Vary"}) {
    if (auto it = full.headers.find(name); it != full.headers.end()) r.headers[name] = it->second;
  }
  return r;
}

}  // namespace

struct Feeds::Entry {
  std::string body;
  std::string gzip;       // empty when compressing does not pay
  std::string etag;
  std::string etag_gzip;
  UnixTime modified = 0;  // Last-Modified
  const char* content_type = "";
  std::uint64_t generation = 0;
};

std::string FeedKey::Path() const {
  std::string path;
  switch (kind) {
    case Kind::kAll: path = "/all"; break;
    case Kind::kTopic: path = "/topics/" + id; break;
    case Kind::kSource: path = "/sources/" + id; break;
  }
  if (page > 1) path += "/page/" + std::to_string(page);
  return path + ExtOf(format).suffix;
}

std::optional<FeedKey> FeedKey::Parse(const std::string& path) {
  FeedKey key;
  std::string_view stem;
  for (const Ext& e : kExts) {
    const std::string_view suffix = e.suffix;
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      stem = std::string_view(path).substr(0, path.size() - suffix.size());
      key.format = e.format;
      break;
    }
  }
  if (stem.empty()) return std::nullopt;
  std::string_view rest;
  if (stem == "/all" || stem.substr(0, 5) == "/all/") {
    key.kind = Kind::kAll;
    rest = stem.substr(4);
  } else {
    for (const auto& [prefix, kind] : {std::pair{std::string_view("/topics/"), Kind::kTopic},
                                       std::pair{std::string_view("/sources/"), Kind::kSource}}) {
      if (stem.substr(0, prefix.size()) != prefix) continue;
      key.kind = kind;
      std::string_view id = stem.substr(prefix.size());
      const std::size_t slash = id.find('/');
      rest = slash == std::string_view::npos ? std::string_view() : id.substr(slash);
      id = id.substr(0, slash);
      if (!IsIdSegment(id)) return std::nullopt;
      key.id = std::string(id);
    }
    if (key.id.empty()) return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest.substr(0, 6) != "/page/") return std::nullopt;
    const auto page = PageNumber(rest.substr(6));
    if (!page) return std::nullopt;
    key.page = *page;
  }
  return key;
}

Feeds::Feeds(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url)
    : store_(store), config_(std::move(config)), base_url_(std::move(base_url)) {
  started_ = loaded_at_ = Now();
  Listen(config_->changes);
  if (auto written = WriteAll(); !written.ok()) spdlog::error("publish_dir: {}", written.error().message);
}

Feeds::~Feeds() {
  for (const auto& weak : listening_) {
    if (auto changes = weak.lock()) changes->Listen(nullptr);
  }
}

void Feeds::Listen(const std::shared_ptr<FeedChanges>& changes) {
  changes->Listen([this](const std::string& source_id, const std::vector<std::string>& topics) {
    Changed(source_id, topics);
  });
  listening_.erase(std::remove_if(listening_.begin(), listening_.end(),
                                  [](const std::weak_ptr<FeedChanges>& w) { return w.expired(); }),
                   listening_.end());
  listening_.push_back(changes);
}

void Feeds::Reload(std::shared_ptr<const LiveConfig> config, std::string base_url) {
  // Ingests still running against the old configuration keep reporting
  // here through the old journal.
  config_ = std::move(config);
  base_url_ = std::move(base_url);
  loaded_at_ = Now();
  cache_.clear();
  cache_bytes_ = 0;
  searches_.clear();
  Listen(config_->changes);
  if (auto written = WriteAll(); !written.ok()) spdlog::error("publish_dir: {}", written.error().message);
}

void Feeds::AdvertiseHub(bool on) {
  if (hub_ == on) return;
  hub_ = on;
  cache_.clear();
  cache_bytes_ = 0;
  searches_.clear();
  if (auto written = WriteAll(); !written.ok()) spdlog::error("publish_dir: {}", written.error().message);
}

namespace {

std::string DependencyOf(const FeedKey& key) {
  switch (key.kind) {
    case Kind::kAll: return "all";
    case Kind::kTopic: return "topic:" + key.id;
    case Kind::kSource: return "source:" + key.id;
  }
  return "all";
}

}  // namespace

// The OPML lists carry sources' site links, learnt as feeds are fetched, so
// they follow "all".
std::uint64_t Feeds::GenerationOf(const std::string& path) const {
  const auto key = FeedKey::Parse(path);
  const auto it = generations_.find(key ? DependencyOf(*key) : "all");
  return it == generations_.end() ? 0 : it->second;
}

void Feeds::Changed(const std::string& source_id, const std::vector<std::string>& topics) {
  const std::uint64_t generation = next_generation_++;
  std::vector<FeedKey> touched;
  touched.push_back(FeedKey{Kind::kAll, {}, Format::kAtom, 1});
  if (config_->source(source_id)) touched.push_back(FeedKey{Kind::kSource, source_id, Format::kAtom, 1});
  for (const std::string& topic : topics) {
    if (!config_->topic(topic)) continue;
    const bool seen = std::any_of(touched.begin(), touched.end(), [&](const FeedKey& k) {
      return k.kind == Kind::kTopic && k.id == topic;
    });
    if (!seen) touched.push_back(FeedKey{Kind::kTopic, topic, Format::kAtom, 1});
  }
  std::vector<std::string> urls;
  for (const FeedKey& key : touched) {
    generations_[DependencyOf(key)] = generation;
    if (!config_->catalog.settings.publish_dir.empty()) {
      if (auto written = WriteFeed(key); !written.ok()) {
        spdlog::error("publish_dir: {}: {}", key.Path(), written.error().message);
      }
    }
    for (Format format : {Format::kAtom, Format::kJson}) {
      FeedKey first = key;
      first.format = format;
      urls.push_back(base_url_ + first.Path());
    }
  }
  if (!config_->catalog.settings.publish_dir.empty()) {
    if (const Entry* entry = Get("/sources.opml")) {
      if (auto st = WriteFile("/sources.opml", entry->body); !st.ok()) {
        spdlog::error("publish_dir: /sources.opml: {}", st.error().message);
      }
    }
  }
  spdlog::debug("publish: {} changed {} feeds", source_id, touched.size());
  if (observer_) observer_(urls);
}

std::optional<Feeds::Entry> Feeds::RenderFeed(const FeedKey& key) {
  const config::Settings& settings = config_->catalog.settings;
  const int per_page = std::max(1, settings.feed_entries);
  if (key.page > std::max(1, kMaxDepth / per_page)) return std::nullopt;
  store::Query query;
  query.limit = key.page * per_page + 1;  // one more tells whether a next page exists
  std::string feed_id;
  std::string title;
  switch (key.kind) {
    case Kind::kAll:
      feed_id = "urn:redwire:all";
      title = "redwire — all items";
      query.dedup = true;
      break;
    case Kind::kTopic: {
      const config::Topic* topic = config_->topic(key.id);
      if (!topic) return std::nullopt;
      feed_id = "urn:redwire:topic:" + key.id;
      title = "redwire — " + topic->title;
      query.topic = key.id;
      query.dedup = topic->dedup;
      break;
    }
    case Kind::kSource: {
      const config::Source* source = config_->source(key.id);
      if (!source) return std::nullopt;
      feed_id = "urn:redwire:source:" + key.id;
      title = "redwire — " + source->name;
      query.source = key.id;
      break;
    }
  }
  auto items = store_.Items(query);
  if (!items.ok()) {
    spdlog::error("publish: {}: {}", key.Path(), items.error().message);
    return std::nullopt;
  }
  std::vector<store::StoredItem>& all = items.value();
  const std::size_t from = static_cast<std::size_t>((key.page - 1) * per_page);
  if (key.page > 1 && all.size() <= from) return std::nullopt;
  const bool has_next = all.size() > static_cast<std::size_t>(key.page * per_page);
  std::vector<store::StoredItem> page(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(std::min(from, all.size()))),
                                      std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + per_page))));

  const publish::SourceLookup source_of = Sources();

  auto url_of = [&](Format format, int page) {
    FeedKey k = key;
    k.format = format;
    k.page = page;
    return base_url_ + k.Path();
  };
  publish::FeedInfo info;
  info.id = feed_id;
  info.title = title;
  info.self_url = url_of(key.format, key.page);
  info.alternate_url = key.format == Format::kHtml ? base_url_ + "/" : url_of(Format::kHtml, 1);
  info.generated_at = started_;
  info.first_url = url_of(key.format, 1);
  if (key.page > 1) info.previous_url = url_of(key.format, key.page - 1);
  if (has_next) info.next_url = url_of(key.format, key.page + 1);
  if (hub_) info.hub_url = base_url_ + "/hub";
  info.atom_url = url_of(Format::kAtom, key.page);
  info.json_url = url_of(Format::kJson, key.page);

  Entry entry;
  entry.content_type = ExtOf(key.format).content_type;
  switch (key.format) {
    case Format::kAtom: entry.body = publish::RenderAtom(info, page, source_of); break;
    case Format::kJson: entry.body = publish::RenderJsonFeed(info, page, source_of); break;
    case Format::kHtml: entry.body = publish::RenderFeedPage(Site(), info, page, source_of); break;
  }
  // Last-Modified moves with the newest entry time and with a reload.
  entry.modified = ModifiedOf(page, loaded_at_);
  return entry;
}

publish::SiteInfo Feeds::Site() const {
  publish::SiteInfo site{base_url_, {}};
  for (const auto& t : config_->catalog.topics) site.topics.push_back({t.id, t.title});
  return site;
}

publish::SourceLookup Feeds::Sources() {
  auto sites = std::make_shared<std::map<std::string, std::string>>();
  if (auto list = store_.AllSourceStates(); list.ok()) {
    for (const auto& s : list.value()) (*sites)[s.source_id] = s.feed_link;
  }
  return [sites, config = config_](const std::string& source_id) {
    publish::SourceInfo info;
    info.id = source_id;
    info.title = source_id;  // a source removed from the config keeps its items
    if (const config::Source* source = config->source(source_id)) {
      info.title = source->name;
      info.feed_url = source->url;
    }
    if (auto it = sites->find(source_id); it != sites->end()) info.site_link = it->second;
    return info;
  };
}

// The front page follows "all": any stored change may be a topic's newest.
Feeds::Entry Feeds::RenderFront() {
  const publish::SiteInfo site = Site();
  const publish::SourceLookup source_of = Sources();
  std::vector<publish::FrontTopic> topics;
  UnixTime modified = loaded_at_;
  for (const auto& t : config_->catalog.topics) {
    store::Query query;
    query.topic = t.id;
    query.dedup = t.dedup;
    query.limit = kFrontItems;
    auto items = store_.Items(query);
    if (!items.ok()) {
      // One topic's failure leaves the others on the page.
      spdlog::error("publish: /: topic {}: {}", t.id, items.error().message);
      items = std::vector<store::StoredItem>{};
    }
    modified = std::max(modified, ModifiedOf(items.value(), loaded_at_));
    topics.push_back({{t.id, t.title}, std::move(items).value()});
  }
  std::vector<store::StoredItem> latest;
  if (topics.empty()) {
    store::Query query;
    query.dedup = true;
    query.limit = kFrontItems * 4;
    if (auto items = store_.Items(query); items.ok()) {
      latest = std::move(items).value();
    } else {
      spdlog::error("publish: /: {}", items.error().message);
    }
    modified = std::max(modified, ModifiedOf(latest, loaded_at_));
  }
  std::vector<publish::IndexSource> sources;
  for (const auto& s : config_->catalog.sources) sources.push_back({s.id, s.name, s.url, false, std::nullopt});
  Entry entry;
  entry.content_type = ExtOf(Format::kHtml).content_type;
  entry.body = publish::RenderFrontPage(site, topics, latest, sources, source_of, started_);
  entry.modified = modified;
  return entry;
}

Feeds::Entry Feeds::RenderOpml(bool topics) {
  std::vector<publish::OpmlOutline> outlines;
  if (topics) {
    for (const auto& t : config_->catalog.topics) {
      outlines.push_back({t.title, base_url_ + FeedKey{Kind::kTopic, t.id, Format::kAtom, 1}.Path(),
                          base_url_ + FeedKey{Kind::kTopic, t.id, Format::kHtml, 1}.Path()});
    }
  } else {
    std::map<std::string, std::string> sites;
    if (auto list = store_.AllSourceStates(); list.ok()) {
      for (const auto& s : list.value()) sites[s.source_id] = s.feed_link;
    }
    for (const auto& s : config_->catalog.sources) {
      std::string site = sites[s.id];
      if (site.empty()) site = s.url;
      outlines.push_back({s.name, base_url_ + FeedKey{Kind::kSource, s.id, Format::kAtom, 1}.Path(), site,
                          "republished from " + s.url, s.tags});
    }
  }
  Entry entry;
  entry.content_type = kOpmlType;
  entry.body = publish::RenderOpml(topics ? "redwire topics" : "redwire sources", outlines, loaded_at_);
  entry.modified = loaded_at_;
  return entry;
}

// The validators and the compressed copy of a rendered body.
void Feeds::Seal(Entry& entry) {
  entry.etag = EtagOf(entry.body, "");
  std::string gz = publish::Gzip(entry.body);
  if (!gz.empty() && gz.size() < entry.body.size()) {
    entry.gzip = std::move(gz);
    entry.etag_gzip = EtagOf(entry.body, "-gz");
  }
}

std::optional<Feeds::Entry> Feeds::Render(const std::string& path) {
  std::optional<Entry> entry;
  if (path == "/") {
    entry = RenderFront();
  } else if (path == "/topics.opml" || path == "/sources.opml") {
    entry = RenderOpml(path == "/topics.opml");
  } else if (auto key = FeedKey::Parse(path)) {
    entry = RenderFeed(*key);
  }
  if (!entry) return entry;
  ++renders_;
  Seal(*entry);
  return entry;
}

const Feeds::Entry* Feeds::Get(const std::string& path) {
  const std::uint64_t generation = GenerationOf(path);
  if (auto it = cache_.find(path); it != cache_.end() && it->second->generation == generation) {
    return it->second.get();
  }
  auto entry = Render(path);
  if (!entry) return nullptr;
  entry->generation = generation;
  if (auto it = cache_.find(path); it != cache_.end()) {
    cache_bytes_ -= it->second->body.size() + it->second->gzip.size();
    cache_.erase(it);
  }
  if (cache_bytes_ > kMaxCacheBytes) {
    cache_.clear();
    cache_bytes_ = 0;
  }
  cache_bytes_ += entry->body.size() + entry->gzip.size();
  auto shared = std::make_shared<const Entry>(std::move(*entry));
  const Entry* raw = shared.get();
  cache_[path] = std::move(shared);
  return raw;
}

std::optional<std::string> Feeds::Body(const std::string& path) {
  const Entry* entry = Get(path);
  if (!entry) return std::nullopt;
  return entry->body;
}

std::optional<http::Response> Feeds::Handle(const http::Request& request) {
  const std::string& path = request.path;
  if (path == "/search") return Search(request, Format::kAtom);
  if (path == "/search.html") return Search(request, Format::kHtml);
  const bool listed = path == "/" || path == "/topics.opml" || path == "/sources.opml";
  if (!listed && !FeedKey::Parse(path)) return std::nullopt;
  const Entry* entry = Get(path);
  if (!entry) return http::Response{404, "text/plain; charset=utf-8", {}, "not found\n"};
  return Serve(request, *entry);
}

http::Response Feeds::Serve(const http::Request& request, const Entry& entry) {
  const bool gzip = !entry.gzip.empty() && AcceptsGzip(request.header("accept-encoding"));
  http::Response r;
  r.content_type = entry.content_type;
  r.headers["ETag"] = gzip ? entry.etag_gzip : entry.etag;
  r.headers["Last-Modified"] = util::FormatHttpDate(entry.modified);
  r.headers["Cache-Control"] = kCacheControl;
  r.headers["Vary"] = "Accept-Encoding";
  if (std::string_view(entry.content_type).starts_with("text/html")) {
    // The page has no scripts; say so, so nothing injected could run.
    r.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:";
  }
  // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  const std::string none_match = request.header("if-none-match");
  if (!none_match.empty()) {
    if (NoneMatchHits(none_match, {&entry.etag, &entry.etag_gzip})) return NotModified(r);
  } else if (auto since = util::ParseHttpDate(request.header("if-modified-since"))) {
    if (entry.modified <= *since) return NotModified(r);
  }
  if (gzip) {
    r.headers["Content-Encoding"] = "gzip";
    r.body = entry.gzip;
  } else {
    r.body = entry.body;
  }
  return r;
}

// A search is rendered once per change to the store, like "all": a reader
// polling a subscribed search gets the cached bytes and its 304s. The same
// search as HTML is a page for people, with the search box filled in.
http::Response Feeds::Search(const http::Request& request, Format format) {
  const bool html = format == Format::kHtml;
  const auto key = SearchKey::Of(request.query);
  if (!key) return {400, "text/plain; charset=utf-8", {}, "malformed query string\n"};
  const SearchKey& search = *key;
  const std::string target = search.Target(html ? "/search.html" : "/search");
  const std::uint64_t generation = GenerationOf(target);
  if (auto it = searches_.find(target); it != searches_.end() && it->second->generation == generation) {
    return Serve(request, *it->second);
  }
  publish::SearchInfo page{search.q, base_url_ + search.Target()};
  std::vector<store::StoredItem> found;
  int status = 200;
  if (html && search.q.find_first_not_of(" \t") == std::string::npos) {
    // An empty search box is a person's first visit, not a mistake.
    page.problem = "Type words to search for: a word, \"a phrase\", a prefix* or -word to leave out.";
  } else {
    store::Query query;
    query.search = search.q;
    query.dedup = true;
    query.limit = std::max(1, config_->catalog.settings.feed_entries);
    if (!search.topic.empty()) query.topic = search.topic;
    if (!search.source.empty()) query.source = search.source;
    auto items = store_.Items(query);
    if (items.ok()) {
      found = std::move(items).value();
    } else {
      // A search with nothing to look for is the reader's mistake, not ours.
      const std::string& message = items.error().message;
      if (message.rfind("store: search: ", 0) != 0) {
        spdlog::error("http: {}: {}", html ? "/search.html" : "/search", message);
        return {500, "text/plain; charset=utf-8", {}, "internal error\n"};
      }
      if (!html) return {400, "text/plain; charset=utf-8", {}, message.substr(15) + "\n"};
      page.problem = "This search cannot be run: " + message.substr(15) + ".";
      status = 400;
    }
  }
  const publish::SourceLookup source_of = Sources();

  Entry entry;
  entry.content_type = ExtOf(format).content_type;
  entry.modified = ModifiedOf(found, loaded_at_);
  entry.generation = generation;
  ++renders_;
  if (html) {
    if (!page.problem.empty()) page.atom_url.clear();
    entry.body = publish::RenderSearchPage(Site(), page, found, source_of, started_);
  } else {
    publish::FeedInfo info;
    info.id = "urn:redwire:search:" + publish::PercentEncode(search.q);
    info.title = "redwire — search: " + search.q;
    info.self_url = base_url_ + target;
    info.alternate_url = base_url_ + search.Target("/search.html");
    info.generated_at = started_;
    if (hub_) info.hub_url = base_url_ + "/hub";
    entry.body = publish::RenderAtom(info, found, source_of);
  }
  Seal(entry);
  if (status != 200) {
    // Not kept: the page explains a mistake, and a mistake is not a feed.
    http::Request unconditional = request;
    unconditional.headers.erase("if-none-match");
    unconditional.headers.erase("if-modified-since");
    http::Response refused = Serve(unconditional, entry);
    refused.status = status;
    return refused;
  }
  // Searches are the readers' own words: bounded apart from the feeds, so
  // many distinct ones cannot push the feeds out of their cache.
  if (searches_.size() >= kMaxSearches) searches_.clear();
  auto& kept = searches_[target];
  kept = std::make_shared<const Entry>(std::move(entry));
  return Serve(request, *kept);
}

Status Feeds::WriteFile(const std::string& relative, const std::string& body) {
  const fs::path target = fs::path(config_->catalog.settings.publish_dir) / relative.substr(1);
  {
    std::ifstream in(target, std::ios::binary);
    if (in) {
      const std::string current((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (current == body) return Ok{};
    }
  }
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Error{"cannot create " + target.parent_path().string() + ": " + ec.message()};
  // Readers (nginx, a CDN) see the old file or the new one, never a torn one.
  const std::string temp = target.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot write " + temp + ": " + std::strerror(errno)};
  std::size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::write(fd, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return Error{"cannot write " + temp + ": " + why};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Error{"cannot write " + temp + ": " + std::strerror(errno)};
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return Error{"cannot rename " + temp + ": " + why};
  }
  return Ok{};
}

Result<int> Feeds::WriteFeed(FeedKey key) {
  int written = 0;
  for (const Ext& e : kExts) {
    key.format = e.format;
    for (int page = 1; page <= kStaticPages; ++page) {
      key.page = page;
      const std::string path = key.Path();
      const Entry* entry = Get(path);
      if (!entry) break;
      if (auto st = WriteFile(path, entry->body); !st.ok()) return st.error();
      ++written;
    }
  }
  return written;
}

Result<int> Feeds::WriteAll() {
  if (config_->catalog.settings.publish_dir.empty()) return 0;
  int written = 0;
  std::vector<FeedKey> keys{FeedKey{Kind::kAll, {}, Format::kAtom, 1}};
  for (const auto& t : config_->catalog.topics) keys.push_back(FeedKey{Kind::kTopic, t.id, Format::kAtom, 1});
  for (const auto& s : config_->catalog.sources) keys.push_back(FeedKey{Kind::kSource, s.id, Format::kAtom, 1});
  for (const FeedKey& key : keys) {
    auto n = WriteFeed(key);
    if (!n.ok()) return n.error();
    written += n.value();
  }
  for (const char* path : {"/topics.opml", "/sources.opml"}) {
    const Entry* entry = Get(path);
    if (!entry) continue;
    if (auto st = WriteFile(path, entry->body); !st.ok()) return st.error();
    ++written;
  }
  return written;
}

}  // namespace redwire::app
