#include <catch2/catch.hpp>

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <asio/steady_timer.hpp>
#include <curl/curl.h>

#include "daemon/fetch/fetcher.h"
#include "support/fixture_server.h"

using namespace std::chrono_literals;
using redwire::fetch::Fetcher;
using redwire::fetch::Options;
using redwire::fetch::Outcome;
using redwire::fetch::Request;
using redwire::fetch::Response;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

// curl_global_init must run once before any thread exists; a static does that.
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
} curl_global;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/fetch/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Request Local(const std::string& url) {
  Request r;
  r.source_id = "fixture";
  r.url = url;
  r.allow_private = true;
  return r;
}

// Every fixture shares one host, so politeness is off unless a test is about it.
Options Quick() {
  Options o;
  o.connect_timeout = 2s;
  o.total_timeout = 5s;
  o.per_host = 32;
  o.host_delay = 0ms;
  return o;
}

// Runs the loop until it runs out of work. True only if it did so by itself
// within the limit: no leftover timer or socket wait keeps it alive.
bool RunUntilIdle(asio::io_context& io, std::chrono::seconds limit = 10s) {
  io.restart();
  io.run_for(limit);
  return io.stopped();
}

Response FetchOne(Fetcher& fetcher, asio::io_context& io, Request request) {
  std::vector<Response> got;
  fetcher.Fetch(std::move(request), [&got](Response r) { got.push_back(std::move(r)); });
  REQUIRE(fetcher.in_flight() == 1);
  REQUIRE(RunUntilIdle(io));
  REQUIRE(got.size() == 1);
  CHECK(fetcher.in_flight() == 0);
  return std::move(got.front());
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("IsPublicAddress refuses internal ranges in every spelling", "[fetch]") {
  using redwire::fetch::IsPublicAddress;
  auto is_public = [](const char* s) { return IsPublicAddress(asio::ip::make_address(s)); };
  for (const char* blocked :
       {"127.0.0.1", "127.255.0.9", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.169.254", "224.0.0.1",
        "239.255.255.250", "255.255.255.255", "::", "::1", "fe80::1", "febf::1", "fc00::1",
        "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "::127.0.0.1"}) {
    INFO(blocked);
    CHECK_FALSE(is_public(blocked));
  }
  for (const char* allowed : {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255",
                              "100.128.0.1", "192.169.0.1", "169.253.1.1", "2001:db8::1",
                              "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    INFO(allowed);
    CHECK(is_public(allowed));
  }
}

TEST_CASE("OutcomeName gives the stable log names", "[fetch]") {
  using redwire::fetch::OutcomeName;
  CHECK(std::string(OutcomeName(Outcome::kOk)) == "ok");
  CHECK(std::string(OutcomeName(Outcome::kNotModified)) == "not-modified");
  CHECK(std::string(OutcomeName(Outcome::kHttpError)) == "http-error");
  CHECK(std::string(OutcomeName(Outcome::kBlockedAddress)) == "blocked-address");
  CHECK(std::string(OutcomeName(Outcome::kTooLarge)) == "too-large");
  CHECK(std::string(OutcomeName(Outcome::kTimeout)) == "timeout");
  CHECK(std::string(OutcomeName(Outcome::kRedirectLimit)) == "redirect-limit");
  CHECK(std::string(OutcomeName(Outcome::kNetworkError)) == "network-error");
}

TEST_CASE("a 200 returns the body, caching headers and final URL", "[fetch]") {
  FixtureServer server;
  const std::string feed = ReadFixture("feed.xml");
  server.Static("/feed.xml", "application/rss+xml; charset=utf-8", feed, "\"v1\"");
  asio::io_context io;
  Options options = Quick();
  options.user_agent = "redwire-test/1";
  Fetcher fetcher(io, options);

  const Response r = FetchOne(fetcher, io, Local(server.url("/feed.xml?x=1")));
  CHECK(r.outcome == Outcome::kOk);
  CHECK(r.status == 200);
  CHECK(r.body == feed);
  CHECK(r.content_type == "application/rss+xml; charset=utf-8");
  CHECK(r.etag == "\"v1\"");
  CHECK(r.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(r.retry_after.empty());
  CHECK(r.final_url == server.url("/feed.xml?x=1"));
  CHECK(r.error.empty());
  CHECK(r.elapsed < 5s);

  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/feed.xml?x=1");
  CHECK(requests[0].headers.at("user-agent") == "redwire-test/1");
  CHECK(Contains(requests[0].headers.at("accept-encoding"), "gzip"));
  CHECK(requests[0].headers.count("if-none-match") == 0);
  CHECK(server.count("/feed.xml", 200) == 1);
}

TEST_CASE("a conditional GET with the stored validators gets 304", "[fetch]") {
  FixtureServer server;
  server.Static("/feed.xml", "application/rss+xml", ReadFixture("feed.xml"), "\"abc\"");
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  const Response first = FetchOne(fetcher, io, Local(server.url("/feed.xml")));
  REQUIRE(first.outcome == Outcome::kOk);
  Request again = Local(server.url("/feed.xml"));
  again.etag = first.etag;
  again.last_modified = first.last_modified;
  const Response second = FetchOne(fetcher, io, again);

  CHECK(second.outcome == Outcome::kNotModified);
  CHECK(second.status == 304);
  CHECK(second.body.empty());
  CHECK(second.error.empty());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].headers.at("if-none-match") == "\"abc\"");
  CHECK(requests[1].headers.at("if-modified-since") == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(server.count("/feed.xml", 200) == 1);
  CHECK(server.count("/feed.xml", 304) == 1);
}

TEST_CASE("redirects are followed and headers come from the last hop", "[fetch]") {
  FixtureServer server;
  server.Static("/new.xml", "application/atom+xml", "<feed/>", "\"new\"");
  server.Route("/old", [](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 301;
    r.headers = {{"Location", "/new.xml"}, {"ETag", "\"old\""}, {"Retry-After", "5"}};
    return r;
  });
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  const Response r = FetchOne(fetcher, io, Local(server.url("/old")));
  CHECK(r.outcome == Outcome::kOk);
  CHECK(r.status == 200);
  CHECK(r.body == "<feed/>");
  CHECK(r.final_url == server.url("/new.xml"));
  CHECK(r.etag == "\"new\"");
  CHECK(r.retry_after.empty());
  CHECK(server.count("/old", 301) == 1);
  CHECK(server.count("/new.xml", 200) == 1);
}

TEST_CASE("a redirect loop stops at max_redirects", "[fetch]") {
  FixtureServer server;
  auto to = [](std::string target) {
    return [target](const FixtureRequest&) {
      FixtureResponse r;
      r.status = 302;
      r.headers = {{"Location", target}};
      return r;
    };
  };
  server.Route("/a", to("/b"));
  server.Route("/b", to("/a"));
  asio::io_context io;
  Options options = Quick();
  options.max_redirects = 3;
  Fetcher fetcher(io, options);

  const Response r = FetchOne(fetcher, io, Local(server.url("/a")));
  CHECK(r.outcome == Outcome::kRedirectLimit);
  CHECK(Contains(r.error, "redirect"));
  CHECK(r.hops.size() == 4);
  CHECK(r.permanent_url.empty());
  // The first request plus three followed hops, then curl gives up.
  CHECK(server.count("/a", 302) + server.count("/b", 302) == 4);
}

TEST_CASE("redirects to other schemes are refused", "[fetch]") {
  FixtureServer server;
  server.Route("/to-file", [](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 302;
    r.headers = {{"Location", "file:///etc/passwd"}};
    return r;
  });
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  const Response redirected = FetchOne(fetcher, io, Local(server.url("/to-file")));
  CHECK(redirected.outcome == Outcome::kNetworkError);
  CHECK(redirected.body.empty());
  CHECK_FALSE(Contains(redirected.body, "root:"));

  const Response direct = FetchOne(fetcher, io, Local("ftp://127.0.0.1:1/x"));
  CHECK(direct.outcome == Outcome::kNetworkError);
  CHECK_FALSE(direct.error.empty());
}

TEST_CASE("error statuses are http errors with the status and Retry-After", "[fetch]") {
  FixtureServer server;
  server.Route("/busy", [](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 503;
    r.headers = {{"retry-after", " 120 "}};
    r.body = "come back later";
    return r;
  });
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  const Response missing = FetchOne(fetcher, io, Local(server.url("/nowhere")));
  CHECK(missing.outcome == Outcome::kHttpError);
  CHECK(missing.status == 404);
  CHECK(missing.error == "HTTP 404");

  const Response busy = FetchOne(fetcher, io, Local(server.url("/busy")));
  CHECK(busy.outcome == Outcome::kHttpError);
  CHECK(busy.status == 503);
  CHECK(busy.error == "HTTP 503");
  CHECK(busy.retry_after == "120");
}

TEST_CASE("bodies over the cap are refused, counted after decoding", "[fetch]") {
  FixtureServer server;
  server.Route("/big", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(300'000, 'x');
    return r;
  });
  const std::string gz = ReadFixture("zeros-2mb.gz");
  REQUIRE(gz.size() < 4096);  // tiny on the wire, 2 000 000 bytes decoded
  server.Route("/bomb.xml", [gz](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "application/xml"}, {"Content-Encoding", "gzip"}};
    r.body = gz;
    return r;
  });
  asio::io_context io;

  SECTION("a plain body") {
    Options options = Quick();
    options.max_body_bytes = 100'000;
    Fetcher fetcher(io, options);
    const Response r = FetchOne(fetcher, io, Local(server.url("/big")));
    CHECK(r.outcome == Outcome::kTooLarge);
    CHECK(r.error == "body over 100000 bytes");
    CHECK(r.body.empty());
  }
  SECTION("a gzip body whose decoded size is over the cap") {
    Options options = Quick();
    options.max_body_bytes = 1'000'000;
    Fetcher fetcher(io, options);
    const Response r = FetchOne(fetcher, io, Local(server.url("/bomb.xml")));
    CHECK(r.outcome == Outcome::kTooLarge);
    CHECK(r.error == "body over 1000000 bytes");
  }
  SECTION("the same gzip body under a larger cap is decoded") {
    Options options = Quick();
    options.max_body_bytes = 4'000'000;
    Fetcher fetcher(io, options);
    const Response r = FetchOne(fetcher, io, Local(server.url("/bomb.xml")));
    CHECK(r.outcome == Outcome::kOk);
    CHECK(r.body.size() == 2'000'000);
    CHECK(std::all_of(r.body.begin(), r.body.end(), [](char c) { return c == '\0'; }));
  }
}

TEST_CASE("response headers over the cap are refused", "[fetch]") {
  FixtureServer server;
  server.Route("/fat-headers", [](const FixtureRequest&) {
    FixtureResponse r;
    for (int i = 0; i < 40; ++i) r.headers.emplace_back("X-Pad-" + std::to_string(i), std::string(1000, 'p'));
    r.body = "ok";
    return r;
  });
  asio::io_context io;
  Options options = Quick();
  options.max_header_bytes = 16 * 1024;
  Fetcher fetcher(io, options);

  const Response r = FetchOne(fetcher, io, Local(server.url("/fat-headers")));
  CHECK(r.outcome == Outcome::kTooLarge);
  CHECK(r.error == "headers over 16384 bytes");
}

TEST_CASE("a slow server times out without holding up a fast one", "[fetch]") {
  FixtureServer server;
  server.Route("/slow", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(1000, 's');
    r.chunk_bytes = 10;
    r.chunk_delay = 100ms;  // ten seconds for the whole body
    return r;
  });
  server.Static("/fast", "text/plain", "quick", "\"f\"");
  asio::io_context io;
  Options options = Quick();
  options.total_timeout = 700ms;
  Fetcher fetcher(io, options);

  std::optional<Response> slow, fast;
  bool fast_first = false;
  fetcher.Fetch(Local(server.url("/slow")), [&](Response r) { slow = std::move(r); });
  // Start the fast fetch once the slow body is already dripping.
  asio::steady_timer later(io, 150ms);
  later.async_wait([&](std::error_code) {
    fetcher.Fetch(Local(server.url("/fast")), [&](Response r) {
      fast = std::move(r);
      fast_first = !slow.has_value();
    });
  });
  REQUIRE(RunUntilIdle(io));

  REQUIRE(slow);
  REQUIRE(fast);
  CHECK(fast_first);
  CHECK(fast->outcome == Outcome::kOk);
  CHECK(fast->body == "quick");
  CHECK(fast->elapsed < 500ms);
  CHECK(slow->outcome == Outcome::kTimeout);
  CHECK(Contains(slow->error, "timed out"));
  CHECK(slow->elapsed >= 650ms);
  CHECK(slow->elapsed < 2s);
  CHECK(slow->body.empty());
}

