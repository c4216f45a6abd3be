#include "daemon/app/app.h"

#include <sys/socket.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/app/config_watch.h"
#include "daemon/schedule/poller.h"
#include "daemon/serve/routes.h"
#include "daemon/app/state_lock.h"
#include "daemon/fetch/fetcher.h"
#include "daemon/http/server.h"
#include "store/store.h"

namespace redwire::app {
namespace {

// SIGTERM lets fetches under way finish for this long, then abandons them,
// so the process is gone well inside systemd's stop timeout and the 5 s the
// operator expects.
constexpr std::chrono::milliseconds kShutdownGrace{3000};
// A burst of editor saves under the config directory gives one reload.
constexpr std::chrono::milliseconds kReloadDebounce{500};
constexpr std::chrono::milliseconds kPruneFirst{60'000};      // after start-up's burst of polls
constexpr std::chrono::milliseconds kPruneEvery{3'600'000};
constexpr std::chrono::milliseconds kPruneBreather{200};     // between batches of one round
constexpr int kPruneBatch = 500;
// How often STATUS= is refreshed with source and item counts.
constexpr std::chrono::seconds kStatusEvery{60};
// When topic rules change, items first seen this recently are re-classified;
// older items keep the topics they had (their feeds have long moved on).
constexpr std::chrono::hours kReclassifyWindow{24 * 30};
// Items classified per batch off the loop; each batch's writes are one short
// transaction on the loop, so a request waits for at most one of them.
constexpr int kReclassifyBatch = 200;

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Logs a multi-line error ("file:line:col: message" per line) one event per line.
void LogEachLine(spdlog::level::level_enum level, const std::string& prefix, const std::string& lines) {
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) spdlog::log(level, "{}{}", prefix, line);
  }
}

// "http://HOST:PORT" for self links when public_url is not set.
std::string BaseUrl(const config::Settings& settings, const std::string& host, unsigned short port) {
  std::string base = settings.public_url;
  if (base.empty()) {
    const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
    base = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// The host part of a socket's local address, for BaseUrl.
std::string SocketHost(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  char text[INET6_ADDRSTRLEN] = "localhost";
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    if (address.ss_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&address)->sin_addr, text, sizeof text);
    } else if (address.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&address)->sin6_addr, text, sizeof text);
    }
  }
  return text;
}

bool TopicsDiffer(const LiveConfig& a, const LiveConfig& b) {
  if (a.catalog.topics.size() != b.catalog.topics.size()) return true;
  for (std::size_t i = 0; i < a.catalog.topics.size(); ++i) {
    const config::Topic& x = a.catalog.topics[i];
    const config::Topic& y = b.catalog.topics[i];
    if (x.id != y.id || x.match != y.match || x.sources != y.sources || x.tags != y.tags ||
        x.exclude_sources != y.exclude_sources || x.exclude_tags != y.exclude_tags) {
      return true;
    }
  }
  if (a.catalog.concepts.size() != b.catalog.concepts.size()) return true;
  for (std::size_t i = 0; i < a.catalog.concepts.size(); ++i) {
    if (a.catalog.concepts[i].id != b.catalog.concepts[i].id ||
        a.catalog.concepts[i].terms != b.catalog.concepts[i].terms) {
      return true;
    }
  }
  // Source tags feed tag: terms and topic tag lists.
  for (const auto& s : b.catalog.sources) {
    const config::Source* old = a.source(s.id);
    if (old && old->tags != s.tags) return true;
  }
  return false;
}

// The running daemon: everything Run() wires together, and its lifecycle
// (readiness, watchdog, status, reload, shutdown) on one io_context.
class Service {
 public:
  Service(const RunOptions& options, std::shared_ptr<const LiveConfig> config, std::unique_ptr<store::Store> store,
          StateLock& lock)
      : options_(options),
        lock_(lock),
        config_(std::move(config)),
        store_(std::move(store)),
        fetcher_(io_, FetchOptionsFrom(config_->catalog.settings)),
        poller_(io_, *store_, fetcher_, config_, &metrics_),
        server_(io_, [this](const http::Request& r) { return routes_->Handle(r); }, RouteLimits()),
        signals_(io_, SIGINT, SIGTERM),
        hangup_(io_, SIGHUP),
        watchdog_(io_),
        status_timer_(io_),
        watcher_(io_, options.config_dir, kReloadDebounce, [this] { Reload("config directory changed"); }) {}

