// The sanitiser's two paths against each other (daemon/parse/html_fast.cc
// and html.cc): wherever the fast tokenizer accepts markup, it must give
// byte for byte the markup and text the gumbo path gives. Checked on every
// summary, content and other text of the fixture corpus, on paragraphs of
// the saved web pages, on tricky snippets, on every character reference
// the fast path knows, and on generated markup. The fast path must also
// accept the markup feeds commonly carry (else it would be no fast path)
// and keep the sanitiser's guarantees on its own.
#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/parse/internal.h"

namespace {

namespace fs = std::filesystem;
namespace internal = redwire::parse::internal;

constexpr std::size_t kNoCap = std::numeric_limits<std::size_t>::max() / 2;
constexpr std::string_view kBase = "https://www.pcp.pt/nota/1";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Tally {
  int fields = 0;
  int accepted = 0;
};

// Runs both paths on `html` as the normaliser hands it over (CleanText
// output); CHECKs they agree whenever the fast path accepts. Returns
// whether it accepted.
bool Agree(std::string_view html, std::string_view base = kBase, std::size_t cap = kNoCap) {
  const std::string cleaned = internal::CleanText(html);
  std::string fast_text;
  const auto fast = internal::SanitizeFast(cleaned, base, cap, &fast_text);
  if (!fast) return false;
  std::string gumbo_text;
  const std::string gumbo = internal::SanitizeWithGumbo(cleaned, base, cap, &gumbo_text);
  INFO("html: " << cleaned);
  CHECK(*fast == gumbo);
  CHECK(fast_text == gumbo_text);
  return true;
}

void Count(Tally& tally, std::string_view html) {
  ++tally.fields;
  tally.accepted += Agree(html);
}

std::string DirectText(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

bool IsHtmlField(std::string_view name) {
  const std::size_t colon = name.find(':');
  if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
  return name == "description" || name == "summary" || name == "content" || name == "encoded" ||
         name == "body" || name == "title" || name == "subtitle" || name == "tagline";
}

// Every element's character data in an XML feed, read as the parser reads
// it (decoded, repaired); the HTML fields are tallied in `html_fields`.
void CompareXmlDocument(const std::string& body, Tally& html_fields) {
  const internal::Decoded decoded = internal::DecodeToUtf8(body, "");
  const std::string repaired = internal::RepairXml(decoded.text(), nullptr);
  pugi::xml_document doc;
  doc.load_buffer(repaired.data(), repaired.size(), pugi::parse_default | pugi::parse_ws_pcdata,
                  pugi::encoding_utf8);
  std::vector<pugi::xml_node> stack{doc};
  while (!stack.empty()) {
    const pugi::xml_node node = stack.back();
    stack.pop_back();
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) stack.push_back(c);
    }
    if (node.type() != pugi::node_element) continue;
    const std::string text = DirectText(node);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    if (IsHtmlField(node.name())) {
      Count(html_fields, text);
    } else {
      Agree(text);
    }
  }
}

// Every string of a JSON document, unescaped (content_html, summary, ...).
std::vector<std::string> JsonStrings(std::string_view json) {
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '"') continue;
    std::string s;
    for (++i; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] != '\\' || i + 1 >= json.size()) {
        s += json[i];
        continue;
      }
      const char e = json[++i];
      if (e == 'n') s += '\n';
      else if (e == 't') s += '\t';
      else if (e == 'r') s += '\r';
      else if (e == 'u' && i + 4 < json.size()) {
        internal::AppendUtf8(s, static_cast<char32_t>(std::stoul(std::string(json.substr(i + 1, 4)), nullptr, 16)));
        i += 4;
      } else {
        s += e;
      }
    }
    strings.push_back(std::move(s));
  }
  return strings;
}

std::vector<fs::path> FilesIn(const std::string& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(REDWIRE_FIXTURES) / folder)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("fast sanitiser: gumbo's bytes for every text of the feed fixtures", "[sanitize][fast]") {
  Tally html_fields;
  int documents = 0;
  for (const std::string folder : {"feeds", "parse", "e2e"}) {
    for (const fs::path& path : FilesIn(folder)) {
      const std::string name = path.filename().string();
      if (name.ends_with(".expected.json") || name.ends_with(".url") ||
          name.ends_with(".content-type") || name.ends_with(".html")) {
        continue;
      }
      INFO(path.string());
      const std::string body = Slurp(path);
      ++documents;
      if (name.ends_with(".json")) {
        for (const std::string& s : JsonStrings(body)) Count(html_fields, s);
      } else {
        CompareXmlDocument(body, html_fields);
      }
    }
  }
  CHECK(documents >= 100);
  INFO(html_fields.accepted << " of " << html_fields.fields << " fields accepted");
  CHECK(html_fields.fields >= 400);
  // Feeds' HTML is mostly simple: the fast path must take most of it.
  CHECK(html_fields.accepted * 10 >= html_fields.fields * 7);
}

