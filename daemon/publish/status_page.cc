// The operator's status page: one card per source with its health in plain
// words, in the shared layout. Everything shown is escaped text; a source's
// own URLs are shown, not linked, so the page links nowhere off the site.
#include <string>

#include "daemon/publish/html_layout.h"
#include "daemon/publish/internal.h"
#include "daemon/publish/publish.h"

namespace redwire::publish {
namespace {

enum class Health { kOk, kFailing, kGone, kNeverFetched, kScrapePending };

Health HealthOf(const IndexSource& s) {
  if (s.scrape_pending) return Health::kScrapePending;
  // The poller records a new source's first planned poll before it fetches.
  if (!s.state || (s.state->last_attempt == 0 && s.state->last_outcome.empty())) return Health::kNeverFetched;
  if (s.state->gone && s.state->gone_url == s.url) return Health::kGone;
  return s.state->consecutive_failures > 0 ? Health::kFailing : Health::kOk;
}

std::string HealthBadge(Health health) {
  switch (health) {
    case Health::kOk: return "<span class=\"ok\">working</span>";
    case Health::kFailing: return "<span class=\"failing\">failing</span>";
    case Health::kGone: return "<span class=\"failing\">gone</span>";
    case Health::kNeverFetched: return "<span class=\"pending\">not fetched yet</span>";
    case Health::kScrapePending: return "<span class=\"pending\">not fetched yet</span>";
  }
  return {};
}

// The fetcher's and poller's outcome names (fetch::OutcomeName, "gone",
// "parse-error") in words for people.
std::string OutcomeInWords(const store::SourceState& st) {
  const std::string& o = st.last_outcome;
  if (o == "ok") return "fetched";
  if (o == "not-modified") return "unchanged since the last fetch (HTTP 304)";
  if (o == "http-error") {
    return st.last_status > 0 ? "the server answered HTTP " + std::to_string(st.last_status)
                              : "the server answered with an error";
  }
  if (o == "blocked-address") return "refused: the address is private or loopback";
  if (o == "too-large") return "the response was larger than the size limit";
  if (o == "timeout") return "the server did not answer in time";
  if (o == "redirect-limit") return "too many redirects";
  if (o == "network-error") return "could not reach the server (DNS, connection or TLS)";
  if (o == "parse-error") return "the document could not be read as a feed";
  if (o == "gone") return "the feed is gone (HTTP 410)";
  return o.empty() ? "unknown" : o;
}

std::string When(UnixTime t, UnixTime now) { return TimeTag(t) + " (" + HtmlText(Age(t, now)) + ")"; }

// `markup` goes in as it is: callers escape every value they put in it.
std::string Row(const std::string& term, const std::string& markup) {
  return "<dt>" + HtmlText(term) + "</dt><dd>" + markup + "</dd>";
}

std::string Card(const SiteInfo& site, const IndexSource& s, UnixTime now) {
  const Health health = HealthOf(s);
  std::string h = "<section class=\"card\">\n<h2 dir=\"auto\">" + SiteLink(SourcePageUrl(site, s.id), s.name) +
                  "</h2>\n<dl>";
  h += Row("status", HealthBadge(health));
  h += Row("id", "<code>" + HtmlText(XmlText(s.id)) + "</code>");
  h += Row("polls", "<code>" + HtmlText(XmlText(s.url)) + "</code>");
  if (s.state) {
    const store::SourceState& st = *s.state;
    if (!st.last_outcome.empty() || st.last_attempt != 0) {
      std::string last = HtmlText(OutcomeInWords(st));
      if (st.last_attempt != 0) last += ", " + When(st.last_attempt, now);
      h += Row("last fetch", last);
    }
    if (!st.last_error.empty()) {
      // After a success the field holds that fetch's warnings, not an error.
      const bool warnings = st.consecutive_failures == 0 && st.last_error.rfind("warning", 0) == 0;
      h += Row(warnings ? "warnings" : "last error", HtmlText(XmlText(st.last_error)));
    }
    if (st.consecutive_failures > 0) {
      h += Row("failures", HtmlText(std::to_string(st.consecutive_failures)) + " in a row");
    }
    h += Row("last success", st.last_success != 0 ? When(st.last_success, now) : "never");
    if (st.items_seen > 0 || st.items_new > 0 || st.last_success != 0) {
      h += Row("items", HtmlText(std::to_string(st.items_seen) + " in the feed, " + std::to_string(st.items_new) +
                                 " new on the last fetch"));
    }
    // A page's own feed: polled instead of a page without rules, or one
    // its rules could give way to (health's note says which).
    if (!st.found_feed.empty() && st.found_on == s.url) {
      h += Row("feed found", "<code>" + HtmlText(XmlText(st.found_feed)) + "</code>");
    }
    if (!st.moved_to.empty() && st.moved_from == s.url) {
      h += Row("moved", "permanently to <code>" + HtmlText(XmlText(st.moved_to)) + "</code> (polled instead)");
    }
  }
  if (health == Health::kGone) {
    h += Row("next poll", HtmlText("none until the source's URL changes in the configuration"));
  } else if (health == Health::kScrapePending) {
    h += Row("next poll", HtmlText("soon after start-up: a page without scrape rules, searched for a feed of its own"));
  } else if (s.state && s.state->next_due != 0) {
    h += Row("next poll", When(s.state->next_due, now));
  } else {
    h += Row("next poll", HtmlText("soon after start-up"));
  }
  return h + "</dl>\n</section>\n";
}

}  // namespace

std::string RenderStatusPage(const SiteInfo& site, const std::vector<IndexSource>& sources, UnixTime now) {
  std::string h = PageStart(site, "redwire — source status", {});
  int working = 0, failing = 0, waiting = 0;
  for (const IndexSource& s : sources) {
    switch (HealthOf(s)) {
      case Health::kOk: ++working; break;
      case Health::kFailing:
      case Health::kGone: ++failing; break;
      case Health::kNeverFetched:
      case Health::kScrapePending: ++waiting; break;
    }
  }
  h += "<h1>Source status</h1>\n";
  h += "<p>" + HtmlText(std::to_string(sources.size()) + " sources: " + std::to_string(working) + " working, " +
                        std::to_string(failing) + " failing, " + std::to_string(waiting) + " not fetched yet.") +
       " As of " + TimeTag(now) + "; the same as JSON: " + SiteLink(site.base_url + "/status.json", "status.json") +
       ".</p>\n";
  if (sources.empty()) h += "<p>No sources are configured.</p>\n";
  h += "<div class=\"cards\">\n";
  for (const IndexSource& s : sources) h += Card(site, s, now);
  h += "</div>\n";
  return h + PageEnd(site);
}

}  // namespace redwire::publish
