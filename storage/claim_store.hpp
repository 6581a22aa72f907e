#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boa::storage {

/// The message a node took to run for one line of a job (a job, or one branch of a fork), and
/// that state's version.
struct claim {
  std::int64_t version = 0;
  std::string message_id;

  friend bool operator==(const claim&, const claim&) = default;
};

/// Claims kept in RocksDB, so that a node restarted after `kill -9` still knows which copy of a
/// job state it ran (actors/delivery_claims.hpp). Writes go through the write-ahead log without
/// a sync: they survive the death of the process, not of the machine. Thread-safe.
class claim_store {
public:
  static constexpr int format_version = 1;

  /// Opens (or creates) the store in `dir`; fails naming the directory if it is locked by another
  /// open store or holds another kind of data.
  static expected<std::unique_ptr<claim_store>> open(const std::filesystem::path& dir);

  ~claim_store();
  claim_store(const claim_store&) = delete;
  claim_store& operator=(const claim_store&) = delete;

  expected<std::optional<claim>> get(std::string_view line);
  expected<void> put(std::string_view line, const claim& c);

private:
  struct impl;
  explicit claim_store(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::storage
