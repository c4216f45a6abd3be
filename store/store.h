// store: the SQLite store (SQLiteCpp). Schema by versioned migrations
// (PRAGMA user_version), WAL, synchronous=NORMAL. One Store is one
// connection: the daemon has one writer (Open) and reads for HTTP through
// readers (OpenReader), which never block it. Items are grouped into
// cross-source duplicate clusters and indexed for full-text search. Every
// method catches SQLite exceptions and returns them as errors. A Store is
// used from one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::store {

// Another copy of an entry's story, from a later source.
struct Via {
  std::string source_id;
  std::string link;
  std::string title;
};

struct StoredItem {
  std::int64_t row_id = 0;
  UnixTime first_seen = 0;
  std::vector<std::string> topics;
  Item item;
  // The duplicate cluster: 0 while the item has no duplicate, else the row id
  // of the cluster's first member.
  std::int64_t cluster_id = 0;
  std::vector<Via> via;  // the cluster's other members, when the query deduplicates
};

// What the fetcher last learnt about a source.
struct SourceState {
  std::string source_id;
  std::string etag;
  std::string last_modified;
  UnixTime last_attempt = 0;
  UnixTime last_success = 0;
  std::string last_outcome;     // "ok", "not-modified", "http-error", ...
  std::string last_error;       // reason when the last attempt failed; after a success, its warnings ("warning: ...") or empty
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
  // Scrape `auto = true` (issue 17): the item selector of the list picked on
  // the last poll, and the one before it when the pick changed.
  std::string scrape_pick;
  std::string scrape_pick_was;
  // A feed found on the site of the page a source points to (issue 17):
  // polled instead of a page without scrape rules while found_on is still
  // the configured URL; only reported for a page with rules.
  std::string found_feed;           // empty: none found (or not looked for)
  std::string found_on;             // the configured URL it was found for
  UnixTime found_checked = 0;       // when the site was last searched
};

struct UpsertStats {
  int inserted = 0;
  int updated = 0;
  int unchanged = 0;
  int clustered = 0;  // inserted items found to duplicate another source's item
};

// One feed's items and the topic ids of each (same length), for UpsertMany.
struct UpsertBatch {
  std::span<const Item> items;
  std::span<const std::vector<std::string>> topics;
};

struct Query {
  std::optional<std::string> topic;
  std::optional<std::string> source;
  int limit = 50;  // at most this many items; zero or less means no limit
  // Words, "phrases", prefix*, OR between terms, -word to exclude; matched
  // ignoring case and accents against title, summary and content. A search
  // takes the newest stored matches (by the order redwire stored them, then
  // shown by published time) and looks at no more than kMaxSearchScan of
  // them, so its cost is bounded however common its words are.
  std::optional<std::string> search;
  UnixTime since = 0;  // only items published at or after this
  // One entry per duplicate cluster: its earliest member (by published time),
  // with the other members as `via`, ordered by that member's time.
  bool dedup = false;
};

// Matches a search reads at most, newest stored first, while its other
// filters (topic, source, since, one per cluster) pick what it returns.
inline constexpr std::size_t kMaxSearchScan = 10000;

// How long a source's items are kept.
struct RetentionRule {
  int keep_days = 365;  // items older than this (published and first seen) may go
  int keep_min = 50;    // but never a source's newest keep_min items
};

class Store {
 public:
  // Opens or creates the database at `path` and migrates it. Refuses a file
  // that is not a database or whose schema is newer than this binary.
  // Migrations run in one transaction. Only one process may hold a writer.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  // A read-only connection to a database a writer has already migrated;
  // it sees every committed write and never blocks the writer.
  static Result<std::unique_ptr<Store>> OpenReader(const std::string& path);
  // The schema version (PRAGMA user_version) this binary migrates to.
  static int SchemaVersion();
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
  // Upsert of several batches in one transaction: one commit, and one search
  // index segment, for all of them, which costs much less than one per
  // batch. Returns each batch's stats, in order. On error nothing is written.
  Result<std::vector<UpsertStats>> UpsertMany(std::span<const UpsertBatch> batches);

  // A new item joins the cluster of an item from another source with the same
  // canonical link, or else with a near-duplicate title and text (SimHash,
  // or for short texts the overlap of their leads; see fingerprint.h)
  // published within 14 days of it. An edited item stays in its cluster.

  // Newest first by published time, then row id. Each StoredItem's topics are
  // sorted. A search that is not valid (e.g. only exclusions) is an error
  // kInvalidArgument (kTooLarge past a cap) whose message is the reason, for
  // the reader; a failing database is kBusy, kCorruption, kIo or kInternal.
  Result<std::vector<StoredItem>> Items(const Query& query);

  // Deletes at most `max_rows` items that `rule_of(source_id)` no longer
  // keeps, oldest first, visiting sources in turn and resuming where the last
  // call stopped. Returns the number deleted: fewer than `max_rows` means a
  // whole round found nothing more. Never vacuums; freed pages are reused.
  Result<int> Prune(UnixTime now, const std::function<RetentionRule(const std::string&)>& rule_of,
                    int max_rows);

  // Recomputes the topics of every item first seen at or after `since`, in
  // transactions of a few hundred items so ingest can interleave. Returns the
  // number of items whose topics changed.
  Result<int> ReclassifyRecent(
      UnixTime since, const std::function<std::vector<std::string>(const Item&)>& topics_of);

  // ReclassifyRecent in two halves, so the classifying can run on another
  // thread (with its own reader connection) and only the short writes on
  // the writer's. TopicChangesRecent reads at most `limit` items below row
  // `before` (newest first; the largest int64 to start), stopping at items
  // first seen before `since`, and returns those whose stored topics differ
  // from `topics_of`; *next is where the next call starts, 0 when done.
  struct TopicChange {
    std::int64_t row_id = 0;
    UnixTime published = 0;
    std::vector<std::string> topics;  // sorted, unique
  };
  Result<std::vector<TopicChange>> TopicChangesRecent(
      UnixTime since, std::int64_t before, int limit,
      const std::function<std::vector<std::string>(const Item&)>& topics_of, std::int64_t* next);
  // Replaces the topics of each item in one transaction.
  Status ApplyTopicChanges(const std::vector<TopicChange>& changes);

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