TEST_CASE("fast sanitiser: gumbo's bytes for paragraphs of the saved web pages", "[sanitize][fast]") {
  Tally paragraphs;
  for (const fs::path& path : FilesIn("scrape")) {
    INFO(path.string());
    const std::string page = internal::CleanText(Slurp(path));
    Agree(page);  // whole pages: declined (doctype, script), and that is checked too
    for (std::string_view open : {"<p", "<li", "<h2", "<blockquote", "<div"}) {
      const std::string close = "</" + std::string(open.substr(1)) + ">";
      for (std::size_t at = page.find(open); at != std::string::npos; at = page.find(open, at + 1)) {
        const std::size_t end = page.find(close, at);
        if (end == std::string::npos || end - at > 20000) continue;
        Count(paragraphs, std::string_view(page).substr(at, end + close.size() - at));
      }
    }
  }
  INFO(paragraphs.accepted << " of " << paragraphs.fields << " accepted");
  CHECK(paragraphs.fields >= 300);
  CHECK(paragraphs.accepted * 3 >= paragraphs.fields);
}

TEST_CASE("fast sanitiser: tricky snippets", "[sanitize][fast]") {
  // Each either declined or identical; those marked true must be accepted.
  const std::pair<const char*, bool> cases[] = {
      {"<p>Plain paragraph</p>", true},
      {"<p>One</p>\n<p>Two <b>bold <i>both</i></b> &amp; more</p>", true},
      {"<p><img src=\"/img/1.jpg\" alt=\"photo\"> text</p><ul><li>a</li><li>b</li></ul>", true},
      {"<P CLASS=x>Upper <A HREF='/a?x=1&amp;y=2' TITLE=t>case</A></P>", true},
      {"<a href=/unquoted/path/>x</a>", true},
      {"<a href=\"?id=1&lang=en\">bare ampersand</a>", true},
      {"<a href=\"?id=1&copy=2\">legacy name in a URL</a>", false},
      {"<a href=\"?a=1&notit=2\">legacy prefix</a>", false},
      {"AT&T &amp; R&D & co; &#8217;quotes&#x2019; &eacute;t&eacute; &hellip;", true},
      {"&copy 2025", false},
      {"&notin; &check; &bogus;", false},
      {"&#0; &#x80; &#13; &#xD800; &#x110000; &#xFDD0; &#1;", false},
      {"tab&#9;newline&#10;space&#32;nbsp&#160;", true},
      {"1 < 2 > 0, a <= b, <3, x<y", false},
      {"1 < 2 > 0 and a <= b", true},
      {"<br><br/><br /><hr><img src=x.png />", true},
      {"<p/>self-closed p", true},
      {"<p>a<div>b</div></p>", false},
      {"<p>a<p>b", false},
      {"<p>unclosed <b>at the end", true},
      {"<b><i>mis</b>nested</i>", false},
      {"<ul><li>a<li>b</ul>", false},
      {"<ul><li>nested<ul><li>inner</li></ul></li></ul>", true},
      {"<li>orphan</li>", false},
      {"<dl><dt>t</dt><dd>d</dd></dl>", true},
      {"<a href=\"/1\">a <a href=\"/2\">b</a></a>", false},
      {"<h1>x <h2>y</h2></h1>", false},
      {"<table><tr><td>c</td></tr></table>", false},
      {"<pre>\ncode</pre>", false},
      {"<pre>code\n  indented</pre>", true},
      {"<blockquote cite=\"http://x.org/q\"><p>q</p></blockquote>", true},
      {"<figure><img src=\"a.png\"><figcaption>c</figcaption></figure>", true},
      {"<!-- comment --><p>after</p><!----><!-- a -- b -->", true},
      {"<!--> <!---> x --!> <!-- y", false},
      {"<!-- a --!> <p>shown</p> -->", false},
      {"<!-- a --!-> <p>hidden</p> -->", true},
      {"<![CDATA[x]]> <!DOCTYPE html> <?php x ?>", false},
      {"</p>stray end tag", false},
      {"</ x> </>", false},
      {"<span>a</span > <em >b</em>", true},
      {"<b >b</b foo>", false},
      {"<a href=\"/x\" href=\"/y\">dup</a>", false},
      {"<a title=\"a > b\">gt in a value</a>", false},
      {"<a title=\"a < b\">lt in a value</a>", true},
      {"<a title=\"x\"y=\"z\">no space</a>", false},
      {"<img src=\"x.png\" / alt=\"y\">", false},
      {"<span\tclass=\"a\"\nid=b data-x='1' aria-label=\"l\">attrs</span>", true},
      {"<img width=\"100\" height=\"5o\" src=\"data:image/png;base64,AAAA\">", true},
      {"<a href=\"javascript:alert(1)\" onclick=\"x()\" style=\"color:red\">j</a>", true},
      {"<a href=\"jav&#x09;ascript:alert(1)\">j</a><a href=\" JaVaScRiPt:x\">k</a>", true},
      {"<img src=\"data:image/svg+xml;base64,AAAA\"><a href=\"data:text/html,x\">d</a>", true},
      {"<a href=\"vbscript:x\">v</a><a href=\"mailto:a@b.org\">m</a>", true},
      {"<script>alert(1)</script><style>p{}</style>", false},
      {"<iframe src=\"https://x\"></iframe><object></object>", false},
      {"<font color=red>f</font><section>s</section>", false},
      {"line\r\nbreak", false},
      {"nbsp\xC2\xA0here \xC2\xAB\xC2\xBB C1\xC2\x85", false},
      {"nbsp\xC2\xA0here \xC2\xAB\xC2\xBB", true},
      {"\xEF\xB7\x90 noncharacter", false},
      {"\xEF\xBB\xBF BOM \xEF\xBF\xBD replacement \xF0\x9F\x98\x80 emoji", true},
      {"\xF0\x9F\xBF\xBE plane noncharacter", false},
      {"Greek Αλληλεγγύη, Cyrillic Солидарность, Turkish dayanışma", true},
      {"del\x7F", false},
      {"<q>q</q><cite>c</cite><abbr title=\"t\">a</abbr><time datetime=\"2025\">t</time>", true},
      {"<sub>1</sub><sup>2</sup><small>s</small><mark>m</mark><ins>i</ins><del>d</del>", true},
      {"<code>c</code><kbd>k</kbd><samp>s</samp><var>v</var><dfn>d</dfn><bdi>b</bdi><tt>t</tt>", true},
      {"<b><b><b><b>four</b></b></b></b>", true},
      {"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", true},
      {"", true},
      {"   ", true},
      {"<", false},
      {"a <", false},
      {"<p", false},
      {"<a href=\"x", false},
  };
  for (const auto& [html, must_accept] : cases) {
    INFO(html);
    const bool accepted = Agree(html);
    if (must_accept) CHECK(accepted);
  }
}

