#include "daemon/cli/check_online.h"

#include <chrono>
#include <memory>

#include <asio/io_context.hpp>
#include <spdlog/fmt/fmt.h>

#include "daemon/find/feed_finder.h"
#include "daemon/schedule/poller.h"
#include "daemon/fetch/fetcher.h"
#include "daemon/parse/parse.h"
#include "daemon/scrape/scrape.h"

namespace redwire::app {
namespace {

struct Line {
  std::string verdict;  // "ok", "FAIL", "EMPTY"
  std::string text;
  std::string feed;     // a feed found for a page
};

std::string Items(std::size_t n) { return fmt::format("{} item{}", n, n == 1 ? "" : "s"); }

std::string Reason(const fetch::Response& r) {
  if (r.outcome == fetch::Outcome::kHttpError) return "HTTP " + std::to_string(r.status);
  return r.error.empty() ? fetch::OutcomeName(r.outcome) : r.error;
}

// The page's verdict by its rules; nothing stored, no item pages fetched.
Line ScrapeLine(const config::Source& source, const fetch::Response& r, UnixTime now) {
  auto rules = scrape::Rules::Compile(source.scrape);
  if (!rules.ok()) return {"FAIL", "rules: " + rules.error().message, ""};
  const std::string url = r.final_url.empty() ? source.url : r.final_url;
  auto x = scrape::Extract(r.body, rules.value(), scrape::Page{source.id, url, source.lang, now, r.content_type});
  if (!x.ok()) return {"FAIL", x.error().message, ""};
  if (x->items.empty()) {
    std::string why = x->warnings.empty() ? "" : ": " + x->warnings.front();
    return {"EMPTY", "the rules extract nothing" + why, ""};
  }
  std::string text = Items(x->items.size()) + " by the rules";
  if (x->undated > 0 || x->bad_dates > 0) text += fmt::format(" ({} without a date, {} dates unparsed)", x->undated, x->bad_dates);
  return {"ok", text, ""};
}

}  // namespace

OnlineCheck CheckOnline(const LiveConfig& config) {
  const auto& sources = config.catalog.sources;
  const UnixTime now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  asio::io_context io;
  fetch::Fetcher fetcher(io, FetchOptionsFrom(config.catalog.settings));
  std::vector<Line> lines(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const config::Source& source = sources[i];
    const bool allow_private = source.allow_private || config.catalog.settings.allow_private;
    fetch::Request request;
    request.source_id = source.id;
    request.url = source.url;
    request.allow_private = allow_private;
    fetcher.Fetch(std::move(request), [&, i, allow_private](fetch::Response r) {
      const config::Source& s = sources[i];
      Line& line = lines[i];
      if (r.outcome != fetch::Outcome::kOk) {
        line = {"FAIL", Reason(r), ""};
        return;
      }
      const std::string url = r.final_url.empty() ? s.url : r.final_url;
      const bool rules = scrape::HasRules(s.scrape);
      if (!rules) {
        auto feed = parse::ParseFeed(r.body, parse::Context{s.id, url, r.content_type, now});
        if (feed.ok()) {
          line = {"ok", fmt::format("feed, {} ({})", Items(feed->items.size()), feed->format), ""};
          return;
        }
      } else {
        line = ScrapeLine(s, r, now);
      }
      // A page: does its site have a feed?
      FinderOptions options;
      options.source_id = s.id;
      options.allow_private = allow_private;
      options.first_only = true;
      options.now = now;
      auto body = std::make_shared<fetch::Response>(std::move(r));
      FindFeeds(fetcher, url, body->body, body->content_type, options, [&line, rules, body](FeedSearch search) {
        if (!search.feeds.empty()) line.feed = search.feeds.front().url;
        if (rules) return;
        line = search.feeds.empty()
                   ? Line{"FAIL", "a web page with no scrape rules and no feed of its site found", ""}
                   : Line{"ok", fmt::format("a web page; its site's feed {} has {}", search.feeds.front().url,
                                            Items(search.feeds.front().feed.items.size())),
                          search.feeds.front().url};
      });
    });
  }
  io.run();

  OnlineCheck out;
  std::size_t width = 6;
  for (const auto& s : sources) width = std::max(width, s.id.size());
  int empty = 0, failed = 0, feeds = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Line& line = lines[i];
    if (line.verdict == "EMPTY") ++empty;
    if (line.verdict == "FAIL") ++failed;
    out.text += fmt::format("{:<{}}  {:<5}  {}\n", sources[i].id, width, line.verdict, line.text);
    if (!line.feed.empty() && scrape::HasRules(sources[i].scrape)) {
      ++feeds;
      out.text += fmt::format("{:<{}}         the site has a feed: {} (use it as the url instead of scraping)\n", "",
                              width, line.feed);
    } else if (!line.feed.empty()) {
      ++feeds;
      out.text += fmt::format("{:<{}}         the daemon uses it; better make it the source's url\n", "", width);
    }
  }
  out.failing = empty + failed;
  out.text += fmt::format("{} sources: {} fetched and fine, {} whose rules extract nothing, {} failing; "
                          "{} with a feed found for the page\n",
                          sources.size(), static_cast<int>(sources.size()) - empty - failed, empty, failed, feeds);
  return out;
}

}  // namespace redwire::app
