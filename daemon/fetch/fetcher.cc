#include "daemon/fetch/fetcher.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <curl/curl.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "util/time.h"

namespace redwire::fetch {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

bool IsPublicV4(const asio::ip::address_v4& a) {
  const std::uint32_t v = a.to_uint();
  auto in = [v](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (v & mask) == net;
  };
  return !(in(0x00000000, 8)        // "this network", includes 0.0.0.0
           || in(0x0A000000, 8)     // 10/8
           || in(0x64400000, 10)    // 100.64/10 carrier-grade NAT
           || in(0x7F000000, 8)     // loopback
           || in(0xA9FE0000, 16)    // link-local, cloud metadata
           || in(0xAC100000, 12)    // 172.16/12
           || in(0xC0A80000, 16)    // 192.168/16
           || in(0xE0000000, 4)     // multicast
           || in(0xF0000000, 4));   // reserved, includes 255.255.255.255
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// A header value from the store goes into a request line; refuse anything that
// could smuggle a second header.
bool SafeHeaderValue(const std::string& v) {
  return v.find_first_of("\r\n") == std::string::npos;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 10 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::int64_t WallNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Cache-Control: no-store and no-cache mean "fresh for 0"; max-age=N (bare
// or quoted) for N seconds. s-maxage is for shared caches in front of users,
// which an aggregator is not.
std::optional<std::chrono::seconds> MaxAge(std::string_view header) {
  std::optional<std::chrono::seconds> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string directive = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::transform(directive.begin(), directive.end(), directive.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (directive == "no-store" || directive == "no-cache") return std::chrono::seconds(0);
    if (directive.rfind("max-age=", 0) != 0) continue;
    std::string value = directive.substr(8);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (AllDigits(value)) out = std::chrono::seconds(std::stoll(value));
  }
  return out;
}

// The seconds from the server's Date (or our clock) until `when`, never negative.
std::chrono::seconds Until(std::int64_t when, const std::string& date) {
  const std::int64_t from = util::ParseHttpDate(date).value_or(WallNow());
  return std::chrono::seconds(std::max<std::int64_t>(0, when - from));
}

// The host name of an absolute URL, lower-cased; empty when it has none.
std::string HostOf(const std::string& url) {
  std::string host;
  CURLU* u = curl_url();
  if (!u) return host;
  char* part = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK && part) {
    host = part;
    curl_free(part);
  }
  curl_url_cleanup(u);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

// Through a proxy only the proxy's address is ever seen, so the guard can
// judge just what the URL itself names: an address literal or localhost.
// Returns the refused host, or nothing when the URL may go to the proxy.
std::optional<std::string> BlockedByName(const std::string& url,
                                         const std::function<bool(const asio::ip::address&)>& is_public) {
  std::string host = HostOf(url);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (const auto pct = host.find('%'); pct != std::string::npos) host.resize(pct);  // zone id
  if (host == "localhost" ||
      (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0))
    return host;
  std::error_code ec;
  const asio::ip::address literal = asio::ip::make_address(host, ec);
  if (!ec && !is_public(literal)) return literal.to_string();
  return std::nullopt;
}

}  // namespace

bool IsPublicAddress(const asio::ip::address& address) {
  if (address.is_v4()) return IsPublicV4(address.to_v4());
  const asio::ip::address_v6 a = address.to_v6();
  const auto b = a.to_bytes();
  if (a.is_unspecified() || a.is_loopback() || a.is_multicast()) return false;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 old site-local
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique-local
  auto embedded_v4 = [&b] {
    return asio::ip::address_v4(asio::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]});
  };
  if (a.is_v4_mapped()) return IsPublicV4(embedded_v4());
  static constexpr std::array<unsigned char, 12> kNat64 = {0x00, 0x64, 0xff, 0x9b};
  if (std::equal(kNat64.begin(), kNat64.end(), b.begin())) return IsPublicV4(embedded_v4());
  // Deprecated IPv4-compatible form ::a.b.c.d.
  static constexpr std::array<unsigned char, 12> kCompat = {};
  if (std::equal(kCompat.begin(), kCompat.end(), b.begin())) return IsPublicV4(embedded_v4());
  return true;
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kNotModified: return "not-modified";
    case Outcome::kHttpError: return "http-error";
    case Outcome::kBlockedAddress: return "blocked-address";
    case Outcome::kTooLarge: return "too-large";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kRedirectLimit: return "redirect-limit";
    case Outcome::kNetworkError: return "network-error";
  }
  return "unknown";
}

