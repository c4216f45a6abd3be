#include "daemon/schedule/poller.h"

#include <algorithm>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

namespace redwire::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// First polls after a start, and overdue ones, spread over at most this.
constexpr seconds kStartSpread{30};
// Sources added or re-pointed by a reload are polled within this.
constexpr seconds kReloadSpread{5};
// A server may slow us down, but not past this (Retry-After, max-age, <ttl>).
constexpr seconds kMaxServerHint{24 * 3600};
// Backoff starts at the source's interval, but never waits longer than this
// before the first retry.
constexpr seconds kMaxBackoffBase{5 * 60};
// Items whose dates feed the adaptive interval.
constexpr int kRecentItems = 10;

UnixTime Now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

seconds MinEvery(const config::Source& s) { return s.min_every.count() > 0 ? s.min_every : s.every; }

seconds MaxEvery(const config::Source& s) {
  return std::max(s.max_every.count() > 0 ? s.max_every : s.every * 4, MinEvery(s));
}

seconds Ceil(milliseconds d) { return std::chrono::ceil<seconds>(d); }

// A scraped page's site is searched for a feed at most this often.
constexpr seconds kSiteCheckEvery{24 * 3600};

// The feed found on the page of a source without scrape rules, while the
// source still points to that page; empty when none.
std::string FoundFeed(const config::Source& source, const store::SourceState& state) {
  if (scrape::HasRules(source.scrape) || state.found_on != source.url) return {};
  return state.found_feed;
}

// The URL polled for `source`: a permanent redirect's target while the
// configured URL is still the one it replaced, else a feed found on its page.
std::string PolledUrl(const config::Source& source, const store::SourceState& state) {
  if (!state.moved_to.empty() && state.moved_from == source.url) return state.moved_to;
  if (std::string found = FoundFeed(source, state); !found.empty()) return found;
  return source.url;
}

bool IsGone(const config::Source& source, const store::SourceState& state) {
  return state.gone && state.gone_url == source.url;
}

}  // namespace

seconds AdaptiveInterval(const config::Source& source, const std::vector<UnixTime>& newest_first, UnixTime now) {
  const seconds lo = MinEvery(source);
  const seconds hi = MaxEvery(source);
  std::vector<UnixTime> dates;
  // Dates in the future (bad clocks, scheduled posts) say nothing about pace.
  for (UnixTime t : newest_first) {
    if (t > 0 && t <= now + 3600) dates.push_back(t);
  }
  std::sort(dates.rbegin(), dates.rend());
  if (dates.size() < 2) return std::clamp(source.every, lo, hi);
  const std::int64_t gap = (dates.front() - dates.back()) / static_cast<std::int64_t>(dates.size() - 1);
  const std::int64_t quiet = std::max<std::int64_t>(0, now - dates.front());
  return std::clamp(seconds(std::max(gap, quiet) / 2), lo, hi);
}

fetch::Options FetchOptionsFrom(const config::Settings& s) {
  fetch::Options o;
  o.user_agent = s.user_agent;
  o.proxy = s.proxy;
  o.connect_timeout = s.connect_timeout;
  o.total_timeout = s.timeout;
  o.low_speed_time = s.low_speed_time;
  o.max_redirects = s.max_redirects;
  o.max_body_bytes = static_cast<std::size_t>(s.max_body);
  o.max_concurrency = static_cast<std::size_t>(s.max_concurrency);
  o.per_host = static_cast<std::size_t>(s.per_host);
  o.host_delay = s.host_delay;
  return o;
}

Poller::Poller(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher,
               std::shared_ptr<const LiveConfig> config, Metrics* metrics)
    : io_(io),
      store_(store),
      fetcher_(fetcher),
      metrics_(metrics),
      ingester_(io, store, fetcher),
      config_(std::move(config)),
      rng_(std::random_device{}()) {}

std::size_t Poller::Start() {
  std::size_t polled = 0;
  for (const auto& source : config_->catalog.sources) {
    ScheduleFirst(source, kStartSpread);
    if (slots_.count(source.id)) ++polled;
  }
  return polled;
}

void Poller::Stop() {
  stopped_ = true;
  for (auto& [id, slot] : slots_) slot.timer->cancel();
}

