#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace boa::test {

/// A fresh directory under the system temp directory, removed with everything in it at the end.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "boa-test") {
    auto name = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(name.data()))
      throw std::runtime_error("cannot create a temporary directory");
    path_ = std::filesystem::canonical(name); // stable even if the temp directory is a link
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace boa::test
