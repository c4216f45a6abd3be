#include "daemon/http/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <exception>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include <asio/dispatch.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "util/time.h"
#include "util/url.h"
#include "util/utf8.h"

namespace redwire::http {
namespace {

using asio::ip::tcp;
using std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 4096;
// More header lines than this is an attack or a broken client, whatever
// their total size.
constexpr std::size_t kMaxHeaders = 100;
// After the final response the socket is half-closed and unread input is
// drained for a while, so the client sees the response instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
// accept() errors such as EMFILE repeat at once; waiting avoids a busy loop.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// RFC 9110 5.6.2 token characters.
bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (Lower(TrimOws(list.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Fails on a malformed escape and on NUL, which no route can contain and
// which would truncate the path in any C API further down.
bool PercentDecode(std::string_view in, std::string& out) {
  auto decoded = util::PercentDecode(in);
  if (!decoded || decoded->find('\0') != std::string::npos) return false;
  out = std::move(*decoded);
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "";  // RFC 9112 4: the reason phrase may be empty
  }
}

// Headers the server writes itself; a handler cannot override them.
bool IsReservedHeader(const std::string& name) {
  const std::string lower = Lower(name);
  return lower == "content-length" || lower == "content-type" || lower == "connection" ||
         lower == "date" || lower == "transfer-encoding";
}

bool IsHeaderValue(std::string_view v) {
  for (unsigned char c : v) {
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
  }
  return true;
}

RequestHead Fail(int status) {
  RequestHead p;
  p.error = status;
  return p;
}

Response Plain(int status) {
  Response r;
  r.status = status;
  r.body = std::string(Reason(status)) + "\n";
  return r;
}

std::string PeerAddress(const tcp::socket& socket) {
  std::error_code ec;
  const tcp::endpoint ep = socket.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

bool TakesPost(const std::set<std::string>& paths, const std::string& path) {
  if (paths.count(path) != 0) return true;
  for (const std::string& p : paths) {
    if (!p.empty() && p.back() == '*' && path.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
  }
  return false;
}

std::string PeerName(const tcp::socket& socket) {
  std::error_code ec;
  const tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  std::ostringstream out;
  out << ep;
  return out.str();
}

}  // namespace

RequestHead ParseRequestHead(std::string_view head) {
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    const std::size_t lf = head.find('\n');
    std::string_view line = head.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line that ends the head
    lines.push_back(line);
    if (lf == std::string_view::npos) break;
    head.remove_prefix(lf + 1);
  }
  if (lines.empty()) return Fail(400);
  if (lines.size() - 1 > kMaxHeaders) return Fail(431);

  RequestHead p;
  Request& r = p.request;
  // request-line = method SP request-target SP HTTP-version (RFC 9112 3)
  const std::string_view line = lines[0];
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return Fail(400);
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method) || target.empty()) return Fail(400);
  // RFC 3986 allows only ASCII in a URI, but readers (newsboat, curl given a
  // URL as typed) send a search's words as raw UTF-8: those bytes are taken
  // in the query when they are well-formed UTF-8, and refused in the path.
  const std::size_t query_at = target.find('?');
  for (std::size_t i = 0; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    if (c <= 0x20 || c == 0x7F) return Fail(400);
    if (c >= 0x80 && (query_at == std::string_view::npos || i < query_at)) return Fail(400);
  }
  if (query_at != std::string_view::npos && !util::IsValidUtf8(target.substr(query_at + 1))) return Fail(400);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400);
  }
  if (version[5] != '1') return Fail(505);
  const bool http10 = version[7] == '0';
  r.method = std::string(method);
  r.target = std::string(target);

  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view h = lines[i];
    const std::size_t colon = h.find(':');
    // No whitespace before the colon, no obsolete line folding (RFC 9112 5).
    if (colon == std::string_view::npos || !IsToken(h.substr(0, colon))) return Fail(400);
    const std::string_view value = TrimOws(h.substr(colon + 1));
    if (!IsHeaderValue(value)) return Fail(400);
    const std::string name = Lower(h.substr(0, colon));
    auto [it, inserted] = r.headers.emplace(name, std::string(value));
    if (!inserted) {
      // Repeats that would let two parsers see different requests are refused.
      if (name == "host" || (name == "content-length" && it->second != value)) return Fail(400);
      if (name != "content-length") it->second += ", " + std::string(value);
    }
  }

  if (!http10 && r.headers.count("host") == 0) return Fail(400);
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    const std::string& cl = it->second;
    if (cl.empty() || cl.find_first_not_of("0123456789") != std::string::npos) return Fail(400);
    p.has_body = cl.find_first_not_of('0') != std::string::npos;
  }
  if (r.headers.count("transfer-encoding") != 0) p.has_body = true;
  p.keep_alive = !http10 && !HasToken(r.header("connection"), "close");

  if (r.target[0] != '/') return Fail(400);
  const std::size_t q = r.target.find('?');
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  if (!PercentDecode(std::string_view(r.target).substr(0, q), r.path)) return Fail(400);
  return p;
}

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

