#include "support/fixture_server.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <istream>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

namespace redwire::testing {
namespace {

using asio::ip::tcp;

// A request head larger than this is treated as abuse and the connection dropped.
constexpr std::size_t kMaxRequestHead = 64 * 1024;
// Fixed so that tests can send it back as If-Modified-Since and compare.
constexpr const char* kStaticLastModified = "Wed, 21 Oct 2015 07:28:00 GMT";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
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
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool HasHeader(const FixtureResponse& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return Lower(h.first) == name; });
}

// Parses "GET /path HTTP/1.1\r\nName: value\r\n...\r\n\r\n". Returns false
// when the request line is malformed.
bool ParseHead(const std::string& head, FixtureRequest& out, std::string& version) {
  std::size_t pos = head.find("\r\n");
  const std::string line = head.substr(0, pos);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  version = line.substr(sp2 + 1);
  while (pos != std::string::npos) {
    const std::size_t start = pos + 2;
    pos = head.find("\r\n", start);
    const std::string header = head.substr(start, pos == std::string::npos ? std::string::npos
                                                                           : pos - start);
    const auto colon = header.find(':');
    if (colon == std::string::npos) continue;
    std::string name = Lower(Trim(header.substr(0, colon)));
    std::string value = Trim(header.substr(colon + 1));
    auto [it, inserted] = out.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return true;
}

}  // namespace

struct FixtureServer::Impl {
  class Connection;

  asio::io_context io;
  tcp::acceptor acceptor{io};
  unsigned short port = 0;  // fixed at construction, read from any thread
  std::thread thread;
  // Touched only on the server thread.
  std::set<std::shared_ptr<Connection>> connections;

  mutable std::mutex mutex;  // guards everything below
  std::map<std::string, FixtureHandler> routes;
  std::vector<FixtureRequest> requests;
  std::vector<std::pair<std::string, int>> answered;  // path, status

  void Accept();
  FixtureResponse Answer(const FixtureRequest& request);
};

class FixtureServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(server.io), in_(kMaxRequestHead) {}

  void Start() { ReadHead(); }

  // Closing the socket and cancelling the timer completes every pending
  // operation with operation_aborted; no handler re-arms after that.
  void Stop() {
    stopped_ = true;
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void ReadHead() {
    asio::async_read_until(socket_, in_, "\r\n\r\n",
                           [self = shared_from_this()](std::error_code ec, std::size_t n) {
                             self->OnHead(ec, n);
                           });
  }

  void OnHead(std::error_code ec, std::size_t n) {
    if (stopped_) return;
    if (ec) return Finish();
    std::string head(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n);
    in_.consume(n);
    FixtureRequest request;
    std::string version;
    if (!ParseHead(head, request, version)) return Finish();

    const auto conn = request.headers.find("connection");
    const bool client_close = (conn != request.headers.end() && Lower(conn->second) == "close") ||
                              version == "HTTP/1.0";
    // Bodies are not read; a request that carries one cannot share the connection.
    const bool has_body = request.headers.count("transfer-encoding") != 0 ||
                          (request.headers.count("content-length") != 0 &&
                           request.headers.at("content-length") != "0");

    FixtureResponse response = server_.Answer(request);
    const bool no_body = response.status == 304 || response.status == 204 ||
                         response.status < 200 || request.method == "HEAD";
    const bool gave_encoding = HasHeader(response, "transfer-encoding");
    close_after_ = client_close || has_body || gave_encoding || HasHeader(response, "connection");

    head_ = "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head_ += name + ": " + value + "\r\n";
    if (!gave_encoding && !HasHeader(response, "content-length") && response.status != 304 &&
        response.status != 204)
      head_ += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (close_after_ && !HasHeader(response, "connection")) head_ += "Connection: close\r\n";
    head_ += "\r\n";
    body_ = no_body ? std::string() : std::move(response.body);
    chunk_bytes_ = response.chunk_bytes;
    chunk_delay_ = response.chunk_delay;
    sent_ = 0;

    // Stays registered, silent, until the client gives up or the server stops.
    if (response.hang) return;
    if (response.reset) {
      head_ = (head_ + body_).substr(0, response.reset_after);
      asio::async_write(socket_, asio::buffer(head_),
                        [self = shared_from_this()](std::error_code, std::size_t) { self->Abort(); });
      return;
    }

    if (chunk_bytes_ == 0) {
      std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
      asio::async_write(socket_, buffers,
                        [self = shared_from_this()](std::error_code ec, std::size_t) {
                          self->OnWritten(ec);
                        });
      return;
    }
    asio::async_write(socket_, asio::buffer(head_),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        self->WriteChunk(ec);
                      });
  }

  void WriteChunk(std::error_code ec) {
    if (stopped_) return;
    if (ec) return Finish();
    if (sent_ >= body_.size()) return OnWritten(ec);
    const std::size_t n = std::min(chunk_bytes_, body_.size() - sent_);
    const std::size_t offset = sent_;
    sent_ += n;
    auto write = [self = shared_from_this(), offset, n](std::error_code ec) {
      if (self->stopped_) return;
      if (ec) return self->Finish();
      asio::async_write(self->socket_, asio::buffer(self->body_.data() + offset, n),
                        [self](std::error_code ec, std::size_t) { self->WriteChunk(ec); });
    };
    if (offset == 0 || chunk_delay_.count() == 0) return write({});
    timer_.expires_after(chunk_delay_);
    timer_.async_wait(std::move(write));
  }

  void OnWritten(std::error_code ec) {
    if (stopped_) return;
    if (ec || close_after_) return Finish();
    ReadHead();
  }

  // A zero linger time makes close() send RST instead of FIN.
  void Abort() {
    if (stopped_) return;
    std::error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
    Finish();
  }

  // Ends this connection and drops the server's reference to it.
  void Finish() {
    Stop();
    server_.connections.erase(shared_from_this());
  }

  Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf in_;
  bool stopped_ = false;
  bool close_after_ = false;
  std::string head_;
  std::string body_;
  std::size_t sent_ = 0;
  std::size_t chunk_bytes_ = 0;
  std::chrono::milliseconds chunk_delay_{0};
};

