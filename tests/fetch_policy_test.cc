// The fetcher's politeness, redirect bookkeeping, caching hints, proxy,
// content codings and hostile servers, each against the loopback fixture.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
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
using Clock = std::chrono::steady_clock;

namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/fetch/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Request Local(const std::string& url, bool allow_private = true) {
  Request r;
  r.source_id = "policy";
  r.url = url;
  r.allow_private = allow_private;
  return r;
}

Options Quick() {
  Options o;
  o.connect_timeout = 2s;
  o.total_timeout = 5s;
  o.per_host = 32;
  o.host_delay = 0ms;
  return o;
}

bool RunUntilIdle(asio::io_context& io, std::chrono::seconds limit = 20s) {
  io.restart();
  io.run_for(limit);
  return io.stopped();
}

Response FetchOne(Fetcher& fetcher, asio::io_context& io, Request request) {
  std::optional<Response> got;
  fetcher.Fetch(std::move(request), [&got](Response r) { got = std::move(r); });
  REQUIRE(RunUntilIdle(io));
  REQUIRE(got);
  return std::move(*got);
}

FixtureResponse Redirect(int status, std::string to) {
  FixtureResponse r;
  r.status = status;
  r.headers = {{"Location", std::move(to)}};
  return r;
}

// Server-side arrival times and the most requests it held at once.
struct Arrivals {
  std::mutex mutex;
  std::vector<Clock::time_point> at;
  int open = 0;
  int most_open = 0;
};

}  // namespace

TEST_CASE("at most per_host transfers run to one host, others wait their turn", "[fetch][polite]") {
  FixtureServer server;
  server.Route("/slow", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(20, 's');
    r.chunk_bytes = 2;
    r.chunk_delay = 20ms;  // about 200 ms per answer
    return r;
  });
  asio::io_context io;
  Options options = Quick();
  options.per_host = 2;
  Fetcher fetcher(io, options);

  std::vector<Response> got;
  const auto start = Clock::now();
  for (int i = 0; i < 6; ++i) fetcher.Fetch(Local(server.url("/slow")), [&got](Response r) { got.push_back(std::move(r)); });
  CHECK(fetcher.in_flight() == 6);
  CHECK(fetcher.queued() == 4);
  REQUIRE(RunUntilIdle(io));
  const auto took = Clock::now() - start;

  REQUIRE(got.size() == 6);
  for (const auto& r : got) CHECK(r.outcome == Outcome::kOk);
  // Three rounds of two: well over two answers' time, and later ones waited.
  CHECK(took >= 500ms);
  const auto waited = std::count_if(got.begin(), got.end(), [](const Response& r) { return r.queued >= 100ms; });
  CHECK(waited == 4);
  CHECK(fetcher.in_flight() == 0);
}

TEST_CASE("the global cap holds across hosts", "[fetch][polite]") {
  FixtureServer server;
  server.Route("/slow", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(10, 's');
    r.chunk_bytes = 2;
    r.chunk_delay = 40ms;
    return r;
  });
  asio::io_context io;
  Options options = Quick();
  options.max_concurrency = 1;
  Fetcher fetcher(io, options);

  // Two host names for the same origin.
  std::vector<Response> got;
  fetcher.Fetch(Local(server.url("/slow")), [&got](Response r) { got.push_back(std::move(r)); });
  fetcher.Fetch(Local("http://localhost:" + std::to_string(server.port()) + "/slow"),
                [&got](Response r) { got.push_back(std::move(r)); });
  CHECK(fetcher.queued() == 1);
  REQUIRE(RunUntilIdle(io));
  REQUIRE(got.size() == 2);
  CHECK(got[0].outcome == Outcome::kOk);
  CHECK(got[1].outcome == Outcome::kOk);
  CHECK(got[0].queued < 50ms);
  CHECK(got[1].queued >= got[0].elapsed - 20ms);
}

