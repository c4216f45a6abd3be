// Operations: the real `redwire` binary as systemd runs it. sd_notify
// datagrams arrive on a NOTIFY_SOCKET the test binds, a listening socket is
// passed as fd 3 with LISTEN_FDS, configs are reloaded by SIGHUP and by
// inotify, SIGTERM is timed, the units go through `systemd-analyze verify`
// and the .deb is built with cpack and installed into a scratch root.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <curl/curl.h>

#include "support/child_process.h"
#include "support/fixture_server.h"
#include "support/http_client.h"
#include "support/scratch.h"

extern char** environ;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::testing::FixtureServer;

namespace {

using redwire::testing::FreePort;
using redwire::testing::HttpResult;
using redwire::testing::ReadFile;
using redwire::testing::TempDir;
using redwire::testing::WaitFor;

HttpResult Get(const std::string& url) { return redwire::testing::HttpGet(url); }
// A POST without a body, as `curl -X POST` sends, with extra header lines.
HttpResult Post(const std::string& url, const std::vector<std::string>& headers = {}) {
  return redwire::testing::HttpPost(url, headers);
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// A listening TCP socket on 127.0.0.1 with a free port; the caller owns the fd.
int ListeningSocket(unsigned short& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(fd, 16) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port = ntohs(address.sin_port);
  return fd;
}

// The binary as a child process, with `env` added and `pass_fd` as fd 3.
class Child : public redwire::testing::ChildProcess {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env, const fs::path& log,
        int pass_fd = -1)
      : ChildProcess(REDWIRE_BINARY, args, log, redwire::testing::ChildOptions{env, pass_fd}) {}
};

// Runs the binary to completion; returns its exit status and output.
int RunToEnd(const std::vector<std::string>& args, std::string& output,
             const std::vector<std::string>& env = {}) {
  auto r = redwire::testing::RunToEnd(REDWIRE_BINARY, args, redwire::testing::ChildOptions{env});
  output = r.output;
  return r.code;
}

// A NOTIFY_SOCKET: an AF_UNIX datagram socket bound in a temp path.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/redwire-notify-" + std::to_string(std::random_device{}());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  // Every datagram received so far, in order.
  const std::vector<std::string>& messages() {
    Drain(0);
    return messages_;
  }
  // Waits until a datagram has a line equal to `line` (or starting with it
  // when it ends in '='), counting from message number `from`.
  bool WaitLine(const std::string& line, std::chrono::milliseconds limit, std::size_t from = 0) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      for (std::size_t i = from; i < messages_.size(); ++i) {
        if (HasLine(messages_[i], line)) return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      Drain(static_cast<int>(left.count()));
    }
  }
  static bool HasLine(const std::string& message, const std::string& line) {
    std::istringstream in(message);
    for (std::string l; std::getline(in, l);) {
      if (line.back() == '=' ? l.rfind(line, 0) == 0 : l == line) return true;
    }
    return false;
  }
  std::size_t CountLine(const std::string& line) {
    Drain(0);
    std::size_t n = 0;
    for (const auto& m : messages_) n += HasLine(m, line) ? 1 : 0;
    return n;
  }

 private:
  void Drain(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0) {
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      messages_.emplace_back(buf, static_cast<std::size_t>(n));
      timeout_ms = 0;
    }
  }
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

const std::string kKke = ReadFile(fs::path(REDWIRE_FIXTURES) / "e2e/kke.rss");
const std::string kPcp = ReadFile(fs::path(REDWIRE_FIXTURES) / "e2e/pcp.atom");

std::string SourceToml(const std::string& id, const std::string& url, const std::string& every = "2s") {
  return "[[source]]\nid = \"" + id + "\"\nname = \"Source " + id + "\"\nurl = \"" + url + "\"\nevery = \"" + every +
         "\"\nallow_private = true\n\n";
}

const char* kNatoTopic = "[[topic]]\nid = \"war-and-nato\"\ntitle = \"War and NATO\"\nmatch = 'nato'\n";

void Write(const fs::path& file, const std::string& text) {
  // Written beside and renamed, as editors save: the daemon never sees half a file.
  const fs::path tmp = file.parent_path() / ("." + file.filename().string() + ".tmp");
  std::ofstream(tmp) << text;
  fs::rename(tmp, file);
}

std::vector<std::string> RunArgs(const TempDir& tmp, unsigned short port) {
  return {"run", "--config", tmp.config().string(), "--state", tmp.state().string(),
          "--listen", "127.0.0.1:" + std::to_string(port), "--log-level", "debug"};
}

std::string Url(unsigned short port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

}  // namespace

TEST_CASE("command line: help, per-command help, version and usage errors") {
  std::string out;
  REQUIRE(RunToEnd({"--help"}, out) == 0);
  for (const char* command : {"run", "check", "status"}) CHECK(out.find(std::string("  ") + command) != std::string::npos);
  CHECK(out.find("--log-level") != std::string::npos);

  REQUIRE(RunToEnd({"help", "check"}, out) == 0);
  CHECK(out.rfind("usage: redwire check --config DIR", 0) == 0);
  std::string same;
  REQUIRE(RunToEnd({"check", "--help"}, same) == 0);
  CHECK(same == out);
  REQUIRE(RunToEnd({"status", "-h"}, out) == 0);
  CHECK(out.rfind("usage: redwire status", 0) == 0);

  REQUIRE(RunToEnd({"--version"}, out) == 0);
  CHECK(std::regex_match(out, std::regex("redwire [0-9]+\\.[0-9]+\\.[0-9]+\n")));

  CHECK(RunToEnd({}, out) == 2);
  CHECK(RunToEnd({"frobnicate"}, out) == 2);
  CHECK(out.find("unknown command 'frobnicate'") != std::string::npos);
  CHECK(RunToEnd({"check"}, out) == 2);
  CHECK(out.find("--config is required") != std::string::npos);
  CHECK(RunToEnd({"check", "--config"}, out) == 2);
  CHECK(RunToEnd({"check", "--config", "x", "--state", "y"}, out) == 2);
  CHECK(out.find("unknown option --state") != std::string::npos);
  CHECK(RunToEnd({"help", "nope"}, out) == 2);
  CHECK(RunToEnd({"check", "--config", REDWIRE_SOURCE_DIR "/feeds", "--log-level", "loud"}, out) == 2);
  CHECK(out.find("unknown log level 'loud'") != std::string::npos);
}

