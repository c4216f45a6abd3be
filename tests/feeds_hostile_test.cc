// Output safety (issue 9, point 4; docs/hardening.md): a store and a
// configuration full of hostile titles, names, links and content, served by
// the real routes and server over loopback. Every HTML page, read the way a
// browser reads it (gumbo, HTML5 rules), holds nothing active that redwire
// did not write itself; every Atom feed and OPML list re-parses as
// well-formed XML 1.0 in UTF-8, and the HTML inside Atom content is as
// inert as the pages.
#include <catch2/catch.hpp>

#include <gumbo.h>

#include <memory>
#include <set>
#include <thread>

#include <curl/curl.h>
#include <pugixml.hpp>

#include "daemon/serve/routes.h"
#include "daemon/http/server.h"
#include "daemon/parse/parse.h"
#include "feeds_fixture.h"
#include "hostile_documents.h"

using namespace feeds_test;

namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

struct Page {
  long status = 0;
  std::string content_type;
  std::string body;
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Page Fetch(const std::string& url) {
  REQUIRE(kCurlReady);
  Page p;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &p.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  REQUIRE(curl_easy_perform(curl) == CURLE_OK);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &p.status);
  const char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type) p.content_type = type;
  curl_easy_cleanup(curl);
  return p;
}

const std::string kScript = "<script>alert(1)</script>";
const std::string kImg = "\"><img src=x onerror=alert(1)>";
const std::string kBreakout = "]]></title></a><svg onload=alert(1)>";

// The fixture catalogue with the same ids and hostile names, titles and
// URLs: operators' text is shown on every page too.
std::string HostileConfig() {
  return R"toml([redwire]
public_url = "http://news.example.org"
feed_entries = 2

[[source]]
id = "kke-en"
name = 'KKE <script>alert(1)</script>'
url = 'https://inter.kke.gr/en/rss?a="><script>alert(1)</script>'
tags = ["party"]

[[source]]
id = "pce"
name = '"><img src=x onerror=alert(1)>'
url = "https://www.pce.es/feed/"

[[source]]
id = "kne"
name = ']]></title></a><svg onload=alert(1)>'
url = "https://www.kne.gr/feed"
tags = ["youth"]

[[topic]]
id = "cuba-solidarity"
title = '<script>alert(1)</script>'
match = 'cuba* OR κουβα* OR havana OR habana OR alert'

[[topic]]
id = "labour"
title = '"><img src=x onerror=alert(1)>'
match = 'strike* OR huelga* OR απεργ* OR greve*'

[[topic]]
id = "youth"
title = 'javascript:alert(1)'
tags = ["youth"]
)toml";
}

// Items as hostile as the item model allows: plain-text fields carry
// markup to be escaped, links carry active schemes, and the HTML fields
// are what the sanitiser made of active content (as ingest stores them).
std::vector<redwire::Item> HostileItems() {
  const redwire::UnixTime t0 = 1710000000;
  const std::string safe = redwire::parse::SanitizeHtml(hostile::kActiveHtml, "https://example.org/");
  std::vector<redwire::Item> items;
  const std::string titles[] = {kScript, kImg, kBreakout, "cuba &lt;b&gt; & <b>bold</b>"};
  const std::string links[] = {"javascript:alert(1)", "https://example.org/x\"><script>alert(1)</script>",
                               "data:text/html,<script>alert(1)</script>", " JaVaScRiPt:alert(1)"};
  int n = 100;
  for (const char* source : {"kke-en", "pce", "kne"}) {
    for (std::size_t i = 0; i < std::size(titles); ++i, ++n) {
      redwire::Item item = MakeItem(source, n, titles[i] + " cuba strike", "", t0 + n, "en");
      item.id = i % 2 == 0 ? kImg + std::to_string(n) : "https://example.org/" + kScript + std::to_string(n);
      item.guid = item.id;
      item.link = links[i];
      item.canonical_link = links[i];
      item.author = kScript;
      item.summary = safe;
      item.summary_text = redwire::parse::HtmlToText(safe) + " " + kScript;
      item.content = safe;
      item.content_text = item.summary_text;
      item.categories = {kScript, kImg};
      item.enclosures = {{"javascript:alert(1)", "text/html\"><script>alert(1)</script>", 5},
                         {"https://example.org/a.mp3\"><script>", kImg, 7}};
      item.language = i == 0 ? "en\"><script>alert(1)</script>" : "el";
      items.push_back(std::move(item));
    }
  }
  return items;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A URL a browser would run or render as a document: browsers ignore ASCII
// whitespace and controls in the scheme and compare it without case.
bool IsActiveUrl(std::string_view value) {
  std::string probe;
  for (char c : value) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) probe += c;
  }
  probe = LowerAscii(probe);
  for (const char* bad : {"javascript:", "vbscript:", "livescript:", "data:"}) {
    if (probe.rfind(bad, 0) == 0) return true;
  }
  return false;
}