TEST_CASE("requests to one host start at least host_delay apart", "[fetch][polite]") {
  FixtureServer server;
  auto arrivals = std::make_shared<Arrivals>();
  server.Route("/feed", [arrivals](const FixtureRequest&) {
    std::lock_guard lock(arrivals->mutex);
    arrivals->at.push_back(Clock::now());
    FixtureResponse r;
    r.body = "ok";
    return r;
  });
  server.Route("/other", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = "other";
    return r;
  });
  asio::io_context io;
  Options options = Quick();
  options.per_host = 2;
  options.host_delay = 250ms;
  Fetcher fetcher(io, options);

  std::vector<Response> got;
  for (int i = 0; i < 3; ++i) fetcher.Fetch(Local(server.url("/feed")), [&got](Response r) { got.push_back(std::move(r)); });
  // Another host name is not held back by this host's delay.
  std::optional<Response> other;
  fetcher.Fetch(Local("http://localhost:" + std::to_string(server.port()) + "/other"),
                [&other](Response r) { other = std::move(r); });
  REQUIRE(RunUntilIdle(io));

  REQUIRE(got.size() == 3);
  REQUIRE(other);
  CHECK(other->outcome == Outcome::kOk);
  CHECK(other->queued < 100ms);
  std::lock_guard lock(arrivals->mutex);
  REQUIRE(arrivals->at.size() == 3);
  CHECK(arrivals->at[1] - arrivals->at[0] >= 240ms);
  CHECK(arrivals->at[2] - arrivals->at[1] >= 240ms);
}

TEST_CASE("permanent redirects are told apart from temporary ones", "[fetch][redirect]") {
  FixtureServer server;
  server.Static("/final.xml", "application/rss+xml", "<rss/>", "\"f\"");
  server.Route("/p1", [](const FixtureRequest&) { return Redirect(301, "/p2"); });
  server.Route("/p2", [](const FixtureRequest&) { return Redirect(308, "/final.xml"); });
  server.Route("/mixed", [](const FixtureRequest&) { return Redirect(301, "/temp"); });
  server.Route("/temp", [](const FixtureRequest&) { return Redirect(302, "/final.xml"); });
  server.Route("/t307", [](const FixtureRequest&) { return Redirect(307, "/final.xml"); });
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  SECTION("a chain of 301 and 308 gives the end of the chain") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/p1")));
    CHECK(r.outcome == Outcome::kOk);
    REQUIRE(r.hops.size() == 3);
    CHECK(r.hops[0].url == server.url("/p1"));
    CHECK(r.hops[0].status == 301);
    CHECK(r.hops[1].url == server.url("/p2"));
    CHECK(r.hops[1].status == 308);
    CHECK(r.hops[2].url == server.url("/final.xml"));
    CHECK(r.hops[2].status == 200);
    CHECK(r.permanent_url == server.url("/final.xml"));
  }
  SECTION("a temporary hop ends the permanent part") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/mixed")));
    CHECK(r.outcome == Outcome::kOk);
    CHECK(r.final_url == server.url("/final.xml"));
    CHECK(r.permanent_url == server.url("/temp"));
  }
  SECTION("302 and 307 are not permanent") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/t307")));
    CHECK(r.outcome == Outcome::kOk);
    CHECK(r.final_url == server.url("/final.xml"));
    CHECK(r.permanent_url.empty());
    const Response direct = FetchOne(fetcher, io, Local(server.url("/final.xml")));
    CHECK(direct.permanent_url.empty());
    CHECK(direct.hops.size() == 1);
  }
}

TEST_CASE("freshness and Retry-After are read from the answer", "[fetch][cache]") {
  FixtureServer server;
  auto with = [](std::vector<std::pair<std::string, std::string>> headers, int status = 200) {
    return [headers, status](const FixtureRequest&) {
      FixtureResponse r;
      r.status = status;
      r.headers = headers;
      r.body = "x";
      return r;
    };
  };
  server.Route("/max-age", with({{"Cache-Control", "public, max-age=600"}}));
  server.Route("/quoted", with({{"Cache-Control", "max-age=\"90\""}, {"Expires", "Thu, 01 Jan 2099 00:00:00 GMT"}}));
  server.Route("/no-cache", with({{"Cache-Control", "no-cache"}}));
  server.Route("/expires", with({{"Date", "Tue, 05 Mar 2024 10:00:00 GMT"}, {"Expires", "Tue, 05 Mar 2024 10:30:00 GMT"}}));
  server.Route("/expired", with({{"Expires", "0"}}));
  server.Route("/none", with({}));
  server.Route("/retry-date", with({{"Date", "Tue, 05 Mar 2024 10:00:00 GMT"},
                                    {"Retry-After", "Tue, 05 Mar 2024 10:02:00 GMT"}}, 503));
  server.Route("/retry-seconds", with({{"Retry-After", "120"}}, 429));
  server.Route("/retry-junk", with({{"Retry-After", "soon"}}, 429));
  asio::io_context io;
  Fetcher fetcher(io, Quick());
  auto get = [&](const char* path) { return FetchOne(fetcher, io, Local(server.url(path))); };

  CHECK(get("/max-age").fresh_for == std::optional(600s));
  CHECK(get("/quoted").fresh_for == std::optional(90s));  // max-age beats Expires
  CHECK(get("/no-cache").fresh_for == std::optional(0s));
  CHECK(get("/expires").fresh_for == std::optional(1800s));
  CHECK(get("/expired").fresh_for == std::optional(0s));
  CHECK_FALSE(get("/none").fresh_for.has_value());
  const Response dated = get("/retry-date");
  CHECK(dated.status == 503);
  CHECK(dated.retry_after_delay == std::optional(120s));
  CHECK(get("/retry-seconds").retry_after_delay == std::optional(120s));
  const Response junk = get("/retry-junk");
  CHECK(junk.retry_after == "soon");
  CHECK_FALSE(junk.retry_after_delay.has_value());
}

