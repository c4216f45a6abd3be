#include "daemon/live/topic_models.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "daemon/classify/learned.h"

namespace redwire::app {

void TrainTopicModels(const config::Catalog& catalog, const std::string& config_dir,
                      const classify::Concepts& concepts, std::vector<classify::TopicRule>& rules,
                      std::vector<config::Problem>& problems) {
  const config::Settings& settings = catalog.settings;
  std::optional<Result<classify::TrainingSet>> set;  // read on the first topic that needs it
  std::string file = settings.topic_training;
  if (!file.empty() && file.front() != '/') file = config_dir + "/" + file;
  const auto started = std::chrono::steady_clock::now();
  int trained = 0;
  for (const config::Topic& topic : catalog.topics) {
    if (topic.model.empty()) continue;
    const auto mode = classify::ModelModeNamed(topic.model);
    if (!mode) continue;  // the catalog reported it
    auto rule = std::find_if(rules.begin(), rules.end(), [&](const classify::TopicRule& r) { return r.id == topic.id; });
    if (rule == rules.end()) continue;  // its rule did not compile: reported
    if (*mode == classify::ModelMode::kPropose && topic.model_rule.empty()) continue;  // reported
    if (settings.topic_training.empty()) {
      problems.push_back({topic.model_where, "topic '" + topic.id +
                                                 "': model needs [redwire] topic_training, the labelled corpus "
                                                 "it is trained from"});
      continue;
    }
    if (!set) {
      set = classify::ReadTrainingSet(file);
      if (!set->ok()) problems.push_back({settings.topic_training_where, "topic_training: " + set->error().message});
    }
    if (!set->ok()) continue;
    auto signal = std::make_shared<classify::LearnedSignal>();
    signal->mode = *mode;
    signal->threshold = topic.model_threshold;
    if (*mode == classify::ModelMode::kPropose) {
      auto compiled = classify::Rule::Compile(topic.model_rule, concepts);
      if (!compiled.ok()) {
        problems.push_back({config::PlaceOfColumn(topic.model_rule_where, topic.model_rule, compiled.error().column),
                            "topic '" + topic.id + "': model_rule: " + compiled.error().message});
        continue;
      }
      signal->model_rule = std::move(compiled).value();
    }
    auto model = classify::TrainTopic(set->value(), topic.id);
    if (!model.ok()) {
      problems.push_back({topic.model_where, model.error().message});
      continue;
    }
    signal->model = std::make_shared<const classify::LinearModel>(std::move(model).value());
    rule->learned = std::move(signal);
    ++trained;
  }
  if (trained > 0) {
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("topics: trained {} model(s) from {} dev records of {} in {:.1f} ms", trained,
                 set->value().features.size(), file, ms);
  }
}

}  // namespace redwire::app
