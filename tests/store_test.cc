// Store tests against real SQLite files in a temporary directory.
#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using redwire::Enclosure;
using redwire::Item;
using redwire::UnixTime;
using redwire::store::Query;
using redwire::store::SourceState;
using redwire::store::Store;
using redwire::store::StoredItem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("redwire-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
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

// Query with only the skeleton's three fields set (the rest default).
Query MakeQuery(std::optional<std::string> topic, std::optional<std::string> source, int limit) {
  Query q;
  q.topic = std::move(topic);
  q.source = std::move(source);
  q.limit = limit;
  return q;
}

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

Item MakeItem(const std::string& source, const std::string& id, UnixTime published) {
  Item it;
  it.source_id = source;
  it.guid = "guid-" + id;
  it.id = id;
  it.title = "Title " + id;
  it.link = "https://example.org/" + source + "/" + id;
  it.canonical_link = it.link;
  it.published = published;
  it.updated = published;
  it.summary = "<p>Summary of " + id + "</p>";
  it.summary_text = "Summary of " + id;
  it.language = "en";
  return it;
}

void CheckSameItem(const Item& got, const Item& want) {
  CHECK(got.source_id == want.source_id);
  CHECK(got.guid == want.guid);
  CHECK(got.id == want.id);
  CHECK(got.title == want.title);
  CHECK(got.link == want.link);
  CHECK(got.canonical_link == want.canonical_link);
  CHECK(got.published == want.published);
  CHECK(got.updated == want.updated);
  CHECK(got.date_is_first_seen == want.date_is_first_seen);
  CHECK(got.author == want.author);
  CHECK(got.summary == want.summary);
  CHECK(got.content == want.content);
  CHECK(got.summary_text == want.summary_text);
  CHECK(got.content_text == want.content_text);
  CHECK(got.categories == want.categories);
  REQUIRE(got.enclosures.size() == want.enclosures.size());
  for (std::size_t i = 0; i < want.enclosures.size(); ++i) {
    CHECK(got.enclosures[i].url == want.enclosures[i].url);
    CHECK(got.enclosures[i].type == want.enclosures[i].type);
    CHECK(got.enclosures[i].length == want.enclosures[i].length);
  }
  CHECK(got.language == want.language);
}

std::vector<StoredItem> QueryOrFail(Store& store, const Query& q) {
  auto items = store.Items(q);
  INFO((items.ok() ? std::string() : items.error().message));
  REQUIRE(items.ok());
  return items.value();
}

std::vector<std::string> Ids(const std::vector<StoredItem>& items) {
  std::vector<std::string> ids;
  for (const auto& s : items) ids.push_back(s.item.id);
  return ids;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("every item field round-trips, including non-Latin text and lists", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);

  Item greek = MakeItem("kke-gr", "https://www.kke.gr/article/1", 1709640000);
  greek.title = "Κομμουνιστικό Κόμμα Ελλάδας: αλληλεγγύη στην Κούβα";
  greek.author = "Ριζοσπάστης";
  greek.summary = "<p>Η &laquo;Κούβα&raquo; δεν είναι μόνη</p>";
  greek.content = "<div><p>Κείμενο με \"εισαγωγικά\" και \\ ανάστροφη κάθετο</p></div>";
  greek.summary_text = "Η «Κούβα» δεν είναι μόνη";
  greek.content_text = "Κείμενο με \"εισαγωγικά\" και \\ ανάστροφη κάθετο";
  greek.categories = {
      "Κούβα",  "Διεθνή", "", "with \"quote\", comma]", "tab\tnew\nline", "back\\slash \\n \\u0041",
      "emoji 🚩"};
  greek.enclosures = {{"https://www.kke.gr/media/ήχος.mp3", "audio/mpeg", 12345678901},
                      {"https://www.kke.gr/img/a.jpg", "", 0}};
  greek.language = "el";
  greek.updated = 1709643600;
  greek.date_is_first_seen = true;

  Item russian = MakeItem("kprf", "урок-1", 1709000000);
  russian.title = "КПРФ: Заявление Президиума ЦК";
  russian.canonical_link = "https://kprf.ru/party-live/cknews/1";
  russian.author = "Пресс-служба";
  russian.content = "<p>Товарищи!</p>";
  russian.content_text = "Товарищи!";
  russian.categories = {"Партия"};
  russian.language = "ru";

  Item bare;  // every optional field empty
  bare.source_id = "bare";
  bare.id = "x";

  const UnixTime before = Now();
  auto stats =
      store->Upsert({greek, russian, bare}, {{"cuba-solidarity", "anti-imperialism"}, {}, {}});
  const UnixTime after = Now();
  REQUIRE(stats.ok());
  CHECK(stats->inserted == 3);

  auto items = QueryOrFail(*store, Query{});
  REQUIRE(items.size() == 3);
  CheckSameItem(items[0].item, greek);
  CheckSameItem(items[1].item, russian);
  CheckSameItem(items[2].item, bare);
  CHECK(items[0].topics == std::vector<std::string>{"anti-imperialism", "cuba-solidarity"});
  CHECK(items[1].topics.empty());
  for (const auto& s : items) {
    CHECK(s.row_id > 0);
    CHECK(s.first_seen >= before);
    CHECK(s.first_seen <= after);
  }

  // The lists are stored as JSON that SQLite's own JSON functions read back.
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  SQLite::Statement valid(raw,
                          "SELECT count(*) FROM item WHERE json_valid(categories) AND "
                          "json_valid(enclosures)");
  REQUIRE(valid.executeStep());
  CHECK(valid.getColumn(0).getInt() == 3);
  SQLite::Statement cats(raw,
                         "SELECT j.value FROM item, json_each(item.categories) j "
                         "WHERE item.source_id = 'kke-gr' ORDER BY j.key");
  std::vector<std::string> from_sqlite;
  while (cats.executeStep()) from_sqlite.push_back(cats.getColumn(0).getString());
  CHECK(from_sqlite == greek.categories);
  CHECK(raw.execAndGet("SELECT json_extract(enclosures, '$[0].length') FROM item "
                       "WHERE source_id = 'kke-gr'")
            .getInt64() == 12345678901);
}

TEST_CASE("upserting the same items twice changes nothing", "[store]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  std::vector<Item> batch = {MakeItem("a", "1", 100), MakeItem("a", "2", 200),
                             MakeItem("b", "3", 300)};
  std::vector<std::vector<std::string>> topics = {{"t"}, {}, {"t", "u"}};

  auto first = store->Upsert(batch, topics);
  REQUIRE(first.ok());
  CHECK(first->inserted == 3);
  CHECK(first->updated == 0);
  CHECK(first->unchanged == 0);
  auto before = QueryOrFail(*store, Query{});

  auto second = store->Upsert(batch, topics);
  REQUIRE(second.ok());
  CHECK(second->inserted == 0);
  CHECK(second->updated == 0);
  CHECK(second->unchanged == 3);
  REQUIRE(store->CountItems().ok());
  CHECK(store->CountItems().value() == 3);

  auto after = QueryOrFail(*store, Query{});
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].row_id == before[i].row_id);
    CHECK(after[i].first_seen == before[i].first_seen);
    CHECK(after[i].topics == before[i].topics);
    CheckSameItem(after[i].item, before[i].item);
  }

  SECTION("a repeated id inside one batch is stored once") {
    auto dup = store->Upsert({MakeItem("c", "9", 900), MakeItem("c", "9", 900)}, {{}, {}});
    REQUIRE(dup.ok());
    CHECK(dup->inserted == 1);
    CHECK(dup->unchanged == 1);
    CHECK(store->CountItems().value() == 4);
  }
  SECTION("the same id under another source is another item") {
    auto other = store->Upsert({MakeItem("z", "1", 100)}, {{}});
    REQUIRE(other.ok());
    CHECK(other->inserted == 1);
    CHECK(store->CountItems().value() == 4);
  }
}

