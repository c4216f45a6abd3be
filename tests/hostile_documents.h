// Hostile feed documents of the bad-input catalogue (docs/hardening.md),
// generated rather than kept in git (some are 100 MB). Shared by the
// parser's cases (parse_hostile_test.cc) and the daemon's
// (e2e_hostile_test.cc), so both read the same bytes.
#pragma once

#include <string>

namespace hostile {

inline std::string Repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

inline std::string Rss(const std::string& items, const std::string& prolog = "") {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + prolog +
         "<rss version=\"2.0\"><channel><title>Hostile</title><link>https://example.org/</link>" + items +
         "</channel></rss>";
}

inline std::string RssItem(const std::string& guid, const std::string& inner) {
  return "<item><guid>" + guid + "</guid>" + inner + "</item>";
}

// Ten levels of ten references each (10^9 "lol"s if expanded), plus the
// quadratic variant: a 50 KB entity referenced 20 000 times (1 GB).
inline std::string BillionLaughs() {
  std::string dtd = "<!DOCTYPE rss [<!ENTITY lol \"lol\">";
  dtd += "<!ENTITY lol1 \"" + Repeat("&lol;", 10) + "\">";
  for (int i = 2; i <= 9; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + Repeat("&lol" + std::to_string(i - 1) + ";", 10) + "\">";
  }
  dtd += "<!ENTITY big \"" + std::string(50000, 'B') + "\">]>";
  return Rss(RssItem("laughs", "<title>a &lol9; b</title><description>&lol9;&lol9;" + Repeat("&big;", 20000) +
                                "</description><link>https://example.org/&lol9;</link>") +
                 RssItem("laughs-after", "<title>Still here</title>"),
             dtd);
}

// General, parameter and public external entities naming `uri` (a file://
// URL), used in every text field and as an enclosure URL.
inline std::string ExternalEntities(const std::string& uri) {
  const std::string dtd = "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"" + uri + "\">" + "<!ENTITY % remote SYSTEM \"" +
                          uri + "\">%remote;" + "<!ENTITY pub PUBLIC \"-//X//Y\" \"" + uri + "\">]>";
  return Rss(RssItem("xxe", "<title>&xxe;</title><description>&xxe; &pub;</description>"
                         "<author>&xxe;</author><category>&xxe;</category>"
                         "<enclosure url=\"" + uri + "\" type=\"text/plain\" length=\"5\"/>") +
                 RssItem("xxe-after", "<title>kept</title>"),
             dtd);
}

// One line of at least `bytes`: a normal item, one item whose description
// holds the bulk, and an item after it.
inline std::string HugeSingleLine(std::size_t bytes) {
  std::string body = Rss(RssItem("huge-first", "<title>First</title>") + "@@@" + RssItem("huge-after", "<title>After</title>"));
  const std::size_t hole = body.find("@@@");
  std::string big = "<item><guid>huge-big</guid><title>" + std::string(1000, 'T') + "</title><description>";
  const std::string word = "&lt;p&gt;Workers of the world&lt;/p&gt; ";
  big.reserve(bytes + 100);
  while (big.size() < bytes) big += word;
  big += "</description></item>";
  body.replace(hole, 3, big);
  return body;
}

// Elements nested `depth` deep between two items.
inline std::string DeepXml(std::size_t depth) {
  return Rss(RssItem("deep-before", "<title>Before</title>") + Repeat("<x>", depth) + "bottom" +
             Repeat("</x>", depth) + RssItem("deep-after", "<title>After</title>"));
}

// Elements opened `depth` deep and never closed, inside an item: the
// strict parse fails and the tag soup goes to the HTML parser.
inline std::string DeepUnclosedXml(std::size_t depth) {
  return Rss(RssItem("open-before", "<title>Before</title>") + "<item><guid>open-deep</guid><description>" +
             Repeat("<x>", depth));
}

// `n` items whose HTML field is never closed, one after the other.
inline std::string UnclosedFields(std::size_t n) {
  return Rss(RssItem("unclosed-first", "<title>First</title>") + Repeat("<item><description>x ", n));
}

// JSON Feed arrays nested `depth` deep.
inline std::string DeepJson(std::size_t depth) {
  return "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"T\",\"items\":[" + Repeat("[", depth);
}

// Overlong '/', a UTF-16 surrogate, past U+10FFFF, a 5-byte form, a lone
// continuation byte, a truncated sequence and bytes UTF-8 never uses.
inline const std::string kBadUtf8 =
    "a\xC0\xAF" "b\xED\xA0\x80" "c\xF4\x90\x80\x80" "d\xF8\x88\x80\x80\x80" "e\x80" "f\xE2\x82" "g\xFE\xFF";
inline const std::string kGreek = "Κομμουνιστικό Κόμμα Ελλάδας ";

inline std::string InvalidUtf8() {
  const std::string& bad = kBadUtf8;
  return Rss(RssItem("utf8-ok", "<title>" + kGreek + "</title>") +
             RssItem("utf8-bad-" + bad, "<title>" + kGreek + bad + "</title><description>" + bad + "</description>"
                                     "<author>" + bad + "</author><category>" + bad + "</category>"
                                     "<link>https://example.org/" + bad + "</link>"
                                     "<enclosure url=\"https://example.org/" + bad + ".mp3\" type=\"" + bad + "\"/>"));
}

inline std::string NulBytes() {
  using namespace std::string_literals;
  return Rss(RssItem("n\0ul"s, "<title>ti\0tle &#0; &#x0; end</title>"s "<description>a\0b</description>"s) +
             "\0\0\0"s + RssItem("nul-after", "<title>After</title>"));
}

inline std::string ManyItems(int n) {
  std::string items;
  for (int i = 0; i < n; ++i) items += RssItem("many-" + std::to_string(i), "<title>Item " + std::to_string(i) + "</title>");
  return Rss(items);
}

// `copies` items with the same guid, then two without one whose links
// differ only in what canonical links drop.
inline std::string DuplicateGuids(int copies) {
  std::string items;
  for (int i = 0; i < copies; ++i) items += RssItem("same", "<title>Copy " + std::to_string(i) + "</title>");
  items += "<item><title>Twin</title><link>https://example.org/t</link></item>"
           "<item><title>Twin</title><link>https://EXAMPLE.org/t#x</link></item>";
  return Rss(items);
}

// Year 1, year 9999 and beyond, in RFC 822 and RFC 3339 shapes.
inline const char* const kFarDates[] = {
    "Mon, 01 Jan 0001 00:00:00 GMT", "0001-01-01T00:00:00Z",          "0001-01-01T00:00:00+23:59",
    "Fri, 31 Dec 9999 23:59:59 GMT", "9999-12-31T23:59:59Z",          "9999-12-31T23:59:59-23:59",
    "Fri, 31 Dec 9999 23:59:59 -9999", "99999999999-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
    "0000-00-00T00:00:00Z",          "9223372036854775807-12-31",     "Mon, 01 Jan 99999999999999999999 00:00 GMT",
};

inline std::string FarDates() {
  std::string items;
  int n = 0;
  for (const char* date : kFarDates) {
    items += RssItem("date-d" + std::to_string(n), std::string("<pubDate>") + date + "</pubDate>");
    items += RssItem("date-a" + std::to_string(n++),
                  std::string("<atom:updated xmlns:atom=\"http://www.w3.org/2005/Atom\">") + date + "</atom:updated>");
  }
  return Rss(items);
}

inline const char* const kEnclosureLengths[] = {
    "-1", "-9223372036854775808", "99999999999999999999", "18446744073709551615", "9223372036854775808",
    "1e10", "0x10", " 12 ", "", "NaN"};

inline std::string EnclosureLengths() {
  std::string items;
  int n = 0;
  for (const char* length : kEnclosureLengths) {
    items += RssItem("length-" + std::to_string(n++),
                  std::string("<title>Length</title><enclosure url=\"https://example.org/a.mp3\" type=\"audio/mpeg\" "
                              "length=\"") + length + "\"/>");
  }
  return Rss(items);
}

// Active content in every field that carries HTML or a URL.
inline const std::string kActiveHtml =
    "<p>text</p><script>alert(1)</script><img src=x onerror=alert(2)>"
    "<a href=\"javascript:alert(3)\">j</a><a href=\"data:text/html,&lt;script&gt;alert(4)&lt;/script&gt;\">d</a>"
    "<a href=\"JaVaScRiPt&#58;alert(5)\">k</a><svg onload=alert(6)></svg><iframe src=\"https://evil/\"></iframe>";
inline const char* const kActiveLinks[] = {"javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                           "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                                           "file:///etc/passwd"};

inline std::string EscapeXml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

inline std::string ActiveContent() {
  std::string items;
  int n = 0;
  for (const char* link : kActiveLinks) {
    const std::string xml_link = EscapeXml(link);
    items += RssItem("active-" + std::to_string(n++),
                  "<title>Active</title><link>" + xml_link + "</link><description>" + EscapeXml(kActiveHtml) +
                      "</description><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
                      "<![CDATA[" + kActiveHtml + "]]></content:encoded>"
                      "<enclosure url=\"" + xml_link + "\" type=\"text/html\"/>");
  }
  return Rss(items);
}

// A title of at least `bytes` (a character and an escaped ampersand).
inline std::string LongTitle(std::size_t bytes) {
  std::string title;
  title.reserve(bytes + 8);
  while (title.size() < bytes) title += "Κ&amp;";
  return Rss(RssItem("long-title", "<title>" + title + "</title>") + RssItem("long-after", "<title>After</title>"));
}

}  // namespace hostile
