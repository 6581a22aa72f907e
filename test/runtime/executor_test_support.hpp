#pragma once

// Requests and job directories for the executor tests.

#include "../support/temp_dir.hpp"

#include "protocol/step_io.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <string_view>

namespace boa::runtime::test {

/// A request for one attempt of a step of `kind` with `args` given as JSON text.
inline protocol::step_request make_request(std::string kind, std::string_view args_json = "{}") {
  protocol::step_request request;
  request.job_id = "job-1";
  request.step_id = "step-1";
  request.attempt = 1;
  request.run.kind = std::move(kind);
  request.run.args = boost::json::parse(args_json).as_object();
  return request;
}

using boa::test::temp_dir;

} // namespace boa::runtime::test