TEST_CASE("an edited item is updated in place with a bumped updated time", "[store]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Item original = MakeItem("kke-en", "guid-7", 1000);
  REQUIRE(store->Upsert({original, MakeItem("kke-en", "other", 500)}, {{}, {}}).ok());
  auto stored = QueryOrFail(*store, MakeQuery({}, {}, 1));
  REQUIRE(stored.size() == 1);

  Item edited = original;
  edited.title = "Corrected title";
  edited.content = "<p>Now with content</p>";
  const UnixTime before = Now();
  auto stats = store->Upsert({edited}, {{}});
  REQUIRE(stats.ok());
  CHECK(stats->inserted == 0);
  CHECK(stats->updated == 1);
  CHECK(stats->unchanged == 0);
  CHECK(store->CountItems().value() == 2);

  auto after = QueryOrFail(*store, MakeQuery({}, {}, 1));
  REQUIRE(after.size() == 1);
  CHECK(after[0].row_id == stored[0].row_id);
  CHECK(after[0].first_seen == stored[0].first_seen);
  CHECK(after[0].item.title == "Corrected title");
  CHECK(after[0].item.content == "<p>Now with content</p>");
  CHECK(after[0].item.published == 1000);
  CHECK(after[0].item.updated >= before);

  SECTION("an incoming updated time later than now is kept") {
    Item future = edited;
    future.summary = "<p>edited again</p>";
    future.updated = before + 86400;
    REQUIRE(store->Upsert({future}, {{}})->updated == 1);
    CHECK(QueryOrFail(*store, Query{})[0].item.updated == before + 86400);
  }
  SECTION("a new date alone is not an edit") {
    Item redated = edited;
    redated.published = 5000;
    redated.updated = 5000;
    auto again = store->Upsert({redated}, {{}});
    REQUIRE(again.ok());
    CHECK(again->unchanged == 1);
    CHECK(QueryOrFail(*store, Query{})[0].item.published == 1000);
  }
  SECTION("an undated item keeps the date it was first seen with") {
    Item undated = MakeItem("kke-en", "undated", 2000);
    undated.date_is_first_seen = true;
    REQUIRE(store->Upsert({undated}, {{"t"}})->inserted == 1);
    undated.published = 9000;  // the next fetch's first-seen guess
    undated.updated = 9000;
    undated.title = "Undated, edited";
    REQUIRE(store->Upsert({undated}, {{"t"}})->updated == 1);
    auto got = QueryOrFail(*store, MakeQuery("t", {}, 10));
    REQUIRE(got.size() == 1);
    CHECK(got[0].item.title == "Undated, edited");
    CHECK(got[0].item.published == 2000);
    CHECK(got[0].item.date_is_first_seen);
  }
}

