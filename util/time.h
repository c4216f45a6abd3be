// Time: RFC 3339 and HTTP-date text, and the Clock the daemon reads "now"
// from. Every module formats and parses these forms here, once.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "model/item.h"

namespace redwire::util {

// A UTC calendar date and time of day, as written in dates.
struct CivilTime {
  int year = 1970, month = 1, day = 1;  // month 1..12, day 1..31
  int hour = 0, minute = 0, second = 0;  // second may be 60 (a leap second)
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil); any year, no validation.
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

// The Unix time of `c`, read as UTC; nullopt when a field is out of range
// (year 1..9999, the day within its month, 23:59:60 at most). A leap
// second counts as :59.
std::optional<UnixTime> UnixFromCivil(const CivilTime& c);

// The UTC calendar fields of `t` (any int64 time; years may leave 1..9999).
CivilTime CivilFromUnix(UnixTime t);

// "2024-03-05T09:00:00Z": UTC, whole seconds. Times outside the years
// 0001..9999 are clamped to them, so the text always has a four-digit year.
std::string FormatRfc3339(UnixTime t);

// RFC 3339 date-time: "2024-03-05T09:00:00Z", with or without a fraction
// ("...00.250Z", dropped) and with a numeric offset ("...00+02:00").
// Lower-case 't' and 'z' are accepted (RFC 3339 5.6). nullopt for any other
// shape or an out-of-range field; never throws.
std::optional<UnixTime> ParseRfc3339(std::string_view text);

// IMF-fixdate (RFC 9110 5.6.7): "Tue, 05 Mar 2024 09:00:00 GMT", built by
// hand so no locale is assumed. Negative times are clamped to 1970.
std::string FormatHttpDate(UnixTime t);

// An HTTP-date in any of the three forms RFC 9110 5.6.7 obliges a recipient
// to accept: IMF-fixdate, RFC 850 ("Tuesday, 05-Mar-24 09:00:00 GMT") and
// asctime ("Tue Mar  5 09:00:00 2024"). nullopt for anything else, which a
// caller must ignore as RFC 9110 13.1.3 requires.
std::optional<UnixTime> ParseHttpDate(std::string_view text);

// Where the daemon reads the time. Code that schedules, expires or stamps
// takes a Clock& instead of reading the system clock, so tests drive it
// with a ManualClock and assert exact instants. Implementations are safe to
// read from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in Unix seconds: what is stored and shown.
  virtual UnixTime Now() const = 0;
  // Monotonic time, for intervals and deadlines; never goes back.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The real clocks (std::chrono::system_clock and steady_clock).
class SystemClock final : public Clock {
 public:
  UnixTime Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;
  // One shared instance, for wiring code that has no clock passed in.
  static SystemClock& Instance();
};

// A clock that moves only when told. Now() starts at `start`; Steady()
// starts at an arbitrary fixed point and moves by exactly what Advance
// adds, so both clocks stay in step. Set() moves the wall clock only (as a
// system clock being corrected would). Reads and writes may race freely.
// Times are kept in int64 nanoseconds: within 292 years of 1970.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixTime start = 0) : wall_ns_(start * kNanosPerSecond) {}
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  UnixTime Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;

  void Set(UnixTime t);
  // Moves both clocks forward by `d`; a negative `d` is ignored.
  void Advance(std::chrono::nanoseconds d);

 private:
  static constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  std::atomic<std::int64_t> wall_ns_;
  std::atomic<std::int64_t> steady_ns_{0};
};

}  // namespace redwire::util
