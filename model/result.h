// Result<T>: a value or an error message with context. g++ 12 has no
// std::expected; this is the small stand-in every module returns across its
// interface, so no exception crosses a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace redwire {

struct Error {
  std::string message;  // says what failed and why, naming the source or file
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

}  // namespace redwire
