#include "daemon/ingest/ingest.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <asio/post.hpp>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "daemon/find/feed_finder.h"
#include "daemon/parse/parse.h"
#include "daemon/scrape/scrape.h"

namespace redwire::app {
namespace {

// How many stored items of a scraped source are consulted to tell new items
// from known ones; a listing page never shows more than this.
constexpr int kKnownItems = 2000;

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool AllowPrivate(const LiveConfig& config, const config::Source& source) {
  return source.allow_private || config.catalog.settings.allow_private;
}

}  // namespace

// One scrape of a page source, carried across the fetches it needs.
struct Ingester::PageJob {
  std::shared_ptr<const LiveConfig> config;
  config::Source source;
  scrape::Rules rules;
  Done done;
  UnixTime now = 0;
  std::vector<Item> items;
  std::set<std::string> ids;
  FeedMeta meta;
  std::vector<std::string> warnings;
  std::string scrape_pick;
  std::string next_page;
  std::set<std::string> pages_seen;
  int pages = 0;
  std::map<std::string, Item> known;  // stored items by id, with their content
  std::vector<std::size_t> to_follow;  // indexes into items
  std::size_t followed = 0;
  // With IngestHints::check_site: the first page, searched for a feed last.
  bool check_site = false;
  std::string page_url, page_body, page_type;
};

// A parsed and classified feed waiting for the next commit.
struct Ingester::Queued {
  std::shared_ptr<const LiveConfig> config;
  std::string source_id;
  std::vector<Item> items;
  std::vector<std::vector<std::string>> topics;
  IngestResult result;  // everything but the store's stats
  Done done;
};

Ingester::Ingester(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher)
    : io_(io), store_(store), fetcher_(fetcher) {}

Ingester::~Ingester() {
  if (!queued_.empty()) Flush();
}

void Ingester::Ingest(std::shared_ptr<const LiveConfig> config, const config::Source& source,
                      const fetch::Response& response, Done done, IngestHints hints) {
  const UnixTime now = Now();
  const std::string url = response.final_url.empty() ? source.url : response.final_url;
  if (scrape::HasRules(source.scrape)) {
    auto rules = scrape::Rules::Compile(source.scrape);
    if (!rules.ok()) {
      IngestResult result;
      result.error = "scrape rules: " + rules.error().message;
      done(std::move(result));
      return;
    }
    auto job = std::make_shared<PageJob>();
    job->config = std::move(config);
    job->source = source;
    job->rules = std::move(rules.value());
    job->done = std::move(done);
    job->now = now;
    if (hints.check_site) {
      job->check_site = true;
      job->page_url = url;
      job->page_body = response.body;
      job->page_type = response.content_type;
    }
    IngestPage(std::move(job), response);
    return;
  }
  parse::Context context{source.id, url, response.content_type, now};
  auto parsed = parse::ParseFeed(response.body, context);
  if (!parsed.ok()) {
    if (!hints.find_feed) {
      IngestResult result;
      result.error = parsed.error().message;
      done(std::move(result));
      return;
    }
    Discover(std::move(config), source, url, response, std::move(done));
    return;
  }
  StoreFeed(std::move(config), source, std::move(parsed.value()), std::move(done));
}

// A source without scrape rules whose URL answers with a web page: the
// first feed found for the page is ingested instead.
void Ingester::Discover(std::shared_ptr<const LiveConfig> config, const config::Source& source,
                        const std::string& page_url, const fetch::Response& page, Done done) {
  FinderOptions options;
  options.source_id = source.id;
  options.allow_private = AllowPrivate(*config, source);
  options.first_only = true;
  options.now = Now();
  FindFeeds(fetcher_, page_url, page.body, page.content_type, options,
            [this, alive = std::weak_ptr<char>(alive_), config, source, page_url,
             done = std::move(done)](FeedSearch search) {
    if (alive.expired()) return;
    if (search.feeds.empty()) {
      IngestResult result;
      result.error = fmt::format("{} is a web page and no feed of its site was found ({} candidates tried{}); "
                                 "give the source [source.scrape] rules",
                                 page_url, search.rejected.size(),
                                 search.probed ? fmt::format(", the usual paths of {} among them",
                                                             search.cms.empty() ? "common CMSs" : search.cms)
                                               : "");
      done(std::move(result));
      return;
    }
    FoundFeed& found = search.feeds.front();
    const std::string feed_url = found.url;
    StoreFeed(config, source, std::move(found.feed), [feed_url, done](IngestResult stored) {
      stored.discovered_feed = feed_url;
      done(std::move(stored));
    });
  });
}

// After a scraped page is stored: does its site have a feed after all?
void Ingester::CheckSite(std::shared_ptr<PageJob> job, IngestResult result) {
  FinderOptions options;
  options.source_id = job->source.id;
  options.allow_private = AllowPrivate(*job->config, job->source);
  options.first_only = true;
  options.now = job->now;
  const std::string url = job->page_url;
  const std::string body = std::move(job->page_body);
  FindFeeds(fetcher_, url, body, job->page_type, options,
            [job, result = std::move(result)](FeedSearch search) mutable {
    result.site_checked = true;
    if (!search.feeds.empty()) result.site_feed = search.feeds.front().url;
    job->done(std::move(result));
  });
}

std::vector<std::vector<std::string>> Ingester::Classify(const LiveConfig& config, const config::Source& source,
                                                         const std::vector<Item>& items) const {
  std::vector<std::vector<std::string>> topics;
  topics.reserve(items.size());
  for (const auto& item : items) topics.push_back(classify::Classify(config.rules, classify::Prepare(item, source.tags)));
  return topics;
}

void Ingester::StoreFeed(std::shared_ptr<const LiveConfig> config, const config::Source& source, ParsedFeed feed,
                         Done done) {
  for (auto& item : feed.items) {
    if (item.language.empty()) item.language = !feed.meta.language.empty() ? feed.meta.language : source.lang;
  }
  Queued queued;
  queued.topics = Classify(*config, source, feed.items);
  queued.config = std::move(config);
  queued.source_id = source.id;
  queued.result.items_seen = static_cast<int>(feed.items.size());
  queued.result.meta = std::move(feed.meta);
  queued.result.bozo = feed.bozo;
  queued.result.bozo_reason = std::move(feed.bozo_reason);
  queued.items = std::move(feed.items);
  queued.done = std::move(done);
  queued_.push_back(std::move(queued));
  if (flush_posted_) return;
  // Feeds whose fetches completed meanwhile are already queued on the loop
  // ahead of this; they join the same commit.
  flush_posted_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<char>(alive_)] {
    if (!alive.expired()) Flush();
  });
}

