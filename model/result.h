// Result<T>: a value or an Error. g++ 12 has no std::expected; this is the
// small stand-in every module returns across its interface, so no exception
// crosses a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace redwire {

// What kind of failure an Error is, so callers decide (an HTTP status, a
// retry, a caret under a column) without reading the message.
enum class ErrorCode {
  kUnknown,          // not classified by its maker; handled like kInternal
  kInternal,         // a bug or an unexpected library failure
  kInvalidArgument,  // the input is malformed: a rule, a query, a config value, a document
  kNotFound,         // a named thing does not exist: a file, a source, a column
  kTooLarge,         // an input passed one of our caps
  kCorruption,       // stored state is damaged: a database, a state file
  kIo,               // the OS failed a read, a write or an open
  kBusy,             // held by someone else: a locked database, another daemon's lock
  kUnavailable,      // a peer could not be reached or answered with an error
};

// "invalid argument", "not found", ...: for logs and tests.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  Error() = default;
  explicit Error(std::string message, ErrorCode code = ErrorCode::kUnknown)
      : message(std::move(message)), code(code) {}
  Error(std::string message, ErrorCode code, std::string file, int line = 0, int column = 0)
      : message(std::move(message)), code(code), file(std::move(file)), line(line), column(column) {}

  std::string message;  // says what failed and why, naming the source or file
  ErrorCode code = ErrorCode::kUnknown;
  // Where in the input the failure is, when it is in one; 0 and "" when not
  // known. line and column are 1-based, column counted in characters.
  std::string file;
  int line = 0;
  int column = 0;

  bool is(ErrorCode c) const { return code == c; }
  // The message behind its known place: "file:line:col: message",
  // "col 7: message", or the message alone.
  std::string str() const;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status is a Result with no value.
struct Ok {};
using Status = Result<Ok>;

inline const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknown: return "unknown";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kTooLarge: return "too large";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kIo: return "i/o";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kUnavailable: return "unavailable";
  }
  return "unknown";
}

inline std::string Error::str() const {
  std::string place = file;
  if (line > 0) place += (place.empty() ? "line " : ":") + std::to_string(line);
  if (column > 0) place += (place.empty() ? "col " : ":") + std::to_string(column);
  return place.empty() ? message : place + ": " + message;
}

}  // namespace redwire
