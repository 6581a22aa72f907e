#include "actors/job_store_archive.hpp"

#include "actors/job_records.hpp"
#include "storage/job_store.hpp"

#include <boost/json/parse.hpp>

namespace boa::actors {

namespace {

namespace json = boost::json;

bool has_ended(const storage::job_record& r) {
  auto state = protocol::job_state_from_string(r.state);
  return state && protocol::is_terminal(*state);
}

/// The archive's columns of an ended job's record; when and where its steps ran come from the
/// history in its body (left at 0 and "" if the body cannot be read).
storage::archived_job to_archived(storage::job_record r) {
  storage::archived_job a;
  a.id = std::move(r.id);
  a.workflow = std::move(r.workflow);
  a.revision = r.revision;
  a.state = std::move(r.state);
  a.created_ms = r.created_ms;
  a.ended_ms = r.ended_ms;
  a.duration_ms = r.ended_ms - r.created_ms;
  a.parent_id = std::move(r.parent_id);
  boost::system::error_code ec;
  auto body = json::parse(r.body, ec);
  const auto* history =
      !ec && body.is_object() ? body.get_object().if_contains("history") : nullptr;
  if (history && history->is_array() && !history->get_array().empty()) {
    const auto& steps = history->get_array();
    if (const auto* first = steps.front().if_object())
      if (const auto* start = first->if_contains("start_ms"); start && start->is_int64())
        a.started_ms = start->get_int64();
    if (const auto* last = steps.back().if_object())
      if (const auto* node = last->if_contains("node"); node && node->is_string())
        a.node = std::string(node->get_string());
  }
  a.body = std::move(r.body);
  return a;
}

} // namespace

expected<bool> job_store_archive::store(const protocol::job& j, const std::string& body) {
  // The recorder logs a store failure and goes on (the store is the node's metadata): there is
  // no error to hand back, as before this seam existed.
  recorder_.record(j, body);
  recorder_.flush();
  return true;
}

expected<std::optional<storage::archived_job>> job_store_archive::get(std::string_view id) {
  auto record = store_.get(id);
  if (!record)
    return record.error();
  if (!*record || !has_ended(**record))
    return std::optional<storage::archived_job>{};
  return std::optional<storage::archived_job>{to_archived(std::move(**record))};
}

expected<storage::archive_page> job_store_archive::list(const storage::archive_filter& filter,
                                                        std::size_t limit,
                                                        const std::string& cursor) {
  storage::job_page_query query;
  query.state = filter.state;
  query.since_ms = filter.since_ms;
  query.limit = limit;
  if (!cursor.empty()) {
    auto after = storage::parse_list_cursor(cursor);
    if (!after)
      return error{after.error().code, "archive: " + after.error().message};
    query.after = std::move(*after);
  }
  query.keep = [&filter](const storage::job_record& r) {
    return has_ended(r) && (!filter.workflow || r.workflow == *filter.workflow);
  };
  auto page = store_.page(query);
  if (!page)
    return page.error();
  storage::archive_page out;
  out.jobs.reserve(page->records.size());
  for (auto& r : page->records)
    out.jobs.push_back(to_archived(std::move(r)));
  if (page->next)
    out.next_cursor = storage::to_string(*page->next);
  return out;
}

} // namespace boa::actors