TEST_CASE("queries filter by topic and source, order newest first and limit", "[store]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  // Inserted out of date order; "a2" and "b2" share a published time, so the
  // later row comes first.
  std::vector<Item> items = {MakeItem("a", "a1", 100), MakeItem("b", "b1", 400),
                             MakeItem("a", "a2", 300), MakeItem("b", "b2", 300),
                             MakeItem("a", "a3", 200)};
  std::vector<std::vector<std::string>> topics = {
      {"cuba"}, {"cuba", "labour"}, {"labour"}, {"cuba"}, {}};
  REQUIRE(store->Upsert(items, topics).ok());

  using V = std::vector<std::string>;
  CHECK(Ids(QueryOrFail(*store, Query{})) == V{"b1", "b2", "a2", "a3", "a1"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery({}, {}, 2))) == V{"b1", "b2"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery({}, {}, 0))).size() == 5);
  CHECK(Ids(QueryOrFail(*store, MakeQuery("cuba", {}, 50))) ==
        V{"b1", "b2", "a1"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery("cuba", {}, 2))) ==
        V{"b1", "b2"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery("labour", {}, 50))) ==
        V{"b1", "a2"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery({}, "a", 50))) ==
        V{"a2", "a3", "a1"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery({}, "a", 1))) == V{"a2"});
  CHECK(Ids(QueryOrFail(*store, MakeQuery("cuba", "a", 50))) == V{"a1"});
  CHECK(QueryOrFail(*store, MakeQuery("nothing", {}, 50)).empty());
  CHECK(QueryOrFail(*store, MakeQuery({}, "nobody", 50)).empty());

  auto cuba = QueryOrFail(*store, MakeQuery("cuba", {}, 1));
  REQUIRE(cuba.size() == 1);
  CHECK(cuba[0].topics == V{"cuba", "labour"});

  SECTION("a changed date moves the item in its topic feed too") {
    Item moved = items[0];
    moved.published = 1000;
    moved.title = "a1, re-dated and retitled";
    REQUIRE(store->Upsert({moved}, {{"cuba"}})->updated == 1);
    CHECK(Ids(QueryOrFail(*store, MakeQuery("cuba", {}, 50))) ==
          V{"a1", "b1", "b2"});
    CHECK(Ids(QueryOrFail(*store, Query{}))[0] == "a1");
  }
}

