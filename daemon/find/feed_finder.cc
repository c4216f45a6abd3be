#include "daemon/find/feed_finder.h"

#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "daemon/parse/parse.h"
#include "daemon/scrape/scrape.h"

namespace redwire::app {
namespace {

struct Search {
  fetch::Fetcher* fetcher;
  FinderOptions options;
  std::vector<scrape::DiscoveredFeed> found_on_page;  // advertised, then linked
  std::vector<scrape::DiscoveredFeed> probes;
  std::size_t next = 0;        // into found_on_page, then probes
  int fetches = 0;
  std::set<std::string> tried;  // canonical URLs
  FeedSearch result;
  std::function<void(FeedSearch)> done;
};

std::string Reason(const fetch::Response& r) {
  if (r.outcome == fetch::Outcome::kHttpError) return "HTTP " + std::to_string(r.status);
  return std::string(fetch::OutcomeName(r.outcome)) + (r.error.empty() ? "" : ": " + r.error);
}

void Next(std::shared_ptr<Search> s);

void Finish(const std::shared_ptr<Search>& s) {
  // Probes left once one was a feed are not worth mentioning.
  const std::size_t on_page = s->found_on_page.size();
  std::size_t left = on_page > s->next ? on_page - s->next : 0;
  if (s->result.probed && s->result.feeds.empty()) {
    const std::size_t probed = s->next > on_page ? s->next - on_page : 0;
    left += s->probes.size() > probed ? s->probes.size() - probed : 0;
  }
  s->result.unchecked = static_cast<int>(left);
  auto done = std::move(s->done);
  done(std::move(s->result));
}

void Check(std::shared_ptr<Search> s, const scrape::DiscoveredFeed& candidate) {
  ++s->fetches;
  fetch::Request request;
  request.source_id = s->options.source_id;
  request.url = candidate.url;
  request.allow_private = s->options.allow_private;
  s->fetcher->Fetch(std::move(request), [s, candidate](fetch::Response r) {
    if (r.outcome != fetch::Outcome::kOk) {
      s->result.rejected.push_back({candidate.url, candidate.how, Reason(r)});
      Next(s);
      return;
    }
    const std::string final_url = r.final_url.empty() ? candidate.url : r.final_url;
    auto parsed = parse::ParseFeed(r.body, parse::Context{s->options.source_id, final_url, r.content_type, s->options.now});
    if (!parsed.ok()) {
      s->result.rejected.push_back({candidate.url, candidate.how, "not a feed: " + parsed.error().message});
      Next(s);
      return;
    }
    FoundFeed found;
    found.url = r.permanent_url.empty() ? candidate.url : r.permanent_url;
    found.how = candidate.how;
    found.title = !parsed->meta.title.empty() ? parsed->meta.title : candidate.title;
    found.feed = std::move(parsed.value());
    s->result.feeds.push_back(std::move(found));
    // Probing stops at the first feed: the site has one, the rest are
    // likely the same feed under another name.
    if (s->options.first_only || candidate.how == "probed") {
      Finish(s);
      return;
    }
    Next(s);
  });
}

void Next(std::shared_ptr<Search> s) {
  while (s->fetches < kMaxFeedChecks) {
    const scrape::DiscoveredFeed* candidate = nullptr;
    if (s->next < s->found_on_page.size()) {
      candidate = &s->found_on_page[s->next];
    } else {
      // The usual paths only when nothing on the page is a feed.
      if (!s->result.feeds.empty()) break;
      s->result.probed = true;
      const std::size_t i = s->next - s->found_on_page.size();
      if (i >= s->probes.size()) break;
      candidate = &s->probes[i];
    }
    ++s->next;
    if (!s->tried.insert(parse::CanonicalUrl(candidate->url)).second) continue;
    Check(s, *candidate);
    return;
  }
  Finish(s);
}

}  // namespace

void FindFeeds(fetch::Fetcher& fetcher, const std::string& page_url, std::string_view html,
               std::string_view content_type, FinderOptions options, std::function<void(FeedSearch)> done) {
  auto s = std::make_shared<Search>();
  s->fetcher = &fetcher;
  s->options = std::move(options);
  s->done = std::move(done);
  s->tried.insert(parse::CanonicalUrl(page_url));
  scrape::FeedCandidates candidates = scrape::FindFeedCandidates(html, page_url, content_type);
  s->result.cms = candidates.cms;
  s->found_on_page = std::move(candidates.advertised);
  for (auto& f : candidates.linked) s->found_on_page.push_back(std::move(f));
  s->probes = std::move(candidates.probes);
  spdlog::debug("{}: looking for feeds of {}: {} on the page, {} paths of {}", s->options.source_id, page_url,
                s->found_on_page.size(), s->probes.size(), s->result.cms.empty() ? "any CMS" : s->result.cms);
  Next(std::move(s));
}

}  // namespace redwire::app
