#include "daemon/classify/classify.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace redwire::classify {

enum class Field { kAny, kTitle, kText, kCategory, kSource, kTag, kLang };

// A leaf holds a needle searched for in folded text: " w1 w2 " for whole
// words, or " w1 w2" (no trailing space) when the last word is a prefix.
// Folded text has exactly one space between words, so a plain substring
// search is a whole-word match. For source, tag and lang the needle is
// compared with the start of the folded value instead (see KeywordMatches).
struct Rule::Node {
  enum class Kind { kNeedle, kNear, kAnd, kOr, kNot };
  Kind kind = Kind::kNeedle;
  Field field = Field::kAny;
  std::string needle;
  std::string shown;  // as written, with its scope: "title:cuba*"
  // The hashed first three bytes of the needle's first word, when it has
  // them (see MatchInput::Starts).
  bool keyed = false;
  std::uint32_t key = 0;
  int distance = 0;   // kNear: most words allowed between the two terms
  std::vector<std::unique_ptr<const Node>> children;
};

namespace {

using NodePtr = std::unique_ptr<const Rule::Node>;
using Kind = Rule::Node::Kind;

// The cap keeps both the parser and the matcher's recursion shallow, so a
// hostile or mistyped rule fails with a message instead of a stack overflow.
constexpr int kMaxNesting = 100;

constexpr auto kFoldOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
    UTF8PROC_IGNORE);

constexpr utf8proc_int32_t kDotlessI = 0x0131;

// Case folding leaves Turkish dotless ı alone while İ and I fold to i, so
// "KIZILDERE" and "kızıldere" would differ; treating ı like a marked i keeps
// matching accent-insensitive for Turkish too.
utf8proc_int32_t MapDotlessI(utf8proc_int32_t codepoint, void*) {
  return codepoint == kDotlessI ? utf8proc_int32_t{'i'} : codepoint;
}

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

// Each byte that does not start a valid sequence becomes a space, so one bad
// byte costs at most a word boundary, never the whole text.
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &codepoint);
    if (len <= 0) {
      clean.push_back(' ');
      ++pos;
    } else {
      clean.append(text.substr(pos, static_cast<std::size_t>(len)));
      pos += static_cast<std::size_t>(len);
    }
  }
  return clean;
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// Normalised, case-folded, mark-stripped UTF-8, or nullopt when utf8proc
// rejects the input.
std::optional<std::string> MapUtf8(std::string_view text) {
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t len =
      utf8proc_map_custom(Bytes(text), static_cast<utf8proc_ssize_t>(text.size()), &raw,
                          kFoldOptions, MapDotlessI, nullptr);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (len < 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(len));
}

bool IsWordChar(utf8proc_int32_t codepoint) {
  switch (utf8proc_category(codepoint)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Folding one code point at a time gives what folding the whole text gives:
// case folding is context-free and every mark is stripped, so nothing is left
// to compose, except conjoining Hangul jamo, which compose with each other;
// a text holding those takes the whole-text path.
bool IsConjoiningJamo(utf8proc_int32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xD7B0 && cp <= 0xD7FF);
}

// ASCII letters and digits fold to lower case; everything else in ASCII is
// a word boundary.
constexpr std::array<char, 128> kAsciiFold = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'A' && c <= 'Z') table[c] = static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) table[c] = static_cast<char>(c);
    else table[c] = ' ';
  }
  return table;
}();

// What one code point adds to folded text: its folded bytes, with each
// non-word character as a space. utf8proc costs about 100 ns a call, so the
// answers for the Basic Multilingual Plane are kept, per thread.
class FoldCache {
 public:
  FoldCache() : slots_(0x10000, kUnset) {}

  std::string_view Get(utf8proc_int32_t codepoint) {
    if (codepoint < 0 || static_cast<std::size_t>(codepoint) >= slots_.size()) {
      scratch_ = Compute(codepoint);
      return scratch_;
    }
    std::uint32_t& slot = slots_[static_cast<std::size_t>(codepoint)];
    if (slot == kUnset) {
      const std::string piece = Compute(codepoint);
      slot = static_cast<std::uint32_t>(pool_.size()) << 8 | static_cast<std::uint32_t>(piece.size());
      pool_ += piece;
    }
    return std::string_view(pool_).substr(slot >> 8, slot & 0xff);
  }