TEST_CASE("topic assignment is replaced when an item changes", "[store]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));
  Item item = MakeItem("s", "1", 100);
  REQUIRE(store->Upsert({item}, {{"a", "b", "a"}}).ok());
  CHECK(QueryOrFail(*store, Query{})[0].topics == std::vector<std::string>{"a", "b"});

  item.summary = "<p>changed</p>";
  REQUIRE(store->Upsert({item}, {{"c"}})->updated == 1);
  CHECK(QueryOrFail(*store, Query{})[0].topics == std::vector<std::string>{"c"});
  CHECK(QueryOrFail(*store, MakeQuery("a", {}, 50)).empty());
  CHECK(QueryOrFail(*store, MakeQuery("b", {}, 50)).empty());
  CHECK(QueryOrFail(*store, MakeQuery("c", {}, 50)).size() == 1);

  SECTION("an unchanged item keeps its topics") {
    REQUIRE(store->Upsert({item}, {{"d"}})->unchanged == 1);
    CHECK(QueryOrFail(*store, Query{})[0].topics == std::vector<std::string>{"c"});
  }
  SECTION("a change to no topics removes them all") {
    item.author = "someone";
    REQUIRE(store->Upsert({item}, {{}})->updated == 1);
    CHECK(QueryOrFail(*store, Query{})[0].topics.empty());
    CHECK(QueryOrFail(*store, MakeQuery("c", {}, 50)).empty());
  }
}

TEST_CASE("a failed upsert writes nothing", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  Item kept = MakeItem("kke-en", "kept", 100);
  REQUIRE(store->Upsert({kept}, {{"t"}}).ok());

  SECTION("mismatched lengths") {
    auto r = store->Upsert({MakeItem("kke-en", "new", 200)}, {});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("1 items but 0 topic lists"));
  }
  SECTION("an error part-way through the batch rolls the whole batch back") {
    {
      // A trigger stands in for any mid-transaction failure (disk full, I/O).
      SQLite::Database raw(path, SQLite::OPEN_READWRITE);
      raw.exec(
          "CREATE TRIGGER poison BEFORE INSERT ON item WHEN NEW.title = 'poison' "
          "BEGIN SELECT RAISE(ABORT, 'poisoned item'); END");
    }
    Item edited = kept;
    edited.title = "edited before the failure";
    Item poison = MakeItem("kke-en", "bad", 300);
    poison.title = "poison";
    auto r = store->Upsert({MakeItem("kke-en", "new", 200), edited, poison}, {{}, {"u"}, {}});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message,
               Catch::StartsWith("store: upsert kke-en: ") && Catch::Contains("poisoned item"));
  }
  CHECK(store->CountItems().value() == 1);
  auto items = QueryOrFail(*store, Query{});
  REQUIRE(items.size() == 1);
  CheckSameItem(items[0].item, kept);
  CHECK(items[0].topics == std::vector<std::string>{"t"});
}

