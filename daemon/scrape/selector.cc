// The CSS selector compiler and matcher. Matching runs right to left over
// the compound parts; only the selector's own length (capped) bounds the
// recursion, never the depth of the page.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

#include "daemon/scrape/dom.h"

namespace redwire::scrape {

namespace {

constexpr std::size_t kMaxSelectorBytes = 2048;
constexpr std::size_t kMaxCompounds = 32;
constexpr int kMaxNotDepth = 4;

struct AttrTest {
  std::string name;  // lower-case
  char op = 0;       // 0: present; '=', '~', '^', '$', '*', '|'
  std::string value;
  bool ignore_case = false;
};

struct Compound;

struct Pseudo {
  enum Kind { kFirstChild, kLastChild, kOnlyChild, kNthChild, kNthLastChild, kNot, kHas } kind = kFirstChild;
  long a = 0, b = 0;                       // an+b
  std::shared_ptr<const Compound> negated;  // for :not
  std::shared_ptr<const Selector::Group> has;  // for :has, relative to the element
  bool has_child = false;                  // :has(> ...): a child, not any descendant
};

struct Compound {
  bool any_tag = true;
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::string tag_name;  // for tags gumbo does not know
  std::vector<std::string> ids;
  std::vector<std::string> classes;
  std::vector<AttrTest> attrs;
  std::vector<Pseudo> pseudos;
};

struct Complex {
  std::vector<Compound> parts;    // left to right
  std::vector<char> combinators;  // combinators[i] joins parts[i] and parts[i + 1]
};

}  // namespace

struct Selector::Group {
  std::vector<Complex> alternatives;  // empty: the scope element itself
};

namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string LowerAscii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), Lower);
  return s;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool IsNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '_' || u >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<Selector::Group> ParseGroup(std::string& attribute) {
    Selector::Group group;
    SkipSpace();
    if (!AtEnd() && Peek() != '@') {
      for (;;) {
        Complex complex;
        if (!ParseComplex(complex)) return Fail();
        group.alternatives.push_back(std::move(complex));
        SkipSpace();
        if (AtEnd() || Peek() == '@') break;
        if (Peek() != ',') return Fail("expected ',', '@attr' or the end");
        ++pos_;
        SkipSpace();
      }
    }
    if (!AtEnd() && Peek() == '@') {
      ++pos_;
      attribute = LowerAscii(Name());
      if (attribute.empty()) return Fail("expected an attribute name after '@'");
      SkipSpace();
      if (!AtEnd()) return Fail("nothing may follow '@" + attribute + "'");
    }
    return group;
  }

  std::size_t offset() const { return error_at_; }
  const std::string& error() const { return error_; }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  bool Set(const std::string& why) {
    if (error_.empty()) {
      error_ = why;
      error_at_ = std::min(pos_, s_.size());
    }
    return false;
  }
  Error Fail(const std::string& why = "") {
    if (!why.empty()) Set(why);
    return Error{error_ + " (at character " + std::to_string(error_at_ + 1) + ")"};
  }

  // An identifier; backslash escapes the next byte.
  std::string Name() {
    std::string out;
    while (!AtEnd()) {
      if (Peek() == '\\' && pos_ + 1 < s_.size()) {
        out += s_[pos_ + 1];
        pos_ += 2;
      } else if (IsNameChar(Peek())) {
        out += s_[pos_++];
      } else {
        break;
      }
    }
    return out;
  }

  bool ParseComplex(Complex& complex) {
    for (;;) {
      if (complex.parts.size() >= kMaxCompounds) return Set("selector has too many parts");
      Compound compound;
      if (!ParseCompound(compound, depth_)) return false;
      complex.parts.push_back(std::move(compound));
      const std::size_t before = pos_;
      SkipSpace();
      if (AtEnd() || Peek() == ',' || Peek() == '@') {
        return true;
      }
      char combinator = ' ';
      if (Peek() == '>' || Peek() == '+' || Peek() == '~') {
        combinator = Peek();
        ++pos_;
        SkipSpace();
      } else if (pos_ == before) {
        return Set(std::string("unexpected '") + Peek() + "'");
      }
      if (AtEnd()) return Set("selector ends after a combinator");
      complex.combinators.push_back(combinator);
    }
  }

  bool ParseCompound(Compound& c, int not_depth) {
    bool any = false;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;
      any = true;
    } else if (!AtEnd() && IsNameChar(Peek())) {
      std::string name = LowerAscii(Name());
      c.any_tag = false;
      c.tag = gumbo_tag_enum(name.c_str());
      if (c.tag == GUMBO_TAG_UNKNOWN) c.tag_name = std::move(name);
      any = true;
    }
    while (!AtEnd()) {
      const char ch = Peek();
      if (ch == '#' || ch == '.') {
        ++pos_;
        std::string name = Name();
        if (name.empty()) return Set(std::string("expected a name after '") + ch + "'");
        (ch == '#' ? c.ids : c.classes).push_back(std::move(name));
      } else if (ch == '[') {
        ++pos_;
        if (!ParseAttr(c)) return false;
      } else if (ch == ':') {
        ++pos_;
        if (!ParsePseudo(c, not_depth)) return false;
      } else {
        break;
      }
      any = true;
    }
    if (!any) {
      if (AtEnd()) return Set("expected a selector");
      return Set(std::string("unexpected '") + Peek() + "'");
    }
    return true;
  }

  bool ParseAttr(Compound& c) {
    SkipSpace();
    AttrTest test;
    test.name = LowerAscii(Name());
    if (test.name.empty()) return Set("expected an attribute name after '['");
    SkipSpace();
    if (AtEnd()) return Set("unclosed '['");
    if (Peek() != ']') {
      if (Peek() == '=') {
        test.op = '=';
        ++pos_;
      } else if (std::strchr("~^$*|", Peek()) && pos_ + 1 < s_.size() && s_[pos_ + 1] == '=') {
        test.op = Peek();
        pos_ += 2;
      } else {
        return Set(std::string("unknown attribute operator '") + Peek() + "'");
      }
      SkipSpace();
      if (AtEnd()) return Set("expected a value");
      if (Peek() == '"' || Peek() == '\'') {
        const char quote = s_[pos_++];
        while (!AtEnd() && Peek() != quote) {
          if (Peek() == '\\' && pos_ + 1 < s_.size()) ++pos_;
          test.value += s_[pos_++];
        }
        if (AtEnd()) return Set("unclosed string");
        ++pos_;
      } else {
        test.value = Name();
        if (test.value.empty()) return Set("expected a value");
      }
      SkipSpace();
      if (!AtEnd() && (Peek() == 'i' || Peek() == 'I')) {
        test.ignore_case = true;
        ++pos_;
        SkipSpace();
      }
    }
    if (AtEnd() || Peek() != ']') return Set("expected ']'");
    ++pos_;
    if (test.ignore_case) test.value = LowerAscii(test.value);
    c.attrs.push_back(std::move(test));
    return true;
  }

  bool ParsePseudo(Compound& c, int not_depth) {
    const std::size_t at = pos_;
    const std::string name = LowerAscii(Name());
    Pseudo p;
    if (name == "first-child") p.kind = Pseudo::kFirstChild;
    else if (name == "last-child") p.kind = Pseudo::kLastChild;
    else if (name == "only-child") p.kind = Pseudo::kOnlyChild;
    else if (name == "has") {
      return ParseHas(c, not_depth);
    } else if (name == "nth-child" || name == "nth-last-child" || name == "not") {
      if (AtEnd() || Peek() != '(') return Set("expected '(' after :" + name);
      ++pos_;
      SkipSpace();
      if (name == "not") {
        if (not_depth >= kMaxNotDepth) return Set(":not nested too deeply");
        auto negated = std::make_shared<Compound>();
        if (!ParseCompound(*negated, not_depth + 1)) return false;
        p.kind = Pseudo::kNot;
        p.negated = std::move(negated);
      } else {
        p.kind = name == "nth-child" ? Pseudo::kNthChild : Pseudo::kNthLastChild;
        const std::size_t close = s_.find(')', pos_);
        if (close == std::string_view::npos) return Set("unclosed '('");
        if (!ParseNth(s_.substr(pos_, close - pos_), p)) return Set("bad :" + name + " argument (use an+b, odd or even)");
        pos_ = close;
      }
      SkipSpace();
      if (AtEnd() || Peek() != ')') return Set("expected ')'");
      ++pos_;
    } else {
      pos_ = at;
      return Set("unsupported pseudo-class ':" + name + "'");
    }
    c.pseudos.push_back(std::move(p));
    return true;
  }

  // :has(sel) and :has(> sel): the argument is a selector group of its own,
  // up to the parenthesis that closes it (quotes and brackets skipped).
  bool ParseHas(Compound& c, int not_depth) {
    if (not_depth >= kMaxNotDepth) return Set(":has nested too deeply");
    if (AtEnd() || Peek() != '(') return Set("expected '(' after :has");
    ++pos_;
    const std::size_t open = pos_;
    int depth = 1;
    char quote = 0;
    for (; !AtEnd(); ++pos_) {
      const char ch = Peek();
      if (quote) {
        if (ch == '\\') ++pos_;
        else if (ch == quote) quote = 0;
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
      } else if (ch == '(' || ch == '[') {
        ++depth;
      } else if ((ch == ')' || ch == ']') && --depth == 0) {
        break;
      }
    }
    if (AtEnd()) return Set("unclosed '('");
    std::string_view inner = s_.substr(open, pos_ - open);
    Pseudo p;
    p.kind = Pseudo::kHas;
    while (!inner.empty() && IsSpace(inner.front())) inner.remove_prefix(1);
    if (!inner.empty() && inner.front() == '>') {
      p.has_child = true;
      inner.remove_prefix(1);
    }
    Parser sub(inner);
    sub.depth_ = not_depth + 1;
    std::string attribute;
    auto group = sub.ParseGroup(attribute);
    if (!group.ok() || group->alternatives.empty() || !attribute.empty()) {
      pos_ = open + sub.offset();
      return Set(group.ok() ? "expected a selector inside :has()" : sub.error());
    }
    if (p.has_child) {
      for (const auto& complex : group->alternatives) {
        if (complex.parts.size() > 1) return Set(":has(> ...) takes one compound selector, e.g. :has(> img.thumb)");
      }
    }
    ++pos_;
    p.has = std::make_shared<const Selector::Group>(std::move(group.value()));
    c.pseudos.push_back(std::move(p));
    return true;
  }

  static bool ParseNth(std::string_view arg, Pseudo& p) {
    std::string s;
    for (char ch : arg) {
      if (!IsSpace(ch)) s += Lower(ch);
    }
    if (s == "odd") {
      p.a = 2;
      p.b = 1;
      return true;
    }
    if (s == "even") {
      p.a = 2;
      p.b = 0;
      return true;
    }
    auto number = [](std::string_view digits, long& out) {
      if (digits.empty() || digits.size() > 6) return false;
      out = 0;
      for (char ch : digits) {
        if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
        out = out * 10 + (ch - '0');
      }
      return true;
    };
    const std::size_t n = s.find('n');
    if (n == std::string::npos) {
      std::string_view v = s;
      const bool negative = !v.empty() && v[0] == '-';
      if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
      if (!number(v, p.b)) return false;
      if (negative) p.b = -p.b;
      p.a = 0;
      return true;
    }
    std::string_view a = std::string_view(s).substr(0, n);
    if (a.empty() || a == "+") p.a = 1;
    else if (a == "-") p.a = -1;
    else {
      const bool negative = a[0] == '-';
      if (a[0] == '-' || a[0] == '+') a.remove_prefix(1);
      if (!number(a, p.a)) return false;
      if (negative) p.a = -p.a;
    }
    std::string_view b = std::string_view(s).substr(n + 1);
    p.b = 0;
    if (b.empty()) return true;
    if (b[0] != '+' && b[0] != '-') return false;
    const bool negative = b[0] == '-';
    b.remove_prefix(1);
    if (!number(b, p.b)) return false;
    if (negative) p.b = -p.b;
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;  // :not/:has nesting of this (sub-)parser
  std::string error_;
  std::size_t error_at_ = 0;
};

