#pragma once
// A small value-or-error type: pure code returns these instead of throwing on
// bad input (std::expected needs C++23, which g++ 12 lacks). The one
// convention for fallible calls: no `std::string& error` out-parameters, no
// "empty optional means success"; result<void, E> for calls with no value.
#include <optional>
#include <utility>
#include <variant>

namespace twinstar {

template <class E>
struct failure {
  E error;
};

template <class E>
failure<std::decay_t<E>> fail(E&& e) {
  return {std::forward<E>(e)};
}

template <class T, class E>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class F>
  result(failure<F> f) : v_(std::in_place_index<1>, E(std::move(f.error))) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const E& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

// Success carries nothing: `return {};` succeeds, `return fail(e);` fails.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  template <class F>
  result(failure<F> f) : error_(E(std::move(f.error))) {}

  bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const E& error() const { return *error_; }

 private:
  std::optional<E> error_;
};

}  // namespace twinstar