TEST_CASE("several feeds upserted in one transaction keep their own stats", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  Item known = MakeItem("kke-en", "known", 100);
  REQUIRE(store->Upsert({known}, {{"t"}}).ok());

  Item edited = known;
  edited.title = "An edited title";
  const std::vector<Item> kke = {edited, MakeItem("kke-en", "new", 200)};
  const std::vector<std::vector<std::string>> kke_topics = {{"t"}, {"t"}};
  const std::vector<Item> pcp = {MakeItem("pcp", "a", 300), MakeItem("pcp", "b", 400)};
  const std::vector<std::vector<std::string>> pcp_topics = {{}, {"u"}};
  const std::vector<Item> none;
  const std::vector<std::vector<std::string>> no_topics;
  const std::vector<redwire::store::UpsertBatch> batches = {
      {kke, kke_topics}, {none, no_topics}, {pcp, pcp_topics}};
  auto stats = store->UpsertMany(batches);
  REQUIRE(stats.ok());
  REQUIRE(stats->size() == 3);
  CHECK((*stats)[0].inserted == 1);
  CHECK((*stats)[0].updated == 1);
  CHECK((*stats)[1].inserted + (*stats)[1].updated + (*stats)[1].unchanged == 0);
  CHECK((*stats)[2].inserted == 2);
  CHECK(store->CountItems().value() == 4);
  Query topic;
  topic.topic = "u";
  auto in_u = QueryOrFail(*store, topic);
  REQUIRE(in_u.size() == 1);
  CHECK(in_u[0].item.id == "b");

  SECTION("one bad batch writes none of them") {
    {
      SQLite::Database raw(path, SQLite::OPEN_READWRITE);
      raw.exec(
          "CREATE TRIGGER poison BEFORE INSERT ON item WHEN NEW.title = 'poison' "
          "BEGIN SELECT RAISE(ABORT, 'poisoned item'); END");
    }
    Item poison = MakeItem("solidnet", "bad", 500);
    poison.title = "poison";
    const std::vector<Item> good = {MakeItem("kke-en", "newer", 600)};
    const std::vector<Item> bad = {poison};
    const std::vector<std::vector<std::string>> one = {{}};
    const std::vector<redwire::store::UpsertBatch> mixed = {{good, one}, {bad, one}};
    auto failed = store->UpsertMany(mixed);
    REQUIRE_FALSE(failed.ok());
    CHECK_THAT(failed.error().message, Catch::StartsWith("store: upsert solidnet: "));
    CHECK(store->CountItems().value() == 4);
  }
  SECTION("a batch whose lists differ in length is refused before anything is written") {
    const std::vector<Item> more = {MakeItem("kke-en", "x", 700)};
    const std::vector<redwire::store::UpsertBatch> uneven = {{more, no_topics}};
    auto refused = store->UpsertMany(uneven);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("1 items but 0 topic lists"));
    CHECK(store->CountItems().value() == 4);
  }
}