void Poller::Reload(std::shared_ptr<const LiveConfig> config) {
  const std::shared_ptr<const LiveConfig> old = std::move(config_);
  config_ = std::move(config);
  for (auto it = slots_.begin(); it != slots_.end();) {
    const config::Source* source = config_->source(it->first);
    if (source) {
      ++it;
      continue;
    }
    spdlog::info("{}: no longer polled (removed from the config)", it->first);
    it->second.timer->cancel();
    it = slots_.erase(it);
  }
  for (const auto& source : config_->catalog.sources) {
    const config::Source* before = old->source(source.id);
    auto slot = slots_.find(source.id);
    const bool url_changed = before && before->url != source.url;
    if (url_changed) {
      // Validators, a move and a 410 all belonged to the old URL.
      auto prior = store_.GetSourceState(source.id);
      if (prior.ok() && prior.value()) {
        store::SourceState state = *prior.value();
        state.etag.clear();
        state.last_modified.clear();
        state.moved_to.clear();
        state.moved_from.clear();
        state.gone = false;
        state.gone_url.clear();
        state.interval = 0;
        state.next_due = 0;
        if (auto st = store_.PutSourceState(state); !st.ok())
          spdlog::error("{}: cannot save source state: {}", source.id, st.error().message);
      }
    }
    if (slot == slots_.end() || url_changed) {
      if (slot != slots_.end()) slots_.erase(slot);
      if (before) spdlog::info("{}: URL changed to {}; polling it soon", source.id, source.url);
      else spdlog::info("{}: new source; polling it soon", source.id);
      ScheduleFirst(source, kReloadSpread);
      continue;
    }
    const bool timing_changed = before->every != source.every || MinEvery(*before) != MinEvery(source) ||
                                MaxEvery(*before) != MaxEvery(source);
    if (!timing_changed) continue;
    // Replanned from the last attempt with the new bounds.
    auto prior = store_.GetSourceState(source.id);
    milliseconds delay{Uniform(0, milliseconds(kReloadSpread).count())};
    if (prior.ok() && prior.value()) {
      store::SourceState state = *prior.value();
      const seconds interval = std::clamp(source.every, MinEvery(source), MaxEvery(source));
      state.interval = 0;
      state.next_due = std::max(Now(), state.last_attempt + interval.count());
      if (auto st = store_.PutSourceState(state); !st.ok())
        spdlog::error("{}: cannot save source state: {}", source.id, st.error().message);
      delay = std::max(delay, milliseconds(seconds(state.next_due - Now())));
    }
    spdlog::info("{}: interval changed; next poll in {}s", source.id, Ceil(delay).count());
    slot->second.generation = next_generation_++;
    Schedule(source.id, delay);
  }
}

long long Poller::Uniform(long long lo, long long hi) {
  if (hi <= lo) return lo;
  return std::uniform_int_distribution<long long>(lo, hi)(rng_);
}

bool Poller::Current(const std::string& source_id, std::uint64_t generation) const {
  auto it = slots_.find(source_id);
  return !stopped_ && it != slots_.end() && it->second.generation == generation;
}

void Poller::ScheduleFirst(const config::Source& source, seconds spread) {
  store::SourceState state;
  if (auto prior = store_.GetSourceState(source.id); prior.ok() && prior.value()) state = *prior.value();
  if (IsGone(source, state)) {
    spdlog::info("{}: gone (HTTP 410); not polled until its URL changes", source.id);
    return;
  }
  Slot& slot = slots_[source.id];
  if (!slot.timer) slot.timer = std::make_unique<asio::steady_timer>(io_);
  slot.generation = next_generation_++;
  const UnixTime now = Now();
  milliseconds delay;
  if (state.next_due > now) {
    // A clock that jumped back must not park the source for ages.
    delay = std::min<milliseconds>(seconds(state.next_due - now), MaxEvery(source) * 8);
  } else {
    const milliseconds window = std::min<milliseconds>(source.every, spread);
    delay = milliseconds(Uniform(0, window.count()));
    SavePlan(source.id, delay);
  }
  Schedule(source.id, delay);
}

// The planned time of a poll that is not in the store yet (a new or overdue
// source), so status tools can say when it comes.
void Poller::SavePlan(const std::string& source_id, milliseconds delay) {
  store::SourceState state;
  if (auto prior = store_.GetSourceState(source_id); prior.ok() && prior.value()) state = *prior.value();
  state.source_id = source_id;
  state.next_due = Now() + Ceil(delay).count();
  if (auto st = store_.PutSourceState(state); !st.ok())
    spdlog::error("{}: cannot save source state: {}", source_id, st.error().message);
}

