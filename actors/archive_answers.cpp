#include "actors/archive_answers.hpp"
#include "protocol/secret_properties.hpp"

#include "storage/job_archive.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

namespace boa::actors {

namespace {

namespace json = boost::json;
using protocol::error_reply;
using protocol::ok_reply;

error no_archive(const node_context& ctx) {
  return {errc::not_found, "node '" + ctx.node_id +
                               "' keeps no archive (it runs without a data directory or "
                               "archive.postgres)"};
}

/// Null for what the archive does not know (no revision, no step ran, no parent).
json::value or_null(std::int64_t n, std::int64_t unknown) {
  return n == unknown ? json::value(nullptr) : json::value(n);
}

json::value or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object summary_of(const storage::archived_job& a) {
  return json::object{{"id", a.id},
                      {"workflow", a.workflow},
                      {"revision", or_null(a.revision, -1)},
                      {"state", a.state},
                      {"created_ms", a.created_ms},
                      {"started_ms", or_null(a.started_ms, 0)},
                      {"ended_ms", a.ended_ms},
                      {"duration_ms", a.duration_ms},
                      {"parent", or_null(a.parent_id)},
                      {"node", or_null(a.node)}};
}

} // namespace

protocol::client_reply answer_list_archived(const node_context& ctx, storage::job_archive* archive,
                                            const protocol::client_request& request) {
  if (!archive)
    return error_reply(no_archive(ctx));
  storage::archive_filter filter;
  if (request.state)
    filter.state = protocol::to_string(*request.state);
  if (!request.workflow.empty())
    filter.workflow = request.workflow;
  filter.since_ms = request.since_ms;
  auto page = archive->list(
      filter, static_cast<std::size_t>(std::max<std::int64_t>(request.limit, 1)), request.cursor);
  if (!page) {
    // The only input a list can get wrong is the cursor: say which member it was.
    if (page.error().code == errc::invalid_input)
      return error_reply({errc::invalid_input, "cursor: " + page.error().message});
    return error_reply(page.error());
  }
  json::array jobs;
  jobs.reserve(page->jobs.size());
  for (const auto& a : page->jobs)
    jobs.push_back(summary_of(a));
  return ok_reply(
      json::object{{"jobs", std::move(jobs)},
                   {"next_cursor", page->next_cursor.empty() ? json::value(nullptr)
                                                             : json::value(page->next_cursor)}});
}

protocol::client_reply answer_show_archived(const node_context& ctx, storage::job_archive* archive,
                                            const protocol::client_request& request) {
  if (!archive)
    return error_reply(no_archive(ctx));
  auto found = archive->get(request.job_id);
  if (!found)
    return error_reply(found.error());
  if (!*found)
    return error_reply(
        {errc::not_found,
         "job '" + request.job_id + "' is not in the archive of node '" + ctx.node_id + "'"});
  boost::system::error_code ec;
  auto body = json::parse((*found)->body, ec);
  if (ec)
    return error_reply({errc::corrupt, "job '" + request.job_id +
                                           "': the archived job cannot be read: " + ec.message()});
  return ok_reply(protocol::redact_job_view(std::move(body)));
}

} // namespace boa::actors
