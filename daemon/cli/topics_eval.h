// `redwire topics eval`: scores the configured topic rules (or one rule)
// against a labelled corpus, so a rule change is measured, not guessed.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

#include "model/result.h"

namespace redwire::app {

struct TopicsEvalOptions {
  std::string file;        // JSON lines: {"id","lang","title","summary","topics":[...],"split"}
  std::string config_dir;  // the topics (and concepts) to score
  std::string split = "test";  // "test", "dev" or "all"
  std::string rule;        // optional: score this rule instead, against `topic`'s labels
  std::string topic;       // with `rule`: whose labels it is scored against
  double min_macro_f1 = 0;  // the floor: below it the report says so and `below_floor` is set
  double min_f1 = 0;        // ... and for every single topic
  // With k >= 2 (split "dev" only): k-fold cross-validation of the topics'
  // models. The dev records of `file`, in file order, go to fold i mod k;
  // each fold is scored by models trained on the other k - 1 (same mode,
  // threshold and model_rule as configured), so no record is scored by a
  // model that saw it. Topics without a model score as without it.
  int cv_folds = 0;
};

struct TopicsEvalReport {
  std::string text;   // per-topic precision, recall, F1; macro-F1; per language; every FP and FN
  double macro_f1 = 0;
  double lowest_f1 = 0;
  bool below_floor = false;
};

// Fails on an unreadable file, a malformed line (named by its number), a
// config or rule that does not load, or a split with no records; with
// cv_folds, on a split other than dev, fewer records than folds, or a fold
// whose training records leave a model's topic without an example in or out
// (named by the fold).
Result<TopicsEvalReport> TopicsEval(const TopicsEvalOptions& options);

}  // namespace redwire::app