TEST_CASE("a writer waits for another connection's write lock", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  CHECK(store->CountItems().value() == 0);

  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  std::optional<redwire::Result<redwire::store::UpsertStats>> result;
  std::thread writer([&] { result = store->Upsert({MakeItem("kke-en", "1", 1)}, {{}}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  other.exec("COMMIT");
  writer.join();
  REQUIRE(result.has_value());
  INFO((result->ok() ? std::string() : result->error().message));
  REQUIRE(result->ok());
  CHECK((*result)->inserted == 1);
}

TEST_CASE("closing and reopening keeps everything", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  std::vector<StoredItem> before;
  {
    auto store = OpenOrFail(path);
    Item a = MakeItem("kke-en", "1", 100);
    a.categories = {"Κούβα"};
    a.enclosures = {{"https://x.example/a.mp3", "audio/mpeg", 42}};
    REQUIRE(store->Upsert({a, MakeItem("pcp", "2", 200)}, {{"cuba"}, {"labour"}}).ok());
    SourceState s;
    s.source_id = "kke-en";
    s.etag = "\"abc\"";
    REQUIRE(store->PutSourceState(s).ok());
    before = QueryOrFail(*store, Query{});
  }
  int version_before = 0;
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    version_before = raw.execAndGet("PRAGMA user_version").getInt();
  }
  CHECK(version_before == Store::SchemaVersion());

  {
    auto store = OpenOrFail(path);
    auto after = QueryOrFail(*store, Query{});
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
      CHECK(after[i].row_id == before[i].row_id);
      CHECK(after[i].first_seen == before[i].first_seen);
      CHECK(after[i].topics == before[i].topics);
      CheckSameItem(after[i].item, before[i].item);
    }
    auto state = store->GetSourceState("kke-en");
    REQUIRE(state.ok());
    REQUIRE(state->has_value());
    CHECK((*state)->etag == "\"abc\"");
    // Reopening the same items finds them all unchanged.
    std::vector<Item> items;
    for (const auto& s : before) items.push_back(s.item);
    auto stats = store->Upsert(items, {{"cuba"}, {"labour"}});
    REQUIRE(stats.ok());
    CHECK(stats->unchanged == 2);
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == version_before);
}

TEST_CASE("a file that is not a redwire database is refused and left alone", "[store]") {
  TempDir dir;
  const std::string path = dir.File("garbage.db");

  SECTION("random bytes") {
    std::mt19937 gen(42);
    std::string bytes(8192, '\0');
    for (char& c : bytes) c = static_cast<char>(gen());
    std::ofstream(path, std::ios::binary) << bytes;
  }
  SECTION("a short text file") { std::ofstream(path, std::ios::binary) << "not a database\n"; }
  SECTION("another program's SQLite database") {
    SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
  }
  const std::string original = ReadBytes(path);
  REQUIRE_FALSE(original.empty());

  auto store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message,
             Catch::StartsWith("store: " + path + " is not a redwire database: "));
  CHECK(ReadBytes(path) == original);
  CHECK_FALSE(fs::exists(path + "-wal"));
}

TEST_CASE("a database from a newer redwire is refused", "[store]") {
  TempDir dir;
  const std::string path = dir.File("future.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE item (x); PRAGMA user_version = 999");
  }
  const std::string original = ReadBytes(path);

  auto store = Store::Open(path);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().message ==
        "store: " + path + " has schema version 999, newer than this redwire (" +
            std::to_string(Store::SchemaVersion()) + ")");
  CHECK(ReadBytes(path) == original);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 999);
}

TEST_CASE("an unopenable path is an error, not an exception", "[store]") {
  TempDir dir;
  auto store = Store::Open(dir.File("no/such/dir/rw.db"));
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::StartsWith("store: open "));
}

TEST_CASE("the database runs in WAL mode with the redwire schema", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  REQUIRE(store->Upsert({MakeItem("a", "1", 1)}, {{"t"}}).ok());

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  // Item rows of several KiB fit in 32 KiB pages without overflow pages.
  CHECK(raw.execAndGet("PRAGMA page_size").getInt() == 32768);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == Store::SchemaVersion());
  CHECK(raw.tableExists("item"));
  CHECK(raw.tableExists("item_topic"));
  CHECK(raw.tableExists("source_state"));
  // The topic feed query walks one index, with no sort step.
  SQLite::Statement plan(raw,
                         "EXPLAIN QUERY PLAN SELECT i.row_id FROM item_topic t JOIN item i "
                         "ON i.row_id = t.row_id WHERE t.topic_id = 'x' "
                         "ORDER BY t.published DESC, t.row_id DESC LIMIT 50");
  std::string details;
  while (plan.executeStep()) details += plan.getColumn(3).getString() + "\n";
  INFO(details);
  CHECK_THAT(details, Catch::Contains("item_topic_newest"));
  CHECK_THAT(details, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("the database stays intact through thousands of upserts", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  constexpr int kBatches = 30;
  constexpr int kPerBatch = 100;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Item> items;
    std::vector<std::vector<std::string>> topics;
    for (int i = 0; i < kPerBatch; ++i) {
      int n = b * kPerBatch + i;
      items.push_back(MakeItem("src-" + std::to_string(n % 7), std::to_string(n), n));
      topics.push_back({"topic-" + std::to_string(n % 5)});
    }
    auto stats = store->Upsert(items, topics);
    REQUIRE(stats.ok());
    REQUIRE(stats->inserted == kPerBatch);
  }
  // Edit every tenth item and re-send a batch unchanged.
  std::vector<Item> edits;
  std::vector<std::vector<std::string>> edit_topics;
  for (int n = 0; n < kBatches * kPerBatch; n += 10) {
    Item it = MakeItem("src-" + std::to_string(n % 7), std::to_string(n), n);
    it.title += " (edited)";
    edits.push_back(it);
    edit_topics.push_back({"edited"});
  }
  auto stats = store->Upsert(edits, edit_topics);
  REQUIRE(stats.ok());
  CHECK(stats->updated == kBatches * kPerBatch / 10);
  CHECK(store->CountItems().value() == kBatches * kPerBatch);
  CHECK(QueryOrFail(*store, MakeQuery("edited", {}, 0)).size() ==
        static_cast<std::size_t>(kBatches * kPerBatch / 10));
  CHECK(QueryOrFail(*store, MakeQuery("topic-1", {}, 0)).size() ==
        static_cast<std::size_t>(kBatches * kPerBatch / 5));

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA integrity_check").getString() == "ok");
  SQLite::Statement fk(raw, "PRAGMA foreign_key_check");
  CHECK_FALSE(fk.executeStep());
}

