// The store as the running daemon exposes it: merged feeds with one entry per
// duplicate cluster (switchable per topic), /search as an Atom feed, the
// `redwire items` command and the retention keys. Real binary, real HTTP.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

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

redwire::testing::HttpResult Get(const std::string& url) { return redwire::testing::HttpGet(url); }

std::string Xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

struct Story {
  std::string guid, title, link, date, text;
};

// A fixture text: its first line is the title, the rest the body.
Story FromFixture(const std::string& name, std::string guid, std::string link, std::string date) {
  const std::string all = ReadFile(fs::path(REDWIRE_FIXTURES) / "store/dedup" / name);
  const std::size_t nl = all.find('\n');
  return {std::move(guid), all.substr(0, nl), std::move(link), std::move(date), all.substr(nl + 1)};
}

std::string Rss(const std::string& title, const std::vector<Story>& stories) {
  std::string rss = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>" +
                    Xml(title) + "</title><link>http://example.org/</link><description>d</description>\n";
  for (const Story& s : stories) {
    rss += "<item><guid isPermaLink=\"false\">" + Xml(s.guid) + "</guid><title>" + Xml(s.title) +
           "</title><link>" + Xml(s.link) + "</link><pubDate>" + s.date + "</pubDate><description>" +
           Xml(s.text) + "</description></item>\n";
  }
  return rss + "</channel></rss>\n";
}

struct Run {
  int code = -1;
  std::string out;
};

// The redwire binary with `args`; its stdout and exit code.
Run Redwire(const std::vector<std::string>& args) {
  redwire::testing::ChildOptions stdout_only;
  stdout_only.stderr_to_log = false;
  auto r = redwire::testing::RunToEnd(REDWIRE_BINARY, args, stdout_only);
  return {r.code, r.output};
}

struct Entry {
  std::string id, title, source_id;
  std::vector<std::string> via;
};