TEST_CASE("gzip, deflate and br bodies are offered and decoded", "[fetch][encoding]") {
  FixtureServer server;
  const std::string feed = Fixture("feed.xml");
  auto encoded = [](std::string body, std::string coding) {
    return [body, coding](const FixtureRequest&) {
      FixtureResponse r;
      r.headers = {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", coding}};
      r.body = body;
      return r;
    };
  };
  server.Route("/gz", encoded(Fixture("feed.xml.gz"), "gzip"));
  server.Route("/zz", encoded(Fixture("feed.xml.zz"), "deflate"));
  server.Route("/br", encoded(Fixture("feed.xml.br"), "br"));
  asio::io_context io;
  Fetcher fetcher(io, Quick());

  for (const char* path : {"/gz", "/zz", "/br"}) {
    INFO(path);
    const Response r = FetchOne(fetcher, io, Local(server.url(path)));
    CHECK(r.outcome == Outcome::kOk);
    CHECK(r.body == feed);
  }
  const auto requests = server.requests();
  REQUIRE(!requests.empty());
  const std::string offered = requests[0].headers.at("accept-encoding");
  CHECK(offered.find("gzip") != std::string::npos);
  CHECK(offered.find("deflate") != std::string::npos);
  CHECK(offered.find("br") != std::string::npos);
}

TEST_CASE("hostile servers end in a clear outcome and leave the fetcher working", "[fetch][hostile]") {
  FixtureServer server;
  server.Route("/hang", [](const FixtureRequest&) {
    FixtureResponse r;
    r.hang = true;
    return r;
  });
  server.Route("/reset", [](const FixtureRequest&) {
    FixtureResponse r;
    r.reset = true;
    return r;
  });
  server.Route("/reset-mid-body", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(5000, 'b');
    r.reset = true;
    r.reset_after = 1000;
    return r;
  });
  server.Route("/drip", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(100, 'd');
    r.chunk_bytes = 1;
    r.chunk_delay = 300ms;
    return r;
  });
  server.Route("/huge", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(50u << 20, 'h');  // 50 MiB, declared in Content-Length
    return r;
  });
  server.Route("/huge-chunked", [](const FixtureRequest&) {
    // 12 MiB with no declared length: only the running count can stop it.
    FixtureResponse r;
    r.headers = {{"Transfer-Encoding", "chunked"}};
    const std::string piece(1 << 20, 'c');
    for (int i = 0; i < 12; ++i) r.body += "100000\r\n" + piece + "\r\n";
    r.body += "0\r\n\r\n";
    return r;
  });
  server.Static("/ok", "text/plain", "fine", "\"ok\"");
  asio::io_context io;
  Options options = Quick();
  options.total_timeout = 1500ms;
  options.low_speed_limit = 50;
  options.low_speed_time = 1s;
  Fetcher fetcher(io, options);

  SECTION("a server that never answers times out") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/hang")));
    CHECK(r.outcome == Outcome::kTimeout);
    CHECK(r.elapsed >= 900ms);
  }
  SECTION("a connection reset before any answer is a network error") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/reset")));
    CHECK(r.outcome == Outcome::kNetworkError);
    CHECK_FALSE(r.error.empty());
  }
  SECTION("a reset in the middle of the body keeps nothing") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/reset-mid-body")));
    CHECK(r.outcome == Outcome::kNetworkError);
    CHECK(r.body.empty());
  }
  SECTION("a slow drip is cut by the low-speed limit") {
    Options slow = options;
    slow.total_timeout = 10s;
    Fetcher patient(io, slow);
    const Response r = FetchOne(patient, io, Local(server.url("/drip")));
    CHECK(r.outcome == Outcome::kTimeout);
    CHECK(r.error.find("too slow") != std::string::npos);
    CHECK(r.elapsed < 5s);
  }
  SECTION("a 50 MiB body is refused, declared or not") {
    const Response declared = FetchOne(fetcher, io, Local(server.url("/huge")));
    CHECK(declared.outcome == Outcome::kTooLarge);
    CHECK(declared.error == "body over 10485760 bytes");
    CHECK(declared.body.empty());
    const Response chunked = FetchOne(fetcher, io, Local(server.url("/huge-chunked")));
    CHECK(chunked.outcome == Outcome::kTooLarge);
    CHECK(chunked.body.empty());
  }
  // Whatever happened above, the next fetch works.
  const Response after = FetchOne(fetcher, io, Local(server.url("/ok")));
  CHECK(after.outcome == Outcome::kOk);
  CHECK(after.body == "fine");
}

