// Poller: one steady_timer per feed source; each expiry fetches the source
// (conditionally), ingests a new body, records the outcome and health in the
// store and plans the next poll.
//
// The plan (SourceState.next_due) is stored, so a restart polls overdue and
// new sources spread over a short window and leaves the others alone. The
// interval adapts to how often the source publishes (AdaptiveInterval) and
// never goes below what the server asks (Cache-Control max-age, Expires,
// the feed's <ttl> or sy:updatePeriod, Retry-After). Failures back off
// exponentially with jitter up to 8 x max_every. 301/308 move the polled URL,
// 410 stops polling until the configured URL changes. A source never polled
// gets a state row with its first planned time, so `redwire status` lists
// it (and when it will be polled) without the config. A page source without
// scrape rules polls the feed found for its page (feed_finder.h) once one is
// found; a page with rules has its site searched for a feed once a day, to
// report it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "daemon/live/live.h"
#include "daemon/ingest/ingest.h"
#include "daemon/schedule/metrics.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"

namespace redwire::app {

// The Fetcher's options from the [redwire] settings.
fetch::Options FetchOptionsFrom(const config::Settings& settings);

// Half the mean gap between a source's newest item dates (newest first), or
// half the time since the newest one when that is longer, within
// [min_every, max_every]. Fewer than two dates give `every` within bounds.
std::chrono::seconds AdaptiveInterval(const config::Source& source, const std::vector<UnixTime>& newest_first,
                                      UnixTime now);

class Poller {
 public:
  // `store`, `fetcher` and `metrics` (may be null) must outlive the Poller.
  // Loop thread only.
  Poller(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher,
         std::shared_ptr<const LiveConfig> config, Metrics* metrics = nullptr);
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Schedules every feed source from its stored plan. Returns how many.
  std::size_t Start();
  // Cancels every pending poll; fetches under way finish into the void.
  void Stop();
  // Switches to `config`: new sources are polled soon, removed ones stop
  // (a fetch under way is ignored), a source whose URL changed is polled
  // soon, one whose interval bounds changed is replanned from its last
  // attempt.
  void Reload(std::shared_ptr<const LiveConfig> config);

  // Sources with a poll planned or under way.
  std::size_t scheduled() const { return slots_.size(); }

  enum class PollNow {
    kStarted,         // the fetch starts now
    kAlreadyPolling,  // a fetch (or its ingest) is under way; its outcome stands
    kUnknown,         // no such source in the configuration
  };
  // Moves the source's next poll to now: the operator's "refresh now". Also
  // a source parked by a 410 is tried again (once; another 410 parks it).
  // Works before Start() too, for one-shot polls.
  PollNow PollSoon(const std::string& source_id);

  // Called on the loop after each poll's outcome is saved, with the saved
  // state (last_error is empty exactly when the poll succeeded).
  using Polled = std::function<void(const store::SourceState&)>;
  void OnPolled(Polled polled) { polled_ = std::move(polled); }

 private:
  struct Slot {
    std::unique_ptr<asio::steady_timer> timer;
    std::uint64_t generation = 0;  // a fetch answer for an older one is stale
    bool polling = false;          // from Poll() until the outcome is saved
  };

  void ScheduleFirst(const config::Source& source, std::chrono::seconds spread);
  void SavePlan(const std::string& source_id, std::chrono::milliseconds delay);
  void Report(const store::SourceState& state);
  void Schedule(const std::string& source_id, std::chrono::milliseconds delay);
  void Poll(const std::string& source_id);
  void OnFetched(const std::string& source_id, std::uint64_t generation, const std::string& url,
                 fetch::Response response);
  // `warning`, on success: what the source's health shows in place of an
  // error (a scraped page's refused dates, selectors that matched nothing).
  void Finish(const config::Source& source, const std::string& url, const fetch::Response& response,
              store::SourceState state, const std::string& failure, std::optional<std::int64_t> ttl,
              const std::string& warning = {});
  void MarkGone(const config::Source& source, store::SourceState state);
  void NoteFoundFeed(const config::Source& source, const std::string& url, bool polled_found,
                     const IngestResult& result, store::SourceState& state);
  std::chrono::milliseconds Backoff(const config::Source& source, int failures, const fetch::Response& response);
  std::chrono::seconds Interval(const config::Source& source, const store::SourceState& prior,
                                std::optional<std::int64_t> ttl);
  bool Current(const std::string& source_id, std::uint64_t generation) const;
  long long Uniform(long long lo, long long hi);

  asio::io_context& io_;
  store::Store& store_;
  fetch::Fetcher& fetcher_;
  Metrics* metrics_;
  Ingester ingester_;
  std::shared_ptr<const LiveConfig> config_;
  std::map<std::string, Slot> slots_;
  std::uint64_t next_generation_ = 1;
  std::mt19937_64 rng_;
  bool stopped_ = false;
  Polled polled_;
  // Fetch and ingest callbacks may be queued when the Poller dies.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace redwire::app
