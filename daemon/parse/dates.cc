// Dates: RFC 822/1123 and RFC 3339 / W3C-DTF for feeds, and the shapes
// people print on web pages (ParseHumanDate, used by scrape rules), with
// month names in the languages of the sources. Never consults the local
// time zone; results are UTC.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <utility>

#include "daemon/parse/internal.h"
#include "util/time.h"

namespace redwire::parse {
namespace {

using internal::AllDigits;
using internal::EqualsNoCase;
using internal::FoldWord;
using internal::IsAlpha;
using internal::IsAsciiSpace;
using internal::IsDigit;
using internal::MonthFromName;
using internal::StartsWithNoCase;
using internal::Trim;

constexpr UnixTime kDay = 24 * 60 * 60;

// ------------------------------------------------------------ calendar

struct DateParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int offset_seconds = 0;  // east of UTC
  bool day_missing = false;  // "May 2018": day 1 stands for the month
};

// Why a date-shaped text gave no date: the rules that keep the parser from
// inventing one (docs/parsing.md, "Dates").
enum class Refusal { kNone, kBareNumber, kAmbiguousOrder, kFuture, kMissingDay };

const char* Describe(Refusal r) {
  switch (r) {
    case Refusal::kBareNumber: return "a bare number is not a date";
    case Refusal::kAmbiguousOrder: return "day and month order is ambiguous (set date_format)";
    case Refusal::kFuture: return "the date is in the future";
    case Refusal::kMissingDay: return "a time of day without the day of the month";
    case Refusal::kNone: break;
  }
  return "";
}

std::optional<UnixTime> ToUnix(const DateParts& p) {
  const auto t = util::UnixFromCivil({p.year, p.month, p.day, p.hour, p.minute, p.second});
  if (!t) return std::nullopt;
  return *t - p.offset_seconds;
}

// RFC 5322 section 4.3: two-digit years below 50 are 2000-2049.
int ExpandYear(int year, std::size_t digits) {
  if (digits <= 2) return year + (year < 50 ? 2000 : 1900);
  return year;
}

// Reads exactly `n` digits at s[*i].
bool ReadDigits(std::string_view s, std::size_t* i, std::size_t n, int* value) {
  if (*i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!IsDigit(s[*i + k])) return false;
    v = v * 10 + (s[*i + k] - '0');
  }
  *i += n;
  *value = v;
  return true;
}

// Reads 1 to `max` digits at s[*i].
bool ReadUpTo(std::string_view s, std::size_t* i, std::size_t max, int* value) {
  const std::size_t start = *i;
  int v = 0;
  while (*i < s.size() && *i - start < max && IsDigit(s[*i])) v = v * 10 + (s[(*i)++] - '0');
  if (*i == start) return false;
  *value = v;
  return true;
}

// ------------------------------------------------------------ names

struct MonthNames {
  std::string_view lang;
  std::array<std::string_view, 12> names;
};

