// fetch: HTTP GETs with libcurl's multi interface driven by an asio
// io_context (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION, curl_multi_socket_action).
// Nothing blocks the loop; an idle fetcher holds no timers.
//
// Politeness lives here: requests wait in a queue until a global slot, a slot
// for their host and the host's minimum delay allow them to start, so every
// caller (poller, ingester follow-ups) shares the same limits.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

namespace redwire::fetch {

// False for loopback, unspecified, private (RFC 1918), carrier-grade NAT,
// link-local, unique-local, multicast, broadcast/reserved addresses, and for
// IPv4-mapped or NAT64 (64:ff9b::/96) forms of those. Fetches with
// allow_private == false refuse to connect to such a peer.
bool IsPublicAddress(const asio::ip::address& address);

struct Options {
  std::string user_agent = "redwire/0.1";
  std::string proxy;                           // e.g. "http://proxy:3128"; empty: none (env ignored)
  bool http2 = true;                           // negotiate HTTP/2 over TLS when the server offers it
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  long low_speed_limit = 100;                  // bytes per second ...
  std::chrono::seconds low_speed_time{30};     // ... for this long aborts the transfer
  long max_redirects = 5;
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // counted after decoding
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_concurrency = 32;            // transfers at once, all hosts
  std::size_t per_host = 2;                    // transfers at once to one host name
  std::chrono::milliseconds host_delay{1'000}; // between request starts to one host name
  // The SSRF guard's verdict on a peer for requests without allow_private.
  // Tests narrow it to tell two loopback addresses apart.
  std::function<bool(const asio::ip::address&)> is_public = IsPublicAddress;
};

struct Request {
  std::string source_id;       // for logs and errors
  std::string url;
  std::string etag;            // sent as If-None-Match when not empty
  std::string last_modified;   // sent as If-Modified-Since when not empty
  bool allow_private = false;  // else loopback/private/link-local peers are refused
  // A POST instead of a GET (WebSub content distribution): `post_body` is
  // sent with `headers`, each a "Name: value" line.
  bool post = false;
  std::string post_body = {};
  std::vector<std::string> headers = {};
};

enum class Outcome {
  kOk,             // 2xx with a body
  kNotModified,    // 304
  kHttpError,      // non-2xx, non-304 status
  kBlockedAddress, // the peer address is not allowed
  kTooLarge,       // body over max_body_bytes, or headers over max_header_bytes
  kTimeout,        // connect, total or low-speed timeout
  kRedirectLimit,  // more than max_redirects hops (a loop, usually)
  kNetworkError,   // DNS, connect, reset, TLS, bad protocol, ...
};

// "ok", "not-modified", "http-error", "blocked-address", "too-large",
// "timeout", "redirect-limit", "network-error": stable, used in logs,
// the store and metrics labels.
const char* OutcomeName(Outcome o);

// One answered request of a redirect chain.
struct Hop {
  std::string url;  // the URL requested
  long status = 0;  // its final (non-1xx) status
};

struct Response {
  Outcome outcome = Outcome::kNetworkError;
  long status = 0;             // HTTP status, 0 when none
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string retry_after;     // raw header value, if any
  std::string final_url;       // after redirects
  std::vector<Hop> hops;       // every answered request, first to last
  // The last URL reached from the requested one through 301/308 hops only;
  // empty when the first answer was not a permanent redirect. A caller may
  // poll it instead from now on.
  std::string permanent_url;
  // How long the server says the answer stays fresh: Cache-Control max-age
  // (s-maxage ignored; no-cache/no-store give 0), else Expires minus Date.
  std::optional<std::chrono::seconds> fresh_for;
  // Retry-After as a delay, from delta-seconds or an HTTP-date.
  std::optional<std::chrono::seconds> retry_after_delay;
  std::string error;           // human-readable reason when not ok
  std::chrono::milliseconds elapsed{0};  // from the transfer's start, queueing excluded
  std::chrono::milliseconds queued{0};   // waiting for a slot or the host delay
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
  // Queues a GET; `done` runs later on the io_context, exactly once.
  void Fetch(Request request, Callback done);

  // Fetches accepted and not yet delivered: queued plus running.
  std::size_t in_flight() const;
  // Of those, the ones still waiting for a slot or a host delay.
  std::size_t queued() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redwire::fetch