  ~Service() { StopReclassify(); }

  int Run() {
    if (!Listen()) return 1;
    // HTTP reads through its own connection, so a slow feed query never
    // holds the writer's.
    if (auto reader = store::Store::OpenReader(options_.state_dir + "/redwire.db"); reader.ok()) {
      reader_ = std::move(reader).value();
    } else {
      spdlog::warn("{}; HTTP reads share the writer's connection", reader.error().message);
    }
    routes_ = std::make_unique<Routes>(reader_ ? *reader_ : *store_, config_,
                                       BaseUrl(config_->catalog.settings, host_, server_.port()), &metrics_);
    if (auto hub = routes_->EnableHub(io_, fetcher_, options_.state_dir + "/redwire.db"); !hub.ok()) {
      spdlog::warn("websub: hub disabled: {}", hub.error().message);
    }
    routes_->EnableControl([this](const std::string& id) { return poller_.PollSoon(id); });
    // `redwire poll` finds us here.
    if (auto st = lock_.Announce(ControlUrl()); !st.ok()) spdlog::warn("{}", st.error().message);
    signals_.async_wait([this](const std::error_code& ec, int signo) {
      if (!ec) Stop(signo);
    });
    WaitForHangup();
    if (auto st = watcher_.Start(); !st.ok()) spdlog::warn("config: {}; reload with SIGHUP", st.error().message);
    StartWatchdog();
    SchedulePrune(kPruneFirst);

    const std::size_t polled = poller_.Start();
    const auto& catalog = config_->catalog;
    spdlog::info("serving {} on {}; polling {} of {} sources, {} topics", routes_base_, listening_, polled,
                 catalog.sources.size(), catalog.topics.size());
    sd_notifyf(0, "READY=1\nSTATUS=%s", StatusLine().c_str());
    ScheduleStatus();
    io_.run();
    Drain();
    return 0;
  }

 private:
  static bool SameFetchSettings(const config::Settings& a, const config::Settings& b) {
    return a.user_agent == b.user_agent && a.proxy == b.proxy && a.connect_timeout == b.connect_timeout &&
           a.timeout == b.timeout && a.low_speed_time == b.low_speed_time && a.max_redirects == b.max_redirects &&
           a.max_body == b.max_body && a.max_concurrency == b.max_concurrency && a.per_host == b.per_host &&
           a.host_delay == b.host_delay;
  }

  // A socket from systemd (redwire.socket) wins over --listen.
  bool Listen() {
    const int fds = sd_listen_fds(1);
    if (fds < 0) {
      spdlog::error("socket activation: {}", std::strerror(-fds));
      return false;
    }
    if (fds > 0) {
      const int fd = SD_LISTEN_FDS_START;
      if (fds > 1) spdlog::warn("socket activation: {} sockets passed, serving on the first only", fds);
      if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
        spdlog::error("socket activation: fd {} is not a listening stream socket", fd);
        return false;
      }
      host_ = SocketHost(fd);
      if (auto st = server_.Adopt(fd); !st.ok()) {
        spdlog::error("{}", st.error().message);
        return false;
      }
      listening_ = "a socket from systemd (" + host_ + ":" + std::to_string(server_.port()) + ")";
    } else {
      if (auto st = server_.Start(options_.listen); !st.ok()) {
        spdlog::error("{}", st.error().message);
        return false;
      }
      host_ = options_.listen.substr(0, options_.listen.rfind(':'));
      if (!host_.empty() && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
      listening_ = options_.listen;
    }
    routes_base_ = BaseUrl(config_->catalog.settings, host_, server_.port());
    return true;
  }

