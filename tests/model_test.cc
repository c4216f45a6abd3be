// model/result.h: an Error's code and place travel with it, and str() puts
// the known part of the place in front of the message.
#include "model/result.h"

#include <catch2/catch.hpp>

using redwire::Error;
using redwire::ErrorCode;

TEST_CASE("an Error without a code is kUnknown and prints its message alone") {
  const Error error{"store: open /x: unable to open database file"};
  CHECK(error.code == ErrorCode::kUnknown);
  CHECK(error.str() == "store: open /x: unable to open database file");
  CHECK(std::string(redwire::ErrorCodeName(error.code)) == "unknown");
}

TEST_CASE("str() writes the known parts of the place") {
  CHECK(Error{"expected a term after OR", ErrorCode::kInvalidArgument, "", 0, 8}.str() ==
        "col 8: expected a term after OR");
  CHECK(Error{"unknown key 'evry'", ErrorCode::kInvalidArgument, "feeds/kke.toml", 4, 1}.str() ==
        "feeds/kke.toml:4:1: unknown key 'evry'");
  CHECK(Error{"bad UTF-8", ErrorCode::kInvalidArgument, "feeds/kke.toml", 12}.str() ==
        "feeds/kke.toml:12: bad UTF-8");
  CHECK(Error{"no such file", ErrorCode::kNotFound, "feeds/x.toml"}.str() == "feeds/x.toml: no such file");
}

TEST_CASE("a Result carries the Error's code and place to its caller") {
  auto fail = []() -> redwire::Result<int> { return Error{"busy", ErrorCode::kBusy, "redwire.db"}; };
  const auto result = fail();
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().is(ErrorCode::kBusy));
  CHECK(result.error().file == "redwire.db");
  CHECK(std::string(redwire::ErrorCodeName(ErrorCode::kInvalidArgument)) == "invalid argument");
}