 private:
  // One code point expands to at most 18 under NFKC (U+FDFA), 54 bytes, so
  // the length fits the low 8 bits and the BMP's pool the high 24.
  static constexpr std::uint32_t kUnset = 0xffffffff;

  static std::string Compute(utf8proc_int32_t codepoint) {
    utf8proc_uint8_t encoded[4];
    const auto n = utf8proc_encode_char(codepoint, encoded);
    const std::string_view one(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
    const std::optional<std::string> mapped = MapUtf8(one);
    if (!mapped) return " ";
    std::string piece;
    std::size_t pos = 0;
    while (pos < mapped->size()) {
      utf8proc_int32_t cp = 0;
      const utf8proc_ssize_t len = utf8proc_iterate(
          Bytes(std::string_view(*mapped).substr(pos)), static_cast<utf8proc_ssize_t>(mapped->size() - pos), &cp);
      const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
      if (len > 0 && IsWordChar(cp)) piece.append(*mapped, pos, step);
      else if (piece.empty() || piece.back() != ' ') piece.push_back(' ');
      pos += step;
    }
    return piece;
  }

  std::vector<std::uint32_t> slots_;
  std::string pool_;
  std::string scratch_;
};

bool IsSpace(utf8proc_int32_t codepoint) {
  if (codepoint == '\t' || codepoint == '\n' || codepoint == '\v' || codepoint == '\f' ||
      codepoint == '\r' || codepoint == 0x85) {
    return true;
  }
  const auto category = utf8proc_category(codepoint);
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

// 1-based column of a byte offset, counted in characters (every byte that is
// not a UTF-8 continuation byte starts one).
std::size_t ColumnAt(std::string_view text, std::size_t offset) {
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

Error ErrorAt(std::string_view text, std::size_t offset, std::string_view reason) {
  return Error{"col " + std::to_string(ColumnAt(text, offset)) + ": " + std::string(reason)};
}

// Bigger rules are a mistake or an attack; the shipped ones are ~200 bytes.
constexpr std::size_t kMaxRuleBytes = 256 * 1024;
constexpr int kDefaultNear = 10;
constexpr int kMaxNear = 100;

enum class Tok { kTerm, kAnd, kOr, kNot, kNear, kScope, kLParen, kRParen, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // bytes into the rule text
  std::string_view text;   // as written, for messages
  std::string needle;      // kTerm only
  Field field = Field::kAny;  // kScope only
  int distance = 0;          // kNear only
};

struct FieldName {
  const char* name;
  Field field;
};

constexpr FieldName kFields[] = {
    {"title", Field::kTitle},   {"text", Field::kText}, {"category", Field::kCategory},
    {"source", Field::kSource}, {"tag", Field::kTag},   {"lang", Field::kLang},
};

const char* NameOf(Field field) {
  for (const auto& f : kFields) {
    if (f.field == field) return f.name;
  }
  return "";
}

bool IsKeywordField(Field field) {
  return field == Field::kSource || field == Field::kTag || field == Field::kLang;
}

bool IsAsciiLetters(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

std::optional<Field> FieldNamed(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const auto& f : kFields) {
    if (lower == f.name) return f.field;
  }
  return std::nullopt;
}

// Builds the needle for a bare word or the inside of a quoted phrase. `body`
// points into `rule`, so errors can name their column.
Result<std::string> BuildNeedle(std::string_view rule, std::string_view body,
                                std::string_view shown) {
  const std::size_t body_offset = static_cast<std::size_t>(body.data() - rule.data());
  std::string_view words = body;
  while (!words.empty() && (words.back() == ' ' || words.back() == '\t')) words.remove_suffix(1);
  const bool prefix = !words.empty() && words.back() == '*';
  if (prefix) words.remove_suffix(1);
  if (const auto star = words.find('*'); star != std::string_view::npos) {
    return ErrorAt(rule, body_offset + star, "* is only allowed at the end of a word");
  }
  std::string folded = FoldText(words);
  if (folded == " ") {
    if (prefix) return ErrorAt(rule, body_offset + words.size(), "* must follow a word");
    return ErrorAt(rule, body_offset, "no letters or digits in " + std::string(shown));
  }
  if (prefix) folded.pop_back();
  return folded;
}

bool EndsBareWord(char c) { return c == '(' || c == ')' || c == '"'; }

// "NEAR" or "NEAR/n"; nullopt when the word is something else.
std::optional<Result<int>> NearDistance(std::string_view rule, std::string_view word) {
  if (word == "NEAR") return Result<int>(kDefaultNear);
  if (word.rfind("NEAR/", 0) != 0) return std::nullopt;
  const std::string_view digits = word.substr(5);
  const std::size_t offset = static_cast<std::size_t>(word.data() - rule.data());
  if (digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoi(std::string(digits)) > kMaxNear) {
    return Result<int>(ErrorAt(rule, offset, "NEAR/n needs a number of words from 0 to " +
                                                 std::to_string(kMaxNear)));
  }
  return Result<int>(std::stoi(std::string(digits)));
}

// Splits rule text into tokens. Bare words run up to whitespace, a
// parenthesis or a double quote, so "anti-communist" or "don't" stay one
// token (and then fold into a phrase); only a leading - means NOT. A bare
// word starting with letters and a colon is a field scope.
Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t pos = 0;
  std::size_t content_end = 0;
  auto decode = [&](std::size_t at, utf8proc_int32_t* codepoint) {
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(at)), static_cast<utf8proc_ssize_t>(text.size() - at), codepoint);
    if (len > 0) return static_cast<std::size_t>(len);
    *codepoint = -1;
    return std::size_t{1};
  };
  while (pos < text.size()) {
    utf8proc_int32_t codepoint = 0;
    const std::size_t len = decode(pos, &codepoint);
    if (IsSpace(codepoint)) {
      pos += len;
      continue;
    }
    const char c = text[pos];
    Token token;
    token.offset = pos;
    if (c == '(' || c == ')') {
      token.kind = c == '(' ? Tok::kLParen : Tok::kRParen;
      token.text = text.substr(pos, 1);
      pos += 1;
    } else if (c == '"' || c == '\'') {
      const std::size_t close = text.find(c, pos + 1);
      if (close == std::string_view::npos) {
        return ErrorAt(text, pos, std::string("unterminated ") + c + " quote");
      }
      token.kind = Tok::kTerm;
      token.text = text.substr(pos, close + 1 - pos);
      auto needle = BuildNeedle(text, text.substr(pos + 1, close - pos - 1), token.text);
      if (!needle) return needle.error();
      token.needle = std::move(needle.value());
      pos = close + 1;
    } else if (c == '-') {
      // A spaced-out "a - b" is more likely a typo than a negation.
      utf8proc_int32_t next = ' ';
      if (pos + 1 < text.size()) decode(pos + 1, &next);
      if (IsSpace(next) || next == ')') {
        return ErrorAt(text, pos, "- must be followed directly by a term");
      }
      token.kind = Tok::kNot;
      token.text = text.substr(pos, 1);
      pos += 1;
    } else {
      std::size_t end = pos;
      while (end < text.size()) {
        utf8proc_int32_t cp = 0;
        const std::size_t n = decode(end, &cp);
        if (IsSpace(cp) || EndsBareWord(text[end])) break;
        end += n;
      }
      std::string_view word = text.substr(pos, end - pos);
      const std::size_t colon = word.find(':');
      if (colon != std::string_view::npos && IsAsciiLetters(word.substr(0, colon))) {
        const auto field = FieldNamed(word.substr(0, colon));
        if (!field) {
          return ErrorAt(text, pos,
                         "unknown field '" + std::string(word.substr(0, colon)) +
                             "' (fields: title, text, category, source, tag, lang)");
        }
        token.kind = Tok::kScope;
        token.field = *field;
        token.text = word.substr(0, colon + 1);
        pos += colon + 1;
        content_end = pos;
        tokens.push_back(std::move(token));
        continue;
      }
      token.text = word;
      if (word == "AND") {
        token.kind = Tok::kAnd;
      } else if (word == "OR") {
        token.kind = Tok::kOr;
      } else if (word == "NOT") {
        token.kind = Tok::kNot;
      } else if (auto near = NearDistance(text, word)) {
        if (!near->ok()) return near->error();
        token.kind = Tok::kNear;
        token.distance = near->value();
      } else {
        token.kind = Tok::kTerm;
        auto needle = BuildNeedle(text, word, word);
        if (!needle) return needle.error();
        token.needle = std::move(needle.value());
      }
      pos = end;
    }
    content_end = pos;
    tokens.push_back(std::move(token));
  }
  Token end;
  end.kind = Tok::kEnd;
  end.offset = content_end;
  tokens.push_back(std::move(end));
  return tokens;
}