bool ContainsWord(std::string_view list, std::string_view word) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && IsSpace(list[i])) ++i;
    std::size_t j = i;
    while (j < list.size() && !IsSpace(list[j])) ++j;
    if (j > i && list.substr(i, j - i) == word) return true;
    i = j;
  }
  return false;
}

bool AttrMatches(const GumboNode* node, const AttrTest& t) {
  const char* raw = Attr(node, t.name.c_str());
  if (!raw) return false;
  if (t.op == 0) return true;
  std::string lowered;
  std::string_view v = raw;
  if (t.ignore_case) {
    lowered = LowerAscii(std::string(v));
    v = lowered;
  }
  const std::string_view want = t.value;
  switch (t.op) {
    case '=': return v == want;
    case '~': return !want.empty() && ContainsWord(v, want);
    case '^': return !want.empty() && v.substr(0, want.size()) == want;
    case '$': return !want.empty() && v.size() >= want.size() && v.substr(v.size() - want.size()) == want;
    case '*': return !want.empty() && v.find(want) != std::string_view::npos;
    case '|': return v == want || (v.size() > want.size() && v.substr(0, want.size()) == want && v[want.size()] == '-');
  }
  return false;
}

// 1-based position among element siblings, from the front or the back.
long Position(const GumboNode* node, bool from_end) {
  const GumboNode* parent = node->parent;
  if (!parent) return 1;
  const GumboVector* kids = ChildrenOf(parent);
  if (!kids) return 1;
  long pos = 1;
  if (!from_end) {
    for (unsigned i = 0; i < node->index_within_parent && i < kids->length; ++i) {
      if (IsElement(static_cast<const GumboNode*>(kids->data[i]))) ++pos;
    }
  } else {
    for (unsigned i = node->index_within_parent + 1; i < kids->length; ++i) {
      if (IsElement(static_cast<const GumboNode*>(kids->data[i]))) ++pos;
    }
  }
  return pos;
}

