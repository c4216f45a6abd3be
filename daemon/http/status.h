// The HTTP status a handler answers with when a lower layer fails: chosen
// from the Error's code, never from its message.
#pragma once

#include "model/result.h"

namespace redwire::http {

// kInvalidArgument 400, kNotFound 404, kTooLarge 413, kUnavailable 502,
// kBusy 503; everything else (kUnknown, kInternal, kCorruption, kIo) is ours
// to fix: 500.
constexpr int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kUnavailable: return 502;
    case ErrorCode::kBusy: return 503;
    case ErrorCode::kUnknown:
    case ErrorCode::kInternal:
    case ErrorCode::kCorruption:
    case ErrorCode::kIo: return 500;
  }
  return 500;
}

}  // namespace redwire::http