TEST_CASE("check validates the shipped feeds and lists every error with file:line:col") {
  std::string out;
  REQUIRE(RunToEnd({"check", "--config", REDWIRE_SOURCE_DIR "/feeds"}, out) == 0);
  CHECK(out.find(": ok") != std::string::npos);

  TempDir tmp;
  std::ofstream(tmp.config() / "a.toml") << SourceToml("dup", "https://example.org/a.rss")
                                         << "[[source]]\nid = \"bad\"\nname = \"x\"\nurl = \"ftp://example.org/\"\n";
  std::ofstream(tmp.config() / "b.toml") << SourceToml("dup", "https://example.org/b.rss", "soon");
  REQUIRE(RunToEnd({"check", "--config", tmp.config().string()}, out) == 1);
  INFO(out);
  const std::string a = (tmp.config() / "a.toml").string();
  const std::string b = (tmp.config() / "b.toml").string();
  CHECK(out.find(a + ":11:7: source 'bad': url must be") != std::string::npos);
  CHECK(out.find(b + ":5:9: source 'dup': bad interval 'soon'") != std::string::npos);
  CHECK(out.find(b + ":1:1: duplicate source id 'dup', first defined at " + a + ":1:1") != std::string::npos);

  // Topic rules are checked too, each error pointing into the rule text.
  fs::remove(tmp.config() / "a.toml");
  std::ofstream(tmp.config() / "b.toml") << SourceToml("dup", "https://example.org/b.rss")
                                         << "[[topic]]\nid = \"t\"\ntitle = \"T\"\nmatch = 'cuba AND ('\n"
                                         << "[[topic]]\nid = \"u\"\ntitle = \"U\"\nmatch = 'OR x'\n";
  REQUIRE(RunToEnd({"check", "--config", tmp.config().string()}, out) == 1);
  INFO(out);
  CHECK(out.find(b + ":11:20: topic 't': expected a term after (") != std::string::npos);
  CHECK(out.find(b + ":15:10: topic 'u': expected a term before OR") != std::string::npos);

  // Every error of every file at once, in file and line order: source
  // errors, each bad selector of one scrape table and each bad rule, also
  // inside multi-line ''' and """ strings and after escapes. A file with a
  // TOML syntax error stops at it; the other files are still read.
  fs::remove(tmp.config() / "b.toml");
  const std::string c = (tmp.config() / "c.toml").string();
  const std::string d = (tmp.config() / "d.toml").string();
  const std::string e = (tmp.config() / "e.toml").string();
  std::ofstream(c) << "[[source]]\nid = \"kke\"\nurl = \"https://inter.kke.gr/en/\"\nevery = \"5q\"\n"
                      "\n[source.scrape]\nitem = \"div..x\"\ntitle = \"h2 >> a\"\nlink = \"h2 a @href\"\n"
                      "\n[[source]]\nid = \"pcp\"\nurll = \"https://www.pcp.pt/\"\n";
  std::ofstream(d) << "[[topic]]\nid = \"cuba\"\ntitle = \"Cuba\"\nmatch = '''\ncuba OR\n  κούβα AND (bloqueo\n'''\n"
                      "\n[[topic]]\nid = \"nato\"\ntitle = \"NATO\"\nmatch = \"nato \\u00e9 AND OR x\"\n"
                      "\n[[topic]]\nid = \"ml\"\ntitle = \"ML\"\nmatch = \"\"\"\nnato \\\n   AND OR lenin\"\"\"\n"
                      "\n[[topic]]\nid = \"sources\"\ntitle = \"S\"\nsources = [\"nope\"]\n";
  std::ofstream(e) << "[[source]]\nid = \"x\"\nurl = \"https://example.org/\"\nname = \"unterminated\n";
  REQUIRE(RunToEnd({"check", "--config", tmp.config().string()}, out) == 1);
  INFO(out);
  const std::vector<std::string> expected = {
      c + ":4:9: source 'kke': bad interval '5q'",
      c + ":7:13: source 'kke': scrape item: ",
      c + ":8:14: source 'kke': scrape title: ",
      c + ":11:1: missing key 'url'",
      c + ":13:1: unknown key 'urll'",
      d + ":6:13: topic 'cuba': unbalanced (: no matching )",
      d + ":12:26: topic 'nato': expected a term after AND",
      d + ":19:8: topic 'ml': expected a term after AND",
      d + ":21:1: topic 'sources': unknown source 'nope'",
      e + ":4:",
  };
  std::size_t at = 0;
  for (const auto& line : expected) {
    INFO(line);
    const std::size_t found = out.find(line, at);
    CHECK(found != std::string::npos);
    if (found != std::string::npos) at = found;
  }
  CHECK(Count(out, "\n") == expected.size());
}