// Every form a month is printed in: nominative, genitive (Greek, Russian:
// "22 Ιουνίου", "31 Января"), and Greek colloquial forms ("30 Οχτώβρη").
// Abbreviations need no entry: a prefix of three or more letters that
// names one month only ("Sept", "Οκτ", "янв", "Haz") matches.
constexpr MonthNames kMonthNames[] = {
    {"en", {"january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december"}},
    {"el", {"Ιανουάριος", "Φεβρουάριος", "Μάρτιος", "Απρίλιος", "Μάιος", "Ιούνιος", "Ιούλιος",
            "Αύγουστος", "Σεπτέμβριος", "Οκτώβριος", "Νοέμβριος", "Δεκέμβριος"}},
    {"el", {"Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου",
            "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"}},
    {"el", {"Γενάρης", "Φλεβάρης", "Μάρτης", "Απρίλης", "Μάης", "Ιούνης", "Ιούλης",
            "Αύγουστος", "Σεπτέμβρης", "Οκτώβρης", "Νοέμβρης", "Δεκέμβρης"}},
    {"el", {"Γενάρη", "Φλεβάρη", "Μάρτη", "Απρίλη", "Μάη", "Ιούνη", "Ιούλη", "Αυγούστου",
            "Σεπτέμβρη", "Οχτώβρη", "Νοέμβρη", "Δεκέμβρη"}},
    {"el", {"Ιανουάριου", "Φλεβάρη", "Μαρτ", "Απρίλ", "Μαΐ", "Ιούν", "Ιούλ", "Αύγ", "Σεπτ",
            "Οχτώβρης", "Νοέμ", "Δεκέμ"}},
    {"es", {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre"}},
    {"es", {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "setiembre", "octubre", "noviembre", "diciembre"}},
    {"pt", {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
            "setembro", "outubro", "novembro", "dezembro"}},
    {"ru", {"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
            "октябрь", "ноябрь", "декабрь"}},
    {"ru", {"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
            "сентября", "октября", "ноября", "декабря"}},
    {"tr", {"ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül",
            "ekim", "kasım", "aralık"}},
    {"fr", {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
            "octobre", "novembre", "décembre"}},
    {"de", {"januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
            "oktober", "november", "dezember"}},
    {"de", {"jänner", "feber", "märz", "april", "mai", "juni", "juli", "august", "september",
            "oktober", "november", "dezember"}},
    {"it", {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
            "settembre", "ottobre", "novembre", "dicembre"}},
};

// Weekdays, Monday first: consumed by %a/%A in formats, and skipped when
// recognising shapes (a wrong weekday never rejects a date).
constexpr MonthNames kWeekdayNames[] = {
    {"en", {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}},
    {"el", {"Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο", "Κυριακή"}},
    {"es", {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"}},
    {"pt", {"segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
            "sábado", "domingo"}},
    {"ru", {"понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"}},
    {"ru", {"понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"}},
    {"tr", {"pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar"}},
    {"fr", {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}},
    {"de", {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"}},
    {"it", {"lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"}},
};

struct FoldedName {
  std::string lang;
  std::string name;  // folded
  int index;         // month 1-12 or weekday 1-7
};

std::vector<FoldedName> FoldTable(const MonthNames* tables, std::size_t n, int count) {
  std::vector<FoldedName> out;
  for (std::size_t t = 0; t < n; ++t) {
    for (int i = 0; i < count; ++i) {
      out.push_back({std::string(tables[t].lang), FoldWord(tables[t].names[i]), i + 1});
    }
  }
  return out;
}

const std::vector<FoldedName>& FoldedMonths() {
  static const std::vector<FoldedName> table =
      FoldTable(kMonthNames, std::size(kMonthNames), 12);
  return table;
}

const std::vector<FoldedName>& FoldedWeekdays() {
  static const std::vector<FoldedName> table =
      FoldTable(kWeekdayNames, std::size(kWeekdayNames), 7);
  return table;
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A whole name, or a prefix of at least three letters that all matching
// names agree on ("jui" is juin or juillet: no answer).
int LookupNameUncached(const std::vector<FoldedName>& table, std::string_view word,
                       std::string_view lang) {
  std::string w(word);
  while (!w.empty() && w.back() == '.') w.pop_back();
  if (w.empty()) return 0;
  const std::string folded = FoldWord(w);
  const bool prefix_ok = CodePoints(folded) >= 3;
  int found = 0;
  for (const FoldedName& entry : table) {
    if (!lang.empty() && entry.lang != lang) continue;
    if (entry.name == folded) return entry.index;
    if (prefix_ok && entry.name.starts_with(folded)) {
      if (found != 0 && found != entry.index) return 0;
      found = entry.index;
    }
  }
  return found;
}

// LookupNameUncached, remembered: folding costs a utf8proc call and the
// scan a few hundred comparisons, while a feed's dates repeat the same
// dozen words ("Mon", "Mar", "GMT") thousands of times.
int LookupName(const std::vector<FoldedName>& table, std::string_view word,
               std::string_view lang) {
  constexpr std::size_t kMaxRemembered = 4096;
  constexpr std::size_t kMaxKey = 64;
  if (word.size() + lang.size() > kMaxKey) return LookupNameUncached(table, word, lang);
  thread_local std::unordered_map<std::string, int> remembered;
  std::string key(1, &table == &FoldedMonths() ? 'm' : 'w');
  key += static_cast<char>(lang.size());
  key.append(lang);
  key.append(word);
  if (const auto it = remembered.find(key); it != remembered.end()) return it->second;
  const int index = LookupNameUncached(table, word, lang);
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.emplace(std::move(key), index);
  return index;
}

int WeekdayFromName(std::string_view word, std::string_view lang) {
  int day = LookupName(FoldedWeekdays(), word, lang);
  if (day == 0 && !lang.empty()) day = LookupName(FoldedWeekdays(), word, {});
  return day;
}

// ------------------------------------------------------------ zones

// Offset of a numeric zone: "+hh:mm", "+hhmm", "+hh" or "+h"; all of `s`.
std::optional<int> NumericZone(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (IsDigit(s[i])) {
      digits += s[i];
    } else if (s[i] != ':' || i != 3) {
      return std::nullopt;
    }
  }
  int hours;
  int minutes = 0;
  if (digits.empty() || digits.size() == 3 || digits.size() > 4) return std::nullopt;
  if (digits.size() <= 2) {
    hours = std::atoi(digits.c_str());
  } else {
    hours = std::atoi(digits.substr(0, 2).c_str());
    minutes = std::atoi(digits.substr(2).c_str());
  }
  if (hours > 18 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

// A named or numeric zone ("EEST", "GMT+2", "+0300"); nullopt when unknown.
std::optional<int> KnownZone(std::string_view token) {
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr Zone kZones[] = {
      {"GMT", 0},      {"UT", 0},       {"UTC", 0},      {"Z", 0},        {"WET", 0},
      {"EST", -300},   {"EDT", -240},   {"CST", -360},   {"CDT", -300},   {"MST", -420},
      {"MDT", -360},   {"PST", -480},   {"PDT", -420},   {"AKST", -540},  {"AKDT", -480},
      {"HST", -600},   {"AST", -240},   {"ADT", -180},   {"NST", -210},   {"NDT", -150},
      {"CET", 60},     {"CEST", 120},   {"EET", 120},    {"EEST", 180},   {"MSK", 180},
      {"MSD", 240},    {"BST", 60},     {"WEST", 60},    {"MEZ", 60},     {"MESZ", 120},
      {"TRT", 180},    {"IST", 330},    {"JST", 540},    {"KST", 540},    {"HKT", 480},
      {"SGT", 480},    {"AEST", 600},   {"AEDT", 660},   {"ACST", 570},   {"AWST", 480},
      {"NZST", 720},   {"NZDT", 780},   {"SAST", 120},   {"CAT", 120},    {"EAT", 180},
      {"WAT", 60},     {"ART", -180},   {"BRT", -180},   {"CLT", -240},   {"COT", -300},
      {"PET", -300},   {"VET", -240},   {"UYT", -180},   {"BOT", -240},
      // Middle European (CET's older name, still written by CMSs), the
      // German forms, and the North American names without the standard or
      // daylight letter, read as standard time as feedparser reads them;
      // then South and South-East Asian zones.
      {"MET", 60},     {"MEST", 120},   {"WEZ", 0},      {"WESZ", 60},    {"OEZ", 120},
      {"OESZ", 180},   {"ET", -300},    {"CT", -360},    {"MT", -420},    {"PT", -480},
      {"AT", -240},    {"ICT", 420},    {"WIB", 420},    {"PHT", 480},    {"PKT", 300},
  };
  if (auto numeric = NumericZone(token)) return *numeric;
  for (std::string_view prefix : {"GMT", "UTC", "UT"}) {
    if (StartsWithNoCase(token, prefix) && token.size() > prefix.size()) {
      if (auto numeric = NumericZone(token.substr(prefix.size()))) return *numeric;
    }
  }
  for (const Zone& zone : kZones) {
    if (EqualsNoCase(token, zone.name)) return zone.minutes * 60;
  }
  return std::nullopt;
}

// Zone of an RFC 822 date: unknown names (military letters, typos) count
// as UTC, as RFC 5322 section 4.3 says; an unsigned "0200" is "+0200".
int Rfc822Zone(std::string_view token) {
  if (auto known = KnownZone(token)) return *known;
  if (AllDigits(token) && token.size() == 4) {
    if (auto numeric = NumericZone(std::string("+") + std::string(token))) return *numeric;
  }
  return 0;
}

// ------------------------------------------------------------ ISO 8601

std::optional<UnixTime> ParseIsoDate(std::string_view s) {
  DateParts p;
  std::size_t i = 0;
  if (!ReadDigits(s, &i, 4, &p.year)) return std::nullopt;
  p.month = 1;
  p.day = 1;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!ReadDigits(s, &i, 2, &p.month)) return std::nullopt;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!ReadDigits(s, &i, 2, &p.day)) return std::nullopt;
    }
  }
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    ++i;
    if (!ReadDigits(s, &i, 2, &p.hour) || i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    if (!ReadDigits(s, &i, 2, &p.minute)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!ReadDigits(s, &i, 2, &p.second)) return std::nullopt;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        const std::size_t frac = i;
        while (i < s.size() && IsDigit(s[i])) ++i;
        if (i == frac) return std::nullopt;
      }
    }
    while (i < s.size() && s[i] == ' ') ++i;
    const std::string_view zone = s.substr(i);
    if (zone == "Z" || zone == "z") {
      i = s.size();
    } else if (!zone.empty()) {
      const auto offset = NumericZone(zone);
      if (!offset) return std::nullopt;
      p.offset_seconds = *offset;
      i = s.size();
    }
  }
  if (i != s.size()) return std::nullopt;
  return ToUnix(p);
}

// ------------------------------------------------------------ RFC 822

// "HH:MM[:SS[.frac]]", possibly with a zone glued on ("10:00:00+0200").
bool ParseClock(std::string_view token, DateParts* p, std::string_view* glued_zone) {
  std::size_t i = 0;
  if (!ReadUpTo(token, &i, 2, &p->hour) || i >= token.size() || token[i] != ':') return false;
  ++i;
  if (!ReadDigits(token, &i, 2, &p->minute)) return false;
  if (i < token.size() && token[i] == ':') {
    ++i;
    if (!ReadDigits(token, &i, 2, &p->second)) return false;
    if (i < token.size() && token[i] == '.') {
      ++i;
      while (i < token.size() && IsDigit(token[i])) ++i;
    }
  }
  *glued_zone = token.substr(i);
  return true;
}

// RFC 822/1123/5322 and the usual breakage: optional or localised weekday,
// 1- or 2-digit day, 2- or 4-digit year, month-first order, missing seconds,
// named, unsigned or glued zones, trailing "(comment)", localised months.
std::optional<UnixTime> ParseRfc822Date(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (IsAsciiSpace(s[i]) || s[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < s.size() && !IsAsciiSpace(s[i]) && s[i] != ',') ++i;
    if (i == start) continue;
    const std::string_view token = s.substr(start, i - start);
    // RFC 850 writes "05-Mar-24": split it where the middle is a month.
    // Only when a year follows: "x-Mar-" would leave an empty token, and
    // the loop below reads each token's first byte.
    const std::size_t d1 = token.find('-');
    const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('-', d1 + 1);
    if (d1 != std::string_view::npos && d1 > 0 && d2 != std::string_view::npos && d2 + 1 < token.size() &&
        MonthFromName(token.substr(d1 + 1, d2 - d1 - 1), {}) != 0) {
      tokens.push_back(token.substr(0, d1));
      tokens.push_back(token.substr(d1 + 1, d2 - d1 - 1));
      tokens.push_back(token.substr(d2 + 1));
    } else {
      tokens.push_back(token);
    }
  }
  // "mar., 04 févr. 2025": a French or Spanish weekday abbreviation can
  // read as a month; when a month follows, the first word is the weekday.
  const auto is_month = [](std::string_view t) {
    return !IsDigit(t.front()) && MonthFromName(t, {}) != 0;
  };
  if (tokens.size() > 1 && is_month(tokens[0]) &&
      std::any_of(tokens.begin() + 1, tokens.end(), is_month)) {
    tokens.erase(tokens.begin());
  }
  DateParts p;
  bool have_day = false, have_year = false, have_time = false, have_zone = false;
  for (std::string_view token : tokens) {
    if (token.front() == '(') break;
    std::string_view glued_zone;
    const bool word = !IsDigit(token.front()) && token.front() != '+' && token.front() != '-';
    if (int month = word && p.month == 0 ? MonthFromName(token, {}) : 0; month != 0) {
      p.month = month;
    } else if (AllDigits(token) && !have_day && token.size() <= 2) {
      p.day = std::atoi(std::string(token).c_str());
      have_day = true;
    } else if (AllDigits(token) && !have_year && (token.size() == 2 || token.size() == 4)) {
      p.year = ExpandYear(std::atoi(std::string(token).c_str()), token.size());
      if (token.size() == 4 && p.year == 0) return std::nullopt;
      have_year = true;
    } else if (!have_time && ParseClock(token, &p, &glued_zone)) {
      have_time = true;
      if (!glued_zone.empty()) {
        p.offset_seconds = Rfc822Zone(glued_zone);
        have_zone = true;
      }
    } else if (have_time && (EqualsNoCase(token, "AM") || EqualsNoCase(token, "PM"))) {
      if (p.hour < 1 || p.hour > 12) return std::nullopt;
      p.hour = (p.hour % 12) + (EqualsNoCase(token, "PM") ? 12 : 0);
    } else if (have_time && !have_zone &&
               (IsAlpha(token.front()) || token.front() == '+' || token.front() == '-' ||
                (AllDigits(token) && token.size() == 4))) {
      p.offset_seconds = Rfc822Zone(token);
      have_zone = true;
    } else if (p.month != 0 || have_day) {
      return std::nullopt;  // junk inside the date proper
    }
    // Anything before the day and month is a weekday, in any language.
  }
  if (!have_day || !have_year || p.month == 0) return std::nullopt;
  return ToUnix(p);
}

// ------------------------------------------------------------ human shapes

enum class Kind { kNumber, kNumeric, kClock, kWord };

struct Token {
  Kind kind;
  std::string_view text;
  int number = 0;                  // kNumber: value (ordinal suffix dropped)
  std::size_t digits = 0;          // kNumber: digit count
  std::vector<std::string_view> parts;  // kNumeric: "14/12/2015" -> 14, 12, 2015
  char separator = 0;              // kNumeric
  int month = 0;                   // kWord: month named, 0 when none
};

bool IsSeparatorAt(std::string_view s, std::size_t i, std::size_t* len) {
  static constexpr std::string_view kMultibyte[] = {
      "\xC2\xA0", "\xC2\xB7", "\xE2\x80\xA2", "\xE2\x80\x93", "\xE2\x80\x94", "\xC2\xAB", "\xC2\xBB"};
  const char c = s[i];
  if (IsAsciiSpace(c) || c == ',' || c == ';' || c == '|' || c == '(' || c == ')' ||
      c == '[' || c == ']' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '@') {
    *len = 1;
    return true;
  }
  for (std::string_view m : kMultibyte) {
    if (s.substr(i).starts_with(m)) {
      *len = m.size();
      return true;
    }
  }
  return false;
}

// Day-number suffixes: 1st 2nd 3rd 4th, French 1er, Spanish 1º 1ª, 1o, 1η.
bool IsOrdinalSuffix(std::string_view s) {
  static constexpr std::string_view kSuffixes[] = {"st", "nd", "rd", "th", "er", "e", "o",
                                                   "a", "\xC2\xBA", "\xC2\xAA", "\xCE\xB7"};
  for (std::string_view suffix : kSuffixes) {
    if (EqualsNoCase(s, suffix)) return true;
  }
  return false;
}

bool IsClockToken(std::string_view t) {
  std::size_t i = 0;
  int v;
  if (!ReadUpTo(t, &i, 2, &v) || i >= t.size() || (t[i] != ':' && t[i] != 'h')) return false;
  ++i;
  return ReadDigits(t, &i, 2, &v);
}

Token Classify(std::string_view t, std::string_view lang) {
  Token token;
  token.kind = Kind::kWord;
  token.text = t;
  if (IsClockToken(t)) {
    token.kind = Kind::kClock;
    return token;
  }
  if (IsDigit(t.front())) {
    std::size_t i = 0;
    while (i < t.size() && IsDigit(t[i])) ++i;
    if (i == t.size() || (i <= 2 && IsOrdinalSuffix(t.substr(i)))) {
      token.kind = Kind::kNumber;
      token.digits = i;
      token.number = i <= 6 ? std::atoi(std::string(t.substr(0, i)).c_str()) : -1;
      return token;
    }
    const char sep = t[i];
    if (sep == '/' || sep == '.' || sep == '-') {
      std::size_t start = 0;
      bool ok = true;
      for (std::size_t k = 0; k <= t.size(); ++k) {
        if (k == t.size() || t[k] == sep) {
          if (k == start || k - start > 4) ok = false;
          token.parts.push_back(t.substr(start, k - start));
          start = k + 1;
        } else if (!IsDigit(t[k])) {
          ok = false;
        }
      }
      if (ok && token.parts.size() >= 2 && token.parts.size() <= 3) {
        token.kind = Kind::kNumeric;
        token.separator = sep;
        return token;
      }
      token.parts.clear();
    }
    return token;
  }
  token.month = MonthFromName(t, lang);
  return token;
}

std::vector<Token> Tokenize(std::string_view s, std::string_view lang) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t len = 0;
    if (IsSeparatorAt(s, i, &len)) {
      i += len;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && !IsSeparatorAt(s, i, &len)) ++i;
    std::string_view t = s.substr(start, i - start);
    // "2026.-", "1.", "-": punctuation around a token is not part of it.
    while (!t.empty() && (t.back() == '.' || t.back() == '-' || t.back() == ':' ||
                          t.back() == '/')) {
      t.remove_suffix(1);
    }
    const bool signed_zone = (t.front() == '-' || t.front() == '+') && t.size() >= 3 && IsDigit(t[1]);
    while (!signed_zone && !t.empty() && (t.front() == '-' || t.front() == ':' || t.front() == '/')) {
      t.remove_prefix(1);
    }
    if (!t.empty()) tokens.push_back(Classify(t, lang));
  }
  return tokens;
}

