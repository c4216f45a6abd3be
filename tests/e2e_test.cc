// End to end: the real `redwire` binary, a fixture origin on loopback serving
// an RSS and an Atom feed, a real SQLite file, and the merged feeds read back
// over HTTP and parsed with pugixml.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

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
using redwire::testing::HttpResult;
using redwire::testing::ReadFile;
using redwire::testing::TempDir;
using redwire::testing::WaitFor;

HttpResult Get(const std::string& url, const std::string& if_none_match = "") {
  if (if_none_match.empty()) return redwire::testing::HttpGet(url);
  return redwire::testing::HttpGet(url, {"If-None-Match: " + if_none_match});
}

// The daemon with debug logs, which the tests show when they fail.
class Daemon : public redwire::testing::DaemonProcess {
 public:
  Daemon(const fs::path& config, const fs::path& state, unsigned short port, const fs::path& log)
      : DaemonProcess(REDWIRE_BINARY, config, state, port, log, {"--log-level", "debug"}) {}
};

struct Entry {
  std::string id, title, source_id, source_title;
};

std::vector<Entry> Entries(const std::string& atom) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(atom.c_str()));
  pugi::xml_node feed = doc.child("feed");
  REQUIRE(std::string(feed.attribute("xmlns").value()) == "http://www.w3.org/2005/Atom");
  std::vector<Entry> out;
  for (pugi::xml_node e : feed.children("entry")) {
    out.push_back({e.child_value("id"), e.child_value("title"), e.child("source").child_value("id"),
                   e.child("source").child_value("title")});
  }
  return out;
}

void WriteConfig(const fs::path& dir, const redwire::testing::FixtureServer& origin) {
  std::ofstream(dir / "sources.toml") << "[[source]]\n"
                                         "id = \"kke-en\"\n"
                                         "name = \"Communist Party of Greece (KKE)\"\n"
                                         "url = \"" << origin.url("/kke.rss") << "\"\n"
                                         "every = \"1s\"\n"
                                         "allow_private = true\n\n"
                                         "[[source]]\n"
                                         "id = \"pcp\"\n"
                                         "name = \"Portuguese Communist Party\"\n"
                                         "url = \"" << origin.url("/pcp.atom") << "\"\n"
                                         "every = \"1s\"\n"
                                         "allow_private = true\n";
  std::ofstream(dir / "topics.toml") << R"toml(
[[topic]]
id    = "cuba-solidarity"
title = "Cuba solidarity"
match = 'cuba OR cuban* OR bloqueo OR κουβα*'

[[topic]]
id    = "war-and-nato"
title = "War and NATO"
match = 'nato OR war OR πολεμ*'
)toml";
}

}  // namespace