bool StartsUnary(Tok kind) {
  return kind == Tok::kTerm || kind == Tok::kNot || kind == Tok::kLParen || kind == Tok::kScope;
}

NodePtr MakeBranch(Kind kind, std::vector<NodePtr> children) {
  if (children.size() == 1 && kind != Kind::kNot) return std::move(children.front());
  auto node = std::make_unique<Rule::Node>();
  node->kind = kind;
  node->children = std::move(children);
  return node;
}

// A 12-bit hash of the three bytes at `p`.
std::uint32_t StartKey(const char* p) {
  const std::uint32_t v = static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[1]) << 8) |
                          (static_cast<unsigned char>(p[2]) << 16);
  return (v * 2654435761u) >> 20;
}

void IndexStarts(std::string_view text, MatchInput::Starts& bits) {
  for (std::size_t i = 0; i + 3 < text.size(); ++i) {
    if (text[i] != ' ') continue;
    const std::uint32_t key = StartKey(text.data() + i + 1);
    bits[key >> 6] |= std::uint64_t{1} << (key & 63);
  }
}

// False only when `node` cannot occur in a field with these starts.
bool MayOccur(const Rule::Node& node, const MatchInput::Starts& bits, bool indexed) {
  return !indexed || !node.keyed || (bits[node.key >> 6] >> (node.key & 63)) & 1;
}

