// The sanitiser's fast path: one pass over the markup feeds actually carry
// (allowed elements, properly nested; quoted or plain attributes; the usual
// character references), writing exactly what the gumbo path writes for
// it. gumbo builds a tree of nodes for every summary and content; this
// costs little more than a copy.
//
// It declines, and SanitizeCapped parses with gumbo, wherever an HTML5
// parser could build something other than what the tags say or read a
// character differently: elements outside the allowlist or in tables, an
// end tag that does not close the current element, a block inside <p>,
// <li>/<dd>/<dt> outside their list, nested <a> or headings, comments,
// attributes and references of unusual shape, characters the HTML5 input
// stream replaces (CR, controls, C1, noncharacters), nesting deeper than
// kMaxDepth, and output beyond the cap.
// tests/parse_sanitize_test.cc checks both paths give the same bytes on the
// fixture corpus, tricky snippets and generated markup.
#include <gumbo.h>

#include <algorithm>
#include <array>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

// Shallow enough that the gumbo path's own nesting cap (256) never applies
// to markup this path accepts, so both see the same elements.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxAttributes = 16;
constexpr std::size_t kMaxTagName = 10;  // "blockquote", "figcaption"

enum ByteClass : unsigned char {
  kOrdinary,  // copied as it is (continuation bytes included: the input is valid UTF-8)
  kSpace,     // space, tab, line feed: copied, and a space in the text rendering
  kLess,
  kAmp,
  kGreater,   // escaped in text
  kCheck,     // a lead byte of characters gumbo replaces: C1 controls, noncharacters
  kDecline,   // CR (HTML5 rewrites it), other controls, DEL, bytes valid UTF-8 never has
};

constexpr std::array<ByteClass, 256> kClass = [] {
  std::array<ByteClass, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = kDecline;
  t[' '] = kSpace;
  t['\t'] = kSpace;
  t['\n'] = kSpace;
  t['<'] = kLess;
  t['&'] = kAmp;
  t['>'] = kGreater;
  t[0x7F] = kDecline;
  t[0xC0] = t[0xC1] = kDecline;
  t[0xC2] = t[0xEF] = kCheck;
  for (int c = 0xF0; c <= 0xF4; ++c) t[c] = kCheck;
  for (int c = 0xF5; c <= 0xFF; ++c) t[c] = kDecline;
  return t;
}();

bool IsTagSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsAttributeNameChar(char c) {
  return IsAlnum(c) || c == '-' || c == '_' || c == ':' || c == '.';
}

// The legacy references HTML5 also decodes without a ';' ("&copy 2025"),
// as a prefix of a longer name too ("&notit" is "¬it"). A bare '&' before
// a name is literal text only when no name here starts it.
constexpr std::string_view kLegacyReferences[] = {
    "AElig",  "AMP",    "Aacute", "Acirc",  "Agrave", "Aring",  "Atilde", "Auml",   "COPY",
    "Ccedil", "ETH",    "Eacute", "Ecirc",  "Egrave", "Euml",   "GT",     "Iacute", "Icirc",
    "Igrave", "Iuml",   "LT",     "Ntilde", "Oacute", "Ocirc",  "Ograve", "Oslash", "Otilde",
    "Ouml",   "QUOT",   "REG",    "THORN",  "Uacute", "Ucirc",  "Ugrave", "Uuml",   "Yacute",
    "aacute", "acirc",  "acute",  "aelig",  "agrave", "amp",    "aring",  "atilde", "auml",
    "brvbar", "ccedil", "cedil",  "cent",   "copy",   "curren", "deg",    "divide", "eacute",
    "ecirc",  "egrave", "eth",    "euml",   "frac12", "frac14", "frac34", "gt",     "iacute",
    "icirc",  "iexcl",  "igrave", "iquest", "iuml",   "laquo",  "lt",     "macr",   "micro",
    "middot", "nbsp",   "not",    "ntilde", "oacute", "ocirc",  "ograve", "ordf",   "ordm",
    "oslash", "otilde", "ouml",   "para",   "plusmn", "pound",  "quot",   "raquo",  "reg",
    "sect",   "shy",    "sup1",   "sup2",   "sup3",   "szlig",  "thorn",  "times",  "uacute",
    "ucirc",  "ugrave", "uml",    "uuml",   "yacute", "yen",    "yuml"};

bool StartsWithLegacyReference(std::string_view name) {
  for (std::string_view legacy : kLegacyReferences) {
    if (name.starts_with(legacy)) return true;
  }
  return false;
}

