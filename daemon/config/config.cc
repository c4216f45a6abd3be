#include "daemon/config/config.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>
#include <map>
#include <set>
#include <string_view>
#include <type_traits>

#include <toml++/toml.h>

#include "util/url.h"

namespace redwire::config {
namespace {

namespace fs = std::filesystem;

// Collects every problem in a load, so the operator sees all of them at once.
class Problems {
 public:
  void Add(const Where& where, const std::string& message) { list_.push_back({where, message}); }
  bool empty() const { return list_.empty(); }
  std::vector<Problem> Take() { return std::move(list_); }

 private:
  std::vector<Problem> list_;
};

// No setting needs a longer string, and a source name or topic title this
// long would be copied into every entry of every feed; a megabyte is a
// mistake (or an attack) to report, not to serve.
constexpr std::size_t kMaxStringBytes = 64 * 1024;
// Keys are echoed in "unknown key" messages; a huge one is cut there.
constexpr std::size_t kShownKeyBytes = 64;

std::string TooLong(const std::string& key, std::size_t bytes) {
  return "'" + key + "' is " + std::to_string(bytes) + " bytes long; at most " + std::to_string(kMaxStringBytes);
}

// The key for a message: at most kShownKeyBytes, cut before a UTF-8
// continuation byte so the message stays valid UTF-8.
std::string ShownKey(std::string_view key) {
  if (key.size() <= kShownKeyBytes) return std::string(key);
  std::size_t cut = kShownKeyBytes;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
  return std::string(key.substr(0, cut)) + "...";
}

Where WhereOf(const std::string& file, const toml::node& node) {
  const toml::source_region& r = node.source();
  return Where{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

// Where a key is written (a misspelt key is pointed at, not its value); the
// value's place when toml++ has none for the key.
Where WhereOfKeyText(const std::string& file, const toml::key& key, const toml::node& value) {
  const toml::source_region& r = key.source();
  if (r.begin.line == 0) return WhereOf(file, value);
  return Where{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Reads one table with a fixed set of keys; every other key is an error.
class TableReader {
 public:
  TableReader(const std::string& file, const toml::table& table, Problems& problems,
              std::set<std::string> known)
      : file_(file), table_(table), problems_(problems) {
    for (const auto& [key, node] : table_) {
      if (!known.count(std::string(key.str()))) {
        problems_.Add(WhereOfKeyText(file_, key, node), "unknown key '" + ShownKey(key.str()) + "'");
      }
    }
  }

  std::optional<std::string> String(const char* key, bool required) {
    const toml::node* node = table_.get(key);
    if (!node) {
      if (required) problems_.Add(WhereOf(file_, table_), std::string("missing key '") + key + "'");
      return std::nullopt;
    }
    if (const auto* v = node->as_string()) {
      if (v->get().size() > kMaxStringBytes) {
        problems_.Add(WhereOf(file_, *node), TooLong(key, v->get().size()));
        return std::nullopt;
      }
      return v->get();
    }
    problems_.Add(WhereOf(file_, *node), std::string("'") + key + "' must be a string");
    return std::nullopt;
  }

  std::optional<bool> Bool(const char* key) {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (auto v = node->value<bool>()) return *v;
    problems_.Add(WhereOf(file_, *node), std::string("'") + key + "' must be true or false");
    return std::nullopt;
  }

  bool Has(const char* key) const { return table_.get(key) != nullptr; }

  // A float or an integer.
  std::optional<double> Number(const char* key) {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (const auto* f = node->as_floating_point()) return f->get();
    if (const auto* i = node->as_integer()) return static_cast<double>(i->get());
    problems_.Add(WhereOf(file_, *node), std::string("'") + key + "' must be a number");
    return std::nullopt;
  }

  std::optional<std::int64_t> Integer(const char* key) {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (auto v = node->value<std::int64_t>()) return *v;
    problems_.Add(WhereOf(file_, *node), std::string("'") + key + "' must be an integer");
    return std::nullopt;
  }

  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    const toml::node* node = table_.get(key);
    if (!node) return out;
    const toml::array* arr = node->as_array();
    if (!arr) {
      problems_.Add(WhereOf(file_, *node), std::string("'") + key + "' must be an array of strings");
      return out;
    }
    for (const auto& el : *arr) {
      if (const auto* v = el.as_string()) {
        if (v->get().size() > kMaxStringBytes) problems_.Add(WhereOf(file_, el), TooLong(key, v->get().size()));
        else out.push_back(v->get());
      } else {
        problems_.Add(WhereOf(file_, el), std::string("'") + key + "' must hold only strings");
      }
    }
    return out;
  }

  // Where each element of an array of strings is (nothing for a key that
  // is not one; Strings reports that).
  std::vector<Where> WheresOf(const char* key) const {
    std::vector<Where> out;
    const toml::node* node = table_.get(key);
    const toml::array* arr = node ? node->as_array() : nullptr;
    if (!arr) return out;
    for (const auto& el : *arr) {
      if (el.as_string() && el.as_string()->get().size() <= kMaxStringBytes) out.push_back(WhereOf(file_, el));
    }
    return out;
  }

  Where WhereOfKey(const char* key) const {
    const toml::node* node = table_.get(key);
    return node ? WhereOf(file_, *node) : WhereOf(file_, table_);
  }

 private:
  const std::string& file_;
  const toml::table& table_;
  Problems& problems_;
};

const toml::array* ArrayOfTables(const std::string& file, const toml::table& root, const char* key,
                                 Problems& problems) {
  const toml::node* node = root.get(key);
  if (!node) return nullptr;
  const toml::array* arr = node->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    problems.Add(WhereOf(file, *node), std::string("'") + key + "' must be written as [[" + key + "]] tables");
    return nullptr;
  }
  return arr;
}

// `[source.scrape]`: an empty table means "rules not written yet"; any rule
// given is compiled now, so a bad selector stops the load at its own column.
void ReadScrapeRules(const std::string& file, const toml::table& t, const std::string& id, Problems& problems,
                     ScrapeRules& rules) {
  TableReader r(file, t, problems,
                {"item", "xpath", "auto", "title", "link", "date", "summary", "author", "image", "date_format",
                 "date_lang", "date_group", "date_page", "title_pattern", "link_pattern", "date_pattern",
                 "summary_pattern", "author_pattern", "image_pattern", "follow", "content", "paginate",
                 "max_pages", "max_follow"});
  using R = ScrapeRules;
  static constexpr std::pair<const char*, std::string R::*> kStrings[] = {
      {"item", &R::item},       {"xpath", &R::xpath},         {"title", &R::title},
      {"link", &R::link},       {"date", &R::date},           {"summary", &R::summary},
      {"author", &R::author},   {"image", &R::image},         {"date_format", &R::date_format},
      {"date_lang", &R::date_lang}, {"content", &R::content}, {"paginate", &R::paginate},
      {"date_group", &R::date_group}, {"date_page", &R::date_page},
      {"title_pattern", &R::title_pattern}, {"link_pattern", &R::link_pattern},
      {"date_pattern", &R::date_pattern}, {"summary_pattern", &R::summary_pattern},
      {"author_pattern", &R::author_pattern}, {"image_pattern", &R::image_pattern},
  };
  for (const auto& [key, field] : kStrings) rules.*field = r.String(key, false).value_or("");
  rules.follow = r.Bool("follow").value_or(false);
  rules.auto_suggest = r.Bool("auto").value_or(false);
  if (auto n = r.Integer("max_pages")) rules.max_pages = static_cast<int>(std::clamp<std::int64_t>(*n, -1, 1000));
  if (auto n = r.Integer("max_follow")) rules.max_follow = static_cast<int>(std::clamp<std::int64_t>(*n, -1, 1000));
  const bool any = std::any_of(std::begin(kStrings), std::end(kStrings),
                               [&](const auto& f) { return !(rules.*f.second).empty(); }) ||
                   t.contains("follow") || t.contains("max_pages") || t.contains("max_follow") || t.contains("auto");
  if (!any) return;
  // Every bad selector, not only the first: each failing field is set
  // aside (blanked, or its number reset) and the rest compiled again.
  ScrapeRules rest = rules;
  std::set<std::string> reported;
  for (int round = 0; round < 20; ++round) {
    std::string field;
    std::size_t offset = 0;
    auto compiled = scrape::Rules::Compile(rest, &field, &offset);
    if (compiled.ok() || !reported.insert(field).second) return;
    Where where = r.WhereOfKey(field.c_str());
    // A selector's position inside its quoted value; the table's own
    // position when the problem is a missing key.
    if (t.contains(field) && t.get(field)->is_string()) where = PlaceInString(where, offset);
    problems.Add(where, "source '" + id + "': scrape " + compiled.error().message);
    const ScrapeRules defaults;
    if (field == "item" || field == "xpath") {
      if (rest.item.empty() == rest.xpath.empty()) return;  // neither, or both: nothing left to try
      (field == "item" ? rest.item : rest.xpath) = field == "item" ? "*" : "/*";
    } else if (field == "content") {
      rest.content.clear();
      rest.follow = false;
    } else if (field == "max_pages") {
      rest.max_pages = defaults.max_pages;
    } else if (field == "max_follow") {
      rest.max_follow = defaults.max_follow;
    } else {
      for (const auto& [key, member] : kStrings) {
        if (field == key) (rest.*member).clear();
      }
    }
  }
}

void ReadSource(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems,
                {"id", "name", "url", "every", "min_every", "max_every", "lang", "tags", "allow_private",
                 "scrape", "keep_days", "keep_min"});
  Source s;
  s.where = WhereOf(file, t);
  s.id = r.String("id", true).value_or("");
  if (!s.id.empty() && !IsValidId(s.id)) {
    problems.Add(r.WhereOfKey("id"), "source id '" + s.id + "' must match [a-z0-9-]+ (at most 64)");
  }
  s.name = r.String("name", false).value_or(s.id);
  s.url = r.String("url", true).value_or("");
  if (!s.url.empty() && !util::IsHttpUrl(s.url)) {
    problems.Add(r.WhereOfKey("url"), "source '" + s.id + "': url must be an http:// or https:// URL");
  }
  if (auto every = r.String("every", false)) {
    auto parsed = ParseInterval(*every);
    if (!parsed) problems.Add(r.WhereOfKey("every"), "source '" + s.id + "': " + parsed.error().message);
    else if (parsed.value() < std::chrono::seconds(1))
      problems.Add(r.WhereOfKey("every"), "source '" + s.id + "': every must be at least 1s");
    else s.every = parsed.value();
  }
  auto bound = [&](const char* key) -> std::chrono::seconds {
    auto text = r.String(key, false);
    if (!text) return {};
    auto parsed = ParseInterval(*text);
    if (!parsed) problems.Add(r.WhereOfKey(key), "source '" + s.id + "': " + parsed.error().message);
    else if (parsed.value() < std::chrono::seconds(1))
      problems.Add(r.WhereOfKey(key), "source '" + s.id + "': " + key + " must be at least 1s");
    else return parsed.value();
    return {};
  };
  s.min_every = bound("min_every");
  s.max_every = bound("max_every");
  if (s.min_every.count() == 0) s.min_every = std::min(s.every, s.max_every.count() ? s.max_every : s.every);
  if (s.max_every.count() == 0) s.max_every = std::max(s.every * 4, s.min_every);
  if (s.min_every > s.max_every) {
    problems.Add(r.WhereOfKey("min_every"), "source '" + s.id + "': min_every is above max_every");
  }
  s.lang = r.String("lang", false).value_or("");
  s.tags = r.Strings("tags");
  s.allow_private = r.Bool("allow_private").value_or(false);
  if (auto n = r.Integer("keep_days")) {
    if (*n < 1 || *n > 100000) problems.Add(r.WhereOfKey("keep_days"), "source '" + s.id + "': keep_days must be 1..100000");
    else s.keep_days = static_cast<int>(*n);
  }
  if (auto n = r.Integer("keep_min")) {
    if (*n < 0 || *n > 1000000) problems.Add(r.WhereOfKey("keep_min"), "source '" + s.id + "': keep_min must be 0..1000000");
    else s.keep_min = static_cast<int>(*n);
  }
  if (const toml::node* scrape = t.get("scrape")) {
    if (const toml::table* st = scrape->as_table()) {
      s.has_scrape = true;
      ReadScrapeRules(file, *st, s.id, problems, s.scrape);
    } else {
      problems.Add(WhereOf(file, *scrape), "'scrape' must be a table ([source.scrape])");
    }
  }
  out.sources.push_back(std::move(s));
}

// `model`, `model_threshold`, `model_rule`: checked here, trained by the
// app once the whole config is read.
void ReadTopicModel(TableReader& r, Topic& topic, Problems& problems) {
  const std::string name = "topic '" + topic.id + "': ";
  topic.model = r.String("model", false).value_or("");
  topic.model_where = r.WhereOfKey("model");
  topic.model_rule = r.String("model_rule", false).value_or("");
  topic.model_rule_where = r.WhereOfKey("model_rule");
  const bool has_threshold = r.Has("model_threshold");
  if (auto t = r.Number("model_threshold")) {
    if (!(*t > 0 && *t < 1)) problems.Add(r.WhereOfKey("model_threshold"), name + "model_threshold must be between 0 and 1");
    else topic.model_threshold = *t;
  }
  if (topic.model.empty()) {
    if (r.Has("model")) problems.Add(topic.model_where, name + "model must be \"confirm\" or \"propose\"");
    if (has_threshold) problems.Add(r.WhereOfKey("model_threshold"), name + "model_threshold without model");
    if (r.Has("model_rule")) problems.Add(topic.model_rule_where, name + "model_rule without model = \"propose\"");
    return;
  }
  if (topic.model != "confirm" && topic.model != "propose") {
    problems.Add(topic.model_where, name + "unknown model mode '" + ShownKey(topic.model) +
                                        "' (expected \"confirm\" or \"propose\")");
    return;
  }
  if (topic.match.empty()) {
    problems.Add(topic.model_where, name + "model needs a match rule: the model never decides alone");
  }
  if (topic.model == "confirm" && r.Has("model_rule")) {
    problems.Add(topic.model_rule_where, name + "model_rule is for model = \"propose\"; \"confirm\" checks the match rule");
  }
  if (topic.model == "propose" && topic.model_rule.empty()) {
    problems.Add(topic.model_where, name + "model = \"propose\" needs model_rule, the looser rule that must confirm "
                                           "what the model proposes");
  }
}

void ReadTopic(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems,
                {"id", "title", "match", "sources", "tags", "exclude_sources", "exclude_tags", "dedup", "model",
                 "model_threshold", "model_rule"});
  Topic topic;
  topic.where = WhereOf(file, t);
  topic.id = r.String("id", true).value_or("");
  if (!topic.id.empty() && !IsValidId(topic.id)) {
    problems.Add(r.WhereOfKey("id"), "topic id '" + topic.id + "' must match [a-z0-9-]+ (at most 64)");
  }
  topic.title = r.String("title", false).value_or(topic.id);
  topic.sources = r.Strings("sources");
  topic.tags = r.Strings("tags");
  topic.exclude_sources = r.Strings("exclude_sources");
  topic.exclude_tags = r.Strings("exclude_tags");
  topic.dedup = r.Bool("dedup").value_or(true);
  // A topic made only of whole sources or tags needs no rule.
  const bool by_list = !topic.sources.empty() || !topic.tags.empty();
  topic.match = r.String("match", !by_list).value_or("");
  topic.match_where = r.WhereOfKey("match");
  ReadTopicModel(r, topic, problems);
  out.topics.push_back(std::move(topic));
}

void ReadConcept(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems, {"id", "terms"});
  Concept term_list;
  term_list.where = WhereOf(file, t);
  term_list.id = r.String("id", true).value_or("");
  if (!term_list.id.empty() && !IsValidId(term_list.id)) {
    problems.Add(r.WhereOfKey("id"), "concept id '" + term_list.id + "' must match [a-z0-9-]+ (at most 64)");
  }
  if (!t.get("terms")) problems.Add(term_list.where, "missing key 'terms'");
  term_list.terms = r.Strings("terms");
  term_list.term_wheres = r.WheresOf("terms");
  out.concepts.push_back(std::move(term_list));
}

void ReadSettings(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems,
                {"user_agent", "feed_entries", "allow_private", "public_url", "max_concurrency", "per_host",
                 "host_delay", "proxy", "connect_timeout", "timeout", "low_speed_time", "max_body",
                 "max_redirects", "publish_dir", "external_hub", "keep_days", "keep_min", "control_token",
                 "topic_training"});
  if (auto ua = r.String("user_agent", false)) {
    const bool printable = !ua->empty() && ua->size() <= 256 &&
                           std::none_of(ua->begin(), ua->end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
    if (!printable) problems.Add(r.WhereOfKey("user_agent"), "user_agent must be 1..256 printable characters");
    else out.settings.user_agent = *ua;
  }
  auto count = [&](const char* key, std::int64_t lo, std::int64_t hi, auto& field) {
    if (auto n = r.Integer(key)) {
      if (*n < lo || *n > hi)
        problems.Add(r.WhereOfKey(key), std::string(key) + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
      else field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
    }
  };
  count("max_concurrency", 1, 1024, out.settings.max_concurrency);
  count("per_host", 1, 64, out.settings.per_host);
  count("max_body", 1024, std::int64_t{1} << 30, out.settings.max_body);
  count("max_redirects", 0, 20, out.settings.max_redirects);
  auto duration = [&](const char* key, std::chrono::seconds lo, std::chrono::seconds& field) {
    auto text = r.String(key, false);
    if (!text) return;
    auto parsed = ParseInterval(*text);
    if (!parsed) problems.Add(r.WhereOfKey(key), std::string(key) + ": " + parsed.error().message);
    else if (parsed.value() < lo || parsed.value() > std::chrono::hours(1))
      problems.Add(r.WhereOfKey(key), std::string(key) + " must be " + std::to_string(lo.count()) + "s..1h");
    else field = parsed.value();
  };
  duration("host_delay", std::chrono::seconds(0), out.settings.host_delay);
  duration("connect_timeout", std::chrono::seconds(1), out.settings.connect_timeout);
  duration("timeout", std::chrono::seconds(1), out.settings.timeout);
  duration("low_speed_time", std::chrono::seconds(1), out.settings.low_speed_time);
  if (auto proxy = r.String("proxy", false)) {
    const std::string lower = [&] {
      std::string l = proxy->substr(0, 10);
      std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
      return l;
    }();
    const bool known = util::IsHttpUrl(*proxy) || lower.rfind("socks5://", 0) == 0 || lower.rfind("socks5h://", 0) == 0;
    if (!proxy->empty() && !known)
      problems.Add(r.WhereOfKey("proxy"), "proxy must be an http://, https://, socks5:// or socks5h:// URL");
    else out.settings.proxy = *proxy;
  }
  if (auto n = r.Integer("keep_days")) {
    if (*n < 1 || *n > 100000) problems.Add(r.WhereOfKey("keep_days"), "keep_days must be 1..100000");
    else out.settings.keep_days = static_cast<int>(*n);
  }
  if (auto n = r.Integer("keep_min")) {
    if (*n < 0 || *n > 1000000) problems.Add(r.WhereOfKey("keep_min"), "keep_min must be 0..1000000");
    else out.settings.keep_min = static_cast<int>(*n);
  }
  if (auto n = r.Integer("feed_entries")) {
    if (*n < 1 || *n > 1000) problems.Add(r.WhereOfKey("feed_entries"), "feed_entries must be 1..1000");
    else out.settings.feed_entries = static_cast<int>(*n);
  }
  if (auto p = r.Bool("allow_private")) out.settings.allow_private = *p;
  if (auto url = r.String("public_url", false)) {
    if (!util::IsHttpUrl(*url)) problems.Add(r.WhereOfKey("public_url"), "public_url must be an http:// or https:// URL");
    else out.settings.public_url = url->substr(0, url->find_last_not_of('/') + 1);
  }
  if (auto dir = r.String("publish_dir", false)) {
    if (dir->empty() || dir->find('\0') != std::string::npos) {
      problems.Add(r.WhereOfKey("publish_dir"), "publish_dir must be a directory path");
    } else {
      out.settings.publish_dir = *dir;
    }
  }
  if (auto token = r.String("control_token", false)) {
    // A bearer token (RFC 6750 token68 characters), long enough not to guess.
    const bool token68 = std::all_of(token->begin(), token->end(), [](unsigned char c) {
      return std::isalnum(c) || std::strchr("-._~+/=", c) != nullptr;
    });
    if (token->size() < 16 || token->size() > 256 || !token68)
      problems.Add(r.WhereOfKey("control_token"),
                   "control_token must be 16..256 characters of A-Z a-z 0-9 - . _ ~ + / = (e.g. openssl rand -hex 24)");
    else out.settings.control_token = *token;
  }
  if (auto training = r.String("topic_training", false)) {
    if (training->empty() || training->find('\0') != std::string::npos) {
      problems.Add(r.WhereOfKey("topic_training"), "topic_training must be a file path");
    } else {
      out.settings.topic_training = *training;
      out.settings.topic_training_where = r.WhereOfKey("topic_training");
    }
  }
  if (auto hub = r.String("external_hub", false)) {
    if (!util::IsHttpUrl(*hub)) problems.Add(r.WhereOfKey("external_hub"), "external_hub must be an http:// or https:// URL");
    else out.settings.external_hub = *hub;
  }
}

void ReadFile(const std::string& file, Problems& problems, Catalog& out, bool& saw_settings) {
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    const toml::source_region& r = e.source();
    problems.Add(Where{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)},
                 std::string(e.description()));
    return;
  }
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "source" && k != "topic" && k != "concept" && k != "redwire") {
      problems.Add(WhereOfKeyText(file, key, node),
                   "unknown key '" + ShownKey(k) + "' (expected [[source]], [[topic]], [[concept]] or [redwire])");
    }
  }
  if (const toml::array* sources = ArrayOfTables(file, root, "source", problems)) {
    for (const auto& n : *sources) ReadSource(file, *n.as_table(), problems, out);
  }
  if (const toml::array* topics = ArrayOfTables(file, root, "topic", problems)) {
    for (const auto& n : *topics) ReadTopic(file, *n.as_table(), problems, out);
  }
  if (const toml::array* concepts = ArrayOfTables(file, root, "concept", problems)) {
    for (const auto& n : *concepts) ReadConcept(file, *n.as_table(), problems, out);
  }
  if (const toml::node* settings = root.get("redwire")) {
    if (saw_settings) {
      problems.Add(WhereOf(file, *settings), "[redwire] settings appear in more than one file");
    } else if (const toml::table* st = settings->as_table()) {
      saw_settings = true;
      ReadSettings(file, *st, problems, out);
    } else {
      problems.Add(WhereOf(file, *settings), "'redwire' must be a table");
    }
  }
}

