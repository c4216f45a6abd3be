// The WebSub hub: subscription requests, verification of intent, leases,
// signed content distribution with retries, the SSRF guard on callbacks,
// and (end to end, with the real daemon) a new item pushed to a subscriber
// seconds after its source changed.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <asio/post.hpp>
#include <curl/curl.h>

#include "daemon/serve/routes.h"
#include "daemon/serve/websub.h"
#include "feeds_fixture.h"
#include "support/fixture_server.h"

using namespace feeds_test;
using namespace std::chrono_literals;

namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

struct Received {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

// A subscriber's callback endpoint: a plain blocking HTTP/1.1 server on
// 127.0.0.1 that records every request and answers through `answer`.
class Callback {
 public:
  using Answer = std::function<std::pair<int, std::string>(const Received&)>;

  explicit Callback(Answer answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Callback() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  // Waits until `pred` holds for the requests so far, or `timeout` passes.
  bool WaitFor(const std::function<bool(const std::vector<Received>&)>& pred, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return pred(seen_); });
  }
  std::vector<Received> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Handle(c);
      close(c);
    }
  }

  void Handle(int c) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    std::size_t length = 0;
    while (true) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = in.find("\r\n\r\n")) != std::string::npos) {
        head_end += 4;
        const std::size_t cl = Lower(in.substr(0, head_end)).find("content-length:");
        if (cl != std::string::npos) length = std::stoul(in.substr(cl + 15));
      }
      if (head_end != std::string::npos && in.size() >= head_end + length) break;
    }
    Received r;
    std::istringstream head(in.substr(0, head_end));
    std::string line;
    std::getline(head, line);
    std::istringstream request_line(line);
    request_line >> r.method >> r.target;
    while (std::getline(head, line) && line != "\r") {
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      r.headers[Lower(line.substr(0, colon))] = value;
    }
    r.body = in.substr(head_end, length);
    const auto [status, body] = answer_(r);
    const std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!write(c, out.data(), out.size());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(std::move(r));
    }
    cv_.notify_all();
  }

  static std::string Lower(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  }

  Answer answer_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> seen_;
};

