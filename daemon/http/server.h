// http: a small HTTP/1.1 server on an asio io_context. A fixed route table
// lives in the handler; the server never maps paths to files. Every
// connection has a deadline, and request line, headers and count are capped.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "model/result.h"
#include "util/time.h"

namespace redwire::http {

struct Request {
  std::string method;   // "GET", "HEAD", ...
  std::string target;   // as sent: "/topics/x.atom?y=1"
  std::string path;     // target without the query, percent-decoded
  std::string query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body = {};  // POST to a path in Limits::post_paths only
  // The peer's IP address as text ("127.0.0.1", "::1"); empty when unknown.
  // Set by the server for every request; callers decide what to trust.
  std::string peer = {};
  bool from_loopback() const;  // peer is 127.0.0.0/8, ::1 or ::ffff:127.x
  std::string header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::map<std::string, std::string> headers;  // extra headers
  std::string body;
};

struct Limits {
  std::size_t max_request_bytes = 16 * 1024;  // request line + headers
  // At the cap, a new connection closes the one waiting longest for a
  // request (idle, or trickling a head); it is refused only while every
  // connection is sending a response.
  std::size_t max_connections = 256;
  std::chrono::seconds request_timeout{10};   // to receive a whole request
  std::chrono::seconds idle_timeout{30};      // keep-alive wait between requests
  std::chrono::seconds write_timeout{30};     // to send one whole response
  // Paths that take POST (e.g. a WebSub hub): an
  // application/x-www-form-urlencoded body with a Content-Length of at most
  // max_body_bytes, read before the handler runs, or no body at all (no
  // Content-Length, or 0). An entry ending in '*' takes every path that
  // starts with the rest ("/sources/*"). Any other POST gets 405.
  std::set<std::string> post_paths = {};
  std::size_t max_body_bytes = 16 * 1024;
};

using Handler = std::function<Response(const Request&)>;

// The server's request-head parser, the one every connection runs, callable
// without sockets so it can be tested and fuzzed. `head` is the request
// line and header lines up to the empty line that ends them (LF or CRLF);
// parsing stops at that line. When `error` is 0, `request` has a token
// method, a target starting with '/' that is printable ASCII except for
// well-formed UTF-8 in its query (raw words of a search), a path without
// NUL, lower-case token header names and values without control characters.
struct RequestHead {
  Request request;
  int error = 0;           // the status to answer with when not acceptable
  bool keep_alive = true;
  bool has_body = false;   // Content-Length > 0 or Transfer-Encoding
};
RequestHead ParseRequestHead(std::string_view head);

// Accepts on `endpoint` once Start succeeds. Non-GET/HEAD requests get 405
// before the handler runs; HEAD gets the GET response without its body.
class Server {
 public:
  // Every response's Date header reads `clock`, which must outlive the server.
  Server(asio::io_context& io, Handler handler, Limits limits = {},
         const util::Clock& clock = util::SystemClock::Instance());
  // Closes everything; call it on the loop's thread or after the loop stops.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; "127.0.0.1:8080" or "[::1]:8080". Port 0 picks one.
  Status Start(const std::string& listen);
  // Accepts on `fd`, a TCP socket already bound and listening (handed over by
  // systemd socket activation). The Server owns it from then on, also when
  // this fails (it is closed then).
  Status Adopt(int fd);
  // The bound port (after Start or Adopt).
  unsigned short port() const;
  // Stops accepting and closes every connection. Safe from any thread: the
  // work runs on the io_context (at once when called from its thread).
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace redwire::http
