// The poller end to end in-process: a real Poller, Fetcher, Ingester and
// SQLite Store on one io_context, polling the loopback fixture server as it
// plays each hostile behaviour of issue 5.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <curl/curl.h>

#include "daemon/schedule/metrics.h"
#include "daemon/schedule/poller.h"
#include "daemon/serve/routes.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"
#include "support/fixture_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::UnixTime;
using redwire::app::LiveConfig;
using redwire::app::Metrics;
using redwire::app::Poller;
using redwire::config::Source;
using redwire::store::SourceState;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;
using Clock = std::chrono::steady_clock;

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
} curl_global;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/fetch/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An RSS document with `items` items and an optional <ttl> in minutes. Dated
// items are a day apart in January 2024, so the source looks long quiet and
// its adaptive interval goes to max_every; undated ones look brand new.
std::string Rss(int items, int ttl_minutes = 0, bool dated = true) {
  std::string s = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://example.org/</link>";
  if (ttl_minutes) s += "<ttl>" + std::to_string(ttl_minutes) + "</ttl>";
  for (int i = 0; i < items; ++i) {
    s += "<item><title>item " + std::to_string(i) + "</title><guid>g" + std::to_string(i) + "</guid>"
         "<link>https://example.org/" + std::to_string(i) + "</link>";
    if (dated) s += "<pubDate>" + std::to_string(10 + i) + " Jan 2024 00:00:00 +0000</pubDate>";
    s += "</item>";
  }
  return s + "</channel></rss>";
}

Source Feed(const std::string& id, const std::string& url, std::chrono::seconds every = 1s,
            bool allow_private = true) {
  Source s;
  s.id = id;
  s.name = id;
  s.url = url;
  s.every = every;
  s.allow_private = allow_private;
  return s;
}

std::shared_ptr<const LiveConfig> Config(std::vector<Source> sources) {
  auto live = std::make_shared<LiveConfig>();
  live->catalog.sources = std::move(sources);
  return live;
}

FixtureResponse Redirect(int status, std::string to) {
  FixtureResponse r;
  r.status = status;
  r.headers = {{"Location", std::move(to)}};
  return r;
}

// Arrival times per path, recorded on the server thread.
class Arrivals {
 public:
  void Add(const std::string& path) {
    std::lock_guard lock(mutex_);
    at_[path].push_back(Clock::now());
  }
  std::vector<Clock::time_point> Of(const std::string& path) {
    std::lock_guard lock(mutex_);
    return at_[path];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<Clock::time_point>> at_;
};

// A store in a fresh temporary directory, a fetcher tuned for loopback, the
// poller's metrics, and the loop they share.
struct Rig {
  Rig() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("redwire-poller-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir);
    auto opened = redwire::store::Store::Open((dir / "redwire.db").string());
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }
  ~Rig() {
    poller.reset();
    fetcher.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  void Begin(std::shared_ptr<const LiveConfig> config, redwire::fetch::Options options = Quick()) {
    if (!fetcher) fetcher = std::make_unique<redwire::fetch::Fetcher>(io, options);
    poller = std::make_unique<Poller>(io, *store, *fetcher, std::move(config), &metrics);
    poller->Start();
  }

  static redwire::fetch::Options Quick() {
    redwire::fetch::Options o;
    o.connect_timeout = 1s;
    o.total_timeout = 2s;
    o.low_speed_limit = 50;
    o.low_speed_time = 1s;
    o.per_host = 64;
    o.host_delay = 0ms;
    return o;
  }

  void RunFor(Clock::duration d) {
    io.restart();
    io.run_for(d);
  }

  // Runs the loop until `done` holds, checking every 50 ms; false on timeout.
  bool RunUntil(const std::function<bool()>& done, Clock::duration limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (done()) return true;
      RunFor(50ms);
    }
    return done();
  }

