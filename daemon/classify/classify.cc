#include "daemon/classify/classify.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/classify/fold.h"
#include "daemon/classify/learned.h"
#include "daemon/classify/stem.h"
#include "daemon/classify/words.h"

namespace redwire::classify {

enum class Field { kAny, kTitle, kText, kCategory, kSource, kTag, kLang };

namespace {

// One word of a rule term. A bare word is compared by stem in the item's
// language, so it keeps, per language, the stem of the word as written
// wherever that differs from the folded word.
struct TermWord {
  enum class Form { kExact, kStem, kPrefix };
  struct Stemmed {
    int language;
    std::string stem;
    std::uint64_t hash;
  };
  Form form = Form::kExact;
  std::string folded;
  std::uint64_t hash = 0;
  std::vector<Stemmed> stems;

  std::string_view StemFor(int language, std::uint64_t* stem_hash) const {
    for (const Stemmed& s : stems) {
      if (s.language == language) {
        *stem_hash = s.hash;
        return s.stem;
      }
    }
    *stem_hash = hash;
    return folded;
  }
};

}  // namespace

// A leaf reads a text field (`words`, in order) or, for source, tag and
// lang, compares a folded needle with the start of the value (see
// KeywordMatches). An OR may stand for a concept.
struct Rule::Node {
  enum class Kind { kLeaf, kNear, kAnd, kOr, kNot };
  Kind kind = Kind::kLeaf;
  Field field = Field::kAny;
  std::string needle;            // keyword fields: " kke en " or " kke" (a prefix)
  std::vector<TermWord> words;   // text fields
  std::string shown;  // as written, with its scope: "title:cuba*", "@ban:outlaw"
  int distance = 0;   // kNear: most words allowed between the two terms
  std::vector<std::unique_ptr<const Node>> children;
};

namespace {

using NodePtr = std::unique_ptr<const Rule::Node>;
using Kind = Rule::Node::Kind;

// The cap keeps both the parser and the matcher's recursion shallow, so a
// hostile or mistyped rule fails with a message instead of a stack overflow.
constexpr int kMaxNesting = 100;

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

// The words of a term body already checked by BuildNeedle: each folded,
// and for a bare word its stem in every language with a stemmer.
std::vector<TermWord> BuildWords(std::string_view body, bool exact) {
  while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
  const bool prefix = !body.empty() && body.back() == '*';
  if (prefix) body.remove_suffix(1);
  const std::string marked = FoldKeepMarks(body);
  std::vector<TermWord> words;
  std::size_t start = 0;
  while (start < marked.size()) {
    std::size_t end = marked.find(' ', start);
    if (end == std::string::npos) end = marked.size();
    const std::string_view word = std::string_view(marked).substr(start, end - start);
    start = end + 1;
    TermWord w;
    AppendStripped(w.folded, word);
    if (w.folded.empty()) continue;
    w.hash = HashWord(w.folded);
    w.form = exact ? TermWord::Form::kExact : TermWord::Form::kStem;
    if (!exact) {
      for (int language = 1; language <= kLanguages; ++language) {
        const std::string_view stem = StemWord(language, word);
        if (stem != w.folded) w.stems.push_back({language, std::string(stem), HashWord(stem)});
      }
    }
    words.push_back(std::move(w));
  }
  if (prefix && !words.empty()) {
    words.back().form = TermWord::Form::kPrefix;
    words.back().stems.clear();
  }
  return words;
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
  return Error{std::string(reason), ErrorCode::kInvalidArgument, "", 0, static_cast<int>(ColumnAt(text, offset))};
}

// Bigger rules are a mistake or an attack; the shipped ones are ~200 bytes.
constexpr std::size_t kMaxRuleBytes = 256 * 1024;
constexpr int kDefaultNear = 10;
constexpr int kMaxNear = 100;

enum class Tok { kTerm, kConcept, kAnd, kOr, kNot, kNear, kScope, kLParen, kRParen, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // bytes into the rule text
  std::string_view text;   // as written, for messages
  std::string needle;      // kTerm only
  std::string_view body;   // kTerm: the word, or what the quotes hold
  bool quoted = false;     // kTerm: exact forms only
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
      token.body = text.substr(pos + 1, close - pos - 1);
      token.quoted = c == '"';
      auto needle = BuildNeedle(text, token.body, token.text);
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
      } else if (word.front() == '@') {
        if (word.size() == 1 || word.substr(1).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                    std::string_view::npos) {
          return ErrorAt(text, pos, "a concept is @ and its id ([a-z0-9-]): " + std::string(word));
        }
        token.kind = Tok::kConcept;
      } else {
        token.kind = Tok::kTerm;
        token.body = word;
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
  return kind == Tok::kTerm || kind == Tok::kConcept || kind == Tok::kNot || kind == Tok::kLParen || kind == Tok::kScope;
}

NodePtr MakeBranch(Kind kind, std::vector<NodePtr> children) {
  if (children.size() == 1 && kind != Kind::kNot) return std::move(children.front());
  auto node = std::make_unique<Rule::Node>();
  node->kind = kind;
  node->children = std::move(children);
  return node;
}

// A concept's term as written in its list: "exact form", 'stemmed phrase',
// or bare words (each stemmed, in order), maybe ending in *.
Result<Token> ConceptTerm(std::string_view term) {
  while (!term.empty() && (term.front() == ' ' || term.front() == '\t')) term.remove_prefix(1);
  while (!term.empty() && (term.back() == ' ' || term.back() == '\t')) term.remove_suffix(1);
  if (term.empty()) return Error{"empty term", ErrorCode::kInvalidArgument};
  if (term.front() == '@') return Error{"a concept cannot hold another concept", ErrorCode::kInvalidArgument};
  Token token;
  token.kind = Tok::kTerm;
  token.text = term;
  token.body = term;
  if (term.size() >= 2 && (term.front() == '"' || term.front() == '\'') && term.back() == term.front()) {
    token.body = term.substr(1, term.size() - 2);
    token.quoted = term.front() == '"';
  } else if (term.find_first_of("\"()") != std::string_view::npos) {
    return Error{"quotes must wrap the whole term, and ( ) have no place in one", ErrorCode::kInvalidArgument};
  }
  auto needle = BuildNeedle(term, token.body, term);
  // A column inside a concept's term would point into the wrong text.
  if (!needle) return Error{needle.error().message, ErrorCode::kInvalidArgument};
  token.needle = std::move(needle.value());
  return token;
}

// Precedence NEAR > NOT > AND > OR. Only parentheses recurse (NOT chains are
// a loop), and they stop at kMaxNesting. A scope sets the field of every
// leaf parsed while it is in force.
class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens, const Concepts& concepts)
      : text_(text), tokens_(std::move(tokens)), concepts_(concepts) {}

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
      Field field = Field::kAny;
      for (const NodePtr* side : {&left, &right}) {
        if (!IsTextSide(**side)) {
          return Fail(offset, shown + " joins text terms (words, phrases, prefixes, concepts or an OR of them)");
        }
        if (!SameField(**side, field)) return Fail(offset, shown + " terms must read the same field");
      }
      auto node = std::make_unique<Rule::Node>();
      node->kind = Kind::kNear;
      node->field = field;
      node->distance = distance;
      node->shown = Shown(*left) + " " + shown + " " + Shown(*right);
      node->children.push_back(Clone(*left));
      node->children.push_back(Clone(*right));
      pairs.push_back(std::move(node));
      left = std::move(right);
    }
    return MakeBranch(Kind::kAnd, std::move(pairs));
  }

  // Text leaves, or ORs of them (a concept, a parenthesised list).
  static bool IsTextSide(const Rule::Node& node) {
    if (node.kind == Kind::kLeaf) return !IsKeywordField(node.field);
    if (node.kind != Kind::kOr) return false;
    for (const auto& child : node.children) {
      if (!IsTextSide(*child)) return false;
    }
    return true;
  }

  // Folds the fields of a side's leaves into `field`; false when two differ.
  static bool SameField(const Rule::Node& node, Field& field) {
    if (node.kind == Kind::kLeaf) {
      if (node.field == Field::kAny) return true;
      if (field != Field::kAny && field != node.field) return false;
      field = node.field;
      return true;
    }
    for (const auto& child : node.children) {
      if (!SameField(*child, field)) return false;
    }
    return true;
  }

  // A NEAR side as written: its own text, or its alternatives.
  static std::string Shown(const Rule::Node& side) {
    if (!side.shown.empty()) return side.shown;
    std::string out;
    for (const auto& child : side.children) out += (out.empty() ? "(" : " OR ") + Shown(*child);
    return out + ")";
  }

  static NodePtr Clone(const Rule::Node& from) {
    auto node = std::make_unique<Rule::Node>();
    node->kind = from.kind;
    node->field = from.field;
    node->needle = from.needle;
    node->words = from.words;
    node->shown = from.shown;
    node->distance = from.distance;
    for (const auto& child : from.children) node->children.push_back(Clone(*child));
    return node;
  }

  NodePtr Leaf(const Token& token, std::string shown) {
    auto node = std::make_unique<Rule::Node>();
    node->kind = Kind::kLeaf;
    node->field = field_;
    node->shown = field_ == Field::kAny ? std::move(shown) : NameOf(field_) + (":" + shown);
    if (IsKeywordField(field_)) node->needle = token.needle;
    else node->words = BuildWords(token.body, token.quoted);
    return node;
  }

  // A concept: the OR of its terms, each read in the scope in force.
  NodePtr ConceptNode(const Token& token) {
    const std::string_view id = token.text.substr(1);
    const auto found = concepts_.find(id);
    if (found == concepts_.end()) return Fail(token.offset, "unknown concept '" + std::string(token.text) + "'");
    if (IsKeywordField(field_)) {
      return Fail(token.offset, std::string(NameOf(field_)) + ": cannot read a concept (its terms are text)");
    }
    std::vector<NodePtr> terms;
    for (const std::string& term : found->second) {
      auto parsed = ConceptTerm(term);
      if (!parsed) {
        return Fail(token.offset, "concept '" + std::string(token.text) + "', term '" + term + "': " +
                                      parsed.error().message);
      }
      terms.push_back(Leaf(parsed.value(), std::string(token.text) + ":" + term));
    }
    if (terms.empty()) return Fail(token.offset, "concept '" + std::string(token.text) + "' has no terms");
    auto node = std::make_unique<Rule::Node>();
    node->kind = Kind::kOr;
    node->shown = NameOf(field_) + std::string(field_ == Field::kAny ? "" : ":") + std::string(token.text);
    node->children = std::move(terms);
    return node;
  }

  NodePtr ParseScoped(int depth) {
    if (Peek().kind != Tok::kScope) return ParsePrimary(depth);
    const Field saved = field_;
    field_ = Peek().field;
    Advance();
    const Token& scope = tokens_[pos_ - 1];
    const std::size_t scope_end = scope.offset + scope.text.size();
    if ((Peek().kind != Tok::kTerm && Peek().kind != Tok::kConcept && Peek().kind != Tok::kLParen) ||
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
      return Leaf(token, std::string(token.text));
    }
    if (token.kind == Tok::kConcept) {
      Advance();
      return ConceptNode(token);
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
  const Concepts& concepts_;
  std::optional<Error> error_;
};

bool WordAt(const TermWord& w, const FieldWords& field, std::size_t at, int language) {
  switch (w.form) {
    case TermWord::Form::kExact: return field.Folded(at) == w.folded;
    case TermWord::Form::kPrefix: {
      const std::string_view word = field.Folded(at);
      return word.size() >= w.folded.size() && word.substr(0, w.folded.size()) == w.folded;
    }
    case TermWord::Form::kStem: {
      std::uint64_t hash = 0;
      return field.Stem(at) == w.StemFor(language, &hash);
    }
  }
  return false;
}

// Calls f(position) for each place the leaf's words occur in order, until
// f returns true.
template <typename F>
void ForEachOccurrence(const Rule::Node& leaf, const FieldWords& field, int language, bool indexed, F&& f) {
  if (leaf.words.empty()) return;
  const TermWord& first = leaf.words.front();
  auto rest = [&](std::size_t at) {
    if (at + leaf.words.size() > field.size()) return false;
    for (std::size_t k = 1; k < leaf.words.size(); ++k) {
      if (!WordAt(leaf.words[k], field, at + k, language)) return false;
    }
    return f(at);
  };
  switch (first.form) {
    case TermWord::Form::kExact:
      field.ForEachFolded(first.folded, first.hash, indexed, rest);
      return;
    case TermWord::Form::kStem: {
      std::uint64_t hash = 0;
      const std::string_view stem = first.StemFor(language, &hash);
      field.ForEachStem(stem, hash, indexed, rest);
      return;
    }
    case TermWord::Form::kPrefix:
      for (std::size_t at = 0; at < field.size(); ++at) {
        if (WordAt(first, field, at, language) && rest(at)) return;
      }
      return;
  }
}

bool OccursIn(const Rule::Node& leaf, const FieldWords& field, int language, bool indexed) {
  bool found = false;
  ForEachOccurrence(leaf, field, language, indexed, [&found](std::size_t) { return found = true; });
  return found;
}

struct Occurrence {
  std::size_t at;
  std::size_t length;
};

// Where a NEAR side (a leaf, or an OR of leaves) occurs, by position.
void Occurrences(const Rule::Node& side, const FieldWords& field, int language, bool indexed,
                 std::vector<Occurrence>& out) {
  if (side.kind == Kind::kLeaf) {
    const std::size_t length = side.words.size();
    ForEachOccurrence(side, field, language, indexed, [&](std::size_t at) {
      out.push_back({at, length});
      return false;
    });
    return;
  }
  for (const auto& child : side.children) Occurrences(*child, field, language, indexed, out);
}

// Whether an occurrence in `pa` and one in `pb` have at most `distance`
// words between them; sorts `pb`.
bool AnyNear(const std::vector<Occurrence>& pa, std::vector<Occurrence>& pb, int distance) {
  auto by_position = [](const Occurrence& x, const Occurrence& y) { return x.at < y.at; };
  std::sort(pb.begin(), pb.end(), by_position);
  std::size_t longest_b = 0;
  for (const Occurrence& o : pb) longest_b = std::max(longest_b, o.length);
  const auto limit = static_cast<std::size_t>(distance);
  for (const Occurrence& x : pa) {
    // Only b's starting within reach of x can be near it.
    const std::size_t from = x.at > longest_b + limit ? x.at - longest_b - limit : 0;
    auto it = std::lower_bound(pb.begin(), pb.end(), Occurrence{from, 0}, by_position);
    for (; it != pb.end() && it->at <= x.at + x.length + limit; ++it) {
      if (it->at >= x.at + x.length && it->at - (x.at + x.length) <= limit) return true;
      if (x.at >= it->at + it->length && x.at - (it->at + it->length) <= limit) return true;
    }
  }
  return false;
}

bool NearIn(const FieldWords& field, const Rule::Node& a, const Rule::Node& b, int distance, int language,
            bool indexed) {
  std::vector<Occurrence> pa, pb;
  Occurrences(a, field, language, indexed, pa);
  if (pa.empty()) return false;
  Occurrences(b, field, language, indexed, pb);
  if (pb.empty()) return false;
  return AnyNear(pa, pb, distance);
}

// Whole value, or its start: the needle " kke en " equals " kke en "; " kke"
// (a prefix) starts it; " pt " (lang:pt) starts " pt br ".
bool KeywordMatches(std::string_view value, std::string_view needle) {
  return value.substr(0, needle.size()) == needle;
}

bool LeafMatches(const Rule::Node& node, const MatchInput& in) {
  const std::string_view needle = node.needle;
  switch (node.field) {
    case Field::kSource:
      return needle.back() == ' ' ? in.source == needle : KeywordMatches(in.source, needle);
    case Field::kTag:
      for (const std::string& tag : in.tags) {
        if (needle.back() == ' ' ? tag == needle : KeywordMatches(tag, needle)) return true;
      }
      return false;
    case Field::kLang: return KeywordMatches(in.lang, needle);
    default: break;
  }
  if (!in.words) return false;
  const Words& w = *in.words;
  switch (node.field) {
    case Field::kTitle: return OccursIn(node, w.title, w.language, in.indexed);
    case Field::kText: return OccursIn(node, w.text, w.language, in.indexed);
    case Field::kCategory: return OccursIn(node, w.categories, w.language, in.indexed);
    default:
      return OccursIn(node, w.title, w.language, in.indexed) || OccursIn(node, w.text, w.language, in.indexed) ||
             OccursIn(node, w.categories, w.language, in.indexed);
  }
}

bool NearMatches(const Rule::Node& node, const MatchInput& in) {
  if (!in.words) return false;
  const Words& w = *in.words;
  const Rule::Node& a = *node.children[0];
  const Rule::Node& b = *node.children[1];
  auto near = [&](const FieldWords& field) { return NearIn(field, a, b, node.distance, w.language, in.indexed); };
  switch (node.field) {
    case Field::kTitle: return near(w.title);
    case Field::kText: return near(w.text);
    case Field::kCategory: return near(w.categories);
    default: return near(w.title) || near(w.text) || near(w.categories);
  }
}

bool Evaluate(const Rule::Node& node, const MatchInput& in) {
  switch (node.kind) {
    case Kind::kLeaf:
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
    if (node->kind == Kind::kLeaf || node->kind == Kind::kNear) {
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

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const std::string* FirstShared(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a) {
    if (Contains(b, x)) return &x;
  }
  return nullptr;
}

// The rule's part of a topic's decision, with the topic's model when it has
// one; `rule` is whether the topic's rule matched (by the term table or the
// rule itself). `features` is computed on the first need and reused for
// the item's other topics.
struct RuleDecision {
  bool matched = false;
  bool rule = false;        // the topic's rule matched
  bool model_rule = false;  // propose mode: the looser rule matched
  std::optional<double> probability;
};

RuleDecision DecideByRule(const TopicRule& topic, bool rule, const MatchInput& input,
                          std::optional<ModelFeatures>& features) {
  RuleDecision d;
  d.rule = rule;
  const LearnedSignal* learned = topic.learned.get();
  if (!learned) {
    d.matched = d.rule;
    return d;
  }
  // The model is asked only where its answer decides: a rule match to
  // confirm, or a proposal the looser rule backs.
  if (learned->mode == ModelMode::kPropose) {
    if (d.rule) {
      d.matched = true;
      return d;
    }
    d.model_rule = learned->model_rule && learned->model_rule->Matches(input);
    if (!d.model_rule) return d;
  } else if (!d.rule) {
    return d;
  }
  if (!features) features = FeaturesOf(input);
  d.probability = learned->model->Probability(*features);
  d.matched = *d.probability >= learned->threshold;
  return d;
}

std::string Fixed2(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

// Every topic's rule in one program whose text leaves name the first word
// of their term by a number, and a table from words, stems (per language)
// and prefixes to those numbers. An item is read once for all topics: each
// distinct folded word and stem of each field is looked up once, which
// gives every place a term's first word occurs; a leaf is then a bit test,
// or for a phrase the check of its later words at those places, and NEAR
// compares the places. Equal parts of rules (a concept in one scope, a
// NEAR clause) are one op, answered once per item, and an OR of one-word
// terms (most concepts) is a list of numbers. The answers are Evaluate's
// (tested against it).
class TermTable {
 public:
  explicit TermTable(const std::vector<TopicRule>& topics) {
    root_children_.fill(kNone);
    for (const TopicRule& topic : topics) {
      roots_.push_back(topic.rule ? topic.rule->root_ : nullptr);
      programs_.push_back(roots_.back() ? Compile(*roots_.back()) : kNone);
    }
    // An OR of text terms is answered from its first words' hits, so it
    // costs nothing when none of them occurs: it starts false and nowhere,
    // is true once a one-word term occurs, and is read in full only when
    // just the first word of a longer one does.
    initial_answers_.assign(ops_.size(), kUnknown);
    initial_presence_.assign(ops_.size(), kUnknownPresence);
    in_any_.resize(words_.size());
    for (std::uint32_t i = 0; i < ops_.size(); ++i) {
      if (ops_[i].any.empty()) continue;
      initial_answers_[i] = kFalse;
      initial_presence_[i] = 0;
      for (const AnyWord& w : ops_[i].any) in_any_[w.word].push_back({i, w.reads, w.whole});
    }
  }

  // Whether `topics` holds the rules this table was built from: the table
  // keeps their trees alive, so equal addresses are the same rules.
  bool BuiltFrom(const std::vector<TopicRule>& topics) const {
    if (topics.size() != roots_.size()) return false;
    for (std::size_t i = 0; i < topics.size(); ++i) {
      const Rule::Node* root = topics[i].rule ? topics[i].rule->root_.get() : nullptr;
      if (root != roots_[i].get()) return false;
    }
    return true;
  }

  // Finds where the terms' first words occur in `in`; until the next call,
  // Matches(i) reads them.
  void Read(const MatchInput& in) {
    in_ = &in;
    present_.assign(words_.size(), 0);
    answers_ = initial_answers_;
    presence_ = initial_presence_;
    hits_.clear();
    if (!in.words) return;
    const Words& w = *in.words;
    const StemTable& stems = StemsFor(w.language);
    const FieldWords* fields[] = {&w.title, &w.text, &w.categories};
    for (std::uint8_t f = 0; f < 3; ++f) {
      auto add = [&](std::uint32_t id, auto& positions) {
        present_[id] |= static_cast<std::uint8_t>(1u << f);
        positions([&](std::size_t at) { hits_.push_back(Hit{id, f, static_cast<std::uint32_t>(at)}); });
      };
      fields[f]->ForEachDistinctFolded([&](std::string_view word, std::uint64_t hash, auto& positions) {
        if (const auto found = exact_.find(hash); found != exact_.end()) {
          for (std::uint32_t id : found->second) {
            if (words_[id].folded == word) add(id, positions);
          }
        }
        std::uint32_t node = root_children_[static_cast<unsigned char>(word.front())];
        for (std::size_t k = 1; node != kNone; ++k) {
          for (std::uint32_t id : trie_[node].ids) add(id, positions);
          if (k == word.size()) break;
          node = trie_[node].Child(static_cast<unsigned char>(word[k]));
        }
      });
      fields[f]->ForEachDistinctStem([&](std::string_view stem, std::uint64_t hash, auto& positions) {
        const auto found = stems.find(hash);
        if (found == stems.end()) return;
        for (std::uint32_t id : found->second) {
          std::uint64_t unused = 0;
          if (words_[id].StemFor(w.language, &unused) == stem) add(id, positions);
        }
      });
    }
    std::sort(hits_.begin(), hits_.end());
    for (std::size_t i = 0; i < hits_.size(); ++i) {
      if (i > 0 && hits_[i].word == hits_[i - 1].word) continue;
      const std::uint8_t fields = present_[hits_[i].word];
      for (const InAny& in : in_any_[hits_[i].word]) {
        presence_[in.op] |= fields;
        if ((fields & in.reads) == 0) continue;
        if (in.whole) answers_[in.op] = kTrue;
        else if (answers_[in.op] == kFalse) answers_[in.op] = kUnknown;
      }
    }
  }

  // Whether topic i's rule matches the item last read.
  bool Matches(std::size_t topic) { return programs_[topic] != kNone && Run(programs_[topic]); }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::uint8_t kAllFields = 7;

  static constexpr std::uint8_t kUnknown = 0, kFalse = 1, kTrue = 2;
  static constexpr std::uint8_t kUnknownPresence = 0xff;

  // One node of a rule: `node` is the rule's own (the first of its equals),
  // `word` the number of a text leaf's first word (kNone for a leaf of no
  // words), `children` its operands' ops. An OR of text leaves (a
  // concept) also lists their first words in `any`.
  struct AnyWord {
    std::uint32_t word;
    std::uint8_t reads;  // the fields its leaf reads
    bool whole;          // the word is the whole term
  };
  struct Op {
    const Rule::Node* node = nullptr;
    std::uint32_t word = kNone;
    std::vector<std::uint32_t> children;
    std::vector<AnyWord> any;
  };
  struct Hit {
    std::uint32_t word;
    std::uint8_t field;  // 0 title, 1 text, 2 categories
    std::uint32_t at;
    bool operator<(const Hit& o) const {
      return word != o.word ? word < o.word : field != o.field ? field < o.field : at < o.at;
    }
  };
  // Bytes of prefix terms, each node with the prefixes that end there.
  struct TrieNode {
    std::vector<std::pair<unsigned char, std::uint32_t>> children;
    std::vector<std::uint32_t> ids;
    std::uint32_t Child(unsigned char c) const {
      for (const auto& [byte, next] : children) {
        if (byte == c) return next;
      }
      return kNone;
    }
  };
  using StemTable = std::unordered_map<std::uint64_t, std::vector<std::uint32_t>>;

  std::uint32_t Compile(const Rule::Node& node) {
    Op op;
    op.node = &node;
    std::string key{static_cast<char>(node.kind), static_cast<char>(node.field)};
    if (node.kind == Kind::kLeaf) {
      if (IsKeywordField(node.field)) {
        key += node.needle;
      } else {
        if (!node.words.empty()) op.word = WordNumber(node.words.front());
        for (const TermWord& w : node.words) key += WordKey(w) + '\1';
      }
    } else {
      key += std::to_string(node.distance);
      bool text_leaves = node.kind == Kind::kOr;
      for (const auto& child : node.children) {
        const std::uint32_t id = Compile(*child);
        op.children.push_back(id);
        key += ',' + std::to_string(id);
        const Rule::Node& c = *ops_[id].node;
        text_leaves = text_leaves && c.kind == Kind::kLeaf && !IsKeywordField(c.field);
      }
      if (text_leaves) {
        for (const std::uint32_t id : op.children) {
          const Op& leaf = ops_[id];
          if (leaf.word != kNone) op.any.push_back({leaf.word, FieldBits(leaf.node->field), leaf.node->words.size() == 1});
        }
      }
    }
    const auto [it, added] = op_numbers_.emplace(std::move(key), static_cast<std::uint32_t>(ops_.size()));
    if (added) ops_.push_back(std::move(op));
    return it->second;
  }

  static std::string WordKey(const TermWord& word) {
    std::string key(1, static_cast<char>(word.form));
    key += word.folded;
    for (const auto& s : word.stems) key += '\0' + std::to_string(s.language) + ':' + s.stem;
    return key;
  }

  // The number of a distinct term word (form, folded word and stems),
  // entered into the exact table or the prefix trie on first sight.
  std::uint32_t WordNumber(const TermWord& word) {
    const auto [it, added] = numbers_.emplace(WordKey(word), static_cast<std::uint32_t>(words_.size()));
    if (!added) return it->second;
    words_.push_back(word);
    if (word.form == TermWord::Form::kExact) {
      exact_[word.hash].push_back(it->second);
    } else if (word.form == TermWord::Form::kPrefix) {
      std::uint32_t node = kNone;
      for (const char c : word.folded) {
        const auto byte = static_cast<unsigned char>(c);
        std::uint32_t next = node == kNone ? root_children_[byte] : trie_[node].Child(byte);
        if (next == kNone) {
          next = static_cast<std::uint32_t>(trie_.size());
          if (node == kNone) root_children_[byte] = next;
          else trie_[node].children.emplace_back(byte, next);
          trie_.emplace_back();
        }
        node = next;
      }
      trie_[node].ids.push_back(it->second);
    }
    stems_by_language_.clear();
    return it->second;
  }

  // The stem-form words by the hash of their stem in `language`, built on
  // the first item of that language.
  const StemTable& StemsFor(int language) {
    if (stems_by_language_.empty()) stems_by_language_.resize(kLanguages + 1);
    std::optional<StemTable>& table = stems_by_language_[static_cast<std::size_t>(language)];
    if (!table) {
      table.emplace();
      for (std::uint32_t id = 0; id < words_.size(); ++id) {
        if (words_[id].form != TermWord::Form::kStem) continue;
        std::uint64_t hash = 0;
        words_[id].StemFor(language, &hash);
        (*table)[hash].push_back(id);
      }
    }
    return *table;
  }

  static std::uint8_t FieldBits(Field field) {
    switch (field) {
      case Field::kTitle: return 1;
      case Field::kText: return 2;
      case Field::kCategory: return 4;
      default: return kAllFields;
    }
  }

  const FieldWords& FieldAt(std::uint8_t f) const {
    const Words& w = *in_->words;
    return f == 0 ? w.title : f == 1 ? w.text : w.categories;
  }

  // Calls f(position) for each place in field f where the leaf's words
  // occur in order, until f returns true (ForEachOccurrence from the hits).
  template <typename F>
  void ForEachPlace(const Op& leaf, std::uint8_t f, F&& found) const {
    const auto& words = leaf.node->words;
    const FieldWords& field = FieldAt(f);
    const int language = in_->words->language;
    auto it = std::lower_bound(hits_.begin(), hits_.end(), Hit{leaf.word, f, 0});
    for (; it != hits_.end() && it->word == leaf.word && it->field == f; ++it) {
      if (it->at + words.size() > field.size()) continue;
      bool rest = true;
      for (std::size_t k = 1; k < words.size() && rest; ++k) rest = WordAt(words[k], field, it->at + k, language);
      if (rest && found(static_cast<std::size_t>(it->at))) return;
    }
  }

  bool LeafIn(const Op& leaf, std::uint8_t fields) const {
    if (leaf.word == kNone) return false;
    const std::uint8_t present = present_[leaf.word] & fields;
    if (present == 0) return false;
    if (leaf.node->words.size() == 1) return true;
    for (std::uint8_t f = 0; f < 3; ++f) {
      if ((present & (1u << f)) == 0) continue;
      bool found = false;
      ForEachPlace(leaf, f, [&found](std::size_t) { return found = true; });
      if (found) return true;
    }
    return false;
  }

  void Places(const Op& side, std::uint8_t f, std::vector<Occurrence>& out) const {
    if (side.node->kind == Kind::kLeaf) {
      if (side.word == kNone || (present_[side.word] & (1u << f)) == 0) return;
      const std::size_t length = side.node->words.size();
      ForEachPlace(side, f, [&](std::size_t at) {
        out.push_back({at, length});
        return false;
      });
      return;
    }
    for (std::uint32_t child : side.children) Places(ops_[child], f, out);
  }

  // The fields in which some leaf of a NEAR side has its first word: where
  // the side may occur (its leaves' own scopes do not count inside NEAR).
  std::uint8_t Presence(std::uint32_t index) {
    std::uint8_t& bits = presence_[index];
    if (bits != kUnknownPresence) return bits;
    const Op& op = ops_[index];
    std::uint8_t found = 0;
    if (op.node->kind == Kind::kLeaf) {
      found = op.word == kNone ? 0 : present_[op.word];
    } else {
      for (const std::uint32_t child : op.children) found |= Presence(child);
    }
    return bits = found;
  }

  bool NearInField(const Op& near, std::uint8_t f) {
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << f);
    if ((Presence(near.children[0]) & bit) == 0 || (Presence(near.children[1]) & bit) == 0) return false;
    std::vector<Occurrence> pa, pb;
    Places(ops_[near.children[0]], f, pa);
    if (pa.empty()) return false;
    Places(ops_[near.children[1]], f, pb);
    if (pb.empty()) return false;
    return AnyNear(pa, pb, near.node->distance);
  }

  bool Run(std::uint32_t index) {
    std::uint8_t& answer = answers_[index];
    if (answer == kUnknown) answer = Answer(ops_[index]) ? kTrue : kFalse;
    return answer == kTrue;
  }

  bool Answer(const Op& op) {
    const Rule::Node& node = *op.node;
    switch (node.kind) {
      case Kind::kLeaf:
        if (IsKeywordField(node.field)) return LeafMatches(node, *in_);
        return in_->words && LeafIn(op, FieldBits(node.field));
      case Kind::kNear: {
        if (!in_->words) return false;
        const std::uint8_t fields = FieldBits(node.field);
        for (std::uint8_t f = 0; f < 3; ++f) {
          if ((fields & (1u << f)) != 0 && NearInField(op, f)) return true;
        }
        return false;
      }
      case Kind::kNot: return !Run(op.children.front());
      case Kind::kAnd:
        for (std::uint32_t child : op.children) {
          if (!Run(child)) return false;
        }
        return true;
      case Kind::kOr:
        for (std::uint32_t child : op.children) {
          if (Run(child)) return true;
        }
        return false;
    }
    return false;
  }

  std::vector<std::shared_ptr<const Rule::Node>> roots_;
  std::vector<std::uint32_t> programs_;  // per topic: its root op, kNone without a rule
  std::vector<Op> ops_;
  std::unordered_map<std::string, std::uint32_t> op_numbers_;  // an op's kind, field and parts -> its number
  std::vector<TermWord> words_;
  std::unordered_map<std::string, std::uint32_t> numbers_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> exact_;
  std::array<std::uint32_t, 256> root_children_;  // the trie's first bytes
  std::vector<TrieNode> trie_;
  std::vector<std::uint8_t> initial_answers_, initial_presence_;
  // Per word: the ORs of text terms that hold it first.
  struct InAny {
    std::uint32_t op;
    std::uint8_t reads;
    bool whole;
  };
  std::vector<std::vector<InAny>> in_any_;
  std::vector<std::optional<StemTable>> stems_by_language_;
  // Of the item last read: which fields each word occurs in, and where.
  const MatchInput* in_ = nullptr;
  std::vector<std::uint8_t> present_;
  std::vector<Hit> hits_;
  std::vector<std::uint8_t> answers_;  // per op: kUnknown, kFalse or kTrue
  std::vector<std::uint8_t> presence_;  // per op: Presence, or kUnknownPresence
};

MatchInput Prepare(const Item& item, const std::vector<std::string>& source_tags, std::string_view source_lang) {
  MatchInput in;
  auto words = std::make_shared<Words>();
  const std::string title = FoldKeepMarks(item.title);
  const std::string summary = FoldKeepMarks(item.summary_text);
  const std::string content = FoldKeepMarks(item.content_text);
  int language = LanguageNumber(item.language);
  if (language == 0) language = LanguageNumber(source_lang);
  if (language == 0) language = GuessLanguage(title + summary.substr(0, 2000));
  words->language = language;
  words->title.AddPart(title, language);
  if (summary.size() > 1) words->text.AddPart(summary, language);
  if (content.size() > 1) words->text.AddPart(content, language);
  for (const std::string& category : item.categories) words->categories.AddPart(FoldKeepMarks(category), language);
  words->title.Index();
  words->text.Index();
  words->categories.Index();
  in.title = words->title.Joined();
  in.text = words->text.Joined();
  in.categories = words->categories.Joined();
  in.words = std::move(words);
  in.source = FoldText(item.source_id);
  for (const std::string& tag : source_tags) in.tags.push_back(FoldText(tag));
  in.lang = FoldText(item.language);
  in.source_id = item.source_id;
  in.source_tags = source_tags;
  in.stem_language = std::string(LanguageCode(language));
  return in;
}

Status CheckConceptTerm(const std::string& term) {
  auto token = ConceptTerm(term);
  if (!token) return token.error();
  return Ok{};
}

Status CheckConceptTerms(const std::vector<std::string>& terms) {
  for (std::size_t i = 0; i < terms.size(); ++i) {
    auto checked = CheckConceptTerm(terms[i]);
    if (!checked) {
      return Error{"term " + std::to_string(i + 1) + " '" + terms[i] + "': " + checked.error().message,
                   ErrorCode::kInvalidArgument};
    }
  }
  if (terms.empty()) return Error{"no terms", ErrorCode::kInvalidArgument};
  return Ok{};
}

std::string StemOf(std::string_view word, std::string_view language) {
  const std::string marked = FoldKeepMarks(word);
  const std::string_view first = std::string_view(marked).substr(1, marked.find(' ', 1) - 1);
  return std::string(StemWord(LanguageNumber(language), first));
}

Result<Rule> Rule::Compile(std::string_view text, const Concepts& concepts) {
  if (text.size() > kMaxRuleBytes) {
    return Error{"rule longer than " + std::to_string(kMaxRuleBytes / 1024) + " KiB", ErrorCode::kTooLarge, "", 0, 1};
  }
  auto tokens = Lex(text);
  if (!tokens) return tokens.error();
  Parser parser(text, std::move(tokens.value()), concepts);
  auto root = parser.Parse();
  if (!root) return root.error();
  return Rule(std::shared_ptr<const Node>(std::move(root.value())));
}

bool Rule::Matches(const MatchInput& input) const { return root_ && Evaluate(*root_, input); }

bool Rule::Matches(const Item& item) const { return Matches(Prepare(item)); }

bool Rule::MatchesFolded(std::string_view folded) const {
  MatchInput in;
  auto words = std::make_shared<Words>();
  words->title.AddFolded(folded);
  words->title.Index();
  words->text = words->title;
  words->categories = words->title;
  in.title = std::string(folded);
  in.text = in.title;
  in.categories = in.title;
  in.words = std::move(words);
  return Matches(in);
}

std::vector<std::string> Rule::TagTerms() const {
  std::vector<std::string> out;
  std::vector<const Node*> stack = {root_.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (!node) continue;
    if (node->kind == Kind::kLeaf && node->field == Field::kTag) out.push_back(node->shown);
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
  std::optional<ModelFeatures> features;
  const RuleDecision d = DecideByRule(topic, topic.rule && topic.rule->Matches(input), input, features);
  v.matched = d.matched;
  v.probability = d.probability;
  if (d.rule) v.terms = topic.rule->MatchedTerms(input);
  else if (d.model_rule) v.terms = topic.learned->model_rule->MatchedTerms(input);
  if (!d.probability) {
    v.reason = d.rule ? "rule" : "no match";
    return v;
  }
  const std::string p = Fixed2(*d.probability);
  const std::string threshold = Fixed2(topic.learned->threshold);
  const bool agrees = *d.probability >= topic.learned->threshold;
  if (topic.learned->mode == ModelMode::kConfirm) {
    v.reason = agrees ? "rule, model " + p + " >= " + threshold : "rule, refused by model " + p + " < " + threshold;
  } else {
    v.reason = agrees ? "model " + p + " >= " + threshold + " and model_rule"
                      : "model_rule, but model " + p + " < " + threshold;
  }
  return v;
}

std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const MatchInput& input) {
  thread_local std::unique_ptr<TermTable> table;
  if (input.indexed) {
    if (!table || !table->BuiltFrom(topics)) table = std::make_unique<TermTable>(topics);
    table->Read(input);
  }
  std::vector<std::string> ids;
  std::optional<ModelFeatures> features;  // computed once, for the first topic whose model is asked
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const TopicRule& topic = topics[i];
    if (Contains(topic.exclude_sources, input.source_id) ||
        FirstShared(topic.exclude_tags, input.source_tags) != nullptr) {
      continue;
    }
    if (Contains(topic.sources, input.source_id) ||
        FirstShared(topic.tags, input.source_tags) != nullptr ||
        DecideByRule(topic, topic.rule && (input.indexed ? table->Matches(i) : topic.rule->Matches(input)), input,
                     features)
            .matched) {
      ids.push_back(topic.id);
    }
  }
  return ids;
}

std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const Item& item) {
  return Classify(topics, Prepare(item));
}

}  // namespace redwire::classify
