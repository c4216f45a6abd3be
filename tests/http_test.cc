#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "daemon/http/server.h"

using redwire::http::Limits;
using redwire::http::Request;
using redwire::http::Response;
using redwire::http::Server;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

const std::string kFeed = "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>";

// A server on 127.0.0.1 with a small route table, its loop on a thread.
struct TestServer {
  asio::io_context io;
  std::unique_ptr<Server> server;
  std::thread loop;
  std::mutex mutex;
  std::vector<Request> seen;  // every request the handler was given

  explicit TestServer(Limits limits = {},
                      const redwire::util::Clock& clock = redwire::util::SystemClock::Instance()) {
    server = std::make_unique<Server>(io, [this](const Request& r) { return Handle(r); }, limits, clock);
    const auto started = server->Start("127.0.0.1:0");
    REQUIRE(started.ok());
    REQUIRE(server->port() != 0);
    loop = std::thread([this] { io.run(); });
  }
  ~TestServer() {
    server->Stop();
    loop.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }

  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen;
  }

  Response Handle(const Request& r) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(r);
    }
    if (r.path == "/") return {200, "text/html; charset=utf-8", {}, "<h1>redwire</h1>"};
    if (r.path == "/all.atom") {
      return {200, "application/atom+xml; charset=utf-8", {{"ETag", "\"abc\""}}, kFeed};
    }
    if (r.path == "/boom") throw std::runtime_error("handler exploded");
    if (r.path.rfind("/echo", 0) == 0) return {200, "text/plain; charset=utf-8", {}, r.path + "|" + r.query};
    return {404, "text/plain; charset=utf-8", {}, "not found\n"};
  }
};

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;
  std::string body;
  long connects = -1;
  curl_off_t content_length = -1;

  // The value of a response header (name compared case-insensitively).
  std::string header(const std::string& name) const {
    std::size_t pos = 0;
    while (pos < headers.size()) {
      std::size_t eol = headers.find("\r\n", pos);
      if (eol == std::string::npos) eol = headers.size();
      const std::string line = headers.substr(pos, eol - pos);
      const std::size_t colon = line.find(':');
      if (colon == name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
        return line.substr(line.find_first_not_of(' ', colon + 1));
      }
      pos = eol + 2;
    }
    return {};
  }
};

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One easy handle; it keeps its connection between Fetch calls.
class Client {
 public:
  Client() : h_(curl_easy_init()) { REQUIRE(kCurlReady); }
  ~Client() { curl_easy_cleanup(h_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply Fetch(const std::string& url, const std::function<void(CURL*)>& setup = {}) {
    Reply r;
    curl_easy_reset(h_);  // keeps live connections
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, Append);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &r.headers);
    if (setup) setup(h_);
    r.code = curl_easy_perform(h_);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &r.connects);
    curl_easy_getinfo(h_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &r.content_length);
    return r;
  }

 private:
  CURL* h_;
};

