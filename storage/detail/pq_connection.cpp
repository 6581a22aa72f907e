#include "storage/detail/pq_connection.hpp"

#include <libpq-fe.h>

namespace boa::storage::detail {

namespace {

// libpq ends its messages with a newline (sometimes several lines); one line reads better in a log.
std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  for (auto& c : text)
    if (c == '\n')
      c = ' ';
  return text;
}

// Notices (such as "relation already exists, skipping") would go to stderr otherwise.
void ignore_notice(void*, const char*) {}

} // namespace

pq_result::pq_result(pg_result* result) : result_(result, [](pg_result* r) { PQclear(r); }) {}

int pq_result::rows() const {
  return PQntuples(result_.get());
}

std::string pq_result::text(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column))
    return {};
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

bool pq_result::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

long pq_result::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::stol(n) : 0;
}

pq_connection::pq_connection(pg_conn* conn) : conn_(conn) {
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

pq_connection::~pq_connection() {
  PQfinish(conn_);
}

expected<void> pq_connection::check(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (!options) {
    std::string text = message ? one_line(message) : "out of memory";
    PQfreemem(message);
    return error{errc::invalid_input, "not a PostgreSQL connection string: " + text};
  }
  PQconninfoFree(options);
  return {};
}

expected<std::unique_ptr<pq_connection>> pq_connection::connect(const std::string& conninfo) {
  if (auto syntax = check(conninfo); !syntax)
    return syntax.error();
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (!conn)
    return error{errc::io, "cannot connect to PostgreSQL: out of memory"};
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string text = one_line(PQerrorMessage(conn));
    PQfinish(conn);
    return error{errc::io, "cannot connect to PostgreSQL: " + text};
  }
  return std::unique_ptr<pq_connection>(new pq_connection(conn));
}

std::string pq_connection::last_error() const {
  return one_line(PQerrorMessage(conn_));
}

expected<void> pq_connection::ensure_open() {
  if (PQstatus(conn_) == CONNECTION_OK)
    return {};
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    return error{errc::io, "PostgreSQL is unreachable: " + last_error()};
  return {};
}

expected<pq_result> pq_connection::exec(std::string_view what, const std::string& sql,
                                        const std::vector<pq_param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  pg_result* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0);
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  pq_result result{raw};
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return error{errc::io, std::string(what) + " failed: " + last_error()};
  return result;
}

} // namespace boa::storage::detail
