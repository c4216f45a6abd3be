// Crash safety: the real daemon ingests many generated feeds from a loopback
// origin and is killed with SIGKILL at random moments, again and again. After
// every kill the database must open, pass integrity_check, hold every item
// that was visible over HTTP before the kill, and hold no item twice.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <curl/curl.h>
#include <pugixml.hpp>

#include "support/child_process.h"
#include "support/fixture_server.h"
#include "support/http_client.h"
#include "support/scratch.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using redwire::testing::FreePort;
using redwire::testing::ReadFile;
using redwire::testing::TempDir;

constexpr int kSources = 40;
constexpr int kNewPerPoll = 25;   // each poll of a feed brings this many new items
constexpr int kFeedItems = 50;    // a feed lists its newest this many
#ifdef REDWIRE_SANITIZED
// Under ASan/UBSan (make test-asan, docs/hardening.md) the daemon starts and
// ingests several times slower: kills spread over 200-1800 ms often fell
// before its first commit, so fewer rounds kill later, still mid-ingest.
constexpr int kKills = 16;
constexpr int kKillAfterMs[] = {600, 3000};
#else
constexpr int kKills = 24;
constexpr int kKillAfterMs[] = {200, 1800};
#endif

// Body of a 200, or empty.
std::string Get(const std::string& url, long timeout_ms = 700) {
  redwire::testing::HttpOptions options;
  options.timeout_ms = timeout_ms;
  auto r = redwire::testing::HttpRequest(url, options);
  return r.status == 200 ? r.body : std::string();
}

class Daemon : public redwire::testing::DaemonProcess {
 public:
  Daemon(const fs::path& config, const fs::path& state, unsigned short port, const fs::path& log)
      : DaemonProcess(REDWIRE_BINARY, config, state, port, log, {"--log-level", "info"}) {}
  bool Alive() const { return Running(); }
};

// Words for generated statements, so items carry realistic text for the
// search index and the fingerprints.
const std::vector<std::string> kWords = {
    "workers", "strike",   "party",    "solidarity", "Cuba",      "blockade", "NATO",
    "war",     "people",   "union",    "struggle",   "peace",     "youth",    "congress",
    "wages",   "rights",   "Palestine", "imperialism", "monopolies", "government", "capital",
    "socialism", "federation", "demonstration", "statement", "committee", "central", "Κούβα",
    "αλληλεγγύη", "απεργία", "huelga", "greve", "trabajadores", "trabalhadores", "забастовка"};

std::string Statement(int source, int n) {
  std::mt19937 gen(static_cast<unsigned>(source * 1000003 + n));
  std::string text;
  for (int i = 0; i < 80; ++i) {
    if (i) text += ' ';
    text += kWords[gen() % kWords.size()];
  }
  return text;
}

// Item n of every source is published n minutes after 1 February 2024.
std::string PubDate(int n) {
  const std::time_t t = 1706745600 + static_cast<std::time_t>(n) * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// Feed `source` at its `poll`-th request: the newest kFeedItems items of
// the (poll + 1) * kNewPerPoll it has published so far.
std::string Feed(int source, int poll) {
  const int total = (poll + 1) * kNewPerPoll;
  std::string rss =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
      "<title>Party " + std::to_string(source) + "</title><link>http://party" +
      std::to_string(source) + ".example/</link><description>news</description>\n";
  for (int n = total - 1; n >= std::max(0, total - kFeedItems); --n) {
    const std::string id = "urn:crash:s" + std::to_string(source) + ":i" + std::to_string(n);
    rss += "<item><guid isPermaLink=\"false\">" + id + "</guid><title>Statement " +
           std::to_string(n) + " of party " + std::to_string(source) + "</title><link>http://party" +
           std::to_string(source) + ".example/news/" + std::to_string(n) +
           "</link><pubDate>" + PubDate(n) + "</pubDate><description>" + Statement(source, n) +
           "</description></item>\n";
  }
  return rss + "</channel></rss>\n";
}

// "urn:crash:s7:i123" is an item of source "party-7".
std::string SourceOf(const std::string& id) {
  const std::size_t s = id.find(":s") + 2;
  return "party-" + id.substr(s, id.find(':', s) - s);
}

// Entry ids of an Atom document.
std::vector<std::string> EntryIds(const std::string& atom) {
  std::vector<std::string> out;
  pugi::xml_document doc;
  if (!doc.load_string(atom.c_str())) return out;
  for (pugi::xml_node e : doc.child("feed").children("entry")) out.push_back(e.child_value("id"));
  return out;
}

}  // namespace

