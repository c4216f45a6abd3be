#include "daemon/cli/scrape_cli.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <asio/io_context.hpp>
#include <spdlog/fmt/fmt.h>

#include "daemon/live/live.h"
#include "daemon/find/feed_finder.h"
#include "daemon/fetch/fetcher.h"
#include "daemon/parse/parse.h"
#include "daemon/scrape/suggest.h"
#include "model/json.h"

namespace redwire::app {
namespace {

// A saved FILE without --url still needs some base for its relative links.
constexpr const char* kFileBase = "http://localhost/";
constexpr std::size_t kTitleColumn = 60;
constexpr std::size_t kSuggestions = 5;
constexpr std::size_t kItemsOfOtherLists = 3;  // the best list shows all its items

bool IsHttp(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

constexpr const char* kPrivateHint = "give --allow-private to fetch from loopback and private addresses";

// One GET, run to completion on `io`: the command line has no loop of its own.
Result<fetch::Response> FetchWith(fetch::Fetcher& fetcher, asio::io_context& io, const std::string& url,
                                  bool allow_private) {
  fetch::Response response;
  fetch::Request request;
  request.source_id = "cli";
  request.url = url;
  request.allow_private = allow_private;
  fetcher.Fetch(std::move(request), [&response](fetch::Response r) { response = std::move(r); });
  io.restart();
  io.run();
  if (response.outcome != fetch::Outcome::kOk) {
    std::string why = url + ": " + (response.error.empty() ? fetch::OutcomeName(response.outcome) : response.error);
    if (response.outcome == fetch::Outcome::kBlockedAddress && !allow_private) why += std::string(" (") + kPrivateHint + ")";
    return Error{why};
  }
  if (response.final_url.empty()) response.final_url = url;
  return response;
}

Result<fetch::Response> FetchOnce(const std::string& url, bool allow_private, const std::string& user_agent) {
  asio::io_context io;
  fetch::Options options;
  if (!user_agent.empty()) options.user_agent = user_agent;
  fetch::Fetcher fetcher(io, options);
  return FetchWith(fetcher, io, url, allow_private);
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error{path + ": " + ec.message()};
  if (size > scrape::kMaxPageBytes) return Error{path + ": larger than the page limit"};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) return Error{path + ": cannot read"};
  return s.str();
}

std::string Utc(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// Cuts at a code point boundary, counting code points.
std::string Column(const std::string& s, std::size_t width) {
  std::size_t points = 0, i = 0;
  while (i < s.size() && points < width) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++points;
  }
  std::string out = s.substr(0, i);
  if (i < s.size()) out += "…";
  else out.append(width - points, ' ');
  return out;
}

void Override(std::string& into, const std::string& given) {
  if (!given.empty()) into = given;
}

std::string ItemsJson(const std::vector<Item>& items, const std::vector<std::string>* follow_notes) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    if (i) out += ',';
    out += "\n{\"id\":" + JsonString(it.id) + ",\"title\":" + JsonString(it.title) +
           ",\"link\":" + JsonString(it.link) + ",\"published\":" + std::to_string(it.published) +
           ",\"date_is_first_seen\":" + (it.date_is_first_seen ? "true" : "false") +
           ",\"author\":" + JsonString(it.author) + ",\"summary\":" + JsonString(it.summary) +
           ",\"summary_text\":" + JsonString(it.summary_text) +
           ",\"image\":" + JsonString(it.enclosures.empty() ? "" : it.enclosures.front().url) +
           ",\"content_text\":" + JsonString(it.content_text);
    if (follow_notes && !(*follow_notes)[i].empty()) out += ",\"follow_error\":" + JsonString((*follow_notes)[i]);
    out += "}";
  }
  return out + "]";
}

std::string ItemRow(std::size_t n, const Item& it) {
  return fmt::format("{:>3}  {:<16}  {}  {}\n", n, it.date_is_first_seen ? "-" : Utc(it.published),
                     Column(it.title, kTitleColumn), it.link.empty() ? "(no link: " + it.id + ")" : it.link);
}