bool Request::from_loopback() const {
  std::error_code ec;
  asio::ip::address address = asio::ip::make_address(peer, ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address.is_loopback();
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  class Connection;

  Impl(asio::io_context& io_context, Handler h, Limits l, const util::Clock& c)
      : io(io_context),
        handler(std::move(h)),
        limits(l),
        clock(c),
        acceptor(io_context),
        accept_retry(io_context) {}

  void Accept();
  void Close();
  Response Dispatch(const Request& request);
  // At the connection cap: closes the connection that has waited longest
  // for a request, so a new client is served rather than refused. False
  // when every connection is writing a response.
  bool EvictLongestWaiting();

  asio::io_context& io;
  Handler handler;
  Limits limits;
  const util::Clock& clock;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  // The registry of live connections, so Stop can close them all.
  std::set<std::shared_ptr<Connection>> connections;
  std::string listen;
  unsigned short port = 0;
  bool at_capacity = false;  // logged once per episode, not once per refusal
};

// One client connection. Handlers hold it through shared_from_this; the
// server's registry holds it until Close. It holds the server weakly, so the
// two never keep each other alive.
class Server::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const std::shared_ptr<Impl>& server)
      : socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        server_(server),
        limits_(server->limits),
        clock_(server->clock),
        peer_(PeerName(socket_)),
        peer_address_(PeerAddress(socket_)) {}

  void Start() {
    Arm(limits_.request_timeout);
    Next();
  }

  // Since when the connection has been waiting for a request: opened, or
  // its last response written. A slowloris client that never completes a
  // request keeps its connect time; trickled bytes do not refresh it.
  steady_clock::time_point waiting_since() const { return waiting_since_; }
  bool writing() const { return writing_; }

  // Idempotent; cancels every pending operation on this connection.
  void Close() {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (auto server = server_.lock()) server->connections.erase(shared_from_this());
  }

 private:
  // One deadline covers whatever the connection is waiting for; re-arming
  // replaces it.
  void Arm(steady_clock::duration timeout) {
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      // A wait that completed just before a re-arm finds a later expiry.
      if (ec || self->closed_ || self->deadline_.expiry() > steady_clock::now()) return;
      spdlog::debug("http: {}: deadline passed, closing", self->peer_);
      self->Close();
    });
  }

  // Answers the buffered request if it is complete, else reads more.
  void Next() {
    if (posting_) return NextBody();
    if (scanned_ == 0) {
      // Empty lines before a request line are ignored (RFC 9112 2.2).
      const std::size_t start = in_.find_first_not_of("\r\n");
      in_.erase(0, start == std::string::npos ? in_.size() : start);
    }
    const std::size_t end = FindHeadEnd();
    if (end == std::string::npos) {
      if (in_.size() > limits_.max_request_bytes) return Reject(431);
      // The terminator may straddle two reads; resume just before the tail.
      scanned_ = in_.size() > 3 ? in_.size() - 3 : 0;
      return Read();
    }
    if (end > limits_.max_request_bytes) return Reject(431);
    RequestHead parsed = ParseRequestHead(std::string_view(in_).substr(0, end));
    in_.erase(0, end);
    scanned_ = 0;
    if (parsed.error != 0) return Reject(parsed.error);
    parsed.request.peer = peer_address_;

    const Request& request = parsed.request;
    if (request.method == "POST" && TakesPost(limits_.post_paths, request.path)) return StartBody(std::move(parsed));
    // A body is never read, so the connection cannot be reused after one.
    const bool close = parsed.has_body || !parsed.keep_alive;
    if (request.method != "GET" && request.method != "HEAD") {
      Response r = Plain(405);
      r.headers["Allow"] = "GET, HEAD";
      return Send(std::move(r), request, close);
    }
    auto server = server_.lock();
    if (!server) return Close();
    Send(server->Dispatch(request), request, close);
  }

  // A POST to a path that takes one: only a form body with a declared
  // length within the cap; it is read whole before the handler runs.
  void StartBody(RequestHead parsed) {
    const Request& request = parsed.request;
    if (request.headers.count("transfer-encoding") != 0) return Send(Plain(411), request, true);
    // No Content-Length (and no Transfer-Encoding) is a request without a
    // body (RFC 9112 6.3), as `curl -X POST` sends.
    const std::string length = request.header("content-length");
    if (length.size() > 9 || (!length.empty() && std::stoul(length) > limits_.max_body_bytes))
      return Send(Plain(413), request, true);
    body_length_ = length.empty() ? 0 : std::stoul(length);
    const std::string type = Lower(request.header("content-type"));
    if (body_length_ > 0 && type.rfind("application/x-www-form-urlencoded", 0) != 0)
      return Send(Plain(415), request, true);
    posting_ = std::make_unique<RequestHead>(std::move(parsed));
    NextBody();
  }

  void NextBody() {
    if (in_.size() < body_length_) return Read();
    std::unique_ptr<RequestHead> parsed = std::move(posting_);
    parsed->request.body = in_.substr(0, body_length_);
    in_.erase(0, body_length_);
    auto server = server_.lock();
    if (!server) return Close();
    Send(server->Dispatch(parsed->request), parsed->request, !parsed->keep_alive);
  }

  // Offset just past the empty line that ends the head, or npos.
  std::size_t FindHeadEnd() const {
    for (std::size_t i = scanned_; i < in_.size(); ++i) {
      if (in_[i] != '\n') continue;
      if (i + 1 < in_.size() && in_[i + 1] == '\n') return i + 2;
      if (i + 2 < in_.size() && in_[i + 1] == '\r' && in_[i + 2] == '\n') return i + 3;
    }
    return std::string::npos;
  }

  void Read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
          spdlog::debug("http: {}: read failed: {}", self->peer_, ec.message());
        }
        return self->Close();
      }
      if (!self->receiving_) {
        // Between keep-alive requests the idle deadline ran; the request
        // deadline starts at the next request's first byte.
        self->receiving_ = true;
        self->Arm(self->limits_.request_timeout);
      }
      self->in_.append(self->chunk_.data(), n);
      self->Next();
    });
  }

  void Reject(int status) {
    Request unknown;
    unknown.method = "-";
    unknown.target = "-";
    Send(Plain(status), unknown, true);
  }

  void Send(Response response, const Request& request, bool close) {
    if (response.status < 100 || response.status > 999) {
      spdlog::error("http: handler returned status {} for {}", response.status, request.target);
      response = Plain(500);
    }
    const int status = response.status;
    const bool bodyless = status < 200 || status == 204 || status == 304;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
    head += "Date: " + util::FormatHttpDate(clock_.Now()) + "\r\n";
    if (!bodyless) {
      head += "Content-Type: " + response.content_type + "\r\n";
      head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    }
    for (const auto& [name, value] : response.headers) {
      if (!IsToken(name) || !IsHeaderValue(value) || IsReservedHeader(name)) {
        spdlog::warn("http: dropping response header {} for {}", IsToken(name) ? name : "(invalid name)",
                     request.target);
        continue;
      }
      head += name + ": " + value + "\r\n";
    }
    if (close) head += "Connection: close\r\n";
    head += "\r\n";
    head_ = std::move(head);
    body_ = (bodyless || request.method == "HEAD") ? std::string() : std::move(response.body);
    spdlog::debug("http: {} {} {} {} {} bytes", peer_, request.method, request.target, status, body_.size());

    Arm(limits_.write_timeout);
    writing_ = true;
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(socket_, buffers, [self = shared_from_this(), close](const std::error_code& ec, std::size_t) {
      self->writing_ = false;
      self->waiting_since_ = steady_clock::now();
      if (self->closed_) return;
      if (ec) {
        spdlog::debug("http: {}: write failed: {}", self->peer_, ec.message());
        return self->Close();
      }
      if (close) return self->Linger();
      self->receiving_ = !self->in_.empty();
      self->Arm(self->receiving_ ? self->limits_.request_timeout : self->limits_.idle_timeout);
      self->Next();
    });
  }

  void Linger() {
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Arm(kLingerTime);
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->Close();
      self->Drain();
    });
  }

  tcp::socket socket_;
  asio::steady_timer deadline_;
  std::weak_ptr<Impl> server_;
  const Limits limits_;
  const util::Clock& clock_;
  const std::string peer_;
  const std::string peer_address_;
  std::string in_;            // bytes received and not yet consumed
  std::size_t scanned_ = 0;   // in_ holds no head terminator before this
  // A request is under way, so the request deadline runs rather than the
  // idle one. A new connection counts as one: it was opened to send.
  bool receiving_ = true;
  bool closed_ = false;
  bool writing_ = false;  // a response is being sent
  steady_clock::time_point waiting_since_ = steady_clock::now();
  std::array<char, kReadChunk> chunk_;
  std::string head_;          // the response being written
  std::string body_;
  std::unique_ptr<RequestHead> posting_;  // a POST head whose body is being read
  std::size_t body_length_ = 0;
};