// Words that mark a.m./p.m. (English, Spanish "p. m." written "pm", Greek
// "π.μ." and "μ.μ."); 0 when the word is neither.
int Meridiem(std::string_view word) {
  std::string folded;
  for (char c : FoldWord(word)) {
    if (c != '.') folded += c;
  }
  if (folded == "am" || folded == "\xCF\x80\xCE\xBC") return 1;   // πμ
  if (folded == "pm" || folded == "\xCE\xBC\xCE\xBC") return 2;   // μμ
  return 0;
}

// Reads the time of day from `tokens` (the first clock, with a following
// AM/PM and zone) into p. False when the clock is invalid.
bool ReadTimeOfDay(const std::vector<Token>& tokens, DateParts* p) {
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    if (tokens[k].kind != Kind::kClock) continue;
    std::string clock(tokens[k].text);
    std::replace(clock.begin(), clock.end(), 'h', ':');
    std::string_view glued;
    if (!ParseClock(clock, p, &glued)) return false;
    std::size_t next = k + 1;
    // "10:55AM", "10:55 AM", "10:55 a.m."
    int meridiem = glued.empty() ? 0 : Meridiem(glued);
    if (meridiem != 0) {
      glued = {};
    } else if (next < tokens.size() && tokens[next].kind == Kind::kWord &&
               (meridiem = Meridiem(tokens[next].text)) != 0) {
      ++next;
    }
    if (meridiem != 0) {
      if (p->hour < 1 || p->hour > 12) return false;
      p->hour = p->hour % 12 + (meridiem == 2 ? 12 : 0);
    }
    if (!glued.empty()) {
      if (auto zone = KnownZone(glued)) p->offset_seconds = *zone;
    } else if (next < tokens.size() && tokens[next].kind != Kind::kNumber) {
      if (auto zone = KnownZone(tokens[next].text)) p->offset_seconds = *zone;
    }
    return true;
  }
  return true;
}