template <typename T>
void CheckUnique(const std::vector<T>& things, const char* what, Problems& problems) {
  std::map<std::string, const T*> seen;
  for (const T& t : things) {
    if (t.id.empty()) continue;
    auto [it, fresh] = seen.emplace(t.id, &t);
    if (!fresh) {
      problems.Add(t.where, std::string("duplicate ") + what + " id '" + t.id + "', first defined at " +
                                it->second->where.str());
    }
  }
}

// A misspelt source id in a topic would silently take or refuse nothing.
void CheckTopicSources(const Catalog& catalog, Problems& problems) {
  std::set<std::string> ids;
  for (const auto& s : catalog.sources) ids.insert(s.id);
  for (const auto& t : catalog.topics) {
    for (const auto* list : {&t.sources, &t.exclude_sources}) {
      for (const auto& id : *list) {
        if (!ids.count(id)) problems.Add(t.where, "topic '" + t.id + "': unknown source '" + id + "'");
      }
    }
  }
}

}  // namespace

std::string Where::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Result<std::chrono::seconds> ParseInterval(const std::string& text) {
  if (text.empty()) return Error{"empty interval", ErrorCode::kInvalidArgument};
  std::chrono::seconds total{0};
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits_end = i;
    while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) ++digits_end;
    if (digits_end == i || digits_end == text.size() || digits_end - i > 9) {
      return Error{"bad interval '" + text + "' (use e.g. 90s, 30m, 2h, 1d or 1h30m)", ErrorCode::kInvalidArgument};
    }
    const long long n = std::stoll(text.substr(i, digits_end - i));
    switch (text[digits_end]) {
      case 's': total += std::chrono::seconds(n); break;
      case 'm': total += std::chrono::minutes(n); break;
      case 'h': total += std::chrono::hours(n); break;
      case 'd': total += std::chrono::hours(24 * n); break;
      default: return Error{"bad interval '" + text + "' (use e.g. 90s, 30m, 2h, 1d or 1h30m)", ErrorCode::kInvalidArgument};
    }
    i = digits_end + 1;
  }
  return total;
}

