#pragma once

#include "protocol/client_messages.hpp"
#include "protocol/expected.hpp"
#include "runtime/http/http_reply.hpp"

#include <string_view>

namespace boa::http {

/// `{"error": {"code": ..., "message": ..., "errors": [{"path", "message"}]}}` with the status
/// `status_of` gives `e`: one entry per line of `e`, the path being what comes before its first
/// `: ` when that has no space (`definition.steps[1].run`). `strip_prefix` is taken off each line
/// first (the `start-job: ` a decoder puts before paths that mean nothing to an HTTP client).
http_reply invalid_input(const error& e, std::string_view strip_prefix = {});

/// 400 `invalid_input` for one problem at `path` (a member or query parameter; empty: the body
/// itself), whatever characters the path holds.
http_reply invalid_input_at(std::string_view path, std::string_view message);

/// A node's answer to a client request as HTTP: as `from_client_reply`, except that invalid input
/// lists the paths of its problems as `invalid_input` does.
http_reply from_node_answer(const protocol::client_reply& reply, unsigned ok_status = 200);

} // namespace boa::http