TEST_CASE("systemd units pass systemd-analyze verify and carry the required settings") {
  REQUIRE(system("command -v systemd-analyze >/dev/null") == 0);
  TempDir tmp;
  const std::string service = ReadFile(fs::path(REDWIRE_SOURCE_DIR) / "systemd/redwire.service");
  const std::string socket = ReadFile(fs::path(REDWIRE_SOURCE_DIR) / "systemd/redwire.socket");
  // verify checks that ExecStart= exists: point it at the binary under test.
  std::string local = std::regex_replace(service, std::regex("/usr/bin/redwire"), REDWIRE_BINARY);
  std::ofstream(tmp.path / "redwire.service") << local;
  std::ofstream(tmp.path / "redwire.socket") << socket;
  const std::string verify = "cd " + tmp.path.string() +
                             " && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no redwire.service "
                             "redwire.socket >verify.log 2>&1";
  const int rc = system(verify.c_str());
  INFO(ReadFile(tmp.path / "verify.log"));
  CHECK(rc == 0);
  CHECK(ReadFile(tmp.path / "verify.log").empty());

  for (const char* line :
       {"Type=notify", "WatchdogSec=", "ExecReload=/bin/sh -c 'kill -HUP \"$MAINPID\"'", "DynamicUser=yes",
        "StateDirectory=redwire", "ConfigurationDirectory=redwire", "ProtectSystem=strict", "ProtectHome=yes",
        "PrivateTmp=yes", "PrivateDevices=yes", "NoNewPrivileges=yes", "RestrictAddressFamilies=",
        "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "LockPersonality=yes",
        "RestrictNamespaces=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes", "CapabilityBoundingSet=\n"}) {
    CHECK(service.find(line) != std::string::npos);
  }
  CHECK(socket.find("ListenStream=") != std::string::npos);

  // The check can fail: a mistyped value is reported, a missing binary is an error.
  std::ofstream(tmp.path / "redwire.service") << std::regex_replace(local, std::regex("Type=notify"), "Type=notifyy");
  system(verify.c_str());
  CHECK(ReadFile(tmp.path / "verify.log").find("notifyy") != std::string::npos);
  std::ofstream(tmp.path / "redwire.service")
      << std::regex_replace(local, std::regex(REDWIRE_BINARY), std::string(REDWIRE_BINARY) + "-missing");
  CHECK(system(verify.c_str()) != 0);
}

TEST_CASE("sd_notify: READY, STATUS, WATCHDOG, RELOADING and STOPPING reach a real NOTIFY_SOCKET") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  TempDir tmp;
  std::ofstream(tmp.config() / "sources.toml") << SourceToml("kke-en", origin.url("/kke.rss"));
  std::ofstream(tmp.config() / "topics.toml") << kNatoTopic;
  NotifySocket notify;
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {notify.env(), "WATCHDOG_USEC=200000", "WATCHDOG_PID=@pid"},
               tmp.path / "log");
  INFO(daemon.log());

  REQUIRE(notify.WaitLine("READY=1", 10s));
  // Ready means serving: the HTTP socket is already listening.
  CHECK(Get(Url(port, "/")).status == 200);
  const auto& first = notify.messages();
  std::string ready;
  for (const auto& m : first) {
    if (NotifySocket::HasLine(m, "READY=1")) ready = m;
  }
  CHECK(std::regex_search(ready, std::regex("STATUS=1 sources \\(0 failing\\), 1 topics, [0-9]+ items")));

  // WATCHDOG_USEC=200ms: pings every 100 ms from the event loop.
  std::this_thread::sleep_for(1s);
  CHECK(notify.CountLine("WATCHDOG=1") >= 5);

  const std::size_t before_reload = notify.messages().size();
  daemon.Signal(SIGHUP);
  REQUIRE(notify.WaitLine("RELOADING=1", 5s, before_reload));
  REQUIRE(notify.WaitLine("MONOTONIC_USEC=", 5s, before_reload));
  REQUIRE(notify.WaitLine("READY=1", 5s, before_reload));

  const std::size_t before_stop = notify.messages().size();
  daemon.Signal(SIGTERM);
  CHECK(notify.WaitLine("STOPPING=1", 5s, before_stop));
  CHECK(daemon.Wait(5s) == 0);
}

TEST_CASE("socket activation: serves on the listening socket passed as fd 3") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  TempDir tmp;
  std::ofstream(tmp.config() / "topics.toml") << kNatoTopic;
  unsigned short port = 0;
  const int fd = ListeningSocket(port);
  // --listen names a port nobody serves: the passed socket must win.
  const unsigned short unused = FreePort();
  Child daemon(RunArgs(tmp, unused), {"LISTEN_FDS=1", "LISTEN_PID=@pid", "LISTEN_FDNAMES=redwire.socket"},
               tmp.path / "log", fd);
  close(fd);
  INFO(daemon.log());
  REQUIRE(WaitFor([&] { return Get(Url(port, "/")).status == 200; }, 10s));
  CHECK(Get(Url(port, "/all.atom")).status == 200);
  CHECK(Get(Url(unused, "/")).status == 0);
  CHECK(daemon.log().find("a socket from systemd (127.0.0.1:" + std::to_string(port) + ")") != std::string::npos);
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
}

