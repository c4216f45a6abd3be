// The learned second signal (classify/learned.h), trained on the dev part
// of the shipped labelled corpus (feeds/topics/labelled.jsonl,
// real headlines; its README says where each was read) and scored on
// records it did not see.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"
#include "daemon/classify/learned.h"

namespace {

using namespace redwire;
using namespace redwire::classify;

const std::string kCorpus = REDWIRE_SOURCE_DIR "/feeds/topics/labelled.jsonl";

const TrainingSet& Shipped() {
  static const TrainingSet set = [] {
    auto read = ReadTrainingSet(kCorpus);
    REQUIRE(read.ok());
    return std::move(read).value();
  }();
  return set;
}

std::shared_ptr<const LinearModel> ModelFor(const std::string& topic) {
  auto model = TrainTopic(Shipped(), topic);
  REQUIRE(model.ok());
  return std::make_shared<const LinearModel>(std::move(model).value());
}

MatchInput Headline(const std::string& title, const std::string& lang = "en") {
  Item item;
  item.source_id = "test";
  item.title = title;
  item.language = lang;
  return Prepare(item);
}

double P(const LinearModel& model, const std::string& title, const std::string& lang = "en") {
  return model.Probability(FeaturesOf(Headline(title, lang)));
}

}  // namespace

TEST_CASE("learned: a model trained on the dev part ranks held-out test records of its topic first") {
  for (const std::string topic : {"palestine", "war-and-nato", "cuba-solidarity"}) {
    const auto model = ModelFor(topic);
    auto test = ReadLabelled(kCorpus, "test");
    REQUIRE(test.ok());
    std::vector<double> in, out;
    for (const LabelledRecord& r : test.value()) {
      const double p = model->Probability(FeaturesOf(Prepare(ItemOf(r, "test"))));
      (r.topics.count(topic) ? in : out).push_back(p);
    }
    REQUIRE(in.size() >= 10);
    // The area under the ROC curve: how often an item of the topic scores
    // above one outside it (0.5 is chance).
    double above = 0;
    for (double a : in) {
      for (double b : out) above += a > b ? 1 : a == b ? 0.5 : 0;
    }
    const double auc = above / static_cast<double>(in.size() * out.size());
    INFO(topic << ": AUC " << auc << " over " << in.size() << " in, " << out.size() << " out");
    CHECK(auc > 0.8);
  }
}

TEST_CASE("learned: training is deterministic") {
  const auto a = ModelFor("war-and-nato");
  const auto b = ModelFor("war-and-nato");
  // Test-part headlines en-0094, en-0073, fr-0030.
  for (const std::string title : {"Stop the war on Yemen!", "Protests condemning bombing and siege of Gaza grow",
                                  "Une marche pour la paix et le désarmement nucléaire !"}) {
    CHECK(a->Probability(FeaturesOf(Headline(title))) == b->Probability(FeaturesOf(Headline(title))));
  }
  CHECK(a->positives() == b->positives());
  CHECK(a->positives() > 0);
  CHECK(a->negatives() + a->positives() == static_cast<int>(Shipped().features.size()));
}

TEST_CASE("learned: features are the rules' stems and character n-grams, kept by word for explain") {
  // A headline the issue names (a SolidNet digest), and its singular.
  const std::string plural = "The KKE demands the end of the persecutions against the Communist Party of Poland";
  const ModelFeatures f = FeaturesOf(Headline(plural), true);
  const ModelFeatures singular = FeaturesOf(Headline("persecution"), true);
  const auto index_of = [](const ModelFeatures& x, char kind, const std::string& word) {
    for (const auto& p : x.parts) {
      if (p.kind == kind && p.word == word) return p.index;
    }
    return 0;
  };
  // Both forms have the stem "persecut", as a bare rule word sees it.
  CHECK(index_of(f, 'w', "persecutions") != 0);
  CHECK(index_of(f, 'w', "persecutions") == index_of(singular, 'w', "persecution"));
  CHECK(index_of(f, 't', "communist") != 0);  // a title word counts as a word and as a title word
  CHECK(index_of(f, 'c', "poland") != 0);      // " pol", "pol", "olan", ...
  CHECK(index_of(f, 'w', "communist") != index_of(f, 't', "communist"));
  double norm = 0, parts = 0;
  std::set<int> indexes;
  for (const auto& [index, value] : f.features) {
    norm += value * value;
    CHECK(indexes.insert(index).second);  // each index once
  }
  for (const auto& p : f.parts) parts += p.value;
  double sum = 0;
  for (const auto& [index, value] : f.features) sum += value;
  CHECK(norm == Approx(1.0));
  CHECK(parts == Approx(sum));  // the parts add up to the features
  CHECK(FeaturesOf(Headline(plural)).parts.empty());
  CHECK(FeaturesOf(Headline(plural)).features == f.features);
}