// Fills a missing year from `now`: the latest year that does not put the
// date more than a day past `now` ("Mar 6" read in January is last March).
std::optional<UnixTime> WithYearFromNow(DateParts p, UnixTime now) {
  if (now <= 0) return std::nullopt;
  p.year = util::CivilFromUnix(now).year;
  auto t = ToUnix(p);
  if (t && *t > now + kDay) {
    --p.year;
    t = ToUnix(p);
  }
  return t;
}

// "14/12/2015", "12/2/24", "2009-05-17", "21.03.2019". `day_first` unset:
// "5/3/2024" could be either and is refused (*ambiguous set); "25/3/2024",
// "3/25/2024" and "5/5/2024" can only be read one way.
std::optional<DateParts> NumericDate(const Token& token, std::optional<bool> day_first,
                                     bool* ambiguous) {
  if (token.parts.size() != 3) return std::nullopt;
  int a = std::atoi(std::string(token.parts[0]).c_str());
  int b = std::atoi(std::string(token.parts[1]).c_str());
  int c = std::atoi(std::string(token.parts[2]).c_str());
  DateParts p;
  if (token.parts[0].size() == 4) {
    p.year = a, p.month = b, p.day = c;
    return p;
  }
  if (token.parts[2].size() != 2 && token.parts[2].size() != 4) return std::nullopt;
  if (token.parts[0].size() > 2 || token.parts[1].size() > 2) return std::nullopt;
  p.year = ExpandYear(c, token.parts[2].size());
  if (a <= 12 && b <= 12 && a != b && !day_first.has_value()) {
    *ambiguous = true;
    return std::nullopt;
  }
  const bool dmy = a > 12 ? true : b > 12 ? false : day_first.value_or(true);
  p.day = dmy ? a : b;
  p.month = dmy ? b : a;
  return p;
}

