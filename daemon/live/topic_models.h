// live/topic_models: trains the learned second signal of every topic that
// sets `model` (classify/learned.h) when a config is loaded.
#pragma once

#include <string>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/config/config.h"

namespace redwire::app {

// Reads the corpus of [redwire] topic_training (relative to `config_dir`)
// once, trains one model per topic with `model` on its dev records and sets
// TopicRule::learned of those `rules`. Every failure is a problem at its
// place naming the topic and the file: no topic_training, an unreadable or
// malformed corpus, no dev record labelled with the topic, a model_rule
// that does not compile. Logs the training time.
void TrainTopicModels(const config::Catalog& catalog, const std::string& config_dir,
                      const classify::Concepts& concepts, std::vector<classify::TopicRule>& rules,
                      std::vector<config::Problem>& problems);

}  // namespace redwire::app