bool NthMatches(long a, long b, long pos) {
  if (a == 0) return pos == b;
  const long diff = pos - b;
  return diff % a == 0 && diff / a >= 0;
}

bool MatchesFrom(const GumboNode* node, const Complex& complex, std::size_t index, const GumboNode* scope);

// Some element under `node` (a child only, with `child_only`) matches
// `group`, combinators looking no higher than `node`.
bool HasMatch(const GumboNode* node, const Selector::Group& group, bool child_only) {
  bool found = false;
  auto test = [&](const GumboNode* n) {
    for (const auto& complex : group.alternatives) {
      if (MatchesFrom(n, complex, complex.parts.size() - 1, node)) return true;
    }
    return false;
  };
  if (child_only) {
    const GumboVector* kids = ChildrenOf(node);
    for (unsigned i = 0; kids && i < kids->length && !found; ++i) {
      const auto* kid = static_cast<const GumboNode*>(kids->data[i]);
      found = IsElement(kid) && test(kid);
    }
    return found;
  }
  ForEachElement(node, [&](const GumboNode* n) {
    found = test(n);
    return !found;
  });
  return found;
}

bool CompoundMatches(const GumboNode* node, const Compound& c) {
  if (!c.any_tag) {
    if (node->v.element.tag != c.tag) return false;
    if (c.tag == GUMBO_TAG_UNKNOWN && TagName(node) != c.tag_name) return false;
  }
  for (const auto& id : c.ids) {
    const char* v = Attr(node, "id");
    if (!v || id != v) return false;
  }
  for (const auto& cls : c.classes) {
    const char* v = Attr(node, "class");
    if (!v || !ContainsWord(v, cls)) return false;
  }
  for (const auto& t : c.attrs) {
    if (!AttrMatches(node, t)) return false;
  }
  for (const auto& p : c.pseudos) {
    switch (p.kind) {
      case Pseudo::kFirstChild:
        if (Position(node, false) != 1) return false;
        break;
      case Pseudo::kLastChild:
        if (Position(node, true) != 1) return false;
        break;
      case Pseudo::kOnlyChild:
        if (Position(node, false) != 1 || Position(node, true) != 1) return false;
        break;
      case Pseudo::kNthChild:
        if (!NthMatches(p.a, p.b, Position(node, false))) return false;
        break;
      case Pseudo::kNthLastChild:
        if (!NthMatches(p.a, p.b, Position(node, true))) return false;
        break;
      case Pseudo::kNot:
        if (CompoundMatches(node, *p.negated)) return false;
        break;
      case Pseudo::kHas:
        if (!HasMatch(node, *p.has, p.has_child)) return false;
        break;
    }
  }
  return true;
}

