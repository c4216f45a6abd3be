// Full-text search, filters, retention, reclassification and read
// connections, against real SQLite files.
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"

namespace fs = std::filesystem;
using redwire::Item;
using redwire::UnixTime;
using redwire::store::Query;
using redwire::store::RetentionRule;
using redwire::store::Store;
using redwire::store::StoredItem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("redwire-search-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Store> OpenOrFail(const std::string& path) {
  auto store = Store::Open(path);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(store).value();
}

Item Make(const std::string& source, const std::string& id, UnixTime published,
          const std::string& title, const std::string& text) {
  Item it;
  it.source_id = source;
  it.id = id;
  it.guid = id;
  it.title = title;
  it.summary_text = text;
  it.summary = "<p>" + text + "</p>";
  it.link = "https://example.org/" + source + "/" + id;
  it.canonical_link = it.link;
  it.published = published;
  it.updated = published;
  return it;
}

std::vector<std::string> Ids(Store& store, Query q) {
  auto items = store.Items(q);
  INFO((items.ok() ? std::string() : items.error().message));
  REQUIRE(items.ok());
  std::vector<std::string> out;
  for (const auto& s : items.value()) out.push_back(s.item.id);
  return out;
}

Query Search(const std::string& text) {
  Query q;
  q.search = text;
  q.limit = 0;
  return q;
}

using V = std::vector<std::string>;

// Items from several parties in their own languages.
void Fill(Store& store) {
  auto stats = store.Upsert(
      {Make("kke-el", "el1", 1000, "Αλληλεγγύη στην Κούβα",
            "Το ΚΚΕ καταδικάζει τον αποκλεισμό της Κούβας από τις ΗΠΑ."),
       Make("pce", "es1", 2000, "Solidaridad con Cuba",
            "El PCE exige el fin del bloqueo criminal contra Cuba."),
       Make("kke-en", "en1", 3000, "General strike on 28 February",
            "The KKE calls on workers to join the general strike."),
       Make("pcp", "pt1", 4000, "Greve geral na função pública",
            "O PCP saúda a greve dos trabalhadores da administração pública."),
       Make("kke-en", "en2", 5000, "Statement on the NATO summit",
            "The KKE condemns the decisions of the NATO summit and the war in Ukraine.")},
      {{"cuba"}, {"cuba"}, {"labour"}, {"labour"}, {"war"}});
  REQUIRE(stats.ok());
  REQUIRE(stats->inserted == 5);
}

}  // namespace

TEST_CASE("search matches words in title and text ignoring case and accents", "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Fill(*store);

  CHECK(Ids(*store, Search("cuba")) == V{"es1"});
  CHECK(Ids(*store, Search("κουβα")) == V{"el1"});   // "Κούβα"
  CHECK(Ids(*store, Search("ΚΟΎΒΑΣ")) == V{"el1"});  // "Κούβας"
  CHECK(Ids(*store, Search("funcao")) == V{"pt1"});  // "função"
  CHECK(Ids(*store, Search("strike")) == V{"en1"});
  CHECK(Ids(*store, Search("KKE")) == V{"en2", "en1"});  // newest first
  CHECK(Ids(*store, Search("kke nato")) == V{"en2"});    // all words
  CHECK(Ids(*store, Search("\"general strike\"")) == V{"en1"});
  CHECK(Ids(*store, Search("\"strike general\"")).empty());
  CHECK(Ids(*store, Search("greve OR strike")) == V{"pt1", "en1"});
  CHECK(Ids(*store, Search("kke -nato")) == V{"en1"});
  CHECK(Ids(*store, Search("bloq*")) == V{"es1"});
  CHECK(Ids(*store, Search("nothing-like-this")).empty());
}

TEST_CASE("search text never reaches FTS5 syntax", "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Fill(*store);
  // Operators, column filters and stray quotes are plain words here.
  for (const char* text : {"cuba AND", "title:cuba", "\"cuba", "cuba)", "NEAR(cuba bloqueo)",
                           "cuba^", "{title}: cuba", "*cuba", "cuba OR", "OR cuba"}) {
    auto items = store->Items(Search(text));
    INFO(text << ": " << (items.ok() ? std::string() : items.error().message));
    REQUIRE(items.ok());
  }
  // A term with punctuation inside is the phrase of its words.
  CHECK(Ids(*store, Search("title:cuba")).empty());
  CHECK(Ids(*store, Search("general-strike")) == V{"en1"});
}

TEST_CASE("a search with nothing to look for is refused with a reason", "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Fill(*store);
  for (const char* text : {"", "   ", "-nato", "«»", "-\"general strike\""}) {
    auto items = store->Items(Search(text));
    INFO(text);
    REQUIRE_FALSE(items.ok());
    CHECK_THAT(items.error().message, Catch::StartsWith("store: search: "));
  }
  auto huge = store->Items(Search(std::string(10000, 'a')));
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(huge.error().message, Catch::Contains("longer than"));
}

