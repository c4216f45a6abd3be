// util/time.h: RFC 3339 and HTTP-date text both ways, the calendar, and
// the manual clock tests drive. The HTTP-date examples are RFC 9110
// 5.6.7's own ("Sun, 06 Nov 1994 08:49:37 GMT" in its three forms).
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "util/time.h"

using namespace redwire;
using namespace std::chrono_literals;

namespace {
constexpr UnixTime kRfcExample = 784111777;  // 1994-11-06T08:49:37Z
}

TEST_CASE("FormatRfc3339 writes UTC with Z and clamps to four-digit years", "[util][time]") {
  CHECK(util::FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(util::FormatRfc3339(1709629200) == "2024-03-05T09:00:00Z");
  CHECK(util::FormatRfc3339(951782400) == "2000-02-29T00:00:00Z");
  CHECK(util::FormatRfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(util::FormatRfc3339(std::int64_t{1} << 50) == "9999-12-31T23:59:59Z");
  CHECK(util::FormatRfc3339(-(std::int64_t{1} << 50)) == "0001-01-01T00:00:00Z");
}

TEST_CASE("ParseRfc3339 reads Z, offsets and fractions and refuses other shapes", "[util][time]") {
  CHECK(util::ParseRfc3339("2024-03-05T09:00:00Z") == 1709629200);
  CHECK(util::ParseRfc3339("2024-03-05t09:00:00z") == 1709629200);
  CHECK(util::ParseRfc3339("2024-03-05T11:00:00+02:00") == 1709629200);
  CHECK(util::ParseRfc3339("2024-03-05T04:30:00-04:30") == 1709629200);
  CHECK(util::ParseRfc3339("2024-03-05T09:00:00.999Z") == 1709629200);
  CHECK(util::ParseRfc3339("2016-12-31T23:59:60Z") == 1483228799);  // leap second counts as :59
  CHECK_FALSE(util::ParseRfc3339(""));
  CHECK_FALSE(util::ParseRfc3339("2024-03-05"));
  CHECK_FALSE(util::ParseRfc3339("2024-03-05T09:00:00"));       // no zone: local time is unknowable
  CHECK_FALSE(util::ParseRfc3339("2024-03-05 09:00:00Z"));      // RFC 3339 allows it only by agreement
  CHECK_FALSE(util::ParseRfc3339("2024-03-05T09:00:00.Z"));
  CHECK_FALSE(util::ParseRfc3339("2024-03-05T09:00:00Zjunk"));
  CHECK_FALSE(util::ParseRfc3339("2023-02-29T09:00:00Z"));      // not a leap year
  CHECK_FALSE(util::ParseRfc3339("2024-13-05T09:00:00Z"));
  CHECK_FALSE(util::ParseRfc3339("2024-03-05T24:00:00Z"));
  CHECK_FALSE(util::ParseRfc3339("2024-03-05T09:00:00+2:00"));
}

TEST_CASE("RFC 3339 round-trips over the whole four-digit range", "[util][time]") {
  for (UnixTime t : {UnixTime{-62135596800}, UnixTime{-1}, UnixTime{0}, UnixTime{68169600},
                     UnixTime{951868799}, UnixTime{4102444800}, UnixTime{253402300799}}) {
    INFO(t);
    CHECK(util::ParseRfc3339(util::FormatRfc3339(t)) == t);
  }
  for (UnixTime t = -86400 * 800; t < 86400LL * 365 * 80; t += 86400 * 7 + 3607) {
    REQUIRE(util::ParseRfc3339(util::FormatRfc3339(t)) == t);
  }
}

TEST_CASE("FormatHttpDate writes IMF-fixdate", "[util][time]") {
  CHECK(util::FormatHttpDate(kRfcExample) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(util::FormatHttpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(util::FormatHttpDate(1709629200) == "Tue, 05 Mar 2024 09:00:00 GMT");
  CHECK(util::FormatHttpDate(-5) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("ParseHttpDate reads the three forms RFC 9110 names and nothing else", "[util][time]") {
  CHECK(util::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == kRfcExample);
  CHECK(util::ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT") == kRfcExample);
  CHECK(util::ParseHttpDate("Sun Nov  6 08:49:37 1994") == kRfcExample);
  CHECK(util::ParseHttpDate("Thu Nov 16 08:49:37 1994") == kRfcExample + 10 * 86400);
  CHECK(util::ParseHttpDate("Tuesday, 05-Mar-24 09:00:00 GMT") == 1709629200);
  CHECK(util::ParseHttpDate(util::FormatHttpDate(1709629200)) == 1709629200);
  CHECK_FALSE(util::ParseHttpDate(""));
  CHECK_FALSE(util::ParseHttpDate("0"));
  CHECK_FALSE(util::ParseHttpDate("-1"));
  CHECK_FALSE(util::ParseHttpDate("sun, 06 nov 1994 08:49:37 gmt"));   // HTTP-date is case-sensitive
  CHECK_FALSE(util::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 +0000"));
  CHECK_FALSE(util::ParseHttpDate("Sun, 31 Nov 1994 08:49:37 GMT"));   // no such day
  CHECK_FALSE(util::ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  CHECK_FALSE(util::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMTX"));
  CHECK_FALSE(util::ParseHttpDate("2024-03-05T09:00:00Z"));
}

TEST_CASE("The calendar agrees with known dates", "[util][time]") {
  CHECK(util::DaysFromCivil(1970, 1, 1) == 0);
  CHECK(util::DaysFromCivil(2000, 3, 1) == 11017);
  CHECK(util::DaysFromCivil(1969, 12, 31) == -1);
  const util::CivilTime c = util::CivilFromUnix(951782400 + 3723);
  CHECK((c.year == 2000 && c.month == 2 && c.day == 29 && c.hour == 1 && c.minute == 2 && c.second == 3));
  CHECK(util::UnixFromCivil({2000, 2, 29, 1, 2, 3}) == 951782400 + 3723);
  CHECK_FALSE(util::UnixFromCivil({1900, 2, 29, 0, 0, 0}));
  CHECK_FALSE(util::UnixFromCivil({0, 1, 1, 0, 0, 0}));
  CHECK_FALSE(util::UnixFromCivil({2024, 4, 31, 0, 0, 0}));
}

TEST_CASE("ManualClock moves only when told, wall and steady in step", "[util][time]") {
  util::ManualClock clock(1709629200);
  const auto steady0 = clock.Steady();
  CHECK(clock.Now() == 1709629200);
  clock.Advance(1500ms);
  CHECK(clock.Now() == 1709629201);
  CHECK(clock.Steady() - steady0 == 1500ms);
  clock.Advance(-10s);  // ignored: a clock never runs back by Advance
  CHECK(clock.Steady() - steady0 == 1500ms);
  clock.Set(1000);  // the wall clock is corrected; steady time is not
  CHECK(clock.Now() == 1000);
  CHECK(clock.Steady() - steady0 == 1500ms);
  util::ManualClock before_epoch(-5);
  CHECK(before_epoch.Now() == -5);
  before_epoch.Advance(500ms);
  CHECK(before_epoch.Now() == -5);  // -4.5 s is still in second -5
}

TEST_CASE("ManualClock is safe to read while another thread advances it", "[util][time]") {
  util::ManualClock clock(0);
  const util::Clock& read_only = clock;
  std::thread writer([&] {
    for (int i = 0; i < 10000; ++i) clock.Advance(1ms);
  });
  UnixTime last = 0;
  bool monotonic = true;
  for (int i = 0; i < 10000; ++i) {
    const UnixTime now = read_only.Now();
    monotonic = monotonic && now >= last;
    last = now;
  }
  writer.join();
  CHECK(monotonic);
  CHECK(clock.Now() == 10);
}

TEST_CASE("SystemClock reads the real clocks", "[util][time]") {
  const util::Clock& clock = util::SystemClock::Instance();
  const auto wall = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(clock.Now() >= wall);
  CHECK(clock.Now() <= wall + 5);
  const auto a = clock.Steady();
  CHECK(clock.Steady() >= a);
}
