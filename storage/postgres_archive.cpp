#include "storage/postgres_archive.hpp"

#include "storage/detail/pq_connection.hpp"
#include "storage/list_cursor.hpp"

#include <charconv>

namespace boa::storage {

namespace {

using detail::pq_param;

// Any constant of our own: the advisory lock that keeps two nodes from migrating at once.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(7306755436453445)";

// Version 1: the jobs table, with indexes for the listings `list` makes. One statement each:
// PQexecParams runs one at a time.
constexpr const char* schema_v1[] = {
    R"sql(CREATE TABLE boa_archived_jobs (
  id          text PRIMARY KEY,
  workflow    text NOT NULL,
  revision    bigint,
  state       text NOT NULL,
  created_ms  bigint NOT NULL,
  started_ms  bigint,
  ended_ms    bigint NOT NULL,
  duration_ms bigint NOT NULL,
  parent_id   text,
  node        text,
  job         jsonb NOT NULL
))sql",
    "CREATE INDEX boa_archived_jobs_by_end ON boa_archived_jobs (ended_ms DESC, id DESC)",
    "CREATE INDEX boa_archived_jobs_by_state ON boa_archived_jobs (state, ended_ms DESC, id DESC)",
    "CREATE INDEX boa_archived_jobs_by_workflow ON boa_archived_jobs "
    "(workflow, ended_ms DESC, id DESC)",
};

constexpr const char* columns = "id, workflow, revision, state, created_ms, started_ms, ended_ms, "
                                "duration_ms, parent_id, node, job::text";

std::int64_t to_int(const std::string& text, std::int64_t if_null) {
  std::int64_t v = if_null;
  if (!text.empty())
    std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

archived_job read_row(const detail::pq_result& r, int row) {
  archived_job a;
  a.id = r.text(row, 0);
  a.workflow = r.text(row, 1);
  a.revision = to_int(r.text(row, 2), -1);
  a.state = r.text(row, 3);
  a.created_ms = to_int(r.text(row, 4), 0);
  a.started_ms = to_int(r.text(row, 5), 0);
  a.ended_ms = to_int(r.text(row, 6), 0);
  a.duration_ms = to_int(r.text(row, 7), 0);
  a.parent_id = r.text(row, 8);
  a.node = r.text(row, 9);
  a.body = r.text(row, 10);
  return a;
}

pq_param optional_text(const std::string& s) {
  return s.empty() ? pq_param{} : pq_param{s};
}

} // namespace

postgres_archive::postgres_archive(std::unique_ptr<detail::pq_connection> conn)
    : conn_(std::move(conn)) {}

postgres_archive::~postgres_archive() = default;

expected<void> postgres_archive::check_connection_string(const std::string& conninfo) {
  return detail::pq_connection::check(conninfo);
}

expected<std::unique_ptr<postgres_archive>> postgres_archive::open(const std::string& conninfo) {
  auto conn = detail::pq_connection::connect(conninfo);
  if (!conn)
    return error{conn.error().code, "archive: " + conn.error().message};
  std::unique_ptr<postgres_archive> archive{new postgres_archive(std::move(*conn))};
  if (auto migrated = archive->migrate(); !migrated)
    return migrated.error();
  return archive;
}

expected<void> postgres_archive::migrate() {
  auto& c = *conn_;
  auto fail = [&](const error& e) -> expected<void> {
    (void)c.exec("rolling back the schema migration", "ROLLBACK");
    return error{e.code, "archive: " + e.message};
  };
  if (auto r = c.exec("starting the schema migration", "BEGIN"); !r)
    return error{r.error().code, "archive: " + r.error().message};
  if (auto r = c.exec("locking the schema", migration_lock); !r)
    return fail(r.error());
  if (auto r = c.exec("creating boa_schema_version",
                      "CREATE TABLE IF NOT EXISTS boa_schema_version (version integer NOT NULL)");
      !r)
    return fail(r.error());
  auto current =
      c.exec("reading boa_schema_version", "SELECT max(version) FROM boa_schema_version");
  if (!current)
    return fail(current.error());
  auto version = to_int(current->text(0, 0), 0);
  if (version > schema_version)
    return fail(error{errc::corrupt, "the database holds schema version " +
                                         std::to_string(version) + ", newer than this build's " +
                                         std::to_string(schema_version)});
  if (version < 1) {
    for (const char* statement : schema_v1)
      if (auto r = c.exec("creating boa_archived_jobs (schema version 1)", statement); !r)
        return fail(r.error());
    if (auto r = c.exec("recording the schema version",
                        "INSERT INTO boa_schema_version (version) VALUES ($1)", {"1"});
        !r)
      return fail(r.error());
  }
  if (auto r = c.exec("committing the schema migration", "COMMIT"); !r)
    return error{r.error().code, "archive: " + r.error().message};
  return {};
}

