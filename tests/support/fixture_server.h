// A scripted HTTP/1.1 origin on 127.0.0.1 for tests: it runs its own
// io_context on its own thread, answers from a route table, and records every
// request so a test can assert what the client sent (conditional headers...).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace redwire::testing {

struct FixtureRequest {
  std::string method;
  std::string target;                          // path and query as sent
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct FixtureResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the server sends the head, then the body in pieces of
  // `chunk_bytes` with `chunk_delay` between them (slow servers).
  std::size_t chunk_bytes = 0;
  std::chrono::milliseconds chunk_delay{0};
  // Misbehaviours. `hang`: read the request and never answer. `reset`: send
  // the first `reset_after` bytes of the answer (head included), then abort
  // the connection with a TCP RST.
  bool hang = false;
  bool reset = false;
  std::size_t reset_after = 0;
};

using FixtureHandler = std::function<FixtureResponse(const FixtureRequest&)>;

class FixtureServer {
 public:
  FixtureServer();   // binds 127.0.0.1 on a free port and starts serving
  ~FixtureServer();  // stops and joins
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  // Exact-path routes (query ignored); unknown paths answer 404.
  void Route(const std::string& path, FixtureHandler handler);
  // A static document with a fixed ETag that answers 304 to a matching
  // If-None-Match.
  void Static(const std::string& path, std::string content_type, std::string body,
              std::string etag);

  unsigned short port() const;
  std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT" + path

  std::vector<FixtureRequest> requests() const;     // a copy, in arrival order
  std::size_t count(const std::string& path, int status) const;  // answered so

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redwire::testing
