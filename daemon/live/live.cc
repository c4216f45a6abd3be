#include "daemon/live/live.h"

#include "daemon/live/topic_models.h"

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

Result<std::shared_ptr<const LiveConfig>> LoadConfig(const std::string& config_dir) {
  config::CatalogRead read = config::ReadCatalog(config_dir);
  auto live = std::make_shared<LiveConfig>();
  auto add_problem = [&read](const config::Where& where, const std::string& message) {
    read.problems.push_back({where, message});
  };
  for (const auto& term_list : read.catalog.concepts) {
    bool good = true;
    for (std::size_t i = 0; i < term_list.terms.size(); ++i) {
      if (auto checked = classify::CheckConceptTerm(term_list.terms[i]); !checked.ok()) {
        add_problem(i < term_list.term_wheres.size() ? term_list.term_wheres[i] : term_list.where,
                    "concept '" + term_list.id + "': '" + term_list.terms[i] + "': " + checked.error().message);
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
        // The rule's column becomes a place inside the value.
        add_problem(config::PlaceOfColumn(topic.match_where, topic.match, rule.error().column),
                    "topic '" + topic.id + "': " + rule.error().message);
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
  TrainTopicModels(read.catalog, config_dir, live->concepts, live->rules, read.problems);
  if (!read.problems.empty()) {
    config::SortProblems(read.problems);
    std::string joined;
    for (const auto& p : read.problems) joined += (joined.empty() ? "" : "\n") + p.str();
    const config::Where& first = read.problems.front().where;
    return Error{joined, ErrorCode::kInvalidArgument, first.file, first.line, first.column};
  }
  live->catalog = std::move(read.catalog);
  return std::shared_ptr<const LiveConfig>(std::move(live));
}

}  // namespace redwire::app