TEST_CASE("private peers are refused unless allowed", "[fetch]") {
  FixtureServer server;
  server.Static("/feed.xml", "application/rss+xml", "<rss/>", "\"1\"");
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  Request direct = Local(server.url("/feed.xml"));
  direct.allow_private = false;
  const Response r = FetchOne(fetcher, io, direct);
  CHECK(r.outcome == Outcome::kBlockedAddress);
  CHECK(r.error == "blocked address 127.0.0.1");
  CHECK(r.body.empty());

  Request by_name = Local("http://localhost:" + std::to_string(server.port()) + "/feed.xml");
  by_name.allow_private = false;
  const Response named = FetchOne(fetcher, io, by_name);
  CHECK(named.outcome == Outcome::kBlockedAddress);
  CHECK((named.error == "blocked address 127.0.0.1" || named.error == "blocked address ::1"));

  CHECK(server.requests().empty());
}

TEST_CASE("a pooled connection to a private peer is not reused for a request that forbids it",
          "[fetch]") {
  FixtureServer server;
  server.Static("/feed.xml", "application/rss+xml", "<rss/>", "\"1\"");
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  const Response allowed = FetchOne(fetcher, io, Local(server.url("/feed.xml")));
  REQUIRE(allowed.outcome == Outcome::kOk);
  Request refused = Local(server.url("/feed.xml"));
  refused.allow_private = false;
  const Response blocked = FetchOne(fetcher, io, refused);
  CHECK(blocked.outcome == Outcome::kBlockedAddress);
  CHECK(blocked.error == "blocked address 127.0.0.1");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a name resolved by curl's threaded resolver is fetched and gated", "[fetch]") {
  // The machine's own host name goes through getaddrinfo on curl's resolver
  // thread, whose wake-up descriptor the fetcher must watch too.
  char host[256] = {};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  const bool loopback =
      getaddrinfo(host, nullptr, &hints, &found) == 0 && found &&
      reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
  if (found) freeaddrinfo(found);
  if (!loopback) {
    WARN("host name " << host << " does not resolve to 127.0.0.1 here; resolver case skipped");
    return;
  }
  FixtureServer server;
  server.Static("/feed.xml", "application/rss+xml", "<rss/>", "\"1\"");
  asio::io_context io;
  Fetcher fetcher(io, Quick());
  const std::string url = "http://" + std::string(host) + ":" + std::to_string(server.port()) + "/feed.xml";

  const Response allowed = FetchOne(fetcher, io, Local(url));
  CHECK(allowed.outcome == Outcome::kOk);
  CHECK(allowed.body == "<rss/>");

  Request refused = Local(url);
  refused.allow_private = false;
  const Response blocked = FetchOne(fetcher, io, refused);
  CHECK(blocked.outcome == Outcome::kBlockedAddress);
  CHECK(server.count("/feed.xml", 200) == 1);
}

