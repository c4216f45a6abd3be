// http/status.h: a handler's status follows from the Error's code alone.
#include "daemon/http/status.h"

#include <catch2/catch.hpp>

using redwire::ErrorCode;
using redwire::http::StatusFor;

TEST_CASE("the reader's mistakes are 4xx, ours are 5xx") {
  CHECK(StatusFor(ErrorCode::kInvalidArgument) == 400);
  CHECK(StatusFor(ErrorCode::kNotFound) == 404);
  CHECK(StatusFor(ErrorCode::kTooLarge) == 413);
  CHECK(StatusFor(ErrorCode::kUnavailable) == 502);
  CHECK(StatusFor(ErrorCode::kBusy) == 503);
  for (ErrorCode ours : {ErrorCode::kUnknown, ErrorCode::kInternal, ErrorCode::kCorruption, ErrorCode::kIo}) {
    CHECK(StatusFor(ours) == 500);
  }
}
