// Character encodings: which charset a body is in, and the conversion to
// UTF-8 that every later stage assumes.
#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

// uchardet is given at most this much: enough text to be sure, bounded time.
constexpr std::size_t kDetectBytes = 256 * 1024;

std::string_view AttributeValueAfter(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos) {
    std::size_t i = pos + key.size();
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
    if (i < text.size() && text[i] == '=') {
      ++i;
      while (i < text.size() && IsAsciiSpace(text[i])) ++i;
      const char quote = i < text.size() && (text[i] == '"' || text[i] == '\'') ? text[i] : 0;
      if (quote != 0) ++i;
      const std::size_t start = i;
      while (i < text.size() && (quote != 0 ? text[i] != quote
                                            : !IsAsciiSpace(text[i]) && text[i] != ';' &&
                                                  text[i] != '"' && text[i] != '\'' &&
                                                  text[i] != '>' && text[i] != '/')) {
        ++i;
      }
      return text.substr(start, i - start);
    }
    pos += key.size();
  }
  return {};
}

std::string NormaliseCharsetName(std::string_view name) {
  std::string n = ToLowerAscii(Trim(name));
  if (n == "utf8" || n == "unicode-1-1-utf-8") return "utf-8";
  if (n == "latin1" || n == "latin-1" || n == "iso8859-1" || n == "iso_8859-1" || n == "l1") {
    return "iso-8859-1";
  }
  if (n == "cp1251" || n == "win-1251" || n == "x-cp1251") return "windows-1251";
  if (n == "cp1252") return "windows-1252";
  if (n == "cp1253") return "windows-1253";
  if (n == "cp1254") return "windows-1254";
  if (n == "greek" || n == "iso8859-7" || n == "iso_8859-7") return "iso-8859-7";
  if (n == "unicode") return "utf-16";
  return n;
}

// What iconv decodes a declared charset with. Browsers read ISO-8859-1 and
// US-ASCII as windows-1252 (and ISO-8859-9 as windows-1254): feeds that
// declare them use the C1 range for curly quotes and dashes.
std::string DecoderFor(const std::string& charset) {
  if (charset == "iso-8859-1" || charset == "us-ascii" || charset == "ascii") return "windows-1252";
  if (charset == "iso-8859-9") return "windows-1254";
  return charset;
}

bool IsUtf8Name(const std::string& charset) { return charset == "utf-8"; }

// A byte order mark, or the UTF-16 or UTF-32 shape of the first '<'
// without one (XML 1.0 appendix F).
std::string FromByteOrder(std::string_view body, std::size_t* bom_size) {
  *bom_size = 0;
  if (body.starts_with("\xEF\xBB\xBF")) {
    *bom_size = 3;
    return "utf-8";
  }
  if (body.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) {
    *bom_size = 4;
    return "utf-32le";
  }
  if (body.starts_with(std::string_view("\x00\x00\xFE\xFF", 4))) {
    *bom_size = 4;
    return "utf-32be";
  }
  if (body.starts_with("\xFF\xFE")) {
    *bom_size = 2;
    return "utf-16le";
  }
  if (body.starts_with("\xFE\xFF")) {
    *bom_size = 2;
    return "utf-16be";
  }
  if (body.starts_with(std::string_view("<\0\0\0", 4))) return "utf-32le";
  if (body.starts_with(std::string_view("\0\0\0<", 4))) return "utf-32be";
  // "<?xml" or, without a declaration, "<rss": '<' then an ASCII character.
  if (body.size() >= 4 && body[0] == '<' && body[1] == '\0' && body[2] != '\0' && body[3] == '\0') {
    return "utf-16le";
  }
  if (body.size() >= 4 && body[0] == '\0' && body[1] == '<' && body[2] == '\0' && body[3] != '\0') {
    return "utf-16be";
  }
  return {};
}

