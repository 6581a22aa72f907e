#pragma once

#include "protocol/expected.hpp"
#include "protocol/workflow.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boa::storage {

/// Accepts 1 to 128 characters of A-Z a-z 0-9 '.' '_' '-' not starting with '.': the name of a
/// workflow in a repository is always a single, ordinary folder name. errc::invalid_input saying
/// what is allowed otherwise.
expected<void> validate_workflow_name(std::string_view name);

/// One stored revision of a workflow, as listed (not its definition).
struct revision_info {
  std::string name;
  std::int64_t revision = 0;
  std::string notes;
  std::string pushed_by;                 ///< empty when the pusher gave none
  std::optional<std::int64_t> pushed_ms; ///< ms since the epoch; absent without metadata
};

/// The outcome of a push that stored a revision.
struct pushed_revision {
  revision_info info;
  protocol::workflow_ptr workflow; ///< the stored definition, decoded
  /// Warnings about the definition (e.g. unreachable steps) and, rarely, about metadata that could
  /// not be written: neither prevents the revision, which is stored either way.
  std::vector<std::string> warnings;
};

/// Optional details of a push.
struct push_origin {
  std::string pushed_by; ///< kept in the metadata when not empty
  /// Names the definition in problems (say, the file it was read from); `workflow 'NAME'` if empty.
  std::string source;
};

/// A folder of workflow definitions with numbered revisions, which any number of repository
/// objects, threads and processes (on one host or several sharing the file system) may use at once:
///
///     <root>/<name>/<revision>.json       the definition, with "revision": <revision> set
///     <root>/<name>/<revision>.meta.json  notes, pushed_ms, pushed_by (may be missing)
///
/// A stored revision is never changed, so decoded ones are cached and a workflow_ptr handed out
/// stays as it is; what exists is read from the folder on every call that needs it, so revisions
/// pushed elsewhere are seen at once (over NFS, once the client's directory cache has expired).
/// Every member is safe to call concurrently.
class workflow_repository {
public:
  using clock = std::function<std::int64_t()>; ///< ms since the epoch

  /// A repository in `root`, created by the first push. `now_ms` stamps pushes (system clock if
  /// empty).
  explicit workflow_repository(std::filesystem::path root, clock now_ms = {});

  workflow_repository(const workflow_repository&) = delete;
  workflow_repository& operator=(const workflow_repository&) = delete;

  const std::filesystem::path& root() const { return root_; }

  /// Validates a definition (JSON text) and stores it as the next revision of the workflow it
  /// names; its own `revision` member, if any, is replaced. Two pushes never get the same number,
  /// whoever makes them. errc::invalid_input listing every problem (`SOURCE: PATH: REASON`, one a
  /// line) when the definition is not valid; nothing is stored then.
  expected<pushed_revision> push(std::string_view definition, std::string_view notes = {},
                                 const push_origin& origin = {});

  /// The names of the workflows that have at least one revision, sorted.
  expected<std::vector<std::string>> names() const;

  /// Every revision of `name`, oldest first; errc::not_found if it has none.
  expected<std::vector<revision_info>> revisions(std::string_view name) const;

  /// What is known about one revision; errc::not_found naming the latest if there is no such one.
  expected<revision_info> info(std::string_view name, std::int64_t revision) const;

  /// The newest revision of `name`, decoded.
  expected<protocol::workflow_ptr> latest(std::string_view name) const;

  /// Revision `revision` of `name`, decoded; the same pointer every time.
  expected<protocol::workflow_ptr> get(std::string_view name, std::int64_t revision) const;

  /// `name` (its latest revision) or `name@revision`: what a map step names as its sub-workflow.
  expected<protocol::workflow_ptr> resolve(std::string_view ref) const;

private:
  /// Revision `revision` of `name` from the open folder `folder_fd`, through the cache.
  expected<protocol::workflow_ptr> load(int folder_fd, const std::string& name,
                                        std::int64_t revision) const;
  /// The same for what is known about it; metadata missing on disk is not cached.
  expected<revision_info> load_info(int folder_fd, const std::string& name,
                                    std::int64_t revision) const;
  /// errc::not_found for a workflow with no revisions, saying which names exist.
  error unknown_name(std::string_view name) const;
  /// errc::not_found for a revision that is not in the open folder, naming the latest.
  error unknown_revision(int folder_fd, const std::string& name, std::int64_t revision) const;

  using key = std::pair<std::string, std::int64_t>;

  std::filesystem::path root_;
  clock now_ms_;
  mutable std::mutex mutex_; ///< guards the caches only; files are read and written outside it
  mutable std::map<key, protocol::workflow_ptr> workflows_;
  mutable std::map<key, revision_info> infos_; ///< those whose metadata was found
};

} // namespace boa::storage
