#include "storage/job_folders.hpp"

#include <string>

namespace boa::storage {

namespace {

error io_error(const std::string& doing, const std::filesystem::path& path,
               const std::error_code& ec) {
  return error(errc::io, doing + " '" + path.string() + "': " + ec.message());
}

} // namespace

job_folders::job_folders(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (auto absolute = std::filesystem::absolute(root_, ec); !ec)
    root_ = absolute.lexically_normal();
}

expected<bool> job_folders::inspect(std::string_view id) const {
  auto folder = root_ / id;
  std::error_code ec;
  auto status = std::filesystem::symlink_status(folder, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    return false;
  if (ec)
    return io_error("cannot inspect job folder", folder, ec);
  if (std::filesystem::is_symlink(status))
    return error(errc::io, "job folder '" + folder.string() +
                               "' is a symbolic link; refusing to follow it out of the job root");
  if (!std::filesystem::is_directory(status))
    return error(errc::io, "job folder '" + folder.string() + "' is not a directory");
  auto real_root = std::filesystem::canonical(root_, ec);
  if (ec)
    return io_error("cannot resolve job root", root_, ec);
  auto real = std::filesystem::canonical(folder, ec);
  if (ec)
    return io_error("cannot resolve job folder", folder, ec);
  if (real != real_root / id)
    return error(errc::io, "job folder '" + folder.string() + "' resolves to '" + real.string() +
                               "', outside the job root '" + real_root.string() + "'");
  return true;
}

expected<std::filesystem::path> job_folders::path_for(std::string_view id) const {
  if (auto valid = validate_job_id(id); !valid)
    return std::move(valid).error();
  if (auto there = inspect(id); !there)
    return std::move(there).error();
  return root_ / id;
}

expected<std::filesystem::path> job_folders::create(std::string_view id) const {
  if (auto valid = validate_job_id(id); !valid)
    return std::move(valid).error();
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec)
    return io_error("cannot create job root", root_, ec);
  auto folder = root_ / id;
  std::filesystem::create_directory(folder, ec);
  // Whatever is there now, made by us or already in the way, must be a plain folder in the root.
  auto there = inspect(id);
  if (!there)
    return std::move(there).error();
  if (!*there)
    return io_error("cannot create job folder", folder, ec);
  return folder;
}

expected<void> job_folders::remove(std::string_view id) const {
  if (auto valid = validate_job_id(id); !valid)
    return valid;
  auto there = inspect(id);
  if (!there)
    return std::move(there).error();
  if (!*there)
    return {};
  auto folder = root_ / id;
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  if (ec)
    return io_error("cannot remove job folder", folder, ec);
  return {};
}

} // namespace boa::storage