std::string ItemHeader() {
  return fmt::format("{:>3}  {:<16}  {}  {}\n", "#", "date (UTC)", Column("title", kTitleColumn), "link");
}

// `redwire scrape --suggest`: the candidate lists, best first.
ScrapeReport SuggestReport(const std::vector<scrape::Suggestion>& found, const std::string& page_url,
                           const std::string& title, bool json) {
  ScrapeReport report;
  report.items = found.empty() ? 0 : static_cast<int>(found.front().extraction.items.size());
  std::string& out = report.text;
  if (json) {
    out = "{\"url\":" + JsonString(page_url) + ",\"title\":" + JsonString(title) + ",\"lists\":[";
    for (std::size_t i = 0; i < found.size(); ++i) {
      const scrape::Suggestion& s = found[i];
      out += (i ? ",\n" : "\n") + std::string("{\"rank\":") + std::to_string(i + 1) +
             ",\"where\":" + JsonString(s.where) + ",\"blocks\":" + std::to_string(s.blocks) +
             ",\"score\":" + fmt::format("{:.2f}", s.score) + ",\"toml\":" + JsonString(scrape::RulesToml(s.rules)) +
             ",\"item\":" + JsonString(s.rules.item) + ",\"items\":" + ItemsJson(s.extraction.items, nullptr) +
             ",\"warnings\":[";
      for (std::size_t w = 0; w < s.extraction.warnings.size(); ++w) {
        out += (w ? "," : "") + JsonString(s.extraction.warnings[w]);
      }
      out += "]}";
    }
    out += "]}\n";
    return report;
  }
  out += fmt::format("{}  {}\n\n", page_url, title);
  if (found.empty()) {
    out += "no news list found: no block repeated 3 or more times holds one article link each;\n"
           "write the rules by hand (--item SEL ...)\n";
    return report;
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    const scrape::Suggestion& s = found[i];
    const auto& items = s.extraction.items;
    const std::size_t dated = std::count_if(items.begin(), items.end(), [](const Item& it) { return !it.date_is_first_seen; });
    out += fmt::format("list {} of {}: {} ({} items, {} dated, score {:.1f}){}\n\n", i + 1, found.size(), s.where,
                       items.size(), dated, s.score, i == 0 ? "  <- best" : "");
    out += scrape::RulesToml(s.rules) + "\n";
    out += ItemHeader();
    const std::size_t shown = i == 0 ? items.size() : std::min(items.size(), kItemsOfOtherLists);
    for (std::size_t k = 0; k < shown; ++k) out += ItemRow(k + 1, items[k]);
    if (shown < items.size()) out += fmt::format("     ... {} more\n", items.size() - shown);
    for (const auto& w : s.extraction.warnings) out += "warning: " + w + "\n";
    out += "\n";
  }
  out += "paste the [source.scrape] table of the list you want under its [[source]] in feeds/*.toml,\n"
         "or set auto = true there to use the best list on every poll\n";
  return report;
}

}  // namespace

