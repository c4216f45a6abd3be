#include "daemon/cli/items_cli.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "daemon/config/config.h"
#include "store/store.h"
#include "model/json.h"
#include "util/time.h"

namespace redwire::app {
namespace {

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
  // A day alone is its midnight UTC.
  const bool date = text.size() == 10 && text[4] == '-' && text[7] == '-';
  const bool datetime = text.size() >= 20 && text[4] == '-' && text[10] == 'T';
  if (date || datetime) {
    if (auto t = util::ParseRfc3339(date ? text + "T00:00:00Z" : text)) return *t;
    return Error{"--since " + text + ": not a valid date"};
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
      AppendJsonString(out, util::FormatRfc3339(s.item.published));
      out += ",\"updated\":";
      AppendJsonString(out, util::FormatRfc3339(s.item.updated));
      out += ",\"first_seen\":";
      AppendJsonString(out, util::FormatRfc3339(s.first_seen));
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
    out += util::FormatRfc3339(s.item.published) + "  " + OneLine(s.item.source_id) + "  " +
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