// A numeric reference's code point that HTML5 decodes as itself and that
// is valid XML character data; anything else (NUL, CR, controls, the
// windows-1252 remapping of 0x80-0x9F, surrogates, noncharacters) is left
// to gumbo.
bool IsPlainCodePoint(std::uint64_t cp) {
  if (cp < 0x20) return cp == '\t' || cp == '\n';
  if (cp >= 0x7F && cp <= 0x9F) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return false;
  return cp <= 0x10FFFF && (cp & 0xFFFE) != 0xFFFE;
}

enum class Reference { kLiteral, kDecoded, kDecline };

// Reads the character reference at s[i] == '&' as HTML5 does: *cp and
// *length are set when it decodes; kLiteral means the '&' is plain text.
Reference ReadReference(std::string_view s, std::size_t i, char32_t* cp, std::size_t* length) {
  std::size_t j = i + 1;
  if (j >= s.size()) return Reference::kLiteral;
  if (s[j] == '#') {
    ++j;
    const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    const std::size_t digits = j;
    std::uint64_t value = 0;
    for (; j < s.size() && j - digits <= 8; ++j) {
      const char c = AsciiLower(s[j]);
      if (IsDigit(c)) {
        value = value * (hex ? 16 : 10) + static_cast<unsigned>(c - '0');
      } else if (hex && c >= 'a' && c <= 'f') {
        value = value * 16 + static_cast<unsigned>(c - 'a' + 10);
      } else {
        break;
      }
    }
    if (j == digits || j >= s.size() || s[j] != ';' || !IsPlainCodePoint(value)) {
      return Reference::kDecline;
    }
    *cp = static_cast<char32_t>(value);
    *length = j + 1 - i;
    return Reference::kDecoded;
  }
  if (!IsAlnum(s[j])) return Reference::kLiteral;  // "& ", "&=", "&;", "&\""
  while (j < s.size() && IsAlnum(s[j])) ++j;
  const std::string_view name = s.substr(i + 1, j - i - 1);
  if (j >= s.size() || s[j] != ';') {
    return StartsWithLegacyReference(name) ? Reference::kDecline : Reference::kLiteral;
  }
  static constexpr std::pair<std::string_view, char32_t> kXml[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  *cp = 0;
  for (const auto& [xml_name, xml_cp] : kXml) {
    if (name == xml_name) *cp = xml_cp;
  }
  if (*cp == 0) *cp = HtmlEntity(name);
  // Any other name may be one of HTML5's 2000 others: gumbo knows them.
  if (*cp == 0) return Reference::kDecline;
  *length = j + 1 - i;
  return Reference::kDecoded;
}

// Length of the character at s[i] whose lead byte is kCheck, or 0 when
// HTML5 would replace it (C1 controls, noncharacters).
std::size_t CheckedCharacter(std::string_view s, std::size_t i) {
  const auto byte = [&s](std::size_t k) {
    return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u;
  };
  const unsigned lead = byte(i);
  if (lead == 0xC2) return byte(i + 1) >= 0xA0 ? 2 : 0;
  if (lead == 0xEF) {
    const unsigned b1 = byte(i + 1), b2 = byte(i + 2);
    if (b1 == 0xB7 && b2 >= 0x90 && b2 <= 0xAF) return 0;  // U+FDD0-U+FDEF
    if (b1 == 0xBF && b2 >= 0xBE) return 0;                // U+FFFE, U+FFFF
    return 3;
  }
  char32_t cp = 0;
  const std::size_t length = Utf8SequenceLength(s, i, &cp);
  return length == 4 && (cp & 0xFFFE) != 0xFFFE ? 4 : 0;
}

bool ClosesParagraph(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_UL:
    case GUMBO_TAG_OL: case GUMBO_TAG_LI: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_DD: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_PRE:
    case GUMBO_TAG_HR: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION:
      return true;
    default:
      return false;
  }
}

bool IsHeading(GumboTag tag) {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 ||
         tag == GUMBO_TAG_H4 || tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

// Allowed elements whose HTML5 tree building this path models: all but
// the table family (implied tbody, foster parenting).
bool IsFastElement(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_TABLE: case GUMBO_TAG_THEAD: case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR: case GUMBO_TAG_TH: case GUMBO_TAG_TD: case GUMBO_TAG_CAPTION:
      return false;
    default:
      return IsAllowedElement(tag);
  }
}

// The text rendering, collapsed as it is written: what CollapseText makes
// of the gumbo path's text (a whitespace run with a block boundary is a
// line break, any other one space, none at either end), without the
// intermediate copy.
class TextRenderer {
 public:
  explicit TextRenderer(std::string* out) : out_(out) {}