TEST_CASE("socket activation: a passed fd that is not a listening socket is refused") {
  TempDir tmp;
  std::ofstream(tmp.config() / "topics.toml") << kNatoTopic;
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  Child daemon(RunArgs(tmp, FreePort()), {"LISTEN_FDS=1", "LISTEN_PID=@pid"}, tmp.path / "log", fd);
  close(fd);
  CHECK(daemon.Wait(10s) == 1);
  CHECK(daemon.log().find("not a listening stream socket") != std::string::npos);
}

TEST_CASE("SIGHUP reload: sources added and removed, topics re-classified, a bad config refused") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  origin.Static("/pcp.atom", "application/atom+xml", kPcp, "\"pcp-v1\"");
  TempDir tmp;
  Write(tmp.config() / "sources.toml", SourceToml("kke-en", origin.url("/kke.rss")));
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
  INFO(daemon.log());
  REQUIRE(WaitFor([&] { return Count(Get(Url(port, "/all.atom")).body, "</entry>") == 4; }, 15s));
  CHECK(Get(Url(port, "/sources/pcp.atom")).status == 404);
  CHECK(Get(Url(port, "/topics/cuba-solidarity.atom")).status == 404);
  // kke-en is removed below and never fetched again, so the new topic can
  // only gain its items by re-classification.

  Write(tmp.config() / "sources.toml", SourceToml("pcp", origin.url("/pcp.atom")));
  Write(tmp.config() / "topics.toml",
        std::string(kNatoTopic) + "\n[[topic]]\nid = \"cuba-solidarity\"\ntitle = \"Cuba\"\nmatch = 'cuba OR cuban*'\n");
  daemon.Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return daemon.log().find("reload (SIGHUP)") != std::string::npos; }, 5s));
  // The new source is polled soon, the removed one no longer.
  REQUIRE(WaitFor([&] { return origin.count("/pcp.atom", 200) >= 1; }, 10s));
  CHECK(Get(Url(port, "/sources/pcp.atom")).status == 200);
  CHECK(Get(Url(port, "/sources/kke-en.atom")).status == 404);
  // kke's two Cuba items were stored before the topic existed.
  auto cuba = Get(Url(port, "/topics/cuba-solidarity.atom"));
  REQUIRE(cuba.status == 200);
  CHECK(cuba.body.find("urn:redwire:kke-en:kke-2025-0301") != std::string::npos);
  CHECK(cuba.body.find("urn:redwire:kke-en:kke-2025-0102") != std::string::npos);
  const std::size_t kke_polls = origin.count("/kke.rss", 304) + origin.count("/kke.rss", 200);
  std::this_thread::sleep_for(3s);
  CHECK(origin.count("/kke.rss", 304) + origin.count("/kke.rss", 200) == kke_polls);

  // A bad file: every error logged with file:line:col, the running config kept.
  Write(tmp.config() / "sources.toml",
        SourceToml("pcp", origin.url("/pcp.atom")) + "[[source]]\nid = \"Bad Id\"\nurl = \"gopher://x\"\n");
  daemon.Signal(SIGHUP);
  const std::string file = (tmp.config() / "sources.toml").string();
  REQUIRE(WaitFor([&] { return daemon.log().find("keeping the running configuration") != std::string::npos; }, 5s));
  const std::string log = daemon.log();
  CHECK(log.find("reload refused: " + file + ":9:") != std::string::npos);
  CHECK(log.find("reload refused: " + file + ":10:") != std::string::npos);
  CHECK(Get(Url(port, "/sources/pcp.atom")).status == 200);
  CHECK(Get(Url(port, "/topics/cuba-solidarity.atom")).status == 200);
  CHECK(daemon.Running());

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
}

TEST_CASE("SIGHUP reload: a fetch in flight for an unchanged source completes and is stored") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  // Only the first request for /slow.rss gets the items, dripped over about
  // 2.5 s; any later one gets a bare 304. A fetch dropped or cancelled by the
  // reload, and made again, would store nothing.
  std::atomic<int> slow_requests{0};
  FixtureServer origin;
  origin.Route("/slow.rss", [&](const redwire::testing::FixtureRequest&) {
    redwire::testing::FixtureResponse r;
    if (slow_requests++ > 0) {
      r.status = 304;
      return r;
    }
    r.headers = {{"Content-Type", "application/rss+xml"}, {"ETag", "\"slow-v1\""}};
    r.body = kKke;
    r.chunk_bytes = 100;
    r.chunk_delay = 120ms;
    return r;
  });
  origin.Static("/pcp.atom", "application/atom+xml", kPcp, "\"pcp-v1\"");
  TempDir tmp;
  const std::string slow = SourceToml("slow-a", origin.url("/slow.rss"));
  Write(tmp.config() / "sources.toml", slow);
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
  INFO(daemon.log());
  REQUIRE(WaitFor([&] { return slow_requests > 0; }, 10s));

  // A's body is still dripping: add B, leave A byte for byte as it was.
  Write(tmp.config() / "sources.toml", slow + SourceToml("new-b", origin.url("/pcp.atom")));
  daemon.Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return daemon.log().find("new-b: new source; polling it soon") != std::string::npos; }, 5s));
  REQUIRE(WaitFor([&] { return Count(Get(Url(port, "/sources/slow-a.atom")).body, "</entry>") == 4; }, 6s));
  // Stored from the one fetch that began before the reload, not a second one.
  CHECK(slow_requests == 1);
  const std::string log = daemon.log();
  const auto stored = log.find("slow-a: 4 items, 4 new");
  REQUIRE(stored != std::string::npos);
  CHECK(log.find("new-b: new source; polling it soon") < stored);
  CHECK(log.find("source slow-a changed") == std::string::npos);
  CHECK_FALSE(std::regex_search(log, std::regex("(error|warning|critical) [^\n]*slow-a")));
  CHECK(Get(Url(port, "/all.atom")).body.find("urn:redwire:slow-a:kke-2025-0301") != std::string::npos);

  // B is polled too.
  REQUIRE(WaitFor([&] { return origin.count("/pcp.atom", 200) >= 1; }, 5s));
  REQUIRE(WaitFor([&] { return Count(Get(Url(port, "/sources/new-b.atom")).body, "</entry>") == 4; }, 5s));
  CHECK(daemon.Running());

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
}