Result<ScrapeReport> ScrapePage(const ScrapeOptions& options) {
  scrape::RuleText text;
  std::string page_url = options.page_url;
  std::string target = options.target;
  std::string lang;
  std::string user_agent;
  bool allow_private = options.allow_private;
  if (!options.source_id.empty()) {
    if (options.config_dir.empty()) return Error{"--source needs --config DIR"};
    auto config = LoadConfig(options.config_dir);
    if (!config.ok()) return config.error();
    const config::Source* source = config.value()->source(options.source_id);
    if (!source) return Error{"no source '" + options.source_id + "' in " + options.config_dir};
    // A feed source's page can be tried too (its rules from the flags or
    // --suggest), to see what scraping it would give.
    if (source->has_scrape) text = source->scrape;
    lang = source->lang;
    user_agent = config.value()->catalog.settings.user_agent;
    allow_private = allow_private || source->allow_private || config.value()->catalog.settings.allow_private;
    if (target.empty()) target = source->url;
    if (page_url.empty()) page_url = source->url;
  }
  const scrape::RuleText& given = options.rules;
  if (!given.xpath.empty()) text.item.clear();
  if (!given.item.empty()) text.xpath.clear();
  Override(text.item, given.item);
  Override(text.xpath, given.xpath);
  Override(text.title, given.title);
  Override(text.link, given.link);
  Override(text.date, given.date);
  Override(text.summary, given.summary);
  Override(text.author, given.author);
  Override(text.image, given.image);
  Override(text.date_format, given.date_format);
  Override(text.date_lang, given.date_lang);
  Override(text.content, given.content);
  Override(text.paginate, given.paginate);
  text.follow = text.follow || given.follow;
  if (given.max_follow != scrape::RuleText{}.max_follow) text.max_follow = given.max_follow;
  Override(text.date_group, given.date_group);
  Override(text.date_page, given.date_page);
  Override(text.title_pattern, given.title_pattern);
  Override(text.link_pattern, given.link_pattern);
  Override(text.date_pattern, given.date_pattern);
  if (!given.item.empty() || !given.xpath.empty()) text.auto_suggest = false;
  if (target.empty()) return Error{"give a URL or FILE (or --source ID --config DIR)"};
  if (!options.suggest && !scrape::HasRules(text)) {
    return Error{options.source_id.empty()
                     ? "give rules (--item SEL or --xpath EXPR) or --suggest"
                     : "source '" + options.source_id + "' has no scrape rules: give --item SEL or --suggest"};
  }
  Result<scrape::Rules> rules = Error{"no rules"};
  if (!options.suggest) {
    rules = scrape::Rules::Compile(text);
    if (!rules.ok()) return Error{"rules: " + rules.error().message};
  }

  std::string body;
  std::string content_type;
  if (IsHttp(target)) {
    auto response = FetchOnce(target, allow_private, user_agent);
    if (!response.ok()) return response.error();
    body = std::move(response->body);
    content_type = std::move(response->content_type);
    page_url = response->final_url;
  } else {
    auto file = ReadFile(target);
    if (!file.ok()) return file.error();
    body = std::move(file.value());
    if (page_url.empty()) page_url = kFileBase;
  }
  const UnixTime now = options.now ? options.now
                                   : std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch()).count();
  const scrape::Page page{options.source_id, page_url, lang, now, content_type};
  if (options.suggest) {
    auto found = scrape::Suggest(body, page, kSuggestions);
    if (!found.ok()) return Error{target + ": " + found.error().message};
    const std::string title = found->empty() ? "" : found->front().extraction.meta.title;
    return SuggestReport(found.value(), page_url, title, options.json);
  }
  auto extracted = scrape::Extract(body, rules.value(), page);
  if (!extracted.ok()) return Error{target + ": " + extracted.error().message};
  scrape::Extraction& x = extracted.value();

  // Item pages, as the daemon would fetch them for new items.
  std::vector<std::string> follow_notes(x.items.size());
  if (rules->follows()) {
    const std::size_t limit = std::min<std::size_t>(x.items.size(), static_cast<std::size_t>(text.max_follow));
    for (std::size_t i = 0; i < limit; ++i) {
      Item& item = x.items[i];
      if (item.link.empty()) continue;
      auto page = FetchOnce(item.link, allow_private, user_agent);
      if (!page.ok()) {
        follow_notes[i] = page.error().message;
        continue;
      }
      auto content = scrape::ExtractContent(page->body, rules.value(), page->final_url, page->content_type);
      if (!content.ok()) {
        follow_notes[i] = content.error().message;
        continue;
      }
      item.content = std::move(content->html);
      item.content_text = std::move(content->text);
    }
  }

  ScrapeReport report;
  report.items = static_cast<int>(x.items.size());
  std::string& out = report.text;
  if (options.json) {
    out += "{\"url\":" + JsonString(page_url) + ",\"title\":" + JsonString(x.meta.title) +
           ",\"items\":" + ItemsJson(x.items, &follow_notes);
    out += ",\n\"matched\":" + std::to_string(x.matched) + ",\"collapsed\":" + std::to_string(x.collapsed) +
           ",\"undated\":" + std::to_string(x.undated) + ",\"bad_dates\":" + std::to_string(x.bad_dates) +
           ",\"next_page\":" + JsonString(x.next_page) + ",\"encoding\":" + JsonString(x.encoding) +
           ",\"picked\":" + JsonString(x.picked) +
           ",\"warnings\":[";
    for (std::size_t i = 0; i < x.warnings.size(); ++i) out += (i ? "," : "") + JsonString(x.warnings[i]);
    out += "]}\n";
    return report;
  }
  out += fmt::format("{}  {}\n", page_url, x.meta.title);
  out += x.encoding == "utf-8" ? "\n" : fmt::format("(read as {})\n\n", x.encoding);
  if (!x.picked.empty()) out += "auto: the list picked is '" + x.picked + "'\n\n";
  out += ItemHeader();
  for (std::size_t i = 0; i < x.items.size(); ++i) {
    const Item& it = x.items[i];
    out += ItemRow(i + 1, it);
    if (rules->follows() && i < static_cast<std::size_t>(text.max_follow)) {
      out += follow_notes[i].empty() ? fmt::format("     content: {} characters\n", it.content_text.size())
                                     : fmt::format("     content: {}\n", follow_notes[i]);
    }
  }
  out += fmt::format("\n{} items ({} matched, {} repeated collapsed); {} without a date, {} dates unparsed\n",
                     x.items.size(), x.matched, x.collapsed, x.undated, x.bad_dates);
  if (!x.next_page.empty()) out += "next page: " + x.next_page + "\n";
  if (page_url == kFileBase) out += std::string("note: relative links resolved against ") + kFileBase + " (give --url)\n";
  for (const auto& w : x.warnings) out += "warning: " + w + "\n";
  return report;
}