  SourceState State(const std::string& id) {
    auto s = store->GetSourceState(id);
    REQUIRE(s.ok());
    return s.value().value_or(SourceState{});
  }

  std::int64_t Items(const std::string& id) {
    redwire::store::Query q;
    q.source = id;
    q.limit = 0;
    auto items = store->Items(q);
    REQUIRE(items.ok());
    return static_cast<std::int64_t>(items.value().size());
  }

  fs::path dir;
  FixtureServer server;
  asio::io_context io;
  std::unique_ptr<redwire::store::Store> store;
  std::unique_ptr<redwire::fetch::Fetcher> fetcher;
  Metrics metrics;
  std::unique_ptr<Poller> poller;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("AdaptiveInterval follows the pace of new items within its bounds", "[poller]") {
  Source s = Feed("s", "http://example.org/", 30min);
  s.min_every = 10min;
  s.max_every = 4h;
  const UnixTime now = 1'700'000'000;
  using redwire::app::AdaptiveInterval;

  CHECK(AdaptiveInterval(s, {}, now) == 30min);
  CHECK(AdaptiveInterval(s, {now - 60}, now) == 30min);
  // One item an hour, the last a minute ago: poll every half hour.
  CHECK(AdaptiveInterval(s, {now - 60, now - 3660, now - 7260}, now) == 30min);
  // One item every two minutes: as often as min_every allows.
  CHECK(AdaptiveInterval(s, {now - 10, now - 130, now - 250}, now) == 10min);
  // Nothing for a week: as rarely as max_every allows.
  CHECK(AdaptiveInterval(s, {now - 7 * 86400, now - 8 * 86400}, now) == 4h);
  // Two hours of quiet after an hourly rhythm: half the quiet.
  CHECK(AdaptiveInterval(s, {now - 7200, now - 10800, now - 14400}, now) == 1h);
  // Dates in the future say nothing.
  CHECK(AdaptiveInterval(s, {now + 86400, now + 2 * 86400}, now) == 30min);
  // Defaults: min_every = every, max_every = 4 x every.
  const Source plain = Feed("p", "http://example.org/", 30min);
  CHECK(AdaptiveInterval(plain, {now - 10, now - 130}, now) == 30min);
  CHECK(AdaptiveInterval(plain, {now - 30 * 86400, now - 31 * 86400}, now) == 2h);
}

TEST_CASE("hostile servers each end in a clear outcome while a healthy source keeps its schedule",
          "[poller][hostile]") {
  Rig rig;
  FixtureServer& server = rig.server;
  const std::string feed = Fixture("feed.xml");
  server.Static("/healthy.xml", "application/rss+xml", feed, "\"h1\"");
  server.Route("/drip.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(200, 'd');
    r.chunk_bytes = 1;
    r.chunk_delay = 1500ms;
    return r;
  });
  server.Route("/hang.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.hang = true;
    return r;
  });
  server.Route("/reset.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.reset = true;
    return r;
  });
  server.Route("/loop-a", [&server](const FixtureRequest&) { return Redirect(302, server.url("/loop-b")); });
  server.Route("/loop-b", [&server](const FixtureRequest&) { return Redirect(302, server.url("/loop-a")); });
  const std::string gz = Fixture("feed.xml.gz");
  server.Route("/gzip.xml", [gz](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", "gzip"}};
    r.body = gz;
    return r;
  });
  const std::string bomb = Fixture("zeros-2mb.gz");
  server.Route("/bomb.xml", [bomb](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", "gzip"}};
    r.body = bomb;
    return r;
  });
  server.Route("/huge.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = std::string(50u << 20, '<');
    return r;
  });
  server.Route("/html-type.xml", [feed](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    r.body = feed;
    return r;
  });
  // 127.0.0.1 plays a public origin; its IPv4-mapped spelling an internal one.
  const std::string internal = "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/internal.xml";
  server.Static("/internal.xml", "application/rss+xml", feed, "\"i\"");
  server.Route("/to-internal", [internal](const FixtureRequest&) { return Redirect(302, internal); });

  redwire::fetch::Options options = Rig::Quick();
  options.max_body_bytes = 1'000'000;
  options.is_public = [](const asio::ip::address& a) { return a == asio::ip::make_address("127.0.0.1"); };
  rig.Begin(Config({
                Feed("healthy", server.url("/healthy.xml")),
                Feed("drip", server.url("/drip.xml")),
                Feed("hang", server.url("/hang.xml")),
                Feed("reset", server.url("/reset.xml")),
                Feed("loop", server.url("/loop-a")),
                Feed("gzip", server.url("/gzip.xml")),
                Feed("bomb", server.url("/bomb.xml")),
                Feed("huge", server.url("/huge.xml")),
                Feed("html-type", server.url("/html-type.xml")),
                Feed("guarded", server.url("/to-internal"), 1s, false),
                Feed("unguarded", server.url("/to-internal"), 1s, true),
            }),
            options);
  rig.RunFor(4500ms);
  rig.poller->Stop();

  struct Want {
    const char* id;
    const char* outcome;
    bool fails;
  };
  for (const Want& want : {Want{"drip", "timeout", true}, Want{"hang", "timeout", true},
                           Want{"reset", "network-error", true}, Want{"loop", "redirect-limit", true},
                           Want{"bomb", "too-large", true}, Want{"huge", "too-large", true},
                           Want{"guarded", "blocked-address", true}, Want{"gzip", "ok", false},
                           Want{"html-type", "ok", false}, Want{"unguarded", "ok", false}}) {
    INFO(want.id);
    const SourceState st = rig.State(want.id);
    // A success after the first poll answers 304 where the origin supports it.
    if (std::string(want.outcome) == "ok") {
      CHECK((st.last_outcome == "ok" || st.last_outcome == "not-modified"));
    } else {
      CHECK(st.last_outcome == want.outcome);
    }
    CHECK(st.last_attempt > 0);
    CHECK(st.next_due >= st.last_attempt);
    if (want.fails) {
      CHECK(st.consecutive_failures >= 1);
      CHECK_FALSE(st.last_error.empty());
      CHECK(st.last_success == 0);
      CHECK(rig.Items(want.id) == 0);
    } else {
      CHECK(st.consecutive_failures == 0);
      CHECK(st.last_error.empty());
      CHECK(rig.Items(want.id) == 1);
    }
  }
  CHECK(rig.State("guarded").last_error == "blocked address ::ffff:127.0.0.1");
  CHECK(rig.State("huge").last_error == "body over 1000000 bytes");
  CHECK(server.count("/internal.xml", 200) == 1);  // only the unguarded source got there

  // The healthy source kept its one-second rhythm through all of it.
  const SourceState healthy = rig.State("healthy");
  CHECK(healthy.consecutive_failures == 0);
  CHECK(healthy.last_outcome == "not-modified");
  CHECK(healthy.last_bytes == static_cast<std::int64_t>(feed.size()));
  CHECK(healthy.items_seen == 1);
  CHECK(server.count("/healthy.xml", 200) == 1);
  CHECK(server.count("/healthy.xml", 304) >= 2);

  // The counters saw the same story.
  CHECK(rig.metrics.fetches("timeout") >= 2);
  CHECK(rig.metrics.fetches("too-large") >= 2);
  CHECK(rig.metrics.fetches("not-modified") >= 2);
  CHECK(rig.metrics.new_items() == 4);  // healthy, gzip, html-type, unguarded
}

