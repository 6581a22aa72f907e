#include "actors/job_records.hpp"

#include "storage/job_store.hpp"

#include <spdlog/spdlog.h>

namespace boa::actors {

void record_job(storage::job_store& store, const protocol::job& j, const std::string& body) {
  storage::job_record r;
  r.id = j.id;
  r.state = protocol::to_string(j.state);
  if (j.workflow) {
    r.workflow = j.workflow->def.name;
    r.revision = j.workflow->def.revision.value_or(-1);
  }
  r.step = j.step;
  r.parent_id = j.parent_id;
  r.created_ms = j.created_ms;
  r.updated_ms = j.updated_ms;
  r.ended_ms = j.ended_ms;
  r.body = body;
  if (auto ok = store.put(r); !ok)
    spdlog::warn("job store: cannot record job {}: {}", j.id, ok.error().message);
}

} // namespace boa::actors