  void Space() { in_run_ = true; }
  void Break() { in_run_ = newline_ = true; }
  // Words with single spaces between them, none at either end.
  void Word(std::string_view word) {
    if (out_ == nullptr) return;
    Separate();
    out_->append(word);
  }
  // One character that is not whitespace.
  void Character(char32_t cp) {
    if (out_ == nullptr) return;
    Separate();
    AppendUtf8(*out_, cp);
  }

 private:
  // Before a word: the whitespace run that ends here, if any came.
  void Separate() {
    if (in_run_ && !out_->empty()) *out_ += newline_ ? '\n' : ' ';
    in_run_ = newline_ = false;
  }

  std::string* out_;
  bool in_run_ = false;
  bool newline_ = false;
};

struct Attribute {
  std::string name;        // lower case
  std::string_view value;  // references decoded: a view of the markup, or of `decoded`
  std::string decoded;
};

class FastSanitizer {
 public:
  // Writes the text rendering to *text when it is given.
  FastSanitizer(std::string_view html, std::string_view base, std::string* text)
      : s_(html), base_(base), text_(text) {
    out_.reserve(html.size() + html.size() / 8 + 64);
    if (text != nullptr) text->reserve(html.size());
  }

  // False when the markup needs the gumbo path.
  bool Run();
  std::string& out() { return out_; }

 private:
  // A decoded character of text: escaped in the markup, as it is in the
  // text rendering (ASCII whitespace as a space).
  void DecodedChar(char32_t cp);
  bool StartTag();
  bool EndTag();
  bool Comment();
  // Sets the attribute's decoded value; false when it needs gumbo.
  static bool AttributeValue(std::string_view raw, Attribute& attribute);
  void Close(GumboTag tag);

  std::string_view s_;
  std::size_t i_ = 0;
  std::string_view base_;
  std::string out_;
  TextRenderer text_;
  std::array<GumboTag, kMaxDepth> open_{};
  int depth_ = 0;
  int open_p_ = 0, open_a_ = 0, open_headings_ = 0;
  std::array<Attribute, kMaxAttributes> attributes_;
};

void FastSanitizer::DecodedChar(char32_t cp) {
  switch (cp) {
    case '&': out_ += "&amp;"; break;
    case '<': out_ += "&lt;"; break;
    case '>': out_ += "&gt;"; break;
    default: AppendUtf8(out_, cp);
  }
  if ((cp < 0x80 && IsAsciiSpace(static_cast<char>(cp))) || cp == 0xA0) {
    text_.Space();
  } else {
    text_.Character(cp);
  }
}

bool FastSanitizer::Run() {
  const std::size_t n = s_.size();
  while (i_ < n) {
    // Text up to the next byte that needs a look: copied to the markup
    // whole, and to the text rendering in pieces whose whitespace is
    // already collapsed (words with one space between them).
    std::size_t j = i_;
    std::size_t piece = i_;
    for (;;) {
      while (j < n && kClass[static_cast<unsigned char>(s_[j])] == kOrdinary) ++j;
      if (j + 1 < n && s_[j] == ' ' && j > piece &&
          kClass[static_cast<unsigned char>(s_[j + 1])] == kOrdinary) {
        ++j;  // one space between two words stays as it is
        continue;
      }
      if (j > piece) text_.Word(s_.substr(piece, j - piece));
      if (j == n || kClass[static_cast<unsigned char>(s_[j])] != kSpace) break;
      text_.Space();
      piece = ++j;
    }
    out_.append(s_.substr(i_, j - i_));
    i_ = j;
    if (i_ == n) break;
    const char c = s_[i_];
    switch (kClass[static_cast<unsigned char>(c)]) {
      case kOrdinary:
      case kSpace:
        break;  // taken above
      case kGreater:
        out_ += "&gt;";
        text_.Word(">");
        ++i_;
        break;
      case kCheck: {
        const std::size_t length = CheckedCharacter(s_, i_);
        if (length == 0) return false;
        const std::string_view character = s_.substr(i_, length);
        out_.append(character);
        if (character == "\xC2\xA0") {
          text_.Space();  // U+00A0 collapses with the spaces around it
        } else {
          text_.Word(character);
        }
        i_ += length;
        break;
      }
      case kDecline:
        return false;
      case kAmp: {
        char32_t cp = 0;
        std::size_t length = 0;
        switch (ReadReference(s_, i_, &cp, &length)) {
          case Reference::kDecline:
            return false;
          case Reference::kLiteral:
            out_ += "&amp;";
            text_.Word("&");
            ++i_;
            break;
          case Reference::kDecoded:
            DecodedChar(cp);
            i_ += length;
            break;
        }
        break;
      }
      case kLess: {
        if (i_ + 1 >= n) return false;
        const char next = s_[i_ + 1];
        bool ok;
        if (IsAlpha(next)) {
          ok = StartTag();
        } else if (next == '/') {
          ok = EndTag();
        } else if (next == '!') {
          ok = Comment();
        } else if (next == '?' || IsDigit(next)) {
          // A bogus comment; and "<3" is a tag to the gumbo path's nesting cap.
          ok = false;
        } else {
          out_ += "&lt;";
          text_.Word("<");
          ++i_;
          ok = true;
        }
        if (!ok) return false;
        break;
      }
    }
  }
  // Elements still open at the end are closed, as the parser closes them.
  while (depth_ > 0) Close(open_[depth_ - 1]);
  return true;
}