TEST_CASE("learned: explain's words add up to the model's decision") {
  const auto model = ModelFor("palestine");
  const ModelFeatures f = FeaturesOf(Headline("Protests condemning bombing and siege of Gaza grow"), true);  // en-0073
  const auto top = model->Top(f, 1000);
  double sum = model->bias();
  std::string shown;
  for (const auto& c : top) {
    sum += c.weight;
    shown += " " + c.word + " " + std::to_string(c.weight);
  }
  INFO(shown);
  CHECK(1 / (1 + std::exp(-sum)) == Approx(model->Probability(f)));
  REQUIRE(top.size() == 8);  // one entry per word
  const auto gaza = std::find_if(top.begin(), top.end(), [](const Contribution& c) { return c.word == "gaza"; });
  REQUIRE(gaza != top.end());
  CHECK(gaza - top.begin() < 3);
  CHECK(gaza->weight > 0);
  for (std::size_t i = 1; i < top.size(); ++i) CHECK(std::abs(top[i - 1].weight) >= std::abs(top[i].weight));
  CHECK(model->Top(f, 2).size() == 2);
}

TEST_CASE("learned: confirm mode keeps the rule hits the model agrees with and drops the others") {
  TopicRule topic("war-and-nato", Rule::Compile("war OR bombing OR troops").value());
  auto signal = std::make_shared<LearnedSignal>();
  signal->mode = ModelMode::kConfirm;
  signal->model = ModelFor("war-and-nato");
  // Both headlines are in the test part (en-0094, en-0073), unseen in
  // training: the rule takes both, only the first is about war.
  const std::string war = "Stop the war on Yemen!";
  const std::string gaza = "Protests condemning bombing and siege of Gaza grow";
  const double p_war = P(*signal->model, war), p_gaza = P(*signal->model, gaza);
  INFO("p(war) " << p_war << ", p(gaza) " << p_gaza);
  REQUIRE(p_war > p_gaza);
  signal->threshold = (p_war + p_gaza) / 2;
  CHECK(Explain(topic, Headline(gaza)).matched);  // the rule alone
  topic.learned = signal;
  const Verdict kept = Explain(topic, Headline(war));
  CHECK(kept.matched);
  REQUIRE(kept.probability);
  CHECK(*kept.probability == Approx(p_war));
  CHECK(kept.reason.rfind("rule, model ", 0) == 0);
  const Verdict dropped = Explain(topic, Headline(gaza));
  CHECK_FALSE(dropped.matched);
  CHECK(dropped.reason.rfind("rule, refused by model ", 0) == 0);
  CHECK(dropped.terms == std::vector<std::string>{"bombing"});
  CHECK(Classify({topic}, Headline(war)) == std::vector<std::string>{"war-and-nato"});
  CHECK(Classify({topic}, Headline(gaza)).empty());
  // The model is never asked without a rule match.
  const Verdict none = Explain(topic, Headline("Huelga general el 29 de marzo", "es"));
  CHECK_FALSE(none.matched);
  CHECK_FALSE(none.probability);
}

TEST_CASE("learned: propose mode adds what the model proposes and the looser rule backs, never the model alone") {
  TopicRule topic("war-and-nato", Rule::Compile("nato OR otan").value());
  auto signal = std::make_shared<LearnedSignal>();
  signal->mode = ModelMode::kPropose;
  signal->model = ModelFor("war-and-nato");
  signal->model_rule = Rule::Compile("peace OR paix OR désarmement").value();
  // Test-part headlines: fr-0030 is about war and peace, and the strict
  // rule misses it; en-0109 is Cuba solidarity.
  const std::string march = "Une marche pour la paix et le désarmement nucléaire !";
  const std::string caravan = "Pastors for Peace Caravan Readies to Bring Aid to Cuba";
  const double p_march = P(*signal->model, march, "fr"), p_caravan = P(*signal->model, caravan);
  INFO("p(march) " << p_march << ", p(caravan) " << p_caravan);
  REQUIRE(p_march > p_caravan);
  signal->threshold = (p_march + p_caravan) / 2;
  topic.learned = signal;
  CHECK(Explain(topic, Headline("NATO out of the Balkans")).reason == "rule");
  CHECK_FALSE(Explain(topic, Headline("NATO out of the Balkans")).probability);
  const Verdict proposed = Explain(topic, Headline(march, "fr"));
  CHECK(proposed.matched);
  CHECK(proposed.reason.find(" and model_rule") != std::string::npos);
  CHECK(proposed.terms == std::vector<std::string>{"paix", "désarmement"});
  const Verdict refused = Explain(topic, Headline(caravan));
  CHECK_FALSE(refused.matched);
  CHECK(refused.reason.rfind("model_rule, but model ", 0) == 0);
  CHECK(Classify({topic}, Headline(march, "fr")) == std::vector<std::string>{"war-and-nato"});
  CHECK(Classify({topic}, Headline(caravan)).empty());
  // However sure the model is, without the looser rule it takes nothing.
  signal->threshold = 1e-9;
  const Verdict alone = Explain(topic, Headline("Meetings to organize caravans to Cuba"));  // en-0107
  CHECK_FALSE(alone.matched);
  CHECK_FALSE(alone.probability);
}

TEST_CASE("learned: a topic no dev record is labelled with, or a corpus without dev records, is an error") {
  auto none = TrainTopic(Shipped(), "no-such-topic");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message == "topic 'no-such-topic': no dev record in " + kCorpus + " is labelled 'no-such-topic'");
  auto missing = ReadTrainingSet("/nonexistent/labelled.jsonl");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "cannot open /nonexistent/labelled.jsonl");
  auto no_dev = ReadTrainingSet(REDWIRE_FIXTURES "/topics/near_duplicates.jsonl");
  REQUIRE_FALSE(no_dev.ok());
  CHECK(no_dev.error().message.find("no records in split 'dev'") != std::string::npos);
}