void KeyLeaf(Rule::Node& node) {
  node.keyed = node.needle.size() >= 4 && !IsKeywordField(node.field);
  if (node.keyed) node.key = StartKey(node.needle.data() + 1);
}

// Precedence NEAR > NOT > AND > OR. Only parentheses recurse (NOT chains are
// a loop), and they stop at kMaxNesting. A scope sets the field of every
// leaf parsed while it is in force.
class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<NodePtr> Parse() {
    NodePtr root = ParseOr(0);
    if (root && Peek().kind == Tok::kRParen) {
      Fail(Peek().offset, "unbalanced ): no matching (");
    }
    if (error_) return *error_;
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  void Advance() {
    if (tokens_[pos_].kind != Tok::kEnd) ++pos_;
  }

  NodePtr Fail(std::size_t offset, std::string_view reason) {
    if (!error_) error_ = ErrorAt(text_, offset, reason);
    return nullptr;
  }

  NodePtr ParseOr(int depth) {
    std::vector<NodePtr> alternatives;
    do {
      if (!alternatives.empty()) Advance();
      NodePtr next = ParseAnd(depth);
      if (!next) return nullptr;
      alternatives.push_back(std::move(next));
    } while (Peek().kind == Tok::kOr);
    return MakeBranch(Kind::kOr, std::move(alternatives));
  }

