// A topic's learned second signal as the daemon loads it: `model`,
// `model_threshold`, `model_rule` and [redwire] topic_training in real
// config files, trained from the shipped labelled corpus, used by
// `topics eval` and shown by `topics explain`.
#include <catch2/catch.hpp>

#include <regex>

#include "daemon/cli/topics_cli.h"
#include "daemon/cli/topics_eval.h"
#include "daemon/classify/learned.h"
#include "feeds_fixture.h"

namespace {

using feeds_test::TempDir;
using feeds_test::WriteText;

const std::string kCorpus = REDWIRE_SOURCE_DIR "/feeds/topics/labelled.jsonl";

struct ModelConfig {
  TempDir dir;
  std::string file() const { return (dir.path / "topics.toml").string(); }
  redwire::Result<std::shared_ptr<const redwire::app::LiveConfig>> Load(const std::string& toml) {
    WriteText(dir.path / "topics.toml", toml);
    return redwire::app::LoadConfig(dir.path.string());
  }
};

// Records of the shipped corpus (real headlines) copied into `path`.
void CopyRecords(const std::string& path, const std::vector<int>& lines) {
  std::ifstream in(kCorpus);
  std::string all, line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (std::find(lines.begin(), lines.end(), n) != lines.end()) all += line + "\n";
  }
  WriteText(path, all);
}

// The counts of one row of the eval report: tp, fp, fn.
std::array<int, 3> RowCounts(const std::string& text, const std::string& name) {
  const std::regex row("(^|\n)" + name + " +[0-9.]+ +[0-9.]+ +[0-9.]+ +([0-9]+) +([0-9]+) +([0-9]+)\n");
  std::smatch m;
  if (!std::regex_search(text, m, row)) FAIL("no row '" << name << "' in\n" << text);
  return {std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
}

}  // namespace

TEST_CASE("learned config: a topic with model = \"confirm\" is trained from topic_training at load") {
  ModelConfig c;
  auto loaded = c.Load("[redwire]\ntopic_training = \"" + kCorpus + R"("

[[topic]]
id = "war-and-nato"
match = 'war OR bombing'
model = "confirm"
model_threshold = 0.3

[[topic]]
id = "palestine"
match = 'gaza OR palestin*'
)");
  REQUIRE(loaded.ok());
  const auto& rules = loaded.value()->rules;
  REQUIRE(rules.size() == 2);
  REQUIRE(rules[0].learned);
  CHECK(rules[0].learned->mode == redwire::classify::ModelMode::kConfirm);
  CHECK(rules[0].learned->threshold == 0.3);
  CHECK(rules[0].learned->model->positives() > 10);
  CHECK_FALSE(rules[1].learned);  // no model: rules only, as before
}

TEST_CASE("learned config: every mistake is an error naming the topic and the file") {
  ModelConfig c;
  const std::string file = c.file();
  const std::string training = "[redwire]\ntopic_training = \"training.jsonl\"\n";
  // Five real records, none labelled anti-fascism; three of them dev (en-0001
  // and en-0003 anti-communist repression, en-0013 labour).
  CopyRecords((c.dir.path / "training.jsonl").string(), {1, 2, 3, 4, 15});
  const auto error = [&](const std::string& toml) {
    auto loaded = c.Load(toml);
    REQUIRE_FALSE(loaded.ok());
    return loaded.error().message;
  };
  CHECK(error(training + "[[topic]]\nid = \"t\"\nmatch = 'war'\nmodel = \"maybe\"\n") ==
        file + ":6:9: topic 't': unknown model mode 'maybe' (expected \"confirm\" or \"propose\")");
  CHECK(error("[[topic]]\nid = \"t\"\nmatch = 'war'\nmodel = \"confirm\"\n") ==
        file + ":4:9: topic 't': model needs [redwire] topic_training, the labelled corpus it is trained from");
  CHECK(error("[redwire]\ntopic_training = \"missing.jsonl\"\n[[topic]]\nid = \"t\"\nmatch = 'war'\nmodel = \"confirm\"\n") ==
        file + ":2:18: topic_training: cannot open " + c.dir.path.string() + "/missing.jsonl");
  CHECK(error(training + "[[topic]]\nid = \"anti-fascism\"\nmatch = 'fascis*'\nmodel = \"confirm\"\n") ==
        file + ":6:9: topic 'anti-fascism': no dev record in " + c.dir.path.string() +
            "/training.jsonl is labelled 'anti-fascism'");
  CHECK(error(training + "[[topic]]\nid = \"t\"\nmatch = 'war'\nmodel = \"propose\"\n") ==
        file + ":6:9: topic 't': model = \"propose\" needs model_rule, the looser rule that must confirm what the "
               "model proposes");
  CHECK(error(training + "[[topic]]\nid = \"anti-communist-repression\"\nmatch = 'ban'\nmodel = \"confirm\"\nmodel_rule = 'x'\n") ==
        file + ":7:14: topic 'anti-communist-repression': model_rule is for model = \"propose\"; \"confirm\" checks the match rule");
  CHECK(error(training + "[[topic]]\nid = \"anti-communist-repression\"\nmatch = 'ban'\nmodel = \"confirm\"\nmodel_threshold = 1.5\n") ==
        file + ":7:19: topic 'anti-communist-repression': model_threshold must be between 0 and 1");
  CHECK(error(training + "[[topic]]\nid = \"t\"\nmatch = 'war'\nmodel_threshold = 0.5\n") ==
        file + ":6:19: topic 't': model_threshold without model");
  CHECK(error(training + "[[topic]]\nid = \"anti-communist-repression\"\nmatch = 'ban'\nmodel = \"propose\"\n"
                         "model_rule = 'ban OR ('\n") ==
        file + ":7:23: topic 'anti-communist-repression': model_rule: expected a term after (");
}