expected<bool> postgres_archive::store(const protocol::job& j, const std::string& body) {
  std::lock_guard guard{mutex_};
  if (auto open = conn_->ensure_open(); !open)
    return error{open.error().code, "archive: " + open.error().message};
  pq_param workflow = std::string(j.workflow ? j.workflow->def.name : "");
  pq_param revision;
  if (j.workflow && j.workflow->def.revision)
    revision = std::to_string(*j.workflow->def.revision);
  pq_param started, node;
  if (!j.history.empty()) {
    started = std::to_string(j.history.front().start_ms);
    node = optional_text(j.history.back().node);
  }
  // One statement is its own transaction: the row is committed when the result comes back.
  auto r = conn_->exec(
      "archiving job " + j.id,
      "INSERT INTO boa_archived_jobs (id, workflow, revision, state, created_ms, started_ms, "
      "ended_ms, duration_ms, parent_id, node, job) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) ON CONFLICT (id) DO NOTHING",
      {j.id, workflow, revision, std::string(protocol::to_string(j.state)),
       std::to_string(j.created_ms), started, std::to_string(j.ended_ms),
       std::to_string(j.ended_ms - j.created_ms), optional_text(j.parent_id), node, body});
  if (!r)
    return error{r.error().code, "archive: " + r.error().message};
  return r->affected() == 1;
}

expected<std::optional<archived_job>> postgres_archive::get(std::string_view id) {
  std::lock_guard guard{mutex_};
  if (auto open = conn_->ensure_open(); !open)
    return error{open.error().code, "archive: " + open.error().message};
  auto r = conn_->exec("reading archived job " + std::string(id),
                       std::string("SELECT ") + columns + " FROM boa_archived_jobs WHERE id = $1",
                       {std::string(id)});
  if (!r)
    return error{r.error().code, "archive: " + r.error().message};
  if (r->rows() == 0)
    return std::optional<archived_job>{};
  return std::optional<archived_job>{read_row(*r, 0)};
}

expected<archive_page> postgres_archive::list(const archive_filter& filter, std::size_t limit,
                                              const std::string& cursor) {
  pq_param after_end, after_id;
  if (!cursor.empty()) {
    auto key = parse_list_cursor(cursor);
    if (!key)
      return error{key.error().code, "archive: " + key.error().message};
    after_end = std::to_string(key->ms);
    after_id = key->id;
  }
  std::lock_guard guard{mutex_};
  if (auto open = conn_->ensure_open(); !open)
    return error{open.error().code, "archive: " + open.error().message};
  // NULL parameters switch their condition off; the row comparison walks the (ended_ms, id) key.
  auto r = conn_->exec(
      "listing archived jobs",
      std::string("SELECT ") + columns +
          " FROM boa_archived_jobs"
          " WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR workflow = $2)"
          " AND ended_ms >= $3::bigint"
          " AND ($4::bigint IS NULL OR (ended_ms, id) < ($4::bigint, $5::text))"
          " ORDER BY ended_ms DESC, id DESC LIMIT $6::bigint",
      {filter.state, filter.workflow, std::to_string(filter.since_ms), after_end, after_id,
       std::to_string(limit)});
  if (!r)
    return error{r.error().code, "archive: " + r.error().message};
  archive_page page;
  for (int row = 0; row < r->rows(); ++row)
    page.jobs.push_back(read_row(*r, row));
  if (limit > 0 && page.jobs.size() == limit)
    page.next_cursor = to_string(list_cursor{page.jobs.back().ended_ms, page.jobs.back().id});
  return page;
}

} // namespace boa::storage