TEST_CASE("inotify reload: saving a *.toml under the config directory reloads it, debounced") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  TempDir tmp;
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
  INFO(daemon.log());
  // The log as it is then, should the daemon not come up.
  if (!WaitFor([&] { return Get(Url(port, "/")).status == 200; }, 10s)) FAIL("not serving; log:\n" << daemon.log());
  CHECK(Get(Url(port, "/topics/strikes.atom")).status == 404);

  // Three saves in quick succession give one reload.
  for (int i = 0; i < 3; ++i) {
    Write(tmp.config() / "strikes.toml", "[[topic]]\nid = \"strikes\"\ntitle = \"Strikes\"\nmatch = 'strike*'\n");
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(WaitFor([&] { return Get(Url(port, "/topics/strikes.atom")).status == 200; }, 5s));
  std::this_thread::sleep_for(1s);
  CHECK(Count(daemon.log(), "reload (config directory changed)") == 1);
  // Files that are not *.toml (editor swap files) do not trigger a reload.
  std::ofstream(tmp.config() / "strikes.toml.swp") << "junk";
  std::this_thread::sleep_for(1500ms);
  CHECK(Count(daemon.log(), "reload (config directory changed)") == 1);

  // Deleting the file reloads too; a broken file is refused.
  fs::remove(tmp.config() / "strikes.toml");
  REQUIRE(WaitFor([&] { return Get(Url(port, "/topics/strikes.atom")).status == 404; }, 5s));
  Write(tmp.config() / "broken.toml", "[[topic]\n");
  REQUIRE(WaitFor([&] { return daemon.log().find("keeping the running configuration") != std::string::npos; }, 5s));
  CHECK(daemon.log().find("broken.toml:1:") != std::string::npos);
  CHECK(Get(Url(port, "/topics/war-and-nato.atom")).status == 200);

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
}

TEST_CASE("SIGTERM: a hanging fetch is abandoned, the store closed and exit 0 within 5 s") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  origin.Route("/hang.rss", [](const redwire::testing::FixtureRequest&) {
    redwire::testing::FixtureResponse r;
    r.hang = true;
    return r;
  });
  TempDir tmp;
  Write(tmp.config() / "sources.toml",
        SourceToml("kke-en", origin.url("/kke.rss")) + SourceToml("stuck", origin.url("/hang.rss")));
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
  INFO(daemon.log());
  REQUIRE(WaitFor([&] { return Count(Get(Url(port, "/all.atom")).body, "</entry>") == 4; }, 15s));
  REQUIRE(WaitFor([&] { return origin.requests().size() >= 2 && [&] {
    for (const auto& r : origin.requests()) if (r.target == "/hang.rss") return true;
    return false;
  }(); }, 10s));

  const auto started = std::chrono::steady_clock::now();
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  const std::string log = daemon.log();
  CHECK(log.find("abandoning 1 fetches") != std::string::npos);
  CHECK(log.find("stopped") != std::string::npos);
  // Closed cleanly: the WAL was checkpointed and removed, the items are there.
  CHECK_FALSE(fs::exists(tmp.state() / "redwire.db-wal"));
  SQLite::Database db((tmp.state() / "redwire.db").string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM item").getInt() == 4);
}

TEST_CASE("logging: <N> priority prefixes and no timestamps on the journal stream, timestamps elsewhere") {
  TempDir tmp;
  std::ofstream(tmp.config() / "bad.toml") << "[[topic]]\nid = \"x\"\ntitle = \"X\"\nmatch = 'a AND'\n";
  const fs::path log = tmp.path / "journal";
  std::ofstream(log).close();
  struct stat st {};
  REQUIRE(stat(log.c_str(), &st) == 0);
  const std::string stream = "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  const std::vector<std::string> args = {"run", "--config", tmp.config().string(), "--state", tmp.state().string()};
  {
    Child child(args, {stream}, log);
    REQUIRE(child.Wait(10s) == 1);
  }
  const std::string journal = ReadFile(log);
  INFO(journal);
  CHECK(journal.rfind("<3>" + (tmp.config() / "bad.toml").string() + ":4:", 0) == 0);
  CHECK(journal.find("\n<3>config errors, not starting\n") != std::string::npos);
  CHECK_FALSE(std::regex_search(journal, std::regex("[0-9]{2}:[0-9]{2}:[0-9]{2}")));

  // A JOURNAL_STREAM naming another file (inherited, not ours): plain lines.
  std::string plain;
  REQUIRE(RunToEnd(args, plain, {"JOURNAL_STREAM=1:1"}) == 1);
  INFO(plain);
  CHECK(std::regex_search(plain, std::regex("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} error ")));
  CHECK(plain.find("<3>") == std::string::npos);
}

