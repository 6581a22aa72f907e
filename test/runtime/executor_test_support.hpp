#pragma once

// Requests and job directories for the executor tests.

#include "protocol/step_io.hpp"

#include <boost/json/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

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

/// A fresh directory, removed with everything in it at the end of the scope.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "boa-exec-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed");
    path_ = std::filesystem::canonical(pattern);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace boa::runtime::test
