// Feed parser: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed in any charset.
// The input's first line (up to 200 bytes) is the HTTP Content-Type, so
// the fuzzer varies media types and charset labels (known, wrong, unknown)
// along with the body; the rest is the body. Whatever parses must honour
// the item model: sanitised HTML (safe_html.h), http(s) links only, no
// negative enclosure length, at most max_items items.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/parse/parse.h"
#include "fuzz/safe_html.h"

namespace {

constexpr std::size_t kMaxContentTypeLine = 200;

bool IsWebLink(std::string_view url) {
  const std::string lower = redwire::fuzz::LowerAscii(url.substr(0, 8));
  return lower.starts_with("http:") || lower.starts_with("https:");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  redwire::parse::Context context;
  context.source_id = "fuzz";
  context.base_url = "https://news.example.org/feeds/all.rss";
  context.now = 1768478400;  // 2026-01-15 12:00:00 UTC
  context.max_items = 50;
  const std::size_t newline = input.substr(0, kMaxContentTypeLine + 1).find('\n');
  if (newline != std::string_view::npos) {
    context.content_type = std::string(input.substr(0, newline));
    input.remove_prefix(newline + 1);
  }

  auto parsed = redwire::parse::ParseFeed(input, context);
  if (!parsed.ok()) return 0;
  const redwire::ParsedFeed& feed = parsed.value();
  if (feed.items.size() > context.max_items) {
    redwire::fuzz::Violated("more items than max_items", std::to_string(feed.items.size()), "");
  }
  for (const redwire::Item& item : feed.items) {
    redwire::fuzz::CheckSafeHtml(item.summary);
    redwire::fuzz::CheckSafeHtml(item.content);
    if (!item.link.empty() && !IsWebLink(item.link)) redwire::fuzz::Violated("a non-web item link", item.link, "");
    if (item.id.empty()) redwire::fuzz::Violated("an item without an id", item.title, "");
    for (const redwire::Enclosure& e : item.enclosures) {
      if (e.length < 0) redwire::fuzz::Violated("a negative enclosure length", e.url, "");
    }
  }
  (void)redwire::parse::ToJson(feed);
  (void)redwire::parse::ToSummary(feed);
  return 0;
}