// The value of `name` in a query string.
std::string QueryParam(const std::string& target, const std::string& name) {
  const std::size_t q = target.find('?');
  if (q == std::string::npos) return {};
  std::string rest = target.substr(q + 1);
  for (std::size_t at = 0; at <= rest.size();) {
    const std::size_t amp = std::min(rest.find('&', at), rest.size());
    const std::string pair = rest.substr(at, amp - at);
    if (pair.rfind(name + "=", 0) == 0) {
      std::string v = pair.substr(name.size() + 1), out;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size()) {
          out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    at = amp + 1;
  }
  return {};
}

// Echoes hub.challenge to verifications and accepts deliveries.
std::pair<int, std::string> Subscriber(const Received& r) {
  if (r.method == "GET") return {200, QueryParam(r.target, "hub.challenge")};
  return {204, ""};
}

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::pair<long, std::string> Post(const std::string& url, const std::string& form,
                                  const std::string& type = "application/x-www-form-urlencoded") {
  REQUIRE(kCurlReady);
  std::string body;
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  REQUIRE(curl_easy_perform(curl) == CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return {status, body};
}

std::string Encode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// The daemon's routes and hub on 127.0.0.1 with its own loop thread.
// allow_private lets the hub call back on loopback, as a test must.
struct HubSite {
  World world;
  asio::io_context io;
  redwire::fetch::Fetcher fetcher{io, redwire::fetch::Options{}};
  std::unique_ptr<redwire::app::Routes> routes;
  std::unique_ptr<redwire::http::Server> server;
  std::thread loop;

  explicit HubSite(bool allow_private = true, const std::string& extra_settings = "")
      : world(50, (allow_private ? "allow_private = true\n" : "") + extra_settings) {
    server = std::make_unique<redwire::http::Server>(
        io, [this](const redwire::http::Request& r) { return routes->Handle(r); }, redwire::app::RouteLimits());
    REQUIRE(server->Start("127.0.0.1:0").ok());
    routes = std::make_unique<redwire::app::Routes>(*world.store, world.config, base());
    REQUIRE(routes->EnableHub(io, fetcher, (world.dir.path / "redwire.db").string()).ok());
    loop = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~HubSite() {
    server->Stop();
    io.stop();
    loop.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::string hub() const { return base() + "/hub"; }

  // Runs `f` on the loop thread and waits for it.
  void OnLoop(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::int64_t Subscribers() {
    auto subs = redwire::store::Subscriptions::Open((world.dir.path / "redwire.db").string());
    REQUIRE(subs.ok());
    auto n = subs.value()->Count();
    REQUIRE(n.ok());
    return n.value();
  }

  bool WaitSubscribers(std::int64_t n) {
    for (int i = 0; i < 100; ++i) {
      if (Subscribers() == n) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

std::string SubscribeForm(const std::string& mode, const std::string& topic, const std::string& callback,
                          const std::string& extra = "") {
  return "hub.mode=" + mode + "&hub.topic=" + Encode(topic) + "&hub.callback=" + Encode(callback) + extra;
}

}  // namespace

TEST_CASE("The hub refuses bad subscription requests with 4xx") {
  HubSite site;
  const std::string topic = site.base() + "/topics/labour.atom";
  CHECK(Post(site.hub(), SubscribeForm("follow", topic, "http://example.org/cb")).first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", topic, "ftp://example.org/cb")).first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", "https://elsewhere.example/feed", "http://example.org/cb"))
            .first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", site.base() + "/topics/nope.atom", "http://example.org/cb"))
            .first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", site.base() + "/topics/labour.html", "http://example.org/cb"))
            .first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", topic, "http://example.org/cb", "&hub.secret=" +
                                                                                      std::string(200, 'x')))
            .first == 400);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", topic, "http://example.org/cb", "&hub.lease_seconds=-5"))
            .first == 400);
  CHECK(Post(site.hub(), "hub.mode=%zz").first == 400);
  CHECK(Post(site.hub(), "{}", "application/json").first == 415);
  CHECK(Post(site.hub(), std::string(20000, 'a')).first == 413);
  CHECK(Post(site.base() + "/topics/labour.atom", "x=1").first == 405);
  CHECK(site.Subscribers() == 0);
}

TEST_CASE("Subscribe, verify intent, receive signed content, unsubscribe") {
  HubSite site;
  Callback callback(Subscriber);
  const std::string topic = site.base() + "/topics/labour.atom";
  const std::string cb = callback.url("/cb?reader=7");
  auto accepted = Post(site.hub(), SubscribeForm("subscribe", topic, cb, "&hub.secret=s3cret&hub.lease_seconds=900"));
  CHECK(accepted.first == 202);
  REQUIRE(site.WaitSubscribers(1));
  const Received verify = callback.seen().at(0);
  CHECK(verify.method == "GET");
  CHECK(verify.target.rfind("/cb?reader=7&hub.mode=subscribe&", 0) == 0);
  CHECK(QueryParam(verify.target, "hub.topic") == topic);
  CHECK(QueryParam(verify.target, "hub.lease_seconds") == "900");
  CHECK(QueryParam(verify.target, "hub.challenge").size() == 48);

  // A new strike item reaches the labour subscriber, signed.
  site.OnLoop([&] {
    site.world.Add({MakeItem("pce", 9, "Huelga indefinida en la limpieza", "Las trabajadoras en huelga.",
                             1709990000, "es")});
  });
  REQUIRE(callback.WaitFor([](const auto& seen) { return seen.size() >= 2; }, 5s));
  const Received push = callback.seen().at(1);
  CHECK(push.method == "POST");
  CHECK(push.target == "/cb?reader=7");
  CHECK(push.headers.at("content-type") == "application/atom+xml");
  CHECK(push.body.find("Huelga indefinida en la limpieza") != std::string::npos);
  CHECK(push.headers.at("x-hub-signature") == redwire::app::HubSignature("s3cret", push.body));
  CHECK(push.headers.at("x-hub-signature").rfind("sha256=", 0) == 0);
  CHECK(push.headers.at("link") == "<" + site.hub() + ">; rel=\"hub\", <" + topic + ">; rel=\"self\"");

  // A change to another topic is not pushed here.
  site.OnLoop([&] {
    site.world.Add({MakeItem("kke-en", 10, "Solidarity with Cuba", "Cuba.", 1709990100, "en")});
  });
  CHECK_FALSE(callback.WaitFor([](const auto& seen) { return seen.size() >= 3; }, 1s));

  CHECK(Post(site.hub(), SubscribeForm("unsubscribe", topic, cb)).first == 202);
  REQUIRE(site.WaitSubscribers(0));
  CHECK(QueryParam(callback.seen().at(2).target, "hub.mode") == "unsubscribe");
}

TEST_CASE("A callback that does not echo the challenge is not subscribed") {
  HubSite site;
  Callback callback([](const Received&) { return std::pair<int, std::string>{200, "no"}; });
  CHECK(Post(site.hub(), SubscribeForm("subscribe", site.base() + "/all.atom", callback.url("/cb"))).first == 202);
  REQUIRE(callback.WaitFor([](const auto& seen) { return !seen.empty(); }, 5s));
  std::this_thread::sleep_for(200ms);
  CHECK(site.Subscribers() == 0);
}

TEST_CASE("Without allow_private, callbacks on loopback are refused by the fetcher") {
  HubSite site(false);
  Callback callback(Subscriber);
  CHECK(Post(site.hub(), SubscribeForm("subscribe", site.base() + "/all.atom", callback.url("/cb"))).first == 202);
  std::this_thread::sleep_for(500ms);
  CHECK(callback.seen().empty());
  CHECK(site.Subscribers() == 0);
}

TEST_CASE("Deliveries retry with backoff, leases expire") {
  World world;
  asio::io_context io;
  redwire::fetch::Fetcher fetcher(io, redwire::fetch::Options{});
  auto subs = redwire::store::Subscriptions::Open((world.dir.path / "redwire.db").string());
  REQUIRE(subs.ok());
  std::atomic<int> calls{0};
  Callback callback([&](const Received&) {
    return std::pair<int, std::string>{++calls < 3 ? 503 : 200, ""};
  });
  redwire::app::HubOptions options;
  options.allow_private = true;
  options.retry_delays = {1s, 1s};
  const std::string base = "http://news.example.org";
  redwire::app::Hub hub(io, fetcher, *subs.value(),
                        [](const std::string& path) -> std::optional<redwire::app::HubFeed> {
                          if (path != "/all.atom") return std::nullopt;
                          return redwire::app::HubFeed{"<feed/>", "application/atom+xml"};
                        },
                        base, options);
  const redwire::UnixTime now = std::time(nullptr);
  REQUIRE(subs.value()->Put({base + "/all.atom", callback.url("/a"), "", 600, now, now + 600}).ok());
  REQUIRE(subs.value()->Put({base + "/all.atom", callback.url("/expired"), "", 600, now - 700, now - 100}).ok());
  auto live = subs.value()->ForTopic(base + "/all.atom", now);
  REQUIRE(live.ok());
  CHECK(live.value().size() == 1);

  hub.Publish({base + "/all.atom"});
  io.run_for(3s);
  CHECK(calls == 3);  // two 503s, then delivered
  CHECK(hub.pending() == 0);
  for (const auto& r : callback.seen()) CHECK(r.target == "/a");
  auto count = subs.value()->Count();
  REQUIRE(count.ok());
  CHECK(count.value() == 1);  // the expired one was dropped at publish time
}

TEST_CASE("End to end: the real daemon pushes a new item seconds after its source changed") {
  TempDir dir;
  redwire::testing::FixtureServer origin;
  std::mutex feed_mutex;
  std::string feed = R"(<?xml version="1.0"?><rss version="2.0"><channel><title>PCE</title>
<link>https://www.pce.es/</link>
<item><title>Huelga general</title><link>https://www.pce.es/1</link><guid>https://www.pce.es/1</guid>
<pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate></item></channel></rss>)";
  origin.Route("/feed", [&](const redwire::testing::FixtureRequest&) {
    std::lock_guard<std::mutex> lock(feed_mutex);
    return redwire::testing::FixtureResponse{200, {{"Content-Type", "application/rss+xml"}}, feed};
  });
  fs::create_directories(dir.path / "config");
  WriteText(dir.path / "config" / "feeds.toml", "[redwire]\nallow_private = true\n\n[[source]]\nid = \"pce\"\n"
                                                "url = \"" + origin.url("/feed") + "\"\nevery = \"1s\"\n\n"
                                                "[[topic]]\nid = \"labour\"\nmatch = 'huelga*'\n");
  // A free port for the daemon.
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  close(probe);
  const std::string base = "http://127.0.0.1:" + port;

  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string config = (dir.path / "config").string();
    const std::string state = (dir.path / "state").string();
    const std::string listen = "127.0.0.1:" + port;
    const std::string log = (dir.path / "daemon.log").string();
    freopen(log.c_str(), "w", stderr);
    execl(REDWIRE_BINARY, "redwire", "run", "--config", config.c_str(), "--state", state.c_str(), "--listen",
          listen.c_str(), "--log-level", "debug", static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  } reap{pid};

  Callback callback(Subscriber);
  const std::string topic = base + "/topics/labour.atom";
  // Wait for the daemon to serve the first item.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(100ms);
    std::string body;
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, topic.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    up = curl_easy_perform(curl) == CURLE_OK && body.find("Huelga general") != std::string::npos;
    curl_easy_cleanup(curl);
  }
  INFO(ReadAll(dir.path / "daemon.log"));
  REQUIRE(up);
  REQUIRE(Post(base + "/hub", SubscribeForm("subscribe", topic, callback.url("/cb"), "&hub.secret=k")).first == 202);
  REQUIRE(callback.WaitFor([](const auto& seen) { return !seen.empty(); }, 5s));
  std::this_thread::sleep_for(200ms);  // the subscription is stored after the echo

  {
    std::lock_guard<std::mutex> lock(feed_mutex);
    feed.insert(feed.find("<item>"), "<item><title>Huelga del metal</title><link>https://www.pce.es/2</link>"
                                     "<guid>https://www.pce.es/2</guid>"
                                     "<pubDate>Wed, 06 Mar 2024 09:00:00 GMT</pubDate></item>");
  }
  const auto changed = std::chrono::steady_clock::now();
  REQUIRE(callback.WaitFor(
      [](const auto& seen) {
        return std::any_of(seen.begin(), seen.end(), [](const Received& r) {
          return r.method == "POST" && r.body.find("Huelga del metal") != std::string::npos;
        });
      },
      20s));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - changed).count();
  INFO("pushed " << seconds << " s after the source changed");
  CHECK(seconds < 10.0);
  for (const auto& r : callback.seen()) {
    if (r.method == "POST") CHECK(r.headers.at("x-hub-signature") == redwire::app::HubSignature("k", r.body));
  }
}

TEST_CASE("A changed feed pings the configured external hub with hub.mode=publish") {
  Callback external([](const Received&) { return std::pair<int, std::string>{204, ""}; });
  HubSite site(true, "external_hub = \"" + external.url("/publish") + "\"");
  const std::string topic = site.base() + "/topics/labour.atom";
  site.OnLoop([&] {
    site.world.Add({MakeItem("pce", 11, "Huelga general en el metal", "Los trabajadores del metal en huelga.",
                             1709990500, "es")});
  });
  REQUIRE(external.WaitFor(
      [&](const auto& seen) {
        for (const auto& r : seen) {
          if (r.body.find(Encode(topic)) != std::string::npos) return true;
        }
        return false;
      },
      5s));
  for (const auto& r : external.seen()) {
    INFO(r.body);
    CHECK(r.method == "POST");
    CHECK(r.target == "/publish");
    CHECK(r.headers.at("content-type") == "application/x-www-form-urlencoded");
    CHECK(r.body.rfind("hub.mode=publish&hub.url=" + Encode(site.base() + "/"), 0) == 0);
  }
}