TEST_CASE("search combines with topic, source and date filters", "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Fill(*store);
  Query q = Search("kke");
  q.topic = "labour";
  CHECK(Ids(*store, q) == V{"en1"});
  q = Search("kke");
  q.source = "kke-el";
  CHECK(Ids(*store, q).empty());  // Greek text says ΚΚΕ, which folds to κκε
  q = Search("κκε");
  q.source = "kke-el";
  CHECK(Ids(*store, q) == V{"el1"});
  q = Search("kke");
  q.since = 4000;
  CHECK(Ids(*store, q) == V{"en2"});
  q = Search("kke");
  q.limit = 1;
  CHECK(Ids(*store, q) == V{"en2"});

  Query topic;
  topic.topic = "labour";
  topic.since = 3500;
  topic.limit = 0;
  CHECK(Ids(*store, topic) == V{"pt1"});
  Query all;
  all.since = 2000;
  all.limit = 0;
  CHECK(Ids(*store, all) == V{"en2", "pt1", "en1", "es1"});
}

TEST_CASE("a search takes the newest stored matches, shows them by date, and reads a bounded number",
          "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  // Stored in this order; published dates say otherwise (a feed that backfills).
  REQUIRE(store->Upsert({Make("pcp", "early", 5000, "Greve geral", "Greve na função pública.")}, {{}}).ok());
  std::vector<Item> strikes;
  for (std::size_t n = 0; n < redwire::store::kMaxSearchScan; ++n) {
    strikes.push_back(Make("kke-en", "s" + std::to_string(n), 1000 + static_cast<UnixTime>(n % 3000),
                           "Strike " + std::to_string(n), "Workers on strike, greve, huelga."));
  }
  REQUIRE(store->Upsert(strikes, std::vector<std::vector<std::string>>(strikes.size())).ok());

  // The 3 newest stored matches, shown newest published first.
  Query q = Search("strike");
  q.limit = 3;
  auto items = store->Items(q);
  REQUIRE(items.ok());
  REQUIRE(items->size() == 3);
  std::set<std::string> ids;
  for (const auto& s : items.value()) ids.insert(s.item.id);
  const std::size_t last = redwire::store::kMaxSearchScan - 1;
  CHECK(ids == std::set<std::string>{"s" + std::to_string(last), "s" + std::to_string(last - 1),
                                     "s" + std::to_string(last - 2)});
  CHECK(items->at(0).item.published >= items->at(1).item.published);
  CHECK(items->at(1).item.published >= items->at(2).item.published);

  // "greve" matches the pcp item too, but it is past the newest
  // kMaxSearchScan matches: a filter that keeps only it reads no further.
  q = Search("greve");
  q.source = "pcp";
  CHECK(Ids(*store, q).empty());
  q = Search("funcao");  // a word only it has is found at once
  CHECK(Ids(*store, q) == V{"early"});
}

TEST_CASE("an edited item is found by its new words only, a deleted one not at all",
          "[store][search]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Fill(*store);
  Item edited = Make("kke-en", "en2", 5000, "Statement on the NATO summit in Vilnius",
                     "The KKE condemns the decisions of the Vilnius summit.");
  REQUIRE(store->Upsert({edited}, {{"war"}})->updated == 1);
  CHECK(Ids(*store, Search("vilnius")) == V{"en2"});
  CHECK(Ids(*store, Search("ukraine")).empty());

  // Retention removes it from the index as well.
  auto pruned = store->Prune(
      Now() + 2 * 24 * 3600, [](const std::string&) { return RetentionRule{1, 0}; }, 100);
  REQUIRE(pruned.ok());
  CHECK(pruned.value() == 5);
  CHECK(Ids(*store, Search("vilnius")).empty());
  CHECK(Ids(*store, Search("kke")).empty());
}