bool IsUrlAttribute(const std::string& name) {
  static const std::set<std::string> kNames = {"href", "src", "cite", "action", "formaction", "background",
                                               "poster", "xlink:href", "data", "srcset", "ping", "longdesc"};
  return kNames.count(name) != 0;
}

// What in an HTML document or fragment could run or restyle the page,
// read with HTML5 rules. A whole page may hold what redwire writes itself
// in its head: its charset and viewport meta, its alternate links and its
// one stylesheet; and in its header the one search box (a GET form to
// /search.html with a search field and a submit button, nothing else).
std::vector<std::string> ActiveContent(const std::string& html, bool fragment) {
  std::vector<std::string> found;
  GumboOptions options = kGumboDefaultOptions;
  if (fragment) options.fragment_context = GUMBO_TAG_DIV;
  GumboOutput* out = gumbo_parse_with_options(&options, html.data(), html.size());
  REQUIRE(out != nullptr);
  struct At {
    const GumboNode* node;
    bool in_head;
    bool in_search = false;  // inside redwire's own search form
  };
  std::vector<At> stack{{out->root, false}};
  while (!stack.empty()) {
    const At at = stack.back();
    stack.pop_back();
    const GumboNode* node = at.node;
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboElement& e = node->v.element;
    const std::string tag = e.tag == GUMBO_TAG_UNKNOWN ? "unknown" : gumbo_normalized_tagname(e.tag);
    const auto attribute = [&](const char* name) {
      const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
      return a ? std::string(a->value) : std::string();
    };
    bool own = false;  // redwire's own head element
    if (!fragment && at.in_head) {
      own = (e.tag == GUMBO_TAG_META && (!attribute("charset").empty() || attribute("name") == "viewport") &&
             attribute("http-equiv").empty()) ||
            (e.tag == GUMBO_TAG_LINK && attribute("rel") == "alternate") ||
            (e.tag == GUMBO_TAG_STYLE && e.children.length == 1 &&
             LowerAscii(static_cast<const GumboNode*>(e.children.data[0])->v.text.text).find("url(") ==
                 std::string::npos);
    }
    const bool search_form = !fragment && e.tag == GUMBO_TAG_FORM && attribute("class") == "search" &&
                             attribute("method") == "get" && attribute("action").size() > 12 &&
                             attribute("action").compare(attribute("action").size() - 12, 12, "/search.html") == 0;
    if (search_form) own = true;
    if (at.in_search) {
      own = (e.tag == GUMBO_TAG_INPUT && attribute("type") == "search" && attribute("name") == "q") ||
            (e.tag == GUMBO_TAG_BUTTON && attribute("type") == "submit");
    }
    if (e.tag_namespace != GUMBO_NAMESPACE_HTML) found.push_back("foreign element " + tag);
    switch (e.tag) {
      case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
      case GUMBO_TAG_EMBED: case GUMBO_TAG_FORM: case GUMBO_TAG_BASE: case GUMBO_TAG_META:
      case GUMBO_TAG_LINK: case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_APPLET:
      case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
      case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
        if (!own) found.push_back("element " + tag);
        break;
      default:
        break;
    }
    for (unsigned k = 0; k < e.attributes.length; ++k) {
      const auto* a = static_cast<const GumboAttribute*>(e.attributes.data[k]);
      const std::string name = LowerAscii(a->name);
      if (name.rfind("on", 0) == 0) found.push_back(tag + " " + name + "=");
      if (name == "style" || name == "srcdoc") found.push_back(tag + " " + name + "=");
      if (IsUrlAttribute(name) && IsActiveUrl(a->value)) found.push_back(tag + " " + name + "=" + a->value);
    }
    const bool head = at.in_head || e.tag == GUMBO_TAG_HEAD;
    for (unsigned k = 0; k < e.children.length; ++k) {
      stack.push_back({static_cast<const GumboNode*>(e.children.data[k]), head, at.in_search || search_form});
    }
  }
  gumbo_destroy_output(&options, out);
  return found;
}

// Strict UTF-8 without the characters XML 1.0 forbids.
bool IsXmlText(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
    char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const char32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return false;
    i += len;
  }
  return true;
}