void Server::Impl::Accept() {
  acceptor.async_accept([self = shared_from_this()](const std::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (ec) {
      spdlog::warn("http: accept on {} failed: {}", self->listen, ec.message());
      self->accept_retry.expires_after(kAcceptRetry);
      self->accept_retry.async_wait([self](const std::error_code& wait_ec) {
        if (!wait_ec && self->acceptor.is_open()) self->Accept();
      });
      return;
    }
    // Refusing at the cap would let a client that opens max_connections
    // idle sockets (slowloris) lock everyone out until its request
    // timeouts run; closing the longest-waiting connection instead keeps
    // the server reachable, as a real client sends its request at once.
    const bool full = self->connections.size() >= self->limits.max_connections;
    if (!full) self->at_capacity = false;
    if (full && !self->EvictLongestWaiting()) {
      std::error_code ignored;
      socket.close(ignored);
    } else {
      auto connection = std::make_shared<Connection>(std::move(socket), self);
      self->connections.insert(connection);
      connection->Start();
    }
    self->Accept();
  });
}

bool Server::Impl::EvictLongestWaiting() {
  if (!at_capacity) {
    spdlog::warn("http: {} connections open: closing those waiting longest for a request to admit new ones "
                 "(new ones are refused while all are sending)", connections.size());
    at_capacity = true;
  }
  std::shared_ptr<Connection> victim;
  for (const auto& c : connections) {
    if (c->writing()) continue;
    if (!victim || c->waiting_since() < victim->waiting_since()) victim = c;
  }
  if (!victim) return false;
  victim->Close();
  return true;
}