// The encoding in an XML declaration, or an HTML <meta> charset.
std::string FromDocument(std::string_view body) {
  const std::string_view head = Trim(body.substr(0, 1024));
  if (head.starts_with("<?xml")) {
    const std::string_view decl = head.substr(0, head.find("?>"));
    return NormaliseCharsetName(AttributeValueAfter(decl, "encoding"));
  }
  const std::string lower = ToLowerAscii(body.substr(0, 4096));
  std::size_t meta = 0;
  while ((meta = lower.find("<meta", meta)) != std::string::npos) {
    const std::size_t end = lower.find('>', meta);
    const std::string_view tag = std::string_view(lower).substr(meta, end - meta);
    if (std::string_view charset = AttributeValueAfter(tag, "charset"); !charset.empty()) {
      return NormaliseCharsetName(charset);
    }
    meta += 5;
  }
  return {};
}

std::string Detect(std::string_view body) {
  std::unique_ptr<uchardet, decltype(&uchardet_delete)> detector(uchardet_new(), uchardet_delete);
  if (!detector) return {};
  const std::string_view sample = body.substr(0, kDetectBytes);
  if (uchardet_handle_data(detector.get(), sample.data(), sample.size()) != 0) return {};
  uchardet_data_end(detector.get());
  const char* charset = uchardet_get_charset(detector.get());
  return charset == nullptr ? std::string() : NormaliseCharsetName(charset);
}

// Mostly UTF-8 with a few broken bytes (a bad paste in one item) stays
// UTF-8; bytes that are mostly not UTF-8 are in another charset. Counts
// the valid multi-byte sequences in *valid_out.
bool MostlyUtf8(std::string_view s, std::size_t* valid_out) {
  std::size_t valid = 0, invalid = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    const std::size_t len = Utf8SequenceLength(s, i, &cp);
    if (len == 0) {
      ++invalid;
      ++i;
    } else {
      ++valid;
      i += len;
    }
  }
  *valid_out = valid;
  return valid > 4 * invalid;
}

// Whether every non-ASCII byte is in 0x80-0x9F: curly quotes and dashes,
// the same in every windows-125x, so no letters for a detector to tell
// the script by; it guesses, and windows-1252 names them best.
bool OnlyC1Bytes(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x9F;
  });
}

bool HasMultibyteUtf8(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// ISO-8859-x puts C1 controls where windows-125x has quotes, dashes and
// the euro sign; a document that uses them is really in the windows
// sibling, whose C1 range is the same for every script (windows-1252's).
void C1AsWindows1252(std::string& text) {
  std::size_t at = text.find('\xC2');
  if (at == std::string::npos) return;
  std::string out;
  out.reserve(text.size() + 16);
  out.append(text, 0, at);
  for (std::size_t i = at; i < text.size(); ++i) {
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (text[i] == '\xC2' && next >= 0x80 && next <= 0x9F) {
      if (const char32_t cp = Windows1252C1(next); cp != 0) {
        AppendUtf8(out, cp);
        ++i;
        continue;
      }
    }
    out += text[i];
  }
  text = std::move(out);
}

// Converts with iconv. Undecodable bytes become U+FFFD. nullopt when iconv
// does not know the charset.
std::optional<std::string> Transcode(std::string_view body, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  const std::size_t unit = charset.starts_with("utf-32") ? 4 : charset.starts_with("utf-16") ? 2 : 1;
  std::string out;
  out.reserve(body.size() * 2);
  std::array<char, 8192> chunk;
  char* in = const_cast<char*>(body.data());  // iconv's API is not const-correct
  std::size_t in_left = body.size();
  while (in_left > 0) {
    char* dst = chunk.data();
    std::size_t dst_left = chunk.size();
    const std::size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    out.append(chunk.data(), chunk.size() - dst_left);
    if (rc == static_cast<std::size_t>(-1) && errno != E2BIG) {
      out += kReplacementChar;
      const std::size_t skip = std::min(unit, in_left);
      in += skip;
      in_left -= skip;
    }
  }
  iconv_close(cd);
  return out;
}

}  // namespace

