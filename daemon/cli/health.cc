#include "daemon/cli/health.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include <curl/curl.h>

#include "daemon/live/live.h"
#include "daemon/publish/publish.h"
#include "store/store.h"
#include "model/json.h"
#include "util/time.h"

namespace redwire::app {
namespace {

// One table row, whichever way it was read.
struct Row {
  std::string id;
  std::string outcome;  // "ok", "not-modified", "http-error", ...; "pending" if never fetched
  long long last_attempt = 0;
  long long last_success = 0;
  long long failures = 0;
  long long items_new = 0;
  long long next_due = 0;
  std::string error;
  bool gone = false;  // parked by a 410 Gone: no next poll
  std::string note;   // scrape auto = true: the list picked, and whether it changed
  std::string found_feed;  // a feed found for the source's page
  std::string found_note;  // what that means for the source
};

// Without the config it is not known whether the source scrapes the page.
std::string FoundNote(const std::string& feed) { return feed.empty() ? "" : "a feed was found for the page: " + feed; }

Row FromState(const store::SourceState& s) {
  // A row the poller wrote with a source's first planned poll.
  const std::string outcome = s.last_outcome.empty() && s.last_attempt == 0 ? "pending" : s.last_outcome;
  Row row{s.source_id, outcome, s.last_attempt, s.last_success, s.consecutive_failures,
          s.items_new, s.next_due, s.last_error, s.gone, {}, {}, {}};
  if (!s.scrape_pick.empty()) {
    row.note = s.scrape_pick_was.empty()
                   ? "auto: list '" + s.scrape_pick + "'"
                   : "warning: auto list changed from '" + s.scrape_pick_was + "' to '" + s.scrape_pick + "'";
  }
  row.found_feed = s.found_on.empty() ? "" : s.found_feed;
  row.found_note = FoundNote(row.found_feed);
  return row;
}

// The note once the source's config is known: a page without rules polls
// the feed, one with rules could.
void RefineNote(Row& row, const store::SourceState& s, const config::Source& source) {
  row.found_feed = s.found_on == source.url ? s.found_feed : "";
  if (row.found_feed.empty()) row.found_note.clear();
  else if (scrape::HasRules(source.scrape)) row.found_note = "the site has a feed, " + row.found_feed + ": make it the source's url instead of scraping";
  else row.found_note = "using the feed " + row.found_feed + " found on the page (make it the source's url)";
}

// "3m ago", "2h ago", "in 5m"; "-" for never.
std::string Age(long long then, long long now) {
  if (then <= 0) return "-";
  long long d = now - then;
  const bool future = d < 0;
  if (future) d = -d;
  char buf[32];
  if (d < 120) std::snprintf(buf, sizeof buf, "%llds", d);
  else if (d < 2 * 3600) std::snprintf(buf, sizeof buf, "%lldm", d / 60);
  else if (d < 2 * 86400) std::snprintf(buf, sizeof buf, "%lldh", d / 3600);
  else std::snprintf(buf, sizeof buf, "%lldd", d / 86400);
  return future ? std::string("in ") + buf : std::string(buf) + " ago";
}

// When the next poll comes: "in 5m", "due" once its time has passed (the
// poll is under way or the daemon is not running), "gone", "-" unplanned.
std::string Next(const Row& r, long long now) {
  if (r.gone) return "gone";
  if (r.next_due <= 0) return "-";
  if (r.next_due <= now) return "due";
  return Age(r.next_due, now);
}

// Terminal output must not carry control characters from fetched data.
std::string Printable(const std::string& s, std::size_t cap) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= cap) {
      out += "...";
      break;
    }
    out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  }
  return out;
}

bool Failing(const Row& r) { return r.failures > 0; }

std::string RenderTable(const std::vector<Row>& rows, long long now) {
  std::size_t id_width = 6, outcome_width = 7;
  for (const auto& r : rows) {
    id_width = std::max(id_width, r.id.size());
    outcome_width = std::max(outcome_width, r.outcome.size());
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-*s  %-10s  %-10s  %5s  %4s  %-8s  %s\n", static_cast<int>(id_width),
                "SOURCE", static_cast<int>(outcome_width), "OUTCOME", "LAST TRY", "LAST OK", "FAILS", "NEW",
                "NEXT", "ERROR");
  out += line;
  std::size_t failing = 0;
  for (const auto& r : rows) {
    if (Failing(r)) ++failing;
    std::snprintf(line, sizeof line, "%-*s  %-*s  %-10s  %-10s  %5lld  %4lld  %-8s  ", static_cast<int>(id_width),
                  Printable(r.id, 64).c_str(), static_cast<int>(outcome_width), Printable(r.outcome, 32).c_str(),
                  Age(r.last_attempt, now).c_str(), Age(r.last_success, now).c_str(), r.failures, r.items_new,
                  Next(r, now).c_str());
    out += line;
    out += Printable(r.error.empty() ? r.note : r.error, 200) + "\n";
    if (!r.found_note.empty()) out += "  note: " + Printable(r.found_note, 300) + "\n";
  }
  std::snprintf(line, sizeof line, "%zu sources, %zu failing\n", rows.size(), failing);
  return out + line;
}

