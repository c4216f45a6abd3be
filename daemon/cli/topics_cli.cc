#include "daemon/cli/topics_cli.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "daemon/live/live.h"
#include "daemon/classify/classify.h"
#include "daemon/config/config.h"
#include "store/store.h"

namespace redwire::app {
namespace {

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& state_dir) {
  // A reader never blocks (or is blocked by) a running daemon's writer.
  return store::Store::OpenReader(state_dir + "/redwire.db");
}

std::string Date(UnixTime t) {
  if (t == 0) return "----------";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

// Rule errors read "col N: reason"; show the rule with a caret under N.
std::string PointAt(const std::string& rule, const std::string& message) {
  std::string out = "rule: " + message + "\n  " + rule + "\n";
  if (message.rfind("col ", 0) != 0) return out;
  const long column = std::strtol(message.c_str() + 4, nullptr, 10);
  return out + "  " + std::string(static_cast<std::size_t>(std::max(column - 1, 0L)), ' ') + "^\n";
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

std::vector<std::string> TagsOf(const LiveConfig* config, const std::string& source_id) {
  if (!config) return {};
  const config::Source* source = config->source(source_id);
  return source ? source->tags : std::vector<std::string>{};
}

std::string LangOf(const LiveConfig* config, const std::string& source_id) {
  const config::Source* source = config ? config->source(source_id) : nullptr;
  return source ? source->lang : std::string();
}

}  // namespace

Result<TopicsReport> TopicsTest(const TopicsTestOptions& options) {
  auto window = config::ParseInterval(options.since);
  if (!window.ok()) return Error{"--since: " + window.error().message};
  std::shared_ptr<const LiveConfig> config;
  if (!options.config_dir.empty()) {
    auto loaded = LoadConfig(options.config_dir);
    if (!loaded.ok()) return loaded.error();
    config = loaded.value();
  }
  // With --config the rule may use the configured @concepts.
  auto rule = classify::Rule::Compile(options.rule, config ? config->concepts : classify::Concepts{});
  if (!rule.ok()) return Error{PointAt(options.rule, rule.error().message)};
  if (options.config_dir.empty()) {
    // Without the sources' tags a tag: term could only match nothing.
    if (const auto tags = rule.value().TagTerms(); !tags.empty()) {
      return Error{Join(tags, ", ") + ": tag: terms read the sources' tags, which are in the configuration; "
                   "give --config DIR"};
    }
  }
  auto store = OpenStore(options.state_dir);
  if (!store.ok()) return store.error();
  store::Query query;
  query.limit = 0;
  const UnixTime now = options.now != 0 ? options.now : static_cast<UnixTime>(std::time(nullptr));
  query.since = now - window.value().count();
  auto items = store.value()->Items(query);
  if (!items.ok()) return items.error();

  TopicsReport report;
  for (const auto& stored : items.value()) {
    const Item& item = stored.item;
    const auto input = classify::Prepare(item, TagsOf(config.get(), item.source_id), LangOf(config.get(), item.source_id));
    if (!rule.value().Matches(input)) continue;
    ++report.matched;
    report.text += Date(item.published) + "  " + item.source_id + "  " + item.title + "\n";
    report.text += "    id " + item.id + "\n";
    const auto terms = rule.value().MatchedTerms(input);
    report.text += "    matched: " + (terms.empty() ? std::string("(only negations)") : Join(terms, ", ")) + "\n";
  }
  report.text += std::to_string(report.matched) + " of " + std::to_string(items.value().size()) +
                 " items published since " + Date(query.since) + " match\n";
  return report;
}

Result<TopicsReport> TopicsExplain(const std::string& item_id, const std::string& state_dir,
                                   const std::string& config_dir) {
  auto loaded = LoadConfig(config_dir);
  if (!loaded.ok()) return loaded.error();
  const LiveConfig& config = *loaded.value();
  auto store = OpenStore(state_dir);
  if (!store.ok()) return store.error();
  store::Query query;
  query.limit = 0;
  auto items = store.value()->Items(query);
  if (!items.ok()) return items.error();
  const bool numeric = !item_id.empty() && item_id.find_first_not_of("0123456789") == std::string::npos;
  const auto found = std::find_if(items.value().begin(), items.value().end(), [&](const store::StoredItem& s) {
    return s.item.id == item_id || s.item.guid == item_id || s.item.link == item_id ||
           (numeric && std::to_string(s.row_id) == item_id);
  });
  if (found == items.value().end()) return Error{"no stored item has the id " + item_id};

  const Item& item = found->item;
  const auto tags = TagsOf(&config, item.source_id);
  const auto input = classify::Prepare(item, tags, LangOf(&config, item.source_id));
  TopicsReport report;
  report.text += item.title + "\n";
  report.text += "  id " + item.id + " (row " + std::to_string(found->row_id) + "), source " + item.source_id +
                 (tags.empty() ? "" : " [" + Join(tags, ", ") + "]") + ", lang " +
                 (item.language.empty() ? "-" : item.language) + ", stemmed as " +
                 (input.stem_language.empty() ? "-" : input.stem_language) + ", published " + Date(item.published) +
                 "\n";
  report.text += "  stored topics: " + (found->topics.empty() ? std::string("none") : Join(found->topics, ", ")) +
                 "\n";
  for (const auto& topic : config.rules) {
    const auto verdict = classify::Explain(topic, input);
    if (verdict.matched) ++report.matched;
    report.text += std::string(verdict.matched ? "  + " : "  - ") + topic.id + ": " + verdict.reason;
    if (!verdict.terms.empty()) report.text += " (" + Join(verdict.terms, ", ") + ")";
    report.text += "\n";
  }
  std::vector<std::string> now_topics = classify::Classify(config.rules, input);
  std::vector<std::string> stored = found->topics;
  std::sort(now_topics.begin(), now_topics.end());
  if (now_topics != stored) {
    report.text += "  note: the current rules give [" + Join(now_topics, ", ") +
                   "]; the store is re-classified when rules change within the recent window\n";
  }
  return report;
}

}  // namespace redwire::app