void FixtureServer::Impl::Accept() {
  acceptor.async_accept([this](std::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      auto connection = std::make_shared<Connection>(*this, std::move(socket));
      connections.insert(connection);
      connection->Start();
    }
    Accept();
  });
}

FixtureResponse FixtureServer::Impl::Answer(const FixtureRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  FixtureHandler handler;
  {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    if (auto it = routes.find(path); it != routes.end()) handler = it->second;
  }
  FixtureResponse response;
  if (handler) {
    // A failing assertion inside a handler must not take the server thread down.
    try {
      response = handler(request);
    } catch (const std::exception& e) {
      response = FixtureResponse{};
      response.status = 500;
      response.body = std::string("handler threw: ") + e.what() + "\n";
    } catch (...) {
      response = FixtureResponse{};
      response.status = 500;
      response.body = "handler threw\n";
    }
  } else {
    response.status = 404;
    response.headers.emplace_back("Content-Type", "text/plain");
    response.body = "no route for " + path + "\n";
  }
  std::lock_guard lock(mutex);
  answered.emplace_back(path, response.status);
  return response;
}

FixtureServer::FixtureServer() : impl_(std::make_unique<Impl>()) {
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

FixtureServer::~FixtureServer() {
  // Closing everything on the server thread lets run() return once the
  // aborted handlers have drained.
  asio::post(impl_->io, [impl = impl_.get()] {
    std::error_code ignored;
    impl->acceptor.close(ignored);
    for (const auto& connection : impl->connections) connection->Stop();
    impl->connections.clear();
  });
  impl_->thread.join();
}

void FixtureServer::Route(const std::string& path, FixtureHandler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->routes[path] = std::move(handler);
}

void FixtureServer::Static(const std::string& path, std::string content_type, std::string body,
                           std::string etag) {
  Route(path, [content_type = std::move(content_type), body = std::move(body),
               etag = std::move(etag)](const FixtureRequest& request) {
    FixtureResponse response;
    response.headers = {{"ETag", etag}, {"Last-Modified", kStaticLastModified}};
    const auto match = request.headers.find("if-none-match");
    if (match != request.headers.end() && match->second == etag) {
      response.status = 304;
      return response;
    }
    response.headers.emplace_back("Content-Type", content_type);
    response.body = body;
    return response;
  });
}

unsigned short FixtureServer::port() const { return impl_->port; }

std::string FixtureServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

std::vector<FixtureRequest> FixtureServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t FixtureServer::count(const std::string& path, int status) const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(
      std::count(impl_->answered.begin(), impl_->answered.end(), std::make_pair(path, status)));
}

}  // namespace redwire::testing