bool FastSanitizer::StartTag() {
  const std::size_t n = s_.size();
  std::size_t j = i_ + 1;
  char name[kMaxTagName];
  std::size_t length = 0;
  for (; j < n && IsAlnum(s_[j]); ++j) {
    if (length == kMaxTagName) return false;
    name[length++] = AsciiLower(s_[j]);
  }
  if (j >= n || !(IsTagSpace(s_[j]) || s_[j] == '/' || s_[j] == '>')) return false;
  const GumboTag tag = gumbo_tagn_enum(name, static_cast<unsigned>(length));
  if (!IsFastElement(tag)) return false;

  std::size_t count = 0;
  for (;;) {
    while (j < n && IsTagSpace(s_[j])) ++j;
    if (j >= n) return false;
    if (s_[j] == '>') {
      ++j;
      break;
    }
    if (s_[j] == '/') {
      // "<br/>"; HTML5 ignores the '/' of a non-void element, as this does.
      if (j + 1 >= n || s_[j + 1] != '>') return false;
      j += 2;
      break;
    }
    const std::size_t name_start = j;
    while (j < n && IsAttributeNameChar(s_[j])) ++j;
    if (j == name_start || j >= n || count == kMaxAttributes) return false;
    Attribute& attribute = attributes_[count++];
    attribute.name.assign(s_.substr(name_start, j - name_start));
    for (char& ch : attribute.name) ch = AsciiLower(ch);
    for (std::size_t k = 0; k + 1 < count; ++k) {
      // HTML5 keeps the first of repeated attributes; leave that to gumbo.
      if (attributes_[k].name == attribute.name) return false;
    }
    attribute.value = {};
    std::size_t after = j;
    while (after < n && IsTagSpace(s_[after])) ++after;
    if (after >= n) return false;
    if (s_[after] != '=') {
      // No value; the next thing must start another attribute or end the tag.
      if (after == j && s_[j] != '/' && s_[j] != '>') return false;
      j = after;
      continue;
    }
    j = after + 1;
    while (j < n && IsTagSpace(s_[j])) ++j;
    if (j >= n) return false;
    std::string_view raw;
    if (s_[j] == '"' || s_[j] == '\'') {
      const std::size_t close = s_.find(s_[j], j + 1);
      if (close == std::string_view::npos) return false;
      raw = s_.substr(j + 1, close - j - 1);
      // The gumbo path's nesting cap reads a '>' inside a value as the tag's end.
      if (raw.find('>') != std::string_view::npos) return false;
      j = close + 1;
      if (j >= n || !(IsTagSpace(s_[j]) || s_[j] == '/' || s_[j] == '>')) return false;
    } else {
      const std::size_t value_start = j;
      for (; j < n && !IsTagSpace(s_[j]) && s_[j] != '>'; ++j) {
        const char ch = s_[j];
        if (ch == '"' || ch == '\'' || ch == '<' || ch == '=' || ch == '`') return false;
      }
      if (j == value_start || j >= n) return false;
      raw = s_.substr(value_start, j - value_start);
    }
    if (!AttributeValue(raw, attribute)) return false;
  }

  const std::string_view tag_name = gumbo_normalized_tagname(tag);
  const bool is_void = IsVoidElement(tag_name);
  if (ClosesParagraph(tag) && open_p_ > 0) return false;
  const GumboTag parent = depth_ > 0 ? open_[depth_ - 1] : GUMBO_TAG_UNKNOWN;
  if (tag == GUMBO_TAG_LI && parent != GUMBO_TAG_UL && parent != GUMBO_TAG_OL) return false;
  if ((tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT) && parent != GUMBO_TAG_DL) return false;
  if (IsHeading(tag) && open_headings_ > 0) return false;
  if (tag == GUMBO_TAG_A && open_a_ > 0) return false;
  // HTML5 drops a line feed right after <pre>, also one written as a reference.
  if (tag == GUMBO_TAG_PRE && j < n && (s_[j] == '\n' || s_[j] == '&' || s_[j] == '<')) {
    return false;
  }
  if (!is_void && depth_ == kMaxDepth) return false;

  out_ += '<';
  out_.append(tag_name);
  for (std::size_t k = 0; k < count; ++k) {
    AppendAllowedAttribute(out_, tag, attributes_[k].name, attributes_[k].value, base_);
  }
  out_ += '>';
  const bool block = IsBlockElement(tag);
  if (block) text_.Break();
  if (is_void) {
    if (block) text_.Break();
  } else {
    open_[depth_++] = tag;
    open_p_ += tag == GUMBO_TAG_P;
    open_a_ += tag == GUMBO_TAG_A;
    open_headings_ += IsHeading(tag);
  }
  i_ = j;
  return true;
}

