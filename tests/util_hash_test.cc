// util/hash.h. The FNV-1a vectors are those of the reference test suite
// (isthe.com/chongo/tech/comp/fnv, "test_fnv.c": "" -> cbf29ce484222325,
// "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8).
#include <catch2/catch.hpp>

#include "util/hash.h"

using namespace redwire;

TEST_CASE("Fnv1a64 matches the reference vectors", "[util][hash]") {
  CHECK(util::Fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(util::Fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(util::Fnv1a64("foobar") == 0x85944171f73967e8ULL);
  static_assert(util::Fnv1a64("a") == 0xaf63dc4c8601ec8cULL, "usable at compile time");
}

TEST_CASE("Fnv1a64 continues from a previous hash", "[util][hash]") {
  CHECK(util::Fnv1a64("bar", util::Fnv1a64("foo")) == util::Fnv1a64("foobar"));
  CHECK(util::Fnv1a64(std::string_view("\xff\x00", 2)) != util::Fnv1a64(std::string_view("\xff", 1)));
}

TEST_CASE("The scrape id basis is kept as stored ids were made", "[util][hash]") {
  // "hash:" ids of scraped items already in stores: a change here re-keys them.
  CHECK(util::Hex64(util::Fnv1a64("Title\n2024-03-05", util::kFnv1a64ScrapeIdBasis)) ==
        util::Hex64(util::Fnv1a64("Title\n2024-03-05", 1469598103934665603ULL)));
  CHECK(util::kFnv1a64ScrapeIdBasis != util::kFnv1a64Basis);
}

TEST_CASE("FieldHasher length-prefixes fields", "[util][hash]") {
  util::FieldHasher ab_c, a_bc;
  ab_c.Add("ab");
  ab_c.Add("c");
  a_bc.Add("a");
  a_bc.Add("bc");
  CHECK(ab_c.value() != a_bc.value());
  util::FieldHasher one;
  one.Add("x");
  util::FieldHasher manual;
  manual.AddNumber(1);
  CHECK(one.value() == util::Fnv1a64("x", manual.value()));
  CHECK(util::FieldHasher().value() == util::kFnv1a64Basis);
}

TEST_CASE("Mix64 is splitmix64's finaliser", "[util][hash]") {
  // splitmix64 from seed 0 yields Mix64(0x9e3779b97f4a7c15) first: e220a8397b1dcdaf.
  CHECK(util::Mix64(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
  CHECK(util::Mix64(0) == 0);
  CHECK(util::Mix64(1) != util::Mix64(2));
}

TEST_CASE("Hex64 writes 16 lower-case digits", "[util][hash]") {
  CHECK(util::Hex64(0) == "0000000000000000");
  CHECK(util::Hex64(0xcbf29ce484222325ULL) == "cbf29ce484222325");
  CHECK(util::Hex64(~0ULL) == "ffffffffffffffff");
}