TEST_CASE("a 500 backs off exponentially and the first success recovers", "[poller][backoff]") {
  Rig rig;
  Arrivals arrivals;
  std::atomic<int> calls{0};
  const std::string feed = Fixture("feed.xml");
  rig.server.Route("/flaky.xml", [&](const FixtureRequest&) {
    arrivals.Add("/flaky.xml");
    FixtureResponse r;
    if (++calls <= 2) {
      r.status = 500;
      r.body = "oops";
      return r;
    }
    r.headers = {{"Content-Type", "application/rss+xml"}};
    r.body = feed;
    return r;
  });
  rig.Begin(Config({Feed("flaky", rig.server.url("/flaky.xml"))}));
  int worst = 0;
  REQUIRE(rig.RunUntil(
      [&] {
        const SourceState st = rig.State("flaky");
        worst = std::max(worst, st.consecutive_failures);
        return st.last_success > 0;
      },
      10s));

  const SourceState st = rig.State("flaky");
  CHECK(worst == 2);
  CHECK(st.consecutive_failures == 0);
  CHECK(st.last_error.empty());
  CHECK(st.last_outcome == "ok");
  CHECK(st.last_status == 200);
  CHECK(st.items_new == 1);
  const auto at = arrivals.Of("/flaky.xml");
  REQUIRE(at.size() == 3);
  // First retry after about 1 s (every), the second after about 2 s.
  CHECK(at[1] - at[0] >= 750ms);
  CHECK(at[2] - at[1] >= 1550ms);
  CHECK(at[2] - at[1] <= 2500ms);
}

