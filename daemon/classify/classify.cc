#include "daemon/classify/classify.h"

#include <utf8proc.h>

#include <cstdlib>
#include <optional>
#include <utility>

namespace redwire::classify {

// A leaf holds a needle searched for in folded text: " w1 w2 " for whole
// words, or " w1 w2" (no trailing space) when the last word is a prefix.
// Folded text has exactly one space between words, so a plain substring
// search is a whole-word match.
struct Rule::Node {
  enum class Kind { kNeedle, kAnd, kOr, kNot };
  Kind kind = Kind::kNeedle;
  std::string needle;
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

enum class Tok { kTerm, kAnd, kOr, kNot, kLParen, kRParen, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // bytes into the rule text
  std::string_view text;   // as written, for messages
  std::string needle;      // kTerm only
};

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

// Splits rule text into tokens. Bare words run up to whitespace, a
// parenthesis or a double quote, so "anti-communist" or "don't" stay one
// token (and then fold into a phrase); only a leading - means NOT.
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
      token.text = text.substr(pos, end - pos);
      if (token.text == "AND") {
        token.kind = Tok::kAnd;
      } else if (token.text == "OR") {
        token.kind = Tok::kOr;
      } else if (token.text == "NOT") {
        token.kind = Tok::kNot;
      } else {
        token.kind = Tok::kTerm;
        auto needle = BuildNeedle(text, token.text, token.text);
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
  return kind == Tok::kTerm || kind == Tok::kNot || kind == Tok::kLParen;
}

NodePtr MakeNeedle(std::string needle) {
  auto node = std::make_unique<Rule::Node>();
  node->kind = Kind::kNeedle;
  node->needle = std::move(needle);
  return node;
}

NodePtr MakeBranch(Kind kind, std::vector<NodePtr> children) {
  if (children.size() == 1 && kind != Kind::kNot) return std::move(children.front());
  auto node = std::make_unique<Rule::Node>();
  node->kind = kind;
  node->children = std::move(children);
  return node;
}

// Precedence NOT > AND > OR. Only parentheses recurse (NOT chains are a
// loop), and they stop at kMaxNesting.
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
    NodePtr operand = ParsePrimary(depth);
    if (!operand || !negate) return operand;
    std::vector<NodePtr> children;
    children.push_back(std::move(operand));
    return MakeBranch(Kind::kNot, std::move(children));
  }

  NodePtr ParsePrimary(int depth) {
    const Token& token = Peek();
    if (token.kind == Tok::kTerm) {
      Advance();
      return MakeNeedle(token.needle);
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
  std::optional<Error> error_;
};

bool Evaluate(const Rule::Node& node, std::string_view folded) {
  switch (node.kind) {
    case Kind::kNeedle:
      return folded.find(node.needle) != std::string_view::npos;
    case Kind::kNot:
      return !Evaluate(*node.children.front(), folded);
    case Kind::kAnd:
      for (const auto& child : node.children) {
        if (!Evaluate(*child, folded)) return false;
      }
      return true;
    case Kind::kOr:
      for (const auto& child : node.children) {
        if (Evaluate(*child, folded)) return true;
      }
      return false;
  }
  return false;
}

std::string FoldItem(const Item& item) {
  std::string text = item.title;
  for (const std::string* part : {&item.summary_text, &item.content_text}) {
    text += ' ';
    text += *part;
  }
  for (const std::string& category : item.categories) {
    text += ' ';
    text += category;
  }
  return FoldText(text);
}

}  // namespace

std::string FoldText(std::string_view text) {
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

Result<Rule> Rule::Compile(std::string_view text) {
  auto tokens = Lex(text);
  if (!tokens) return tokens.error();
  Parser parser(text, std::move(tokens.value()));
  auto root = parser.Parse();
  if (!root) return root.error();
  return Rule(std::shared_ptr<const Node>(std::move(root.value())));
}

bool Rule::Matches(const Item& item) const { return MatchesFolded(FoldItem(item)); }

bool Rule::MatchesFolded(std::string_view folded) const {
  return root_ && Evaluate(*root_, folded);
}

std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const Item& item) {
  std::vector<std::string> ids;
  const std::string folded = FoldItem(item);
  for (const TopicRule& topic : topics) {
    if (topic.rule.MatchesFolded(folded)) ids.push_back(topic.id);
  }
  return ids;
}

}  // namespace redwire::classify
