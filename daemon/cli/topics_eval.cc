#include "daemon/cli/topics_eval.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/live/live.h"
#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"
#include "daemon/classify/learned.h"

namespace redwire::app {
namespace {

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  double Precision() const { return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / (tp + fn); }
  double F1() const {
    const double p = Precision(), r = Recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }
};

std::string Fixed(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string Row(const std::string& name, const Counts& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-28s %5s %5s %5s %4d %4d %4d\n", name.c_str(), Fixed(c.Precision()).c_str(),
                Fixed(c.Recall()).c_str(), Fixed(c.F1()).c_str(), c.tp, c.fp, c.fn);
  return buf;
}

// The topics as scored for each of `k` folds: every model retrained on the
// records outside the fold (record i is in fold i mod k), the rest shared.
Result<std::vector<std::vector<classify::TopicRule>>> CrossValidationFolds(
    const std::vector<classify::TopicRule>& topics, const std::vector<classify::LabelledRecord>& records,
    const std::string& file, int k) {
  const classify::TrainingSet all = classify::TrainingSetOf(file, records);
  std::vector<std::vector<classify::TopicRule>> folds;
  for (int fold = 0; fold < k; ++fold) {
    classify::TrainingSet set;
    set.file = file + " without fold " + std::to_string(fold + 1) + " of " + std::to_string(k);
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (static_cast<int>(i % k) == fold) continue;
      set.features.push_back(all.features[i]);
      set.topics.push_back(all.topics[i]);
    }
    std::vector<classify::TopicRule> scored = topics;
    for (classify::TopicRule& topic : scored) {
      if (!topic.learned) continue;
      auto model = classify::TrainTopic(set, topic.id);
      if (!model.ok()) return Error{"--cv: " + model.error().message};
      auto signal = std::make_shared<classify::LearnedSignal>(*topic.learned);
      signal->model = std::make_shared<const classify::LinearModel>(std::move(model).value());
      topic.learned = std::move(signal);
    }
    folds.push_back(std::move(scored));
  }
  return folds;
}

}  // namespace

