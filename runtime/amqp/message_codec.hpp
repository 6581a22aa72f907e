#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <proton/message.hpp>

namespace boa::amqp {

/// The application property that carries `envelope::dead_letter_reason`.
inline constexpr const char* dead_letter_reason_property = "x-boa-dead-letter-reason";

/// The AMQP message of an envelope, per the wire conventions: the JSON body as an AMQP string,
/// `subject`, `message-id`, `correlation-id`, `reply-to`, `content-type: application/json`, the
/// delivery count and the ttl (if not 0) in the header, the header's `durable` set for messages to
/// durable queues (`protocol::addresses::is_durable_queue`) and clear for any other address, the
/// dead-letter reason as an application property. `to` and
/// `reply-to` carry logical addresses in AMQP syntax (`queue:x` -> `/queue/x`); a reply-to that
/// is no logical address travels unchanged.
proton::message to_message(const protocol::envelope& envelope);

/// The envelope an AMQP message carries. The body may be an AMQP string or binary (a data
/// section) holding JSON text; any other body is refused (`errc::invalid_input`). The address
/// comes from `to` when that is a broker address this side understands, else it stays empty for
/// the caller to fill in (a link's own address wins over `to`). Ids of any AMQP id type (string,
/// ulong, uuid, binary) become text. The header's `ttl` becomes `ttl_ms`; its `durable` is
/// not read, as the address decides.
expected<protocol::envelope> to_envelope(const proton::message& message);

} // namespace boa::amqp
