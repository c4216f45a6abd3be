#include "daemon/cli/items_cli.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "daemon/config/config.h"
#include "store/store.h"
#include "model/json.h"

namespace redwire::app {
namespace {

std::string Rfc3339(UnixTime t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One line of terminal text: control characters (an item title may carry
// any) become spaces so a listing cannot move the cursor or fake lines.
std::string OneLine(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

Result<UnixTime> ParseSince(const std::string& text, UnixTime now) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  std::tm tm{};
  const bool datetime =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) == 7 &&
      tail == 'Z' && text.size() == 20;
  const bool date = !datetime && text.size() == 10 &&
                    std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3;
  if (datetime || date) {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
      return Error{"--since " + text + ": not a valid date"};
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return static_cast<UnixTime>(timegm(&tm));
  }
  auto age = config::ParseInterval(text);
  if (!age.ok()) {
    return Error{"--since " + text + ": give a date (2024-03-05 or 2024-03-05T10:00:00Z) or an age "
                 "such as 30d"};
  }
  return now - static_cast<UnixTime>(age.value().count());
}

}  // namespace

Result<ItemsReport> ListItems(const ItemsOptions& options) {
  const std::string path = options.state_dir + "/redwire.db";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error{"no store at " + path + " (is --state the daemon's state directory?)"};
  }
  store::Query query;
  query.search = options.search;
  query.topic = options.topic;
  query.source = options.source;
  query.limit = options.limit;
  if (!options.since.empty()) {
    const UnixTime now =
        options.now ? options.now
                    : std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
    auto since = ParseSince(options.since, now);
    if (!since.ok()) return since.error();
    query.since = since.value();
  }
  auto opened = store::Store::OpenReader(path);
  if (!opened.ok()) return opened.error();
  auto items = opened.value()->Items(query);
  if (!items.ok()) return items.error();

  ItemsReport report;
  report.count = static_cast<int>(items->size());
  std::string& out = report.text;
  if (options.json) {
    out += "[";
    for (std::size_t i = 0; i < items->size(); ++i) {
      const store::StoredItem& s = (*items)[i];
      out += i ? ",\n " : "\n ";
      out += "{\"source\":";
      AppendJsonString(out, s.item.source_id);
      out += ",\"id\":";
      AppendJsonString(out, s.item.id);
      out += ",\"title\":";
      AppendJsonString(out, s.item.title);
      out += ",\"link\":";
      AppendJsonString(out, s.item.link);
      out += ",\"published\":";
      AppendJsonString(out, Rfc3339(s.item.published));
      out += ",\"updated\":";
      AppendJsonString(out, Rfc3339(s.item.updated));
      out += ",\"first_seen\":";
      AppendJsonString(out, Rfc3339(s.first_seen));
      out += ",\"topics\":[";
      for (std::size_t t = 0; t < s.topics.size(); ++t) {
        if (t) out += ',';
        AppendJsonString(out, s.topics[t]);
      }
      out += "],\"cluster\":" + std::to_string(s.cluster_id) + ",\"summary\":";
      AppendJsonString(out, s.item.summary_text);
      out += '}';
    }
    out += items->empty() ? "]\n" : "\n]\n";
    return report;
  }
  for (const store::StoredItem& s : *items) {
    out += Rfc3339(s.item.published) + "  " + OneLine(s.item.source_id) + "  " +
           OneLine(s.item.title) + "\n    " + OneLine(s.item.link);
    if (!s.topics.empty()) {
      out += "  [";
      for (std::size_t t = 0; t < s.topics.size(); ++t) out += (t ? " " : "") + OneLine(s.topics[t]);
      out += ']';
    }
    out += '\n';
  }
  return report;
}

}  // namespace redwire::app