TEST_CASE("feeds in, merged topic feed out, 304 on re-poll, nothing lost on restart") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  redwire::testing::FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml; charset=utf-8",
                ReadFile(fs::path(REDWIRE_FIXTURES) / "e2e/kke.rss"), "\"kke-v1\"");
  origin.Static("/pcp.atom", "application/atom+xml",
                ReadFile(fs::path(REDWIRE_FIXTURES) / "e2e/pcp.atom"), "\"pcp-v1\"");
  TempDir tmp;
  WriteConfig(tmp.path / "config", origin);
  const unsigned short port = FreePort();

  // RSS guids that are not IRIs are published under urn:redwire:<source>:, as
  // Atom ids must be IRIs; Atom ids pass through unchanged.
  const std::set<std::string> cuba_ids = {"urn:redwire:kke-en:kke-2025-0301", "urn:redwire:kke-en:kke-2025-0102",
                                          "tag:pcp.pt,2025:note-101",
                                          "tag:pcp.pt,2025:note-102", "tag:pcp.pt,2025:note-104"};
  std::vector<Entry> all_before;
  {
    Daemon daemon(tmp.path / "config", tmp.path / "state", port, tmp.path / "log1");
    INFO(daemon.log());
    REQUIRE(daemon.WaitServing());
    REQUIRE(WaitFor([&] { return Entries(Get(daemon.url("/all.atom")).body).size() == 8; }, 15s));

    auto cuba = Get(daemon.url("/topics/cuba-solidarity.atom"));
    REQUIRE(cuba.status == 200);
    auto entries = Entries(cuba.body);
    std::set<std::string> ids;
    for (const auto& e : entries) ids.insert(e.id);
    CHECK(entries.size() == cuba_ids.size());
    CHECK(ids == cuba_ids);
    for (const auto& e : entries) {
      if (e.id.rfind("urn:redwire:kke-en:", 0) == 0) {
        CHECK(e.source_title == "Communist Party of Greece (KKE)");
        CHECK(e.source_id == origin.url("/kke.rss"));
      } else {
        CHECK(e.source_title == "Portuguese Communist Party");
        CHECK(e.source_id == origin.url("/pcp.atom"));
      }
    }
    // Newest first.
    REQUIRE(entries.size() >= 2);
    CHECK(entries.front().id == "tag:pcp.pt,2025:note-102");
    CHECK(entries.back().id == "urn:redwire:kke-en:kke-2025-0102");

    auto war = Entries(Get(daemon.url("/topics/war-and-nato.atom")).body);
    REQUIRE(war.size() == 1);
    CHECK(war[0].title == "Statement of the KKE on the NATO summit");

    // The second poll of each feed is conditional and answered 304.
    REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) >= 1 && origin.count("/pcp.atom", 304) >= 1; }, 10s));
    bool sent_validator = false;
    for (const auto& r : origin.requests()) {
      auto it = r.headers.find("if-none-match");
      if (r.target == "/kke.rss" && it != r.headers.end() && it->second == "\"kke-v1\"") sent_validator = true;
    }
    CHECK(sent_validator);

    // The front page links both sources and the topic's feeds; /status
    // tells each source's last outcome.
    auto index = Get(daemon.url("/"));
    CHECK(index.body.find("Communist Party of Greece (KKE)") != std::string::npos);
    CHECK(index.body.find("/topics/cuba-solidarity.atom") != std::string::npos);
    auto status = Get(daemon.url("/status"));
    CHECK(status.status == 200);
    CHECK(status.body.find("unchanged since the last fetch (HTTP 304)") != std::string::npos);

    // Our own feeds have validators too.
    REQUIRE_FALSE(cuba.etag.empty());
    auto again = Get(daemon.url("/topics/cuba-solidarity.atom"), cuba.etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());

    CHECK(Get(daemon.url("/nope")).status == 404);
    CHECK(Get(daemon.url("/topics/unknown.atom")).status == 404);

    all_before = Entries(Get(daemon.url("/all.atom")).body);
    CHECK(daemon.Terminate(5s) == 0);
  }
  {
    Daemon daemon(tmp.path / "config", tmp.path / "state", port, tmp.path / "log2");
    INFO(daemon.log());
    REQUIRE(daemon.WaitServing());
    auto after = Entries(Get(daemon.url("/all.atom")).body);
    REQUIRE(after.size() == all_before.size());
    for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].id == all_before[i].id);
    // Polls after the restart still say "not modified" and add nothing.
    const auto seen304 = origin.count("/kke.rss", 304);
    REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) > seen304; }, 10s));
    CHECK(Entries(Get(daemon.url("/all.atom")).body).size() == 8);
    CHECK(daemon.Terminate(5s) == 0);
  }
  SQLite::Database db((tmp.path / "state" / "redwire.db").string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM item").getInt() == 8);
  CHECK(db.execAndGet("SELECT count(DISTINCT source_id || ' ' || item_id) FROM item").getInt() == 8);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("an unreachable source fails with one clear line and the daemon keeps serving") {
  TempDir tmp;
  const unsigned short dead_port = FreePort();  // nothing listens here
  std::ofstream(tmp.path / "config" / "s.toml")
      << "[[source]]\nid = \"gone\"\nurl = \"http://127.0.0.1:" << dead_port
      << "/feed\"\nevery = \"1s\"\nallow_private = true\n\n"
         "[[source]]\nid = \"private\"\nurl = \"http://127.0.0.1:" << dead_port << "/feed\"\nevery = \"1s\"\n";
  const unsigned short port = FreePort();
  Daemon daemon(tmp.path / "config", tmp.path / "state", port, tmp.path / "log");
  REQUIRE(daemon.WaitServing());
  REQUIRE(WaitFor([&] {
    const std::string log = daemon.log();
    return log.find("gone:") != std::string::npos && log.find("private:") != std::string::npos;
  }, 10s));
  std::this_thread::sleep_for(2500ms);
  const std::string log = daemon.log();
  INFO(log);
  // Backoff: with every = 1s, 2.5 s more bring at most a couple of retries, not a loop.
  std::size_t failures = 0;
  for (std::size_t at = log.find("gone: "); at != std::string::npos; at = log.find("gone: ", at + 1)) ++failures;
  CHECK(failures >= 1);
  CHECK(failures <= 4);
  CHECK(log.find("blocked address 127.0.0.1") != std::string::npos);
  CHECK(Get(daemon.url("/")).status == 200);
  const std::string status = Get(daemon.url("/status")).body;
  CHECK(status.find("could not reach the server (DNS, connection or TLS)") != std::string::npos);
  CHECK(status.find("refused: the address is private or loopback") != std::string::npos);
  CHECK(status.find("2 sources: 0 working, 2 failing") != std::string::npos);
  CHECK(daemon.Terminate(5s) == 0);
}

TEST_CASE("redwire check reports config errors as file:line:col and exits 1") {
  TempDir tmp;
  std::ofstream(tmp.path / "config" / "bad.toml") << "[[topic]]\nid = \"t\"\nmatch = 'cuba OR (nato'\n";
  const std::string cmd = std::string(REDWIRE_BINARY) + " check --config " + (tmp.path / "config").string() +
                          " 2>" + (tmp.path / "err").string();
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 1);
  const std::string err = ReadFile(tmp.path / "err");
  INFO(err);
  CHECK(err.find("bad.toml:3:") != std::string::npos);
  CHECK(err.find("topic 't'") != std::string::npos);

  const std::string ok = std::string(REDWIRE_BINARY) + " check --config " + REDWIRE_SOURCE_DIR + "/feeds >/dev/null";
  CHECK(WEXITSTATUS(std::system(ok.c_str())) == 0);
}