CatalogRead ReadCatalog(const std::string& dir) {
  CatalogRead read;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    read.problems.push_back({Where{"config: " + dir}, "not a directory"});
    return read;
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml" && entry.is_regular_file()) files.push_back(entry.path().string());
  }
  if (ec) {
    read.problems.push_back({Where{"config: " + dir}, "cannot list: " + ec.message()});
    return read;
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    read.problems.push_back({Where{"config: " + dir}, "no *.toml files"});
    return read;
  }
  Problems problems;
  bool saw_settings = false;
  for (const auto& file : files) ReadFile(file, problems, read.catalog, saw_settings);
  CheckUnique(read.catalog.sources, "source", problems);
  CheckUnique(read.catalog.topics, "topic", problems);
  CheckUnique(read.catalog.concepts, "concept", problems);
  CheckTopicSources(read.catalog, problems);
  read.problems = problems.Take();
  return read;
}

void SortProblems(std::vector<Problem>& problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
}

Result<Catalog> LoadCatalog(const std::string& dir) {
  CatalogRead read = ReadCatalog(dir);
  if (read.problems.empty()) return std::move(read.catalog);
  SortProblems(read.problems);
  std::string joined;
  for (const auto& p : read.problems) joined += (joined.empty() ? "" : "\n") + p.str();
  const Where& first = read.problems.front().where;
  return Error{joined, ErrorCode::kInvalidArgument, first.file, first.line, first.column};
}