struct Fetcher::Impl {
  // One transfer: its easy handle and everything its callbacks write into.
  struct Transfer {
    Impl* impl = nullptr;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    Request request;
    Callback done;
    Response response;
    std::string host;  // politeness key: the URL's host name
    Clock::time_point queued_at;
    Clock::time_point start;
    std::size_t header_bytes = 0;
    bool body_too_large = false;
    bool headers_too_large = false;
    std::string blocked;  // the refused peer address, if any
    // Headers of the current hop that only matter once the chain ends.
    std::string cache_control;
    std::string expires;
    std::string date;
    char error[CURL_ERROR_SIZE] = {};
  };

  // Politeness bookkeeping per host name.
  struct Host {
    std::size_t running = 0;
    bool started = false;  // last_start is meaningful
    Clock::time_point last_start;
  };

  // A socket curl wants watched. Connections are opened through
  // OPENSOCKETFUNCTION and owned here; other descriptors (the threaded
  // resolver's socketpair) belong to curl, so we watch a dup of them and never
  // touch curl's own descriptor number in the reactor.
  struct Watch {
    std::uint64_t serial = 0;
    std::unique_ptr<tcp::socket> socket;
    std::unique_ptr<asio::posix::stream_descriptor> foreign;
    int want = 0;  // CURL_POLL_IN / CURL_POLL_OUT bits
    bool reading = false;
    bool writing = false;
  };

  Impl(asio::io_context& io, Options options)
      : io(io), options(std::move(options)), timer(io), pump_timer(io) {
    this->options.max_concurrency = std::max<std::size_t>(1, this->options.max_concurrency);
    this->options.per_host = std::max<std::size_t>(1, this->options.per_host);
  }

  asio::io_context& io;
  Options options;
  asio::steady_timer timer;
  CURLM* multi = nullptr;
  std::map<curl_socket_t, Watch> watches;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;  // running
  std::list<std::unique_ptr<Transfer>> waiting;          // queued, oldest first
  std::map<std::string, Host> hosts;
  asio::steady_timer pump_timer;  // wakes the queue when a host delay ends
  bool pump_armed = false;
  Clock::time_point pump_at;
  std::uint64_t next_serial = 1;
  bool closing = false;
  // Handlers already queued on the io_context when the fetcher dies check
  // this before touching it.
  std::shared_ptr<char> alive = std::make_shared<char>();

  void Enqueue(Request request, Callback done);
  void Pump();
  void PostPump();
  void Begin(std::unique_ptr<Transfer> t);
  void Release(const std::string& host);
  void Finish(CURL* easy, CURLcode result);
  void SocketAction(curl_socket_t fd, int events);
  void DrainDone();
  void Arm(curl_socket_t fd);
  void Wait(curl_socket_t fd, Watch& w, bool read);
  void Deliver(Callback done, Response response);

  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* clientp, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* clientp);
  static curl_socket_t OnOpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address);
  static int OnCloseSocket(void* clientp, curl_socket_t fd);
  static int OnPrereq(void* clientp, char* primary_ip, char* local_ip, int primary_port,
                      int local_port);
  static std::size_t OnWrite(char* data, std::size_t size, std::size_t n, void* userdata);
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* userdata);
};

