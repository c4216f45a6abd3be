#include "daemon/live/live.h"

#include <cstdlib>
#include <optional>

namespace redwire::app {

const config::Source* LiveConfig::source(const std::string& id) const {
  for (const auto& s : catalog.sources) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const config::Topic* LiveConfig::topic(const std::string& id) const {
  for (const auto& t : catalog.topics) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

namespace {

// Byte offset of 1-based character column `column` in `text`.
std::size_t ByteOfColumn(const std::string& text, int column) {
  std::size_t i = 0;
  for (int c = 1; c < column && i < text.size(); ++c) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

}  // namespace

Result<std::shared_ptr<const LiveConfig>> LoadConfig(const std::string& config_dir) {
  config::CatalogRead read = config::ReadCatalog(config_dir);
  auto live = std::make_shared<LiveConfig>();
  auto add_problem = [&read](const config::Where& where, const std::string& message) {
    read.problems.push_back({where, message});
  };
  for (const auto& term_list : read.catalog.concepts) {
    bool good = true;
    for (std::size_t i = 0; i < term_list.terms.size(); ++i) {
      if (auto checked = classify::CheckConceptTerms({term_list.terms[i]}); !checked.ok()) {
        const std::string& message = checked.error().message;
        add_problem(i < term_list.term_wheres.size() ? term_list.term_wheres[i] : term_list.where,
                    "concept '" + term_list.id + "': '" + term_list.terms[i] + "': " +
                        message.substr(message.find("': ") + 3));
        good = false;
      }
    }
    if (term_list.terms.empty()) {
      add_problem(term_list.where, "concept '" + term_list.id + "': no terms");
      good = false;
    }
    if (good) live->concepts[term_list.id] = term_list.terms;
  }
  // Every topic's rule is compiled even when other parts of the config have
  // problems, so one run of `redwire check` lists them all.
  for (const auto& topic : read.catalog.topics) {
    // A topic made only of whole sources or tags may have no rule.
    const bool rule_optional = topic.match.empty() && (!topic.sources.empty() || !topic.tags.empty());
    std::optional<classify::Rule> compiled;
    if (!rule_optional) {
      // A topic without its required match was reported by the catalog.
      if (topic.match.empty() && topic.match_where.line == topic.where.line &&
          topic.match_where.column == topic.where.column) {
        continue;
      }
      auto rule = classify::Rule::Compile(topic.match, live->concepts);
      if (!rule.ok()) {
        // The rule's own "col N: reason" becomes a place inside the value.
        std::string message = rule.error().message;
        config::Where where = topic.match_where;
        if (message.rfind("col ", 0) == 0) {
          where = config::PlaceInString(where, ByteOfColumn(topic.match, std::atoi(message.c_str() + 4)));
          message = message.substr(message.find(':') + 2);
        }
        add_problem(where, "topic '" + topic.id + "': " + message);
        continue;
      }
      compiled = std::move(rule).value();
    }
    classify::TopicRule& added = live->rules.emplace_back(topic.id, std::move(compiled));
    added.sources = topic.sources;
    added.tags = topic.tags;
    added.exclude_sources = topic.exclude_sources;
    added.exclude_tags = topic.exclude_tags;
  }
  if (!read.problems.empty()) {
    config::SortProblems(read.problems);
    std::string joined;
    for (const auto& p : read.problems) joined += (joined.empty() ? "" : "\n") + p.str();
    return Error{joined};
  }
  live->catalog = std::move(read.catalog);
  return std::shared_ptr<const LiveConfig>(std::move(live));
}

}  // namespace redwire::app
