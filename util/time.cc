#include "util/time.h"

#include <algorithm>
#include <cstdio>

namespace redwire::util {
namespace {

constexpr std::int64_t kDay = 24 * 60 * 60;
constexpr UnixTime kMinTime = -62135596800;  // 0001-01-01T00:00:00Z
constexpr UnixTime kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

constexpr const char* kDayNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kLongDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
constexpr const char* kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

unsigned DaysInMonth(int year, int month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// A cursor over fixed-shape date text; every read fails past the end.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Digits(std::size_t n, int* value) {
    if (i_ + n > s_.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = s_[i_ + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i_ += n;
    *value = v;
    return true;
  }
  bool Literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }
  bool Peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Char(char c) { return Peek(c) && (++i_, true); }
  // One of `names` (exact case, as HTTP-dates are case-sensitive); *index
  // is its position.
  template <std::size_t N>
  bool Name(const char* const (&names)[N], int* index) {
    for (std::size_t k = 0; k < N; ++k) {
      if (Literal(names[k])) {
        *index = static_cast<int>(k);
        return true;
      }
    }
    return false;
  }
  bool AtEnd() const { return i_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// "HH:MM:SS" into c.
bool TimeOfDay(Reader& r, CivilTime* c) {
  return r.Digits(2, &c->hour) && r.Char(':') && r.Digits(2, &c->minute) && r.Char(':') &&
         r.Digits(2, &c->second);
}

}  // namespace

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<UnixTime> UnixFromCivil(const CivilTime& c) {
  if (c.year < 1 || c.year > 9999 || c.month < 1 || c.month > 12) return std::nullopt;
  if (c.day < 1 || static_cast<unsigned>(c.day) > DaysInMonth(c.year, c.month)) return std::nullopt;
  if (c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 || c.second > 60) {
    return std::nullopt;
  }
  const int second = std::min(c.second, 59);
  return DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day)) * kDay +
         c.hour * 3600 + c.minute * 60 + second;
}

CivilTime CivilFromUnix(UnixTime t) {
  // H. Hinnant's civil_from_days, on floor-divided days.
  const std::int64_t days = t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay);
  const std::int64_t secs = t - days * kDay;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0));
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

std::string FormatRfc3339(UnixTime t) {
  const CivilTime c = CivilFromUnix(std::clamp(t, kMinTime, kMaxTime));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second);
  return buf;
}

std::optional<UnixTime> ParseRfc3339(std::string_view text) {
  Reader r(text);
  CivilTime c;
  if (!r.Digits(4, &c.year) || !r.Char('-') || !r.Digits(2, &c.month) || !r.Char('-') ||
      !r.Digits(2, &c.day) || !(r.Char('T') || r.Char('t')) || !TimeOfDay(r, &c)) {
    return std::nullopt;
  }
  if (r.Char('.')) {
    int digit = 0;
    if (!r.Digits(1, &digit)) return std::nullopt;
    while (r.Digits(1, &digit)) {
    }
  }
  int offset = 0;
  if (r.Peek('+') || r.Peek('-')) {
    const int sign = r.Char('+') ? 1 : (r.Char('-'), -1);
    int oh = 0, om = 0;
    if (!r.Digits(2, &oh) || !r.Char(':') || !r.Digits(2, &om) || oh > 23 || om > 59) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  } else if (!r.Char('Z') && !r.Char('z')) {
    return std::nullopt;
  }
  if (!r.AtEnd()) return std::nullopt;
  const auto t = UnixFromCivil(c);
  if (!t) return std::nullopt;
  return *t - offset;
}

std::string FormatHttpDate(UnixTime t) {
  const UnixTime clamped = std::clamp<UnixTime>(t, 0, kMaxTime);
  const CivilTime c = CivilFromUnix(clamped);
  const auto weekday = static_cast<int>((clamped / kDay + 4) % 7);  // 1970-01-01 was a Thursday
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDayNames[weekday], c.day,
                kMonthNames[c.month - 1], c.year, c.hour, c.minute, c.second);
  return buf;
}

std::optional<UnixTime> ParseHttpDate(std::string_view text) {
  CivilTime c;
  int weekday = 0, month = 0;
  bool shaped = false;
  if (text.size() == 29) {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    Reader r(text);
    shaped = r.Name(kDayNames, &weekday) && r.Literal(", ") && r.Digits(2, &c.day) && r.Char(' ') &&
             r.Name(kMonthNames, &month) && r.Char(' ') && r.Digits(4, &c.year) && r.Char(' ') &&
             TimeOfDay(r, &c) && r.Literal(" GMT") && r.AtEnd();
  } else if (text.size() == 24) {  // asctime: "Sun Nov  6 08:49:37 1994"
    Reader r(text);
    shaped = r.Name(kDayNames, &weekday) && r.Char(' ') && r.Name(kMonthNames, &month) && r.Char(' ') &&
             (r.Char(' ') ? r.Digits(1, &c.day) : r.Digits(2, &c.day)) && r.Char(' ') && TimeOfDay(r, &c) &&
             r.Char(' ') && r.Digits(4, &c.year) && r.AtEnd();
  } else {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    Reader r(text);
    shaped = r.Name(kLongDayNames, &weekday) && r.Literal(", ") && r.Digits(2, &c.day) && r.Char('-') &&
             r.Name(kMonthNames, &month) && r.Char('-') && r.Digits(2, &c.year) && r.Char(' ') &&
             TimeOfDay(r, &c) && r.Literal(" GMT") && r.AtEnd();
    // RFC 9110 5.6.7: a two-digit year more than 50 years ahead is in the
    // past century; read against 2000 as the pivot is enough until 2050.
    if (shaped) c.year += c.year < 50 ? 2000 : 1900;
  }
  if (!shaped) return std::nullopt;
  c.month = month + 1;
  return UnixFromCivil(c);
}

UnixTime SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point SystemClock::Steady() const { return std::chrono::steady_clock::now(); }

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

UnixTime ManualClock::Now() const {
  const std::int64_t ns = wall_ns_.load();
  return ns >= 0 ? ns / kNanosPerSecond : -((-ns + kNanosPerSecond - 1) / kNanosPerSecond);
}

std::chrono::steady_clock::time_point ManualClock::Steady() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(steady_ns_.load())));
}

void ManualClock::Set(UnixTime t) { wall_ns_.store(t * kNanosPerSecond); }

void ManualClock::Advance(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return;
  wall_ns_.fetch_add(d.count());
  steady_ns_.fetch_add(d.count());
}

}  // namespace redwire::util