void Ingester::Flush() {
  flush_posted_ = false;
  std::vector<Queued> queued = std::move(queued_);
  queued_.clear();
  std::vector<store::UpsertBatch> batches;
  batches.reserve(queued.size());
  for (const Queued& q : queued) batches.push_back({q.items, q.topics});
  const auto together = store_.UpsertMany(batches);
  for (std::size_t i = 0; i < queued.size(); ++i) {
    Queued& q = queued[i];
    // One feed the store refuses must not cost the others their commit.
    const Result<store::UpsertStats> stats =
        together.ok() ? Result<store::UpsertStats>(together.value()[i])
        : queued.size() == 1 ? Result<store::UpsertStats>(together.error())
                             : store_.Upsert(q.items, q.topics);
    if (!stats.ok()) {
      IngestResult failed;
      failed.error = stats.error().message;
      q.done(std::move(failed));
      continue;
    }
    if (stats->inserted + stats->updated > 0) q.config->changes->Note(q.source_id, q.topics);
    q.result.stats = stats.value();
    q.done(std::move(q.result));
  }
}

// One listing page: its items join the job's; then older pages (first
// import only), then the new items' own pages, then the store.
void Ingester::IngestPage(std::shared_ptr<PageJob> job, const fetch::Response& response) {
  const std::string url = response.final_url.empty() ? job->source.url : response.final_url;
  const scrape::Page page{job->source.id, url, job->source.lang, job->now, response.content_type};
  auto extracted = scrape::Extract(response.body, job->rules, page);
  ++job->pages;
  job->pages_seen.insert(parse::CanonicalUrl(url));
  if (!extracted.ok()) {
    if (job->pages == 1) {
      IngestResult result;
      result.error = extracted.error().message;
      job->done(std::move(result));
      return;
    }
    spdlog::warn("{}: older page {}: {}", job->source.id, url, extracted.error().message);
  } else {
    if (job->pages == 1) {
      job->meta = extracted->meta;
      job->warnings = extracted->warnings;
      job->scrape_pick = extracted->picked;
      for (const auto& w : extracted->warnings) spdlog::warn("{}: scrape: {}", job->source.id, w);
      // Paginate only when the store holds nothing of this source yet.
      store::Query query;
      query.source = job->source.id;
      query.limit = kKnownItems;
      auto stored = store_.Items(query);
      if (stored.ok()) {
        for (auto& s : stored.value()) job->known.emplace(s.item.id, std::move(s.item));
      }
    }
    for (auto& item : extracted->items) {
      if (job->ids.insert(item.id).second) job->items.push_back(std::move(item));
    }
    job->next_page = extracted->next_page;
  }
  NextListPage(std::move(job));
}