TEST_CASE("429 with Retry-After waits at least that long", "[poller][backoff]") {
  Rig rig;
  Arrivals arrivals;
  std::atomic<int> calls{0};
  const std::string feed = Fixture("feed.xml");
  rig.server.Route("/busy.xml", [&](const FixtureRequest&) {
    arrivals.Add("/busy.xml");
    FixtureResponse r;
    if (++calls == 1) {
      r.status = 429;
      r.headers = {{"Retry-After", "3"}};
      return r;
    }
    r.body = feed;
    return r;
  });
  rig.Begin(Config({Feed("busy", rig.server.url("/busy.xml"))}));
  REQUIRE(rig.RunUntil([&] { return rig.State("busy").last_status == 429; }, 3s));
  const SourceState limited = rig.State("busy");
  CHECK(limited.last_outcome == "http-error");
  CHECK(limited.last_error == "HTTP 429");
  CHECK(limited.consecutive_failures == 1);
  CHECK(limited.next_due - limited.last_attempt >= 3);

  REQUIRE(rig.RunUntil([&] { return rig.State("busy").last_success > 0; }, 6s));
  const auto at = arrivals.Of("/busy.xml");
  REQUIRE(at.size() == 2);
  CHECK(at[1] - at[0] >= 2900ms);
}

