#include "daemon/app/app.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/fetch/fetcher.h"
#include "daemon/http/server.h"
#include "daemon/parse/parse.h"
#include "daemon/publish/publish.h"
#include "store/store.h"

namespace redwire::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

UnixTime Now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Strong validator for a rendered body: 64-bit FNV-1a, quoted.
std::string EtagOf(const std::string& body) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

// Retry-After as delta-seconds; the HTTP-date form is rare for feeds and
// falls back to our own backoff.
std::optional<seconds> RetryAfter(const std::string& value) {
  if (value.empty() || value.size() > 10 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return seconds(std::stoll(value));
}

class Daemon {
 public:
  Daemon(RunOptions options, config::Catalog catalog, std::vector<classify::TopicRule> rules,
         std::unique_ptr<store::Store> store)
      : options_(std::move(options)),
        catalog_(std::move(catalog)),
        rules_(std::move(rules)),
        store_(std::move(store)),
        signals_(io_, SIGINT, SIGTERM),
        fetcher_(io_, FetchOptions(catalog_.settings)),
        server_(io_, [this](const http::Request& r) { return Route(r); }),
        rng_(std::random_device{}()) {
    for (const auto& s : catalog_.sources) sources_by_id_[s.id] = &s;
    for (const auto& t : catalog_.topics) topics_by_id_[t.id] = &t;
  }

  Status Start() {
    if (auto st = server_.Start(options_.listen); !st.ok()) return st;
    base_url_ = catalog_.settings.public_url;
    if (base_url_.empty()) {
      const std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
      base_url_ = "http://" + host + ":" + std::to_string(server_.port());
    }
    signals_.async_wait([this](const std::error_code& ec, int signo) {
      if (!ec) Shutdown(signo);
    });
    std::size_t polled = 0;
    for (const auto& source : catalog_.sources) {
      if (source.has_scrape) continue;
      // Jitter first polls so a restart does not hit every site at once.
      const auto spread = std::min<milliseconds>(source.every, seconds(30));
      Schedule(source, milliseconds(Uniform(0, spread.count())));
      ++polled;
    }
    spdlog::info("serving {} on {}; polling {} of {} sources, {} topics", base_url_,
                 options_.listen, polled, catalog_.sources.size(), catalog_.topics.size());
    auto count = store_->CountItems();
    sd_notifyf(0, "READY=1\nSTATUS=%zu sources, %lld items", catalog_.sources.size(),
               static_cast<long long>(count.ok() ? count.value() : 0));
    return Ok{};
  }

  void Run() { io_.run(); }

 private:
  static fetch::Options FetchOptions(const config::Settings& settings) {
    fetch::Options o;
    o.user_agent = settings.user_agent;
    return o;
  }

  long long Uniform(long long lo, long long hi) {
    if (hi <= lo) return lo;
    return std::uniform_int_distribution<long long>(lo, hi)(rng_);
  }

  void Shutdown(int signo) {
    spdlog::info("signal {}: stopping", signo);
    sd_notify(0, "STOPPING=1");
    for (auto& [id, timer] : timers_) timer->cancel();
    server_.Stop();
    io_.stop();
  }

  void Schedule(const config::Source& source, milliseconds delay) {
    auto& timer = timers_[source.id];
    if (!timer) timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_after(delay);
    timer->async_wait([this, &source](const std::error_code& ec) {
      if (!ec) Poll(source);
    });
  }

  void Poll(const config::Source& source) {
    fetch::Request request;
    request.source_id = source.id;
    request.url = source.url;
    request.allow_private = source.allow_private || catalog_.settings.allow_private;
    auto state = store_->GetSourceState(source.id);
    if (state.ok() && state.value()) {
      request.etag = state.value()->etag;
      request.last_modified = state.value()->last_modified;
    }
    fetcher_.Fetch(std::move(request),
                   [this, &source](fetch::Response response) { OnFetched(source, std::move(response)); });
  }

  void OnFetched(const config::Source& source, fetch::Response response) {
    store::SourceState state;
    if (auto prior = store_->GetSourceState(source.id); prior.ok() && prior.value()) state = *prior.value();
    state.source_id = source.id;
    state.last_attempt = Now();
    state.last_status = response.status;
    state.last_outcome = fetch::OutcomeName(response.outcome);

    std::string failure;
    if (response.outcome == fetch::Outcome::kNotModified) {
      spdlog::info("{}: not modified ({} ms)", source.id, response.elapsed.count());
    } else if (response.outcome == fetch::Outcome::kOk) {
      failure = Ingest(source, response, state);
      // Validators are kept only for a body we stored, so a failed one is
      // fetched whole again next time.
      if (failure.empty()) {
        state.etag = response.etag;
        state.last_modified = response.last_modified;
      }
    } else {
      failure = response.error.empty() ? state.last_outcome : response.error;
    }

    milliseconds next = source.every;
    if (failure.empty()) {
      state.last_success = state.last_attempt;
      state.last_error.clear();
      state.consecutive_failures = 0;
    } else {
      if (response.outcome == fetch::Outcome::kOk) state.last_outcome = "parse-error";
      state.last_error = failure;
      ++state.consecutive_failures;
      next = Backoff(source, state.consecutive_failures, response);
      spdlog::warn("{}: {} ({}); retry in {}s", source.id, failure, state.last_outcome,
                   std::chrono::duration_cast<seconds>(next).count());
    }
    if (auto st = store_->PutSourceState(state); !st.ok()) {
      spdlog::error("{}: cannot save source state: {}", source.id, st.error().message);
    }
    Schedule(source, next);
  }

  // Parses, classifies and stores one fetched body; returns the failure
  // reason, or "" on success.
  std::string Ingest(const config::Source& source, const fetch::Response& response,
                     store::SourceState& state) {
    parse::Context context{source.id, response.final_url.empty() ? source.url : response.final_url,
                           response.content_type, Now()};
    auto parsed = parse::ParseFeed(response.body, context);
    if (!parsed.ok()) return parsed.error().message;
    if (parsed->bozo) spdlog::warn("{}: ill-formed feed, items recovered: {}", source.id, parsed->bozo_reason);
    for (auto& item : parsed->items) {
      if (item.language.empty()) item.language = !parsed->meta.language.empty() ? parsed->meta.language : source.lang;
    }
    std::vector<std::vector<std::string>> topics;
    topics.reserve(parsed->items.size());
    for (const auto& item : parsed->items) topics.push_back(classify::Classify(rules_, item));
    auto stats = store_->Upsert(parsed->items, topics);
    if (!stats.ok()) return stats.error().message;
    state.items_new = stats->inserted;
    state.feed_title = parsed->meta.title;
    state.feed_link = parsed->meta.link;
    spdlog::info("{}: {} items, {} new, {} updated ({} bytes, {} ms)", source.id, parsed->items.size(),
                 stats->inserted, stats->updated, response.body.size(), response.elapsed.count());
    return "";
  }

  // Exponential from min(every, 5 min), capped at 8 x every, with +-10 %
  // jitter; a server's Retry-After (429/503) is honoured up to a day.
  milliseconds Backoff(const config::Source& source, int failures, const fetch::Response& response) {
    const milliseconds base = std::min<milliseconds>(source.every, std::chrono::minutes(5));
    const milliseconds cap = source.every * 8;
    milliseconds delay = base * (1LL << std::min(failures - 1, 20));
    delay = std::min(delay, cap);
    if (response.status == 429 || response.status == 503) {
      if (auto after = RetryAfter(response.retry_after)) {
        delay = std::max<milliseconds>(delay, std::min<seconds>(*after, std::chrono::hours(24)));
      }
    }
    const long long spread = delay.count() / 10;
    return milliseconds(delay.count() + Uniform(-spread, spread));
  }

  publish::SourceLookup SourceLookup() {
    auto states = std::make_shared<std::map<std::string, store::SourceState>>();
    if (auto all = store_->AllSourceStates(); all.ok()) {
      for (auto& s : all.value()) (*states)[s.source_id] = s;
    }
    return [this, states](const std::string& id) {
      publish::SourceInfo info;
      info.id = id;
      if (auto it = sources_by_id_.find(id); it != sources_by_id_.end()) {
        info.title = it->second->name;
        info.feed_url = it->second->url;
      } else {
        info.title = id;  // a source removed from the config; its items remain
      }
      if (auto it = states->find(id); it != states->end()) {
        info.site_link = it->second.feed_link;
        if (info.title.empty()) info.title = it->second.feed_title;
      }
      return info;
    };
  }

  http::Response Feed(const http::Request& request, const std::string& id, const std::string& title,
                      const std::string& self_path, const store::Query& query) {
    auto items = store_->Items(query);
    if (!items.ok()) {
      spdlog::error("http: {}: {}", self_path, items.error().message);
      return {500, "text/plain; charset=utf-8", {}, "internal error\n"};
    }
    publish::FeedInfo info{id, title, base_url_ + self_path, base_url_ + "/", Now()};
    return Cacheable(request, "application/atom+xml; charset=utf-8",
                     publish::RenderAtom(info, items.value(), SourceLookup()));
  }

  static http::Response Cacheable(const http::Request& request, const char* type, std::string body) {
    http::Response r;
    r.content_type = type;
    const std::string etag = EtagOf(body);
    r.headers["ETag"] = etag;
    r.headers["Cache-Control"] = "max-age=60";
    if (request.header("if-none-match") == etag) {
      r.status = 304;
    } else {
      r.body = std::move(body);
    }
    return r;
  }

  // The fixed route table; nothing maps to the filesystem.
  http::Response Route(const http::Request& request) {
    const std::string& path = request.path;
    const int limit = catalog_.settings.feed_entries;
    auto strip = [&](const std::string& prefix, const std::string& suffix) -> std::optional<std::string> {
      if (path.size() <= prefix.size() + suffix.size() || path.rfind(prefix, 0) != 0 ||
          path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return std::nullopt;
      }
      return path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    };
    if (path == "/") return Index(request);
    if (path == "/all.atom") {
      return Feed(request, "urn:redwire:all", "redwire — all items", path, store::Query{{}, {}, limit});
    }
    if (auto id = strip("/topics/", ".atom")) {
      if (auto it = topics_by_id_.find(*id); it != topics_by_id_.end()) {
        return Feed(request, "urn:redwire:topic:" + *id, "redwire — " + it->second->title, path,
                    store::Query{*id, {}, limit});
      }
    }
    if (auto id = strip("/sources/", ".atom")) {
      if (auto it = sources_by_id_.find(*id); it != sources_by_id_.end()) {
        return Feed(request, "urn:redwire:source:" + *id, "redwire — " + it->second->name, path,
                    store::Query{{}, *id, limit});
      }
    }
    return {404, "text/plain; charset=utf-8", {}, "not found\n"};
  }

  http::Response Index(const http::Request& request) {
    std::vector<publish::IndexTopic> topics;
    for (const auto& t : catalog_.topics) topics.push_back({t.id, t.title});
    std::map<std::string, store::SourceState> states;
    if (auto all = store_->AllSourceStates(); all.ok()) {
      for (auto& s : all.value()) states[s.source_id] = s;
    }
    std::vector<publish::IndexSource> sources;
    for (const auto& s : catalog_.sources) {
      publish::IndexSource is{s.id, s.name, s.url, s.has_scrape, std::nullopt};
      if (auto it = states.find(s.id); it != states.end()) is.state = it->second;
      sources.push_back(std::move(is));
    }
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.headers["Cache-Control"] = "no-cache";
    r.body = publish::RenderIndex(base_url_, topics, sources, Now());
    return r;
  }

  RunOptions options_;
  config::Catalog catalog_;
  std::vector<classify::TopicRule> rules_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, const config::Source*> sources_by_id_;
  std::map<std::string, const config::Topic*> topics_by_id_;
  asio::io_context io_;
  asio::signal_set signals_;
  fetch::Fetcher fetcher_;
  http::Server server_;
  std::map<std::string, std::unique_ptr<asio::steady_timer>> timers_;
  std::mt19937_64 rng_;
  std::string base_url_;
};

}  // namespace