TEST_CASE("SIGKILL during heavy ingest loses no acknowledged item and duplicates none",
          "[crash]") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  redwire::testing::FixtureServer origin;
  std::vector<std::unique_ptr<std::atomic<int>>> polls;
  for (int s = 0; s < kSources; ++s) {
    polls.push_back(std::make_unique<std::atomic<int>>(0));
    std::atomic<int>* count = polls.back().get();
    origin.Route("/feed/" + std::to_string(s) + ".rss", [s, count](const auto&) {
      redwire::testing::FixtureResponse r;
      r.headers = {{"Content-Type", "application/rss+xml; charset=utf-8"}};
      r.body = Feed(s, count->fetch_add(1));
      return r;
    });
  }

  TempDir tmp;
  {
    std::ofstream sources(tmp.path / "config" / "sources.toml");
    sources << "[redwire]\nfeed_entries = 200\nhost_delay = \"0s\"\nper_host = 8\n\n";
    for (int s = 0; s < kSources; ++s) {
      sources << "[[source]]\nid = \"party-" << s << "\"\nname = \"Party " << s
              << "\"\nurl = \"" << origin.url("/feed/" + std::to_string(s) + ".rss")
              << "\"\nevery = \"1s\"\nmax_every = \"1s\"\nallow_private = true\n\n";
    }
    std::ofstream(tmp.path / "config" / "topics.toml")
        << "[[topic]]\nid = \"labour\"\ntitle = \"Labour\"\nmatch = 'strike OR huelga OR greve'\n";
  }
  const fs::path db_path = tmp.path / "state" / "redwire.db";
  const fs::path log = tmp.path / "redwire.log";

  std::mt19937 gen(std::random_device{}());
  std::set<std::string> acknowledged;
  std::int64_t last_count = 0;
  int grew = 0;
  for (int round = 0; round < kKills; ++round) {
    const unsigned short port = FreePort();
    Daemon daemon(tmp.path / "config", tmp.path / "state", port, log);
    // Everything the daemon serves before the kill counts as acknowledged.
    const auto kill_at = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::uniform_int_distribution<int>(kKillAfterMs[0], kKillAfterMs[1])(gen));
    std::set<std::string> seen;
    while (std::chrono::steady_clock::now() < kill_at) {
      const std::string path = gen() % 2 ? "/all.atom"
                                         : "/sources/party-" + std::to_string(gen() % kSources) +
                                               ".atom";
      for (const auto& id : EntryIds(Get(daemon.url(path)))) seen.insert(id);
      std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 100));
    }
    INFO("round " << round << "; daemon log:\n" << ReadFile(log).substr(0, 20000));
    REQUIRE(daemon.Alive());
    daemon.Kill();
    acknowledged.insert(seen.begin(), seen.end());

    // The database as the next start will find it.
    SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
    REQUIRE(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    const std::int64_t count = db.execAndGet("SELECT count(*) FROM item").getInt64();
    CHECK(db.execAndGet("SELECT count(*) FROM (SELECT item_id FROM item GROUP BY source_id, "
                        "item_id HAVING count(*) > 1)")
              .getInt64() == 0);
    CHECK(db.execAndGet("SELECT count(*) FROM item_fts").getInt64() == count);
    CHECK(db.execAndGet("SELECT count(*) FROM item_topic t LEFT JOIN item i USING (row_id) "
                        "WHERE i.row_id IS NULL")
              .getInt64() == 0);
    SQLite::Statement has(db,
                          "SELECT count(*) FROM item WHERE source_id = ?1 AND item_id = ?2");
    std::vector<std::string> missing;
    for (const auto& id : acknowledged) {
      has.bind(1, SourceOf(id));
      has.bind(2, id);
      REQUIRE(has.executeStep());
      if (has.getColumn(0).getInt64() != 1) missing.push_back(id);
      has.reset();
    }
    INFO(missing.size() << " acknowledged items missing, e.g. "
                        << (missing.empty() ? "" : missing.front()));
    CHECK(missing.empty());
    CHECK(count >= last_count);  // nothing committed was rolled back
    if (count > last_count) ++grew;
    last_count = count;
  }
  // The kills really fell during ingest, and HTTP really showed items.
  CHECK(grew >= kKills / 2);
  INFO(acknowledged.size() << " items acknowledged, " << last_count << " stored; log ends:\n"
                           << ReadFile(log).substr(ReadFile(log).size() > 6000 ? ReadFile(log).size() - 6000 : 0));
  CHECK(acknowledged.size() > 500);

  // A last clean start serves everything acknowledged, each item once.
  Daemon daemon(tmp.path / "config", tmp.path / "state", FreePort(), log);
  std::string all;
  for (int i = 0; i < 100 && all.empty(); ++i) {
    all = Get(daemon.url("/sources/party-0.atom"), 5000);
    std::this_thread::sleep_for(50ms);
  }
  const auto ids = EntryIds(all);
  INFO("daemon log:\n" << ReadFile(log).substr(0, 30000));
  REQUIRE_FALSE(ids.empty());
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
}
