// publish internals shared by the format writers of this module (Atom,
// JSON Feed, HTML pages, OPML), so every format names and dates an entry
// the same way. Not part of the module's interface.
#pragma once

#include <string>

#include "store/store.h"

namespace redwire::publish {

// Valid XML 1.0 / UTF-8 text: invalid bytes become U+FFFD, forbidden
// characters are dropped.
std::string XmlText(const std::string& s);
// The entry id every format publishes: the item's own id when it is an
// absolute IRI, else a urn:redwire: name for it.
std::string EntryIdOf(const store::StoredItem& stored);
// updated, else published, else first seen, else `fallback`.
UnixTime EntryUpdatedOf(const store::StoredItem& stored, UnixTime fallback);
// Whether `s` has the shape of a BCP 47 language tag (letters, digits,
// hyphens): only then is it written as xml:lang, language or lang.
bool IsBcp47Tag(const std::string& s);
// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlText(const std::string& s);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PathSegment(const std::string& s);
// Whether `url` is an http:// or https:// URL (scheme in any case): the only
// links a published feed or page carries. The parsers store nothing else,
// but a javascript: or data: URL reaching the store by any other way would
// be live in every reader, so the writers check again.
bool IsWebUrl(const std::string& url);

}  // namespace redwire::publish