  NodePtr ParseAnd(int depth) {
    std::vector<NodePtr> terms;
    NodePtr first = ParseUnary(depth);
    if (!first) return nullptr;
    terms.push_back(std::move(first));
    while (true) {
      if (Peek().kind == Tok::kAnd) {
        Advance();
      } else if (!StartsUnary(Peek().kind)) {
        break;
      }
      NodePtr next = ParseUnary(depth);
      if (!next) return nullptr;
      terms.push_back(std::move(next));
    }
    return MakeBranch(Kind::kAnd, std::move(terms));
  }

  NodePtr ParseUnary(int depth) {
    bool negate = false;
    while (Peek().kind == Tok::kNot) {
      negate = !negate;
      Advance();
    }
    NodePtr operand = ParseNear(depth);
    if (!operand || !negate) return operand;
    std::vector<NodePtr> children;
    children.push_back(std::move(operand));
    return MakeBranch(Kind::kNot, std::move(children));
  }

  // a NEAR/n b NEAR/m c is (a NEAR/n b) AND (b NEAR/m c).
  NodePtr ParseNear(int depth) {
    NodePtr left = ParseScoped(depth);
    if (!left || Peek().kind != Tok::kNear) return left;
    std::vector<NodePtr> pairs;
    while (Peek().kind == Tok::kNear) {
      const Token& near = Peek();
      const std::size_t offset = near.offset;
      const int distance = near.distance;
      const std::string shown(near.text);
      Advance();
      NodePtr right = ParseScoped(depth);
      if (!right) return nullptr;
      for (const NodePtr* side : {&left, &right}) {
        if ((*side)->kind != Kind::kNeedle || IsKeywordField((*side)->field)) {
          return Fail(offset, shown + " joins two text terms (words, phrases or prefixes)");
        }
      }
      Field field = left->field;
      if (field == Field::kAny) field = right->field;
      if (right->field != Field::kAny && right->field != field) {
        return Fail(offset, shown + " terms must read the same field");
      }
      auto node = std::make_unique<Rule::Node>();
      node->kind = Kind::kNear;
      node->field = field;
      node->distance = distance;
      node->shown = left->shown + " " + shown + " " + right->shown;
      node->children.push_back(Copy(*left));
      node->children.push_back(Copy(*right));
      pairs.push_back(std::move(node));
      left = std::move(right);
    }
    return MakeBranch(Kind::kAnd, std::move(pairs));
  }

  static NodePtr Copy(const Rule::Node& leaf) {
    auto node = std::make_unique<Rule::Node>();
    node->kind = leaf.kind;
    node->field = leaf.field;
    node->needle = leaf.needle;
    node->shown = leaf.shown;
    node->keyed = leaf.keyed;
    node->key = leaf.key;
    return node;
  }

  NodePtr ParseScoped(int depth) {
    if (Peek().kind != Tok::kScope) return ParsePrimary(depth);
    const Field saved = field_;
    field_ = Peek().field;
    Advance();
    const Token& scope = tokens_[pos_ - 1];
    const std::size_t scope_end = scope.offset + scope.text.size();
    if ((Peek().kind != Tok::kTerm && Peek().kind != Tok::kLParen) ||
        Peek().offset != scope_end) {
      field_ = saved;
      return Fail(scope_end, "expected a term or ( right after " + std::string(scope.text));
    }
    NodePtr inner = ParsePrimary(depth);
    field_ = saved;
    return inner;
  }

