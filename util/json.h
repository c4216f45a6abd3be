// JSON: the one escaper for the JSON redwire writes (the parse contract,
// /status.json, JSON Feed, the command line's --json and the store's list
// columns), and the one reader, nlohmann::json (Debian nlohmann-json3-dev),
// behind a call that never throws.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace redwire::util {

enum class JsonEscape {
  kPlain,     // what JSON requires, plus controls and DEL as \u00XX
  kHtmlSafe,  // also '<' and U+2028/U+2029, for documents a browser may read
};

// Appends `s` as a JSON string literal. Bytes that are not valid UTF-8
// become U+FFFD, so the document stays valid JSON whatever a site sent.
void AppendJsonString(std::string& out, std::string_view s, JsonEscape escape = JsonEscape::kPlain);

// `s` as a JSON string literal (AppendJsonString to an empty string).
std::string JsonString(std::string_view s, JsonEscape escape = JsonEscape::kPlain);

// Parses a whole JSON document (RFC 8259; surrounding white space allowed).
// nullopt when it is malformed, not valid UTF-8, or nests arrays and
// objects deeper than `max_depth`. Never throws.
std::optional<nlohmann::json> ParseJson(std::string_view text, std::size_t max_depth = 64);

}  // namespace redwire::util
