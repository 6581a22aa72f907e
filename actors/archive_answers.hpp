#pragma once

#include "actors/node_context.hpp"
#include "protocol/client_messages.hpp"

namespace boa::storage {
class job_archive;
}

namespace boa::actors {

/// The answers to list-archived and show-archived (protocol/client_messages.hpp) from `archive`,
/// which may be null (the node keeps no archive: an error reply says so). Never throws.
protocol::client_reply answer_list_archived(const node_context& ctx, storage::job_archive* archive,
                                            const protocol::client_request& request);
protocol::client_reply answer_show_archived(const node_context& ctx, storage::job_archive* archive,
                                            const protocol::client_request& request);

} // namespace boa::actors
