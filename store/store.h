// store: the SQLite store (SQLiteCpp). Schema by versioned migrations
// (PRAGMA user_version), WAL. One Store is one connection; the daemon has one
// writer. Every method catches SQLite exceptions and returns them as errors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::store {

struct StoredItem {
  std::int64_t row_id = 0;
  UnixTime first_seen = 0;
  std::vector<std::string> topics;
  Item item;
};

// What the fetcher last learnt about a source.
struct SourceState {
  std::string source_id;
  std::string etag;
  std::string last_modified;
  UnixTime last_attempt = 0;
  UnixTime last_success = 0;
  std::string last_outcome;     // "ok", "not-modified", "http-error", ...
  std::string last_error;       // reason when the last attempt failed
  long last_status = 0;
  int consecutive_failures = 0;
  int items_new = 0;            // new items on the last successful fetch
  std::string feed_title;
  std::string feed_link;
  // Health and scheduling (fetcher, issue 5).
  std::int64_t last_bytes = 0;      // body bytes of the last 200
  std::int64_t last_elapsed_ms = 0; // duration of the last fetch
  int items_seen = 0;               // items in the last parsed body
  UnixTime next_due = 0;            // when the next poll is planned; survives restarts
  std::int64_t interval = 0;        // current adaptive interval in seconds; 0: the configured one
  std::string moved_to;             // URL given by a 301/308; polled instead of the configured one
  std::string moved_from;           // the configured URL moved_to replaced (a config change resets it)
  bool gone = false;                // 410 Gone: not polled until the configured URL changes
  std::string gone_url;             // the configured URL that answered 410
};

struct UpsertStats {
  int inserted = 0;
  int updated = 0;
  int unchanged = 0;
};

struct Query {
  std::optional<std::string> topic;
  std::optional<std::string> source;
  int limit = 50;  // at most this many items; zero or less means no limit
};

class Store {
 public:
  // Opens or creates the database at `path` and migrates it. Refuses a file
  // that is not a database or whose schema is newer than this binary.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Inserts new items and updates changed ones, keyed by (source_id, id), in
  // one transaction. topics[i] are the topic ids of items[i] (same length).
  // An item is changed when its title, link, author, summary, content,
  // categories or enclosures differ from the stored ones; a changed item gets
  // updated = max(its updated, now) and its topic rows replaced by topics[i].
  // An unchanged item keeps its row and topics untouched. A changed item whose
  // date_is_first_seen is set keeps the stored published date. On error
  // nothing is written.
  Result<UpsertStats> Upsert(const std::vector<Item>& items,
                             const std::vector<std::vector<std::string>>& topics);

  // Newest first by published time, then row id. Each StoredItem's topics are
  // sorted.
  Result<std::vector<StoredItem>> Items(const Query& query);

  Result<std::optional<SourceState>> GetSourceState(const std::string& source_id);
  Status PutSourceState(const SourceState& state);
  Result<std::vector<SourceState>> AllSourceStates();

  Result<std::int64_t> CountItems();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace redwire::store
