#include "daemon/publish/html_layout.h"

#include "daemon/publish/internal.h"
#include "util/time.h"

namespace redwire::publish {
namespace {

constexpr std::size_t kSummaryChars = 600;

// Mobile first: one column that never needs horizontal scrolling (long
// words and URLs wrap anywhere), widening into a grid from about 44rem.
// Fonts are the system's: Debian's Noto and DejaVu cover Greek, Cyrillic,
// Arabic and Latin with diacritics, and nothing is fetched from elsewhere.
constexpr const char* kCss =
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;font:16px/1.5 system-ui,'Noto Sans','DejaVu Sans',sans-serif;color:#1d1d1d;"
    "background:#fffdf8;overflow-wrap:anywhere}"
    ".wrap{max-width:72rem;margin:0 auto;padding:0 1rem}"
    "a{color:#8a0000}"
    "header.site{background:#8a0000;color:#fff}"
    "header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.2rem;padding-top:.6rem;"
    "padding-bottom:.6rem}"
    ".brand{color:#fff;font-weight:700;font-size:1.35rem;text-decoration:none;letter-spacing:.02em}"
    "form.search{display:flex;flex:1 1 14rem;gap:.4rem;max-width:30rem;margin:0}"
    "form.search input{flex:1 1 auto;min-width:0;padding:.35rem .55rem;border:1px solid #d9c9c9;"
    "border-radius:4px;font:inherit}"
    "form.search button{flex:none;padding:.35rem .8rem;border:0;border-radius:4px;background:#fff;"
    "color:#8a0000;font:inherit;font-weight:600;cursor:pointer}"
    "nav.topics{background:#f3ece0;border-bottom:1px solid #e4ded2;font-size:.92rem}"
    "nav.topics .wrap{display:flex;flex-wrap:wrap;gap:.2rem 1.1rem;padding-top:.45rem;padding-bottom:.45rem}"
    "nav.topics a{text-decoration:none}"
    "h1{font-size:1.6rem;line-height:1.25;margin:1.2rem 0 .3rem;color:#8a0000}"
    "main>p,.subscribe{color:#555}"
    ".subscribe{font-size:.9rem;margin:.2rem 0 .8rem;display:flex;flex-wrap:wrap;gap:.2rem .8rem}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr));gap:0 2rem}"
    "section.topic h2{font-size:1.25rem;margin:1.2rem 0 0}"
    "section.topic h2 a{text-decoration:none}"
    "section.topic .more{font-size:.9rem;margin:.4rem 0 0}"
    "article{border-bottom:1px solid #e4ded2;padding:.75rem 0}"
    "article h2,article h3{font:600 1.08rem/1.35 Georgia,'Noto Serif','DejaVu Serif',serif;margin:0 0 .3rem}"
    "article h2 a,article h3 a{color:#1d1d1d;text-decoration:none}"
    "article h2 a:hover,article h3 a:hover{color:#8a0000;text-decoration:underline}"
    "article p{margin:.3rem 0 0}"
    ".meta{font-size:.8rem;color:#555;display:flex;flex-wrap:wrap;gap:.3rem .45rem;align-items:center;margin:0}"
    ".badge{display:inline-block;max-width:100%;padding:0 .45rem;border-radius:.7rem;background:#eee;color:#333;"
    "text-decoration:none}"
    ".badge.source{background:#f6e3e3;color:#7a0000}"
    ".badge.lang{background:#e3ecf6;color:#1b3f73;text-transform:uppercase}"
    ".badge.topic{background:#e6f2e3;color:#1f5a1a}"
    ".flag{color:#8a5a00;font-style:italic}"
    "nav.pages{display:flex;gap:1.5rem;margin:1.2rem 0}"
    "code{background:#f4f1ea;padding:0 .2rem;font-size:.9em}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:1rem}"
    ".card{border:1px solid #e4ded2;border-radius:6px;padding:.7rem .9rem;background:#fff}"
    ".card h2{font-size:1.05rem;margin:0 0 .3rem}"
    ".card dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .7rem;margin:.3rem 0 0;font-size:.88rem}"
    ".card dt{color:#666}.card dd{margin:0}"
    ".ok{color:#1f5a1a;font-weight:600}.failing{color:#b00;font-weight:700}.pending{color:#777}"
    "footer{border-top:1px solid #e4ded2;margin-top:1.5rem;padding:1rem 0 2rem;font-size:.85rem;color:#555}"
    "footer .wrap{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}";

// At most kSummaryChars bytes, cut at a UTF-8 boundary and, when one is near,
// at a space.
std::string Shorten(const std::string& text) {
  if (text.size() <= kSummaryChars) return text;
  std::size_t cut = kSummaryChars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const std::size_t space = text.rfind(' ', cut);
  if (space != std::string::npos && space > kSummaryChars / 2) cut = space;
  return text.substr(0, cut) + " …";
}

std::string Text(const std::string& s) { return HtmlText(XmlText(s)); }

}  // namespace

std::string TopicPageUrl(const SiteInfo& site, const std::string& topic_id) {
  return site.base_url + "/topics/" + PathSegment(topic_id) + ".html";
}

std::string SourcePageUrl(const SiteInfo& site, const std::string& source_id) {
  return site.base_url + "/sources/" + PathSegment(source_id) + ".html";
}

std::string SiteLink(const std::string& url, const std::string& text, const char* css_class) {
  std::string a = "<a";
  if (css_class != nullptr) a += " class=\"" + std::string(css_class) + "\"";
  return a + " href=\"" + Text(url) + "\">" + Text(text) + "</a>";
}

std::string PageStart(const SiteInfo& site, const std::string& title, const std::vector<Alternate>& alternates,
                      const std::string& query) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + Text(title) + "</title>\n";
  for (const Alternate& alt : alternates) {
    if (alt.href.empty()) continue;
    h += "<link rel=\"alternate\" type=\"" + Text(alt.type) + "\" title=\"" + Text(alt.title) + "\" href=\"" +
         Text(alt.href) + "\">\n";
  }
  h += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  h += "<header class=\"site\"><div class=\"wrap\">" + SiteLink(site.base_url + "/", "redwire", "brand");
  h += "<form class=\"search\" role=\"search\" method=\"get\" action=\"" + Text(site.base_url + "/search.html") +
       "\"><input type=\"search\" name=\"q\" value=\"" + Text(query) +
       "\" placeholder=\"Search all items\" aria-label=\"Search all items\"><button type=\"submit\">Search</button>"
       "</form></div></header>\n";
  h += "<nav class=\"topics\" aria-label=\"Topics\"><div class=\"wrap\">" +
       SiteLink(site.base_url + "/all.html", "All items");
  for (const IndexTopic& t : site.topics) h += SiteLink(TopicPageUrl(site, t.id), t.title);
  h += "</div></nav>\n<main class=\"wrap\">\n";
  return h;
}

