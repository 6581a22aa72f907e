#pragma once

#include "protocol/error.hpp"

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace boa {

/// Holds either a value or the error that prevented it; no exceptions cross module APIs.
template <class T, class E = error> class [[nodiscard]] expected {
public:
  expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  expected(E err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E& error() & { return std::get<1>(data_); }
  const E& error() const& { return std::get<1>(data_); }
  E&& error() && { return std::get<1>(std::move(data_)); }

private:
  std::variant<T, E> data_;
};

/// `expected<void>`: success, or the error that prevented it.
template <class E> class [[nodiscard]] expected<void, E> {
public:
  expected() = default;
  expected(E err) : error_(std::move(err)), failed_(true) {}

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return !failed_; }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

private:
  E error_;
  bool failed_ = false;
};

} // namespace boa
