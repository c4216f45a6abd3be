// Date parsers: ParseDate (feeds) and ParseHumanDate (scraped pages). The
// first byte picks the hints a scrape rule would give (language of month
// names, day-first, a strftime-like format); the rest is the date text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/parse/parse.h"

namespace {

constexpr const char* kLangs[] = {"", "en", "el", "es", "pt", "ru", "tr", "fr",
                                  "de", "it", "ca", "sr", "uk", "bg", "ro", "xx"};
constexpr const char* kFormats[] = {"", "%d/%m/%Y", "%B %d, %Y", "%b %d, %Y",
                                    "%m/%d/%y %I:%M %p", "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M:%S%z", "%A, %e %B %Y"};
// 2026-01-15 12:00:00 UTC: the reference for "2 hours ago" and "yesterday".
constexpr redwire::UnixTime kNow = 1768478400;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t pick = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)redwire::parse::ParseDate(text);
  redwire::parse::DateHints hints;
  hints.lang = kLangs[pick & 0x0F];
  hints.day_first = (pick & 0x10) == 0;
  hints.format = kFormats[pick >> 5];
  hints.now = kNow;
  std::string refusal;
  (void)redwire::parse::ParseHumanDate(text, hints, &refusal);
  hints.day_first.reset();  // the order unknown: ambiguous dates are refused
  (void)redwire::parse::ParseHumanDate(text, hints, &refusal);
  return 0;
}
