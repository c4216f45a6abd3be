#include "daemon/schedule/metrics.h"
#include "model/json.h"
#include "util/time.h"

#include <cstdio>
#include <iterator>

namespace redwire::app {
namespace {

// Label values: backslash, double quote and newline are escaped.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

const char* Status(const publish::IndexSource& s) {
  if (s.scrape_pending) return "page";
  if (!s.state || s.state->last_attempt == 0) return "pending";  // a plan, no fetch yet
  if (s.state->gone && s.state->gone_url == s.url) return "gone";
  return s.state->consecutive_failures > 0 ? "failing" : "ok";
}

// The URL polled now: a permanent redirect's target while the configured
// URL is the one it replaced.
std::string PolledUrl(const publish::IndexSource& s) {
  if (s.state && !s.state->moved_to.empty() && s.state->moved_from == s.url) return s.state->moved_to;
  return s.url;
}

}  // namespace

void Metrics::RecordFetch(const std::string& outcome, std::chrono::milliseconds elapsed, std::int64_t bytes) {
  ++fetches_[outcome];
  bytes_ += bytes;
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  for (std::size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++latency_counts_[i];
  }
  ++latency_count_;
  latency_sum_ += seconds;
}

void Metrics::RecordNewItems(std::int64_t count) { new_items_ += count; }

std::uint64_t Metrics::fetches(const std::string& outcome) const {
  auto it = fetches_.find(outcome);
  return it == fetches_.end() ? 0 : it->second;
}

std::string Metrics::Render(const std::vector<publish::IndexSource>& sources) const {
  std::string m;
  m += "# HELP redwire_fetches_total Finished fetches by outcome.\n# TYPE redwire_fetches_total counter\n";
  for (const auto& [outcome, n] : fetches_) {
    m += "redwire_fetches_total{outcome=\"" + Label(outcome) + "\"} " + std::to_string(n) + "\n";
  }
  m += "# HELP redwire_fetch_bytes_total Body bytes received, after decompression.\n"
       "# TYPE redwire_fetch_bytes_total counter\n"
       "redwire_fetch_bytes_total " + std::to_string(bytes_) + "\n";
  m += "# HELP redwire_fetch_duration_seconds Time from a fetch's start to its end.\n"
       "# TYPE redwire_fetch_duration_seconds histogram\n";
  for (std::size_t i = 0; i < std::size(kLatencyBuckets); ++i) {
    m += "redwire_fetch_duration_seconds_bucket{le=\"" + Number(kLatencyBuckets[i]) + "\"} " +
         std::to_string(latency_counts_[i]) + "\n";
  }
  m += "redwire_fetch_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) + "\n";
  m += "redwire_fetch_duration_seconds_sum " + Number(latency_sum_) + "\n";
  m += "redwire_fetch_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  m += "# HELP redwire_items_new_total Items stored for the first time.\n"
       "# TYPE redwire_items_new_total counter\n"
       "redwire_items_new_total " + std::to_string(new_items_) + "\n";

  std::map<std::string, int> by_status = {{"ok", 0}, {"failing", 0}, {"gone", 0}, {"pending", 0}, {"page", 0}};
  for (const auto& s : sources) ++by_status[Status(s)];
  m += "# HELP redwire_sources Configured sources by health.\n# TYPE redwire_sources gauge\n";
  for (const auto& [status, n] : by_status) {
    m += "redwire_sources{status=\"" + status + "\"} " + std::to_string(n) + "\n";
  }
  m += "# HELP redwire_source_consecutive_failures Failed fetches since the last success.\n"
       "# TYPE redwire_source_consecutive_failures gauge\n";
  for (const auto& s : sources) {
    if (!s.state) continue;
    m += "redwire_source_consecutive_failures{source=\"" + Label(s.id) + "\"} " +
         std::to_string(s.state->consecutive_failures) + "\n";
  }
  m += "# HELP redwire_source_last_success_timestamp_seconds When the last fetch succeeded (0: never).\n"
       "# TYPE redwire_source_last_success_timestamp_seconds gauge\n";
  for (const auto& s : sources) {
    if (!s.state) continue;
    m += "redwire_source_last_success_timestamp_seconds{source=\"" + Label(s.id) + "\"} " +
         std::to_string(s.state->last_success) + "\n";
  }
  return m;
}

namespace {

// RFC 3339 in UTC, or null for "never".
std::string JsonTime(UnixTime t) { return t > 0 ? JsonString(util::FormatRfc3339(t)) : std::string("null"); }

}  // namespace

std::string StatusJson(const std::vector<publish::IndexSource>& sources, UnixTime now) {
  std::string out = "{\"generated\":" + JsonTime(now) + ",\"sources\":[";
  bool first = true;
  for (const auto& s : sources) {
    out += first ? "\n " : ",\n ";
    first = false;
    const store::SourceState st = s.state.value_or(store::SourceState{});
    const std::string status = Status(s);
    const bool gone = status == "gone";
    const bool polled = !gone && status != "page";
    out += "{\"id\":" + JsonString(s.id) + ",\"name\":" + JsonString(s.name) + ",\"url\":" + JsonString(s.url) +
           ",\"polled_url\":" + JsonString(PolledUrl(s)) + ",\"status\":" + JsonString(status) +
           ",\"last_outcome\":" + JsonString(st.last_outcome) + ",\"last_error\":" + JsonString(st.last_error) +
           ",\"last_status\":" + std::to_string(st.last_status) +
           ",\"last_attempt\":" + JsonTime(st.last_attempt) +
           ",\"last_success\":" + JsonTime(st.last_success) +
           ",\"consecutive_failures\":" + std::to_string(st.consecutive_failures) +
           ",\"last_bytes\":" + std::to_string(st.last_bytes) +
           ",\"last_elapsed_ms\":" + std::to_string(st.last_elapsed_ms) +
           ",\"items_seen\":" + std::to_string(st.items_seen) + ",\"items_new\":" + std::to_string(st.items_new) +
           ",\"next_poll\":" + JsonTime(polled ? st.next_due : 0) + ",\"interval\":" + std::to_string(st.interval) +
           ",\"moved_to\":" + JsonString(st.moved_from == s.url ? st.moved_to : std::string()) +
           ",\"gone\":" + (gone ? "true" : "false") +
           ",\"found_feed\":" + JsonString(st.found_on == s.url ? st.found_feed : std::string()) + "}";
  }
  return out + "\n]}\n";
}

}  // namespace redwire::app