Result<TopicsEvalReport> TopicsEval(const TopicsEvalOptions& options) {
  auto loaded = LoadConfig(options.config_dir);
  if (!loaded.ok()) return loaded.error();
  const LiveConfig& config = *loaded.value();
  std::vector<classify::TopicRule> topics;
  if (!options.rule.empty()) {
    if (options.topic.empty()) return Error{"--rule needs --topic ID: the labels it is scored against"};
    auto rule = classify::Rule::Compile(options.rule, config.concepts);
    if (!rule.ok()) return Error{"rule: " + rule.error().str(), rule.error().code};
    topics.emplace_back(options.topic, std::move(rule).value());
  } else {
    for (const auto& t : config.rules) {
      if (options.topic.empty() || t.id == options.topic) topics.push_back(t);
    }
    if (topics.empty()) return Error{"no topic '" + options.topic + "' in " + options.config_dir};
  }
  if (options.cv_folds != 0 && options.split != "dev") {
    return Error{"--cv scores the dev part only (--split dev): the test part stays unseen"};
  }
  if (options.cv_folds == 1 || options.cv_folds < 0) return Error{"--cv needs at least 2 folds"};
  auto records = classify::ReadLabelled(options.file, options.split);
  if (!records.ok()) return records.error();
  // Without --cv, one fold: the topics as configured.
  std::vector<std::vector<classify::TopicRule>> folds{topics};
  if (options.cv_folds > 0) {
    if (records.value().size() < static_cast<std::size_t>(options.cv_folds)) {
      return Error{"--cv " + std::to_string(options.cv_folds) + ": only " + std::to_string(records.value().size()) +
                   " dev records in " + options.file};
    }
    auto cv = CrossValidationFolds(topics, records.value(), options.file, options.cv_folds);
    if (!cv.ok()) return cv.error();
    folds = std::move(cv).value();
  }

  std::set<std::string> labelled;
  for (const classify::LabelledRecord& r : records.value()) labelled.insert(r.topics.begin(), r.topics.end());
  std::map<std::string, Counts> by_topic;
  std::map<std::string, Counts> by_lang;
  // A topic with a model is scored as the daemon decides (rule and model)
  // and, beside it, by its rule alone.
  std::map<std::string, Counts> rule_only;
  std::map<std::string, classify::TopicRule> without_model;
  for (const auto& topic : topics) {
    if (topic.learned) without_model.emplace(topic.id, topic).first->second.learned.reset();
  }
  // Per language and topic, for the macro-F1 of each language.
  std::map<std::string, std::map<std::string, Counts>> by_lang_topic;
  std::map<std::string, int> records_by_lang;
  std::string mistakes;
  for (std::size_t i = 0; i < records.value().size(); ++i) {
    const classify::LabelledRecord& r = records.value()[i];
    const std::string lang = r.lang.empty() ? "-" : r.lang;
    ++records_by_lang[lang];
    const classify::MatchInput input = classify::Prepare(classify::ItemOf(r, "eval"));
    for (const auto& topic : folds[i % folds.size()]) {
      if (!labelled.count(topic.id)) continue;
      const classify::Verdict verdict = classify::Explain(topic, input);
      const bool expected = r.topics.count(topic.id) > 0;
      if (topic.learned) {
        const bool matched = classify::Explain(without_model.at(topic.id), input).matched;
        Counts& c = rule_only[topic.id];
        if (matched && expected) ++c.tp;
        else if (matched) ++c.fp;
        else if (expected) ++c.fn;
      }
      Counts& t = by_topic[topic.id];
      Counts& l = by_lang[lang];
      Counts& lt = by_lang_topic[lang][topic.id];
      if (verdict.matched && expected) {
        ++t.tp, ++l.tp, ++lt.tp;
        continue;
      }
      if (!verdict.matched && !expected) continue;
      // A miss shows the terms that did occur (the nearest miss), if any.
      std::vector<std::string> terms = verdict.terms;
      if (!verdict.matched && topic.rule) terms = topic.rule->MatchedTerms(input);
      if (verdict.matched) ++t.fp, ++l.fp, ++lt.fp;
      else ++t.fn, ++l.fn, ++lt.fn;
      mistakes += std::string(verdict.matched ? "FP " : "FN ") + topic.id + "  " + r.id + " [" + r.lang + "/" +
                  (input.stem_language.empty() ? "-" : input.stem_language) + "]  " + r.title + "\n";
      mistakes += std::string(verdict.matched ? "    fired: " : "    nearest miss: ") +
                  (terms.empty() ? std::string(verdict.matched ? verdict.reason : "no term occurred") : Join(terms)) +
                  (verdict.probability ? "  [" + verdict.reason + "]" : std::string()) + "\n";
    }
  }

  TopicsEvalReport report;
  char header[256];
  std::snprintf(header, sizeof header, "%-28s %5s %5s %5s %4s %4s %4s\n", "topic", "P", "R", "F1", "tp", "fp", "fn");
  report.text += std::to_string(records.value().size()) + " records, split " + options.split;
  if (options.cv_folds > 0) {
    report.text += ", " + std::to_string(options.cv_folds) + "-fold cross-validation (each fold scored by models " +
                   "trained on the others)";
  }
  report.text += "\n";
  report.text += header;
  double sum = 0;
  report.lowest_f1 = 1;
  for (const auto& topic : topics) {
    if (!labelled.count(topic.id)) {
      report.text += topic.id + ": no labelled records, not scored\n";
      continue;
    }
    const Counts& c = by_topic[topic.id];
    report.text += Row(topic.id, c);
    if (auto alone = rule_only.find(topic.id); alone != rule_only.end()) {
      report.text += Row("  rule only (no " + std::string(classify::NameOf(topic.learned->mode)) + " model)", alone->second);
    }
    sum += c.F1();
    report.lowest_f1 = std::min(report.lowest_f1, c.F1());
  }
  const std::size_t scored = by_topic.size();
  report.macro_f1 = scored == 0 ? 0 : sum / static_cast<double>(scored);
  report.text += "macro-F1 " + Fixed(report.macro_f1) + " over " + std::to_string(scored) + " topics; lowest F1 " +
                 Fixed(report.lowest_f1) + "\n";
  for (const std::string& id : labelled) {
    if (std::none_of(topics.begin(), topics.end(), [&](const classify::TopicRule& t) { return t.id == id; }) &&
        options.rule.empty() && options.topic.empty()) {
      report.text += "labelled topic '" + id + "' is not configured\n";
    }
  }
  // P, R and F1 pool every topic's decisions on the language's records;
  // macro-F1 averages the topics that occur in the language (labelled or
  // matched there), so a language is not flattered by topics it lacks.
  report.text += "\nby language (P, R, F1: all topics together; macro-F1: over the topics present)\n";
  std::snprintf(header, sizeof header, "%-28s %5s %5s %5s %4s %4s %4s %8s %7s %6s\n", "lang", "P", "R", "F1", "tp", "fp",
                "fn", "macro-F1", "topics", "items");
  report.text += header;
  for (const auto& [lang, records_count] : records_by_lang) {
    const Counts& c = by_lang[lang];
    double lang_sum = 0;
    int present = 0;
    for (const auto& [topic_id, tc] : by_lang_topic[lang]) {
      if (tc.tp + tc.fp + tc.fn == 0) continue;
      lang_sum += tc.F1();
      ++present;
    }
    std::string row = Row(lang, c);
    row.pop_back();
    char tail[64];
    std::snprintf(tail, sizeof tail, " %8s %7d %6d\n", present == 0 ? "-" : Fixed(lang_sum / present).c_str(), present,
                  records_count);
    report.text += row + tail;
  }
  if (!mistakes.empty()) report.text += "\n" + mistakes;
  if (report.macro_f1 < options.min_macro_f1 || report.lowest_f1 < options.min_f1) {
    report.below_floor = true;
    report.text += "BELOW THE FLOOR: macro-F1 " + Fixed(report.macro_f1) + " (floor " + Fixed(options.min_macro_f1) +
                   "), lowest topic F1 " + Fixed(report.lowest_f1) + " (floor " + Fixed(options.min_f1) + ")\n";
  }
  return report;
}

}  // namespace redwire::app
