#include "actors/job_store_archive.hpp"

#include "actors/job_records.hpp"

namespace boa::actors {

expected<bool> job_store_archive::store(const protocol::job& j, const std::string& body) {
  // The recorder logs a store failure and goes on (the store is the node's metadata): there is
  // no error to hand back, as before this seam existed.
  recorder_.record(j, body);
  recorder_.flush();
  return true;
}

} // namespace boa::actors