void Server::Impl::Close() {
  std::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  // Close() erases from the registry, so iterate over a copy.
  const auto live = connections;
  for (const auto& c : live) c->Close();
  connections.clear();
}

Response Server::Impl::Dispatch(const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler failed on {} {}: {}", request.method, request.target, e.what());
  } catch (...) {
    spdlog::error("http: handler failed on {} {}: unknown exception", request.method, request.target);
  }
  return Plain(500);
}

Server::Server(asio::io_context& io, Handler handler, Limits limits, const util::Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits, clock)) {}

Server::~Server() { impl_->Close(); }

Status Server::Start(const std::string& listen) {
  const auto bad = [&](const std::string& why) {
    return Error{"http: cannot listen on " + listen + ": " + why};
  };
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const std::size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return bad("expected [address]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return bad("expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return bad("bad port");
  }

  std::error_code ec;
  tcp::endpoint endpoint;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(std::stoul(port)));
  } else {
    tcp::resolver resolver(impl_->io);
    const auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
    if (ec || results.empty()) return bad(ec ? ec.message() : "host not found");
    endpoint = results.begin()->endpoint();
  }

  tcp::acceptor& acceptor = impl_->acceptor;
  std::error_code ignored;
  acceptor.close(ignored);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    acceptor.close(ignored);
    return bad(ec.message());
  }
  impl_->listen = listen;
  spdlog::debug("http: listening on {} (port {})", listen, impl_->port);
  impl_->Accept();
  return Ok{};
}

Status Server::Adopt(int fd) {
  const std::string what = "http: cannot adopt socket fd " + std::to_string(fd) + ": ";
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      (address.ss_family != AF_INET && address.ss_family != AF_INET6)) {
    ::close(fd);
    return Error{what + "not a TCP/IP socket"};
  }
  const tcp protocol = address.ss_family == AF_INET ? tcp::v4() : tcp::v6();
  tcp::acceptor& acceptor = impl_->acceptor;
  std::error_code ec;
  std::error_code ignored;
  acceptor.close(ignored);
  acceptor.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return Error{what + ec.message()};
  }
  const tcp::endpoint local = acceptor.local_endpoint(ec);
  if (ec) {
    acceptor.close(ignored);
    return Error{what + ec.message()};
  }
  impl_->port = local.port();
  impl_->listen = local.address().to_string() + ":" + std::to_string(impl_->port);
  spdlog::debug("http: listening on {} (socket fd {} from the service manager)", impl_->listen, fd);
  impl_->Accept();
  return Ok{};
}

unsigned short Server::port() const { return impl_->port; }

void Server::Stop() {
  // Stop may be called from another thread; the work runs on the loop.
  asio::dispatch(impl_->io, [impl = impl_] { impl->Close(); });
}

}  // namespace redwire::http