// A day of the month in a token near a month name: "22", "1st", "23-24".
int DayIn(const Token& t) {
  if (t.kind == Kind::kNumber && t.digits <= 2 && t.number >= 1 && t.number <= 31) return t.number;
  if (t.kind == Kind::kNumeric && t.parts.size() == 2 && t.separator == '-' &&
      t.parts[0].size() <= 2) {
    const int day = std::atoi(std::string(t.parts[0]).c_str());
    return day >= 1 && day <= 31 ? day : 0;
  }
  return 0;
}

int YearIn(const Token& t) {
  if (t.kind == Kind::kNumber && t.digits == 4 && t.number >= 1000) return t.number;
  return 0;
}

// Short words between a day and its month: "10 de mayo", "the 5th of May".
bool IsFiller(const Token& t) {
  return t.kind == Kind::kWord && t.month == 0 && CodePoints(t.text) <= 3;
}

// "22 Ιουνίου 2017", "March 5, 2018", "10 de mayo de 2018", "Mar 6".
std::optional<DateParts> NamedMonthDate(const std::vector<Token>& tokens, std::size_t m) {
  DateParts p;
  p.month = tokens[m].month;
  const auto at = [&tokens](std::ptrdiff_t k) -> const Token* {
    return k >= 0 && k < static_cast<std::ptrdiff_t>(tokens.size()) ? &tokens[k] : nullptr;
  };
  const auto mi = static_cast<std::ptrdiff_t>(m);
  // "32 Mar 2025": a number where the day goes that cannot be one.
  for (std::ptrdiff_t k : {mi - 1, mi + 1}) {
    const Token* t = at(k);
    if (t != nullptr && t->kind == Kind::kNumber && t->digits <= 2 && DayIn(*t) == 0) {
      return std::nullopt;
    }
  }
  std::ptrdiff_t day_at = -1;
  for (std::ptrdiff_t k : {mi - 1, mi + 1, mi - 2, mi + 2}) {
    const Token* t = at(k);
    if (t == nullptr || DayIn(*t) == 0) continue;
    if (k == mi - 2 && !IsFiller(tokens[m - 1])) continue;
    if (k == mi + 2 && !IsFiller(tokens[m + 1])) continue;
    p.day = DayIn(*t);
    day_at = k;
    break;
  }
  for (std::ptrdiff_t k = mi + 1; k <= mi + 4 && p.year == 0; ++k) {
    if (const Token* t = at(k); t != nullptr && k != day_at) p.year = YearIn(*t);
  }
  for (std::ptrdiff_t k = mi - 1; k >= mi - 3 && p.year == 0; --k) {
    if (const Token* t = at(k); t != nullptr && k != day_at) p.year = YearIn(*t);
  }
  // "5 Mar 24": a two-digit year right after "day month".
  if (p.year == 0 && day_at == mi - 1) {
    if (const Token* t = at(mi + 1); t != nullptr && t->kind == Kind::kNumber && t->digits == 2) {
      p.year = ExpandYear(t->number, 2);
    }
  }
  if (p.day == 0) {
    if (p.year == 0) return std::nullopt;
    p.day = 1;  // "May 2018": the precision the page gives
    p.day_missing = true;
  }
  return p;
}