TEST_CASE("many concurrent fetches all complete and the loop then goes idle", "[fetch]") {
  FixtureServer server;
  constexpr int kCount = 16;
  for (int i = 0; i < kCount; ++i) {
    const std::string path = "/feed-" + std::to_string(i);
    server.Route(path, [i](const FixtureRequest&) {
      FixtureResponse r;
      r.headers = {{"Content-Type", "text/plain"}};
      r.body = "body " + std::to_string(i);
      // Some answers trickle in so transfers overlap on the loop.
      if (i % 3 == 0) {
        r.chunk_bytes = 2;
        r.chunk_delay = 5ms;
      }
      return r;
    });
  }
  asio::io_context io;
  Fetcher fetcher(io, Quick());
  std::vector<std::optional<Response>> got(kCount);
  for (int i = 0; i < kCount; ++i) {
    fetcher.Fetch(Local(server.url("/feed-" + std::to_string(i))),
                  [&got, i](Response r) { got[i] = std::move(r); });
  }
  CHECK(fetcher.in_flight() == kCount);
  REQUIRE(RunUntilIdle(io));
  CHECK(fetcher.in_flight() == 0);
  for (int i = 0; i < kCount; ++i) {
    INFO(i);
    REQUIRE(got[i]);
    CHECK(got[i]->outcome == Outcome::kOk);
    CHECK(got[i]->body == "body " + std::to_string(i));
  }
}

