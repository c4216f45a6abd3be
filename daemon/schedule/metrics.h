// Metrics: the fetch counters the poller feeds, rendered for /metrics in the
// Prometheus text exposition format (0.0.4), and the per-source health
// document served as /status.json. Loop thread only: the poller and the HTTP
// server share the io_context, so nothing here is locked.
// Private to schedule/: other modules reach it through daemon/schedule/poller.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "daemon/publish/publish.h"
#include "model/item.h"

namespace redwire::app {

class Metrics {
 public:
  // Upper bounds, in seconds, of the fetch latency histogram's buckets.
  static constexpr double kLatencyBuckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  // One finished fetch: `outcome` is its stable name ("ok", "timeout", ...),
  // `bytes` the decoded body size.
  void RecordFetch(const std::string& outcome, std::chrono::milliseconds elapsed, std::int64_t bytes);
  // Items a fetch stored for the first time.
  void RecordNewItems(std::int64_t count);

  std::uint64_t fetches(const std::string& outcome) const;
  std::int64_t new_items() const { return new_items_; }

  // Counters, the latency histogram and per-source gauges (consecutive
  // failures, last success, gone) for the configured `sources`.
  std::string Render(const std::vector<publish::IndexSource>& sources) const;

 private:
  std::map<std::string, std::uint64_t> fetches_;  // by outcome
  std::int64_t bytes_ = 0;
  std::int64_t new_items_ = 0;
  std::uint64_t latency_counts_[std::size(kLatencyBuckets)] = {};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

// {"generated": T, "sources": [{"id", "name", "url", "polled_url", "status",
// "last_outcome", "last_error", "last_status", "last_attempt",
// "last_success", "consecutive_failures", "last_bytes", "last_elapsed_ms",
// "items_seen", "items_new", "next_poll", "interval", "moved_to", "gone"}]}.
// Times are RFC 3339 in UTC ("2026-12-07T09:30:00Z"), null for never;
// "next_poll" is when the daemon plans the source's next poll (null when it
// is not polled: gone, or a page without rules). "status" is one of "ok",
// "failing", "gone", "pending" (never fetched) or "page" (scrape source). Strings are
// escaped; bytes that are not UTF-8 become U+FFFD.
std::string StatusJson(const std::vector<publish::IndexSource>& sources, UnixTime now);

}  // namespace redwire::app