  NodePtr ParsePrimary(int depth) {
    const Token& token = Peek();
    if (token.kind == Tok::kTerm) {
      Advance();
      auto node = std::make_unique<Rule::Node>();
      node->kind = Kind::kNeedle;
      node->field = field_;
      node->needle = token.needle;
      node->shown = field_ == Field::kAny ? std::string(token.text)
                                           : NameOf(field_) + (":" + std::string(token.text));
      KeyLeaf(*node);
      return node;
    }
    if (token.kind == Tok::kLParen) {
      if (depth >= kMaxNesting) {
        return Fail(token.offset, "parentheses nested deeper than " +
                                      std::to_string(kMaxNesting));
      }
      const std::size_t open = token.offset;
      Advance();
      NodePtr inner = ParseOr(depth + 1);
      if (!inner) return nullptr;
      if (Peek().kind != Tok::kRParen) return Fail(open, "unbalanced (: no matching )");
      Advance();
      return inner;
    }
    if (pos_ == 0) {
      if (token.kind == Tok::kEnd) return Fail(0, "empty rule");
      if (token.kind == Tok::kRParen) return Fail(token.offset, "unbalanced ): no matching (");
      return Fail(token.offset,
                  "expected a term before " + std::string(token.text));
    }
    return Fail(token.offset,
                "expected a term after " + std::string(tokens_[pos_ - 1].text));
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  Field field_ = Field::kAny;
  std::optional<Error> error_;
};

// Every needle starts with a space, so string_view::find (memchr on the
// first byte, then memcmp) would stop at every word; glibc's memmem looks
// at byte pairs and skips ahead.
std::size_t Find(std::string_view text, std::string_view needle, std::size_t from = 0) {
  if (from > text.size()) return std::string_view::npos;
  const void* at = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<std::size_t>(static_cast<const char*>(at) - text.data());
}

bool TextContains(std::string_view text, std::string_view needle) {
  return Find(text, needle) != std::string_view::npos;
}

// Words before `offset`: folded text has one space before each word, and
// an extra one where two folded fields meet.
std::size_t CountSpaces(std::string_view text, std::size_t from, std::size_t to) {
  std::size_t n = 0;
  for (std::size_t i = from; i < to; ++i) n += text[i] == ' ';
  return n;
}

std::size_t WordsIn(std::string_view needle) {
  const std::size_t spaces = CountSpaces(needle, 0, needle.size());
  return needle.back() == ' ' ? spaces - 1 : spaces;
}

// Word index of every occurrence of `needle`, ascending.
std::vector<std::size_t> WordPositions(std::string_view text, std::string_view needle) {
  std::vector<std::size_t> out;
  std::size_t words = 0;
  std::size_t counted_to = 0;
  for (std::size_t at = Find(text, needle); at != std::string_view::npos; at = Find(text, needle, at + 1)) {
    words += CountSpaces(text, counted_to, at);
    counted_to = at;
    out.push_back(words);
  }
  return out;
}

bool NearIn(std::string_view text, const Rule::Node& a, const Rule::Node& b, int distance) {
  const auto pa = WordPositions(text, a.needle);
  if (pa.empty()) return false;
  const auto pb = WordPositions(text, b.needle);
  if (pb.empty()) return false;
  const std::size_t la = WordsIn(a.needle);
  const std::size_t lb = WordsIn(b.needle);
  const auto limit = static_cast<std::size_t>(distance);
  // Two sorted lists: for each a, only the nearest b on each side matters.
  std::size_t j = 0;
  for (std::size_t ia : pa) {
    while (j < pb.size() && pb[j] + lb <= ia) ++j;
    if (j > 0 && ia - (pb[j - 1] + lb) <= limit) return true;
    if (j < pb.size() && pb[j] >= ia + la && pb[j] - (ia + la) <= limit) return true;
  }
  return false;
}

// Whole value, or its start: the needle " kke en " equals " kke en "; " kke"
// (a prefix) starts it; " pt " (lang:pt) starts " pt br ".
bool KeywordMatches(std::string_view value, std::string_view needle) {
  return value.substr(0, needle.size()) == needle;
}

bool LeafMatches(const Rule::Node& node, const MatchInput& in) {
  const std::string_view needle = node.needle;
  switch (node.field) {
    case Field::kAny:
      return (MayOccur(node, in.title_starts, in.indexed) && TextContains(in.title, needle)) ||
             (MayOccur(node, in.text_starts, in.indexed) && TextContains(in.text, needle)) ||
             (MayOccur(node, in.category_starts, in.indexed) && TextContains(in.categories, needle));
    case Field::kTitle: return MayOccur(node, in.title_starts, in.indexed) && TextContains(in.title, needle);
    case Field::kText: return MayOccur(node, in.text_starts, in.indexed) && TextContains(in.text, needle);
    case Field::kCategory:
      return MayOccur(node, in.category_starts, in.indexed) && TextContains(in.categories, needle);
    case Field::kSource:
      return needle.back() == ' ' ? in.source == needle : KeywordMatches(in.source, needle);
    case Field::kTag:
      for (const std::string& tag : in.tags) {
        if (needle.back() == ' ' ? tag == needle : KeywordMatches(tag, needle)) return true;
      }
      return false;
    case Field::kLang: return KeywordMatches(in.lang, needle);
  }
  return false;
}

bool NearMatches(const Rule::Node& node, const MatchInput& in) {
  const Rule::Node& a = *node.children[0];
  const Rule::Node& b = *node.children[1];
  switch (node.field) {
    case Field::kTitle: return NearIn(in.title, a, b, node.distance);
    case Field::kText: return NearIn(in.text, a, b, node.distance);
    case Field::kCategory: return NearIn(in.categories, a, b, node.distance);
    default:
      return NearIn(in.title, a, b, node.distance) || NearIn(in.text, a, b, node.distance) ||
             NearIn(in.categories, a, b, node.distance);
  }
}

bool Evaluate(const Rule::Node& node, const MatchInput& in) {
  switch (node.kind) {
    case Kind::kNeedle:
      return LeafMatches(node, in);
    case Kind::kNear:
      return NearMatches(node, in);
    case Kind::kNot:
      return !Evaluate(*node.children.front(), in);
    case Kind::kAnd:
      for (const auto& child : node.children) {
        if (!Evaluate(*child, in)) return false;
      }
      return true;
    case Kind::kOr:
      for (const auto& child : node.children) {
        if (Evaluate(*child, in)) return true;
      }
      return false;
  }
  return false;
}

// Iterative, so a rule of 10 000 NOTs cannot overflow the stack.
void CollectMatched(const Rule::Node& root, const MatchInput& in, std::vector<std::string>& out) {
  std::vector<const Rule::Node*> stack{&root};
  while (!stack.empty()) {
    const Rule::Node* node = stack.back();
    stack.pop_back();
    if (node->kind == Kind::kNot) continue;
    if (node->kind == Kind::kNeedle || node->kind == Kind::kNear) {
      if (Evaluate(*node, in) && std::find(out.begin(), out.end(), node->shown) == out.end()) {
        out.push_back(node->shown);
      }
      continue;
    }
    for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) {
      stack.push_back(it->get());
    }
  }
}