// ------------------------------------------------------------ relative

struct Unit {
  std::string_view stem;
  UnixTime seconds;
};

constexpr Unit kUnits[] = {
    {"sec", 1}, {"segund", 1}, {"second", 1}, {"sekund", 1}, {"δευτερ", 1}, {"секунд", 1},
    {"saniye", 1}, {"min", 60}, {"λεπτ", 60}, {"минут", 60}, {"dakika", 60},
    {"hour", 3600}, {"hr", 3600}, {"hora", 3600}, {"heure", 3600}, {"stunde", 3600},
    {"ora", 3600}, {"ore", 3600}, {"ωρα", 3600}, {"ωρε", 3600}, {"час", 3600},
    {"saat", 3600}, {"day", kDay}, {"dia", kDay}, {"jour", kDay}, {"tag", kDay},
    {"giorn", kDay}, {"μερα", kDay}, {"μερε", kDay}, {"ημερ", kDay}, {"ден", kDay},
    {"дня", kDay}, {"дней", kDay}, {"день", kDay}, {"gun", kDay}, {"week", 7 * kDay},
    {"semana", 7 * kDay}, {"semaine", 7 * kDay}, {"woche", 7 * kDay}, {"settiman", 7 * kDay},
    {"εβδομαδ", 7 * kDay}, {"недел", 7 * kDay}, {"hafta", 7 * kDay}, {"month", 30 * kDay},
    {"mes", 30 * kDay}, {"mois", 30 * kDay}, {"monat", 30 * kDay}, {"μην", 30 * kDay},
    {"месяц", 30 * kDay}, {"ay", 30 * kDay}, {"year", 365 * kDay}, {"ano", 365 * kDay},
    {"an", 365 * kDay}, {"jahr", 365 * kDay}, {"ann", 365 * kDay}, {"χρον", 365 * kDay},
    {"ετη", 365 * kDay}, {"ετος", 365 * kDay}, {"год", 365 * kDay}, {"лет", 365 * kDay},
    {"yil", 365 * kDay},
};

UnixTime UnitSeconds(const std::string& folded) {
  for (const Unit& unit : kUnits) {
    const bool short_stem = CodePoints(unit.stem) <= 2;
    if (short_stem ? (folded == unit.stem || folded == std::string(unit.stem) + "s" ||
                      folded == std::string(unit.stem) + "en")
                   : folded.starts_with(unit.stem)) {
      return unit.seconds;
    }
  }
  return 0;
}

bool IsAgoWord(const std::string& folded) {
  static constexpr std::string_view kAgo[] = {"ago", "hace", "ha", "vor", "fa", "πριν",
                                              "назад", "once", "il", "since"};
  return std::find(std::begin(kAgo), std::end(kAgo), folded) != std::end(kAgo);
}

