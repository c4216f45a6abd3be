// The HTML page of a feed, for people reading in a browser. Plain text only
// (titles and summaries' text, escaped), so nothing from a source can run or
// restyle the page; a small inline stylesheet and no scripts.
#include <string>

#include "daemon/publish/internal.h"
#include "daemon/publish/publish.h"

namespace redwire::publish {
namespace {

constexpr std::size_t kSummaryChars = 600;

constexpr const char* kPageCss =
    "body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222;"
    "line-height:1.5;background:#fffdf8}"
    "header h1{color:#a00;margin-bottom:.2rem}header p{margin-top:0;color:#555;font-family:system-ui,sans-serif}"
    "article{border-bottom:1px solid #e4ded2;padding:1rem 0}article h2{font-size:1.2rem;margin:0 0 .3rem}"
    "a{color:#8a0000}.meta{font-family:system-ui,sans-serif;font-size:.85rem;color:#666}"
    "nav{font-family:system-ui,sans-serif;margin:1.5rem 0;display:flex;gap:1.5rem}"
    ".subscribe a{margin-right:1rem}";

std::string Link(const std::string& url, const std::string& text) {
  if (!IsWebUrl(url)) return HtmlText(text);
  return "<a href=\"" + HtmlText(XmlText(url)) + "\">" + HtmlText(XmlText(text)) + "</a>";
}

// At most kSummaryChars characters, cut at a UTF-8 boundary and a space.
std::string Shorten(const std::string& text) {
  if (text.size() <= kSummaryChars) return text;
  std::size_t cut = kSummaryChars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const std::size_t space = text.rfind(' ', cut);
  if (space != std::string::npos && space > kSummaryChars / 2) cut = space;
  return text.substr(0, cut) + " …";
}

std::string DateOnly(UnixTime t) { return Rfc3339(t).substr(0, 10); }

}  // namespace

std::string RenderFeedPage(const FeedInfo& feed, const std::vector<store::StoredItem>& items,
                           const SourceLookup& source_of) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + HtmlText(XmlText(feed.title)) + "</title>\n";
  if (!feed.atom_url.empty()) {
    h += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + HtmlText(XmlText(feed.title)) +
         "\" href=\"" + HtmlText(feed.atom_url) + "\">\n";
  }
  if (!feed.json_url.empty()) {
    h += "<link rel=\"alternate\" type=\"application/feed+json\" title=\"" + HtmlText(XmlText(feed.title)) +
         "\" href=\"" + HtmlText(feed.json_url) + "\">\n";
  }
  h += "<style>" + std::string(kPageCss) + "</style>\n</head>\n<body>\n<header>\n";
  h += "<h1>" + HtmlText(XmlText(feed.title)) + "</h1>\n";
  h += "<p class=\"subscribe\">Subscribe: ";
  if (!feed.atom_url.empty()) h += "<a href=\"" + HtmlText(feed.atom_url) + "\">Atom</a>";
  if (!feed.json_url.empty()) h += "<a href=\"" + HtmlText(feed.json_url) + "\">JSON Feed</a>";
  if (!feed.alternate_url.empty()) h += "<a href=\"" + HtmlText(feed.alternate_url) + "\">all feeds</a>";
  h += "</p>\n</header>\n<main>\n";
  if (items.empty()) h += "<p>No items yet.</p>\n";
  for (const auto& stored : items) {
    const Item& item = stored.item;
    const SourceInfo source =
        source_of ? source_of(item.source_id) : SourceInfo{item.source_id, {}, {}, {}};
    const std::string lang =
        !item.language.empty() && item.language.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
                                      std::string::npos
            ? " lang=\"" + HtmlText(item.language) + "\""
            : std::string();
    h += "<article" + lang + ">\n<h2>" + Link(item.link, item.title.empty() ? "(untitled)" : item.title) +
         "</h2>\n";
    const UnixTime when = item.published != 0 ? item.published : EntryUpdatedOf(stored, feed.generated_at);
    const std::string stamp = HtmlText(Rfc3339(when));
    h += "<p class=\"meta\"><time datetime=\"" + stamp + "\">" + HtmlText(DateOnly(when)) + "</time> · " +
         HtmlText(XmlText(!source.title.empty() ? source.title : item.source_id));
    if (!item.author.empty()) h += " · " + HtmlText(XmlText(item.author));
    h += "</p>\n";
    const std::string& text = !item.summary_text.empty() ? item.summary_text : item.content_text;
    if (!text.empty()) h += "<p>" + HtmlText(XmlText(Shorten(text))) + "</p>\n";
    h += "</article>\n";
  }
  h += "</main>\n";
  if (!feed.previous_url.empty() || !feed.next_url.empty()) {
    h += "<nav>";
    if (!feed.previous_url.empty()) h += "<a rel=\"prev\" href=\"" + HtmlText(feed.previous_url) + "\">← newer</a>";
    if (!feed.next_url.empty()) h += "<a rel=\"next\" href=\"" + HtmlText(feed.next_url) + "\">older →</a>";
    h += "</nav>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace redwire::publish