Poller::PollNow Poller::PollSoon(const std::string& source_id) {
  const config::Source* source = config_->source(source_id);
  if (!source) return PollNow::kUnknown;
  auto it = slots_.find(source_id);
  if (it != slots_.end() && it->second.polling) return PollNow::kAlreadyPolling;
  Slot& slot = slots_[source_id];
  if (!slot.timer) slot.timer = std::make_unique<asio::steady_timer>(io_);
  slot.generation = next_generation_++;
  spdlog::info("{}: poll requested; polling now", source_id);
  SavePlan(source_id, milliseconds(0));
  Schedule(source_id, milliseconds(0));
  // Marked now, so a second request before the timer fires is not a second poll.
  slot.polling = true;
  return PollNow::kStarted;
}

void Poller::Report(const store::SourceState& state) {
  if (auto it = slots_.find(state.source_id); it != slots_.end()) it->second.polling = false;
  if (polled_) polled_(state);
}

void Poller::Schedule(const std::string& source_id, milliseconds delay) {
  if (stopped_) return;
  auto it = slots_.find(source_id);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  slot.polling = false;
  slot.timer->expires_after(delay);
  slot.timer->async_wait([this, source_id, generation = slot.generation](const std::error_code& ec) {
    if (!ec && Current(source_id, generation)) Poll(source_id);
  });
}

void Poller::Poll(const std::string& source_id) {
  const config::Source* source = config_->source(source_id);
  if (!source) return;
  slots_.at(source_id).polling = true;
  store::SourceState state;
  if (auto prior = store_.GetSourceState(source_id); prior.ok() && prior.value()) state = *prior.value();
  const std::string url = PolledUrl(*source, state);
  fetch::Request request;
  request.source_id = source->id;
  request.url = url;
  request.allow_private = source->allow_private || config_->catalog.settings.allow_private;
  request.etag = state.etag;
  request.last_modified = state.last_modified;
  const std::uint64_t generation = slots_.at(source_id).generation;
  fetcher_.Fetch(std::move(request), [this, alive = std::weak_ptr<char>(alive_), source_id, generation,
                                       url](fetch::Response response) {
    if (!alive.expired()) OnFetched(source_id, generation, url, std::move(response));
  });
}