std::string FoldAll(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += FoldText(part);
  return out;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const std::string* FirstShared(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a) {
    if (Contains(b, x)) return &x;
  }
  return nullptr;
}

}  // namespace

std::string FoldTextWhole(std::string_view text) {
  std::optional<std::string> mapped = MapUtf8(text);
  if (!mapped) mapped = MapUtf8(ReplaceInvalidUtf8(text));
  // Only allocation failure or a multi-gigabyte input gets here; matching
  // nothing is the safe answer.
  if (!mapped) return " ";

  std::string folded = " ";
  folded.reserve(mapped->size() + 2);
  const std::string_view view = *mapped;
  std::size_t pos = 0;
  while (pos < view.size()) {
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(view.substr(pos)), static_cast<utf8proc_ssize_t>(view.size() - pos), &codepoint);
    const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
    if (len > 0 && IsWordChar(codepoint)) {
      folded.append(view.substr(pos, step));
    } else if (folded.back() != ' ') {
      folded.push_back(' ');
    }
    pos += step;
  }
  if (folded.back() != ' ') folded.push_back(' ');
  return folded;
}

std::string FoldText(std::string_view text) {
  thread_local FoldCache cache;
  std::string folded = " ";
  folded.reserve(text.size() + 2);
  auto append = [&folded](std::string_view piece) {
    for (char c : piece) {
      if (c != ' ') folded.push_back(c);
      else if (folded.back() != ' ') folded.push_back(' ');
    }
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      const char c = kAsciiFold[byte];
      if (c != ' ') folded.push_back(c);
      else if (folded.back() != ' ') folded.push_back(' ');
      ++pos;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &codepoint);
    if (len <= 0) {
      append(" ");
      ++pos;
      continue;
    }
    if (IsConjoiningJamo(codepoint)) return FoldTextWhole(text);
    append(cache.Get(codepoint));
    pos += static_cast<std::size_t>(len);
  }
  if (folded.back() != ' ') folded.push_back(' ');
  return folded;
}

