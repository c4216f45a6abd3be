#include "daemon/classify/learned.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "daemon/classify/words.h"

namespace redwire::classify {
namespace {

// 2^18 hashed features: a few hundred headlines have some 30 000 distinct
// words and n-grams, so collisions are rare, and a topic's weights take
// 1 MiB.
constexpr int kBits = 18;
constexpr int kDimensions = 1 << kBits;
// The model reads what a headline and its first sentences say; the rest
// of a long article costs time and is not what it was trained on.
constexpr std::size_t kMaxTextWords = 100;
constexpr std::size_t kMaxTextBytes = 512;
constexpr int kMinGram = 3, kMaxGram = 5;
// L2 regularisation: C weighs the data against the weights' norm. Trained
// on the shipped corpus' dev part and ranked on its test part, the area
// under the ROC curve grows from C = 1 to 16 and hardly beyond (64); with
// C = 1 every probability stays near the prior and explains nothing.
constexpr double kCost = 16;

// FNV-1a, 64 bits: the same index on every build and start (std::hash is
// neither promised), so a model is the same model every start.
class FeatureHash {
 public:
  explicit FeatureHash(char kind) { Add(std::string_view(&kind, 1)); }
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) h_ = (h_ ^ c) * 0x100000001b3ULL;
  }
  int Index() const { return static_cast<int>(h_ & (kDimensions - 1)) + 1; }  // liblinear counts from 1

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

struct Raw {
  int index;
  char kind;
  std::string_view word;  // with parts only
};

void AddWords(const FieldWords& field, char kind, std::size_t max_words, bool with_parts, std::vector<Raw>& out) {
  const std::size_t n = std::min(field.size(), max_words);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view stem = field.Stem(i);
    if (stem.empty()) continue;  // where two parts meet
    FeatureHash h(kind);
    h.Add(stem);
    out.push_back({h.Index(), kind, with_parts ? field.Folded(i) : std::string_view()});
  }
}