std::string Problem::str() const { return where.str() + ": " + message; }

Where PlaceOfColumn(const Where& value, const std::string& text, int column) {
  if (column <= 0) return value;
  std::size_t byte = 0;
  for (int c = 1; c < column && byte < text.size(); ++c) {
    ++byte;
    while (byte < text.size() && (static_cast<unsigned char>(text[byte]) & 0xC0) == 0x80) ++byte;
  }
  return PlaceInString(value, byte);
}

Where PlaceInString(const Where& value, std::size_t offset) {
  Where fallback = value;
  fallback.column += 1 + static_cast<int>(offset);
  std::ifstream in(value.file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // To the value's line, then its column (characters, as toml++ counts).
  std::size_t p = 0;
  for (int line = 1; line < value.line && p < text.size(); ++p) {
    if (text[p] == '\n') ++line;
  }
  auto is_lead = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
  for (int column = 1; column < value.column && p < text.size(); ++column) {
    ++p;
    while (p < text.size() && !is_lead(text[p])) ++p;
  }
  const std::string_view rest = std::string_view(text).substr(std::min(p, text.size()));
  const bool literal = !rest.empty() && rest[0] == '\'';
  if (rest.empty() || (rest[0] != '"' && !literal)) return fallback;
  const bool multi = rest.substr(0, 3) == "'\'\'" || rest.substr(0, 3) == "\"\"\"";
  Where at = value;
  std::size_t i = multi ? 3 : 1;
  at.column += static_cast<int>(i);
  auto newline = [&](std::size_t& k) {
    if (rest.substr(k, 2) == "\r\n") k += 2;
    else if (k < rest.size() && rest[k] == '\n') k += 1;
    else return false;
    ++at.line;
    at.column = 1;
    return true;
  };
  // A newline right after the opening delimiter is not part of the text.
  if (multi) newline(i);
  // Advances over one raw character; counts the column.
  auto step = [&](std::size_t& k) {
    if (newline(k)) return;
    ++k;
    while (k < rest.size() && !is_lead(rest[k])) ++k;
    ++at.column;
  };
  std::size_t consumed = 0;  // bytes of the value's text before rest[i]
  while (consumed < offset && i < rest.size()) {
    if (literal || rest[i] != '\\') {
      const std::size_t before = i;
      step(i);
      consumed += i - before;  // a CRLF counts as the two bytes it is in the text too
      continue;
    }
    const char e = i + 1 < rest.size() ? rest[i + 1] : '\0';
    if (e == 'u' || e == 'U') {
      const std::size_t digits = e == 'u' ? 4 : 8;
      const unsigned long cp = std::strtoul(std::string(rest.substr(i + 2, digits)).c_str(), nullptr, 16);
      consumed += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += 2 + digits;
      at.column += static_cast<int>(2 + digits);
    } else if (multi && (e == ' ' || e == '\t' || e == '\r' || e == '\n')) {
      // A line-ending backslash: it and the blank space after it vanish.
      i += 1;
      ++at.column;
      while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\r' || rest[i] == '\n')) step(i);
    } else {
      consumed += 1;
      i += 2;
      at.column += 2;
    }
  }
  return at;
}

}  // namespace redwire::config