TEST_CASE("301 and 308 move the polled URL once, 302 does not", "[poller][redirect]") {
  Rig rig;
  FixtureServer& server = rig.server;
  const std::string feed = Fixture("feed.xml");
  server.Route("/old.xml", [&server](const FixtureRequest&) { return Redirect(301, server.url("/mid.xml")); });
  server.Route("/mid.xml", [&server](const FixtureRequest&) { return Redirect(308, server.url("/new.xml")); });
  server.Static("/new.xml", "application/rss+xml", feed, "\"n\"");
  server.Route("/temp.xml", [&server](const FixtureRequest&) { return Redirect(302, server.url("/there.xml")); });
  server.Static("/there.xml", "application/rss+xml", feed, "\"t\"");
  rig.Begin(Config({Feed("moved", server.url("/old.xml")), Feed("temp", server.url("/temp.xml"))}));
  REQUIRE(rig.RunUntil(
      [&] { return server.count("/new.xml", 304) >= 1 && server.count("/there.xml", 304) >= 1; }, 6s));
  rig.poller->Stop();

  const SourceState moved = rig.State("moved");
  CHECK(moved.moved_to == server.url("/new.xml"));
  CHECK(moved.moved_from == server.url("/old.xml"));
  CHECK(moved.last_outcome == "not-modified");
  CHECK(server.count("/old.xml", 301) == 1);  // later polls go straight to the new URL
  CHECK(server.count("/mid.xml", 308) == 1);

  const SourceState temp = rig.State("temp");
  CHECK(temp.moved_to.empty());
  CHECK(server.count("/temp.xml", 302) >= 2);  // every poll starts at the configured URL

  redwire::app::Routes routes(*rig.store, Config({Feed("moved", server.url("/old.xml"))}), "http://x", &rig.metrics);
  redwire::http::Request request;
  request.method = "GET";
  request.path = "/status.json";
  const auto status = routes.Handle(request);
  CHECK(status.status == 200);
  CHECK(status.content_type == "application/json");
  CHECK(Contains(status.body, "\"polled_url\":\"" + server.url("/new.xml") + "\""));
  CHECK(Contains(status.body, "\"moved_to\":\"" + server.url("/new.xml") + "\""));
  request.path = "/status";
  const std::string index = routes.Handle(request).body;
  CHECK(Contains(index, "<dt>moved</dt><dd>permanently to <code>" + server.url("/new.xml") + "</code>"));
  CHECK(Contains(index, "<dt>next poll</dt><dd><time"));
  CHECK(Contains(index, "<dt>items</dt><dd>1 in the feed"));
  request.path = "/metrics";
  const auto metrics = routes.Handle(request);
  CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(Contains(metrics.body, "redwire_fetches_total{outcome=\"not-modified\"} "));
  CHECK(Contains(metrics.body, "redwire_sources{status=\"ok\"} 1\n"));
}

TEST_CASE("410 Gone stops polling until the configured URL changes", "[poller][gone]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Route("/dead.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 410;
    return r;
  });
  server.Static("/alive.xml", "application/rss+xml", Fixture("feed.xml"), "\"a\"");
  server.Static("/other.xml", "application/rss+xml", Fixture("feed.xml"), "\"o\"");
  rig.Begin(Config({Feed("dead", server.url("/dead.xml")), Feed("other", server.url("/other.xml"))}));
  rig.RunFor(3s);

  const SourceState gone = rig.State("dead");
  CHECK(server.count("/dead.xml", 410) == 1);
  CHECK(gone.gone);
  CHECK(gone.gone_url == server.url("/dead.xml"));
  CHECK(gone.last_outcome == "gone");
  CHECK(gone.last_status == 410);
  CHECK(rig.poller->scheduled() == 1);  // only "other"
  CHECK(server.count("/other.xml", 304) >= 1);

  // The page and the JSON say so.
  redwire::app::Routes routes(*rig.store, Config({Feed("dead", server.url("/dead.xml"))}), "http://x", &rig.metrics);
  redwire::http::Request request;
  request.method = "GET";
  request.path = "/status.json";
  CHECK(Contains(routes.Handle(request).body, "\"status\":\"gone\""));
  request.path = "/status";
  const std::string page = routes.Handle(request).body;
  CHECK(Contains(page, "<span class=\"failing\">gone</span>"));
  CHECK(Contains(page, "the feed is gone (HTTP 410)"));
  CHECK(Contains(page, "<dt>next poll</dt><dd>none until the source&#39;s URL changes in the configuration</dd>"));

  // A restart does not revive it either.
  rig.poller = std::make_unique<Poller>(rig.io, *rig.store, *rig.fetcher,
                                        Config({Feed("dead", server.url("/dead.xml"))}), &rig.metrics);
  CHECK(rig.poller->Start() == 0);

  // A new URL in the config does.
  rig.poller->Reload(Config({Feed("dead", server.url("/alive.xml"))}));
  REQUIRE(rig.RunUntil([&] { return rig.State("dead").last_success > 0; }, 4s));
  const SourceState revived = rig.State("dead");
  CHECK_FALSE(revived.gone);
  CHECK(revived.last_outcome == "ok");
  CHECK(server.count("/dead.xml", 410) == 1);
}

