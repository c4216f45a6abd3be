// `scrape.auto = true` end to end: the real daemon polls a loopback page with
// no selectors written, publishes the list Suggest ranks first, and
// `redwire status` names the list it picked, then warns when a redesign of
// the page makes it pick another.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <curl/curl.h>

#include "support/fixture_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string Get(const std::string& url) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status == 200 ? body : "";
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

unsigned short FreePort() {
  for (unsigned short port = 20000 + std::random_device{}() % 20000;; ++port) {
    CURL* curl = curl_easy_init();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 500L);
    const bool taken = curl_easy_perform(curl) == CURLE_OK;
    curl_easy_cleanup(curl);
    if (!taken) return port;
  }
}

std::string Status(const fs::path& state) {
  std::string command = std::string(REDWIRE_BINARY) + " status --state " + state.string() + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("scrape auto = true: the daemon publishes the suggested list and status names it", "[e2e]") {
  const fs::path fixtures = fs::path(REDWIRE_FIXTURES) / "scrape" / "suggest";
  const std::string before = Slurp(fixtures / "wordpress-dated-urls.html");
  const std::string after = Slurp(fixtures / "custom-greek-day-groups.html");
  std::atomic<bool> redesigned{false};
  FixtureServer origin;
  origin.Route("/statements/", [&](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    r.body = redesigned ? after : before;
    return r;
  });

  const fs::path dir = fs::temp_directory_path() / ("redwire-auto-e2e-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "config");
  std::ofstream(dir / "config" / "sources.toml")
      << "[[source]]\nid = \"youth\"\nurl = \"" << origin.url("/statements/") << "\"\nevery = \"2s\"\n"
      << "allow_private = true\n[source.scrape]\nauto = true\n";
  const unsigned short port = FreePort();
  const fs::path log = dir / "daemon.log";
  const pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    const std::string config = (dir / "config").string(), state = (dir / "state").string();
    execl(REDWIRE_BINARY, REDWIRE_BINARY, "run", "--config", config.c_str(), "--state", state.c_str(), "--listen",
          listen.c_str(), "--log-level", "debug", static_cast<char*>(nullptr));
    _exit(127);
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  // The four statements, dated from their URLs.
  std::string atom;
  const bool published = WaitFor(
      [&] {
        atom = Get(base + "/sources/youth.atom");
        return atom.find("No to the new conscription law") != std::string::npos;
      },
      30s);
  INFO(Slurp(log));
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
  INFO(Slurp(log));
  CHECK(warned);
  CHECK(Slurp(log).find("scrape auto: the list picked changed from 'div.post-item' to 'div.news-entry'") !=
        std::string::npos);

  kill(pid, SIGTERM);
  int code = 0;
  CHECK(WaitFor([&] { return waitpid(pid, &code, WNOHANG) == pid; }, 10s));
  fs::remove_all(dir);
}