std::string PageEnd(const SiteInfo& site) {
  return "</main>\n<footer><div class=\"wrap\"><span>Subscribe to lists:</span>" +
         SiteLink(site.base_url + "/topics.opml", "topics (OPML)") +
         SiteLink(site.base_url + "/sources.opml", "sources (OPML)") +
         SiteLink(site.base_url + "/status", "source status") + "</div></footer>\n</body>\n</html>\n";
}

std::string ItemArticle(const SiteInfo& site, const store::StoredItem& stored, const SourceInfo& source,
                        UnixTime fallback_time, const char* heading) {
  const Item& item = stored.item;
  const bool has_lang = IsBcp47Tag(item.language);
  // dir="auto" lets Arabic or Hebrew titles and texts run right to left.
  std::string h = "<article" + (has_lang ? " lang=\"" + Text(item.language) + "\"" : std::string()) + ">\n";
  const std::string title = item.title.empty() ? "(untitled)" : item.title;
  h += "<" + std::string(heading) + " dir=\"auto\">";
  h += IsWebUrl(item.link) ? "<a class=\"item\" href=\"" + Text(item.link) + "\">" + Text(title) + "</a>"
                           : Text(title);
  h += "</" + std::string(heading) + ">\n<p class=\"meta\" lang=\"en\">";
  const std::string source_name = !source.title.empty() ? source.title : item.source_id;
  // A source no longer configured keeps its items but has no page.
  h += !source.feed_url.empty() ? SiteLink(SourcePageUrl(site, item.source_id), source_name, "badge source")
                                : "<span class=\"badge source\">" + Text(source_name) + "</span>";
  const UnixTime when = item.published != 0 ? item.published : EntryUpdatedOf(stored, fallback_time);
  if (item.date_is_first_seen) {
    // The feed gave no date: say so rather than pass first sight off as one.
    h += "<span class=\"flag\" title=\"the source gave no date\">first seen " + TimeTag(when) + "</span>";
  } else {
    h += TimeTag(when);
  }
  if (has_lang) h += "<span class=\"badge lang\">" + Text(item.language) + "</span>";
  for (const std::string& topic_id : stored.topics) {
    for (const IndexTopic& t : site.topics) {
      if (t.id == topic_id) h += SiteLink(TopicPageUrl(site, t.id), t.title, "badge topic");
    }
  }
  if (!item.author.empty()) h += "<span dir=\"auto\">" + Text(item.author) + "</span>";
  h += "</p>\n";
  const std::string& text = !item.summary_text.empty() ? item.summary_text : item.content_text;
  if (!text.empty()) h += "<p dir=\"auto\">" + Text(Shorten(text)) + "</p>\n";
  return h + "</article>\n";
}

std::string Age(UnixTime t, UnixTime now) {
  const UnixTime d = now - t;
  if (d < 0) {
    // Planned times (next poll) are in the future on purpose.
    const UnixTime ahead = -d;
    if (ahead < 120) return "in " + std::to_string(ahead) + " s";
    if (ahead < 2 * 3600) return "in " + std::to_string(ahead / 60) + " min";
    if (ahead < 2 * 86400) return "in " + std::to_string(ahead / 3600) + " h";
    return "in " + std::to_string(ahead / 86400) + " days";
  }
  if (d < 120) return std::to_string(d) + " s ago";
  if (d < 2 * 3600) return std::to_string(d / 60) + " min ago";
  if (d < 2 * 86400) return std::to_string(d / 3600) + " h ago";
  return std::to_string(d / 86400) + " days ago";
}

std::string TimeTag(UnixTime t) {
  const std::string stamp = util::FormatRfc3339(t);  // "2024-03-05T10:00:00Z"
  return "<time datetime=\"" + HtmlText(stamp) + "\">" + HtmlText(stamp.substr(0, 10) + " " + stamp.substr(11, 5)) +
         " UTC</time>";
}

}  // namespace redwire::publish