TEST_CASE("learned eval: topics eval scores the daemon's decision and the rule alone beside it") {
  ModelConfig c;
  auto loaded = c.Load("[redwire]\ntopic_training = \"" + kCorpus + R"("

[[topic]]
id = "war-and-nato"
match = 'war OR wars OR bombing OR troops OR military OR nato OR otan'
model = "confirm"
model_threshold = 0.35
)");
  REQUIRE(loaded.ok());
  redwire::app::TopicsEvalOptions options;
  options.file = kCorpus;
  options.config_dir = c.dir.path.string();
  options.split = "test";
  auto report = redwire::app::TopicsEval(options);
  REQUIRE(report.ok());
  const std::string& text = report.value().text;
  INFO(text);
  const auto with_model = RowCounts(text, "war-and-nato");
  const auto rule_only = RowCounts(text, "  rule only \\(no confirm model\\)");
  // Confirming can only drop rule hits: fewer false positives, no new hits.
  CHECK(with_model[1] < rule_only[1]);
  CHECK(with_model[0] + with_model[1] < rule_only[0] + rule_only[1]);
  CHECK(with_model[0] + with_model[2] == rule_only[0] + rule_only[2]);
  // A refusal is shown with the model's probability.
  CHECK(std::regex_search(text, std::regex("FN war-and-nato .*\n    nearest miss: [^\n]*\\[rule, refused by model 0\\.[0-9]+ < 0\\.35\\]")));
}

TEST_CASE("learned explain: topics explain shows the model's probability and the features that moved it") {
  ModelConfig c;
  const std::string config = "[redwire]\ntopic_training = \"" + kCorpus + R"("

[[source]]
id = "morning-star"
url = "https://morningstaronline.co.uk/rss"

[[topic]]
id = "war-and-nato"
match = 'war OR bombing'
model = "confirm"
model_threshold = 0.31
)";
  auto loaded = c.Load(config);
  REQUIRE(loaded.ok());
  auto opened = redwire::store::Store::Open((c.dir.path / "redwire.db").string());
  REQUIRE(opened.ok());
  // en-0073 of the test part: the rule fires on "bombing", the model refuses.
  redwire::Item item = feeds_test::MakeItem("morning-star", 1, "Protests condemning bombing and siege of Gaza grow", "",
                                            1709629200, "en");
  REQUIRE(opened.value()->Upsert({item}, {{}}).ok());
  auto report = redwire::app::TopicsExplain(item.id, c.dir.path.string(), c.dir.path.string());
  REQUIRE(report.ok());
  const std::string& text = report.value().text;
  INFO(text);
  CHECK(std::regex_search(text, std::regex("  - war-and-nato: rule, refused by model 0\\.[0-9]+ < 0\\.31 \\(bombing\\)\n")));
  CHECK(std::regex_search(
      text, std::regex("      model 0\\.[0-9]+ \\(confirm, threshold 0\\.31; trained on [0-9]+ in, [0-9]+ out\\):( [+-][0-9]\\.[0-9]{2} [^ \n]+){8}\n")));
  CHECK(std::regex_search(text, std::regex(" -[0-9]\\.[0-9]{2} gaza( |\n)")));  // Gaza speaks against war here
}