TEST_CASE("the write-ahead log is copied into the database file while the writer runs", "[store]") {
  TempDir dir;
  const std::string path = dir.File("rw.db");
  auto store = OpenOrFail(path);
  const auto empty = fs::file_size(path);
  // About 8 MB of items: well past the 1000 pages (4 MB) that ask for a
  // checkpoint. Only a checkpoint writes to the database file itself.
  const std::string text(2000, 'x');
  for (int b = 0; b < 40; ++b) {
    std::vector<Item> items;
    std::vector<std::vector<std::string>> topics;
    for (int i = 0; i < 100; ++i) {
      Item it = MakeItem("src", std::to_string(b * 100 + i), b * 100 + i);
      it.content = text + std::to_string(i);
      items.push_back(std::move(it));
      topics.push_back({});
    }
    REQUIRE(store->Upsert(items, topics).ok());
  }
  // The copy runs on its own thread: wait for it, the store still open.
  bool copied = false;
  for (int i = 0; i < 200 && !copied; ++i) {
    copied = fs::file_size(path) > empty + 4'000'000;
    if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO("database file " << fs::file_size(path) << " bytes, log "
                        << fs::file_size(path + "-wal") << " bytes");
  CHECK(copied);
  CHECK(store->CountItems().value() == 4000);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("source state round-trips and is updated in place", "[store]") {
  TempDir dir;
  auto store = OpenOrFail(dir.File("rw.db"));

  auto missing = store->GetSourceState("kke-en");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  SourceState s;
  s.source_id = "kke-en";
  s.etag = "W/\"5f-ξ\"";
  s.last_modified = "Tue, 05 Mar 2024 10:00:00 GMT";
  s.last_attempt = 1709632800;
  s.last_success = 1709632700;
  s.last_outcome = "ok";
  s.last_error = "";
  s.last_status = 200;
  s.consecutive_failures = 0;
  s.items_new = 12;
  s.feed_title = "KKE — International news";
  s.feed_link = "https://inter.kke.gr/en/";
  s.last_bytes = 183'456;
  s.last_elapsed_ms = 742;
  s.items_seen = 20;
  s.next_due = 1709634600;
  s.interval = 5400;
  s.moved_to = "https://inter.kke.gr/en/rss.xml";
  s.moved_from = "https://inter.kke.gr/en/";
  s.gone = true;
  s.gone_url = "https://old.kke.gr/feed";
  REQUIRE(store->PutSourceState(s).ok());

  auto CheckSame = [](const SourceState& got, const SourceState& want) {
    CHECK(got.source_id == want.source_id);
    CHECK(got.etag == want.etag);
    CHECK(got.last_modified == want.last_modified);
    CHECK(got.last_attempt == want.last_attempt);
    CHECK(got.last_success == want.last_success);
    CHECK(got.last_outcome == want.last_outcome);
    CHECK(got.last_error == want.last_error);
    CHECK(got.last_status == want.last_status);
    CHECK(got.consecutive_failures == want.consecutive_failures);
    CHECK(got.items_new == want.items_new);
    CHECK(got.feed_title == want.feed_title);
    CHECK(got.feed_link == want.feed_link);
    CHECK(got.last_bytes == want.last_bytes);
    CHECK(got.last_elapsed_ms == want.last_elapsed_ms);
    CHECK(got.items_seen == want.items_seen);
    CHECK(got.next_due == want.next_due);
    CHECK(got.interval == want.interval);
    CHECK(got.moved_to == want.moved_to);
    CHECK(got.moved_from == want.moved_from);
    CHECK(got.gone == want.gone);
    CHECK(got.gone_url == want.gone_url);
  };
  auto got = store->GetSourceState("kke-en");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CheckSame(**got, s);

  s.last_attempt = 1709640000;
  s.last_outcome = "http-error";
  s.last_error = "HTTP 503 Service Unavailable";
  s.last_status = 503;
  s.consecutive_failures = 3;
  s.interval = 10800;
  s.next_due = 1709650800;
  s.moved_to.clear();
  s.moved_from.clear();
  s.gone = false;
  s.gone_url.clear();
  REQUIRE(store->PutSourceState(s).ok());
  got = store->GetSourceState("kke-en");
  REQUIRE(got->has_value());
  CheckSame(**got, s);

  SourceState b;
  b.source_id = "pcp";
  SourceState a;
  a.source_id = "akel";
  a.last_outcome = "not-modified";
  REQUIRE(store->PutSourceState(b).ok());
  REQUIRE(store->PutSourceState(a).ok());
  auto all = store->AllSourceStates();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].source_id == "akel");
  CHECK((*all)[0].last_outcome == "not-modified");
  CHECK((*all)[1].source_id == "kke-en");
  CheckSame((*all)[1], s);
  CHECK((*all)[2].source_id == "pcp");
}

