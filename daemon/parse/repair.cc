// Repairs of ill-formed XML before pugixml reads it: what real feeds get
// wrong and a browser-like reader forgives.
#include <array>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

// HTML named entities that XML lacks but real feeds use without a DTD.
const std::unordered_map<std::string_view, char32_t>& HtmlEntities() {
  static const auto table = [] {
    // Latin-1 supplement in code point order, starting at U+00A0.
    static constexpr std::array<std::string_view, 96> kLatin1 = {
        "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",
        "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",
        "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",  "para",   "middot",
        "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest",
        "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
        "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",
        "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
        "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",
        "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
        "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
        "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
        "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};
    // Greek letters from U+0391 and U+03B1 (U+03A2 is unassigned; its
    // lower-case slot is final sigma).
    static constexpr std::array<std::string_view, 25> kGreekUpper = {
        "Alpha", "Beta", "Gamma", "Delta",   "Epsilon", "Zeta",  "Eta", "Theta", "Iota",
        "Kappa", "Lambda", "Mu",  "Nu",      "Xi",      "Omicron", "Pi", "Rho",  "",
        "Sigma", "Tau",  "Upsilon", "Phi",   "Chi",     "Psi",   "Omega"};
    static constexpr std::array<std::string_view, 25> kGreekLower = {
        "alpha", "beta", "gamma", "delta",   "epsilon", "zeta",  "eta", "theta", "iota",
        "kappa", "lambda", "mu",  "nu",      "xi",      "omicron", "pi", "rho",  "sigmaf",
        "sigma", "tau",  "upsilon", "phi",   "chi",     "psi",   "omega"};
    static constexpr std::pair<std::string_view, char32_t> kOther[] = {
        {"OElig", 338},   {"oelig", 339},   {"Scaron", 352},  {"scaron", 353},
        {"Yuml", 376},    {"fnof", 402},    {"circ", 710},    {"tilde", 732},
        {"ensp", 8194},   {"emsp", 8195},   {"thinsp", 8201}, {"zwnj", 8204},
        {"zwj", 8205},    {"lrm", 8206},    {"rlm", 8207},    {"ndash", 8211},
        {"mdash", 8212},  {"lsquo", 8216},  {"rsquo", 8217},  {"sbquo", 8218},
        {"ldquo", 8220},  {"rdquo", 8221},  {"bdquo", 8222},  {"dagger", 8224},
        {"Dagger", 8225}, {"bull", 8226},   {"hellip", 8230}, {"permil", 8240},
        {"prime", 8242},  {"Prime", 8243},  {"lsaquo", 8249}, {"rsaquo", 8250},
        {"oline", 8254},  {"frasl", 8260},  {"euro", 8364},   {"trade", 8482},
        {"larr", 8592},   {"uarr", 8593},   {"rarr", 8594},   {"darr", 8595},
        {"harr", 8596},   {"minus", 8722},  {"infin", 8734},  {"asymp", 8776},
        {"ne", 8800},     {"le", 8804},     {"ge", 8805},     {"loz", 9674},
        {"spades", 9824}, {"clubs", 9827},  {"hearts", 9829}, {"diams", 9830}};
    std::unordered_map<std::string_view, char32_t> map;
    for (std::size_t i = 0; i < kLatin1.size(); ++i) map.emplace(kLatin1[i], 0xA0 + i);
    for (std::size_t i = 0; i < kGreekUpper.size(); ++i) {
      if (!kGreekUpper[i].empty()) map.emplace(kGreekUpper[i], 0x391 + i);
      map.emplace(kGreekLower[i], 0x3B1 + i);
    }
    for (const auto& [name, cp] : kOther) map.emplace(name, cp);
    return map;
  }();
  return table;
}

bool IsXmlChar(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

constexpr bool IsDroppedControl(unsigned char c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

// The bytes RepairXml stops at: references, CDATA and comments, controls.
constexpr std::array<bool, 256> kLookAt = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = IsDroppedControl(static_cast<unsigned char>(c));
  t['<'] = t['&'] = true;
  return t;
}();

struct Repairs {
  std::string first_entity;  // the first HTML entity XML lacks
  bool bare_ampersand = false;
  bool bad_reference = false;
  bool control = false;
  bool junk = false;
};

// Rewrites the reference starting at in[i] == '&' into something pugixml
// reads as the author meant; returns the number of input bytes consumed.
std::size_t RewriteReference(std::string_view in, std::size_t i, std::string& out,
                             Repairs& repairs) {
  std::size_t j = i + 1;
  if (j < in.size() && in[j] == '#') {
    ++j;
    const bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
    if (hex) ++j;
    const std::size_t digits_start = j;
    std::uint64_t value = 0;
    while (j < in.size() && j - digits_start < 8) {
      const char c = in[j];
      int digit;
      if (IsDigit(c)) {
        digit = c - '0';
      } else if (hex && AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f') {
        digit = AsciiLower(c) - 'a' + 10;
      } else {
        break;
      }
      value = value * (hex ? 16 : 10) + digit;
      ++j;
    }
    if (j > digits_start && j < in.size() && in[j] == ';') {
      // &#0; would truncate pugixml's string; other non-XML characters
      // would make our stored text invalid XML.
      if (const char32_t cp = value <= 0x9F ? Windows1252C1(static_cast<unsigned char>(value)) : 0; cp != 0) {
        // "&#147;" from a windows-1252 CMS means U+201C, as HTML5 reads it.
        out += "&#" + std::to_string(static_cast<std::uint32_t>(cp)) + ";";
      } else if (IsXmlChar(static_cast<char32_t>(value))) {
        out.append(in.substr(i, j + 1 - i));
      } else {
        repairs.bad_reference = true;
      }
      return j + 1 - i;
    }
    repairs.bare_ampersand = true;
    out += "&amp;";
    return 1;
  }
  while (j < in.size() && j - i <= 32 && (IsAlpha(in[j]) || (j > i + 1 && IsDigit(in[j])))) ++j;
  if (j > i + 1 && j < in.size() && in[j] == ';') {
    const std::string_view name = in.substr(i + 1, j - i - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      out.append(in.substr(i, j + 1 - i));
    } else if (auto it = HtmlEntities().find(name); it != HtmlEntities().end()) {
      if (repairs.first_entity.empty()) repairs.first_entity = name;
      out += "&#" + std::to_string(static_cast<std::uint32_t>(it->second)) + ";";
    } else {
      // Unknown: kept as the literal text the author typed.
      if (repairs.first_entity.empty()) repairs.first_entity = name;
      out += "&amp;";
      out.append(name);
      out += ';';
    }
    return j + 1 - i;
  }
  repairs.bare_ampersand = true;
  out += "&amp;";
  return 1;
}

// Copies in[i..] through `terminator` verbatim (minus control characters);
// returns the index after it, or in.size() when it never comes.
std::size_t CopyThrough(std::string_view in, std::size_t i, std::string_view terminator,
                        std::string& out, Repairs& repairs) {
  std::size_t end = in.find(terminator, i);
  end = end == std::string_view::npos ? in.size() : end + terminator.size();
  std::size_t run = i;
  std::size_t k = i;
  while (k < end) {
    // Eight bytes at a time while none is below 0x20 (then none is a control).
    std::uint64_t word;
    if (k + sizeof word <= end) {
      std::memcpy(&word, in.data() + k, sizeof word);
      if (((word - 0x2020202020202020ULL) & ~word & 0x8080808080808080ULL) == 0) {
        k += sizeof word;
        continue;
      }
    }
    if (IsDroppedControl(static_cast<unsigned char>(in[k]))) {
      repairs.control = true;
      out.append(in.substr(run, k - run));
      run = k + 1;
    }
    ++k;
  }
  out.append(in.substr(run, end - run));
  return end;
}

// Where the document proper starts: the XML declaration, else the feed's
// root element; PHP warnings and stray output often come before them.
std::size_t DocumentStart(std::string_view body) {
  const std::size_t first = body.find('<');
  if (first == std::string_view::npos) return first;
  const std::string_view head = body.substr(0, 64 * 1024);
  if (const std::size_t decl = head.find("<?xml"); decl != std::string_view::npos) return decl;
  if (head.compare(first, 2, "<!") == 0 || head.compare(first, 2, "<?") == 0) return first;
  std::size_t root = std::string_view::npos;
  for (std::string_view marker : {"<rss", "<feed", "<rdf:RDF", "<RDF", "<channel"}) {
    root = std::min(root, head.find(marker));
  }
  return root == std::string_view::npos ? first : root;
}

}  // namespace

char32_t HtmlEntity(std::string_view name) {
  const auto it = HtmlEntities().find(name);
  return it == HtmlEntities().end() ? 0 : it->second;
}

std::string RepairXml(std::string_view body, std::vector<std::string>* notes) {
  Repairs repairs;
  const std::size_t start = DocumentStart(body);
  if (start == std::string_view::npos) return {};
  repairs.junk = !Trim(body.substr(0, start)).empty();
  const std::string_view in = body.substr(start);
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  std::size_t run = 0;  // start of the bytes kept as they are, not yet copied
  std::size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (!kLookAt[static_cast<unsigned char>(c)]) {
      ++i;
      continue;
    }
    const bool cdata = c == '<' && in.compare(i, 9, "<![CDATA[") == 0;
    const bool comment = c == '<' && !cdata && in.compare(i, 4, "<!--") == 0;
    if (c == '<' && !cdata && !comment) {
      ++i;
      continue;
    }
    out.append(in.substr(run, i - run));
    if (cdata) {
      i = CopyThrough(in, i, "]]>", out, repairs);
    } else if (comment) {
      i = CopyThrough(in, i, "-->", out, repairs);
    } else if (c == '&') {
      i += RewriteReference(in, i, out, repairs);
    } else {
      repairs.control = true;
      ++i;
    }
    run = i;
  }
  out.append(in.substr(run));
  if (notes != nullptr) {
    if (repairs.junk) notes->push_back("junk before the XML document");
    if (!repairs.first_entity.empty()) {
      notes->push_back("undefined entity &" + repairs.first_entity + ";");
    }
    if (repairs.bare_ampersand) notes->push_back("unescaped &");
    if (repairs.bad_reference) notes->push_back("character reference to a non-XML character");
    if (repairs.control) notes->push_back("invalid control characters");
  }
  return out;
}

}  // namespace redwire::parse::internal
