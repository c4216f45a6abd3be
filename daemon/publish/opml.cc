// OPML 2.0 (http://opml.org/spec2.opml) subscription lists, through
// pugixml's writer like the Atom feeds.
#include <ctime>
#include <string>

#include <pugixml.hpp>

#include "daemon/publish/internal.h"
#include "daemon/publish/publish.h"

namespace redwire::publish {
namespace {

// RFC 822 date, as OPML's dateCreated wants; built by hand so the C locale
// is not assumed.
std::string Rfc822(UnixTime t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

void Attr(pugi::xml_node node, const char* name, const std::string& value) {
  node.append_attribute(name).set_value(XmlText(value).c_str());
}

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

}  // namespace

std::string RenderOpml(const std::string& title, const std::vector<OpmlOutline>& outlines,
                       UnixTime generated_at) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("utf-8");
  pugi::xml_node opml = doc.append_child("opml");
  opml.append_attribute("version").set_value("2.0");
  pugi::xml_node head = opml.append_child("head");
  head.append_child("title").text().set(XmlText(title).c_str());
  head.append_child("dateCreated").text().set(Rfc822(generated_at).c_str());
  pugi::xml_node body = opml.append_child("body");
  for (const OpmlOutline& o : outlines) {
    pugi::xml_node outline = body.append_child("outline");
    Attr(outline, "type", "rss");  // OPML's name for any feed subscription
    Attr(outline, "text", o.title);
    Attr(outline, "title", o.title);
    Attr(outline, "xmlUrl", o.xml_url);
    if (!o.html_url.empty()) Attr(outline, "htmlUrl", o.html_url);
    if (!o.description.empty()) Attr(outline, "description", o.description);
    if (!o.categories.empty()) {
      std::string joined;
      for (const std::string& c : o.categories) {
        if (!joined.empty()) joined += ',';
        joined += '/' + c;
      }
      Attr(outline, "category", joined);
    }
  }
  StringWriter writer;
  doc.save(writer, "  ", pugi::format_indent, pugi::encoding_utf8);
  return std::move(writer.out);
}

}  // namespace redwire::publish
