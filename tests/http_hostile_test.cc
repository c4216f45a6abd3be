// The bad-input catalogue (docs/hardening.md), HTTP server cases: clients
// that hold connections to starve everyone else. The 1 MB header, the
// `..` and percent-encoded NUL paths are in http_test.cc ("an oversized
// header is refused...", "paths are percent-decoded; NUL and bad targets
// are refused"); e2e_hostile_test.cc runs these against the real daemon.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "daemon/http/server.h"

using redwire::http::Limits;
using redwire::http::Request;
using redwire::http::Response;
using redwire::http::Server;
using namespace std::chrono_literals;

namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

const std::string kFeed = "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>";

// The server with the daemon's default limits unless told otherwise, its
// loop on a thread; /big answers 64 MB, more than loopback buffers hold.
struct Site {
  asio::io_context io;
  std::unique_ptr<Server> server;
  std::thread loop;

  explicit Site(Limits limits = {}) {
    server = std::make_unique<Server>(
        io,
        [](const Request& r) -> Response {
          if (r.path == "/all.atom") return {200, "application/atom+xml; charset=utf-8", {}, kFeed};
          if (r.path == "/big") return {200, "text/plain", {}, std::string(64 << 20, 'b')};
          return {404, "text/plain", {}, "not found\n"};
        },
        limits);
    REQUIRE(server->Start("127.0.0.1:0").ok());
    loop = std::thread([this] { io.run(); });
  }
  ~Site() {
    server->Stop();
    loop.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
};

// A raw TCP connection; -1 when the connect failed.
int Connect(unsigned short port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` within `limit` (reading and dropping data).
bool ClosedWithin(int fd, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[65536];
    if (recv(fd, buf, sizeof buf, 0) <= 0) return true;
  }
  return false;
}

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
};

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Fetched Fetch(const std::string& url) {
  REQUIRE(kCurlReady);
  Fetched f;
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // Well under the server's 10 s request timeout: success must not come
  // from the idle connections timing out.
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &f.body);
  f.code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f.status);
  curl_easy_cleanup(h);
  return f;
}

// 1000 client sockets plus the server's own need more descriptors than a
// default soft limit of 1024; the hard limit allows it.
void RaiseFileLimit(rlim_t wanted) {
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  REQUIRE(limit.rlim_cur >= wanted);
}

// Open sockets, closed at the end of the test.
struct Sockets {
  std::vector<int> fds;
  ~Sockets() {
    for (int fd : fds) close(fd);
  }
};

}  // namespace

TEST_CASE("1000 idle and trickling connections do not lock out a normal reader", "[hostile][http]") {
  RaiseFileLimit(4096);
  Site site;  // default limits: 256 connections, 10 s to send a request
  Sockets slowloris;
  for (int i = 0; i < 1000; ++i) {
    const int fd = Connect(site.server->port());
    REQUIRE(fd >= 0);
    slowloris.fds.push_back(fd);
    // Half of them start a request and never finish it.
    if (i % 2 == 0) {
      const std::string part = "GET /all.atom HTTP/1.1\r\nHost: x\r\nX-a: ";
      REQUIRE(send(fd, part.data(), part.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(part.size()));
    }
  }
  // Let the server accept the whole burst before the reader arrives.
  std::this_thread::sleep_for(500ms);
  // A trickle of bytes on the survivors, as slowloris sends.
  for (int fd : slowloris.fds) send(fd, "b", 1, MSG_NOSIGNAL | MSG_DONTWAIT);

  for (int attempt = 0; attempt < 3; ++attempt) {
    const Fetched reader = Fetch(site.url("/all.atom"));
    INFO("attempt " << attempt << ": " << curl_easy_strerror(reader.code));
    CHECK(reader.code == CURLE_OK);
    CHECK(reader.status == 200);
    CHECK(reader.body == kFeed);
  }
  // The oldest idle connections were closed to make room.
  CHECK(ClosedWithin(slowloris.fds.front(), 1000ms));
}

TEST_CASE("at the cap connections still sending are kept and newcomers wait their turn", "[hostile][http]") {
  Limits limits;
  limits.max_connections = 1;
  Site site(limits);
  // A reader that asks for 64 MB and never reads: its response is in flight.
  const int slow_reader = Connect(site.server->port());
  REQUIRE(slow_reader >= 0);
  const std::string get = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(send(slow_reader, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size()));
  std::this_thread::sleep_for(300ms);

  const int refused = Connect(site.server->port());
  REQUIRE(refused >= 0);
  CHECK(ClosedWithin(refused, 1000ms));
  close(refused);

  // Once the slow reader hangs up, its slot serves the next client.
  close(slow_reader);
  Fetched after;
  for (int attempt = 0; attempt < 40 && after.status != 200; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(50ms);
    after = Fetch(site.url("/all.atom"));
  }
  CHECK(after.status == 200);
}