// A plain TCP client, for what curl will not send.
class RawClient {
 public:
  explicit RawClient(unsigned short port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void Send(const std::string& data) {
    REQUIRE(send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
  }

  // Reads until the server closes or `limit` passes; `closed` says which.
  std::string ReadUntilClose(milliseconds limit, bool& closed) {
    std::string out;
    closed = false;
    const auto end = steady_clock::now() + limit;
    while (true) {
      const auto left = std::chrono::duration_cast<milliseconds>(end - steady_clock::now()).count();
      if (left <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("The Date header reads the server clock at each response", "[http]") {
  // RFC 9110's own example instant: Sun, 06 Nov 1994 08:49:37 GMT.
  redwire::util::ManualClock clock(784111777);
  TestServer ts({}, clock);
  Client c;
  const Reply first = c.Fetch(ts.url("/"));
  REQUIRE(first.code == CURLE_OK);
  CHECK(first.header("Date") == "Sun, 06 Nov 1994 08:49:37 GMT");
  clock.Advance(std::chrono::hours(24) + std::chrono::seconds(83));
  const Reply second = c.Fetch(ts.url("/"));
  REQUIRE(second.code == CURLE_OK);
  CHECK(second.header("Date") == "Mon, 07 Nov 1994 08:51:00 GMT");
}

TEST_CASE("GET serves routes and 404", "[http]") {
  TestServer ts;
  Client c;
  const Reply home = c.Fetch(ts.url("/"));
  REQUIRE(home.code == CURLE_OK);
  CHECK(home.status == 200);
  CHECK(home.body == "<h1>redwire</h1>");
  CHECK(home.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(home.header("Content-Length") == "16");
  const std::string date = home.header("Date");
  CHECK(date.size() == 29);
  CHECK(date.substr(date.size() - 4) == " GMT");
  CHECK(home.header("Connection").empty());

  const Reply feed = c.Fetch(ts.url("/all.atom?x=1"));
  CHECK(feed.status == 200);
  CHECK(feed.body == kFeed);
  CHECK(feed.header("ETag") == "\"abc\"");
  CHECK(feed.headers.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);

  const Reply missing = c.Fetch(ts.url("/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.headers.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
  CHECK(missing.body == "not found\n");

  const auto seen = ts.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[1].method == "GET");
  CHECK(seen[1].target == "/all.atom?x=1");
  CHECK(seen[1].path == "/all.atom");
  CHECK(seen[1].query == "x=1");
  CHECK(seen[1].header("host") == "127.0.0.1:" + std::to_string(ts.server->port()));
}

TEST_CASE("HEAD gets the GET headers without a body", "[http]") {
  TestServer ts;
  Client c;
  const Reply head = c.Fetch(ts.url("/all.atom"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_NOBODY, 1L); });
  REQUIRE(head.code == CURLE_OK);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.content_length == static_cast<curl_off_t>(kFeed.size()));
  CHECK(head.header("Content-Type") == "application/atom+xml; charset=utf-8");

  // On the wire: nothing follows the blank line.
  RawClient raw(ts.server->port());
  raw.Send("HEAD /all.atom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string wire = raw.ReadUntilClose(milliseconds(5000), closed);
  CHECK(closed);
  CHECK(wire.find("Content-Length: " + std::to_string(kFeed.size()) + "\r\n") != std::string::npos);
  CHECK(wire.find("Connection: close\r\n") != std::string::npos);
  REQUIRE(wire.size() >= 4);
  CHECK(wire.substr(wire.size() - 4) == "\r\n\r\n");
}

TEST_CASE("methods other than GET and HEAD get 405", "[http]") {
  TestServer ts;
  Client c;
  const Reply post = c.Fetch(ts.url("/all.atom"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_POSTFIELDS, "a=b"); });
  REQUIRE(post.code == CURLE_OK);
  CHECK(post.status == 405);
  CHECK(post.header("Allow") == "GET, HEAD");
  // The body was not read, so the connection is not reused.
  CHECK(post.header("Connection") == "close");

  const Reply del = c.Fetch(ts.url("/"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE"); });
  CHECK(del.status == 405);
  CHECK(ts.requests().empty());  // the handler never saw either
}

TEST_CASE("a POST to a path pattern is taken without a body, the peer's address comes with it", "[http]") {
  Limits limits;
  limits.post_paths.insert("/sources/*");
  TestServer ts(limits);
  Client c;
  const Reply empty = c.Fetch(ts.url("/sources/kke/poll"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST"); });
  REQUIRE(empty.code == CURLE_OK);
  CHECK(empty.status == 404);  // the handler's answer for a path it does not know: it was let in
  const Reply form = c.Fetch(ts.url("/sources/x"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_POSTFIELDS, "a=b"); });
  CHECK(form.status == 404);
  const Reply other = c.Fetch(ts.url("/source/x"), [](CURL* h) { curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST"); });
  CHECK(other.status == 405);
  const auto seen = ts.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body.empty());
  CHECK(seen[0].peer == "127.0.0.1");
  CHECK(seen[0].from_loopback());
  CHECK(seen[1].body == "a=b");

  Request r;
  for (const char* local : {"127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"}) {
    r.peer = local;
    CHECK(r.from_loopback());
  }
  for (const char* remote : {"", "10.0.0.1", "203.0.113.7", "::ffff:10.0.0.1", "fe80::1", "localhost"}) {
    r.peer = remote;
    CHECK_FALSE(r.from_loopback());
  }
}

TEST_CASE("keep-alive reuses one connection", "[http]") {
  TestServer ts;
  Client c;
  const Reply first = c.Fetch(ts.url("/"));
  const Reply second = c.Fetch(ts.url("/all.atom"));
  REQUIRE(first.code == CURLE_OK);
  REQUIRE(second.code == CURLE_OK);
  CHECK(first.connects == 1);
  CHECK(second.connects == 0);
  CHECK(second.body == kFeed);

  SECTION("HTTP/1.0 and Connection: close are honoured") {
    const Reply old = c.Fetch(ts.url("/"), [](CURL* h) {
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_0));
    });
    CHECK(old.status == 200);
    CHECK(old.header("Connection") == "close");
    const Reply again = c.Fetch(ts.url("/"));
    CHECK(again.connects == 1);  // the 1.0 exchange closed the connection
  }

  SECTION("pipelined requests are answered in order") {
    RawClient raw(ts.server->port());
    raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /all.atom HTTP/1.1\nHost: x\nConnection: close\n\n");
    bool closed = false;
    const std::string wire = raw.ReadUntilClose(milliseconds(5000), closed);
    CHECK(closed);
    CHECK(Count(wire, "HTTP/1.1 200 OK\r\n") == 2);
    CHECK(wire.find("<h1>redwire</h1>") < wire.find(kFeed));
  }
}

TEST_CASE("an oversized header is refused and the server keeps serving", "[http]") {
  TestServer ts;
  {
    Client c;
    // 1 MB; curl itself refuses a request head over 1 MiB.
    const std::string huge = "X-Big: " + std::string(1000 * 1000, 'a');
    curl_slist* headers = curl_slist_append(nullptr, huge.c_str());
    const Reply big = c.Fetch(ts.url("/"), [&](CURL* h) { curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers); });
    curl_slist_free_all(headers);
    // Either curl reads the 431, or the server's close reset the connection
    // while curl was still sending; it must not be anything else.
    if (big.code == CURLE_OK) {
      CHECK(big.status == 431);
      CHECK(big.header("Connection") == "close");
    } else {
      CHECK((big.code == CURLE_SEND_ERROR || big.code == CURLE_RECV_ERROR));
    }
  }
  RawClient raw(ts.server->port());
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) many += "X-H" + std::to_string(i) + ": 1\r\n";
  raw.Send(many + "\r\n");
  bool closed = false;
  CHECK(raw.ReadUntilClose(milliseconds(5000), closed).rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(closed);

  Client c;
  const Reply after = c.Fetch(ts.url("/"));
  CHECK(after.code == CURLE_OK);
  CHECK(after.status == 200);
  CHECK(ts.requests().size() == 1);
}

TEST_CASE("paths are percent-decoded, NUL and bad targets are refused", "[http]") {
  TestServer ts;
  Client c;
  const auto as_is = [](CURL* h) { curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); };

  const Reply dots = c.Fetch(ts.url("/echo/%2e%2e/%2E%2e/etc/passwd?q=%2e"), as_is);
  CHECK(dots.status == 200);
  CHECK(dots.body == "/echo/../../etc/passwd|q=%2e");  // decoded path, raw query

  const Reply nul = c.Fetch(ts.url("/echo/a%00b"), as_is);
  CHECK(nul.status == 400);
  const Reply bad_escape = c.Fetch(ts.url("/echo/%zz"), as_is);
  CHECK(bad_escape.status == 400);
  const Reply truncated = c.Fetch(ts.url("/echo/%2"), as_is);
  CHECK(truncated.status == 400);
  const Reply traversal = c.Fetch(ts.url("/../../etc/passwd"), as_is);
  CHECK(traversal.status == 404);  // fixed routes: passed to the handler, which knows no such path

  for (const auto& r : ts.requests()) CHECK(r.path.find('\0') == std::string::npos);

  SECTION("malformed requests get 400 and a closed connection") {
    const char* bad[] = {
        "GARBAGE\r\n\r\n",
        "GET foo HTTP/1.1\r\nHost: x\r\n\r\n",                 // not origin-form
        "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",           // absolute-form is not served
        "GET / HTTP/1.1\r\n\r\n",                              // 1.1 without Host
        "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",    // space in a field name
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",        // obsolete line folding
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (const char* request : bad) {
      RawClient raw(ts.server->port());
      raw.Send(request);
      bool closed = false;
      const std::string wire = raw.ReadUntilClose(milliseconds(5000), closed);
      INFO(request);
      CHECK(wire.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
      CHECK(closed);
    }
    RawClient raw(ts.server->port());
    raw.Send("GET / HTTP/2.0\r\nHost: x\r\n\r\n");
    bool closed = false;
    CHECK(raw.ReadUntilClose(milliseconds(5000), closed).rfind("HTTP/1.1 505 ", 0) == 0);
  }

  SECTION("a GET with a body is answered, then the connection closes") {
    RawClient raw(ts.server->port());
    raw.Send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    bool closed = false;
    const std::string wire = raw.ReadUntilClose(milliseconds(5000), closed);
    CHECK(wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(wire.find("Connection: close\r\n") != std::string::npos);
    CHECK(closed);
  }
}

TEST_CASE("a query may carry raw UTF-8 as newsboat sends a search but the path may not", "[http]") {
  TestServer ts;
  const auto ask = [&](const std::string& target) {
    RawClient raw(ts.server->port());
    raw.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    bool closed = false;
    return raw.ReadUntilClose(milliseconds(5000), closed);
  };
  // Greek, Cyrillic and Arabic words as their UTF-8 bytes, unescaped.
  const std::string words = "q=\xCE\xBA\xCE\xBF\xCF\x8D\xCE\xB2\xCE\xB1+\xD0\xBA\xD1\x83\xD0\xB1\xD0\xB0"
                            "+\xD9\x83\xD9\x88\xD8\xA8\xD8\xA7";
  const std::string wire = ask("/echo?" + words);
  CHECK(wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(wire.find("/echo|" + words) != std::string::npos);  // the handler gets the bytes as sent
  const auto seen = ts.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].query == words);

  // Only well-formed UTF-8, and only after the '?'.
  for (const std::string bad : {"/echo?q=\xFF", "/echo?q=\xCE", "/echo?q=\xC0\xAF",  // invalid, truncated, overlong
                                "/echo?q=\xED\xA0\x80",                                // a UTF-16 surrogate
                                "/echo?q=\xF4\x90\x80\x80",                           // past U+10FFFF
                                "/\xCE\xBA\xCE\xBF?q=a", "/echo\x7F?q=a"}) {
    INFO(bad);
    CHECK(ask(bad).rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  }
  CHECK(ts.requests().size() == 1);
}

TEST_CASE("a handler exception becomes 500", "[http]") {
  TestServer ts;
  Client c;
  const Reply boom = c.Fetch(ts.url("/boom"));
  CHECK(boom.status == 500);
  CHECK(boom.headers.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
  const Reply after = c.Fetch(ts.url("/"));
  CHECK(after.status == 200);
  CHECK(after.connects == 0);  // the connection survived the 500
}

TEST_CASE("slow and idle clients are cut off without blocking others", "[http]") {
  Limits limits;
  limits.request_timeout = std::chrono::seconds(1);
  limits.idle_timeout = std::chrono::seconds(1);
  TestServer ts(limits);

  SECTION("half a request, then silence") {
    RawClient slow(ts.server->port());
    slow.Send("GET / HTTP/1.1\r\nHost: x\r\n");
    const auto start = steady_clock::now();
    Client c;
    const Reply other = c.Fetch(ts.url("/"));
    CHECK(other.status == 200);
    CHECK(steady_clock::now() - start < milliseconds(500));
    bool closed = false;
    const std::string wire = slow.ReadUntilClose(milliseconds(5000), closed);
    const auto elapsed = steady_clock::now() - start;
    CHECK(closed);
    CHECK(wire.empty());
    CHECK(elapsed >= milliseconds(900));
    CHECK(elapsed < milliseconds(3000));
  }

  SECTION("a connection that never sends") {
    RawClient mute(ts.server->port());
    const auto start = steady_clock::now();
    bool closed = false;
    mute.ReadUntilClose(milliseconds(5000), closed);
    CHECK(closed);
    CHECK(steady_clock::now() - start >= milliseconds(900));
    CHECK(steady_clock::now() - start < milliseconds(3000));
  }

  SECTION("a kept-alive connection left idle") {
    RawClient idle(ts.server->port());
    idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto start = steady_clock::now();
    bool closed = false;
    const std::string wire = idle.ReadUntilClose(milliseconds(5000), closed);
    CHECK(wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(closed);
    CHECK(steady_clock::now() - start >= milliseconds(900));
  }

  SECTION("a trickle of bytes does not extend the deadline") {
    RawClient drip(ts.server->port());
    const auto start = steady_clock::now();
    bool closed = false;
    for (int i = 0; i < 8 && !closed; ++i) {
      drip.Send("X");
      drip.ReadUntilClose(milliseconds(250), closed);
    }
    CHECK(closed);
    CHECK(steady_clock::now() - start < milliseconds(1800));
  }
}

TEST_CASE("at the connection cap the connection waiting longest makes room", "[http]") {
  Limits limits;
  limits.max_connections = 2;
  TestServer ts(limits);
  RawClient oldest(ts.server->port());
  std::this_thread::sleep_for(milliseconds(50));
  RawClient b(ts.server->port());
  // b has served a request since, so it waits for less time than oldest.
  b.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  CHECK(b.ReadUntilClose(milliseconds(300), closed).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  REQUIRE_FALSE(closed);

  RawClient over(ts.server->port());
  const auto start = steady_clock::now();
  oldest.ReadUntilClose(milliseconds(3000), closed);
  CHECK(closed);
  CHECK(steady_clock::now() - start < milliseconds(1000));

  // The newcomer and the other held connection both work.
  over.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(over.ReadUntilClose(milliseconds(3000), closed).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(closed);
  b.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(b.ReadUntilClose(milliseconds(3000), closed).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(closed);
}

TEST_CASE("Start reports bad and busy addresses", "[http]") {
  asio::io_context io;
  const auto handler = [](const Request&) { return Response{}; };
  Server first(io, handler);
  REQUIRE(first.Start("127.0.0.1:0").ok());
  const std::string busy = "127.0.0.1:" + std::to_string(first.port());
  Server second(io, handler);
  const auto st = second.Start(busy);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "http: cannot listen on " + busy + ": Address already in use");

  CHECK_FALSE(second.Start("127.0.0.1").ok());
  CHECK_FALSE(second.Start("127.0.0.1:http").ok());
  CHECK_FALSE(second.Start("127.0.0.1:70000").ok());
  CHECK_FALSE(second.Start("[::1:80").ok());
  CHECK_FALSE(second.Start(":8080").ok());
  const auto bad_port = second.Start("127.0.0.1:99999");
  REQUIRE_FALSE(bad_port.ok());
  CHECK(bad_port.error().message == "http: cannot listen on 127.0.0.1:99999: bad port");

  Server named(io, handler);
  REQUIRE(named.Start("localhost:0").ok());  // a name from /etc/hosts
  CHECK(named.port() != 0);

  Server v6(io, handler);
  REQUIRE(v6.Start("[::1]:0").ok());
  CHECK(v6.port() != 0);
}

TEST_CASE("Stop closes live connections and run() returns", "[http]") {
  asio::io_context io;
  Server server(io, [](const Request&) { return Response{200, "text/plain", {}, "ok"}; });
  REQUIRE(server.Start("127.0.0.1:0").ok());
  auto done = std::async(std::launch::async, [&] { io.run(); });

  // One connection idle after a keep-alive exchange, one mid-request.
  RawClient idle(server.port());
  idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  CHECK(idle.ReadUntilClose(milliseconds(300), closed).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK_FALSE(closed);
  RawClient partial(server.port());
  partial.Send("GET / HT");
  std::this_thread::sleep_for(milliseconds(100));

  server.Stop();
  const auto finished = done.wait_for(std::chrono::seconds(3));
  if (finished != std::future_status::ready) io.stop();  // so the failure does not hang
  REQUIRE(finished == std::future_status::ready);
  idle.ReadUntilClose(milliseconds(1000), closed);
  CHECK(closed);
  partial.ReadUntilClose(milliseconds(1000), closed);
  CHECK(closed);
}