const GumboNode* PreviousElement(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  if (!parent) return nullptr;
  const GumboVector* kids = ChildrenOf(parent);
  if (!kids) return nullptr;
  for (unsigned i = std::min<std::size_t>(node->index_within_parent, kids->length); i-- > 0;) {
    const auto* sibling = static_cast<const GumboNode*>(kids->data[i]);
    if (IsElement(sibling)) return sibling;
  }
  return nullptr;
}

// The element parent of `node` that is still inside `scope` (scope
// included), or nullptr.
const GumboNode* ParentWithin(const GumboNode* node, const GumboNode* scope) {
  if (node == scope) return nullptr;
  const GumboNode* parent = node->parent;
  return parent && IsElement(parent) ? parent : nullptr;
}

// Does parts[0..index] match with parts[index] at `node`?
bool MatchesFrom(const GumboNode* node, const Complex& complex, std::size_t index, const GumboNode* scope) {
  if (!CompoundMatches(node, complex.parts[index])) return false;
  if (index == 0) return true;
  switch (complex.combinators[index - 1]) {
    case '>': {
      const GumboNode* parent = ParentWithin(node, scope);
      return parent && MatchesFrom(parent, complex, index - 1, scope);
    }
    case '+': {
      if (node == scope) return false;
      const GumboNode* prev = PreviousElement(node);
      return prev && MatchesFrom(prev, complex, index - 1, scope);
    }
    case '~': {
      if (node == scope) return false;
      for (const GumboNode* prev = PreviousElement(node); prev; prev = PreviousElement(prev)) {
        if (MatchesFrom(prev, complex, index - 1, scope)) return true;
      }
      return false;
    }
    default: {
      for (const GumboNode* up = ParentWithin(node, scope); up; up = ParentWithin(up, scope)) {
        if (MatchesFrom(up, complex, index - 1, scope)) return true;
      }
      return false;
    }
  }
}

}  // namespace