// A served XML document (Atom, OPML): well-formed, and for Atom the HTML
// of every text construct of type html is inert and every link is http(s).
void CheckXml(const std::string& path, const std::string& body) {
  INFO(path);
  REQUIRE(IsXmlText(body));
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  INFO(parsed.description() << " at " << parsed.offset);
  REQUIRE(parsed);
  for (pugi::xpath_node x : doc.select_nodes("//*[@type='html']")) {
    const std::string html = x.node().child_value();
    INFO(html);
    CHECK(ActiveContent(html, true).empty());
  }
  for (pugi::xpath_node x : doc.select_nodes("//*[local-name()='link']/@href")) {
    const std::string href = x.attribute().value();
    INFO(href);
    CHECK((href.rfind("http://", 0) == 0 || href.rfind("https://", 0) == 0));
  }
}

// The values of a JSON Feed's URL members ("url", "external_url", ...),
// which readers turn into links; escapes other than \/ are left as they are.
std::vector<std::string> JsonUrls(const std::string& json) {
  std::vector<std::string> urls;
  for (const char* key : {"\"url\":\"", "\"external_url\":\"", "\"home_page_url\":\"", "\"feed_url\":\"",
                          "\"next_url\":\"", "\"image\":\"", "\"banner_image\":\"", "\"avatar\":\"",
                          "\"icon\":\"", "\"favicon\":\""}) {
    const std::string k = key;
    for (std::size_t at = json.find(k); at != std::string::npos; at = json.find(k, at + 1)) {
      std::string value;
      for (std::size_t i = at + k.size(); i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\' && i + 1 < json.size()) {
          value += json[i + 1] == '/' ? "/" : json.substr(i, 2);
          ++i;
        } else {
          value += json[i];
        }
      }
      urls.push_back(value);
    }
  }
  return urls;
}

// The daemon's route table on 127.0.0.1 over the hostile world.
struct Site {
  World world{2};
  asio::io_context io;
  redwire::fetch::Fetcher fetcher{io, redwire::fetch::Options{}};
  std::unique_ptr<redwire::app::Routes> routes;
  std::unique_ptr<redwire::http::Server> server;
  std::thread loop;