TEST_CASE("a restart polls overdue and new sources soon and leaves planned ones alone", "[poller][schedule]") {
  Rig rig;
  FixtureServer& server = rig.server;
  Arrivals arrivals;
  std::vector<Source> sources;
  for (const char* id : {"planned", "overdue", "new-1", "new-2", "new-3", "new-4", "new-5", "new-6"}) {
    const std::string path = std::string("/") + id + ".xml";
    server.Route(path, [&arrivals, path](const FixtureRequest&) {
      arrivals.Add(path);
      FixtureResponse r;
      r.body = Rss(2);
      return r;
    });
    sources.push_back(Feed(id, server.url(path), 2s));
  }
  const UnixTime now = Now();
  SourceState planned;
  planned.source_id = "planned";
  planned.last_attempt = now - 10;
  planned.last_success = now - 10;
  planned.last_outcome = "ok";
  planned.next_due = now + 3600;
  REQUIRE(rig.store->PutSourceState(planned).ok());
  SourceState overdue = planned;
  overdue.source_id = "overdue";
  overdue.next_due = now - 600;
  REQUIRE(rig.store->PutSourceState(overdue).ok());

  const auto start = Clock::now();
  rig.Begin(Config(sources));
  CHECK(rig.poller->scheduled() == sources.size());
  rig.RunFor(2500ms);
  rig.poller->Stop();

  CHECK(arrivals.Of("/planned.xml").empty());
  REQUIRE(arrivals.Of("/overdue.xml").size() == 1);
  // First polls are spread over [0, min(every, 30 s)], not all at once.
  Clock::time_point first = Clock::time_point::max(), last = Clock::time_point::min();
  for (const char* id : {"overdue", "new-1", "new-2", "new-3", "new-4", "new-5", "new-6"}) {
    INFO(id);
    const auto at = arrivals.Of(std::string("/") + id + ".xml");
    REQUIRE(at.size() == 1);
    CHECK(at[0] - start < 2500ms);
    first = std::min(first, at[0]);
    last = std::max(last, at[0]);
    CHECK(rig.State(id).next_due >= Now() + 1);
  }
  CHECK(last - first >= 300ms);
  // The plan survives in the store for the next restart.
  CHECK(rig.State("planned").next_due == now + 3600);
}

TEST_CASE("PollSoon moves a source's next poll to now, once at a time, and reports each outcome",
          "[poller][poll-now]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Static("/hourly.xml", "application/rss+xml", Rss(3), "\"h\"");
  server.Route("/broken.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 500;
    return r;
  });
  std::vector<SourceState> polled;
  rig.fetcher = std::make_unique<redwire::fetch::Fetcher>(rig.io, Rig::Quick());
  Source page = Feed("page", server.url("/page.html"));
  page.has_scrape = true;  // a page without rules: polled for a feed found on it
  auto config = Config({Feed("hourly", server.url("/hourly.xml"), 1h), Feed("broken", server.url("/broken.xml"), 1h),
                        page});
  rig.poller = std::make_unique<Poller>(rig.io, *rig.store, *rig.fetcher, config, &rig.metrics);
  rig.poller->OnPolled([&](const SourceState& s) { polled.push_back(s); });

  // Before Start (a one-shot poll): nothing is scheduled until asked.
  CHECK(rig.poller->PollSoon("hourly") == Poller::PollNow::kStarted);
  CHECK(rig.poller->PollSoon("hourly") == Poller::PollNow::kAlreadyPolling);
  CHECK(rig.poller->PollSoon("broken") == Poller::PollNow::kStarted);
  CHECK(rig.poller->PollSoon("page") == Poller::PollNow::kStarted);
  CHECK(rig.poller->PollSoon("nope") == Poller::PollNow::kUnknown);
  REQUIRE(rig.RunUntil([&] { return polled.size() == 3; }, 4s));
  CHECK(server.count("/hourly.xml", 200) == 1);  // the second request did not fetch again
  std::sort(polled.begin(), polled.end(), [](const auto& a, const auto& b) { return a.source_id < b.source_id; });
  CHECK(polled[0].source_id == "broken");
  CHECK(polled[0].last_error == "HTTP 500");
  CHECK(polled[1].source_id == "hourly");
  CHECK(polled[1].last_error.empty());
  CHECK(polled[1].items_new == 3);
  CHECK(polled[2].source_id == "page");
  CHECK(polled[2].last_error == "HTTP 404");
  // The next poll is an hour away; asked again, it is now.
  const SourceState planned = rig.State("hourly");
  CHECK(planned.next_due >= Now() + 3000);
  CHECK(rig.poller->PollSoon("hourly") == Poller::PollNow::kStarted);
  CHECK(rig.State("hourly").next_due <= Now());
  REQUIRE(rig.RunUntil([&] { return polled.size() == 4; }, 4s));
  CHECK(polled[3].last_outcome == "not-modified");
  CHECK(server.count("/hourly.xml", 304) == 1);
  CHECK(rig.State("hourly").next_due >= Now() + 3000);
}

