#include "daemon/serve/form.h"

#include "util/url.h"

namespace redwire::app {
namespace {

constexpr std::size_t kMaxFields = 32;

}  // namespace

std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      auto key = util::PercentDecode(pair.substr(0, eq), util::PlusIs::kSpace);
      auto value = util::PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                                       util::PlusIs::kSpace);
      if (!key || !value || fields.size() >= kMaxFields) return std::nullopt;
      fields[*key] = *value;
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return fields;
}

}  // namespace redwire::app