TEST_CASE("destroying the fetcher abandons transfers without callbacks", "[fetch]") {
  FixtureServer server;
  server.Route("/slow", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(200, 's');
    r.chunk_bytes = 1;
    r.chunk_delay = 50ms;
    return r;
  });
  asio::io_context io;
  int calls = 0;
  {
    Fetcher fetcher(io, Quick());
    fetcher.Fetch(Local(server.url("/slow")), [&calls](Response) { ++calls; });
    io.run_for(200ms);
    REQUIRE(fetcher.in_flight() == 1);
  }
  CHECK(RunUntilIdle(io));
  CHECK(calls == 0);
  CHECK(server.count("/slow", 200) == 1);
}

TEST_CASE("the fixture server stops promptly with connections still open", "[fetch][fixture]") {
  auto server = std::make_unique<FixtureServer>();
  server->Route("/drip", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(100, 'd');
    r.chunk_bytes = 1;
    r.chunk_delay = 1s;
    return r;
  });
  server->Route("/throws", [](const FixtureRequest&) -> FixtureResponse {
    throw std::runtime_error("boom");
  });
  asio::io_context io;
  const asio::ip::tcp::endpoint at(asio::ip::make_address_v4("127.0.0.1"), server->port());
  auto request = [&](const std::string& text) {
    asio::ip::tcp::socket s(io);
    s.connect(at);
    asio::write(s, asio::buffer(text));
    return s;
  };
  // One connection mid-way through a slow body, one with half a request head,
  // one kept alive after a complete exchange.
  asio::ip::tcp::socket dripping = request("GET /drip HTTP/1.1\r\nHost: x\r\n\r\n");
  asio::ip::tcp::socket partial = request("GET /part");
  asio::ip::tcp::socket kept = request("GET /throws HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string reply(64, '\0');
  const std::size_t n = kept.read_some(asio::buffer(reply));
  CHECK(reply.substr(0, n).rfind("HTTP/1.1 500 ", 0) == 0);
  char first = 0;
  asio::read(dripping, asio::buffer(&first, 1));  // the head has gone out
  CHECK(first == 'H');

  const auto start = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  // The server closed its ends: reads reach end-of-stream instead of hanging.
  std::error_code ec;
  std::string rest(4096, '\0');
  while (!ec) partial.read_some(asio::buffer(rest), ec);
  // A FIN, or a reset if the unread request was still queued when it closed.
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
}