void Poller::OnFetched(const std::string& source_id, std::uint64_t generation, const std::string& url,
                       fetch::Response response) {
  if (!Current(source_id, generation)) return;
  const config::Source* source = config_->source(source_id);
  if (!source) return;
  if (metrics_) {
    metrics_->RecordFetch(fetch::OutcomeName(response.outcome), response.elapsed,
                          static_cast<std::int64_t>(response.body.size()));
  }
  store::SourceState state;
  if (auto prior = store_.GetSourceState(source_id); prior.ok() && prior.value()) state = *prior.value();
  state.source_id = source_id;
  state.last_attempt = Now();
  state.last_status = response.status;
  state.last_outcome = fetch::OutcomeName(response.outcome);
  state.last_elapsed_ms = response.elapsed.count();

  if (response.outcome == fetch::Outcome::kNotModified) {
    spdlog::debug("{}: not modified ({} ms)", source_id, response.elapsed.count());
    state.items_new = 0;
    Finish(*source, url, response, std::move(state), "", std::nullopt);
    return;
  }
  // A feed found on the page that stops answering: the page is searched
  // again on the next poll.
  const bool polled_found = !FoundFeed(*source, state).empty() && url == state.found_feed;
  if (polled_found && response.outcome == fetch::Outcome::kHttpError) {
    const std::string failure = fmt::format("the feed found on the page, {}, answered HTTP {}; the page is searched "
                                            "again on the next poll", url, response.status);
    state.found_feed.clear();
    state.found_checked = 0;
    state.etag.clear();  // the feed's; the page is fetched whole next time
    state.last_modified.clear();
    Finish(*source, url, response, std::move(state), failure, std::nullopt);
    return;
  }
  if (response.outcome == fetch::Outcome::kHttpError && response.status == 410) {
    MarkGone(*source, std::move(state));
    return;
  }
  if (response.outcome != fetch::Outcome::kOk) {
    const std::string failure = response.error.empty() ? state.last_outcome : response.error;
    Finish(*source, url, response, std::move(state), failure, std::nullopt);
    return;
  }
  state.last_bytes = static_cast<std::int64_t>(response.body.size());
  auto shared = std::make_shared<fetch::Response>(std::move(response));
  IngestHints hints;
  hints.find_feed = !polled_found;
  hints.check_site = scrape::HasRules(source->scrape) &&
                     (state.found_on != source->url || Now() - state.found_checked >= kSiteCheckEvery.count());
  ingester_.Ingest(config_, *source, *shared,
                   [this, alive = std::weak_ptr<char>(alive_), source_id, generation, url, shared, polled_found,
                    state](IngestResult result) mutable {
    if (alive.expired() || !Current(source_id, generation)) return;
    const config::Source* source = config_->source(source_id);
    if (!source) return;
    NoteFoundFeed(*source, url, polled_found, result, state);
    if (!result.error.empty()) {
      state.last_outcome = "parse-error";
      Finish(*source, url, *shared, std::move(state), result.error, std::nullopt);
      return;
    }
    if (result.bozo) spdlog::warn("{}: ill-formed feed, items recovered: {}", source_id, result.bozo_reason);
    if (metrics_) metrics_->RecordNewItems(result.stats.inserted);
    // Validators are kept only for a body we stored, so a failed one is
    // fetched whole again next time.
    state.etag = shared->etag;
    state.last_modified = shared->last_modified;
    if (!result.discovered_feed.empty()) {
      // They were the page's; the found feed is polled next.
      state.etag.clear();
      state.last_modified.clear();
    }
    state.items_seen = result.items_seen;
    state.items_new = result.stats.inserted;
    state.feed_title = result.meta.title;
    state.feed_link = result.meta.link;
    if (!result.scrape_pick.empty()) {
      // auto = true: a site redesign can make another list rank first.
      if (!state.scrape_pick.empty() && state.scrape_pick != result.scrape_pick) {
        state.scrape_pick_was = state.scrape_pick;
        spdlog::warn("{}: scrape auto: the list picked changed from '{}' to '{}'; check its items "
                     "(redwire scrape --source {} --suggest)", source_id, state.scrape_pick,
                     result.scrape_pick, source_id);
      }
      state.scrape_pick = result.scrape_pick;
    }
    spdlog::info("{}: {} items, {} new, {} updated ({} bytes, {} ms)", source_id, result.items_seen,
                 result.stats.inserted, result.stats.updated, shared->body.size(), shared->elapsed.count());
    std::string warning;
    for (const std::string& w : result.warnings) warning += (warning.empty() ? "warning: " : "; ") + w;
    Finish(*source, url, *shared, std::move(state), "", result.meta.ttl_seconds, warning);
  }, hints);
}

// Records what a poll learnt about the feed of the source's site, and says
// so in the log when it changed.
void Poller::NoteFoundFeed(const config::Source& source, const std::string& url, bool polled_found,
                           const IngestResult& result, store::SourceState& state) {
  const UnixTime now = Now();
  if (polled_found) {
    // The found feed no longer parses: back to the page next time.
    if (!result.error.empty()) {
      state.found_feed.clear();
      state.found_checked = 0;
      state.etag.clear();
      state.last_modified.clear();
    }
    return;
  }
  const bool was = state.found_on == source.url ? !state.found_feed.empty() : false;
  const std::string before = was ? state.found_feed : "";
  if (!result.discovered_feed.empty()) {
    state.found_feed = result.discovered_feed;
  } else if (result.site_checked) {
    state.found_feed = result.site_feed;
  } else if (!result.error.empty() && !scrape::HasRules(source.scrape)) {
    state.found_feed.clear();  // the page was searched and had none
  } else {
    return;
  }
  state.found_on = source.url;
  state.found_checked = now;
  if (state.found_feed == before || state.found_feed.empty()) return;
  if (!result.discovered_feed.empty()) {
    spdlog::info("{}: {} is a web page without scrape rules; using the feed found on it, {}", source.id, url,
                 state.found_feed);
  } else {
    spdlog::info("{}: the site of {} has a feed, {}: it may replace the scrape rules as the source's url",
                 source.id, url, state.found_feed);
  }
}