// RFC 3339 in UTC, as /status.json; null for never.
std::string JsonTime(long long t) { return t > 0 ? JsonString(util::FormatRfc3339(t)) : std::string("null"); }

std::string RenderJson(const std::vector<Row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    out += i ? ",\n " : "\n ";
    out += "{\"id\":" + JsonString(r.id) + ",\"outcome\":" + JsonString(r.outcome) +
           ",\"last_attempt\":" + JsonTime(r.last_attempt) + ",\"last_success\":" + JsonTime(r.last_success) +
           ",\"consecutive_failures\":" + std::to_string(r.failures) +
           ",\"items_new\":" + std::to_string(r.items_new) +
           ",\"next_poll\":" + JsonTime(r.gone ? 0 : r.next_due) + ",\"gone\":" + (r.gone ? "true" : "false") +
           ",\"error\":" + JsonString(r.error) + ",\"note\":" + JsonString(r.note) +
           ",\"found_feed\":" + JsonString(r.found_feed) + ",\"found_note\":" + JsonString(r.found_note) + "}";
  }
  return out + "\n]\n";
}

Result<std::vector<Row>> FromStore(const HealthOptions& options) {
  const std::string path = options.state_dir + "/redwire.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{path + ": no store here"};
  auto store = store::Store::Open(path);
  if (!store.ok()) return store.error();
  auto states = store.value()->AllSourceStates();
  if (!states.ok()) return states.error();
  std::map<std::string, Row> by_id;
  std::map<std::string, store::SourceState> state_of;
  for (const auto& s : states.value()) {
    by_id[s.source_id] = FromState(s);
    state_of[s.source_id] = s;
  }
  if (options.config_dir.empty()) {
    std::vector<Row> rows;
    for (auto& [id, row] : by_id) rows.push_back(std::move(row));
    return rows;
  }
  auto config = LoadConfig(options.config_dir);
  if (!config.ok()) return config.error();
  // The configured sources in config order, then any the store still remembers.
  std::vector<Row> rows;
  for (const auto& source : config.value()->catalog.sources) {
    auto it = by_id.find(source.id);
    if (it != by_id.end() && it->second.gone) {
      // Gone only while the URL that answered 410 is still the configured one.
      auto state = std::find_if(states.value().begin(), states.value().end(),
                                [&](const store::SourceState& s) { return s.source_id == source.id; });
      it->second.gone = state != states.value().end() && state->gone_url == source.url;
    }
    if (it == by_id.end()) {
      Row row;
      row.id = source.id;
      row.outcome = source.has_scrape ? "page" : "pending";
      rows.push_back(row);
      continue;
    }
    RefineNote(it->second, state_of[source.id], source);
    rows.push_back(std::move(it->second));
    by_id.erase(it);
  }
  for (auto& [id, row] : by_id) {
    row.outcome += " (removed)";
    row.failures = 0;  // a removed source is not polled, so it cannot be failing
    rows.push_back(std::move(row));
  }
  return rows;
}