Result<Selector> Selector::Compile(std::string_view text, std::size_t* error_offset) {
  if (text.size() > kMaxSelectorBytes) {
    if (error_offset) *error_offset = kMaxSelectorBytes;
    return Error{"selector longer than " + std::to_string(kMaxSelectorBytes) + " bytes"};
  }
  Parser parser(text);
  Selector selector;
  auto group = parser.ParseGroup(selector.attribute_);
  if (!group.ok()) {
    if (error_offset) *error_offset = parser.offset();
    return group.error();
  }
  if (group->alternatives.empty() && selector.attribute_.empty()) {
    if (error_offset) *error_offset = 0;
    return Error{"empty selector"};
  }
  selector.text_ = std::string(text);
  selector.group_ = std::make_shared<const Group>(std::move(group.value()));
  return selector;
}

bool Matches(const GumboNode* node, const Selector& selector, const GumboNode* scope) {
  for (const auto& complex : selector.group().alternatives) {
    if (MatchesFrom(node, complex, complex.parts.size() - 1, scope)) return true;
  }
  return false;
}

std::vector<const GumboNode*> SelectNodes(const GumboNode* scope, const Selector& selector,
                                          std::size_t limit) {
  std::vector<const GumboNode*> out;
  if (selector.group().alternatives.empty()) {
    if (IsElement(scope) && limit > 0) out.push_back(scope);
    return out;
  }
  // "a @href" means the links that have one.
  const char* attribute = selector.attribute().empty() ? nullptr : selector.attribute().c_str();
  ForEachElement(scope, [&](const GumboNode* node) {
    if (Matches(node, selector, scope) && (!attribute || Attr(node, attribute))) out.push_back(node);
    return out.size() < limit;
  });
  return out;
}

std::string ValueOf(const GumboNode* node, const Selector& selector) {
  if (selector.attribute().empty()) return TextOf(node);
  const char* v = Attr(node, selector.attribute().c_str());
  if (!v) return {};
  std::string out = v;
  const auto first = out.find_first_not_of(" \t\r\n\f");
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(" \t\r\n\f") - first + 1);
}

}  // namespace redwire::scrape