  // Where a process on this host reaches the server: a wildcard address
  // is reached through loopback.
  std::string ControlUrl() const {
    std::string host = host_;
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    else if (host == "::") host = "::1";
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(server_.port());
  }

  void WaitForHangup() {
    hangup_.async_wait([this](const std::error_code& ec, int) {
      if (ec) return;
      Reload("SIGHUP");
      WaitForHangup();
    });
  }

  // The watchdog is fed from the event loop itself: a stuck loop stops the
  // pings and systemd restarts the service.
  void StartWatchdog() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(1, &usec) <= 0 || usec == 0) return;
    watchdog_every_ = std::chrono::microseconds(usec / 2);
    spdlog::debug("watchdog: pinging every {} ms", watchdog_every_.count() / 1000);
    PingWatchdog();
  }
  void PingWatchdog() {
    sd_notify(0, "WATCHDOG=1");
    watchdog_.expires_after(watchdog_every_);
    watchdog_.async_wait([this](const std::error_code& ec) {
      if (!ec && !stopping_) PingWatchdog();
    });
  }

  // Retention: deletes what keep_days / keep_min no longer keep, kPruneBatch
  // items per turn of the loop so polls and requests interleave; a short
  // batch means the round is done until the next kPruneEvery.
  void SchedulePrune(std::chrono::milliseconds delay) {
    prune_timer_.expires_after(delay);
    prune_timer_.async_wait([this](const std::error_code& ec) {
      if (ec || stopping_) return;
      const config::Settings& settings = config_->catalog.settings;
      auto rule_of = [config = config_, &settings](const std::string& source_id) {
        store::RetentionRule rule{settings.keep_days, settings.keep_min};
        if (const config::Source* source = config->source(source_id)) {
          rule.keep_days = source->keep_days.value_or(rule.keep_days);
          rule.keep_min = source->keep_min.value_or(rule.keep_min);
        }
        return rule;
      };
      const UnixTime now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
      auto deleted = store_->Prune(now, rule_of, kPruneBatch);
      if (!deleted.ok()) {
        spdlog::error("retention: {}", deleted.error().message);
        SchedulePrune(kPruneEvery);
        return;
      }
      SchedulePrune(deleted.value() == kPruneBatch ? kPruneBreather : kPruneEvery);
    });
  }

  void ScheduleStatus() {
    status_timer_.expires_after(kStatusEvery);
    status_timer_.async_wait([this](const std::error_code& ec) {
      if (ec || stopping_) return;
      sd_notifyf(0, "STATUS=%s", StatusLine().c_str());
      ScheduleStatus();
    });
  }

  std::string StatusLine() {
    const auto& catalog = config_->catalog;
    std::size_t failing = 0;
    if (auto states = store_->AllSourceStates(); states.ok()) {
      for (const auto& s : states.value()) {
        if (s.consecutive_failures > 0 && config_->source(s.source_id)) ++failing;
      }
    }
    auto items = store_->CountItems();
    return std::to_string(catalog.sources.size()) + " sources (" + std::to_string(failing) + " failing), " +
           std::to_string(catalog.topics.size()) + " topics, " +
           std::to_string(items.ok() ? items.value() : 0) + " items" + status_note_;
  }

  // Validates everything first; on any error the running configuration stays.
  void Reload(const std::string& why) {
    if (stopping_) return;
    spdlog::info("reload ({}): reading {}", why, options_.config_dir);
    auto loaded = LoadConfig(options_.config_dir);
    if (!loaded.ok()) {
      LogEachLine(spdlog::level::err, "reload refused: ", loaded.error().message);
      spdlog::warn("reload refused: keeping the running configuration");
      status_note_ = "; last reload refused, see the log";
      sd_notifyf(0, "STATUS=%s", StatusLine().c_str());
      return;
    }
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(MonotonicUsec()));
    std::shared_ptr<const LiveConfig> next = std::move(loaded).value();
    LogChanges(*config_, *next);
    const bool reclassify = TopicsDiffer(*config_, *next);
    if (!SameFetchSettings(config_->catalog.settings, next->catalog.settings)) {
      // The Fetcher is built once; replacing it would cut fetches under way.
      spdlog::warn("reload: changed fetch settings (user_agent, proxy, timeouts, limits) take effect at the next restart");
    }
    config_ = next;
    routes_base_ = BaseUrl(next->catalog.settings, host_, server_.port());
    // New items are classified by the new rules at once; the feeds switch to
    // the new configuration when the stored items are re-classified (or now,
    // when nothing needs it and no re-classification is under way).
    poller_.Reload(next);
    if (reclassify) StartReclassify(next);
    else if (!reclassify_thread_.joinable()) routes_->Reload(next, routes_base_);
    status_note_.clear();
    sd_notifyf(0, "READY=1\nSTATUS=%s", StatusLine().c_str());
  }

  static std::uint64_t MonotonicUsec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
  }

  static void LogChanges(const LiveConfig& before, const LiveConfig& after) {
    int added = 0, removed = 0, changed = 0;
    for (const auto& s : after.catalog.sources) {
      const config::Source* old = before.source(s.id);
      if (!old) {
        ++added;
        spdlog::info("reload: source {} added", s.id);
      } else if (old->url != s.url || old->every != s.every || old->has_scrape != s.has_scrape ||
                 old->allow_private != s.allow_private || old->name != s.name || old->lang != s.lang) {
        ++changed;
        spdlog::info("reload: source {} changed", s.id);
      }
    }
    for (const auto& s : before.catalog.sources) {
      if (!after.source(s.id)) {
        ++removed;
        spdlog::info("reload: source {} removed (its items stay in the store)", s.id);
      }
    }
    spdlog::info("reload: {} sources ({} added, {} removed, {} changed), {} topics", after.catalog.sources.size(),
                 added, removed, changed, after.catalog.topics.size());
  }

  // Re-classifies the recent items for `config` on a thread of its own with
  // its own read connection; each batch of changes is written on the loop,
  // and the feeds switch to the newest configuration after the last one. A
  // newer reload with changed topics supersedes a run under way.
  void StartReclassify(std::shared_ptr<const LiveConfig> config) {
    StopReclassify();
    const std::uint64_t run = ++reclassify_run_;
    reclassify_cancel_.store(false);
    const UnixTime since = Now() - std::chrono::duration_cast<std::chrono::seconds>(kReclassifyWindow).count();
    const std::string db = options_.state_dir + "/redwire.db";
    reclassify_thread_ = std::thread([this, config, since, db, run] {
      const auto started = std::chrono::steady_clock::now();
      auto finish = [this, run, started](std::string error) {
        asio::post(io_, [this, run, started, error = std::move(error)] { FinishReclassify(run, started, error); });
      };
      auto reader = store::Store::OpenReader(db);
      if (!reader.ok()) return finish(reader.error().message);
      auto topics_of = [&config](const Item& item) {
        const config::Source* source = config->source(item.source_id);
        return classify::Classify(config->rules,
                                  classify::Prepare(item, source ? source->tags : std::vector<std::string>{},
                                                    source ? source->lang : std::string()));
      };
      std::int64_t cursor = std::numeric_limits<std::int64_t>::max();
      while (cursor != 0) {
        if (reclassify_cancel_.load()) return;
        auto changes = reader.value()->TopicChangesRecent(since, cursor, kReclassifyBatch, topics_of, &cursor);
        if (!changes.ok()) return finish(changes.error().message);
        if (changes->empty()) continue;
        asio::post(io_, [this, run, changes = std::move(changes).value()] {
          if (run != reclassify_run_ || stopping_) return;
          if (auto applied = store_->ApplyTopicChanges(changes); !applied.ok()) {
            spdlog::error("reload: re-classifying recent items: {}", applied.error().message);
            return;
          }
          reclassified_ += static_cast<int>(changes.size());
        });
      }
      finish("");
    });
  }

  void FinishReclassify(std::uint64_t run, std::chrono::steady_clock::time_point started, const std::string& error) {
    if (run != reclassify_run_ || stopping_) return;
    if (reclassify_thread_.joinable()) reclassify_thread_.join();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (!error.empty()) {
      spdlog::error("reload: re-classifying recent items failed: {}; feeds keep their stored topics", error);
    } else {
      spdlog::info("reload: topics changed; re-classified the last {} days of items in {} ms: {} items changed topics",
                   kReclassifyWindow.count() / 24, ms.count(), reclassified_);
    }
    reclassified_ = 0;
    routes_->Reload(config_, routes_base_);
  }

  // Cancels a run under way (its batches not yet written are dropped) and
  // waits for its thread, which stops within one batch.
  void StopReclassify() {
    reclassify_cancel_.store(true);
    if (reclassify_thread_.joinable()) reclassify_thread_.join();
    reclassified_ = 0;
  }

  void Stop(int signo) {
    spdlog::info("signal {}: stopping", signo);
    sd_notify(0, "STOPPING=1");
    stopping_ = true;
    StopReclassify();
    poller_.Stop();
    server_.Stop();
    watcher_.Stop();
    hangup_.cancel();
    watchdog_.cancel();
    status_timer_.cancel();
    prune_timer_.cancel();
    io_.stop();
  }

  // Lets fetches under way (and the ingests they trigger) finish for up to
  // kShutdownGrace; whatever is left is abandoned with the Fetcher.
  void Drain() {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
    while (fetcher_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    if (const std::size_t left = fetcher_.in_flight(); left > 0) {
      spdlog::warn("shutdown: abandoning {} fetches still under way", left);
    }
    // Handlers queued by the server's close run now, before it is destroyed.
    io_.poll();
  }

  const RunOptions& options_;
  StateLock& lock_;
  std::shared_ptr<const LiveConfig> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Store> reader_;  // HTTP's read connection; outlives routes_
  asio::io_context io_;
  Metrics metrics_;
  fetch::Fetcher fetcher_;
  Poller poller_;
  std::unique_ptr<Routes> routes_;
  http::Server server_;
  asio::signal_set signals_;
  asio::signal_set hangup_;
  asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_every_{0};
  asio::steady_timer status_timer_;
  asio::steady_timer prune_timer_{io_};
  ConfigWatcher watcher_;
  std::string host_;
  std::string listening_;
  std::string routes_base_;
  std::string status_note_;
  bool stopping_ = false;
  // Re-classification after a topic change (StartReclassify). The run
  // number tells a superseded run's batches from the current one's.
  std::thread reclassify_thread_;
  std::atomic<bool> reclassify_cancel_{false};
  std::uint64_t reclassify_run_ = 0;
  int reclassified_ = 0;
};

}  // namespace

int Run(const RunOptions& options) {
  auto config = LoadConfig(options.config_dir);
  if (!config.ok()) {
    LogEachLine(spdlog::level::err, "", config.error().message);
    spdlog::error("config errors, not starting");
    return 1;
  }
  // One writer per store: a second daemon, or a `redwire poll --once`
  // under way, holds the state directory.
  auto lock = StateLock::Acquire(options.state_dir, "run");
  if (!lock.ok()) {
    spdlog::error("{}; not starting", lock.error().message);
    return 1;
  }
  auto opened = store::Store::Open(options.state_dir + "/redwire.db");
  if (!opened.ok()) {
    spdlog::error("{}", opened.error().message);
    return 1;
  }
  int code = 0;
  {
    // Destroyed before the message below: the store closes (and checkpoints
    // its WAL) when the Service goes.
    Service service(options, std::move(config).value(), std::move(opened).value(), *lock.value());
    code = service.Run();
  }
  spdlog::info("stopped");
  return code;
}

}  // namespace redwire::app
