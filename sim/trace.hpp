#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string_view>

namespace boa::sim {

/// An ordered trace of what happened in a run, kept as a running hash (64-bit FNV-1a) and a
/// count: two runs with the same hash saw the same events in the same order.
class trace {
public:
  /// Also writes each event to `text` (one line, fields separated by tabs) when it is not null.
  explicit trace(std::ostream* text = nullptr) : text_(text) {}

  /// Adds one event made of `fields`, each length-prefixed so that field boundaries count.
  void record(std::initializer_list<std::string_view> fields);
  /// Also hands every event to `listener` (the checkers watch what nodes publish through it).
  void listen(std::function<void(std::initializer_list<std::string_view>)> listener) {
    listener_ = std::move(listener);
  }
  std::uint64_t hash() const { return hash_; }
  std::uint64_t events() const { return events_; }

private:
  void mix(std::string_view bytes);

  std::uint64_t hash_ = 14695981039346656037ull;
  std::uint64_t events_ = 0;
  std::ostream* text_;
  std::function<void(std::initializer_list<std::string_view>)> listener_;
};

} // namespace boa::sim