TEST_CASE("fast sanitiser: every character reference it knows, in text and attributes",
          "[sanitize][fast]") {
  // The HTML 4 names (the fast path's table) and the upper-case legacy ones.
  const char* names[] = {
      "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
      "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
      "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
      "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave",
      "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
      "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml",
      "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig",
      "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth",
      "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
      "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml", "Alpha", "Beta", "Gamma", "Delta",
      "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu", "Nu", "Xi", "Omicron",
      "Pi", "Rho", "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega", "alpha", "beta",
      "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
      "xi", "omicron", "pi", "rho", "sigmaf", "sigma", "tau", "upsilon", "phi", "chi", "psi",
      "omega", "OElig", "oelig", "Scaron", "scaron", "Yuml", "fnof", "circ", "tilde", "ensp",
      "emsp", "thinsp", "zwnj", "zwj", "lrm", "rlm", "ndash", "mdash", "lsquo", "rsquo", "sbquo",
      "ldquo", "rdquo", "bdquo", "dagger", "Dagger", "bull", "hellip", "permil", "prime", "Prime",
      "lsaquo", "rsaquo", "oline", "frasl", "euro", "trade", "larr", "uarr", "rarr", "darr",
      "harr", "minus", "infin", "asymp", "ne", "le", "ge", "loz", "spades", "clubs", "hearts",
      "diams", "amp", "lt", "gt", "quot", "apos", "AMP", "LT", "GT", "QUOT", "COPY", "REG",
      "NBSP", "Amp", "lang", "rang", "notit", "ampx", "copyx"};
  int decoded = 0;
  for (const char* name : names) {
    for (const std::string suffix : {";", "x", " ", "=", "", ";x"}) {
      const std::string ref = std::string("&") + name + suffix;
      INFO(ref);
      decoded += Agree("a" + ref + "b") && suffix == ";";
      Agree("<a href=\"/s?q=" + ref + "1\" title=\"" + ref + "\">t</a>");
      Agree("<a title=" + ref + ">t</a>");
    }
  }
  CHECK(decoded >= 200);  // the 202 names of the table, with their ';'
  for (int cp : {9, 10, 32, 38, 39, 60, 62, 65, 126, 127, 128, 159, 160, 255, 0x300, 0x391,
                 0x2019, 0xD7FF, 0xE000, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFEFF, 0xFFFD, 0xFFFE,
                 0x10000, 0x1F600, 0x1FFFE, 0x10FFFF, 0x110000}) {
    for (const char* form : {"&#%d;", "&#x%X;", "&#x%x;", "&#X%05X;", "&#%d", "&#x%X"}) {
      char ref[32];
      std::snprintf(ref, sizeof ref, form, cp);
      INFO(ref);
      Agree(std::string("a") + ref + "b");
      Agree(std::string("<a href=\"/") + ref + "\" title='" + ref + "'>t</a>");
    }
  }
}