TEST_CASE("a source never polled gets its planned first poll in the store, shown as pending",
          "[poller][schedule]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Static("/later.xml", "application/rss+xml", Rss(1), "\"l\"");
  // every = 1h: the first poll comes within min(every, 30 s) of the start.
  const UnixTime before = Now();
  rig.Begin(Config({Feed("later", server.url("/later.xml"), 1h)}));
  const SourceState plan = rig.State("later");
  CHECK(plan.last_attempt == 0);
  CHECK(plan.next_due >= before);
  CHECK(plan.next_due <= Now() + 31);
  redwire::app::Routes routes(*rig.store, Config({Feed("later", server.url("/later.xml"), 1h)}), "http://x",
                              &rig.metrics);
  redwire::http::Request request;
  request.method = "GET";
  request.path = "/status.json";
  const std::string status = routes.Handle(request).body;
  INFO(status);
  CHECK(Contains(status, "\"status\":\"pending\""));
  CHECK(Contains(status, "\"last_attempt\":null"));
  CHECK(std::regex_search(status, std::regex("\"next_poll\":\"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z\"")));
  CHECK(std::regex_search(status, std::regex("^\\{\"generated\":\"20[0-9]{2}-[^\"]+Z\",")));
  request.path = "/status";
  const std::string page = routes.Handle(request).body;
  CHECK(Contains(page, "not fetched yet"));
  CHECK(Contains(page, "<dt>next poll</dt><dd><time"));
}

TEST_CASE("the server's freshness hints floor the interval", "[poller][schedule]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Route("/cached.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.headers = {{"Cache-Control", "max-age=120"}};
    r.body = Rss(2);
    return r;
  });
  server.Route("/ttl.xml", [](const FixtureRequest&) {
    FixtureResponse r;
    r.body = Rss(2, 10);  // <ttl>10</ttl>: ten minutes
    return r;
  });
  rig.Begin(Config({Feed("cached", server.url("/cached.xml")), Feed("ttl", server.url("/ttl.xml"))}));
  REQUIRE(rig.RunUntil([&] { return rig.State("cached").last_success > 0 && rig.State("ttl").last_success > 0; }, 3s));
  const SourceState cached = rig.State("cached");
  CHECK(cached.next_due - cached.last_attempt >= 120);
  CHECK(cached.next_due - cached.last_attempt <= 140);
  const SourceState ttl = rig.State("ttl");
  CHECK(ttl.interval == 600);
  CHECK(ttl.next_due - ttl.last_attempt >= 600);
  CHECK(ttl.items_seen == 2);
  CHECK(ttl.items_new == 2);
}

