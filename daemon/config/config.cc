#include "daemon/config/config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include <toml++/toml.h>

namespace redwire::config {
namespace {

namespace fs = std::filesystem;

// Collects every problem in a load, so the operator sees all of them at once.
class Problems {
 public:
  void Add(const Where& where, const std::string& message) {
    lines_.push_back(where.str() + ": " + message);
  }
  bool empty() const { return lines_.empty(); }
  std::string Joined() const {
    std::string out;
    for (const auto& l : lines_) {
      if (!out.empty()) out += '\n';
      out += l;
    }
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

Where WhereOf(const std::string& file, const toml::node& node) {
  const toml::source_region& r = node.source();
  return Where{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsHttpUrl(const std::string& url) {
  auto lower = url.substr(0, 8);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::size_t host_at = 0;
  if (lower.rfind("http://", 0) == 0) host_at = 7;
  else if (lower.rfind("https://", 0) == 0) host_at = 8;
  else return false;
  return url.size() > host_at && url[host_at] != '/' &&
         url.find_first_of(" \t\r\n") == std::string::npos;
}

// Reads one table with a fixed set of keys; every other key is an error.
class TableReader {
 public:
  TableReader(const std::string& file, const toml::table& table, Problems& problems,
              std::set<std::string> known)
      : file_(file), table_(table), problems_(problems) {
    for (const auto& [key, node] : table_) {
      if (!known.count(std::string(key.str()))) {
        problems_.Add(WhereOf(file_, node), "unknown key '" + std::string(key.str()) + "'");
      }
    }
  }

  std::optional<std::string> String(const char* key, bool required) {
    const toml::node* node = table_.get(key);
    if (!node) {
      if (required) problems_.Add(WhereOf(file_, table_), std::string("missing key '") + key + "'");
      return std::nullopt;
    }
    if (auto v = node->value<std::string>()) return *v;
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
      if (auto v = el.value<std::string>()) out.push_back(*v);
      else problems_.Add(WhereOf(file_, el), std::string("'") + key + "' must hold only strings");
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

void ReadSource(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems,
                {"id", "name", "url", "every", "lang", "tags", "allow_private", "scrape"});
  Source s;
  s.where = WhereOf(file, t);
  s.id = r.String("id", true).value_or("");
  if (!s.id.empty() && !IsValidId(s.id)) {
    problems.Add(r.WhereOfKey("id"), "source id '" + s.id + "' must match [a-z0-9-]+ (at most 64)");
  }
  s.name = r.String("name", false).value_or(s.id);
  s.url = r.String("url", true).value_or("");
  if (!s.url.empty() && !IsHttpUrl(s.url)) {
    problems.Add(r.WhereOfKey("url"), "source '" + s.id + "': url must be an http:// or https:// URL");
  }
  if (auto every = r.String("every", false)) {
    auto parsed = ParseInterval(*every);
    if (!parsed) problems.Add(r.WhereOfKey("every"), "source '" + s.id + "': " + parsed.error().message);
    else if (parsed.value() < std::chrono::seconds(1))
      problems.Add(r.WhereOfKey("every"), "source '" + s.id + "': every must be at least 1s");
    else s.every = parsed.value();
  }
  s.lang = r.String("lang", false).value_or("");
  s.tags = r.Strings("tags");
  s.allow_private = r.Bool("allow_private").value_or(false);
  if (const toml::node* scrape = t.get("scrape")) {
    if (const toml::table* st = scrape->as_table()) {
      TableReader sr(file, *st, problems, {"item", "title", "link", "date", "summary"});
      s.has_scrape = true;
      s.scrape.item = sr.String("item", false).value_or("");
      s.scrape.title = sr.String("title", false).value_or("");
      s.scrape.link = sr.String("link", false).value_or("");
      s.scrape.date = sr.String("date", false).value_or("");
      s.scrape.summary = sr.String("summary", false).value_or("");
    } else {
      problems.Add(WhereOf(file, *scrape), "'scrape' must be a table ([source.scrape])");
    }
  }
  out.sources.push_back(std::move(s));
}

void ReadTopic(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems, {"id", "title", "match"});
  Topic topic;
  topic.where = WhereOf(file, t);
  topic.id = r.String("id", true).value_or("");
  if (!topic.id.empty() && !IsValidId(topic.id)) {
    problems.Add(r.WhereOfKey("id"), "topic id '" + topic.id + "' must match [a-z0-9-]+ (at most 64)");
  }
  topic.title = r.String("title", false).value_or(topic.id);
  topic.match = r.String("match", true).value_or("");
  topic.match_where = r.WhereOfKey("match");
  out.topics.push_back(std::move(topic));
}

void ReadSettings(const std::string& file, const toml::table& t, Problems& problems, Catalog& out) {
  TableReader r(file, t, problems, {"user_agent", "feed_entries", "allow_private", "public_url"});
  if (auto ua = r.String("user_agent", false)) out.settings.user_agent = *ua;
  if (auto n = r.Integer("feed_entries")) {
    if (*n < 1 || *n > 1000) problems.Add(r.WhereOfKey("feed_entries"), "feed_entries must be 1..1000");
    else out.settings.feed_entries = static_cast<int>(*n);
  }
  if (auto p = r.Bool("allow_private")) out.settings.allow_private = *p;
  if (auto url = r.String("public_url", false)) {
    if (!IsHttpUrl(*url)) problems.Add(r.WhereOfKey("public_url"), "public_url must be an http:// or https:// URL");
    else out.settings.public_url = url->substr(0, url->find_last_not_of('/') + 1);
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
    if (k != "source" && k != "topic" && k != "redwire") {
      problems.Add(WhereOf(file, node), "unknown key '" + k + "' (expected [[source]], [[topic]] or [redwire])");
    }
  }
  if (const toml::array* sources = ArrayOfTables(file, root, "source", problems)) {
    for (const auto& n : *sources) ReadSource(file, *n.as_table(), problems, out);
  }
  if (const toml::array* topics = ArrayOfTables(file, root, "topic", problems)) {
    for (const auto& n : *topics) ReadTopic(file, *n.as_table(), problems, out);
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

}  // namespace

std::string Where::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Result<std::chrono::seconds> ParseInterval(const std::string& text) {
  if (text.empty()) return Error{"empty interval"};
  std::chrono::seconds total{0};
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits_end = i;
    while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) ++digits_end;
    if (digits_end == i || digits_end == text.size() || digits_end - i > 9) {
      return Error{"bad interval '" + text + "' (use e.g. 90s, 30m, 2h, 1d or 1h30m)"};
    }
    const long long n = std::stoll(text.substr(i, digits_end - i));
    switch (text[digits_end]) {
      case 's': total += std::chrono::seconds(n); break;
      case 'm': total += std::chrono::minutes(n); break;
      case 'h': total += std::chrono::hours(n); break;
      case 'd': total += std::chrono::hours(24 * n); break;
      default: return Error{"bad interval '" + text + "' (use e.g. 90s, 30m, 2h, 1d or 1h30m)"};
    }
    i = digits_end + 1;
  }
  return total;
}

Result<Catalog> LoadCatalog(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{"config: " + dir + " is not a directory"};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml" && entry.is_regular_file()) files.push_back(entry.path().string());
  }
  if (ec) return Error{"config: cannot list " + dir + ": " + ec.message()};
  std::sort(files.begin(), files.end());
  if (files.empty()) return Error{"config: no *.toml files in " + dir};

  Catalog catalog;
  Problems problems;
  bool saw_settings = false;
  for (const auto& file : files) ReadFile(file, problems, catalog, saw_settings);
  CheckUnique(catalog.sources, "source", problems);
  CheckUnique(catalog.topics, "topic", problems);
  if (!problems.empty()) return Error{problems.Joined()};
  return catalog;
}

}  // namespace redwire::config