TEST_CASE("fast sanitiser: generated markup", "[sanitize][fast]") {
  // Pieces the fast path handles, pieces it must decline, and pieces that
  // make HTML5 restructure; strung together at random.
  const std::vector<std::string> pieces = {
      "<p>", "</p>", "<b>", "</b>", "<i>", "</i>", "<em>", "</em>", "<strong>", "</strong>",
      "<a href=\"/x?a=1&amp;b=2\">", "<a href='https://example.org/y' title=\"T &eacute;\">",
      "<a href=javascript:x>", "</a>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>",
      "<dl>", "<dt>", "<dd>", "</dl>", "</dt>", "</dd>", "<h2>", "</h2>", "<h3 id=x>", "</h3>",
      "<div>", "</div>", "<span class=c>", "</span>", "<blockquote>", "</blockquote>",
      "<pre>", "</pre>", "<code>", "</code>", "<br>", "<br/>", "<hr>", "<img src=\"i.png\" alt=\"a\">",
      "<img src=x.gif width=10 height=\"2x\">", "<figure>", "</figure>", "<figcaption>",
      "</figcaption>", "<table>", "<tr>", "<td>", "</td>", "</tr>", "</table>", "<font>",
      "</font>", "<section>", "</section>", "<script>", "</script>", "<iframe>", "<p/>", "<b/>",
      "<!-- c -->", "<!-- c --!>", "-->", "<!-->", "<!", "</>", "</ x>", "<3", "<?x?>", "text ", "Αλληλεγγύη ", " ",
      "\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&eacute;", "&hellip;", "&#8217;",
      "&#x2019;", "&#10;", "&#0;", "&#x85;", "&copy", "&notit;", "&check;", "& ", "&x", "AT&T",
      "<", ">", "\"", "'", "=", "\r", "\xC2\xA0", "\xC2\x85", "\x7F", "\xEF\xB7\x90",
      "<b><b><b><b>", "</b></b></b></b>", "<a>", "<q>", "</q>", "<sub>", "</sub>", "<small>",
      "</small>", "<P>", "</P>", "<LI>", "</Li>", "<Br>",
  };
  // Mostly well-formed markup too: elements opened and closed in order,
  // with text and references between, so the accepting path is exercised
  // in depth (and its nesting rules against HTML5's).
  const std::vector<std::string> elements = {
      "p", "b", "i", "em", "strong", "a", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h3",
      "div", "span", "blockquote", "pre", "code", "q", "figure", "figcaption", "small", "sub",
      "u", "s", "del", "abbr", "font", "section", "td", "table"};
  const std::vector<std::string> attributes = {
      "", " href=\"/a/b?c=1&amp;d=2\"", " href='../up'", " href=javascript:x", " title=\"a &amp; b\"",
      " src=\"i.png\" alt=\"x\"", " class=c", " width=\"3\"", " cite=\"http://q.org/\"",
      " onclick=\"x()\"", " style=\"x\"", " href=\"?a=1&b=2\""};
  const std::vector<std::string> texts = {
      "text", " ", "\n", "Αλληλεγγύη", "&amp;", "&nbsp;", "&#8217;", "a&b", "1 < 2", "x > y",
      "<br>", "<img src=\"p.jpg\">", "<hr>", "<!-- c -->", "\"q\"", "\xC2\xA0", "&eacute;"};
  std::mt19937 random(20251122);
  auto below = [&random](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  int accepted = 0;
  constexpr int kSnippets = 20000;
  for (int n = 0; n < kSnippets; ++n) {
    std::string html;
    if (n % 2 == 0) {
      for (std::size_t k = 1 + below(14); k > 0; --k) html += pieces[below(pieces.size())];
    } else {
      std::vector<std::string> open;
      for (std::size_t k = 4 + below(24); k > 0; --k) {
        const std::size_t action = below(10);
        if (action < 3) {
          open.push_back(elements[below(elements.size())]);
          html += "<" + open.back() + attributes[below(attributes.size())] + ">";
        } else if (action < 6 && !open.empty()) {
          html += "</" + open.back() + ">";
          open.pop_back();
        } else {
          html += texts[below(texts.size())];
        }
      }
      while (!open.empty() && below(4) != 0) {
        html += "</" + open.back() + ">";
        open.pop_back();
      }
    }
    accepted += Agree(html);
  }
  INFO(accepted << " of " << kSnippets << " accepted");
  CHECK(accepted >= kSnippets / 10);
  CHECK(accepted <= kSnippets * 9 / 10);
}

TEST_CASE("fast sanitiser: keeps the sanitiser's guarantees on its own", "[sanitize][fast]") {
  const std::pair<const char*, const char*> cases[] = {
      {"<a href=\"javascript:alert(1)\" onclick=\"x()\" style=\"x:expression(1)\">j</a>", "<a>j</a>"},
      {"<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"  JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"vbscript:msgbox(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "<a>x</a>"},
      {"<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<img>"},
      {"<img src=\"data:image/png;base64,iVBORw0KGgo=\" onerror=\"alert(1)\">",
       "<img src=\"data:image/png;base64,iVBORw0KGgo=\">"},
      {"<p style=\"background:url(javascript:alert(1))\" class=\"c\" id=\"i\">x</p>", "<p>x</p>"},
      {"<div style=\"width: expression(alert(1))\">x</div>", "<div>x</div>"},
      {"<a href=\"/temas/cuba\" target=\"_blank\" rel=\"x\">c</a>",
       "<a href=\"https://www.pcp.pt/temas/cuba\">c</a>"},
      {"<a href=\"mailto:imprensa@pcp.pt\" title='Say \"hi\"'>m</a>",
       "<a href=\"mailto:imprensa@pcp.pt\" title=\"Say &quot;hi&quot;\">m</a>"},
      {"<img src=\"x.png\" width=\"100\" height=\"1e3\" alt=\"&lt;b&gt;\">",
       "<img src=\"https://www.pcp.pt/nota/x.png\" width=\"100\" alt=\"&lt;b>\">"},
      {"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
  };
  for (const auto& [html, expected] : cases) {
    INFO(html);
    std::string text;
    const auto fast = internal::SanitizeFast(html, kBase, kNoCap, &text);
    REQUIRE(fast.has_value());
    CHECK(*fast == expected);
    CHECK(Agree(html));
  }
}

TEST_CASE("fast sanitiser: output beyond the cap is left to the gumbo path", "[sanitize][fast]") {
  std::string html;
  for (int i = 0; i < 200; ++i) html += "<p>paragraph " + std::to_string(i) + "</p>";
  std::string text;
  REQUIRE(internal::SanitizeFast(html, kBase, html.size(), &text).has_value());
  CHECK_FALSE(internal::SanitizeFast(html, kBase, html.size() - 1, &text).has_value());
  std::string capped_text, gumbo_text;
  const std::string capped = internal::SanitizeCapped(html, kBase, 1000, &capped_text);
  CHECK(capped == internal::SanitizeWithGumbo(html, kBase, 1000, &gumbo_text));
  CHECK(capped_text == gumbo_text);
  CHECK(capped.size() <= 1000);
  CHECK(capped.ends_with("</p>"));
}