TEST_CASE("Reload polls new sources soon, stops removed ones and replans changed intervals",
          "[poller][reload]") {
  Rig rig;
  FixtureServer& server = rig.server;
  for (const char* path : {"/a.xml", "/b.xml", "/c.xml"}) {
    server.Static(path, "application/rss+xml", Rss(1, 0, false), std::string("\"") + path + "\"");
  }
  rig.Begin(Config({Feed("a", server.url("/a.xml")), Feed("b", server.url("/b.xml"))}));
  REQUIRE(rig.RunUntil([&] { return rig.State("a").last_success > 0 && rig.State("b").last_success > 0; }, 3s));

  rig.poller->Reload(Config({Feed("a", server.url("/a.xml"), 1h), Feed("c", server.url("/c.xml"))}));
  const std::size_t a_polls = server.count("/a.xml", 200) + server.count("/a.xml", 304);
  const std::size_t b_polls = server.count("/b.xml", 200) + server.count("/b.xml", 304);
  CHECK(rig.poller->scheduled() == 2);
  rig.RunFor(2500ms);

  CHECK(server.count("/c.xml", 200) == 1);  // new: polled within a second
  CHECK(server.count("/c.xml", 304) >= 1);
  CHECK(server.count("/b.xml", 200) + server.count("/b.xml", 304) == b_polls);  // removed
  CHECK(server.count("/a.xml", 200) + server.count("/a.xml", 304) == a_polls);  // now hourly
  const SourceState a = rig.State("a");
  CHECK(a.next_due >= a.last_attempt + 3600);
}

TEST_CASE("/metrics renders the counters in the Prometheus text format", "[poller][metrics]") {
  Metrics metrics;
  metrics.RecordFetch("ok", 80ms, 1000);
  metrics.RecordFetch("ok", 3s, 500);
  metrics.RecordFetch("timeout", 60s, 0);
  metrics.RecordNewItems(7);
  redwire::publish::IndexSource failing{"kke", "KKE", "https://inter.kke.gr/", false, SourceState{}};
  failing.state->consecutive_failures = 3;
  failing.state->last_success = 1700000000;
  failing.state->last_attempt = 1700000090;
  redwire::publish::IndexSource pending{"new\"one", "New", "https://x.example/", false, std::nullopt};
  const std::string text = metrics.Render({failing, pending});

  CHECK(Contains(text, "# TYPE redwire_fetches_total counter\n"));
  CHECK(Contains(text, "redwire_fetches_total{outcome=\"ok\"} 2\n"));
  CHECK(Contains(text, "redwire_fetches_total{outcome=\"timeout\"} 1\n"));
  CHECK(Contains(text, "redwire_fetch_bytes_total 1500\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_bucket{le=\"0.1\"} 1\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_bucket{le=\"5\"} 2\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_bucket{le=\"60\"} 3\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_sum 63.08\n"));
  CHECK(Contains(text, "redwire_fetch_duration_seconds_count 3\n"));
  CHECK(Contains(text, "redwire_items_new_total 7\n"));
  CHECK(Contains(text, "redwire_sources{status=\"failing\"} 1\n"));
  CHECK(Contains(text, "redwire_sources{status=\"pending\"} 1\n"));
  CHECK(Contains(text, "redwire_source_consecutive_failures{source=\"kke\"} 3\n"));
  CHECK(Contains(text, "redwire_source_last_success_timestamp_seconds{source=\"kke\"} 1700000000\n"));

  const std::string json = redwire::app::StatusJson({failing, pending}, 1700000100);
  CHECK(Contains(json, "{\"generated\":\"2023-11-14T22:15:00Z\",\"sources\":["));
  CHECK(Contains(json, "\"last_attempt\":\"2023-11-14T22:14:50Z\",\"last_success\":\"2023-11-14T22:13:20Z\""));
  CHECK(Contains(json, "\"id\":\"kke\""));
  CHECK(Contains(json, "\"status\":\"failing\""));
  CHECK(Contains(json, "\"consecutive_failures\":3"));
  CHECK(Contains(json, "\"id\":\"new\\\"one\""));
  CHECK(Contains(json, "\"status\":\"pending\""));
}
