// classify/learned: the learned second signal of a topic. One binary
// L2-regularised logistic regression per topic (liblinear), over the
// folded and stemmed words the rules see and the character 3..5-grams of
// the folded title and text, hashed into 2^18 features. It is trained at
// start-up from the dev part of a labelled corpus (labelled.h) and never
// decides alone: a rule proposes and the model confirms, or the model
// proposes and a looser rule confirms (docs/topics.md, "The learned
// signal").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"
#include "model/result.h"

namespace redwire::classify {

// An item's features: (index, value), each index once, in the order of
// its first occurrence, L2-normalised.
// With parts, every occurrence that went into them, by the word of the
// text it came from, for `topics explain`.
struct ModelFeatures {
  struct Part {
    int index = 0;
    double value = 0;  // its share of features' value at `index`
    char kind = 'w';   // 'w' a word's stem, 't' a title word's, 'c' a character n-gram
    std::string word;  // the folded word it is (or, for an n-gram, starts in)
  };
  std::vector<std::pair<int, double>> features;
  std::vector<Part> parts;
};

// Reads the title and at most 100 words and 512 bytes of folded text: the
// model is trained on headlines and first sentences, and the rest of an
// article would cost time for no signal.
ModelFeatures FeaturesOf(const MatchInput& input, bool with_parts = false);

// One word's part in a probability: the sum of weight x value of its stem,
// title and n-gram features.
struct Contribution {
  std::string word;
  double weight = 0;
};

class LinearModel {
 public:
  // Trains on `xs` labelled `positive`; deterministic (the primal
  // trust-region Newton solver has no random steps, and the examples keep
  // their order). Classes are weighted inversely to their size, as a
  // topic's items are few. Fails when either class is empty.
  static Result<LinearModel> Train(const std::vector<ModelFeatures>& xs, const std::vector<bool>& positive);

  // P(the item is in the topic), 0..1.
  double Probability(const ModelFeatures& x) const;
  // The `n` words that moved the probability most, either way; `x` from
  // FeaturesOf(..., true).
  std::vector<Contribution> Top(const ModelFeatures& x, std::size_t n) const;

  // The decision value before any feature: with every Top() weight added,
  // the logit of Probability().
  double bias() const { return bias_; }
  int positives() const { return positives_; }
  int negatives() const { return negatives_; }

 private:
  LinearModel() = default;
  std::vector<float> weights_;  // by feature index
  double bias_ = 0;
  int positives_ = 0, negatives_ = 0;
};

// The dev records of a corpus, with their features computed once for all
// topics.
struct TrainingSet {
  std::string file;
  std::vector<ModelFeatures> features;
  std::vector<std::set<std::string>> topics;
};

// Fails as ReadLabelled(file, "dev") does.
Result<TrainingSet> ReadTrainingSet(const std::string& file);
// `records` (read from `file`, which names the set in errors) as a set.
TrainingSet TrainingSetOf(const std::string& file, const std::vector<LabelledRecord>& records);

// Trains `topic`'s model on every record of `set`, labelled in or out of
// it. Fails, naming the topic and file, when no record or every record is
// labelled with the topic.
Result<LinearModel> TrainTopic(const TrainingSet& set, const std::string& topic);

enum class ModelMode {
  kConfirm,  // the rule proposes; the model must agree (p >= threshold)
  kPropose,  // the rule alone takes an item; so do the model (p >= threshold)
             // and the looser `model_rule` together
};

// A topic's configured second signal (TopicRule::learned).
struct LearnedSignal {
  ModelMode mode = ModelMode::kConfirm;
  double threshold = 0.5;
  std::optional<Rule> model_rule;  // kPropose only, required there
  std::shared_ptr<const LinearModel> model;
};

// "confirm", "propose"; nullopt for anything else.
std::optional<ModelMode> ModelModeNamed(const std::string& name);
const char* NameOf(ModelMode mode);

}  // namespace redwire::classify
