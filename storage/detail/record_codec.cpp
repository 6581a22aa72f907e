#include "storage/detail/record_codec.hpp"

#include "storage/detail/binary_codec.hpp"

#include <cstdint>

namespace boa::storage::detail {

namespace {

error damaged(std::string_view id, const std::string& why) {
  return error(errc::corrupt,
               "job '" + std::string(id) + "': stored record cannot be decoded: " + why);
}

} // namespace

std::string encode_record(const job_record& r) {
  std::string out;
  out.reserve(r.state.size() + r.workflow.size() + r.step.size() + r.parent_id.size() +
              r.folder.size() + r.body.size() + 40);
  put_string(out, r.state);
  put_string(out, r.workflow);
  put_int(out, r.revision);
  put_string(out, r.step);
  put_string(out, r.parent_id);
  put_string(out, r.folder);
  put_int(out, r.created_ms);
  put_int(out, r.updated_ms);
  put_int(out, r.ended_ms);
  put_string(out, r.body);
  return out;
}

expected<job_record> decode_record(std::string_view id, std::string_view bytes) {
  job_record r;
  r.id = id;
  binary_reader in(bytes, "record");
  in.read("state", r.state);
  in.read("workflow", r.workflow);
  in.read("revision", r.revision);
  in.read("step", r.step);
  in.read("parent_id", r.parent_id);
  in.read("folder", r.folder);
  in.read("created_ms", r.created_ms);
  in.read("updated_ms", r.updated_ms);
  in.read("ended_ms", r.ended_ms);
  in.read("body", r.body);
  if (in.failure())
    return damaged(id, *in.failure());
  if (!in.at_end())
    return damaged(id, "bytes after the body");
  return r;
}

expected<record_head> decode_record_head(std::string_view id, std::string_view bytes) {
  record_head head;
  std::int64_t ignored = 0;
  binary_reader in(bytes, "record");
  in.read("state", head.state);
  in.skip("workflow");
  in.read("revision", ignored);
  in.skip("step");
  in.skip("parent_id");
  in.skip("folder");
  in.read("created_ms", ignored);
  in.read("updated_ms", head.updated_ms);
  if (in.failure())
    return damaged(id, *in.failure());
  return head;
}

} // namespace boa::storage::detail
