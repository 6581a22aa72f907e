#include "runtime/data_dir_check.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace boa::runtime {

namespace {

error unusable(const std::filesystem::path& dir, const std::string& why) {
  return error{errc::io, fmt::format("data directory {}: {}", dir.string(), why)};
}

} // namespace

expected<void> check_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return unusable(dir, "cannot create it: " + ec.message());
  if (!std::filesystem::is_directory(dir, ec))
    return unusable(dir, "not a directory");

  auto probe = (dir / ".boa-write-probe").string();
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return unusable(dir, std::string("not writable: ") + std::strerror(errno));
  const char byte = 0;
  bool written = ::write(fd, &byte, 1) == 1 && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!written)
    return unusable(dir, std::string("cannot write: ") + std::strerror(saved));

  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    auto free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes < min_free_bytes)
      return unusable(dir, fmt::format("only {} MiB free; a node needs at least {} MiB",
                                       free_bytes >> 20, min_free_bytes >> 20));
  }
  return {};
}

} // namespace boa::runtime