TEST_CASE("retention keeps recent items and each source's newest keep_min", "[store][retention]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  const UnixTime now = Now();
  constexpr UnixTime kDay = 24 * 3600;
  // 30 items a day apart per source, the newest from yesterday.
  std::vector<Item> items;
  std::vector<std::vector<std::string>> topics;
  for (const std::string source : {"kke-en", "pcp", "solidnet"}) {
    for (int d = 1; d <= 30; ++d) {
      items.push_back(Make(source, source + "-" + std::to_string(d), now - d * kDay,
                           "Item " + std::to_string(d), "words for the search index"));
      topics.push_back({"t"});
    }
  }
  REQUIRE(store->Upsert(items, topics).ok());
  // first_seen is now for all of them: nothing is old enough yet.
  std::map<std::string, RetentionRule> rules = {{"kke-en", {10, 5}}, {"pcp", {10, 20}}};
  auto rule_of = [&](const std::string& source) {
    auto it = rules.find(source);
    return it != rules.end() ? it->second : RetentionRule{10, 3};
  };
  CHECK(store->Prune(now, rule_of, 1000).value() == 0);

  // Forty days later (first seen and published both old enough).
  const UnixTime later = now + 40 * kDay;
  // Small batches: each call deletes at most 7 and the total is the same.
  int total = 0;
  for (int round = 0; round < 100; ++round) {
    auto n = store->Prune(later, rule_of, 7);
    REQUIRE(n.ok());
    CHECK(n.value() <= 7);
    total += n.value();
    if (n.value() < 7) break;
  }
  CHECK(total == (30 - 5) + (30 - 20) + (30 - 3));

  auto count = [&](const std::string& source) {
    Query q;
    q.source = source;
    q.limit = 0;
    return Ids(*store, q);
  };
  CHECK(count("kke-en") == V{"kke-en-1", "kke-en-2", "kke-en-3", "kke-en-4", "kke-en-5"});
  CHECK(count("pcp").size() == 20);
  CHECK(count("solidnet").size() == 3);
  Query topic;
  topic.topic = "t";
  topic.limit = 0;
  CHECK(Ids(*store, topic).size() == 28);  // topic rows went with their items
  CHECK(store->Prune(later, rule_of, 7).value() == 0);

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT count(*) FROM item_topic").getInt() == 28);
  CHECK(raw.execAndGet("SELECT count(*) FROM item_fts").getInt() == 28);
  CHECK(raw.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("items first seen recently are kept even when their date is old", "[store][retention]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  const UnixTime now = Now();
  // A feed that backfills its archive: published years ago, first seen now.
  REQUIRE(store->Upsert({Make("kke-en", "old", now - 3 * 365 * 24 * 3600, "Archive", "text")},
                        {{}})
              .ok());
  CHECK(store->Prune(now + 3600, [](const std::string&) { return RetentionRule{30, 0}; }, 10)
            .value() == 0);
  CHECK(store->CountItems().value() == 1);
}

TEST_CASE("reclassification re-assigns topics of recent items only", "[store][reclassify]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  std::vector<Item> old_items;
  std::vector<std::vector<std::string>> topics;
  for (int i = 0; i < 5; ++i) {
    old_items.push_back(Make("a", "old" + std::to_string(i), 100 + i, "Cuba old", "cuba"));
    topics.push_back({"stale"});
  }
  REQUIRE(store->Upsert(old_items, topics).ok());
  {
    // Pretend those were first seen a month ago.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE item SET first_seen = first_seen - 30 * 86400");
  }
  const UnixTime since = Now() - 3600;
  std::vector<Item> fresh;
  topics.clear();
  for (int i = 0; i < 600; ++i) {  // more than one batch
    fresh.push_back(Make("b", "new" + std::to_string(i), 1000 + i,
                         i % 2 ? "Cuba solidarity" : "Strike", "text"));
    topics.push_back({"stale"});
  }
  REQUIRE(store->Upsert(fresh, topics).ok());

  auto changed = store->ReclassifyRecent(since, [](const Item& item) {
    std::vector<std::string> out;
    if (item.title.find("Cuba") != std::string::npos) out.push_back("cuba");
    if (item.title.find("Strike") != std::string::npos) out.push_back("labour");
    return out;
  });
  REQUIRE(changed.ok());
  CHECK(changed.value() == 600);
  auto topic = [&](const std::string& id) {
    Query q;
    q.topic = id;
    q.limit = 0;
    return Ids(*store, q).size();
  };
  CHECK(topic("cuba") == 300);
  CHECK(topic("labour") == 300);
  CHECK(topic("stale") == 5);  // the old items were not touched

  // Running it again changes nothing.
  auto again = store->ReclassifyRecent(since, [](const Item& item) {
    return std::vector<std::string>{item.title.find("Cuba") != std::string::npos ? "cuba"
                                                                                  : "labour"};
  });
  REQUIRE(again.ok());
  CHECK(again.value() == 0);
}

TEST_CASE("a reader sees committed writes and does not block the writer", "[store][reader]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto writer = OpenOrFail(path);
  auto opened = Store::OpenReader(path);
  INFO((opened.ok() ? std::string() : opened.error().message));
  REQUIRE(opened.ok());
  auto reader = std::move(opened).value();
  Fill(*writer);
  CHECK(reader->CountItems().value() == 5);
  CHECK(Ids(*reader, Search("cuba")) == V{"es1"});

  // A reader in the middle of a long query holds a read snapshot; the writer
  // still commits, and the reader's next query sees the write.
  Query all;
  all.limit = 0;
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    SQLite::Statement open_read(raw, "SELECT row_id FROM item");
    REQUIRE(open_read.executeStep());  // the snapshot is held while stepping
    auto stats = writer->Upsert({Make("x", "x1", 9000, "New", "text")}, {{}});
    REQUIRE(stats.ok());
    CHECK(stats->inserted == 1);
  }
  CHECK(Ids(*reader, all).front() == "x1");

  // Readers cannot write.
  auto write = reader->Upsert({Make("y", "y1", 1, "t", "t")}, {{}});
  CHECK_FALSE(write.ok());
}

TEST_CASE("a reader refuses a database the writer has not migrated", "[store][reader]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE item (x); PRAGMA user_version = 1");
  }
  auto reader = Store::OpenReader(path);
  REQUIRE_FALSE(reader.ok());
  CHECK_THAT(reader.error().message, Catch::Contains("a writer must migrate it"));
  CHECK_FALSE(Store::OpenReader(dir.File("missing.db")).ok());
}