Result<DiscoverReport> DiscoverPage(const DiscoverOptions& options) {
  std::string body, content_type, page_url = options.page_url;
  asio::io_context io;
  fetch::Fetcher fetcher(io, fetch::Options{});
  const bool from_file = !IsHttp(options.target);
  if (from_file) {
    auto file = ReadFile(options.target);
    if (!file.ok()) return file.error();
    body = std::move(file.value());
  } else {
    auto response = FetchWith(fetcher, io, options.target, options.allow_private);
    if (!response.ok()) return response.error();
    body = std::move(response->body);
    content_type = std::move(response->content_type);
    page_url = response->final_url;
  }
  DiscoverReport report;
  std::string& out = report.text;
  const std::string shown = from_file ? options.target : page_url;
  auto itself = parse::ParseFeed(body, parse::Context{"cli", page_url.empty() ? kFileBase : page_url, content_type, 0});
  if (itself.ok()) {
    report.feeds = 1;
    out = options.json ? "{\"page\":" + JsonString(shown) + ",\"itself\":true,\"feeds\":[{\"url\":" +
                             JsonString(shown) + ",\"how\":\"itself\",\"format\":" + JsonString(itself->format) +
                             ",\"title\":" + JsonString(itself->meta.title) +
                             ",\"items\":" + std::to_string(itself->items.size()) + "}],\"rejected\":[]}\n"
                       : fmt::format("{} is itself a feed ({}, {} items): {}\n", shown, itself->format,
                                     itself->items.size(), itself->meta.title);
    return report;
  }

  // A saved page without the URL it came from: its candidates cannot be
  // fetched (relative ones have no base), so they are only listed.
  if (from_file && page_url.empty()) {
    const auto c = scrape::FindFeedCandidates(body, kFileBase);
    std::vector<const scrape::DiscoveredFeed*> listed;
    for (const auto& f : c.advertised) listed.push_back(&f);
    for (const auto& f : c.linked) listed.push_back(&f);
    report.feeds = static_cast<int>(listed.size());
    if (options.json) {
      out = "{\"page\":" + JsonString(shown) + ",\"cms\":" + JsonString(c.cms) + ",\"checked\":false,\"candidates\":[";
      for (std::size_t i = 0; i < listed.size(); ++i) {
        out += (i ? ",\n" : "\n") + std::string("{\"url\":") + JsonString(listed[i]->url) +
               ",\"how\":" + JsonString(listed[i]->how) + ",\"type\":" + JsonString(listed[i]->type) +
               ",\"title\":" + JsonString(listed[i]->title) + "}";
      }
      out += "]}\n";
      return report;
    }
    if (!c.cms.empty()) out += fmt::format("{} (made with {})\n", shown, c.cms);
    for (const auto* f : listed) out += fmt::format("{:<10}  {}  {}\n", f->how, f->url, f->title);
    out += listed.empty() ? shown + " names no feed\n" : "";
    out += std::string("note: not checked, and relative links resolved against ") + kFileBase +
           "; give --url URL (where the file was saved from) to fetch and check them and probe the site\n";
    return report;
  }

  FeedSearch search;
  FinderOptions finder;
  finder.source_id = "cli";
  finder.allow_private = options.allow_private;
  FindFeeds(fetcher, page_url, body, content_type, finder, [&search](FeedSearch s) { search = std::move(s); });
  io.restart();
  io.run();
  report.feeds = static_cast<int>(search.feeds.size());
  bool blocked = false;
  for (const auto& r : search.rejected) blocked = blocked || r.reason.rfind("blocked-address", 0) == 0;
  if (options.json) {
    out = "{\"page\":" + JsonString(shown) + ",\"cms\":" + JsonString(search.cms) +
          ",\"probed\":" + (search.probed ? "true" : "false") + ",\"feeds\":[";
    for (std::size_t i = 0; i < search.feeds.size(); ++i) {
      const FoundFeed& f = search.feeds[i];
      out += (i ? ",\n" : "\n") + std::string("{\"url\":") + JsonString(f.url) + ",\"how\":" + JsonString(f.how) +
             ",\"format\":" + JsonString(f.feed.format) + ",\"title\":" + JsonString(f.title) +
             ",\"items\":" + std::to_string(f.feed.items.size()) + "}";
    }
    out += "],\"rejected\":[";
    for (std::size_t i = 0; i < search.rejected.size(); ++i) {
      const RejectedFeed& r = search.rejected[i];
      out += (i ? ",\n" : "\n") + std::string("{\"url\":") + JsonString(r.url) + ",\"how\":" + JsonString(r.how) +
             ",\"reason\":" + JsonString(r.reason) + "}";
    }
    out += "]}\n";
    return report;
  }
  if (!search.cms.empty()) out += fmt::format("{} (made with {})\n", shown, search.cms);
  for (const auto& f : search.feeds) {
    out += fmt::format("{:<10}  {:<7} {:>4} items  {}  {}\n", f.how, f.feed.format, f.feed.items.size(), f.url,
                       f.title);
  }
  for (const auto& r : search.rejected) out += fmt::format("not a feed  {} ({}): {}\n", r.url, r.how, r.reason);
  if (search.feeds.empty()) {
    out += fmt::format("{} has no feed{}; write [source.scrape] rules for it (redwire scrape)\n", shown,
                       search.probed ? fmt::format(" (the usual paths of {} tried too)",
                                                   search.cms.empty() ? "common CMSs" : search.cms)
                                     : "");
  }
  if (search.unchecked > 0) out += fmt::format("{} more candidates not checked\n", search.unchecked);
  if (blocked && !options.allow_private) out += std::string("note: ") + kPrivateHint + "\n";
  return report;
}

}  // namespace redwire::app
