#include "storage/job_folders.hpp"

#include <cstdio>
#include <string>

namespace boa::storage {

namespace {

constexpr std::size_t max_id_size = 128;

bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

/// The id as a message can show it: control and non-ASCII bytes escaped, long ids cut short.
std::string shown(std::string_view id) {
  std::string out;
  for (std::size_t i = 0; i < id.size() && i < 40; ++i) {
    auto byte = static_cast<unsigned char>(id[i]);
    if (byte < 0x20 || byte >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out.push_back(id[i]);
    }
  }
  if (id.size() > 40)
    out += "...";
  return out;
}

error bad_id(std::string_view id, const std::string& why) {
  return error(errc::invalid_input,
               "job id '" + shown(id) + "' " + why +
                   "; a job id is 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-' and does "
                   "not start with '.'");
}

error io_error(const std::string& doing, const std::filesystem::path& path,
               const std::error_code& ec) {
  return error(errc::io, doing + " '" + path.string() + "': " + ec.message());
}

} // namespace

expected<void> validate_job_id(std::string_view id) {
  if (id.empty())
    return bad_id(id, "is empty");
  if (id.size() > max_id_size)
    return bad_id(id, "is " + std::to_string(id.size()) + " characters long");
  if (id.front() == '.')
    return bad_id(id, "starts with '.'");
  for (std::size_t i = 0; i < id.size(); ++i)
    if (!allowed(id[i]))
      return bad_id(id, "holds '" + shown(id.substr(i, 1)) + "' at position " + std::to_string(i));
  return {};
}

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
