// URL text: percent-encoding both ways and the "is this an http(s) URL"
// check that config, the WebSub hub and the routes share. Resolving and
// canonicalising links stays with the feed parser (parse.h ResolveUrl,
// CanonicalUrl), its one definition.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redwire::util {

// Percent-encodes every byte but RFC 3986's unreserved characters
// (ALPHA / DIGIT / "-" / "." / "_" / "~"), with upper-case hex: ids in URLs
// and URNs, and values in a query string or form body.
std::string PercentEncode(std::string_view s);

enum class PlusIs { kPlus, kSpace };

// Decodes %XX escapes (either case of hex). With PlusIs::kSpace, '+' is a
// space, as in application/x-www-form-urlencoded. nullopt for a '%' not
// followed by two hex digits. Decoded bytes may be anything, NUL included:
// callers that hand the result to C APIs check for it.
std::optional<std::string> PercentDecode(std::string_view s, PlusIs plus = PlusIs::kPlus);

// Whether `url` is an absolute http: or https: URL (scheme in any case)
// with a host, and holds no space, control character or DEL anywhere.
bool IsHttpUrl(std::string_view url);

}  // namespace redwire::util