void Ingester::NextListPage(std::shared_ptr<PageJob> job) {
  const bool first_import = job->known.empty();
  if (!first_import || !job->rules.paginates() || job->pages >= job->rules.text().max_pages ||
      job->next_page.empty() || job->pages_seen.count(parse::CanonicalUrl(job->next_page))) {
    // Known items keep the article text fetched earlier; of the rest, the
    // newest get their own page fetched, a bounded number per poll.
    for (std::size_t i = 0; i < job->items.size(); ++i) {
      Item& item = job->items[i];
      auto it = job->known.find(item.id);
      if (it != job->known.end() && !it->second.content.empty()) {
        item.content = it->second.content;
        item.content_text = it->second.content_text;
      } else if (job->rules.follows() && !item.link.empty() &&
                 job->to_follow.size() < static_cast<std::size_t>(job->rules.text().max_follow)) {
        job->to_follow.push_back(i);
      }
    }
    FollowNext(std::move(job));
    return;
  }
  fetch::Request request;
  request.source_id = job->source.id;
  request.url = job->next_page;
  request.allow_private = AllowPrivate(*job->config, job->source);
  const std::string url = job->next_page;
  job->next_page.clear();
  fetcher_.Fetch(std::move(request), [this, job, url](fetch::Response r) {
    if (r.outcome != fetch::Outcome::kOk) {
      spdlog::warn("{}: older page {}: {}", job->source.id, url, r.error.empty() ? fetch::OutcomeName(r.outcome) : r.error);
      job->pages = job->rules.text().max_pages;  // stop paginating, keep what we have
      NextListPage(job);
      return;
    }
    if (r.final_url.empty()) r.final_url = url;
    IngestPage(job, r);
  });
}

void Ingester::FollowNext(std::shared_ptr<PageJob> job) {
  if (job->followed >= job->to_follow.size()) {
    StorePage(std::move(job));
    return;
  }
  const std::size_t index = job->to_follow[job->followed++];
  fetch::Request request;
  request.source_id = job->source.id;
  request.url = job->items[index].link;
  request.allow_private = AllowPrivate(*job->config, job->source);
  fetcher_.Fetch(std::move(request), [this, job, index](fetch::Response r) {
    Item& item = job->items[index];
    if (r.outcome != fetch::Outcome::kOk) {
      spdlog::warn("{}: item page {}: {}", job->source.id, item.link, r.error.empty() ? fetch::OutcomeName(r.outcome) : r.error);
    } else {
      auto content = scrape::ExtractContent(r.body, job->rules, r.final_url.empty() ? item.link : r.final_url,
                                            r.content_type);
      if (content.ok()) {
        item.content = std::move(content->html);
        item.content_text = std::move(content->text);
      } else {
        spdlog::warn("{}: item page {}: {}", job->source.id, item.link, content.error().message);
      }
    }
    FollowNext(job);
  });
}

void Ingester::StorePage(std::shared_ptr<PageJob> job) {
  ParsedFeed feed;
  feed.format = "html";
  feed.meta = std::move(job->meta);
  feed.items = std::move(job->items);
  const config::Source source = job->source;
  auto warnings = std::move(job->warnings);
  StoreFeed(job->config, source, std::move(feed),
            [this, alive = std::weak_ptr<char>(alive_), job, warnings = std::move(warnings)](IngestResult result) mutable {
    result.warnings = std::move(warnings);
    result.scrape_pick = job->scrape_pick;
    if (job->check_site && result.error.empty() && !alive.expired()) {
      CheckSite(job, std::move(result));
      return;
    }
    job->done(std::move(result));
  });
}

}  // namespace redwire::app
