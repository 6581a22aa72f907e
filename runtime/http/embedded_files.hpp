#pragma once

#include <span>
#include <string_view>

namespace boa::http {

/// A file compiled into the binary (cmake/embed_files.cmake): its path under the folder it came
/// from, and its bytes.
struct embedded_file {
  std::string_view name;
  std::string_view bytes;
};

/// The dashboard's files (runtime/http/dashboard/), generated at build time.
std::span<const embedded_file> dashboard_files();

} // namespace boa::http
