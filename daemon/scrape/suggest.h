// suggest: the news list of a page without rules. Finds the repeated sibling
// blocks (at least 3, same tag and class) that each hold one main link to an
// article-shaped URL, and the rules that extract them: titles from the main
// link (not a kicker or tag link), dates from time[datetime], a short text in
// the block, the article URL, a group header above the block or the page's
// masthead, in that order. Ads, hidden menus and navigation are left out.
// Pure function of its inputs, like Extract.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/scrape/scrape.h"
#include "model/result.h"

namespace redwire::scrape {

struct Suggestion {
  RuleText rules;         // a [source.scrape] table that gives `extraction`
  std::string where;      // the list in words: "10 x article.post in main#content"
  int blocks = 0;         // repeated blocks found
  double score = 0;       // higher: likelier the page's news list
  Extraction extraction;  // what `rules` extract from the page
};

// Candidate lists, best first, at most `max`; empty when the page repeats no
// block of article links. Fails only when the page is too large or empty.
Result<std::vector<Suggestion>> Suggest(std::string_view html, const Page& page, std::size_t max = 5);

// `rules` as the TOML table to paste into feeds/*.toml (keys that differ from
// their defaults only).
std::string RulesToml(const RuleText& rules);

}  // namespace redwire::scrape
