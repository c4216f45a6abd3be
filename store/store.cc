#include "store/store.h"

#include "store/checkpoint.h"
#include "store/fingerprint.h"
#include "util/hash.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace redwire::store {
namespace {

// Each entry migrates the schema from version i to i + 1. Entries are never
// edited once released: a change is a new entry, so every existing database
// walks the same path.
constexpr std::array<const char*, 6> kMigrations = {
    // v1. item_topic repeats the item's published time so that "newest N of a
    // topic" is a walk down one index with no sort; Upsert rewrites an item's
    // topic rows whenever it rewrites the item, which keeps the copy in step.
    R"sql(
CREATE TABLE item (
  row_id             INTEGER PRIMARY KEY,
  source_id          TEXT    NOT NULL,
  item_id            TEXT    NOT NULL,
  guid               TEXT    NOT NULL,
  title              TEXT    NOT NULL,
  link               TEXT    NOT NULL,
  canonical_link     TEXT    NOT NULL,
  published          INTEGER NOT NULL,
  updated            INTEGER NOT NULL,
  date_is_first_seen INTEGER NOT NULL,
  author             TEXT    NOT NULL,
  summary            TEXT    NOT NULL,
  content            TEXT    NOT NULL,
  summary_text       TEXT    NOT NULL,
  content_text       TEXT    NOT NULL,
  categories         TEXT    NOT NULL,
  enclosures         TEXT    NOT NULL,
  language           TEXT    NOT NULL,
  content_hash       INTEGER NOT NULL,
  first_seen         INTEGER NOT NULL,
  UNIQUE (source_id, item_id)
);
CREATE INDEX item_newest ON item (published DESC, row_id DESC);
CREATE INDEX item_source_newest ON item (source_id, published DESC, row_id DESC);

CREATE TABLE item_topic (
  row_id    INTEGER NOT NULL REFERENCES item (row_id) ON DELETE CASCADE,
  topic_id  TEXT    NOT NULL,
  published INTEGER NOT NULL,
  PRIMARY KEY (topic_id, row_id)
) WITHOUT ROWID;
CREATE INDEX item_topic_newest ON item_topic (topic_id, published DESC, row_id DESC);
CREATE INDEX item_topic_row ON item_topic (row_id);

CREATE TABLE source_state (
  source_id            TEXT    PRIMARY KEY,
  etag                 TEXT    NOT NULL,
  last_modified        TEXT    NOT NULL,
  last_attempt         INTEGER NOT NULL,
  last_success         INTEGER NOT NULL,
  last_outcome         TEXT    NOT NULL,
  last_error           TEXT    NOT NULL,
  last_status          INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  items_new            INTEGER NOT NULL,
  feed_title           TEXT    NOT NULL,
  feed_link            TEXT    NOT NULL
);
)sql",
    // v2. The fetcher's health and scheduling state (issue 5), so adaptive
    // intervals, permanent redirects and 410s survive a restart.
    R"sql(
ALTER TABLE source_state ADD COLUMN last_bytes      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN last_elapsed_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN items_seen      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN next_due        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN interval        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN moved_to        TEXT    NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN moved_from      TEXT    NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN gone            INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN gone_url        TEXT    NOT NULL DEFAULT '';
)sql",
    // v3. Duplicate clusters and full-text search. cluster_id is 0 for an
    // item with no duplicate, so the cluster index holds only real clusters.
    // The search index holds folded text (fingerprint.h), which the store
    // writes itself; deletions follow the item by trigger.
    R"sql(
ALTER TABLE item ADD COLUMN cluster_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item ADD COLUMN simhash    INTEGER NOT NULL DEFAULT 0;
CREATE INDEX item_cluster ON item (cluster_id) WHERE cluster_id != 0;
CREATE INDEX item_canonical ON item (canonical_link) WHERE canonical_link != '';
CREATE VIRTUAL TABLE item_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER item_fts_delete AFTER DELETE ON item BEGIN
  DELETE FROM item_fts WHERE rowid = old.row_id;
END;
)sql",
    // v4. WebSub subscriptions (issue 7; queries in subscriptions.cc). One
    // row per (topic, callback); expires_at is when the lease ends.
    R"sql(
CREATE TABLE websub_subscription (
  topic       TEXT    NOT NULL,
  callback    TEXT    NOT NULL,
  secret      TEXT    NOT NULL,
  lease       INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (topic, callback)
);
CREATE INDEX websub_subscription_expiry ON websub_subscription (expires_at);
)sql",
    // v5. The list a page source with scrape auto = true picked on its last
    // poll, and the one before when the pick changed (issue 17).
    R"sql(
ALTER TABLE source_state ADD COLUMN scrape_pick     TEXT    NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN scrape_pick_was TEXT    NOT NULL DEFAULT '';
)sql",
    // v6. The feed found on a page source's site (issue 17): polled instead
    // of a page without scrape rules, reported for one with rules.
    R"sql(
ALTER TABLE source_state ADD COLUMN found_feed    TEXT    NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN found_on      TEXT    NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN found_checked INTEGER NOT NULL DEFAULT 0;
)sql",
};

// Items written before v3 get their search text and fingerprint here, in
// the migration's transaction.
constexpr int kBackfillSearchVersion = 3;

constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- Lists as JSON text, so an operator's sqlite3 shell can read and query
// them (json_each); the reader accepts exactly what the writer produces plus
// the standard string escapes.

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string EncodeCategories(const std::vector<std::string>& categories) {
  std::string out = "[";
  for (std::size_t i = 0; i < categories.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, categories[i]);
  }
  out += ']';
  return out;
}

