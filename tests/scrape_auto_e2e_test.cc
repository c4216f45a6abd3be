// `scrape.auto = true` end to end: the real daemon polls a loopback page with
// no selectors written, publishes the list Suggest ranks first, and
// `redwire status` names the list it picked, then warns when a redesign of
// the page makes it pick another.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "support/child_process.h"
#include "support/fixture_server.h"
#include "support/http_client.h"
#include "support/scratch.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

using redwire::testing::FreePort;
using redwire::testing::ReadFile;
using redwire::testing::WaitFor;

// The body of a 200, else empty.
std::string Get(const std::string& url) {
  auto r = redwire::testing::HttpGet(url);
  return r.status == 200 ? r.body : "";
}

std::string Status(const fs::path& state) {
  return redwire::testing::RunToEnd(REDWIRE_BINARY, {"status", "--state", state.string()}).output;
}

}  // namespace

TEST_CASE("scrape auto = true: the daemon publishes the suggested list and status names it", "[e2e]") {
  const fs::path fixtures = fs::path(REDWIRE_FIXTURES) / "scrape" / "suggest";
  const std::string before = ReadFile(fixtures / "wordpress-dated-urls.html");
  const std::string after = ReadFile(fixtures / "custom-greek-day-groups.html");
  std::atomic<bool> redesigned{false};
  FixtureServer origin;
  origin.Route("/statements/", [&](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    r.body = redesigned ? after : before;
    return r;
  });

  redwire::testing::TempDir scratch("redwire-auto-e2e-");
  const fs::path dir = scratch.path;
  std::ofstream(dir / "config" / "sources.toml")
      << "[[source]]\nid = \"youth\"\nurl = \"" << origin.url("/statements/") << "\"\nevery = \"2s\"\n"
      << "allow_private = true\n[source.scrape]\nauto = true\n";
  const unsigned short port = FreePort();
  const fs::path log = dir / "daemon.log";
  redwire::testing::DaemonProcess daemon(REDWIRE_BINARY, dir / "config", dir / "state", port, log,
                                         {"--log-level", "debug"});
  const std::string base = daemon.url("");

  // The four statements, dated from their URLs.
  std::string atom;
  const bool published = WaitFor(
      [&] {
        atom = Get(base + "/sources/youth.atom");
        return atom.find("No to the new conscription law") != std::string::npos;
      },
      30s);
  INFO(ReadFile(log));
  REQUIRE(published);
  CHECK(atom.find("Solidarity with the striking students of the capital") != std::string::npos);
  CHECK(atom.find("2025-03-06T00:00:00Z") != std::string::npos);
  std::string status;
  REQUIRE(WaitFor([&] { return (status = Status(dir / "state")).find("auto: list 'div.post-item'") != std::string::npos; }, 10s));

  // The site is redesigned: another list ranks first, and status warns.
  redesigned = true;
  const bool warned = WaitFor(
      [&] {
        status = Status(dir / "state");
        return status.find("warning: auto list changed from 'div.post-item' to 'div.news-entry'") != std::string::npos;
      },
      20s);
  INFO(status);
  INFO(ReadFile(log));
  CHECK(warned);
  CHECK(ReadFile(log).find("scrape auto: the list picked changed from 'div.post-item' to 'div.news-entry'") !=
        std::string::npos);

  CHECK(daemon.Terminate(10s) >= 0);
}