bool FastSanitizer::EndTag() {
  const std::size_t n = s_.size();
  std::size_t j = i_ + 2;
  char name[kMaxTagName];
  std::size_t length = 0;
  for (; j < n && IsAlnum(s_[j]); ++j) {
    if (length == kMaxTagName) return false;
    name[length++] = AsciiLower(s_[j]);
  }
  if (length == 0 || !IsAlpha(name[0])) return false;  // "</>", "</ x>": bogus
  while (j < n && IsTagSpace(s_[j])) ++j;
  if (j >= n || s_[j] != '>') return false;
  const GumboTag tag = gumbo_tagn_enum(name, static_cast<unsigned>(length));
  // Only the current element may close: anything else makes HTML5 imply,
  // ignore or reorder.
  if (depth_ == 0 || open_[depth_ - 1] != tag) return false;
  Close(tag);
  i_ = j + 1;
  return true;
}

void FastSanitizer::Close(GumboTag tag) {
  --depth_;
  open_p_ -= tag == GUMBO_TAG_P;
  open_a_ -= tag == GUMBO_TAG_A;
  open_headings_ -= IsHeading(tag);
  out_ += "</";
  out_ += gumbo_normalized_tagname(tag);
  out_ += '>';
  if (IsBlockElement(tag)) text_.Break();
}

bool FastSanitizer::Comment() {
  if (s_.compare(i_, 4, "<!--") != 0) return false;  // doctype, CDATA, bogus comments
  const std::size_t body = i_ + 4;
  // "<!-->" and "<!--->" end at once; "--!>" ends a comment too.
  if (s_.compare(body, 1, ">") == 0 || s_.compare(body, 2, "->") == 0) return false;
  const std::size_t end = s_.find("-->", body);
  if (end == std::string_view::npos) return false;
  if (s_.substr(body, end - body).find("--!>") != std::string_view::npos) return false;
  i_ = end + 3;
  return true;
}

bool FastSanitizer::AttributeValue(std::string_view raw, Attribute& attribute) {
  const auto plain = [](char c) {
    const ByteClass kind = kClass[static_cast<unsigned char>(c)];
    return kind != kAmp && kind != kCheck && kind != kDecline;
  };
  if (std::all_of(raw.begin(), raw.end(), plain)) {
    attribute.value = raw;  // most values: nothing to decode
    return true;
  }
  std::string& value = attribute.decoded;
  value.clear();
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t end = i;
    while (end < raw.size() && plain(raw[end])) ++end;
    value.append(raw.substr(i, end - i));
    i = end;
    if (i == raw.size()) break;
    const ByteClass kind = kClass[static_cast<unsigned char>(raw[i])];
    if (kind == kCheck) {
      const std::size_t length = CheckedCharacter(raw, i);
      if (length == 0) return false;
      value.append(raw.substr(i, length));
      i += length;
    } else if (kind == kAmp) {
      char32_t cp = 0;
      std::size_t length = 0;
      const Reference ref = ReadReference(raw, i, &cp, &length);
      if (ref == Reference::kDecline) return false;
      if (ref == Reference::kLiteral) {
        value += '&';
        ++i;
      } else {
        AppendUtf8(value, cp);
        i += length;
      }
    } else {
      return false;
    }
  }
  attribute.value = value;
  return true;
}

}  // namespace

std::optional<std::string> SanitizeFast(std::string_view html, std::string_view base,
                                        std::size_t cap, std::string* text) {
  std::string rendered;
  FastSanitizer sanitizer(html, base, text != nullptr ? &rendered : nullptr);
  // Past the cap the gumbo path cuts the markup; this one only copies.
  if (!sanitizer.Run() || sanitizer.out().size() > cap) return std::nullopt;
  if (text != nullptr) *text = std::move(rendered);
  return std::move(sanitizer.out());
}

}  // namespace redwire::parse::internal