TEST_CASE("a redirect to a private address is refused with the guard on and followed with it off",
          "[fetch][ssrf]") {
  // Everything here is loopback, so the guard's policy is narrowed: 127.0.0.1
  // plays a public origin and every other address (the IPv4-mapped spelling
  // of the same host included) stays internal.
  FixtureServer server;
  server.Static("/internal", "text/plain", "secret", "\"s\"");
  const std::string internal =
      "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/internal";
  server.Route("/to-internal", [internal](const FixtureRequest&) { return Redirect(302, internal); });
  asio::io_context io;
  Options options = Quick();
  options.is_public = [](const asio::ip::address& a) { return a == asio::ip::make_address("127.0.0.1"); };
  Fetcher fetcher(io, options);

  SECTION("guard on: the hop is refused and the address named") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/to-internal"), false));
    CHECK(r.outcome == Outcome::kBlockedAddress);
    CHECK(r.error == "blocked address ::ffff:127.0.0.1");
    CHECK(r.body.empty());
    CHECK(server.count("/to-internal", 302) == 1);
    CHECK(server.count("/internal", 200) == 0);
  }
  SECTION("guard off: followed") {
    const Response r = FetchOne(fetcher, io, Local(server.url("/to-internal"), true));
    CHECK(r.outcome == Outcome::kOk);
    CHECK(r.body == "secret");
    CHECK(server.count("/internal", 200) == 1);
  }
  SECTION("through a proxy the redirect target is judged by name") {
    Options via = Quick();
    via.proxy = server.url("");
    Fetcher proxied(io, via);
    server.Route("http://news.example.invalid/feed", [&server](const FixtureRequest&) {
      return Redirect(301, server.url("/internal"));
    });
    const Response r = FetchOne(proxied, io, Local("http://news.example.invalid/feed", false));
    CHECK(r.outcome == Outcome::kBlockedAddress);
    CHECK(r.error == "blocked address 127.0.0.1");
    CHECK(server.count("/internal", 200) == 0);
  }
}

TEST_CASE("a configured proxy carries every request, and the guard still judges the URL",
          "[fetch][proxy]") {
  // The fixture server answers absolute-form targets like a forward proxy.
  FixtureServer proxy;
  proxy.Route("http://feeds.example.invalid/feed.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "application/rss+xml"}};
    r.body = "<rss/>";
    return r;
  });
  asio::io_context io;
  Options options = Quick();
  options.proxy = proxy.url("");
  Fetcher fetcher(io, options);

  const Response r = FetchOne(fetcher, io, Local("http://feeds.example.invalid/feed.xml", false));
  CHECK(r.outcome == Outcome::kOk);
  CHECK(r.body == "<rss/>");
  auto requests = proxy.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "http://feeds.example.invalid/feed.xml");

  for (const char* url : {"http://127.0.0.1:9/x", "http://[::1]/x", "http://169.254.169.254/latest/meta-data/",
                          "http://localhost/x", "http://db.localhost/x", "http://10.1.2.3/x"}) {
    INFO(url);
    const Response refused = FetchOne(fetcher, io, Local(url, false));
    CHECK(refused.outcome == Outcome::kBlockedAddress);
  }
  CHECK(proxy.requests().size() == 1);
  // allow_private lets such a URL through to the proxy.
  const Response allowed = FetchOne(fetcher, io, Local("http://10.1.2.3/x", true));
  CHECK(allowed.outcome == Outcome::kHttpError);
  CHECK(allowed.status == 404);
  CHECK(proxy.requests().size() == 2);
}