Decoded DecodeToUtf8(std::string_view body, std::string_view content_type) {
  Decoded out;
  std::size_t bom = 0;
  std::string charset = FromByteOrder(body, &bom);
  if (charset.empty()) {
    charset = NormaliseCharsetName(AttributeValueAfter(ToLowerAscii(content_type), "charset"));
  }
  std::string wrong_declaration;
  if (charset.empty()) {
    charset = FromDocument(body);
    // A declaration readable as ASCII cannot be in UTF-16 or UTF-32.
    if (charset.starts_with("utf-16") || charset.starts_with("utf-32")) {
      wrong_declaration = "declared " + charset + " but the document is in an 8-bit charset";
      charset.clear();
    }
  }
  const std::string_view payload = body.substr(bom);

  if (charset.empty() || IsUtf8Name(charset)) {
    out.note = wrong_declaration;
    if (IsValidUtf8(payload)) {
      out.as_is = true;
      out.unchanged = payload;
      out.encoding = "utf-8";
      return out;
    }
    std::size_t valid_utf8 = 0;
    const bool mostly_utf8 = MostlyUtf8(payload, &valid_utf8);
    std::string detected = mostly_utf8 ? std::string() : Detect(payload);
    // A few curly quotes in ASCII text are too little for the detector;
    // with no UTF-8 character at all, windows-1252 is what such bytes
    // nearly always are (feedparser's fallback too).
    if (valid_utf8 == 0 && (detected.empty() || IsUtf8Name(detected) || detected == "ascii" ||
                            OnlyC1Bytes(payload))) {
      detected = "windows-1252";
    }
    if (!detected.empty() && !IsUtf8Name(detected) && detected != "ascii") {
      if (auto text = Transcode(payload, DecoderFor(detected))) {
        // XML without a declaration is UTF-8 (XML 1.0 section 4.3.3), so
        // other bytes are an error even when nothing was declared.
        out.note = (charset.empty() ? "no charset declared" : "declared " + charset) +
                   " but the bytes are " + detected;
        if (DecoderFor(detected).starts_with("iso-8859-")) C1AsWindows1252(*text);
        out.converted = std::move(*text);
        out.encoding = detected;
        return out;
      }
    }
    out.converted = CleanText(payload);  // invalid bytes become U+FFFD
    out.encoding = "utf-8";
    out.note = "invalid utf-8";
    return out;
  }

  // A single-byte declaration on bytes that are clearly UTF-8 (a CMS that
  // switched to UTF-8 and kept the old header) would turn into mojibake.
  const bool single_byte = !charset.starts_with("utf-");
  if (single_byte && HasMultibyteUtf8(payload) && IsValidUtf8(payload)) {
    out.as_is = true;
    out.unchanged = payload;
    out.encoding = "utf-8";
    out.note = "declared " + charset + " but the bytes are utf-8";
    return out;
  }
  if (auto text = Transcode(payload, DecoderFor(charset))) {
    if (DecoderFor(charset).starts_with("iso-8859-")) C1AsWindows1252(*text);
    out.converted = std::move(*text);
    out.encoding = charset;
    return out;
  }
  // A charset iconv does not know: trust the bytes.
  const std::string detected = IsValidUtf8(payload) ? std::string("utf-8") : Detect(payload);
  if (!detected.empty() && !IsUtf8Name(detected)) {
    if (auto text = Transcode(payload, DecoderFor(detected))) {
      out.converted = std::move(*text);
      out.encoding = detected;
      out.note = "unknown charset " + charset;
      return out;
    }
  }
  out.converted = CleanText(payload);
  out.encoding = "utf-8";
  out.note = "unknown charset " + charset;
  return out;
}

}  // namespace redwire::parse::internal

namespace redwire::parse {

std::string ToUtf8(std::string_view body, std::string_view content_type, std::string* encoding) {
  internal::Decoded decoded = internal::DecodeToUtf8(body, content_type);
  if (encoding) *encoding = decoded.encoding;
  return decoded.as_is ? std::string(decoded.unchanged) : std::move(decoded.converted);
}

}  // namespace redwire::parse
