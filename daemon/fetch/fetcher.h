// fetch: HTTP GETs with libcurl's multi interface driven by an asio
// io_context (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION, curl_multi_socket_action).
// Nothing blocks the loop; an idle fetcher holds no timers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

namespace redwire::fetch {

struct Options {
  std::string user_agent = "redwire/0.1";
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  long max_redirects = 5;
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // counted after decoding
  std::size_t max_header_bytes = 64 * 1024;
};

struct Request {
  std::string source_id;       // for logs and errors
  std::string url;
  std::string etag;            // sent as If-None-Match when not empty
  std::string last_modified;   // sent as If-Modified-Since when not empty
  bool allow_private = false;  // else loopback/private/link-local peers are refused
};

enum class Outcome {
  kOk,             // 2xx with a body
  kNotModified,    // 304
  kHttpError,      // non-2xx, non-304 status
  kBlockedAddress, // the peer address is not allowed
  kTooLarge,       // body over max_body_bytes
  kNetworkError,   // DNS, connect, TLS, timeout, ...
};

const char* OutcomeName(Outcome o);  // "ok", "not-modified", "http-error", ...

// False for loopback, unspecified, private (RFC 1918), carrier-grade NAT,
// link-local, unique-local, multicast, broadcast/reserved addresses, and for
// IPv4-mapped or NAT64 (64:ff9b::/96) forms of those. Fetches with
// allow_private == false refuse to connect to such a peer.
bool IsPublicAddress(const asio::ip::address& address);

struct Response {
  Outcome outcome = Outcome::kNetworkError;
  long status = 0;             // HTTP status, 0 when none
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string retry_after;     // raw header value, if any
  std::string final_url;       // after redirects
  std::string error;           // human-readable reason when not ok
  std::chrono::milliseconds elapsed{0};
};

// Owns the curl multi handle. Must outlive every pending fetch; destroying it
// abandons them without calling their callbacks. Single-threaded: call from
// the io_context's thread only. curl_global_init must have run.
class Fetcher {
 public:
  Fetcher(asio::io_context& io, Options options);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  using Callback = std::function<void(Response)>;
  // Starts a GET; `done` runs later on the io_context, exactly once.
  void Fetch(Request request, Callback done);

  // Transfers under way.
  std::size_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redwire::fetch
