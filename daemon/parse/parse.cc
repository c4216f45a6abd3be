// ParseFeed: decode, sniff the format, parse strictly, repair and retry,
// and as a last resort recover items from tag soup. The bozo reason names
// every repair that was needed.
#include <exception>

#include "daemon/parse/internal.h"

namespace redwire::parse {
namespace {

using internal::Decoded;
using internal::Trim;

// Text after a BOM that survived transcoding and leading whitespace.
std::string_view DocumentText(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return Trim(text);
}

std::string Join(const std::vector<std::string>& notes) {
  std::string out;
  for (const std::string& note : notes) {
    if (note.empty()) continue;
    if (!out.empty()) out += "; ";
    out += note;
  }
  return out;
}

Result<ParsedFeed> ParseXmlWithRecovery(std::string_view text, const Context& context,
                                        std::vector<std::string>& notes) {
  const std::string repaired = internal::RepairXml(text, &notes);
  if (Trim(repaired).empty()) return Error{"not a feed: no markup in the body", ErrorCode::kInvalidArgument};
  if (internal::LooksLikeHtmlPage(repaired)) return Error{"not a feed: HTML page", ErrorCode::kInvalidArgument};

  auto xml = internal::ParseXmlFeed(repaired, context);
  if (!xml.ok()) {
    // No root pugixml could read: tag soup may still hold items.
    auto soup = internal::RecoverWithHtmlParser(repaired, context);
    if (!soup.ok()) return xml.error();
    notes.push_back(xml.error().message);
    notes.push_back("items recovered with an HTML parser");
    return soup;
  }
  internal::XmlOutcome& outcome = xml.value();
  notes.insert(notes.end(), outcome.notes.begin(), outcome.notes.end());
  if (!outcome.well_formed) {
    // The strict tree stops at the first error; the HTML5 parser reads on.
    auto soup = internal::RecoverWithHtmlParser(repaired, context);
    if (soup.ok() && soup->items.size() > outcome.feed.items.size()) {
      notes.push_back("items recovered with an HTML parser");
      ParsedFeed recovered = std::move(soup).value();
      recovered.format = outcome.feed.format;
      recovered.meta = outcome.feed.meta;
      return recovered;
    }
  }
  return std::move(outcome.feed);
}

Result<ParsedFeed> ParseFeedUnguarded(std::string_view body, const Context& context) {
  if (Trim(body).empty()) return Error{"empty body", ErrorCode::kInvalidArgument};
  const Decoded decoded = internal::DecodeToUtf8(body, context.content_type);
  const std::string_view text = DocumentText(decoded.text());
  if (text.empty()) return Error{"empty body", ErrorCode::kInvalidArgument};
  std::vector<std::string> notes{decoded.note};

  // A PHP warning (often HTML: "<br /><b>Deprecated</b>: ...") before a
  // JSON Feed, as before XML (repair.cc cuts that): the JSON starts at the
  // first '{' followed by a key, when no XML declaration comes before it.
  std::string_view json = text;
  if (text.front() != '{') {
    const std::size_t start = text.substr(0, 64 * 1024).find('{');
    if (start != std::string_view::npos && Trim(text.substr(start + 1)).starts_with('"') &&
        text.substr(0, start).find("<?xml") == std::string_view::npos &&
        text.substr(0, start).find("<rss") == std::string_view::npos &&
        text.substr(0, start).find("<feed") == std::string_view::npos) {
      json = text.substr(start);
      notes.push_back("junk before the JSON document");
    }
  }
  auto parsed = json.front() == '{' ? internal::ParseJsonFeed(json, context)
                                    : ParseXmlWithRecovery(text, context, notes);
  if (!parsed.ok()) return parsed;
  ParsedFeed& feed = parsed.value();
  feed.encoding = decoded.encoding;
  feed.bozo_reason = Join(notes);
  feed.bozo = !feed.bozo_reason.empty();
  return parsed;
}

}  // namespace

Result<ParsedFeed> ParseFeed(std::string_view body, const Context& context) {
  try {
    return ParseFeedUnguarded(body, context);
  } catch (const std::exception& e) {
    return Error{std::string("parse failed: ") + e.what(), ErrorCode::kInternal};
  }
}

}  // namespace redwire::parse