// "2 hours ago", "hace 3 días", "πριν από 5 λεπτά", "2 часа назад",
// "3 saat önce", "il y a 2 jours", "vor 2 Stunden", "há 2 horas",
// "2 ore fa"; "today 10:30", "yesterday", "χθες", "вчера", "dün".
std::optional<UnixTime> ParseRelative(const std::vector<Token>& tokens, UnixTime now) {
  if (now <= 0) return std::nullopt;
  static constexpr std::string_view kToday[] = {"today", "hoy", "hoje", "aujourd", "heute",
                                                "oggi", "σημερα", "сегодня", "bugun"};
  static constexpr std::string_view kYesterday[] = {"yesterday", "ayer", "ontem", "hier",
                                                    "gestern", "ieri", "χθες", "χτες",
                                                    "вчера", "dun"};
  std::vector<std::string> folded;
  for (const Token& t : tokens) folded.push_back(t.kind == Kind::kWord ? FoldWord(t.text) : "");
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const std::string& w = folded[k];
    if (w.empty()) continue;
    const bool today = std::any_of(std::begin(kToday), std::end(kToday),
                                   [&w](std::string_view d) { return w.starts_with(d); });
    const bool yesterday = std::find(std::begin(kYesterday), std::end(kYesterday), w) !=
                           std::end(kYesterday);
    if (today || yesterday) {
      DateParts clock;
      if (!ReadTimeOfDay(tokens, &clock)) return std::nullopt;
      const UnixTime midnight = (now / kDay) * kDay - (yesterday ? kDay : 0);
      return midnight + clock.hour * 3600 + clock.minute * 60 + clock.second - clock.offset_seconds;
    }
    if (w == "just" && k + 1 < tokens.size() && folded[k + 1] == "now") return now;
  }
  const bool ago = std::any_of(folded.begin(), folded.end(), IsAgoWord);
  if (!ago) return std::nullopt;
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    int count = 0;
    if (tokens[k].kind == Kind::kNumber && tokens[k].digits <= 4) {
      count = tokens[k].number;
    } else if (folded[k] == "a" || folded[k] == "an" || folded[k] == "un" ||
               folded[k] == "une" || folded[k] == "ein" || folded[k] == "eine") {
      count = 1;
    } else {
      continue;
    }
    if (k + 1 < tokens.size() && !folded[k + 1].empty()) {
      if (const UnixTime unit = UnitSeconds(folded[k + 1]); unit != 0) return now - count * unit;
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------ formats

// Reads a word (letters of any script, inner '-' and '.') at s[*i].
std::string_view ReadWord(std::string_view s, std::size_t* i) {
  const std::size_t start = *i;
  while (*i < s.size()) {
    const char c = s[*i];
    const bool letter = IsAlpha(c) || (static_cast<unsigned char>(c) >= 0x80 &&
                                       !s.substr(*i).starts_with("\xC2\xA0"));
    const bool joiner = (c == '-' || c == '.') && *i > start;
    if (!letter && !joiner) break;
    ++*i;
  }
  return s.substr(start, *i - start);
}

void SkipSpaces(std::string_view s, std::size_t* i) {
  while (*i < s.size()) {
    if (IsAsciiSpace(s[*i])) {
      ++*i;
    } else if (s.substr(*i).starts_with("\xC2\xA0")) {
      *i += 2;
    } else {
      break;
    }
  }
}

// strftime-like: %d %e %m %y %Y %B %b %h %A %a %H %I %M %S %p %z %Z %T %R %D
// %F %%; a space matches any run of spaces; other characters match
// themselves, ignoring ASCII case. Text after the match is ignored.
std::optional<UnixTime> ParseWithFormat(std::string_view s, std::string_view format,
                                        const DateHints& hints) {
  DateParts p;
  bool have_year = false;
  int meridiem = 0;
  std::size_t i = 0;
  s = Trim(s);
  std::string expanded;
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] == '%' && f + 1 < format.size()) {
      switch (format[f + 1]) {
        case 'T': expanded += "%H:%M:%S"; ++f; continue;
        case 'R': expanded += "%H:%M"; ++f; continue;
        case 'D': expanded += "%m/%d/%y"; ++f; continue;
        case 'F': expanded += "%Y-%m-%d"; ++f; continue;
        default: break;
      }
    }
    expanded += format[f];
  }
  for (std::size_t f = 0; f < expanded.size(); ++f) {
    const char fc = expanded[f];
    if (IsAsciiSpace(fc)) {
      SkipSpaces(s, &i);
      continue;
    }
    if (fc != '%' || f + 1 >= expanded.size()) {
      if (i >= s.size() || internal::AsciiLower(s[i]) != internal::AsciiLower(fc)) return std::nullopt;
      ++i;
      continue;
    }
    const char d = expanded[++f];
    if (d != '%' && d != 'n' && d != 't') SkipSpaces(s, &i);
    int v = 0;
    switch (d) {
      case 'd': case 'e':
        if (!ReadUpTo(s, &i, 2, &p.day)) return std::nullopt;
        while (i < s.size() && IsAlpha(s[i]) && d == 'd' && IsOrdinalSuffix(s.substr(i, 2))) i += 2;
        break;
      case 'm':
        if (!ReadUpTo(s, &i, 2, &p.month)) return std::nullopt;
        break;
      case 'y':
        if (!ReadDigits(s, &i, 2, &v)) return std::nullopt;
        p.year = ExpandYear(v, 2);
        have_year = true;
        break;
      case 'Y':
        if (!ReadDigits(s, &i, 4, &p.year)) return std::nullopt;
        have_year = true;
        break;
      case 'B': case 'b': case 'h': {
        p.month = MonthFromName(ReadWord(s, &i), hints.lang);
        if (p.month == 0) return std::nullopt;
        break;
      }
      case 'A': case 'a':
        if (WeekdayFromName(ReadWord(s, &i), hints.lang) == 0) return std::nullopt;
        break;
      case 'H': case 'I':
        if (!ReadUpTo(s, &i, 2, &p.hour)) return std::nullopt;
        break;
      case 'M':
        if (!ReadDigits(s, &i, 2, &p.minute)) return std::nullopt;
        break;
      case 'S':
        if (!ReadDigits(s, &i, 2, &p.second)) return std::nullopt;
        break;
      case 'p': {
        std::size_t j = i;
        while (j < s.size() && (IsAlpha(s[j]) || s[j] == '.' ||
                                static_cast<unsigned char>(s[j]) >= 0x80)) {
          ++j;
        }
        meridiem = Meridiem(s.substr(i, j - i));
        if (meridiem == 0) return std::nullopt;
        i = j;
        break;
      }
      case 'z': case 'Z': {
        std::size_t j = i;
        while (j < s.size() && !IsAsciiSpace(s[j])) ++j;
        const auto zone = KnownZone(s.substr(i, j - i));
        if (!zone) return std::nullopt;
        p.offset_seconds = *zone;
        i = j;
        break;
      }
      case 'n': case 't':
        SkipSpaces(s, &i);
        break;
      case '%':
        if (i >= s.size() || s[i] != '%') return std::nullopt;
        ++i;
        break;
      default:
        return std::nullopt;  // an unsupported directive never matches
    }
  }
  if (meridiem != 0) {
    if (p.hour < 1 || p.hour > 12) return std::nullopt;
    p.hour = p.hour % 12 + (meridiem == 2 ? 12 : 0);
  }
  if (p.day == 0) p.day = 1;
  if (p.month == 0) return std::nullopt;
  if (!have_year) return WithYearFromNow(p, hints.now);
  return ToUnix(p);
}

