#include "tools/boactl/exit_codes.hpp"

namespace boa::boactl {

exit_code exit_code_of_client_error(const error& e) {
  switch (e.code) {
  case errc::invalid_input:
  case errc::not_found:
    return exit_bad_input;
  default:
    return exit_unreachable;
  }
}

exit_code exit_code_of_node_error(errc code) {
  switch (code) {
  case errc::invalid_input:
  case errc::not_found:
    return exit_bad_input;
  default:
    return exit_failed;
  }
}

exit_code exit_code_of_job(protocol::job_state state) {
  return state == protocol::job_state::finished ? exit_ok : exit_failed;
}

} // namespace boa::boactl