std::vector<Entry> Entries(const std::string& atom) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(atom.c_str()));
  std::vector<Entry> out;
  for (pugi::xml_node e : doc.child("feed").children("entry")) {
    Entry entry{e.child_value("id"), e.child_value("title"), e.child("source").child_value("id"), {}};
    for (pugi::xml_node link : e.children("link")) {
      if (std::string(link.attribute("rel").value()) == "via") entry.via.push_back(link.attribute("href").value());
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

TEST_CASE("merged feeds, /search and `redwire items` over the real daemon", "[store][daemon]") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  redwire::testing::FixtureServer origin;
  const Story kke = FromFixture("kke-cuba.txt", "kke-65", "https://inter.kke.gr/en/articles/65th/",
                                "Mon, 01 Jan 2024 10:00:00 GMT");
  const Story copy = FromFixture("solidnet-kke-cuba.txt", "sn-1001", "http://www.solidnet.org/article/kke-65th/",
                                 "Tue, 02 Jan 2024 09:00:00 GMT");
  const Story pcp = FromFixture("pcp-cuba.txt", "pcp-9", "https://www.pcp.pt/en/blockade",
                                "Wed, 03 Jan 2024 09:00:00 GMT");
  origin.Static("/kke.rss", "application/rss+xml", Rss("KKE", {kke}), "\"k1\"");
  origin.Static("/solidnet.rss", "application/rss+xml", Rss("Solidnet", {copy, pcp}), "\"s1\"");

  TempDir tmp;
  std::ofstream(tmp.path / "config" / "feeds.toml")
      << "[redwire]\nkeep_days = 3650\nkeep_min = 10\n\n"
         "[[source]]\nid = \"kke-en\"\nname = \"KKE\"\nurl = \"" << origin.url("/kke.rss")
      << "\"\nevery = \"1s\"\nallow_private = true\nkeep_days = 30\n\n"
         "[[source]]\nid = \"solidnet\"\nname = \"SolidNet\"\nurl = \"" << origin.url("/solidnet.rss")
      << "\"\nevery = \"1s\"\nallow_private = true\nkeep_min = 100\n\n"
         "[[topic]]\nid = \"cuba\"\ntitle = \"Cuba\"\nmatch = 'cuba*'\n\n"
         "[[topic]]\nid = \"cuba-every-copy\"\ntitle = \"Cuba, every copy\"\nmatch = 'cuba*'\ndedup = false\n";
  const unsigned short port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const pid_t daemon = fork();
  if (daemon == 0) {
    int fd = open((tmp.path / "log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(REDWIRE_BINARY, REDWIRE_BINARY, "run", "--config", (tmp.path / "config").c_str(), "--state",
          (tmp.path / "state").c_str(), "--listen", listen.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{daemon};

  std::vector<Entry> every_copy;
  for (int i = 0; i < 200 && every_copy.size() < 3; ++i) {
    std::this_thread::sleep_for(50ms);
    auto r = Get(base + "/topics/cuba-every-copy.atom");
    if (r.status == 200) every_copy = Entries(r.body);
  }
  INFO("daemon log:\n" << ReadFile(tmp.path / "log"));
  REQUIRE(every_copy.size() == 3);

  // One entry for the KKE statement, named after the party, the aggregator's
  // copy as rel="via"; the PCP statement on the same subject stays apart.
  auto merged = Entries(Get(base + "/topics/cuba.atom").body);
  REQUIRE(merged.size() == 2);
  const std::string kke_id = "urn:redwire:kke-en:kke-65";
  const Entry& statement = merged[0].id == kke_id ? merged[0] : merged[1];
  CHECK(statement.id == kke_id);
  CHECK(statement.source_id == origin.url("/kke.rss"));
  CHECK(statement.via == std::vector<std::string>{copy.link});
  CHECK(Entries(Get(base + "/all.atom").body).size() == 2);

  // A search is a feed a reader can subscribe to.
  auto found = Get(base + "/search?q=guant%C3%A1namo+blockade");
  REQUIRE(found.status == 200);
  auto hits = Entries(found.body);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].id == kke_id);
  CHECK(hits[0].via.size() == 1);
  CHECK(Entries(Get(base + "/search?q=portuguese&topic=cuba").body).size() == 1);
  CHECK(Entries(Get(base + "/search?q=portuguese&source=kke-en").body).empty());
  CHECK(Entries(Get(base + "/search?q=%22thirty+years%22+-portuguese").body).size() == 1);
  CHECK(Get(base + "/search?q=-cuba").status == 400);
  CHECK(Get(base + "/search").status == 400);
  CHECK(Get(base + "/search?q=%22%26%3C%3E").status == 400);  // no words in it
  auto odd = Get(base + "/search?q=cuba%3Cb%3E");
  REQUIRE(odd.status == 200);
  CHECK(odd.body.find("<b>") == std::string::npos);  // escaped in the feed title

  // The command line reads the same store while the daemon runs.
  const std::string state = (tmp.path / "state").string();
  auto listed = Redwire({"items", "--state", state, "--search", "GUANTÁNAMO", "--json"});
  CHECK(listed.code == 0);
  CHECK(listed.out.find("\"id\":\"kke-65\"") != std::string::npos);
  CHECK(listed.out.find("\"id\":\"sn-1001\"") != std::string::npos);
  CHECK(listed.out.find("\"id\":\"pcp-9\"") == std::string::npos);
  auto by_source = Redwire({"items", "--state", state, "--source", "solidnet"});
  CHECK(by_source.code == 0);
  CHECK(by_source.out.find("2024-01-03T09:00:00Z  solidnet  PCP condemns") == 0);
  CHECK(Redwire({"items", "--state", state, "--topic", "cuba", "--since", "2024-01-02"}).out.find("inter.kke.gr") ==
        std::string::npos);
  CHECK(Redwire({"items", "--state", state, "--since", "2099-01-01"}).code == 3);
  CHECK(Redwire({"items", "--state", state, "--since", "yesterday"}).code == 1);
  CHECK(Redwire({"items", "--state", state, "--search", "-cuba"}).code == 1);
  CHECK(Redwire({"items", "--state", (tmp.path / "nowhere").string()}).code == 1);
}

TEST_CASE("retention and dedup keys are checked like every other key", "[store][daemon]") {
  TempDir tmp;
  std::ofstream(tmp.path / "config" / "bad.toml")
      << "[redwire]\nkeep_days = 0\n\n[[source]]\nid = \"a\"\nurl = \"https://a.example/\"\nkeep_min = -1\n\n"
         "[[topic]]\nid = \"t\"\nmatch = 'x'\ndedup = \"yes\"\n";
  auto r = Redwire({"check", "--config", (tmp.path / "config").string()});
  CHECK(r.code == 1);
}
