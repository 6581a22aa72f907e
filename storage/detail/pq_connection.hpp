#pragma once

#include "protocol/expected.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace boa::storage::detail {

/// One query result of libpq, freed with it. Values are read as text (the format every query
/// here asks for); a SQL NULL reads as an empty string.
class pq_result {
public:
  explicit pq_result(pg_result* result);
  int rows() const;
  std::string text(int row, int column) const;
  bool is_null(int row, int column) const;
  /// How many rows an INSERT, UPDATE or DELETE touched.
  long affected() const;

private:
  std::unique_ptr<pg_result, void (*)(pg_result*)> result_;
};

/// A parameter of a query: text, or SQL NULL when empty.
using pq_param = std::optional<std::string>;

/// One libpq connection, closed with it. Every query goes through `PQexecParams` with its values
/// as separate parameters ($1, $2, ...), never spliced into the SQL text. libpq, not libpqxx: the
/// C client is what Debian's libpq-dev installs and all this needs. Not thread-safe.
class pq_connection {
public:
  /// Connects; fails with the server's or libpq's own message.
  static expected<std::unique_ptr<pq_connection>> connect(const std::string& conninfo);
  /// Checks the syntax of a connection string (keyword=value or URI) without connecting.
  static expected<void> check(const std::string& conninfo);

  ~pq_connection();
  pq_connection(const pq_connection&) = delete;
  pq_connection& operator=(const pq_connection&) = delete;

  /// Runs one statement. `what` names it in the error, which carries the server's message.
  expected<pq_result> exec(std::string_view what, const std::string& sql,
                           const std::vector<pq_param>& params = {});

  /// Reconnects if the connection was lost (the server restarted, the network broke).
  expected<void> ensure_open();

private:
  explicit pq_connection(pg_conn* conn);
  std::string last_error() const;
  pg_conn* conn_;
};

} // namespace boa::storage::detail
