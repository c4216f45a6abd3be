#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>

namespace redwire::store {
namespace {

// Each entry migrates the schema from version i to i + 1. Entries are never
// edited once released: a change is a new entry, so every existing database
// walks the same path.
constexpr std::array<const char*, 1> kMigrations = {
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
};

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

class Fnv1a64 {
 public:
  void Add(std::string_view s) {
    AddNumber(s.size());
    for (unsigned char c : s) Byte(c);
  }
  void AddNumber(std::uint64_t n) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(n >> (8 * i)));
  }
  std::uint64_t value() const { return h_; }

 private:
  void Byte(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::int64_t ContentHash(const Item& item) {
  Fnv1a64 h;
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

// --- Statements.

constexpr const char* kSelectExisting =
    "SELECT row_id, content_hash, published, date_is_first_seen FROM item "
    "WHERE source_id = ?1 AND item_id = ?2";

constexpr const char* kInsertItem =
    "INSERT INTO item (source_id, item_id, guid, title, link, canonical_link, "
    "published, updated, date_is_first_seen, author, summary, content, "
    "summary_text, content_text, categories, enclosures, language, content_hash, "
    "first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?14, ?15, ?16, ?17, ?18, ?19)";

constexpr const char* kUpdateItem =
    "UPDATE item SET guid = ?3, title = ?4, link = ?5, canonical_link = ?6, "
    "published = ?7, updated = ?8, date_is_first_seen = ?9, author = ?10, "
    "summary = ?11, content = ?12, summary_text = ?13, content_text = ?14, "
    "categories = ?15, enclosures = ?16, language = ?17, content_hash = ?18 "
    "WHERE source_id = ?1 AND item_id = ?2";

constexpr const char* kItemColumns =
    "i.row_id, i.first_seen, i.source_id, i.item_id, i.guid, i.title, i.link, "
    "i.canonical_link, i.published, i.updated, i.date_is_first_seen, i.author, "
    "i.summary, i.content, i.summary_text, i.content_text, i.categories, "
    "i.enclosures, i.language";

constexpr const char* kSourceStateColumns =
    "source_id, etag, last_modified, last_attempt, last_success, last_outcome, "
    "last_error, last_status, consecutive_failures, items_new, feed_title, feed_link";

// Binds ?1..?18 of kInsertItem / kUpdateItem.
void BindItem(SQLite::Statement& st, const Item& item, UnixTime published, UnixTime updated,
              bool date_is_first_seen, std::int64_t hash) {
  st.bind(1, item.source_id);
  st.bind(2, item.id);
  st.bind(3, item.guid);
  st.bind(4, item.title);
  st.bind(5, item.link);
  st.bind(6, item.canonical_link);
  st.bind(7, published);
  st.bind(8, updated);
  st.bind(9, date_is_first_seen ? 1 : 0);
  st.bind(10, item.author);
  st.bind(11, item.summary);
  st.bind(12, item.content);
  st.bind(13, item.summary_text);
  st.bind(14, item.content_text);
  st.bind(15, EncodeCategories(item.categories));
  st.bind(16, EncodeEnclosures(item.enclosures));
  st.bind(17, item.language);
  st.bind(18, hash);
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
  return s;
}

bool IsNotADatabase(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_NOTADB || e.getErrorCode() == SQLITE_CORRUPT;
}

}  // namespace

struct Store::Impl {
  Impl(std::string path, SQLite::Database db) : path_(std::move(path)), db_(std::move(db)) {}

  std::string path_;
  SQLite::Database db_;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  std::optional<SQLite::Database> db;
  try {
    db.emplace(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("PRAGMA busy_timeout=5000");
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }

  // Read the header and schema before anything that could write, so a file
  // that is not ours is refused untouched rather than "repaired".
  int version = 0;
  try {
    version = db->execAndGet("PRAGMA user_version").getInt();
    int objects = db->execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    if (version == 0 && objects > 0) {
      return Error{
          fmt::format("store: {} is not a redwire database: it holds {} schema objects but no "
                      "redwire schema version",
                      path, objects)};
    }
  } catch (const SQLite::Exception& e) {
    if (IsNotADatabase(e)) {
      return Error{fmt::format("store: {} is not a redwire database: {}", path, e.what())};
    }
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }
  if (version > kSchemaVersion) {
    return Error{fmt::format("store: {} has schema version {}, newer than this redwire ({})", path,
                             version, kSchemaVersion)};
  }

  try {
    std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") {
      spdlog::warn("store: {}: journal mode is {}, not wal", path, mode);
    }
    db->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");

    for (int v = version; v < kSchemaVersion; ++v) {
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process may have migrated while we waited for the write lock.
      if (db->execAndGet("PRAGMA user_version").getInt() > v) continue;
      db->exec(kMigrations[static_cast<std::size_t>(v)]);
      db->exec("PRAGMA user_version = " + std::to_string(v + 1));
      tx.commit();
      spdlog::info("store: {}: migrated schema to version {}", path, v + 1);
    }
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: open {}: {}", path, e.what())};
  }

  return std::unique_ptr<Store>(new Store(std::make_unique<Impl>(path, std::move(*db))));
}

Result<UpsertStats> Store::Upsert(const std::vector<Item>& items,
                                  const std::vector<std::vector<std::string>>& topics) {
  if (items.size() != topics.size()) {
    return Error{
        fmt::format("store: upsert: {} items but {} topic lists", items.size(), topics.size())};
  }
  UpsertStats stats;
  if (items.empty()) return stats;

  SQLite::Database& db = impl_->db_;
  const Item* current = &items.front();
  try {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement select(db, kSelectExisting);
    SQLite::Statement insert(db, kInsertItem);
    SQLite::Statement update(db, kUpdateItem);
    SQLite::Statement clear_topics(db, "DELETE FROM item_topic WHERE row_id = ?1");
    SQLite::Statement add_topic(db,
                                "INSERT OR IGNORE INTO item_topic (row_id, topic_id, published) "
                                "VALUES (?1, ?2, ?3)");
    const UnixTime now = Now();

    for (std::size_t i = 0; i < items.size(); ++i) {
      const Item& item = items[i];
      current = &item;
      const std::int64_t hash = ContentHash(item);

      select.bind(1, item.source_id);
      select.bind(2, item.id);
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
        BindItem(update, item, published, std::max(item.updated, now), date_is_first_seen, hash);
        update.exec();
        update.reset();
        ++stats.updated;
        spdlog::debug("store: upsert {}: item {} changed", item.source_id, item.id);
        clear_topics.bind(1, row_id);
        clear_topics.exec();
        clear_topics.reset();
      } else {
        select.reset();
        BindItem(insert, item, published, item.updated, date_is_first_seen, hash);
        insert.bind(19, now);
        insert.exec();
        insert.reset();
        row_id = db.getLastInsertRowid();
        ++stats.inserted;
      }

      for (const std::string& topic : topics[i]) {
        add_topic.bind(1, row_id);
        add_topic.bind(2, topic);
        add_topic.bind(3, published);
        add_topic.exec();
        add_topic.reset();
      }
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: upsert {}: {}", current->source_id, e.what())};
  }
  return stats;
}

Result<std::vector<StoredItem>> Store::Items(const Query& query) {
  std::string sql = "SELECT ";
  sql += kItemColumns;
  // Each shape is written so that its ORDER BY matches one index and LIMIT
  // stops the walk early.
  if (query.topic) {
    sql += " FROM item_topic t JOIN item i ON i.row_id = t.row_id WHERE t.topic_id = ?1";
    if (query.source) sql += " AND i.source_id = ?2";
    sql += " ORDER BY t.published DESC, t.row_id DESC";
  } else if (query.source) {
    sql += " FROM item i WHERE i.source_id = ?2 ORDER BY i.published DESC, i.row_id DESC";
  } else {
    sql += " FROM item i ORDER BY i.published DESC, i.row_id DESC";
  }
  sql += " LIMIT ?3";

  std::vector<StoredItem> out;
  try {
    SQLite::Database& db = impl_->db_;
    SQLite::Statement st(db, sql);
    if (query.topic) st.bind(1, *query.topic);
    if (query.source) st.bind(2, *query.source);
    st.bind(3, query.limit > 0 ? query.limit : -1);
    SQLite::Statement topics(db,
                             "SELECT topic_id FROM item_topic WHERE row_id = ?1 "
                             "ORDER BY topic_id");
    while (st.executeStep()) {
      StoredItem s;
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
      if (!DecodeCategories(st.getColumn(16).getString(), it.categories) ||
          !DecodeEnclosures(st.getColumn(17).getString(), it.enclosures)) {
        return Error{fmt::format("store: {}: item row {} ({} {}) has malformed list columns",
                                 impl_->path_, s.row_id, it.source_id, it.id)};
      }
      it.language = st.getColumn(18).getString();

      topics.bind(1, s.row_id);
      while (topics.executeStep()) s.topics.push_back(topics.getColumn(0).getString());
      topics.reset();
      out.push_back(std::move(s));
    }
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: items query on {}: {}", impl_->path_, e.what())};
  }
  return out;
}

Result<std::optional<SourceState>> Store::GetSourceState(const std::string& source_id) {
  try {
    SQLite::Statement st(impl_->db_, std::string("SELECT ") + kSourceStateColumns +
                                         " FROM source_state WHERE source_id = ?1");
    st.bind(1, source_id);
    if (!st.executeStep()) return std::optional<SourceState>();
    return std::optional<SourceState>(ReadSourceState(st));
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: source state {}: {}", source_id, e.what())};
  }
}

Status Store::PutSourceState(const SourceState& state) {
  try {
    SQLite::Statement st(
        impl_->db_,
        std::string("INSERT INTO source_state (") + kSourceStateColumns +
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
            "ON CONFLICT (source_id) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, last_attempt = excluded.last_attempt, "
            "last_success = excluded.last_success, last_outcome = excluded.last_outcome, "
            "last_error = excluded.last_error, last_status = excluded.last_status, "
            "consecutive_failures = excluded.consecutive_failures, "
            "items_new = excluded.items_new, feed_title = excluded.feed_title, "
            "feed_link = excluded.feed_link");
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
    st.exec();
  } catch (const SQLite::Exception& e) {
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
