// form: reads application/x-www-form-urlencoded, as WebSub requests carry
// their fields and as readers write a search's query string (the encoder is
// publish::PercentEncode).
// Private to serve/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace redwire::app {

// The fields of `text` (a POST body or a URL's query), '+' read as a space.
// nullopt when a '%' escape is malformed or there are more than 32 fields.
// A repeated name keeps its last value.
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view text);

}  // namespace redwire::app