Result<config::Catalog> LoadAndCheck(const std::string& config_dir,
                                     std::vector<classify::TopicRule>* rules) {
  auto catalog = config::LoadCatalog(config_dir);
  if (!catalog.ok()) return catalog.error();
  std::string problems;
  for (const auto& topic : catalog->topics) {
    auto rule = classify::Rule::Compile(topic.match);
    if (!rule.ok()) {
      // The rule's own "col N: reason" becomes a position inside the value.
      std::string message = rule.error().message;
      config::Where where = topic.match_where;
      if (message.rfind("col ", 0) == 0) {
        const auto colon = message.find(':');
        // match_where is the opening quote, so rule column N is N to its right.
        where.column += std::atoi(message.c_str() + 4);
        message = message.substr(colon + 2);
      }
      if (!problems.empty()) problems += '\n';
      problems += where.str() + ": topic '" + topic.id + "': " + message;
      continue;
    }
    rules->push_back({topic.id, std::move(rule).value()});
  }
  if (!problems.empty()) return Error{problems};
  return catalog;
}

int Run(const RunOptions& options) {
  std::vector<classify::TopicRule> rules;
  auto catalog = LoadAndCheck(options.config_dir, &rules);
  if (!catalog.ok()) {
    spdlog::error("config errors, not starting:\n{}", catalog.error().message);
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    spdlog::error("cannot create state directory {}: {}", options.state_dir, ec.message());
    return 1;
  }
  auto store = store::Store::Open(options.state_dir + "/redwire.db");
  if (!store.ok()) {
    spdlog::error("{}", store.error().message);
    return 1;
  }
  Daemon daemon(options, std::move(catalog).value(), std::move(rules), std::move(store).value());
  if (auto st = daemon.Start(); !st.ok()) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  daemon.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace redwire::app