  Site() {
    fs::create_directories(world.dir.path / "hostile");
    WriteText(world.dir.path / "hostile" / "feeds.toml", HostileConfig());
    auto loaded = redwire::app::LoadConfig((world.dir.path / "hostile").string());
    if (!loaded.ok()) FAIL(loaded.error().message);
    world.config = loaded.value();
    world.Add(HostileItems());
    // Through the real parser too: active content and links in a feed.
    redwire::parse::Context context;
    context.source_id = "pce";
    context.base_url = "https://www.pce.es/feed/";
    context.now = 1710001000;
    auto parsed = redwire::parse::ParseFeed(hostile::ActiveContent(), context);
    REQUIRE(parsed.ok());
    world.Add(parsed->items);

    server = std::make_unique<redwire::http::Server>(
        io, [this](const redwire::http::Request& r) { return routes->Handle(r); }, redwire::app::RouteLimits());
    REQUIRE(server->Start("127.0.0.1:0").ok());
    routes = std::make_unique<redwire::app::Routes>(*world.store, world.config, base());
    REQUIRE(routes->EnableHub(io, fetcher, (world.dir.path / "redwire.db").string()).ok());
    loop = std::thread([this] { io.run(); });
  }
  ~Site() {
    server->Stop();
    loop.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

// Every page the site serves for this world: the index, status, metrics,
// both OPML lists, each feed in each format with all its history pages,
// and searches whose words are themselves hostile.
std::vector<std::string> EveryPath(Site& site) {
  std::vector<std::string> paths = {"/", "/status", "/status.json", "/metrics", "/topics.opml", "/sources.opml"};
  for (const std::string stem : {"/all", "/topics/cuba-solidarity", "/topics/labour", "/topics/youth",
                                 "/sources/kke-en", "/sources/pce", "/sources/kne"}) {
    for (const char* ext : {".atom", ".json", ".html"}) {
      for (int page = 1;; ++page) {
        const std::string path = stem + (page > 1 ? "/page/" + std::to_string(page) : "") + ext;
        if (page > 1 && Fetch(site.base() + path).status == 404) break;
        paths.push_back(path);
      }
    }
  }
  for (const char* query : {"q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
                            "q=cuba&topic=%3Cscript%3E", "q=cuba&source=%22%3E%3Csvg", "q=%FF%FE%C0%AF",
                            "q=a%00b", "q=cuba%0D%0AX-Injected:+1", "q=alert"}) {
    paths.push_back(std::string("/search?") + query);
    paths.push_back(std::string("/search.html?") + query);
  }
  return paths;
}

}  // namespace

TEST_CASE("every page served over hostile titles and names and links and content is inert and well-formed",
          "[hostile][feeds]") {
  Site site;
  const std::vector<std::string> paths = EveryPath(site);
  REQUIRE(paths.size() > 40);
  int html_pages = 0;
  int xml_documents = 0;
  for (const std::string& path : paths) {
    INFO(path);
    const Page page = Fetch(site.base() + path);
    CHECK(page.status < 500);
    if (page.status != 200) continue;
    CHECK(IsXmlText(page.body));
    if (page.content_type.rfind("text/html", 0) == 0) {
      ++html_pages;
      const auto found = ActiveContent(page.body, false);
      INFO(page.body.substr(0, 4000));
      for (const auto& f : found) INFO(f);
      CHECK(found.empty());
    } else if (page.content_type.find("xml") != std::string::npos) {
      ++xml_documents;
      CheckXml(path, page.body);
    } else if (page.content_type.find("feed+json") != std::string::npos) {
      for (const auto& url : JsonUrls(page.body)) {
        INFO(url);
        CHECK((url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0));
      }
    }
  }
  CHECK(html_pages >= 10);
  CHECK(xml_documents >= 20);

  // The hostile text is shown, escaped, rather than silently dropped.
  for (const char* path : {"/", "/status", "/sources/kke-en.html"}) {
    INFO(path);
    CHECK(Fetch(site.base() + path).body.find("KKE &lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  }
  const Page search = Fetch(site.base() + "/search.html?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  CHECK(search.body.find("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"") != std::string::npos);
  const Page kke = Fetch(site.base() + "/sources/kke-en.html");
  CHECK(kke.body.find("]]&gt;&lt;/title&gt;&lt;/a&gt;&lt;svg onload=alert(1)&gt; cuba strike") != std::string::npos);
  CHECK(kke.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  pugi::xml_document atom;
  const Page kke_atom = Fetch(site.base() + "/sources/kke-en.atom");
  REQUIRE(atom.load_buffer(kke_atom.body.data(), kke_atom.body.size()));
  std::set<std::string> titles;
  for (auto entry : atom.child("feed").children("entry")) titles.insert(entry.child_value("title"));
  CHECK(titles.count(kBreakout + " cuba strike") == 1);
}

TEST_CASE("the output-safety check finds what it looks for", "[hostile][feeds]") {
  // Each of these must be caught, or the test above proves nothing.
  const char* active[] = {
      "<p>x</p><script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "<a href=\" JaVa&#x09;ScRiPt:alert(1)\">x</a>",
      "<a href=\"data:text/html,&lt;script&gt;\">x</a>",
      "<svg><circle/></svg>",
      "<p style=\"background:url(javascript:alert(1))\">x</p>",
      "<iframe srcdoc=\"x\"></iframe>",
      "<form action=\"https://evil/\"><input name=\"password\"></form>",
      "<form class=\"search\" method=\"post\" action=\"http://x/search.html\"></form>",
      "<form class=\"search\" method=\"get\" action=\"http://x/search.html\"><input type=\"password\" "
      "name=\"q\"></form>",
      "<input type=\"search\" name=\"q\">",
  };
  for (const char* html : active) {
    INFO(html);
    CHECK_FALSE(ActiveContent(html, true).empty());
    CHECK_FALSE(ActiveContent(std::string("<!DOCTYPE html><html><head></head><body>") + html, false).empty());
  }
  CHECK(ActiveContent("<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href=\"https://x.org/\">ok</a></p>", true).empty());
  CHECK_FALSE(ActiveContent("<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://evil/\"></head></html>",
                            false)
                  .empty());
  // The page's own search box is allowed, in a whole page only.
  const std::string box =
      "<form class=\"search\" method=\"get\" action=\"http://x/search.html\"><input type=\"search\" name=\"q\" "
      "value=\"\"><button type=\"submit\">Search</button></form>";
  CHECK(ActiveContent("<!DOCTYPE html><html><head></head><body>" + box, false).empty());
  CHECK_FALSE(ActiveContent(box, true).empty());
  CHECK_FALSE(IsXmlText("a\xC0\xAF"));
  CHECK_FALSE(IsXmlText("a\x01"));
  CHECK(IsXmlText("Κούβα"));
}
