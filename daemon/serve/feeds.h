// Feeds: every published feed — all items, each topic, each source — as
// Atom, JSON Feed and an HTML page, with RFC 5005 paging, plus the OPML
// lists, the front page and searches. Bodies are rendered once per change and served from memory with
// ETag, Last-Modified, 304s and gzip; with publish_dir set, each feed is
// also written there (temporary file + rename) whenever it changes.
//
// URL space (N >= 2):
//   /all.{atom,json,html}            /all/page/N.{atom,json,html}
//   /topics/ID.{atom,json,html}      /topics/ID/page/N.{atom,json,html}
//   /sources/ID.{atom,json,html}     /sources/ID/page/N.{atom,json,html}
//   /topics.opml  /sources.opml
//   /search?q=WORDS[&topic=ID][&source=ID]   (Atom; one entry per cluster)
//   /search.html?q=...  (the same search as a page)   /  (the front page)
// Private to serve/: other modules reach it through daemon/serve/routes.h.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/live/live.h"
#include "daemon/http/server.h"
#include "daemon/publish/publish.h"
#include "model/result.h"
#include "store/store.h"

namespace redwire::app {

// Which feed a path names.
struct FeedKey {
  enum class Kind { kAll, kTopic, kSource };
  enum class Format { kAtom, kJson, kHtml };
  Kind kind = Kind::kAll;
  std::string id;  // topic or source id; empty for kAll
  Format format = Format::kAtom;
  int page = 1;

  // "/topics/cuba.atom", "/all/page/2.json"; ids percent-encoded.
  std::string Path() const;
  // The key of a path, or nullopt; ids are not checked against the config.
  static std::optional<FeedKey> Parse(const std::string& path);
};

class Feeds {
 public:
  // `store` must outlive. `base_url` has no trailing slash. Registers for
  // `config->changes`; with publish_dir, writes every feed there now.
  Feeds(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url);
  ~Feeds();
  Feeds(const Feeds&) = delete;
  Feeds& operator=(const Feeds&) = delete;

  // The response for a feed, OPML, search or the front page ("/"); nullopt
  // for any other path. Answers GET and HEAD; conditional requests get 304.
  std::optional<http::Response> Handle(const http::Request& request);

  // A new configuration: drops every cached body and, with publish_dir,
  // rewrites every feed whose bytes differ.
  void Reload(std::shared_ptr<const LiveConfig> config, std::string base_url);

  // Entries of `source_id` (in `topics`) were stored new or changed: those
  // feeds are rendered again when next asked for, written to publish_dir,
  // and reported to the change observer.
  void Changed(const std::string& source_id, const std::vector<std::string>& topics);

  // Whether feeds advertise the WebSub hub at BASE/hub (off until the hub
  // runs). Drops the cache and, with publish_dir, rewrites the feeds.
  void AdvertiseHub(bool on);

  // Called with the self URLs of the first pages (every format) of each
  // feed a change touched, after publish_dir is written; for WebSub.
  using Observer = std::function<void(const std::vector<std::string>& urls)>;
  void Observe(Observer observer) { observer_ = std::move(observer); }

  // Writes every feed and both OPML lists to publish_dir (no-op without
  // one). Files whose bytes are unchanged are left alone. Returns how many
  // files are in place.
  Result<int> WriteAll();

  // The rendered body of a feed path (as served, uncompressed), for tools
  // and tests; nullopt for an unknown path or feed.
  std::optional<std::string> Body(const std::string& path);

  // Cache statistics: bodies rendered since start.
  std::uint64_t renders() const { return renders_; }

 private:
  struct Entry;
  static void Seal(Entry& entry);
  const Entry* Get(const std::string& path);
  http::Response Serve(const http::Request& request, const Entry& entry);
  http::Response Search(const http::Request& request, FeedKey::Format format);
  publish::SiteInfo Site() const;
  // Names, feed URLs and site links of sources, as read from config and store now.
  publish::SourceLookup Sources();
  Entry RenderFront();
  std::optional<Entry> Render(const std::string& path);
  std::optional<Entry> RenderFeed(const FeedKey& key);
  Entry RenderOpml(bool topics);
  std::uint64_t GenerationOf(const std::string& path) const;
  Result<int> WriteFeed(FeedKey key);
  Status WriteFile(const std::string& path, const std::string& body);
  void Listen(const std::shared_ptr<FeedChanges>& changes);

  store::Store& store_;
  std::shared_ptr<const LiveConfig> config_;
  std::string base_url_;
  // Bumped by Changed: "all", "topic:ID", "source:ID".
  std::map<std::string, std::uint64_t> generations_;
  std::uint64_t next_generation_ = 1;
  std::map<std::string, std::shared_ptr<const Entry>> cache_;
  std::size_t cache_bytes_ = 0;
  // Rendered searches by canonical target; they follow "all".
  std::map<std::string, std::shared_ptr<const Entry>> searches_;
  std::uint64_t renders_ = 0;
  Observer observer_;
  bool hub_ = false;
  UnixTime started_ = 0;    // atom:updated of a feed with no entries
  UnixTime loaded_at_ = 0;  // of the configuration; Last-Modified never earlier
  // Every journal this listens to, so the destructor can leave them all.
  std::vector<std::weak_ptr<FeedChanges>> listening_;
};

}  // namespace redwire::app