// The first date-shaped thing in free text. A shape that holds a date the
// text does not fully give (day and month order unknown, a clock on a
// month without its day) is refused with the reason in *refusal.
std::optional<UnixTime> RecogniseShape(std::string_view s, const DateHints& hints,
                                       std::string_view lang, Refusal* refusal) {
  const std::vector<Token> tokens = Tokenize(s, lang);
  if (auto relative = ParseRelative(tokens, hints.now)) return relative;

  DateParts clock;
  if (!ReadTimeOfDay(tokens, &clock)) return std::nullopt;
  const bool has_clock = std::any_of(tokens.begin(), tokens.end(),
                                     [](const Token& t) { return t.kind == Kind::kClock; });
  const auto finish = [&](DateParts p, bool have_year) -> std::optional<UnixTime> {
    if (p.day_missing && has_clock) {
      *refusal = Refusal::kMissingDay;
      return std::nullopt;
    }
    p.hour = clock.hour;
    p.minute = clock.minute;
    p.second = clock.second;
    p.offset_seconds = clock.offset_seconds;
    if (!have_year) return WithYearFromNow(p, hints.now);
    return ToUnix(p);
  };

  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (t.kind == Kind::kWord && t.text.size() >= 10 && IsDigit(t.text[0])) {
      if (auto iso = ParseIsoDate(t.text)) return iso;  // "2025-03-05T10:00:00+02:00"
    }
    if (t.kind == Kind::kNumeric) {
      bool ambiguous = false;
      if (auto p = NumericDate(t, hints.day_first, &ambiguous)) return finish(*p, true);
      if (ambiguous) {
        *refusal = Refusal::kAmbiguousOrder;
        return std::nullopt;
      }
    }
    if (t.kind == Kind::kWord && t.month != 0) {
      // A leading weekday that reads as a month ("mar., 04 févr.").
      const bool weekday_like = k == 0 && std::any_of(tokens.begin() + 1, tokens.end(), [](const Token& o) {
        return o.kind == Kind::kWord && o.month != 0;
      });
      if (weekday_like) continue;
      if (auto p = NamedMonthDate(tokens, k)) return finish(*p, p->year != 0);
    }
  }
  return std::nullopt;
}

// A number alone ("1931", "12", "3rd") counts people, pages or years, and
// a page that prints one where a date should be gives no date.
bool IsBareNumber(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i > 0 && (i == s.size() || (i <= 2 && IsOrdinalSuffix(s.substr(i))));
}

}  // namespace

namespace internal {

int MonthFromName(std::string_view word, std::string_view lang) {
  if (word.empty() || IsDigit(word.front())) return 0;
  return LookupName(FoldedMonths(), word, lang);
}

std::string FormatUtc(UnixTime t) {
  const std::int64_t days = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  const std::int64_t secs = t - days * kDay;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(year), month, day, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buffer;
}

}  // namespace internal

std::optional<UnixTime> ParseDate(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty() || s.size() > 256) return std::nullopt;
  if (s.size() >= 4 && AllDigits(s.substr(0, 4)) && (s.size() == 4 || s[4] == '-')) {
    return ParseIsoDate(s);
  }
  if (auto rfc = ParseRfc822Date(s)) return rfc;
  // Feeds from CMSs that print the site's own date format in pubDate.
  Refusal refusal = Refusal::kNone;
  return RecogniseShape(s, DateHints{}, {}, &refusal);
}

std::optional<UnixTime> ParseHumanDate(std::string_view text, const DateHints& hints,
                                       std::string* refusal_out) {
  const std::string_view s = Trim(text);
  if (s.empty() || s.size() > 512) return std::nullopt;
  Refusal refusal = Refusal::kNone;
  const auto read = [&]() -> std::optional<UnixTime> {
    if (!hints.format.empty()) {
      if (auto t = ParseWithFormat(s, hints.format, hints)) return t;
    }
    if (IsBareNumber(s)) {
      refusal = Refusal::kBareNumber;
      return std::nullopt;
    }
    if (s.size() >= 4 && AllDigits(s.substr(0, 4)) && (s.size() == 4 || s[4] == '-')) {
      if (auto iso = ParseIsoDate(s)) return iso;
    }
    if (!hints.lang.empty()) {
      if (auto t = RecogniseShape(s, hints, hints.lang, &refusal)) return t;
      if (refusal != Refusal::kNone) return std::nullopt;
    }
    return RecogniseShape(s, hints, {}, &refusal);
  };
  std::optional<UnixTime> t = read();
  // Two-digit years and yearless dates can land ahead of the page; a page
  // does not announce tomorrow's news as published.
  if (t && hints.now > 0 && *t > hints.now + kDay) {
    refusal = Refusal::kFuture;
    t.reset();
  }
  if (refusal_out != nullptr) *refusal_out = Describe(refusal);
  return t;
}

}  // namespace redwire::parse

namespace redwire::parse {

bool IsKnownDateLanguage(std::string_view lang) {
  for (const auto& table : kMonthNames) {
    if (table.lang == lang) return true;
  }
  return false;
}

std::string KnownDateLanguages() {
  std::string out;
  for (const auto& table : kMonthNames) {
    if (out.find(table.lang) == std::string::npos) out += (out.empty() ? "" : ", ") + std::string(table.lang);
  }
  return out;
}

}  // namespace redwire::parse