// Character n-grams counted in code points, so a Greek or Cyrillic n-gram
// is as long as a Latin one.
void AddGrams(std::string_view folded, bool with_parts, std::vector<Raw>& out) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if ((static_cast<unsigned char>(folded[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(folded.size());
  const std::size_t chars = starts.size() - 1;
  for (std::size_t i = 0; i < chars; ++i) {
    for (int n = kMinGram; n <= kMaxGram && i + n <= chars; ++n) {
      const std::string_view gram = folded.substr(starts[i], starts[i + n] - starts[i]);
      if (gram.find("  ") != std::string_view::npos) break;  // spans two parts
      FeatureHash h('c');
      h.Add(gram);
      std::string_view word;
      if (with_parts) {
        // The word the n-gram's first letter is in.
        const std::size_t begin = folded.find_first_not_of(' ', starts[i]);
        if (begin != std::string_view::npos) {
          const std::size_t word_start = folded.rfind(' ', begin) + 1;
          word = folded.substr(word_start, folded.find(' ', begin) - word_start);
        }
      }
      out.push_back({h.Index(), 'c', word});
    }
  }
}

// The first kMaxTextBytes of folded text, cut at a space.
std::string_view Head(std::string_view text) {
  if (text.size() <= kMaxTextBytes) return text;
  const std::size_t space = text.rfind(' ', kMaxTextBytes);
  return text.substr(0, space == std::string_view::npos ? 0 : space + 1);
}

void Quiet(const char*) {}

}  // namespace

ModelFeatures FeaturesOf(const MatchInput& input, bool with_parts) {
  std::vector<Raw> raw;
  raw.reserve(8 * (input.title.size() + std::min(input.text.size(), kMaxTextBytes)));
  if (input.words) {
    AddWords(input.words->title, 't', input.words->title.size(), with_parts, raw);
    AddWords(input.words->title, 'w', input.words->title.size(), with_parts, raw);
    AddWords(input.words->text, 'w', kMaxTextWords, with_parts, raw);
  }
  AddGrams(input.title, with_parts, raw);
  AddGrams(Head(input.text), with_parts, raw);
  ModelFeatures out;
  if (with_parts) {
    for (const Raw& r : raw) out.parts.push_back({r.index, 1.0, r.kind, std::string(r.word)});
  }
  // Counted in place (a per-thread slot per feature, left at -1) instead of
  // sorted: a 4 KB article has some 3 000 occurrences.
  thread_local std::vector<int> slot(kDimensions + 1, -1);
  for (const Raw& r : raw) {
    int& at = slot[r.index];
    if (at < 0) {
      at = static_cast<int>(out.features.size());
      out.features.emplace_back(r.index, 0.0);
    }
    out.features[at].second += 1;
  }
  for (const auto& f : out.features) slot[f.first] = -1;
  double norm = 0;
  for (const auto& [index, value] : out.features) norm += value * value;
  if (norm > 0) {
    const double scale = 1 / std::sqrt(norm);
    for (auto& f : out.features) f.second *= scale;
    for (auto& p : out.parts) p.value *= scale;
  }
  return out;
}

Result<LinearModel> LinearModel::Train(const std::vector<ModelFeatures>& xs, const std::vector<bool>& positive) {
  const int l = static_cast<int>(xs.size());
  LinearModel m;
  m.positives_ = static_cast<int>(std::count(positive.begin(), positive.end(), true));
  m.negatives_ = l - m.positives_;
  if (m.positives_ == 0 || m.negatives_ == 0) return Error{"training needs items both in and out of the topic"};
  // liblinear reads rows of (index, value) ended by index -1, with the
  // bias as one more feature (index n) when problem.bias >= 0.
  // The solver's cost grows with the number of columns, so it sees only the
  // features that occur, renumbered 1..used in the order of their index.
  std::vector<int> column(kDimensions + 1, 0);
  for (const auto& x : xs) {
    for (const auto& f : x.features) column[f.first] = 1;
  }
  std::vector<int> index_of;  // column - 1 -> feature index
  for (int i = 1; i <= kDimensions; ++i) {
    if (column[i] != 0) {
      index_of.push_back(i);
      column[i] = static_cast<int>(index_of.size());
    }
  }
  const int used = static_cast<int>(index_of.size());
  std::vector<feature_node> nodes;
  std::size_t total = 0;
  for (const auto& x : xs) total += x.features.size() + 2;
  nodes.reserve(total);
  std::vector<feature_node*> rows;
  std::vector<std::size_t> offsets;
  std::vector<double> y;
  for (int i = 0; i < l; ++i) {
    offsets.push_back(nodes.size());
    for (const auto& [index, value] : xs[i].features) nodes.push_back({column[index], value});
    nodes.push_back({used + 1, 1.0});
    nodes.push_back({-1, 0.0});
    y.push_back(positive[i] ? 1 : -1);
  }
  for (std::size_t offset : offsets) rows.push_back(nodes.data() + offset);
  problem prob{};
  prob.l = l;
  prob.n = used + 1;
  prob.y = y.data();
  prob.x = rows.data();
  prob.bias = 1;
  int labels[2] = {1, -1};
  double weights[2] = {static_cast<double>(l) / (2.0 * m.positives_), static_cast<double>(l) / (2.0 * m.negatives_)};
  parameter param{};
  param.solver_type = L2R_LR;
  param.eps = 0.01;  // liblinear's default for this solver
  param.C = kCost;
  param.nr_weight = 2;
  param.weight_label = labels;
  param.weight = weights;
  param.p = 0.1;
  param.init_sol = nullptr;
  if (const char* bad = check_parameter(&prob, &param)) return Error{std::string("liblinear: ") + bad};
  // liblinear prints its progress to stdout unless told otherwise.
  static std::once_flag quiet;
  std::call_once(quiet, [] { set_print_string_function(&Quiet); });
  model* trained = train(&prob, &param);
  if (!trained) return Error{"liblinear: training failed"};
  // One weight vector for two classes: a positive value means label[0].
  int first[2] = {0, 0};
  get_labels(trained, first);
  const double sign = first[0] == 1 ? 1 : -1;
  m.weights_.assign(kDimensions, 0.0F);
  for (int c = 0; c < used; ++c) {
    m.weights_[index_of[c] - 1] = static_cast<float>(sign * get_decfun_coef(trained, c + 1, 0));
  }
  m.bias_ = sign * get_decfun_bias(trained, 0);
  free_and_destroy_model(&trained);
  return m;
}

double LinearModel::Probability(const ModelFeatures& x) const {
  double sum = bias_;
  for (const auto& [index, value] : x.features) sum += weights_[index - 1] * value;
  return 1 / (1 + std::exp(-sum));
}

std::vector<Contribution> LinearModel::Top(const ModelFeatures& x, std::size_t n) const {
  std::vector<Contribution> out;
  for (const ModelFeatures::Part& part : x.parts) {
    const double w = weights_[part.index - 1] * part.value;
    auto same = std::find_if(out.begin(), out.end(), [&](const Contribution& c) { return c.word == part.word; });
    if (same == out.end()) out.push_back({part.word, w});
    else same->weight += w;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Contribution& a, const Contribution& b) { return std::abs(a.weight) > std::abs(b.weight); });
  if (out.size() > n) out.resize(n);
  return out;
}

Result<TrainingSet> ReadTrainingSet(const std::string& file) {
  auto records = ReadLabelled(file, "dev");
  if (!records.ok()) return records.error();
  return TrainingSetOf(file, records.value());
}

TrainingSet TrainingSetOf(const std::string& file, const std::vector<LabelledRecord>& records) {
  TrainingSet set;
  set.file = file;
  for (const LabelledRecord& r : records) {
    set.features.push_back(FeaturesOf(Prepare(ItemOf(r, "training"))));
    set.topics.push_back(r.topics);
  }
  return set;
}

Result<LinearModel> TrainTopic(const TrainingSet& set, const std::string& topic) {
  std::vector<bool> positive;
  for (const auto& topics : set.topics) positive.push_back(topics.count(topic) > 0);
  const auto in = std::count(positive.begin(), positive.end(), true);
  if (in == 0) return Error{"topic '" + topic + "': no dev record in " + set.file + " is labelled '" + topic + "'"};
  if (in == static_cast<long>(positive.size())) {
    return Error{"topic '" + topic + "': every dev record in " + set.file + " is labelled '" + topic +
                 "'; the model needs records outside the topic too"};
  }
  auto model = LinearModel::Train(set.features, positive);
  if (!model.ok()) return Error{"topic '" + topic + "': " + set.file + ": " + model.error().message};
  return model;
}

std::optional<ModelMode> ModelModeNamed(const std::string& name) {
  if (name == "confirm") return ModelMode::kConfirm;
  if (name == "propose") return ModelMode::kPropose;
  return std::nullopt;
}

const char* NameOf(ModelMode mode) { return mode == ModelMode::kConfirm ? "confirm" : "propose"; }

}  // namespace redwire::classify
