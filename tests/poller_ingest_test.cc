// The Ingester's group commit: feeds parsed in one turn of the event loop
// are stored in one transaction, each `done` reports its own feed once that
// commit is on disk, and one feed the store refuses costs the others nothing.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "daemon/ingest/ingest.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"

namespace fs = std::filesystem;
using redwire::app::IngestResult;
using redwire::app::Ingester;
using redwire::app::LiveConfig;
using redwire::config::Source;

namespace {

struct Dir {
  fs::path path = fs::temp_directory_path() /
                  ("redwire-ingest-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
};

// A party feed of `n` items titled "<prefix> 0", "<prefix> 1", ...
std::string Rss(const std::string& site, const std::string& prefix, int n) {
  std::string items;
  for (int i = 0; i < n; ++i) {
    const std::string link = "https://" + site + "/news/" + std::to_string(i);
    items += "<item><title>" + prefix + " " + std::to_string(i) + "</title><link>" + link + "</link><guid>" + link +
             "</guid><pubDate>Mon, 04 Mar 2024 10:0" + std::to_string(i % 10) +
             ":00 GMT</pubDate><description>Statement of the central committee.</description></item>";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>" + site +
         "</title><link>https://" + site + "/</link>" + items + "</channel></rss>";
}

redwire::fetch::Response Answer(const std::string& url, std::string body) {
  redwire::fetch::Response r;
  r.outcome = redwire::fetch::Outcome::kOk;
  r.status = 200;
  r.body = std::move(body);
  r.content_type = "application/rss+xml; charset=utf-8";
  r.final_url = url;
  return r;
}

std::shared_ptr<LiveConfig> Config(const std::vector<std::string>& ids) {
  auto config = std::make_shared<LiveConfig>();
  for (const std::string& id : ids) {
    Source source;
    source.id = id;
    source.name = id;
    source.url = "https://" + id + ".example/rss";
    source.lang = "en";
    config->catalog.sources.push_back(source);
  }
  return config;
}

std::int64_t Count(const std::string& path, const std::string& source) {
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  SQLite::Statement st(reader, "SELECT count(*) FROM item WHERE source_id = ?1");
  st.bind(1, source);
  st.executeStep();
  return st.getColumn(0).getInt64();
}

}  // namespace

TEST_CASE("feeds parsed in one loop turn are committed before each done reports its own", "[ingest]") {
  Dir dir;
  const std::string path = (dir.path / "rw.db").string();
  auto store = std::move(redwire::store::Store::Open(path).value());
  asio::io_context io;
  redwire::fetch::Fetcher fetcher(io, redwire::fetch::Options{});
  Ingester ingester(io, *store, fetcher);
  std::shared_ptr<const LiveConfig> config = Config({"kke", "pcp", "pce"});
  const std::map<std::string, int> sizes = {{"kke", 3}, {"pcp", 5}, {"pce", 1}};

  std::map<std::string, IngestResult> results;
  std::map<std::string, std::int64_t> visible;  // committed items when done ran
  for (const Source& source : config->catalog.sources) {
    const auto answer = Answer(source.url, Rss(source.id + ".example", source.id, sizes.at(source.id)));
    ingester.Ingest(config, source, answer, [&, id = source.id](IngestResult result) {
      visible[id] = Count(path, id);
      results[id] = std::move(result);
    });
  }
  CHECK(results.empty());  // stored later on the loop, all at once
  io.run();
  REQUIRE(results.size() == 3);
  for (const auto& [id, n] : sizes) {
    INFO(id);
    CHECK(results[id].error.empty());
    CHECK(results[id].items_seen == n);
    CHECK(results[id].stats.inserted == n);
    CHECK(results[id].meta.title == id + ".example");
    CHECK(visible[id] == n);
  }
}

TEST_CASE("a feed the store refuses costs the other feeds of its commit nothing", "[ingest]") {
  Dir dir;
  const std::string path = (dir.path / "rw.db").string();
  auto store = std::move(redwire::store::Store::Open(path).value());
  {
    // A trigger stands in for whatever makes the store refuse one feed.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(
        "CREATE TRIGGER poison BEFORE INSERT ON item WHEN NEW.title LIKE 'poison%' "
        "BEGIN SELECT RAISE(ABORT, 'poisoned item'); END");
  }
  asio::io_context io;
  redwire::fetch::Fetcher fetcher(io, redwire::fetch::Options{});
  Ingester ingester(io, *store, fetcher);
  std::shared_ptr<const LiveConfig> config = Config({"kke", "bad", "pcp"});
  std::map<std::string, IngestResult> results;
  for (const Source& source : config->catalog.sources) {
    const std::string prefix = source.id == "bad" ? "poison" : source.id;
    const auto answer = Answer(source.url, Rss(source.id + ".example", prefix, 2));
    ingester.Ingest(config, source, answer, [&, id = source.id](IngestResult r) { results[id] = std::move(r); });
  }
  io.run();
  REQUIRE(results.size() == 3);
  CHECK_THAT(results["bad"].error, Catch::Contains("poisoned item"));
  CHECK(results["kke"].error.empty());
  CHECK(results["kke"].stats.inserted == 2);
  CHECK(results["pcp"].stats.inserted == 2);
  CHECK(Count(path, "kke") == 2);
  CHECK(Count(path, "pcp") == 2);
  CHECK(Count(path, "bad") == 0);
}

TEST_CASE("feeds still waiting for their commit are stored when the ingester goes", "[ingest]") {
  Dir dir;
  const std::string path = (dir.path / "rw.db").string();
  auto store = std::move(redwire::store::Store::Open(path).value());
  asio::io_context io;
  redwire::fetch::Fetcher fetcher(io, redwire::fetch::Options{});
  std::shared_ptr<const LiveConfig> config = Config({"kke"});
  int done = 0;
  {
    Ingester ingester(io, *store, fetcher);
    const Source& source = config->catalog.sources.front();
    ingester.Ingest(config, source, Answer(source.url, Rss("kke.example", "kke", 4)), [&](IngestResult r) {
      CHECK(r.stats.inserted == 4);
      ++done;
    });
  }
  CHECK(done == 1);
  CHECK(Count(path, "kke") == 4);
  io.run();  // the flush it had posted finds nothing more to do
  CHECK(done == 1);
}
