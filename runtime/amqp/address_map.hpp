#pragma once

#include "protocol/expected.hpp"

#include <string>
#include <string_view>

namespace boa::amqp {

/// The AMQP form of a logical bus address, in the syntax of RabbitMQ 3.10's AMQP 1.0 plugin so
/// the same client code works against boa's embedded broker and RabbitMQ:
/// `queue:NAME` -> `/queue/NAME`, `topic:KEY` -> `/topic/KEY`. A `/` inside a name or key is
/// written `%2F`, as RabbitMQ splits addresses on `/`. Fails (`errc::invalid_input`) for an
/// address that is neither a queue nor a topic, or that has an empty name.
expected<std::string> to_amqp_address(std::string_view logical);

/// The logical bus address an AMQP address names: `/queue/NAME` -> `queue:NAME`; `/topic/KEY`
/// and `/exchange/amq.topic/KEY` -> `topic:KEY`; `%2F` inside a name stands for `/`. Fails with
/// `errc::not_found` for an address of any other kind and with `errc::invalid_input` for a
/// malformed one (empty or extra segments); the message names the address.
expected<std::string> to_logical_address(std::string_view amqp);

} // namespace boa::amqp