// A minimal JSON reader: enough for the daemon's own /status.json.
struct Json;
using JsonObject = std::map<std::string, Json>;
using JsonArray = std::vector<Json>;
struct Json {
  std::variant<std::nullptr_t, bool, double, std::string, JsonArray, JsonObject> v;
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& text) : s_(text) {}
  std::optional<Json> Document() {
    auto v = Value(0);
    Space();
    if (!v || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  static constexpr int kMaxDepth = 32;
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool Eat(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Word(const char* w) {
    const std::size_t n = std::strlen(w);
    if (s_.compare(i_, n, w) != 0) return false;
    i_ += n;
    return true;
  }
  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      c = s_[i_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) return std::nullopt;
          const std::string hex = s_.substr(i_, 4);
          char* end = nullptr;
          const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4) return std::nullopt;
          i_ += 4;
          // Status text is shown on a terminal: keep ASCII, mark the rest.
          out += cp < 0x80 ? static_cast<char>(cp) : '?';
          break;
        }
        default: out += c;
      }
    }
    return std::nullopt;
  }
  std::optional<Json> Value(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    Space();
    if (i_ >= s_.size()) return std::nullopt;
    const char c = s_[i_];
    if (c == '"') {
      auto str = String();
      if (!str) return std::nullopt;
      return Json{std::move(*str)};
    }
    if (c == '{') {
      ++i_;
      JsonObject obj;
      if (Eat('}')) return Json{std::move(obj)};
      do {
        auto key = String();
        if (!key || !Eat(':')) return std::nullopt;
        auto v = Value(depth + 1);
        if (!v) return std::nullopt;
        obj[*key] = std::move(*v);
      } while (Eat(','));
      if (!Eat('}')) return std::nullopt;
      return Json{std::move(obj)};
    }
    if (c == '[') {
      ++i_;
      JsonArray arr;
      if (Eat(']')) return Json{std::move(arr)};
      do {
        auto v = Value(depth + 1);
        if (!v) return std::nullopt;
        arr.push_back(std::move(*v));
      } while (Eat(','));
      if (!Eat(']')) return std::nullopt;
      return Json{std::move(arr)};
    }
    if (Word("true")) return Json{true};
    if (Word("false")) return Json{false};
    if (Word("null")) return Json{nullptr};
    const char* begin = s_.c_str() + i_;
    char* end = nullptr;
    const double d = std::strtod(begin, &end);
    if (end == begin) return std::nullopt;
    i_ += static_cast<std::size_t>(end - begin);
    return Json{d};
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

// The first of `keys` that the object has as a non-empty string, or a number.
std::string Text(const JsonObject& o, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = o.find(k);
    if (it == o.end()) continue;
    if (auto s = std::get_if<std::string>(&it->second.v); s && !s->empty()) return *s;
  }
  return {};
}
long long Number(const JsonObject& o, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = o.find(k);
    if (it == o.end()) continue;
    if (auto d = std::get_if<double>(&it->second.v)) return static_cast<long long>(*d);
  }
  return 0;
}
// A time given as RFC 3339 (or, by older daemons, as Unix seconds); 0 for
// null or absent.
long long Time(const JsonObject& o, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = o.find(k);
    if (it == o.end()) continue;
    if (auto s = std::get_if<std::string>(&it->second.v)) return util::ParseRfc3339(*s).value_or(0);
    if (auto d = std::get_if<double>(&it->second.v)) return static_cast<long long>(*d);
  }
  return 0;
}
bool Flag(const JsonObject& o, const char* key) {
  auto it = o.find(key);
  auto b = it == o.end() ? nullptr : std::get_if<bool>(&it->second.v);
  return b && *b;
}

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  constexpr std::size_t kMaxBody = 4 * 1024 * 1024;
  if (body->size() + size * n > kMaxBody) return 0;
  body->append(data, size * n);
  return size * n;
}

Result<std::vector<Row>> FromDaemon(const HealthOptions& options) {
  std::string url = options.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/status.json";
  std::string body;
  long code = 0;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error{"curl_easy_init failed"};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return Error{url + ": " + curl_easy_strerror(rc)};
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) return Error{url + ": HTTP " + std::to_string(code)};
  auto doc = JsonReader(body).Document();
  if (!doc) return Error{url + ": not a JSON document"};
  // Either {"sources": [...]} or a bare array of source objects.
  const JsonArray* sources = std::get_if<JsonArray>(&doc->v);
  if (auto obj = std::get_if<JsonObject>(&doc->v)) {
    if (auto it = obj->find("sources"); it != obj->end()) sources = std::get_if<JsonArray>(&it->second.v);
  }
  if (!sources) return Error{url + ": no \"sources\" array"};
  std::vector<Row> rows;
  for (const auto& entry : *sources) {
    const auto* o = std::get_if<JsonObject>(&entry.v);
    if (!o) continue;
    Row r;
    r.id = Text(*o, {"id", "source_id"});
    r.outcome = Text(*o, {"last_outcome", "outcome", "status"});
    r.last_attempt = Time(*o, {"last_attempt"});
    r.last_success = Time(*o, {"last_success"});
    r.failures = Number(*o, {"consecutive_failures", "failures"});
    r.items_new = Number(*o, {"items_new"});
    r.next_due = Time(*o, {"next_poll", "next_due"});
    r.gone = Flag(*o, "gone");
    r.error = Text(*o, {"last_error", "error"});
    r.found_feed = Text(*o, {"found_feed"});
    r.note = Text(*o, {"note"});
    r.found_note = FoundNote(r.found_feed);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

Result<HealthReport> SourceHealth(const HealthOptions& options) {
  auto rows = options.state_dir.empty() ? FromDaemon(options) : FromStore(options);
  if (!rows.ok()) return rows.error();
  const long long now = options.now
                            ? options.now
                            : std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
  HealthReport report;
  for (const auto& r : rows.value()) {
    if (Failing(r)) report.healthy = false;
  }
  report.text = options.json ? RenderJson(rows.value()) : RenderTable(rows.value(), now);
  return report;
}

}  // namespace redwire::app