std::string EncodeEnclosures(const std::vector<Enclosure>& enclosures) {
  std::string out = "[";
  for (std::size_t i = 0; i < enclosures.size(); ++i) {
    if (i) out += ',';
    out += "{\"url\":";
    AppendJsonString(out, enclosures[i].url);
    out += ",\"type\":";
    AppendJsonString(out, enclosures[i].type);
    out += ",\"length\":";
    out += std::to_string(enclosures[i].length);
    out += '}';
  }
  out += ']';
  return out;
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

  bool ReadString(std::string& out) {
    out.clear();
    if (!Consume('"')) return false;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      switch (text_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!ReadHex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (!Consume('\\') || !Consume('u') || !ReadHex4(low) || low < 0xDC00 || low > 0xDFFF) {
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  bool ReadInt(std::int64_t& out) {
    SkipSpace();
    std::size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (pos_ == start) return false;
    try {
      out = std::stoll(std::string(text_.substr(start, pos_ - start)));
    } catch (const std::exception&) {
      return false;
    }
    return true;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool ReadHex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool DecodeCategories(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  JsonReader r(text);
  if (!r.Consume('[')) return false;
  if (!r.Consume(']')) {
    do {
      std::string s;
      if (!r.ReadString(s)) return false;
      out.push_back(std::move(s));
    } while (r.Consume(','));
    if (!r.Consume(']')) return false;
  }
  return r.AtEnd();
}

bool DecodeEnclosures(std::string_view text, std::vector<Enclosure>& out) {
  out.clear();
  JsonReader r(text);
  if (!r.Consume('[')) return false;
  if (!r.Consume(']')) {
    do {
      Enclosure e;
      if (!r.Consume('{')) return false;
      if (!r.Consume('}')) {
        do {
          std::string key;
          if (!r.ReadString(key) || !r.Consume(':')) return false;
          bool ok = key == "url"      ? r.ReadString(e.url)
                    : key == "type"   ? r.ReadString(e.type)
                    : key == "length" ? r.ReadInt(e.length)
                                      : false;
          if (!ok) return false;
        } while (r.Consume(','));
        if (!r.Consume('}')) return false;
      }
      out.push_back(std::move(e));
    } while (r.Consume(','));
    if (!r.Consume(']')) return false;
  }
  return r.AtEnd();
}

// --- Content hash: FNV-1a/64 over the fields a reader sees. Each field is
// length-prefixed so that moving text between fields changes the hash. The
// dates are left out on purpose: an undated item gets a new first-seen date on
// every fetch and must not count as edited each time.

std::int64_t ContentHash(const Item& item) {
  util::FieldHasher h;
  h.Add(item.title);
  h.Add(item.link);
  h.Add(item.author);
  h.Add(item.summary);
  h.Add(item.content);
  h.AddNumber(item.categories.size());
  for (const auto& c : item.categories) h.Add(c);
  h.AddNumber(item.enclosures.size());
  for (const auto& e : item.enclosures) {
    h.Add(e.url);
    h.Add(e.type);
    h.AddNumber(static_cast<std::uint64_t>(e.length));
  }
  return static_cast<std::int64_t>(h.value());
}


// --- Folded text for search and dedup. Each field is capped so that one
// enormous item costs bounded time.

constexpr std::size_t kMaxFoldedField = 64 * 1024;

std::string FoldCapped(std::string_view text) {
  return FoldText(text.substr(0, std::min(text.size(), kMaxFoldedField)));
}

struct Folded {
  std::string title;
  std::string body;  // summary and content, for search
  std::uint64_t simhash = 0;
};

Folded FoldItem(const Item& item) {
  Folded f;
  f.title = FoldCapped(item.title);
  std::string summary = FoldCapped(item.summary_text);
  std::string content = FoldCapped(item.content_text);
  // The fingerprint reads the fullest text once: a feed may carry the
  // statement as content while another gives it as summary.
  const std::string& text = content.size() >= summary.size() ? content : summary;
  f.simhash = SimHash(f.title + " " + text);
  f.body = std::move(summary);
  if (!content.empty()) {
    if (!f.body.empty()) f.body += ' ';
    f.body += content;
  }
  return f;
}

// --- The user's search words as an FTS5 query. Every term is folded like the
// index and written as a quoted string, so no input can reach FTS5's own
// syntax; only the operators built here are used.

constexpr std::size_t kMaxSearchLength = 512;
constexpr int kMaxSearchTerms = 32;

Result<std::string> FtsQuery(std::string_view text) {
  if (text.size() > kMaxSearchLength) {
    return Error{fmt::format("search is longer than {} characters", kMaxSearchLength)};
  }
  struct Term {
    std::string fts;
    bool negated = false;
    bool or_before = false;
  };
  std::vector<Term> terms;
  bool pending_or = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ' || text[pos] == '\t') {
      ++pos;
      continue;
    }
    bool negated = false;
    if (text[pos] == '-') {
      negated = true;
      ++pos;
    }
    std::string_view raw;
    bool prefix = false;
    bool quoted = false;
    if (pos < text.size() && text[pos] == '"') {
      std::size_t end = text.find('"', pos + 1);
      if (end == std::string_view::npos) end = text.size();
      raw = text.substr(pos + 1, end - pos - 1);
      pos = std::min(text.size(), end + 1);
      quoted = true;
    } else {
      std::size_t end = text.find_first_of(" \t", pos);
      if (end == std::string_view::npos) end = text.size();
      raw = text.substr(pos, end - pos);
      pos = end;
      if (!raw.empty() && raw.back() == '*') {
        prefix = true;
        raw.remove_suffix(1);
      }
    }
    if (!quoted && !negated && raw == "OR") {
      pending_or = true;
      continue;
    }
    const std::string folded = FoldText(raw);
    if (folded.empty()) continue;
    Term t;
    t.fts = "\"" + folded + "\"";  // folded text holds no quotes
    if (prefix) t.fts += '*';
    t.negated = negated;
    t.or_before = pending_or && !negated && !terms.empty() && !terms.back().negated;
    pending_or = false;
    terms.push_back(std::move(t));
    if (static_cast<int>(terms.size()) > kMaxSearchTerms) {
      return Error{fmt::format("search has more than {} terms", kMaxSearchTerms)};
    }
  }
  // Positive terms form groups joined by AND; OR joins neighbours inside a
  // group. Exclusions apply to the whole.
  std::string positive;
  std::string negative;
  std::string group;
  auto flush = [&] {
    if (group.empty()) return;
    if (!positive.empty()) positive += " AND ";
    positive += "(" + group + ")";
    group.clear();
  };
  for (const Term& t : terms) {
    if (t.negated) {
      negative += " NOT " + t.fts;
      continue;
    }
    if (!t.or_before) flush();
    if (!group.empty()) group += " OR ";
    group += t.fts;
  }
  flush();
  if (positive.empty()) {
    return Error{"search needs at least one word to look for (exclusions alone match nothing)"};
  }
  return positive + negative;
}

// --- Near-duplicate candidates of the last kDedupWindow, in memory (writer
// only). A fingerprint is cut into 8 bands of 8 bits: two fingerprints at most
// kNearDuplicateDistance (< 8) bits apart agree on at least one whole band, so
// looking in the 8 matching buckets finds every candidate. A bucket holds
// about 1/256 of the window; one that holds far more is boilerplate (the same
// text under many titles), and only its newest kMaxCandidates are compared,
// so such a text cannot make ingest quadratic.

constexpr UnixTime kDedupWindow = 14 * 24 * 3600;
constexpr int kBands = 8;
constexpr std::size_t kMaxCandidates = 1024;
static_assert(kNearDuplicateDistance < kBands, "band lookup would miss near-duplicates");

class NearIndex {
 public:
  struct Entry {
    std::int64_t row_id = 0;
    std::uint64_t source = 0;  // hash of the source id
    UnixTime published = 0;
    UnixTime first_seen = 0;
    std::uint64_t simhash = 0;
  };

  void Add(const Entry& e) {
    const std::uint64_t seq = End();
    entries_.push_back(e);
    for (int b = 0; b < kBands; ++b) buckets_[Bucket(e.simhash, b)].push_back({e.simhash, seq});
  }

  // The position of the next Add, for Truncate.
  std::uint64_t End() const { return base_ + entries_.size(); }

  // Forgets every entry added at or after `end` (a rolled-back batch: its row
  // ids will be handed out again).
  void Truncate(std::uint64_t end) {
    while (End() > end) {
      const std::uint64_t last = End() - 1;
      const Entry& e = entries_.back();
      for (int b = 0; b < kBands; ++b) {
        auto& bucket = buckets_[Bucket(e.simhash, b)];
        if (!bucket.empty() && bucket.back().seq == last) bucket.pop_back();
      }
      entries_.pop_back();
    }
  }

  // Forgets entries first seen before `cutoff`; entries arrive in first-seen
  // order, so they leave from the front.
  void Expire(UnixTime cutoff) {
    while (!entries_.empty() && entries_.front().first_seen < cutoff) {
      entries_.pop_front();
      ++base_;
      stale_ += kBands;
    }
    if (stale_ > 4096 && stale_ > entries_.size() * kBands) {
      for (auto& bucket : buckets_) bucket.erase(bucket.begin(), Live(bucket));
      stale_ = 0;
    }
  }

  // The row of the closest fingerprint from another source published within
  // the window of `published`, earliest on ties; 0 when there is none.
  std::int64_t Find(std::uint64_t simhash, std::uint64_t source, UnixTime published) const {
    std::int64_t best = 0;
    int best_distance = kNearDuplicateDistance + 1;
    UnixTime best_published = 0;
    for (int b = 0; b < kBands; ++b) {
      const auto& bucket = buckets_[Bucket(simhash, b)];
      const auto oldest = Live(bucket);
      std::size_t compared = 0;
      for (auto it = bucket.end(); it != oldest && compared < kMaxCandidates; ++compared) {
        --it;
        const int d = Distance(it->simhash, simhash);
        if (d > best_distance) continue;
        const Entry& e = entries_[static_cast<std::size_t>(it->seq - base_)];
        if (e.source == source) continue;
        if (std::max(e.published, published) - std::min(e.published, published) > kDedupWindow) {
          continue;
        }
        if (d < best_distance || (best && e.published < best_published)) {
          best = e.row_id;
          best_distance = d;
          best_published = e.published;
        }
      }
    }
    return best;
  }

 private:
  // The fingerprint is kept beside its entry's position so that a scan reads
  // the bucket alone until a candidate is close enough.
  struct Slot {
    std::uint64_t simhash;
    std::uint64_t seq;
  };
  using Slots = std::vector<Slot>;

  static std::size_t Bucket(std::uint64_t simhash, int band) {
    return static_cast<std::size_t>(band) * 256 + ((simhash >> (8 * band)) & 0xff);
  }

  // The first slot of `bucket` whose entry has not expired.
  Slots::const_iterator Live(const Slots& bucket) const {
    return std::partition_point(bucket.begin(), bucket.end(),
                                [this](const Slot& s) { return s.seq < base_; });
  }

  std::deque<Entry> entries_;
  std::uint64_t base_ = 0;  // sequence number of entries_.front()
  std::size_t stale_ = 0;   // bucket slots pointing before base_
  std::array<Slots, kBands * 256> buckets_;
};

std::uint64_t SourceKey(std::string_view source_id) { return util::Fnv1a64(source_id); }

// --- Statements.

constexpr const char* kSelectExisting =
    "SELECT row_id, content_hash, published, date_is_first_seen FROM item "
    "WHERE source_id = ?1 AND item_id = ?2";

constexpr const char* kInsertItem =
    "INSERT INTO item (source_id, item_id, guid, title, link, canonical_link, "
    "published, updated, date_is_first_seen, author, summary, content, "
    "summary_text, content_text, categories, enclosures, language, content_hash, "
    "simhash, first_seen, cluster_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";

constexpr const char* kUpdateItem =
    "UPDATE item SET guid = ?3, title = ?4, link = ?5, canonical_link = ?6, "
    "published = ?7, updated = ?8, date_is_first_seen = ?9, author = ?10, "
    "summary = ?11, content = ?12, summary_text = ?13, content_text = ?14, "
    "categories = ?15, enclosures = ?16, language = ?17, content_hash = ?18, "
    "simhash = ?19 WHERE source_id = ?1 AND item_id = ?2";

constexpr const char* kItemColumns =
    "i.row_id, i.first_seen, i.source_id, i.item_id, i.guid, i.title, i.link, "
    "i.canonical_link, i.published, i.updated, i.date_is_first_seen, i.author, "
    "i.summary, i.content, i.summary_text, i.content_text, i.categories, "
    "i.enclosures, i.language, i.cluster_id";

constexpr const char* kSourceStateColumns =
    "source_id, etag, last_modified, last_attempt, last_success, last_outcome, "
    "last_error, last_status, consecutive_failures, items_new, feed_title, feed_link, "
    "last_bytes, last_elapsed_ms, items_seen, next_due, interval, moved_to, moved_from, "
    "gone, gone_url, scrape_pick, scrape_pick_was, found_feed, found_on, found_checked";

// Binds ?1..?19 of kInsertItem / kUpdateItem. The item's text is bound
// without a copy: `item` must outlive the statement's execution.
void BindItem(SQLite::Statement& st, const Item& item, UnixTime published, UnixTime updated,
              bool date_is_first_seen, std::int64_t hash, std::uint64_t simhash) {
  st.bindNoCopy(1, item.source_id);
  st.bindNoCopy(2, item.id);
  st.bindNoCopy(3, item.guid);
  st.bindNoCopy(4, item.title);
  st.bindNoCopy(5, item.link);
  st.bindNoCopy(6, item.canonical_link);
  st.bind(7, published);
  st.bind(8, updated);
  st.bind(9, date_is_first_seen ? 1 : 0);
  st.bindNoCopy(10, item.author);
  st.bindNoCopy(11, item.summary);
  st.bindNoCopy(12, item.content);
  st.bindNoCopy(13, item.summary_text);
  st.bindNoCopy(14, item.content_text);
  st.bind(15, EncodeCategories(item.categories));
  st.bind(16, EncodeEnclosures(item.enclosures));
  st.bindNoCopy(17, item.language);
  st.bind(18, hash);
  st.bind(19, static_cast<std::int64_t>(simhash));
}

// Reads kItemColumns; false when a list column is malformed.
bool ReadItem(SQLite::Statement& st, StoredItem& s) {
  s.row_id = st.getColumn(0).getInt64();
  s.first_seen = st.getColumn(1).getInt64();
  Item& it = s.item;
  it.source_id = st.getColumn(2).getString();
  it.id = st.getColumn(3).getString();
  it.guid = st.getColumn(4).getString();
  it.title = st.getColumn(5).getString();
  it.link = st.getColumn(6).getString();
  it.canonical_link = st.getColumn(7).getString();
  it.published = st.getColumn(8).getInt64();
  it.updated = st.getColumn(9).getInt64();
  it.date_is_first_seen = st.getColumn(10).getInt() != 0;
  it.author = st.getColumn(11).getString();
  it.summary = st.getColumn(12).getString();
  it.content = st.getColumn(13).getString();
  it.summary_text = st.getColumn(14).getString();
  it.content_text = st.getColumn(15).getString();
  it.language = st.getColumn(18).getString();
  s.cluster_id = st.getColumn(19).getInt64();
  return DecodeCategories(st.getColumn(16).getString(), it.categories) &&
         DecodeEnclosures(st.getColumn(17).getString(), it.enclosures);
}

SourceState ReadSourceState(SQLite::Statement& st) {
  SourceState s;
  s.source_id = st.getColumn(0).getString();
  s.etag = st.getColumn(1).getString();
  s.last_modified = st.getColumn(2).getString();
  s.last_attempt = st.getColumn(3).getInt64();
  s.last_success = st.getColumn(4).getInt64();
  s.last_outcome = st.getColumn(5).getString();
  s.last_error = st.getColumn(6).getString();
  s.last_status = static_cast<long>(st.getColumn(7).getInt64());
  s.consecutive_failures = st.getColumn(8).getInt();
  s.items_new = st.getColumn(9).getInt();
  s.feed_title = st.getColumn(10).getString();
  s.feed_link = st.getColumn(11).getString();
  s.last_bytes = st.getColumn(12).getInt64();
  s.last_elapsed_ms = st.getColumn(13).getInt64();
  s.items_seen = st.getColumn(14).getInt();
  s.next_due = st.getColumn(15).getInt64();
  s.interval = st.getColumn(16).getInt64();
  s.moved_to = st.getColumn(17).getString();
  s.moved_from = st.getColumn(18).getString();
  s.gone = st.getColumn(19).getInt() != 0;
  s.gone_url = st.getColumn(20).getString();
  s.scrape_pick = st.getColumn(21).getString();
  s.scrape_pick_was = st.getColumn(22).getString();
  s.found_feed = st.getColumn(23).getString();
  s.found_on = st.getColumn(24).getString();
  s.found_checked = st.getColumn(25).getInt64();
  return s;
}

// SQLite counts every allocation under a global mutex unless told not to,
// and redwire never reads the counts. The switch only works before SQLite
// initialises, so it is tried once, before the first connection; if some
// other code opened a database first, it is silently too late.
void DisableAllocationCounts() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

bool IsNotADatabase(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_NOTADB || e.getErrorCode() == SQLITE_CORRUPT;
}

void BackfillSearch(SQLite::Database& db) {
  SQLite::Statement read(db,
                         "SELECT row_id, title, summary_text, content_text FROM item");
  SQLite::Statement fts(db, "INSERT INTO item_fts (rowid, title, body) VALUES (?1, ?2, ?3)");
  SQLite::Statement hash(db, "UPDATE item SET simhash = ?2 WHERE row_id = ?1");
  while (read.executeStep()) {
    Item it;
    it.title = read.getColumn(1).getString();
    it.summary_text = read.getColumn(2).getString();
    it.content_text = read.getColumn(3).getString();
    const Folded f = FoldItem(it);
    const std::int64_t row_id = read.getColumn(0).getInt64();
    fts.bind(1, row_id);
    fts.bind(2, f.title);
    fts.bind(3, f.body);
    fts.exec();
    fts.reset();
    hash.bind(1, row_id);
    hash.bind(2, static_cast<std::int64_t>(f.simhash));
    hash.exec();
    hash.reset();
  }
}

// Reads the schema version, refusing files that are not ours, before
// anything could write.
Result<int> CheckedVersion(SQLite::Database& db, const std::string& path) {
  try {
    const int version = db.execAndGet("PRAGMA user_version").getInt();
    const int objects = db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    if (version == 0 && objects > 0) {
      return Error{
          fmt::format("store: {} is not a redwire database: it holds {} schema objects but no "
                      "redwire schema version",
                      path, objects)};
    }
    if (version > kSchemaVersion) {
      return Error{fmt::format("store: {} has schema version {}, newer than this redwire ({})",
                               path, version, kSchemaVersion)};
    }
    return version;
  } catch (const SQLite::Exception& e) {
    if (IsNotADatabase(e)) {
      return Error{fmt::format("store: {} is not a redwire database: {}", path, e.what())};
    }
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }
}

}  // namespace

struct Store::Impl {
  Impl(std::string path, SQLite::Database db) : path_(std::move(path)), db_(std::move(db)) {}

  // Fills the near-duplicate index with the window's fingerprints. Row ids
  // grow with first-seen time, so the walk stops at the window's edge.
  void LoadNearIndex(UnixTime now) {
    SQLite::Statement st(db_,
                         "SELECT row_id, source_id, published, first_seen, simhash FROM item "
                         "ORDER BY row_id DESC");
    std::vector<NearIndex::Entry> recent;
    while (st.executeStep()) {
      NearIndex::Entry e;
      e.first_seen = st.getColumn(3).getInt64();
      if (e.first_seen < now - kDedupWindow) break;
      e.simhash = static_cast<std::uint64_t>(st.getColumn(4).getInt64());
      if (e.simhash == 0) continue;
      e.row_id = st.getColumn(0).getInt64();
      e.source = SourceKey(st.getColumn(1).getString());
      e.published = st.getColumn(2).getInt64();
      recent.push_back(e);
    }
    for (auto it = recent.rbegin(); it != recent.rend(); ++it) near_.Add(*it);
  }

  // Upsert's statements, prepared on its first call and kept: preparing them
  // costs as much as writing a small feed.
  struct Writer {
    explicit Writer(SQLite::Database& db)
        : select(db, kSelectExisting),
          insert(db, kInsertItem),
          update(db, kUpdateItem),
          fts_insert(db, "INSERT INTO item_fts (rowid, title, body) VALUES (?1, ?2, ?3)"),
          fts_update(db, "UPDATE item_fts SET title = ?2, body = ?3 WHERE rowid = ?1"),
          same_link(db,
                    "SELECT row_id, cluster_id FROM item WHERE canonical_link = ?1 "
                    "AND canonical_link != '' AND source_id != ?2 "
                    "ORDER BY published, row_id LIMIT 1"),
          cluster_of(db, "SELECT cluster_id FROM item WHERE row_id = ?1"),
          found_cluster(db, "UPDATE item SET cluster_id = row_id WHERE row_id = ?1"),
          clear_topics(db, "DELETE FROM item_topic WHERE row_id = ?1"),
          add_topic(db,
                    "INSERT OR IGNORE INTO item_topic (row_id, topic_id, published) "
                    "VALUES (?1, ?2, ?3)") {}

    // After a failure, so that no statement holds on to the aborted
    // transaction.
    void ResetAll() noexcept {
      for (SQLite::Statement* st : {&select, &insert, &update, &fts_insert, &fts_update,
                                    &same_link, &cluster_of, &found_cluster, &clear_topics,
                                    &add_topic}) {
        st->tryReset();
      }
    }

    SQLite::Statement select, insert, update, fts_insert, fts_update, same_link, cluster_of,
        found_cluster, clear_topics, add_topic;
  };

  std::string path_;
  SQLite::Database db_;
  // Kept statements, declared after db_: finalised before it closes.
  std::optional<Writer> writer_;
  std::optional<SQLite::Statement> get_state_;  // GetSourceState's
  std::optional<SQLite::Statement> put_state_;  // PutSourceState's
  std::unique_ptr<Checkpointer> checkpointer_;  // the writer's; before db_ closes
  NearIndex near_;
  std::string prune_cursor_;  // the source Prune visits next
};

int Store::SchemaVersion() { return kSchemaVersion; }

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  std::optional<SQLite::Database> db;
  try {
    DisableAllocationCounts();
    // One thread at a time uses a Store, so the connection needs no mutex.
    db.emplace(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
    db->exec("PRAGMA busy_timeout=5000");
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }
  auto version = CheckedVersion(*db, path);
  if (!version.ok()) return version.error();

  try {
    // For a new database only (an existing one keeps its size). An item
    // row with its text is several KiB: at the default 4 KiB pages most rows
    // spill into overflow pages, half empty, and every commit writes them
    // twice (log, then checkpoint). 32 KiB pages ingest twice as fast and
    // re-read unchanged items twice as fast (bench/RESULTS.md, store).
    db->exec("PRAGMA page_size=32768");
    std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") {
      spdlog::warn("store: {}: journal mode is {}, not wal", path, mode);
    }
    db->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");

    if (version.value() < kSchemaVersion) {
      // All steps in one transaction: a crash mid-way leaves the old schema.
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process may have migrated while we waited for the write lock.
      const int from = db->execAndGet("PRAGMA user_version").getInt();
      for (int v = from; v < kSchemaVersion; ++v) {
        db->exec(kMigrations[static_cast<std::size_t>(v)]);
        if (v + 1 == kBackfillSearchVersion) BackfillSearch(*db);
      }
      db->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
      tx.commit();
      if (from < kSchemaVersion) {
        spdlog::info("store: {}: migrated schema from version {} to {}", path, from,
                     kSchemaVersion);
      }
    }
    auto impl = std::make_unique<Impl>(path, std::move(*db));
    impl->checkpointer_ = std::make_unique<Checkpointer>(impl->db_.getHandle(), path);
    impl->LoadNearIndex(Now());
    return std::unique_ptr<Store>(new Store(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }
}

Result<std::unique_ptr<Store>> Store::OpenReader(const std::string& path) {
  std::optional<SQLite::Database> db;
  try {
    db.emplace(path, SQLite::OPEN_READONLY);
    db->exec("PRAGMA busy_timeout=5000");
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: open {} for reading: {}", path, e.what())};
  }
  auto version = CheckedVersion(*db, path);
  if (!version.ok()) return version.error();
  if (version.value() != kSchemaVersion) {
    return Error{fmt::format(
        "store: {} has schema version {}; a writer must migrate it to {} before it is read",
        path, version.value(), kSchemaVersion)};
  }
  return std::unique_ptr<Store>(new Store(std::make_unique<Impl>(path, std::move(*db))));
}

Result<UpsertStats> Store::Upsert(const std::vector<Item>& items,
                                  const std::vector<std::vector<std::string>>& topics) {
  const UpsertBatch batch{items, topics};
  auto stats = UpsertMany(std::span<const UpsertBatch>(&batch, 1));
  if (!stats.ok()) return stats.error();
  return stats.value().front();
}

Result<std::vector<UpsertStats>> Store::UpsertMany(std::span<const UpsertBatch> batches) {
  std::vector<UpsertStats> out(batches.size());
  const Item* current = nullptr;
  for (const UpsertBatch& batch : batches) {
    if (batch.items.size() != batch.topics.size()) {
      return Error{fmt::format("store: upsert: {} items but {} topic lists", batch.items.size(),
                               batch.topics.size())};
    }
    if (!current && !batch.items.empty()) current = &batch.items.front();
  }
  if (!current) return out;

  SQLite::Database& db = impl_->db_;
  const UnixTime now = Now();
  // Fingerprints join the in-memory index as their rows are written, so a
  // copy later in the same batch finds them; a rollback takes them out again.
  NearIndex& near = impl_->near_;
  const std::uint64_t near_end = near.End();
  try {
    if (!impl_->writer_) impl_->writer_.emplace(db);
    Impl::Writer& w = *impl_->writer_;
    SQLite::Statement& select = w.select;
    SQLite::Statement& insert = w.insert;
    SQLite::Statement& update = w.update;
    SQLite::Statement& fts_insert = w.fts_insert;
    SQLite::Statement& fts_update = w.fts_update;
    SQLite::Statement& same_link = w.same_link;
    SQLite::Statement& cluster_of = w.cluster_of;
    SQLite::Statement& found_cluster = w.found_cluster;
    SQLite::Statement& clear_topics = w.clear_topics;
    SQLite::Statement& add_topic = w.add_topic;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);

    for (std::size_t b = 0; b < batches.size(); ++b) {
      const std::span<const Item> items = batches[b].items;
      const std::span<const std::vector<std::string>> topics = batches[b].topics;
      UpsertStats& stats = out[b];
      for (std::size_t i = 0; i < items.size(); ++i) {
        const Item& item = items[i];
        current = &item;
        const std::int64_t hash = ContentHash(item);

        select.bindNoCopy(1, item.source_id);
        select.bindNoCopy(2, item.id);
        std::int64_t row_id = 0;
        UnixTime published = item.published;
        bool date_is_first_seen = item.date_is_first_seen;
        if (select.executeStep()) {
          row_id = select.getColumn(0).getInt64();
          if (select.getColumn(1).getInt64() == hash) {
            select.reset();
            ++stats.unchanged;
            continue;
          }
          // An undated item keeps the date it was first seen with; only a real
          // date from the feed may move it.
          if (item.date_is_first_seen) {
            published = select.getColumn(2).getInt64();
            date_is_first_seen = select.getColumn(3).getInt() != 0;
          }
          select.reset();
          const Folded folded = FoldItem(item);
          BindItem(update, item, published, std::max(item.updated, now), date_is_first_seen, hash,
                   folded.simhash);
          update.exec();
          update.reset();
          fts_update.bind(1, row_id);
          fts_update.bindNoCopy(2, folded.title);
          fts_update.bindNoCopy(3, folded.body);
          fts_update.exec();
          fts_update.reset();
          ++stats.updated;
          spdlog::debug("store: upsert {}: item {} changed", item.source_id, item.id);
          clear_topics.bind(1, row_id);
          clear_topics.exec();
          clear_topics.reset();
          if (folded.simhash) {
            near.Add({row_id, SourceKey(item.source_id), published, now, folded.simhash});
          }
        } else {
          select.reset();
          const Folded folded = FoldItem(item);
          const std::uint64_t source_key = SourceKey(item.source_id);

          // The row this item duplicates: same canonical link, else the
          // closest near-duplicate text.
          std::int64_t twin = 0;
          std::int64_t cluster = 0;
          if (!item.canonical_link.empty()) {
            same_link.bindNoCopy(1, item.canonical_link);
            same_link.bindNoCopy(2, item.source_id);
            if (same_link.executeStep()) {
              twin = same_link.getColumn(0).getInt64();
              cluster = same_link.getColumn(1).getInt64();
            }
            same_link.reset();
          }
          if (!twin && folded.simhash) {
            twin = near.Find(folded.simhash, source_key, published);
            if (twin) {
              cluster_of.bind(1, twin);
              if (cluster_of.executeStep()) {
                cluster = cluster_of.getColumn(0).getInt64();
              } else {
                twin = 0;  // pruned since it was fingerprinted
              }
              cluster_of.reset();
            }
          }
          if (twin && !cluster) {
            found_cluster.bind(1, twin);
            found_cluster.exec();
            found_cluster.reset();
            cluster = twin;
          }

          BindItem(insert, item, published, item.updated, date_is_first_seen, hash, folded.simhash);
          insert.bind(20, now);
          insert.bind(21, cluster);
          insert.exec();
          insert.reset();
          row_id = db.getLastInsertRowid();
          fts_insert.bind(1, row_id);
          fts_insert.bindNoCopy(2, folded.title);
          fts_insert.bindNoCopy(3, folded.body);
          fts_insert.exec();
          fts_insert.reset();
          ++stats.inserted;
          if (cluster) {
            ++stats.clustered;
            spdlog::debug("store: upsert {}: item {} duplicates row {}", item.source_id, item.id,
                          twin);
          }
          if (folded.simhash) near.Add({row_id, source_key, published, now, folded.simhash});
        }

        for (const std::string& topic : topics[i]) {
          add_topic.bind(1, row_id);
          add_topic.bindNoCopy(2, topic);
          add_topic.bind(3, published);
          add_topic.exec();
          add_topic.reset();
        }
      }
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    if (impl_->writer_) impl_->writer_->ResetAll();
    near.Truncate(near_end);
    return Error{fmt::format("store: upsert {}: {}", current->source_id, e.what())};
  }
  near.Expire(now - kDedupWindow);
  return out;
}

Result<std::vector<StoredItem>> Store::Items(const Query& query) {
  std::string match;
  if (query.search) {
    auto fts = FtsQuery(*query.search);
    if (!fts.ok()) return Error{"store: search: " + fts.error().message};
    match = std::move(fts).value();
  }

  std::string sql = "SELECT ";
  sql += kItemColumns;
  // Each shape is written so that its ORDER BY matches one index and the
  // walk stops as soon as enough rows are read. A search walks the full-text
  // index from the newest stored row down (FTS5 reads its lists backwards
  // and stops there): sorting every match by date instead took 13 s for a
  // common word in a store of 1M items, on the loop that serves HTTP.
  if (query.search) {
    // With filters, only the newest kMaxSearchScan matches are joined, so a
    // filter that keeps few of them cannot make the walk read the store.
    if (query.topic || query.source || query.since) {
      sql += " FROM (SELECT rowid FROM item_fts WHERE item_fts MATCH :match ORDER BY rowid DESC LIMIT " +
             std::to_string(kMaxSearchScan) + ") f JOIN item i ON i.row_id = f.rowid WHERE 1";
    } else {
      sql += " FROM item_fts f JOIN item i ON i.row_id = f.rowid WHERE item_fts MATCH :match";
    }
    if (query.topic) {
      sql += " AND EXISTS (SELECT 1 FROM item_topic t WHERE t.row_id = i.row_id AND "
             "t.topic_id = :topic)";
    }
    if (query.source) sql += " AND i.source_id = :source";
    if (query.since) sql += " AND i.published >= :since";
    sql += " ORDER BY f.rowid DESC";
  } else if (query.topic) {
    sql += " FROM item_topic t JOIN item i ON i.row_id = t.row_id WHERE t.topic_id = :topic";
    if (query.source) sql += " AND i.source_id = :source";
    if (query.since) sql += " AND t.published >= :since";
    sql += " ORDER BY t.published DESC, t.row_id DESC";
  } else if (query.source) {
    sql += " FROM item i WHERE i.source_id = :source";
    if (query.since) sql += " AND i.published >= :since";
    sql += " ORDER BY i.published DESC, i.row_id DESC";
  } else {
    sql += " FROM item i";
    if (query.since) sql += " WHERE i.published >= :since";
    sql += " ORDER BY i.published DESC, i.row_id DESC";
  }
  const std::size_t limit =
      query.limit > 0 ? static_cast<std::size_t>(query.limit) : static_cast<std::size_t>(-1);

  std::vector<StoredItem> out;
  try {
    SQLite::Database& db = impl_->db_;
    SQLite::Statement st(db, sql);
    if (query.search) st.bind(":match", match);
    if (query.topic) st.bind(":topic", *query.topic);
    if (query.source) st.bind(":source", *query.source);
    if (query.since) st.bind(":since", query.since);
    SQLite::Statement topics(db,
                             "SELECT topic_id FROM item_topic WHERE row_id = ?1 "
                             "ORDER BY topic_id");
    SQLite::Statement members(db,
                              "SELECT row_id, source_id, link, title FROM item "
                              "WHERE cluster_id = ?1 AND cluster_id != 0 "
                              "ORDER BY published, row_id");
    SQLite::Statement one(db, std::string("SELECT ") + kItemColumns +
                                  " FROM item i WHERE i.row_id = ?1");
    std::unordered_set<std::int64_t> clusters_seen;
    auto malformed = [&](const StoredItem& s) {
      return Error{fmt::format("store: {}: item row {} ({} {}) has malformed list columns",
                               impl_->path_, s.row_id, s.item.source_id, s.item.id)};
    };

    // An unfiltered search stops after kMaxSearchScan matches too, however
    // many of them one-per-cluster drops.
    std::size_t budget = query.search ? kMaxSearchScan : static_cast<std::size_t>(-1);
    while (out.size() < limit && budget-- > 0 && st.executeStep()) {
      StoredItem s;
      if (!ReadItem(st, s)) return malformed(s);
      if (query.dedup && s.cluster_id != 0) {
        if (!clusters_seen.insert(s.cluster_id).second) continue;
        // The cluster's earliest member stands for it; the rest are via.
        std::int64_t first = 0;
        members.bind(1, s.cluster_id);
        while (members.executeStep()) {
          const std::int64_t row = members.getColumn(0).getInt64();
          if (!first) {
            first = row;
            continue;
          }
          s.via.push_back({members.getColumn(1).getString(), members.getColumn(2).getString(),
                           members.getColumn(3).getString()});
        }
        members.reset();
        if (first && first != s.row_id) {
          one.bind(1, first);
          if (one.executeStep()) {
            std::vector<Via> via = std::move(s.via);
            s = StoredItem{};
            if (!ReadItem(one, s)) return malformed(s);
            s.via = std::move(via);
          }
          one.reset();
        }
      }
      topics.bind(1, s.row_id);
      while (topics.executeStep()) s.topics.push_back(topics.getColumn(0).getString());
      topics.reset();
      out.push_back(std::move(s));
    }
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: items query on {}: {}", impl_->path_, e.what())};
  }
  if (query.dedup || query.search) {
    // A cluster sits where its representative's date puts it; the newest
    // stored matches of a search are shown by date.
    std::stable_sort(out.begin(), out.end(), [](const StoredItem& a, const StoredItem& b) {
      return a.item.published != b.item.published ? a.item.published > b.item.published
                                                  : a.row_id > b.row_id;
    });
  }
  return out;
}

Result<int> Store::Prune(UnixTime now,
                         const std::function<RetentionRule(const std::string&)>& rule_of,
                         int max_rows) {
  int deleted = 0;
  try {
    SQLite::Database& db = impl_->db_;
    // Sources are visited by skipping along the (source_id, ...) index.
    SQLite::Statement next_source(
        db, "SELECT source_id FROM item WHERE source_id >= ?1 ORDER BY source_id LIMIT 1");
    SQLite::Statement doomed(
        db,
        "SELECT row_id FROM (SELECT row_id, published, first_seen FROM item "
        "WHERE source_id = ?1 ORDER BY published DESC, row_id DESC LIMIT -1 OFFSET ?2) "
        "WHERE published < ?3 AND first_seen < ?3 LIMIT ?4");
    SQLite::Statement remove(db, "DELETE FROM item WHERE row_id = ?1");
    std::string cursor = impl_->prune_cursor_;
    bool wrapped = cursor.empty();
    while (deleted < max_rows) {
      next_source.bind(1, cursor);
      std::string source;
      const bool found = next_source.executeStep();
      if (found) source = next_source.getColumn(0).getString();
      next_source.reset();
      if (!found) {
        if (wrapped) {
          cursor.clear();
          break;
        }
        wrapped = true;
        cursor.clear();
        continue;
      }
      if (wrapped && !impl_->prune_cursor_.empty() && source >= impl_->prune_cursor_) {
        // Back where this call began: a whole round is done.
        cursor.clear();
        break;
      }
      const RetentionRule rule = rule_of(source);
      std::vector<std::int64_t> rows;
      doomed.bind(1, source);
      doomed.bind(2, std::max(0, rule.keep_min));
      doomed.bind(3, now - static_cast<UnixTime>(rule.keep_days) * 24 * 3600);
      doomed.bind(4, max_rows - deleted);
      while (doomed.executeStep()) rows.push_back(doomed.getColumn(0).getInt64());
      doomed.reset();
      if (!rows.empty()) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        for (std::int64_t row : rows) {
          remove.bind(1, row);
          remove.exec();
          remove.reset();
        }
        tx.commit();
        deleted += static_cast<int>(rows.size());
        spdlog::info("store: pruned {} items of {}", rows.size(), source);
      }
      if (deleted >= max_rows) {
        cursor = source;  // it may hold more
        break;
      }
      cursor = source + '\x01';  // the next source id after this one
    }
    impl_->prune_cursor_ = deleted >= max_rows ? cursor : std::string();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: prune on {}: {}", impl_->path_, e.what())};
  }
  return deleted;
}

Result<int> Store::ReclassifyRecent(
    UnixTime since, const std::function<std::vector<std::string>(const Item&)>& topics_of) {
  constexpr int kBatch = 250;
  int changed = 0;
  std::int64_t cursor = std::numeric_limits<std::int64_t>::max();
  while (cursor != 0) {
    auto changes = TopicChangesRecent(since, cursor, kBatch, topics_of, &cursor);
    if (!changes.ok()) return changes.error();
    if (changes->empty()) continue;
    if (auto applied = ApplyTopicChanges(changes.value()); !applied.ok()) return applied.error();
    changed += static_cast<int>(changes->size());
  }
  return changed;
}

Result<std::vector<Store::TopicChange>> Store::TopicChangesRecent(
    UnixTime since, std::int64_t before, int limit,
    const std::function<std::vector<std::string>(const Item&)>& topics_of, std::int64_t* next) {
  std::vector<TopicChange> changes;
  *next = 0;
  try {
    SQLite::Database& db = impl_->db_;
    // Row ids grow with first-seen time, so the walk goes down from the newest.
    SQLite::Statement batch(db, std::string("SELECT ") + kItemColumns +
                                    " FROM item i WHERE i.row_id < ?1 "
                                    "ORDER BY i.row_id DESC LIMIT ?2");
    SQLite::Statement current(db,
                              "SELECT topic_id FROM item_topic WHERE row_id = ?1 "
                              "ORDER BY topic_id");
    batch.bind(1, before);
    batch.bind(2, limit);
    int read = 0;
    std::int64_t last = 0;
    bool older = false;
    while (batch.executeStep()) {
      ++read;
      StoredItem s;
      if (!ReadItem(batch, s)) {
        return Error{fmt::format("store: {}: item row {} has malformed list columns", impl_->path_, s.row_id)};
      }
      last = s.row_id;
      if (s.first_seen < since) {
        older = true;
        break;
      }
      std::vector<std::string> want = topics_of(s.item);
      std::sort(want.begin(), want.end());
      want.erase(std::unique(want.begin(), want.end()), want.end());
      current.bind(1, s.row_id);
      std::vector<std::string> have;
      while (current.executeStep()) have.push_back(current.getColumn(0).getString());
      current.reset();
      if (want != have) changes.push_back({s.row_id, s.item.published, std::move(want)});
    }
    if (!older && read == limit) *next = last;
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: reclassify on {}: {}", impl_->path_, e.what())};
  }
  return changes;
}

Status Store::ApplyTopicChanges(const std::vector<TopicChange>& changes) {
  if (changes.empty()) return Ok{};
  try {
    SQLite::Database& db = impl_->db_;
    SQLite::Statement clear_topics(db, "DELETE FROM item_topic WHERE row_id = ?1");
    SQLite::Statement add_topic(db,
                                "INSERT OR IGNORE INTO item_topic (row_id, topic_id, published) "
                                "VALUES (?1, ?2, ?3)");
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const TopicChange& c : changes) {
      clear_topics.bind(1, c.row_id);
      clear_topics.exec();
      clear_topics.reset();
      for (const std::string& topic : c.topics) {
        add_topic.bind(1, c.row_id);
        add_topic.bind(2, topic);
        add_topic.bind(3, c.published);
        add_topic.exec();
        add_topic.reset();
      }
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: reclassify on {}: {}", impl_->path_, e.what())};
  }
  return Ok{};
}

Result<std::optional<SourceState>> Store::GetSourceState(const std::string& source_id) {
  std::optional<SQLite::Statement>& kept = impl_->get_state_;
  try {
    if (!kept) {
      kept.emplace(impl_->db_, std::string("SELECT ") + kSourceStateColumns +
                                   " FROM source_state WHERE source_id = ?1");
    }
    SQLite::Statement& st = *kept;
    st.reset();
    st.bind(1, source_id);
    std::optional<SourceState> out;
    if (st.executeStep()) out = ReadSourceState(st);
    st.reset();
    return out;
  } catch (const SQLite::Exception& e) {
    if (kept) kept->tryReset();
    return Error{fmt::format("store: source state {}: {}", source_id, e.what())};
  }
}

Status Store::PutSourceState(const SourceState& state) {
  std::optional<SQLite::Statement>& kept = impl_->put_state_;
  try {
    if (!kept) {
      kept.emplace(
          impl_->db_,
          std::string("INSERT INTO source_state (") + kSourceStateColumns +
              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
              "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) "
              "ON CONFLICT (source_id) DO UPDATE SET etag = excluded.etag, "
              "last_modified = excluded.last_modified, last_attempt = excluded.last_attempt, "
              "last_success = excluded.last_success, last_outcome = excluded.last_outcome, "
              "last_error = excluded.last_error, last_status = excluded.last_status, "
              "consecutive_failures = excluded.consecutive_failures, "
              "items_new = excluded.items_new, feed_title = excluded.feed_title, "
              "feed_link = excluded.feed_link, last_bytes = excluded.last_bytes, "
              "last_elapsed_ms = excluded.last_elapsed_ms, items_seen = excluded.items_seen, "
              "next_due = excluded.next_due, interval = excluded.interval, "
              "moved_to = excluded.moved_to, moved_from = excluded.moved_from, "
              "gone = excluded.gone, gone_url = excluded.gone_url, scrape_pick = excluded.scrape_pick, "
              "scrape_pick_was = excluded.scrape_pick_was, found_feed = excluded.found_feed, "
              "found_on = excluded.found_on, found_checked = excluded.found_checked");
    }
    SQLite::Statement& st = *kept;
    st.reset();
    st.bind(1, state.source_id);
    st.bind(2, state.etag);
    st.bind(3, state.last_modified);
    st.bind(4, state.last_attempt);
    st.bind(5, state.last_success);
    st.bind(6, state.last_outcome);
    st.bind(7, state.last_error);
    st.bind(8, static_cast<std::int64_t>(state.last_status));
    st.bind(9, state.consecutive_failures);
    st.bind(10, state.items_new);
    st.bind(11, state.feed_title);
    st.bind(12, state.feed_link);
    st.bind(13, state.last_bytes);
    st.bind(14, state.last_elapsed_ms);
    st.bind(15, state.items_seen);
    st.bind(16, state.next_due);
    st.bind(17, state.interval);
    st.bind(18, state.moved_to);
    st.bind(19, state.moved_from);
    st.bind(20, state.gone ? 1 : 0);
    st.bind(21, state.gone_url);
    st.bind(22, state.scrape_pick);
    st.bind(23, state.scrape_pick_was);
    st.bind(24, state.found_feed);
    st.bind(25, state.found_on);
    st.bind(26, state.found_checked);
    st.exec();
    st.reset();
  } catch (const SQLite::Exception& e) {
    if (kept) kept->tryReset();
    return Error{fmt::format("store: put source state {}: {}", state.source_id, e.what())};
  }
  return Ok{};
}

Result<std::vector<SourceState>> Store::AllSourceStates() {
  std::vector<SourceState> out;
  try {
    SQLite::Statement st(impl_->db_, std::string("SELECT ") + kSourceStateColumns +
                                         " FROM source_state ORDER BY source_id");
    while (st.executeStep()) out.push_back(ReadSourceState(st));
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: source states on {}: {}", impl_->path_, e.what())};
  }
  return out;
}

Result<std::int64_t> Store::CountItems() {
  try {
    return impl_->db_.execAndGet("SELECT count(*) FROM item").getInt64();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: count items on {}: {}", impl_->path_, e.what())};
  }
}

}  // namespace redwire::store