int Fetcher::Impl::OnSocket(CURL*, curl_socket_t fd, int what, void* clientp, void*) {
  auto* impl = static_cast<Impl*>(clientp);
  auto it = impl->watches.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it == impl->watches.end()) return 0;
    if (it->second.foreign) {
      // Erasing closes our dup and aborts its waits; curl keeps its own fd.
      impl->watches.erase(it);
      return 0;
    }
    it->second.want = 0;
    impl->Arm(fd);
    return 0;
  }
  if (it == impl->watches.end()) {
    if (impl->closing) return 0;
    const int copy = ::dup(fd);
    if (copy < 0) {
      spdlog::error("fetch: cannot watch curl descriptor {}: {}", fd, std::strerror(errno));
      return -1;
    }
    Watch w;
    w.serial = impl->next_serial++;
    w.foreign = std::make_unique<asio::posix::stream_descriptor>(impl->io, copy);
    it = impl->watches.emplace(fd, std::move(w)).first;
  }
  it->second.want = what & (CURL_POLL_IN | CURL_POLL_OUT);
  impl->Arm(fd);
  return 0;
}

// Never calls curl: it only (re)arms the timer, as libcurl requires.
int Fetcher::Impl::OnTimer(CURLM*, long timeout_ms, void* clientp) {
  auto* impl = static_cast<Impl*>(clientp);
  if (timeout_ms < 0 || impl->closing) {
    impl->timer.cancel();
    return 0;
  }
  impl->timer.expires_after(std::chrono::milliseconds(timeout_ms));
  impl->timer.async_wait([impl, alive = std::weak_ptr<char>(impl->alive)](std::error_code ec) {
    if (ec || alive.expired()) return;
    impl->SocketAction(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

// The SSRF gate: it sees the address of every connection curl makes,
// including each redirect hop and after any DNS answer, so rebinding and
// redirects to internal hosts are caught here.
curl_socket_t Fetcher::Impl::OnOpenSocket(void* clientp, curlsocktype purpose,
                                          curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  Impl* impl = t->impl;
  if (purpose != CURLSOCKTYPE_IPCXN || address->socktype != SOCK_STREAM) return CURL_SOCKET_BAD;

  asio::ip::address peer;
  sockaddr_storage storage{};
  std::memcpy(&storage, &address->addr, std::min<std::size_t>(address->addrlen, sizeof storage));
  if (address->family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
    peer = asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
  } else if (address->family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
    peer = asio::ip::address_v6(bytes);
  } else {
    return CURL_SOCKET_BAD;
  }
  // With a proxy every connection goes to it: the operator chose that address.
  if (impl->options.proxy.empty() && !t->request.allow_private && !impl->options.is_public(peer)) {
    t->blocked = peer.to_string();
    spdlog::warn("fetch {}: refused connection to blocked address {}", t->request.source_id,
                 t->blocked);
    return CURL_SOCKET_BAD;
  }

  auto socket = std::make_unique<tcp::socket>(impl->io);
  std::error_code ec;
  socket->open(address->family == AF_INET ? tcp::v4() : tcp::v6(), ec);
  if (ec) {
    spdlog::warn("fetch {}: cannot open socket: {}", t->request.source_id, ec.message());
    return CURL_SOCKET_BAD;
  }
  const curl_socket_t fd = socket->native_handle();
  // A resolver descriptor curl closed without telling us may have had this
  // number; our dup of it is stale now.
  impl->watches.erase(fd);
  Watch w;
  w.serial = impl->next_serial++;
  w.socket = std::move(socket);
  impl->watches.emplace(fd, std::move(w));
  return fd;
}

// The second gate: a pooled connection opened for a request that allowed
// private peers may be reused for one that does not, and reuse never passes
// through OPENSOCKETFUNCTION. This runs before every request on any connection.
int Fetcher::Impl::OnPrereq(void* clientp, char* primary_ip, char*, int, int) {
  auto* t = static_cast<Transfer*>(clientp);
  if (t->request.allow_private) return CURL_PREREQFUNC_OK;
  if (!t->impl->options.proxy.empty()) {
    // Each hop of a redirect chain comes through here with its own URL.
    char* url = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
    const auto refused = BlockedByName(url ? url : "", t->impl->options.is_public);
    if (!refused) return CURL_PREREQFUNC_OK;
    t->blocked = *refused;
    spdlog::warn("fetch {}: refused request to blocked host {} through the proxy",
                 t->request.source_id, t->blocked);
    return CURL_PREREQFUNC_ABORT;
  }
  std::error_code ec;
  const asio::ip::address peer = asio::ip::make_address(primary_ip ? primary_ip : "", ec);
  if (!ec && t->impl->options.is_public(peer)) return CURL_PREREQFUNC_OK;
  t->blocked = ec ? std::string(primary_ip ? primary_ip : "unknown") : peer.to_string();
  spdlog::warn("fetch {}: refused request over a connection to blocked address {}",
               t->request.source_id, t->blocked);
  return CURL_PREREQFUNC_ABORT;
}

int Fetcher::Impl::OnCloseSocket(void* clientp, curl_socket_t fd) {
  auto* impl = static_cast<Impl*>(clientp);
  auto it = impl->watches.find(fd);
  if (it == impl->watches.end() || !it->second.socket) return ::close(fd);
  // Destroying the asio socket closes the descriptor and aborts its waits.
  impl->watches.erase(it);
  return 0;
}

std::size_t Fetcher::Impl::OnWrite(char* data, std::size_t size, std::size_t n, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const std::size_t bytes = size * n;
  // Counted after content decoding, so a small gzip bomb cannot grow past it.
  if (t->response.body.size() + bytes > t->impl->options.max_body_bytes) {
    t->body_too_large = true;
    return 0;
  }
  t->response.body.append(data, bytes);
  return bytes;
}

std::size_t Fetcher::Impl::OnHeader(char* data, std::size_t size, std::size_t n, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const std::size_t bytes = size * n;
  t->header_bytes += bytes;
  if (t->header_bytes > t->impl->options.max_header_bytes) {
    t->headers_too_large = true;
    return 0;
  }
  const std::string_view line(data, bytes);
  Response& r = t->response;
  if (StartsWithNoCase(line, "HTTP/")) {
    // "HTTP/1.1 301 Moved" or "HTTP/2 301": the code follows the first space.
    const auto space = line.find(' ');
    const long code = space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    // 1xx are interim answers; the real one for this request follows.
    if (code >= 100 && code < 200) return bytes;
    // A new response in a redirect chain: earlier hops' headers do not apply.
    r.etag.clear();
    r.last_modified.clear();
    r.content_type.clear();
    r.retry_after.clear();
    t->cache_control.clear();
    t->expires.clear();
    t->date.clear();
    char* url = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
    r.hops.push_back(Hop{url ? url : "", code});
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  const std::string_view name = line.substr(0, colon);
  auto is = [&name](std::string_view want) {
    return name.size() == want.size() && StartsWithNoCase(name, want);
  };
  std::string* field = is("etag")            ? &r.etag
                       : is("last-modified") ? &r.last_modified
                       : is("content-type")  ? &r.content_type
                       : is("retry-after")   ? &r.retry_after
                       : is("expires")       ? &t->expires
                       : is("date")          ? &t->date
                                             : nullptr;
  if (field) {
    *field = Trim(line.substr(colon + 1));
  } else if (is("cache-control")) {
    // The only header here that may repeat; its directives accumulate.
    if (!t->cache_control.empty()) t->cache_control += ',';
    t->cache_control += Trim(line.substr(colon + 1));
  }
  return bytes;
}

void Fetcher::Impl::Arm(curl_socket_t fd) {
  auto it = watches.find(fd);
  if (it == watches.end()) return;
  Watch& w = it->second;
  if (w.want == 0) {
    // An idle pooled connection must not keep the io_context busy.
    if (w.reading || w.writing) {
      std::error_code ignored;
      if (w.socket) w.socket->cancel(ignored);
      if (w.foreign) w.foreign->cancel(ignored);
    }
    return;
  }
  if ((w.want & CURL_POLL_IN) && !w.reading) Wait(fd, w, true);
  if ((w.want & CURL_POLL_OUT) && !w.writing) Wait(fd, w, false);
}

void Fetcher::Impl::Wait(curl_socket_t fd, Watch& w, bool read) {
  (read ? w.reading : w.writing) = true;
  auto handler = [this, alive = std::weak_ptr<char>(alive), fd, serial = w.serial,
                  read](std::error_code ec) {
    if (alive.expired()) return;
    auto it = watches.find(fd);
    if (it == watches.end() || it->second.serial != serial) return;
    Watch& w = it->second;
    (read ? w.reading : w.writing) = false;
    const bool wanted = w.want & (read ? CURL_POLL_IN : CURL_POLL_OUT);
    if (ec != asio::error::operation_aborted && wanted) {
      SocketAction(fd, ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT));
    }
    // The action may have closed this socket or reused its number: look it up again.
    Arm(fd);
  };
  if (w.socket) {
    w.socket->async_wait(read ? tcp::socket::wait_read : tcp::socket::wait_write,
                         std::move(handler));
  } else {
    w.foreign->async_wait(read ? asio::posix::stream_descriptor::wait_read
                               : asio::posix::stream_descriptor::wait_write,
                          std::move(handler));
  }
}

void Fetcher::Impl::SocketAction(curl_socket_t fd, int events) {
  int running = 0;
  const CURLMcode rc = curl_multi_socket_action(multi, fd, events, &running);
  if (rc != CURLM_OK) spdlog::error("fetch: curl_multi_socket_action: {}", curl_multi_strerror(rc));
  DrainDone();
}

void Fetcher::Impl::DrainDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // Removing the handle invalidates msg, so copy what we need first.
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    Finish(easy, result);
  }
}

void Fetcher::Impl::Finish(CURL* easy, CURLcode result) {
  char* priv = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
  auto* t = reinterpret_cast<Transfer*>(priv);
  Response& r = t->response;
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t->start);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
  char* effective = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
    r.final_url = effective;

  if (t->body_too_large || result == CURLE_FILESIZE_EXCEEDED) {
    r.outcome = Outcome::kTooLarge;
    r.error = "body over " + std::to_string(options.max_body_bytes) + " bytes";
  } else if (t->headers_too_large) {
    r.outcome = Outcome::kTooLarge;
    r.error = "headers over " + std::to_string(options.max_header_bytes) + " bytes";
  } else if (result != CURLE_OK && !t->blocked.empty()) {
    r.outcome = Outcome::kBlockedAddress;
    r.error = "blocked address " + t->blocked;
  } else if (result != CURLE_OK) {
    r.outcome = result == CURLE_OPERATION_TIMEDOUT    ? Outcome::kTimeout
                : result == CURLE_TOO_MANY_REDIRECTS ? Outcome::kRedirectLimit
                                                     : Outcome::kNetworkError;
    r.error = t->error[0] ? t->error : curl_easy_strerror(result);
  } else if (r.status >= 200 && r.status < 300) {
    r.outcome = Outcome::kOk;
  } else if (r.status == 304) {
    r.outcome = Outcome::kNotModified;
  } else {
    r.outcome = Outcome::kHttpError;
    r.error = "HTTP " + std::to_string(r.status);
  }
  if (r.outcome != Outcome::kOk && r.outcome != Outcome::kHttpError) r.body.clear();

  for (std::size_t i = 0; i + 1 < r.hops.size(); ++i) {
    if (r.hops[i].status != 301 && r.hops[i].status != 308) break;
    r.permanent_url = r.hops[i + 1].url;
  }
  if (auto age = MaxAge(t->cache_control)) {
    r.fresh_for = age;
  } else if (!t->expires.empty()) {
    // An unparseable Expires ("0", "-1") means already stale.
    const auto when = util::ParseHttpDate(t->expires);
    r.fresh_for = when ? Until(*when, t->date) : std::chrono::seconds(0);
  }
  if (AllDigits(r.retry_after)) {
    r.retry_after_delay = std::chrono::seconds(std::stoll(r.retry_after));
  } else if (const auto when = util::ParseHttpDate(r.retry_after)) {
    r.retry_after_delay = Until(*when, t->date);
  }

  spdlog::debug("fetch {} {} {} status={} bytes={} ms={} queued_ms={}{}{}", t->request.source_id,
                t->request.url, OutcomeName(r.outcome), r.status, r.body.size(), r.elapsed.count(),
                r.queued.count(), r.error.empty() ? "" : ": ", r.error);

  curl_multi_remove_handle(multi, easy);
  curl_easy_cleanup(easy);
  curl_slist_free_all(t->headers);
  auto node = transfers.extract(easy);
  Release(t->host);
  Deliver(std::move(t->done), std::move(r));
}

void Fetcher::Impl::Deliver(Callback done, Response response) {
  // Posted, so user code never runs inside a curl callback or socket_action.
  asio::post(io, [alive = std::weak_ptr<char>(alive), done = std::move(done),
                  response = std::move(response)]() mutable {
    if (!alive.expired()) done(std::move(response));
  });
}

void Fetcher::Impl::Enqueue(Request request, Callback done) {
  auto t = std::make_unique<Transfer>();
  t->impl = this;
  t->request = std::move(request);
  t->done = std::move(done);
  t->queued_at = Clock::now();
  t->host = HostOf(t->request.url);
  t->response.final_url = t->request.url;
  waiting.push_back(std::move(t));
  Pump();
}

// Starts queued transfers, oldest first, while a global slot is free; one
// whose host is busy or too recently visited waits without blocking others.
void Fetcher::Impl::Pump() {
  if (closing) return;
  const Clock::time_point now = Clock::now();
  std::optional<Clock::time_point> wake;
  for (auto it = waiting.begin(); it != waiting.end() && transfers.size() < options.max_concurrency;) {
    Host& host = hosts[(*it)->host];
    if (host.running >= options.per_host) {
      ++it;
      continue;
    }
    const Clock::time_point ready = host.last_start + options.host_delay;
    if (host.started && ready > now) {
      if (!wake || ready < *wake) wake = ready;
      ++it;
      continue;
    }
    ++host.running;
    host.started = true;
    host.last_start = now;
    std::unique_ptr<Transfer> t = std::move(*it);
    it = waiting.erase(it);
    Begin(std::move(t));
  }
  // Hosts with nothing running and no delay left to enforce are forgotten.
  for (auto it = hosts.begin(); it != hosts.end();) {
    const bool idle = it->second.running == 0 && it->second.last_start + options.host_delay <= now;
    it = idle ? hosts.erase(it) : std::next(it);
  }
  if (!wake || (pump_armed && pump_at <= *wake)) return;
  pump_armed = true;
  pump_at = *wake;
  pump_timer.expires_at(*wake);
  pump_timer.async_wait([this, alive = std::weak_ptr<char>(alive)](std::error_code ec) {
    if (ec || alive.expired()) return;
    pump_armed = false;
    Pump();
  });
}

// Called where curl may be on the stack: the queue moves on from the loop.
void Fetcher::Impl::PostPump() {
  asio::post(io, [this, alive = std::weak_ptr<char>(alive)] {
    if (!alive.expired()) Pump();
  });
}

void Fetcher::Impl::Release(const std::string& host) {
  if (auto it = hosts.find(host); it != hosts.end() && it->second.running > 0) --it->second.running;
  if (!waiting.empty()) PostPump();
}

void Fetcher::Impl::Begin(std::unique_ptr<Transfer> t) {
  t->start = Clock::now();
  t->response.queued = std::chrono::duration_cast<std::chrono::milliseconds>(t->start - t->queued_at);

  CURL* e = multi ? curl_easy_init() : nullptr;
  std::optional<std::string> refused;
  if (e && !options.proxy.empty() && !t->request.allow_private) refused = BlockedByName(t->request.url, options.is_public);
  if (!e || refused) {
    if (refused) {
      t->response.outcome = Outcome::kBlockedAddress;
      t->response.error = "blocked address " + *refused;
      spdlog::warn("fetch {}: refused request to blocked host {} through the proxy", t->request.source_id,
                   *refused);
    } else {
      t->response.error = multi ? "curl_easy_init failed" : "curl_multi_init failed";
      spdlog::error("fetch {} {}: {}", t->request.source_id, t->request.url, t->response.error);
    }
    if (e) curl_easy_cleanup(e);
    Release(t->host);
    Deliver(std::move(t->done), std::move(t->response));
    return;
  }
  t->easy = e;
  if (!t->request.etag.empty() && SafeHeaderValue(t->request.etag))
    t->headers = curl_slist_append(t->headers, ("If-None-Match: " + t->request.etag).c_str());
  if (!t->request.last_modified.empty() && SafeHeaderValue(t->request.last_modified))
    t->headers = curl_slist_append(t->headers,
                                   ("If-Modified-Since: " + t->request.last_modified).c_str());

  for (const std::string& header : t->request.headers) {
    if (SafeHeaderValue(header)) t->headers = curl_slist_append(t->headers, header.c_str());
  }
  if (t->request.post) {
    // The Transfer owns the request, so the body outlives the transfer.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->request.post_body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.post_body.data());
  }
  curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, options.max_redirects);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  // A drip-feeding server cannot hold a slot until the total timeout.
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  // A declared length over the cap fails before any byte of the body; the
  // write callback still counts decoded bytes for the rest.
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  // "" offers every encoding this libcurl decodes (bookworm: deflate, gzip, br, zstd).
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                   options.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  // Only the configured proxy: "" also overrides http_proxy and friends in
  // the environment, and NOPROXY "" sends every host through a set proxy.
  curl_easy_setopt(e, CURLOPT_PROXY, options.proxy.c_str());
  curl_easy_setopt(e, CURLOPT_NOPROXY, "");
  curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::OnWrite);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::OnOpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Impl::OnPrereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
  // Pooled connections outlive their transfer, so closing is keyed on the fetcher.
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnCloseSocket);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);

  Transfer* raw = t.get();
  transfers.emplace(e, std::move(t));
  const CURLMcode rc = curl_multi_add_handle(multi, e);
  if (rc != CURLM_OK) {
    raw->response.error = std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc);
    spdlog::error("fetch {} {}: {}", raw->request.source_id, raw->request.url,
                  raw->response.error);
    curl_easy_cleanup(e);
    curl_slist_free_all(raw->headers);
    auto node = transfers.extract(e);
    Release(raw->host);
    Deliver(std::move(raw->done), std::move(raw->response));
  }
}

Fetcher::Fetcher(asio::io_context& io, Options options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {
  impl_->multi = curl_multi_init();
  if (!impl_->multi) return;
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
  // HTTP/2 streams to one host share a connection.
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
}

Fetcher::~Fetcher() {
  Impl& impl = *impl_;
  impl.alive.reset();
  impl.closing = true;
  impl.waiting.clear();
  impl.pump_timer.cancel();
  for (auto& [easy, transfer] : impl.transfers) {
    curl_multi_remove_handle(impl.multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(transfer->headers);
  }
  impl.transfers.clear();
  // Closes pooled connections through OnCloseSocket while the watches exist.
  if (impl.multi) curl_multi_cleanup(impl.multi);
  impl.watches.clear();
  impl.timer.cancel();
}

void Fetcher::Fetch(Request request, Callback done) {
  impl_->Enqueue(std::move(request), std::move(done));
}

std::size_t Fetcher::in_flight() const { return impl_->transfers.size() + impl_->waiting.size(); }

std::size_t Fetcher::queued() const { return impl_->waiting.size(); }

}  // namespace redwire::fetch
