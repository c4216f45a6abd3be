// Private to the parse module: the helpers its files share. Nothing outside
// daemon/parse/ includes this header; the module's interface is parse.h.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/parse/parse.h"
#include "util/utf8.h"

namespace redwire::parse::internal {

// ------------------------------------------------------------ text.cc

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string ToLowerAscii(std::string_view s);
bool EqualsNoCase(std::string_view a, std::string_view b);
bool StartsWithNoCase(std::string_view s, std::string_view prefix);
std::string_view Trim(std::string_view s);
bool AllDigits(std::string_view s);

// UTF-8 primitives, from util/utf8.h.
using util::AppendUtf8;
using util::IsValidUtf8;
using util::TruncateUtf8;
using util::Utf8SequenceLength;

// What byte 0x80-0x9F means in windows-1252 (U+201C for 0x93), or 0 for
// the five bytes it leaves undefined. Documents and character references
// that put C1 controls in text mean these.
char32_t Windows1252C1(unsigned char byte);

// Valid XML 1.0 character data in NFC: invalid UTF-8 becomes U+FFFD; C0
// controls (except tab, LF, CR) and U+FFFE/U+FFFF are dropped.
std::string CleanText(std::string_view in);

// Whether CleanText would return `in` as it is (most text): spares a copy.
bool IsCleanText(std::string_view in);

// Collapses every whitespace run (U+00A0 included) to one space and trims.
std::string CollapseSpaces(std::string_view in);

// CleanText + CollapseSpaces + cap: single-line fields (title, author, ...).
std::string ShortField(std::string_view raw, std::size_t cap);

// Escapes for XML/HTML text (attribute=false) or a double-quoted attribute.
void AppendEscaped(std::string& out, std::string_view text, bool attribute);

// The first `max_words` words of a plain text, with "…" when cut.
std::string FirstWords(std::string_view text, std::size_t max_words);

// ------------------------------------------------------------ encoding.cc

struct Decoded {
  // The UTF-8 text: the body's own bytes (past a BOM) when they are UTF-8
  // already, which spares a copy of the whole document, else the converted
  // text held here.
  std::string_view text() const { return as_is ? unchanged : std::string_view(converted); }