TEST_CASE("status: a per-source health table from the store") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  // "later" is first polled within 30 s of the start; should that come
  // while the test runs, it succeeds (and is no longer pending).
  origin.Static("/later.rss", "application/rss+xml", kKke, "\"later-v1\"");
  TempDir tmp;
  Write(tmp.config() / "sources.toml",
        SourceToml("kke-en", origin.url("/kke.rss")) + SourceToml("gone", origin.url("/missing.rss")));
  Write(tmp.config() / "more.toml", SourceToml("later", origin.url("/later.rss"), "1d"));
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const unsigned short port = FreePort();
  std::string out;
  CHECK(RunToEnd({"status", "--state", tmp.state().string()}, out) == 1);
  CHECK(out.find("no store here") != std::string::npos);
  {
    Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
    INFO(daemon.log());
    REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 200) >= 1 && origin.count("/missing.rss", 404) >= 1; }, 15s));
    // Read while the daemon runs.
    REQUIRE(WaitFor([&] {
      return RunToEnd({"status", "--state", tmp.state().string()}, out) == 3 &&
             out.find("http-error") != std::string::npos;
    }, 5s));
    // The same table from the running daemon's /status.json, which also
    // lists the configured source not fetched yet.
    std::string remote;
    CHECK(RunToEnd({"status", "--url", Url(port, "/")}, remote) == 3);
    INFO(remote);
    CHECK(std::regex_search(remote, std::regex("\nkke-en +(ok|not-modified) +[0-9]+s ago +[0-9]+s ago +0 ")));
    CHECK(std::regex_search(remote, std::regex("\ngone +http-error +[0-9]+s ago +- +[1-9][0-9]* ")));
    CHECK(std::regex_search(remote, std::regex("\nlater +(pending +- +- +0 +0 |ok )")));
    CHECK(remote.find("3 sources, 1 failing\n") != std::string::npos);
    daemon.Signal(SIGTERM);
    REQUIRE(daemon.Wait(5s) == 0);
  }
  std::string remote;
  CHECK(RunToEnd({"status", "--url", Url(port, "")}, remote) == 1);
  CHECK(remote.find("/status.json: Couldn't connect to server") != std::string::npos);
  INFO(out);
  CHECK(std::regex_search(out, std::regex("^SOURCE +OUTCOME +LAST TRY +LAST OK +FAILS +NEW +NEXT +ERROR\n")));
  CHECK(std::regex_search(out, std::regex("\nkke-en +(ok|not-modified) +[0-9]+s ago +[0-9]+s ago +0 ")));
  CHECK(std::regex_search(out, std::regex("\ngone +http-error +[0-9]+s ago +- +[1-9][0-9]* ")));
  CHECK(out.find("404") != std::string::npos);
  // Without the config too: the daemon recorded its plan for the untried one.
  CHECK(std::regex_search(out, std::regex("\nlater +(pending +- +- +0 +0 +(in [0-9]+s|due) |ok )")));
  CHECK(out.find("3 sources, 1 failing\n") != std::string::npos);

  // With the config, sources never fetched are listed too.
  CHECK(RunToEnd({"status", "--state", tmp.state().string(), "--config", tmp.config().string()}, out) == 3);
  CHECK(std::regex_search(out, std::regex("\nlater +(pending +- +- +0 +0 |ok )")));
  CHECK(out.find("3 sources, 1 failing\n") != std::string::npos);

  CHECK(RunToEnd({"status", "--state", tmp.state().string(), "--json"}, out) == 3);
  CHECK(out.find("\"id\":\"kke-en\"") != std::string::npos);
  const std::string rfc3339 = "\"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z\"";
  CHECK(std::regex_search(out, std::regex("\"id\":\"kke-en\",\"outcome\":\"[a-z-]+\",\"last_attempt\":" + rfc3339 +
                                          ",\"last_success\":" + rfc3339 + ",[^}]*\"next_poll\":" + rfc3339)));
  CHECK(std::regex_search(out, std::regex("\"id\":\"gone\",[^}]*\"last_success\":null")));
  CHECK(std::regex_search(out, std::regex("\"id\":\"gone\",\"outcome\":\"http-error\",[^}]*\"consecutive_failures\":[1-9]")));

  // Only healthy sources: exit 0.
  Write(tmp.config() / "sources.toml", SourceToml("kke-en", origin.url("/kke.rss")));
  {
    SQLite::Database db((tmp.state() / "redwire.db").string(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM source_state WHERE source_id IN ('gone', 'later')");
  }
  CHECK(RunToEnd({"status", "--state", tmp.state().string()}, out) == 0);
  CHECK(out.find("1 sources, 0 failing\n") != std::string::npos);
}

TEST_CASE("poll --once fills a store from loopback feeds, a line per source and a summary") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  origin.Static("/pcp.atom", "application/atom+xml", ReadFile(fs::path(REDWIRE_FIXTURES) / "e2e/pcp.atom"), "\"pcp-v1\"");
  TempDir tmp;
  Write(tmp.config() / "sources.toml", SourceToml("kke-en", origin.url("/kke.rss"), "1d") +
                                           SourceToml("pcp", origin.url("/pcp.atom"), "1d") +
                                           SourceToml("missing", origin.url("/missing.rss"), "1d"));
  Write(tmp.config() / "topics.toml", kNatoTopic);
  const std::vector<std::string> poll = {"poll", "--once", "--config", tmp.config().string(), "--state",
                                         tmp.state().string()};
  std::vector<std::string> progress = poll;
  progress.push_back("--progress");
  std::string out;
  CHECK(RunToEnd(progress, out) == 3);  // one source failed
  INFO(out);
  // A line per source as it ends (in any order), then the summary.
  CHECK(std::regex_search(out, std::regex("(^|\n)\\[[1-3]/3\\] kke-en: 4 new of 4 items \\([0-9]+ ms\\)\n")));
  CHECK(std::regex_search(out, std::regex("(^|\n)\\[[1-3]/3\\] pcp: 4 new of 4 items \\([0-9]+ ms\\)\n")));
  CHECK(std::regex_search(out, std::regex("(^|\n)\\[[1-3]/3\\] missing: failed \\(http-error\\): HTTP 404 ")));
  CHECK(std::regex_search(out, std::regex("\n3 sources: 2 ok \\(0 not modified\\), 1 failed; 8 new items in [0-9.]+ s\n$")));
  {
    SQLite::Database db((tmp.state() / "redwire.db").string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT count(*) FROM item").getInt() == 8);
    CHECK(db.execAndGet("SELECT count(*) FROM source_state WHERE last_attempt > 0").getInt() == 3);
  }
  // Off a terminal, without --progress: only the failure and the summary.
  // The feeds answer 304 to the validators stored the first time.
  CHECK(RunToEnd(poll, out) == 3);
  CHECK(out.find("kke-en") == std::string::npos);
  CHECK(std::regex_search(out, std::regex("^\\[[1-3]/3\\] missing: failed \\(http-error\\): HTTP 404 \\([0-9]+ ms\\)\n"
                                          "3 sources: 2 ok \\(2 not modified\\), 1 failed; 0 new items in [0-9.]+ s\n$")));
  CHECK(origin.count("/kke.rss", 304) == 1);
  // Only the sources named; all well: exit 0.
  std::vector<std::string> named = progress;
  named.insert(named.end(), {"--source", "pcp", "--source", "kke-en"});
  CHECK(RunToEnd(named, out) == 0);
  CHECK(std::regex_search(out, std::regex("^\\[1/2\\] (pcp|kke-en): not modified \\([0-9]+ ms\\)\n\\[2/2\\] ")));
  CHECK(out.find("missing") == std::string::npos);
  CHECK(origin.count("/missing.rss", 404) == 2);
  named.back() = "kke";
  CHECK(RunToEnd(named, out) == 1);
  CHECK(out == "redwire poll: unknown source 'kke' (not in the configuration)\n");
  CHECK(origin.count("/pcp.atom", 304) == 2);  // nothing polled
}

TEST_CASE("poll against a running daemon: POST /sources/ID/poll moves its next poll to now") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  FixtureServer origin;
  origin.Static("/kke.rss", "application/rss+xml", kKke, "\"kke-v1\"");
  TempDir tmp;
  // Daily: after its first poll (here, before the daemon starts) the
  // source is not due for a day, so every later fetch is one we asked for.
  Write(tmp.config() / "sources.toml", SourceToml("kke-en", origin.url("/kke.rss"), "1d"));
  std::string out;
  REQUIRE(RunToEnd({"poll", "--once", "--config", tmp.config().string(), "--state", tmp.state().string()}, out) == 0);
  REQUIRE(origin.count("/kke.rss", 200) == 1);
  const unsigned short port = FreePort();
  Child daemon(RunArgs(tmp, port), {}, tmp.path / "log");
  INFO(daemon.log());
  REQUIRE(WaitFor([&] { return Get(Url(port, "/status.json")).status == 200; }, 10s));

  // One writer per store: --once and a second daemon are refused.
  CHECK(RunToEnd({"poll", "--once", "--config", tmp.config().string(), "--state", tmp.state().string()}, out) == 1);
  CHECK(std::regex_search(out, std::regex("^redwire poll: .*state is in use by redwire run \\(pid [0-9]+\\); "
                                          "redwire poll without --once asks it to poll\n$")));
  CHECK(RunToEnd({"run", "--config", tmp.config().string(), "--state", tmp.state().string(), "--listen",
                  "127.0.0.1:" + std::to_string(FreePort())}, out) == 1);
  CHECK(out.find("state is in use by redwire run (pid " + std::to_string(daemon.pid()) + "); not starting") !=
        std::string::npos);

  // Without --once, redwire poll asks the daemon, which polls at once.
  CHECK(RunToEnd({"poll", "--config", tmp.config().string(), "--state", tmp.state().string()}, out) == 0);
  CHECK(out == "asked the daemon at http://127.0.0.1:" + std::to_string(port) +
                   " to poll 1 of 1 source now; redwire status shows the outcomes\n");
  REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) == 1; }, 5s));

  // The endpoint itself: loopback peers are taken, proxied or unknown ones not.
  CHECK(Post(Url(port, "/sources/kke-en/poll")).status == 202);
  REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) == 2; }, 5s));
  const HttpResult proxied = Post(Url(port, "/sources/kke-en/poll"), {"X-Forwarded-For: 203.0.113.7"});
  CHECK(proxied.status == 403);
  CHECK(proxied.body == "poll requests are taken from this host only (or set [redwire] control_token)\n");
  CHECK(Post(Url(port, "/sources/kke-en/poll"), {"Forwarded: for=203.0.113.7"}).status == 403);
  CHECK(Post(Url(port, "/sources/kke-en/poll"), {"Authorization: Bearer guessed-but-none-is-set"}).status == 401);
  const HttpResult unknown = Post(Url(port, "/sources/nope/poll"));
  CHECK(unknown.status == 404);
  CHECK(unknown.body == "no source 'nope' in the configuration\n");
  CHECK(Post(Url(port, "/sources/kke-en")).status == 405);
  CHECK(Get(Url(port, "/sources/kke-en/poll")).status == 404);

  // With a control_token, a proxied request needs it; the CLI sends it.
  const std::string token = "3f2a9c1e5b7d4a6f8e0c2b4d";
  Write(tmp.config() / "settings.toml", "[redwire]\ncontrol_token = \"" + token + "\"\n");
  daemon.Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return daemon.log().find("reload: 1 sources") != std::string::npos; }, 5s));
  const HttpResult bare = Post(Url(port, "/sources/kke-en/poll"), {"X-Forwarded-For: 203.0.113.7"});
  CHECK(bare.status == 401);
  CHECK(Post(Url(port, "/sources/kke-en/poll"), {"X-Forwarded-For: 203.0.113.7", "Authorization: Bearer " + token + "x"})
            .status == 401);
  CHECK(Post(Url(port, "/sources/kke-en/poll"), {"X-Forwarded-For: 203.0.113.7", "Authorization: Bearer " + token})
            .status == 202);
  REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) == 3; }, 5s));
  CHECK(RunToEnd({"poll", "--config", tmp.config().string(), "--state", tmp.state().string(), "--source", "kke-en"},
                 out) == 0);
  REQUIRE(WaitFor([&] { return origin.count("/kke.rss", 304) == 4; }, 5s));
  // The next poll is a day or more away again (304s stretch the interval
  // up to max_every), and status says so.
  CHECK(RunToEnd({"status", "--state", tmp.state().string()}, out) == 0);
  INFO(out);
  CHECK(std::regex_search(out, std::regex("\nkke-en +not-modified +[0-9]+s ago +[0-9]+s ago +0 +0 +in [0-9]+[hd] ")));
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(5s) == 0);
  // Once the daemon is gone, poll (even without --once) polls here.
  CHECK(RunToEnd({"poll", "--config", tmp.config().string(), "--state", tmp.state().string(), "--progress"}, out) == 0);
  CHECK(std::regex_search(out, std::regex("^\\[1/1\\] kke-en: not modified \\([0-9]+ ms\\)\n1 source: 1 ok ")));
}