void Poller::MarkGone(const config::Source& source, store::SourceState state) {
  state.gone = true;
  state.gone_url = source.url;
  state.last_outcome = "gone";
  state.last_error = "HTTP 410 Gone: not polled until the source's URL changes";
  state.next_due = 0;
  ++state.consecutive_failures;
  spdlog::warn("{}: {} answered 410 Gone; polling stopped until its URL changes in the config", source.id,
               PolledUrl(source, state));
  if (auto st = store_.PutSourceState(state); !st.ok())
    spdlog::error("{}: cannot save source state: {}", source.id, st.error().message);
  Report(state);
  if (auto it = slots_.find(source.id); it != slots_.end()) {
    it->second.timer->cancel();
    slots_.erase(it);
  }
}

void Poller::Finish(const config::Source& source, const std::string& url, const fetch::Response& response,
                    store::SourceState state, const std::string& failure, std::optional<std::int64_t> ttl,
                    const std::string& warning) {
  const UnixTime now = Now();
  // A move or a 410 recorded for another configured URL no longer applies.
  if (state.moved_from != source.url) {
    state.moved_to.clear();
    state.moved_from.clear();
  }
  state.gone = false;
  state.gone_url.clear();
  milliseconds next;
  if (failure.empty()) {
    const bool ok = response.outcome == fetch::Outcome::kOk || response.outcome == fetch::Outcome::kNotModified;
    if (ok && !response.permanent_url.empty() && response.permanent_url != url) {
      if (response.permanent_url == source.url) {
        state.moved_to.clear();
        state.moved_from.clear();
      } else {
        state.moved_to = response.permanent_url;
        state.moved_from = source.url;
      }
      spdlog::warn("{}: {} moved permanently to {}; polling the new URL (update the config to keep it)",
                   source.id, url, response.permanent_url);
    }
    state.last_success = now;
    state.last_error = warning;
    state.consecutive_failures = 0;
    const seconds interval = Interval(source, state, ttl);
    state.interval = interval.count();
    next = interval;
    if (response.fresh_for) next = std::max<milliseconds>(next, std::min(*response.fresh_for, kMaxServerHint));
    next += milliseconds(Uniform(0, next.count() / 10));
  } else {
    state.last_error = failure;
    ++state.consecutive_failures;
    next = Backoff(source, state.consecutive_failures, response);
    spdlog::warn("{}: {} ({}); retry in {}s", source.id, failure, state.last_outcome, Ceil(next).count());
  }
  state.next_due = now + Ceil(next).count();
  if (auto st = store_.PutSourceState(state); !st.ok()) {
    spdlog::error("{}: cannot save source state: {}", source.id, st.error().message);
  }
  Report(state);
  Schedule(source.id, next);
}

// After a body: the items' pace, floored by the feed's own <ttl> hint. After
// a 304 the hint is unknown, so the interval may grow (a quiet source) but
// not shrink below the last one.
seconds Poller::Interval(const config::Source& source, const store::SourceState& prior,
                         std::optional<std::int64_t> ttl) {
  std::vector<UnixTime> dates;
  store::Query query;
  query.source = source.id;
  query.limit = kRecentItems;
  if (auto items = store_.Items(query); items.ok()) {
    for (const auto& stored : items.value()) dates.push_back(stored.item.published);
  }
  seconds interval = AdaptiveInterval(source, dates, Now());
  if (ttl) {
    interval = std::max(interval, std::min(seconds(*ttl), kMaxServerHint));
  } else if (prior.interval > 0) {
    interval = std::max(interval, std::min(seconds(prior.interval), std::max(kMaxServerHint, MaxEvery(source))));
  }
  return interval;
}

// Exponential from min(every, 5 min), doubling per failure, capped at
// 8 x max_every, then jittered down by up to 20 %. A 429/503's Retry-After
// is a floor (at most a day).
milliseconds Poller::Backoff(const config::Source& source, int failures, const fetch::Response& response) {
  const milliseconds base = std::max<milliseconds>(std::min<milliseconds>(source.every, kMaxBackoffBase), seconds(1));
  const milliseconds cap = MaxEvery(source) * 8;
  milliseconds delay = std::min<milliseconds>(base * (1LL << std::min(failures - 1, 30)), cap);
  delay -= milliseconds(Uniform(0, delay.count() / 5));
  if ((response.status == 429 || response.status == 503) && response.retry_after_delay) {
    delay = std::max<milliseconds>(delay, std::min(*response.retry_after_delay, kMaxServerHint));
  }
  return delay;
}

}  // namespace redwire::app