  bool as_is = false;
  std::string_view unchanged;  // views the body given to DecodeToUtf8
  std::string converted;
  std::string encoding;  // the charset it was decoded from (lower case)
  std::string note;      // set when the declared charset was wrong or unknown
};

// Finds the charset (BOM > HTTP charset > XML declaration / HTML meta >
// detection) and converts to UTF-8. See docs/parsing.md for the precedence.
// The result may view `body`, which must outlive it.
Decoded DecodeToUtf8(std::string_view body, std::string_view content_type);

// ------------------------------------------------------------ repair.cc

// Repairs what pugixml would reject or mis-read: junk before the document,
// HTML named entities, bare '&', control characters. Appends a note per
// kind of repair to *notes (the bozo reason), when given.
std::string RepairXml(std::string_view body, std::vector<std::string>* notes);

// The code point of an HTML 4 named character reference ("eacute",
// "hellip"; not amp, lt, gt, quot, apos), or 0 when it is not one.
char32_t HtmlEntity(std::string_view name);

// ------------------------------------------------------------ dates.cc

// Month (1-12) of a month name or abbreviation in any supported language
// (or only `lang` when given); 0 when unknown.
int MonthFromName(std::string_view word, std::string_view lang);

// ------------------------------------------------------------ url.cc

// Strips surrounding spaces and every tab/CR/LF, as browsers do.
std::string StripUrlNoise(std::string_view url);
bool HasWebScheme(std::string_view url);

// The lower-cased scheme when `url` starts with a valid one.
std::optional<std::string> UrlScheme(std::string_view url);

// An http(s) link made absolute against `base`; empty when it is not one.
std::string WebLink(std::string_view base, std::string_view ref);

// ------------------------------------------------------------ html.cc

// SanitizeHtml with an output cap: stops before `cap` bytes, closing what
// it opened. Sets *text (when given) to the plain text of what was kept,
// as HtmlToText would render it, from the same parse. `html` must be
// CleanText output. Tries SanitizeFast, and parses with gumbo when the
// fast path declines.
std::string SanitizeCapped(std::string_view html, std::string_view base, std::size_t cap,
                           std::string* text);

// The gumbo half of SanitizeCapped: an HTML5 parse of any markup. Exposed
// for the differential test (tests/parse_sanitize_test.cc).
std::string SanitizeWithGumbo(std::string_view html, std::string_view base, std::size_t cap,
                              std::string* text);

// The allowlist both halves apply, named by gumbo's tags.
bool IsAllowedElement(GumboTag tag);
bool IsBlockElement(GumboTag tag);  // a line break before and after it in the text
// Removed with everything inside them (for an HTML element; any foreign
// element, svg or math content, is dropped as well).
bool IsDroppedWithContent(GumboTag tag);
// Appends ` name="value"` to `out` when `name` is allowed on `tag` and its
// value passes: URLs made safe and absolute against `base`, numbers only
// where numbers are expected. `value` is decoded (no character references).
void AppendAllowedAttribute(std::string& out, GumboTag tag, std::string_view name,
                            std::string_view value, std::string_view base);

bool IsVoidElement(std::string_view name);

// The text rendering's last step: a whitespace run holding a line break
// (a block boundary) becomes "\n", any other run one space; U+00A0 counts
// as a space; nothing leads or trails.
std::string CollapseText(std::string_view in);

// ------------------------------------------------------------ html_fast.cc

// SanitizeCapped without gumbo, for the HTML feeds carry: well-nested
// allowed elements (no tables), plain attributes, the usual character
// references. Gives byte for byte what SanitizeWithGumbo gives, or nullopt
// when the markup holds anything it cannot prove it reads as an HTML5
// parser would, or when the output would exceed `cap`. `html` must be
// valid UTF-8 (CleanText output).
std::optional<std::string> SanitizeFast(std::string_view html, std::string_view base,
                                        std::size_t cap, std::string* text);

// True when the document, past its prolog, is an HTML page.
bool LooksLikeHtmlPage(std::string_view doc);

// ------------------------------------------------------------ normalise.cc

// What a reader found in one entry, before normalisation.
struct RawItem {
  std::string title;          // plain text
  std::string link;           // as given
  std::string link_base;      // what `link` resolves against (xml:base or feed URL)
  std::string html_base;      // xml:base in force for the entry's HTML; empty: none
  std::string guid;
  bool guid_is_permalink = true;     // not isPermaLink="false"
  bool guid_marked_permalink = false;  // isPermaLink="true": a link even when relative
  std::string published;      // date strings as given
  std::string updated;
  std::vector<std::string> authors;
  std::string summary_html;
  std::string content_html;
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;  // URLs already resolved
  std::string language;
};

// What a reader found about the feed, besides FeedMeta.
struct RawFeed {
  std::string language;                   // for items without their own
  std::vector<std::string> authors;       // for entries without their own
};

// The normalised item: ids, absolute links, UTC dates, sanitised HTML, caps.
Item Normalise(RawItem raw, const RawFeed& feed, const Context& context);

// Adds items to `out` in order, skipping repeated ids and stopping at the cap.
void AddItems(std::vector<RawItem> raws, const RawFeed& feed, const Context& context,
              ParsedFeed& out);

// Caps and cleans the feed-level fields.
void NormaliseMeta(FeedMeta& meta, const RawFeed& feed);

constexpr std::size_t kTitleCap = 1024;
constexpr std::size_t kShortFieldCap = 1024;  // author, category, guid, URLs
constexpr std::size_t kLanguageCap = 64;
constexpr std::size_t kSummaryCap = 64 * 1024;
constexpr std::size_t kContentCap = 512 * 1024;

// ------------------------------------------------------------ xml.cc

struct XmlOutcome {
  ParsedFeed feed;                 // format, meta and items (encoding, bozo unset)
  bool well_formed = true;         // pugixml read the whole document
  std::vector<std::string> notes;  // problems found, for the bozo reason
};

// RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 from a UTF-8 document. Keeps the
// items closed before an XML error. Fails when there is no feed root.
Result<XmlOutcome> ParseXmlFeed(std::string_view doc, const Context& context);

// ------------------------------------------------------------ recover.cc

// Last resort for XML that pugixml cannot read even after repair: an HTML5
// parse (gumbo) of the tag soup, reading the same RSS/Atom element names.
Result<ParsedFeed> RecoverWithHtmlParser(std::string_view doc, const Context& context);

// ------------------------------------------------------------ json.cc

// JSON Feed 1.0/1.1.
Result<ParsedFeed> ParseJsonFeed(std::string_view doc, const Context& context);

}  // namespace redwire::parse::internal
