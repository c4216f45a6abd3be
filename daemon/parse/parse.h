// parse: bytes of a feed -> ParsedFeed in the item model. Pure functions of
// their inputs: no I/O, no clock (the caller passes `now`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "model/item.h"
#include "model/result.h"

namespace redwire::parse {

struct Context {
  std::string source_id;
  std::string base_url;      // the final URL after redirects: resolves relative links
  std::string content_type;  // the HTTP Content-Type, may carry a charset
  UnixTime now = 0;          // first-seen time for items without a usable date
  std::size_t max_items = 500;  // items kept per document, in document order
};

// Parses RSS 0.90-0.94, 1.0 and 2.0, Atom 0.3 and 1.0, JSON Feed 1.0 and
// 1.1 in any charset (BOM > HTTP charset > XML declaration > detection).
// Every item comes out normalised: stable id, absolute and canonical links,
// UTC dates, sanitised HTML with its plain text, gaps filled, fields capped.
// Ill-formed documents are repaired (bozo = true, with the reason) and keep
// every item that can be saved. Fails only when no feed can be found at all
// (empty body, HTML page, neither XML nor JSON Feed), with a reason.
Result<ParsedFeed> ParseFeed(std::string_view body, const Context& context);

// The `redwire parse --json` contract: the normalised model as JSON, dates
// as YYYY-MM-DDTHH:MM:SSZ, absent values (and first-seen dates) null.
std::string ToJson(const ParsedFeed& feed);

// A readable summary of the same, for operators.
std::string ToSummary(const ParsedFeed& feed);

// `redwire parse`: ParseFeed, then ToJson (json) or ToSummary. A web page
// prints as format "html" with no items; any other failure is the Error.
Result<std::string> Inspect(std::string_view body, const Context& context, bool json);

// A document's text as UTF-8, its charset found as for feeds (BOM > HTTP
// charset > XML declaration or HTML <meta charset> > detection), so a web
// page from a CMS that writes windows-1253 or KOI8-R reads like any other.
// `encoding`, when given, receives the charset it was read in (lower case).
std::string ToUtf8(std::string_view body, std::string_view content_type, std::string* encoding = nullptr);

// RFC 822/1123 and RFC 3339 / W3C-DTF dates, with their real breakages and
// localised month names; other printed shapes as ParseHumanDate reads them.
// nullopt when unusable.
std::optional<UnixTime> ParseDate(std::string_view text);

// How a site writes dates in its pages (scrape rules, issue 4).
struct DateHints {
  std::string format;  // strftime-like, e.g. "%d/%m/%Y" or "%B %d, %Y"; empty: recognise the shape
  std::string lang;    // language of month/day names ("el", "es", "ru", "tr", ...); empty: any
  // The order of an ambiguous numeric date ("5/3/2024") when no format says
  // it: true 5 March, false May 3; unset, such a date gives no date.
  std::optional<bool> day_first;
  UnixTime now = 0;    // reference for relative dates ("2 hours ago", "yesterday")
};

// Dates as people print them on web pages: "14/12/2015", "23-24 September
// 2017" (the first day), "22 Ιουνίου 2017", "30 Οχτώβρη 2025", "10 de mayo
// de 2018", "31 Января 2026", "12 Haziran 2018", ISO 8601, "2 hours ago".
// Tries `hints.format` first when given. nullopt when unusable. Never
// invents a date: a bare number, an ambiguous numeric date without a known
// order, a clock on a month without its day, or a date more than a day
// after `hints.now` is no date, and *refusal (when given) then says which in
// words for operators; it is left empty when the text simply held no date.
std::optional<UnixTime> ParseHumanDate(std::string_view text, const DateHints& hints,
                                       std::string* refusal = nullptr);

// Whether DateHints::lang names a language whose month names are known, and
// the list of them ("en, el, es, ...") for error messages.
bool IsKnownDateLanguage(std::string_view lang);
std::string KnownDateLanguages();

// Lower-cased scheme and host, no fragment, no default port, no utm_* /
// fbclid / gclid parameters. Returns the input unchanged if it is not a URL.
std::string CanonicalUrl(std::string_view url);

// Resolves `ref` against the absolute `base` (RFC 3986 section 5).
std::string ResolveUrl(std::string_view base, std::string_view ref);

// Allowlist HTML sanitiser: keeps safe formatting elements and attributes,
// drops script/style/iframe/object/embed/form/base/meta (script and style
// with their content), every on* and style attribute, and any URL whose
// scheme is not http, https or mailto (raster data: images may stay).
// Relative URLs are made absolute against `base`.
std::string SanitizeHtml(std::string_view html, std::string_view base_url);

// Plain text of an HTML fragment, whitespace collapsed, entities decoded.
std::string HtmlToText(std::string_view html);

}  // namespace redwire::parse
