#include "daemon/app/poller.h"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>


namespace redwire::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

UnixTime Now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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

}  // namespace

Poller::Poller(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher,
               std::shared_ptr<const LiveConfig> config)
    : io_(io), store_(store), fetcher_(fetcher), ingester_(store, fetcher), config_(std::move(config)), rng_(std::random_device{}()) {}

std::size_t Poller::Start() {
  std::size_t polled = 0;
  for (const auto& source : config_->catalog.sources) {
    if (source.has_scrape) continue;
    // Jitter first polls so a restart does not hit every site at once.
    const auto spread = std::min<milliseconds>(source.every, seconds(30));
    Schedule(source.id, milliseconds(Uniform(0, spread.count())));
    ++polled;
  }
  return polled;
}

void Poller::Stop() {
  stopped_ = true;
  for (auto& [id, timer] : timers_) timer->cancel();
}

long long Poller::Uniform(long long lo, long long hi) {
  if (hi <= lo) return lo;
  return std::uniform_int_distribution<long long>(lo, hi)(rng_);
}

void Poller::Schedule(const std::string& source_id, milliseconds delay) {
  if (stopped_) return;
  auto& timer = timers_[source_id];
  if (!timer) timer = std::make_unique<asio::steady_timer>(io_);
  timer->expires_after(delay);
  timer->async_wait([this, source_id](const std::error_code& ec) {
    if (!ec) Poll(source_id);
  });
}

void Poller::Poll(const std::string& source_id) {
  const config::Source* source = config_->source(source_id);
  if (!source) return;
  fetch::Request request;
  request.source_id = source->id;
  request.url = source->url;
  request.allow_private = source->allow_private || config_->catalog.settings.allow_private;
  auto state = store_.GetSourceState(source->id);
  if (state.ok() && state.value()) {
    request.etag = state.value()->etag;
    request.last_modified = state.value()->last_modified;
  }
  fetcher_.Fetch(std::move(request), [this, source_id](fetch::Response response) {
    OnFetched(source_id, std::move(response));
  });
}

void Poller::OnFetched(const std::string& source_id, fetch::Response response) {
  const config::Source* source = config_->source(source_id);
  if (!source || stopped_) return;
  store::SourceState state;
  if (auto prior = store_.GetSourceState(source_id); prior.ok() && prior.value()) state = *prior.value();
  state.source_id = source_id;
  state.last_attempt = Now();
  state.last_status = response.status;
  state.last_outcome = fetch::OutcomeName(response.outcome);

  if (response.outcome == fetch::Outcome::kNotModified) {
    spdlog::info("{}: not modified ({} ms)", source_id, response.elapsed.count());
    Finish(source_id, response, std::move(state), "");
  } else if (response.outcome == fetch::Outcome::kOk) {
    auto response_ptr = std::make_shared<fetch::Response>(std::move(response));
    ingester_.Ingest(config_, *source, *response_ptr,
                     [this, source_id, response_ptr, state](IngestResult result) mutable {
      if (result.error.empty()) {
        if (result.bozo) spdlog::warn("{}: ill-formed feed, items recovered: {}", source_id, result.bozo_reason);
        spdlog::info("{}: {} items, {} new, {} updated ({} bytes, {} ms)", source_id, result.items_seen,
                     result.stats.inserted, result.stats.updated, response_ptr->body.size(),
                     response_ptr->elapsed.count());
        // Validators are kept only for a body we stored, so a failed one
        // is fetched whole again next time.
        state.etag = response_ptr->etag;
        state.last_modified = response_ptr->last_modified;
        state.items_new = result.stats.inserted;
        state.feed_title = result.meta.title;
        state.feed_link = result.meta.link;
      } else {
        state.last_outcome = "parse-error";
      }
      Finish(source_id, *response_ptr, std::move(state), result.error);
    });
  } else {
    const std::string failure = response.error.empty() ? state.last_outcome : response.error;
    Finish(source_id, response, std::move(state), failure);
  }
}

void Poller::Finish(const std::string& source_id, const fetch::Response& response, store::SourceState state,
                    const std::string& failure) {
  const config::Source* source = config_->source(source_id);
  if (!source || stopped_) return;
  std::chrono::milliseconds next = source->every;
  if (failure.empty()) {
    state.last_success = state.last_attempt;
    state.last_error.clear();
    state.consecutive_failures = 0;
  } else {
    state.last_error = failure;
    ++state.consecutive_failures;
    next = Backoff(*source, state.consecutive_failures, response);
    spdlog::warn("{}: {} ({}); retry in {}s", source_id, failure, state.last_outcome,
                 std::chrono::duration_cast<seconds>(next).count());
  }
  if (auto st = store_.PutSourceState(state); !st.ok()) {
    spdlog::error("{}: cannot save source state: {}", source_id, st.error().message);
  }
  Schedule(source_id, next);
}

// Exponential from min(every, 5 min), capped at 8 x every, with +-10 %
// jitter; a server's Retry-After (429/503) is honoured up to a day.
milliseconds Poller::Backoff(const config::Source& source, int failures, const fetch::Response& response) {
  const milliseconds base = std::min<milliseconds>(source.every, std::chrono::minutes(5));
  const milliseconds cap = source.every * 8;
  milliseconds delay = std::min<milliseconds>(base * (1LL << std::min(failures - 1, 20)), cap);
  if (response.status == 429 || response.status == 503) {
    if (auto after = RetryAfter(response.retry_after)) {
      delay = std::max<milliseconds>(delay, std::min<seconds>(*after, std::chrono::hours(24)));
    }
  }
  const long long spread = delay.count() / 10;
  return milliseconds(delay.count() + Uniform(-spread, spread));
}

}  // namespace redwire::app
