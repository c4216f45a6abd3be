// HTML sanitiser: any bytes in, and what comes out must be inert to a
// browser (see safe_html.h), with and without a base URL to resolve
// against. The plain-text rendering runs on the same input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/parse/parse.h"
#include "fuzz/safe_html.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  redwire::fuzz::CheckSafeHtml(redwire::parse::SanitizeHtml(html, "https://news.example.org/party/item?id=1"));
  redwire::fuzz::CheckSafeHtml(redwire::parse::SanitizeHtml(html, ""));
  (void)redwire::parse::HtmlToText(html);
  return 0;
}
