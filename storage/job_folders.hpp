#pragma once

#include "protocol/expected.hpp"
#include "protocol/job_id.hpp"

#include <filesystem>
#include <string_view>

namespace boa::storage {

/// The rule lives with the job ids themselves, in protocol/: a single, ordinary file name.
using protocol::validate_job_id;

/// One folder per job, `<root>/<id>`, created on demand. A job id can never reach outside the
/// root: ids are validated, and a folder that resolves elsewhere (say, through a symbolic link
/// planted in the root) is refused.
class job_folders {
public:
  explicit job_folders(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  /// The folder of job `id`, whether or not it exists yet.
  expected<std::filesystem::path> path_for(std::string_view id) const;

  /// Creates the folder of job `id` (and the root) if missing and returns its path.
  expected<std::filesystem::path> create(std::string_view id) const;

  /// Removes the folder of job `id` with everything in it; succeeds if there is none.
  expected<void> remove(std::string_view id) const;

private:
  /// Whether the folder of a valid `id` exists; an error if something is there but is not a plain
  /// directory resolving to exactly `<canonical root>/<id>`.
  expected<bool> inspect(std::string_view id) const;

  std::filesystem::path root_;
};

} // namespace boa::storage
