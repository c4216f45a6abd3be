// HTML scraper: any bytes as a page, read with two fixed rule sets of the
// shapes operators write (CSS with pagination, follow, dates from outside
// the item and a pattern; XPath), with no rules at all (Suggest), plus
// feed discovery and bare selectors. Extracted summaries and article bodies
// must be sanitised HTML (safe_html.h) and links http(s).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/scrape/scrape.h"
#include "daemon/scrape/suggest.h"
#include "fuzz/safe_html.h"

namespace {

using redwire::scrape::Rules;
using redwire::scrape::RuleText;
using redwire::scrape::Selector;

Rules MustCompile(const RuleText& text) {
  auto rules = Rules::Compile(text);
  if (!rules.ok()) {
    std::fprintf(stderr, "fixed rules do not compile: %s\n", rules.error().message.c_str());
    std::abort();
  }
  return rules.value();
}

const Rules& CssRules() {
  static const Rules rules = [] {
    RuleText t;
    t.item = "div.list > div.entry, article.post, li.item:not(.ad), div.views-row";
    t.title = "h2 a, h3.title, [itemprop=name]";
    t.link = "h2 a, a.titleLink @href";
    t.date = "span.date, div.date:first-child, time @datetime";
    t.summary = "p:nth-child(2n+1), div.teaser";
    t.author = "span.author";
    t.image = "img @src";
    t.date_format = "%b %d, %Y";
    t.content = "div.article > div.body";
    t.paginate = "li.next a @href";
    t.follow = true;
    t.date_group = "h2.date-header, li.day:has(> time)";
    t.date_page = "header .today";
    t.title_pattern = R"(^(?:\[[^\]]*\]\s*)?(.+))";
    return MustCompile(t);
  }();
  return rules;
}

const Rules& XpathRules() {
  static const Rules rules = [] {
    RuleText t;
    t.xpath = "//ul[@class='m-articles']/li[contains(concat(' ', @class, ' '), ' m-article ') and a]";
    t.title = "span.m-article-title";
    t.link = "a @href";
    t.date = ".m-article-date";
    t.date_lang = "el";
    t.summary = "p";
    return MustCompile(t);
  }();
  return rules;
}

bool IsWebLink(std::string_view url) {
  const std::string lower = redwire::fuzz::LowerAscii(url.substr(0, 8));
  return lower.starts_with("http:") || lower.starts_with("https:");
}

void Check(const redwire::scrape::Extraction& x) {
  for (const redwire::Item& item : x.items) {
    redwire::fuzz::CheckSafeHtml(item.summary);
    redwire::fuzz::CheckSafeHtml(item.content);
    if (!item.link.empty() && !IsWebLink(item.link)) redwire::fuzz::Violated("a non-web item link", item.link, "");
  }
  if (x.items.size() > redwire::scrape::kMaxItemsPerPage) {
    redwire::fuzz::Violated("more items than kMaxItemsPerPage", std::to_string(x.items.size()), "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  redwire::scrape::Page page;
  page.source_id = "fuzz";
  page.url = "https://party.example.org/news/";
  page.lang = "en";
  page.now = 1768478400;  // 2026-01-15 12:00:00 UTC
  for (const Rules* rules : {&CssRules(), &XpathRules()}) {
    auto x = redwire::scrape::Extract(html, *rules, page);
    if (x.ok()) Check(x.value());
  }
  if (auto content = redwire::scrape::ExtractContent(html, CssRules(), page.url); content.ok()) {
    redwire::fuzz::CheckSafeHtml(content.value().html);
  }
  // No rules (issue 17): every suggested list's rules must compile and
  // extract what the suggestion shows.
  if (auto found = redwire::scrape::Suggest(html, page, 3); found.ok()) {
    for (const auto& s : found.value()) {
      Check(s.extraction);
      if (!Rules::Compile(s.rules).ok()) redwire::fuzz::Violated("suggested rules that do not compile", s.rules.item, "");
      (void)redwire::scrape::RulesToml(s.rules);
    }
  }
  static const Selector kLinks = Selector::Compile("a[href^=http] @href").value();
  (void)redwire::scrape::SelectValues(html, kLinks);
  const auto candidates = redwire::scrape::FindFeedCandidates(html, page.url);
  for (const auto* kind : {&candidates.advertised, &candidates.linked, &candidates.probes}) {
    if (kind->size() > 20) redwire::fuzz::Violated("more than 20 feed candidates of a kind", page.url, "");
    for (const auto& feed : *kind) {
      if (!IsWebLink(feed.url)) redwire::fuzz::Violated("a non-web discovered feed", feed.url, "");
    }
  }
  return 0;
}