TEST_CASE("a database made by the first release is migrated and keeps its data", "[store]") {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(ReadBytes(std::string(REDWIRE_FIXTURES) + "/store/v1-schema.sql"));
    raw.exec(
        "INSERT INTO source_state VALUES ('kke-en', '\"e1\"', 'Tue, 05 Mar 2024 10:00:00 GMT', "
        "1709632800, 1709632700, 'ok', '', 200, 0, 4, 'KKE', 'https://inter.kke.gr/en/');"
        "INSERT INTO item VALUES (1, 'kke-en', 'a1', 'a1', 'Statement', 'https://x/a1', "
        "'https://x/a1', 100, 100, 0, '', '<p>s</p>', '', 's', '', '[]', '[]', 'en', 7, 90);"
        "INSERT INTO item_topic VALUES (1, 'cuba', 100);"
        "PRAGMA user_version = 1;");
  }
  auto store = OpenOrFail(path);
  auto state = store->GetSourceState("kke-en");
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  const SourceState& s = **state;
  CHECK(s.etag == "\"e1\"");
  CHECK(s.items_new == 4);
  CHECK(s.feed_link == "https://inter.kke.gr/en/");
  // Columns the first release did not have start at their neutral values.
  CHECK(s.last_bytes == 0);
  CHECK(s.next_due == 0);
  CHECK(s.interval == 0);
  CHECK(s.moved_to.empty());
  CHECK_FALSE(s.gone);

  auto items = QueryOrFail(*store, MakeQuery("cuba", {}, 0));
  REQUIRE(items.size() == 1);
  CHECK(items[0].item.title == "Statement");
  CHECK(items[0].first_seen == 90);

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == Store::SchemaVersion());
  CHECK(raw.execAndGet("PRAGMA integrity_check").getString() == "ok");
}