TEST_CASE("the .deb: cpack with dpkg-shlibdeps, installed into a scratch root, runs its installed config") {
  TempDir tmp;
  const fs::path out = tmp.path / "out";
  const std::string cpack = "cpack -G DEB --config " REDWIRE_BUILD_DIR "/CPackConfig.cmake -B " + out.string() +
                            " >" + (tmp.path / "cpack.log").string() + " 2>&1";
  const int built = system(cpack.c_str());
  INFO(ReadFile(tmp.path / "cpack.log"));
  REQUIRE(built == 0);
  fs::path deb;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().extension() == ".deb") deb = e.path();
  }
  REQUIRE_FALSE(deb.empty());

  const auto field = [&](const std::string& name) {
    const std::string cmd = "dpkg-deb -f " + deb.string() + " " + name + " >" + (tmp.path / "field").string();
    REQUIRE(system(cmd.c_str()) == 0);
    return ReadFile(tmp.path / "field");
  };
  // Dependencies come from dpkg-shlibdeps, with versions.
  const std::string depends = field("Depends");
  INFO(depends);
  for (const char* lib : {"libc6 (>=", "libcurl4 (>=", "libsqlite3-0 (>=", "libsystemd0", "libspdlog1", "libpugixml1v5"}) {
    CHECK(depends.find(lib) != std::string::npos);
  }

  // Installed with dpkg into an empty root (dependencies are the host's).
  const fs::path root = tmp.path / "root";
  fs::create_directories(root / "var/lib/dpkg/info");
  fs::create_directories(root / "var/lib/dpkg/updates");
  std::ofstream(root / "var/lib/dpkg/status").close();
  const std::string install = "dpkg --root=" + root.string() + " --force-depends --force-script-chrootless --log=/dev/null -i " +
                              deb.string() + " >" + (tmp.path / "dpkg.log").string() + " 2>&1";
  const int installed = system(install.c_str());
  INFO(ReadFile(tmp.path / "dpkg.log"));
  REQUIRE(installed == 0);
  const std::string status = ReadFile(root / "var/lib/dpkg/status");
  CHECK(status.find("Status: install ok installed") != std::string::npos);
  CHECK(status.find("Conffiles:\n /etc/redwire/") != std::string::npos);
  CHECK(fs::exists(root / "usr/lib/systemd/system/redwire.service"));
  CHECK(fs::exists(root / "usr/lib/systemd/system/redwire.socket"));
  CHECK(ReadFile(root / "usr/lib/systemd/system/redwire.service").find("ExecStart=/usr/bin/redwire run") !=
        std::string::npos);
  CHECK(fs::exists(root / "usr/share/man/man1/redwire.1.gz"));

  const std::string binary = (root / "usr/bin/redwire").string();
  REQUIRE(fs::exists(binary));
  const std::string version = binary + " --version >" + (tmp.path / "version").string();
  CHECK(system(version.c_str()) == 0);
  CHECK(ReadFile(tmp.path / "version").rfind("redwire ", 0) == 0);
  const std::string check = binary + " check --config " + (root / "etc/redwire").string() + " >" +
                            (tmp.path / "check").string() + " 2>&1";
  const int checked = system(check.c_str());
  INFO(ReadFile(tmp.path / "check"));
  CHECK(checked == 0);
  CHECK(ReadFile(tmp.path / "check").find(": ok") != std::string::npos);
}