MatchInput Prepare(const Item& item, const std::vector<std::string>& source_tags) {
  MatchInput in;
  in.title = FoldText(item.title);
  in.text = FoldText(item.summary_text) + FoldText(item.content_text);
  in.categories = FoldAll(item.categories);
  in.source = FoldText(item.source_id);
  for (const std::string& tag : source_tags) in.tags.push_back(FoldText(tag));
  in.lang = FoldText(item.language);
  in.source_id = item.source_id;
  in.source_tags = source_tags;
  IndexStarts(in.title, in.title_starts);
  IndexStarts(in.text, in.text_starts);
  IndexStarts(in.categories, in.category_starts);
  in.indexed = true;
  return in;
}

Result<Rule> Rule::Compile(std::string_view text) {
  if (text.size() > kMaxRuleBytes) {
    return Error{"col 1: rule longer than " + std::to_string(kMaxRuleBytes / 1024) + " KiB"};
  }
  auto tokens = Lex(text);
  if (!tokens) return tokens.error();
  Parser parser(text, std::move(tokens.value()));
  auto root = parser.Parse();
  if (!root) return root.error();
  return Rule(std::shared_ptr<const Node>(std::move(root.value())));
}

bool Rule::Matches(const MatchInput& input) const { return root_ && Evaluate(*root_, input); }

bool Rule::Matches(const Item& item) const { return Matches(Prepare(item)); }

bool Rule::MatchesFolded(std::string_view folded) const {
  MatchInput in;
  in.title = std::string(folded);
  in.text = in.title;
  in.categories = in.title;
  return Matches(in);
}

std::vector<std::string> Rule::TagTerms() const {
  std::vector<std::string> out;
  std::vector<const Node*> stack = {root_.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (!node) continue;
    if (node->kind == Kind::kNeedle && node->field == Field::kTag) out.push_back(node->shown);
    for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) stack.push_back(it->get());
  }
  return out;
}

std::vector<std::string> Rule::MatchedTerms(const MatchInput& input) const {
  std::vector<std::string> out;
  if (root_) CollectMatched(*root_, input, out);
  return out;
}

Verdict Explain(const TopicRule& topic, const MatchInput& input) {
  Verdict v;
  if (Contains(topic.exclude_sources, input.source_id)) {
    v.reason = "excluded source " + input.source_id;
    return v;
  }
  if (const std::string* tag = FirstShared(topic.exclude_tags, input.source_tags)) {
    v.reason = "excluded tag " + *tag;
    return v;
  }
  v.matched = true;
  if (Contains(topic.sources, input.source_id)) {
    v.reason = "source " + input.source_id;
    return v;
  }
  if (const std::string* tag = FirstShared(topic.tags, input.source_tags)) {
    v.reason = "tag " + *tag;
    return v;
  }
  if (topic.rule && topic.rule->Matches(input)) {
    v.reason = "rule";
    v.terms = topic.rule->MatchedTerms(input);
    return v;
  }
  v.matched = false;
  v.reason = "no match";
  return v;
}

std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const MatchInput& input) {
  std::vector<std::string> ids;
  for (const TopicRule& topic : topics) {
    if (Contains(topic.exclude_sources, input.source_id) ||
        FirstShared(topic.exclude_tags, input.source_tags) != nullptr) {
      continue;
    }
    if (Contains(topic.sources, input.source_id) ||
        FirstShared(topic.tags, input.source_tags) != nullptr ||
        (topic.rule && topic.rule->Matches(input))) {
      ids.push_back(topic.id);
    }
  }
  return ids;
}

std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const Item& item) {
  return Classify(topics, Prepare(item));
}

}  // namespace redwire::classify
