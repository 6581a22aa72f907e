#include "runtime/amqp/message_codec.hpp"

#include "runtime/amqp/address_map.hpp"

#include <proton/binary.hpp>
#include <proton/duration.hpp>
#include <proton/error.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>
#include <proton/uuid.hpp>
#include <proton/value.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace boa::amqp {

namespace {

constexpr const char* json_content_type = "application/json";

/// A logical address in AMQP syntax; anything else (a client's own reply address) unchanged.
std::string amqp_form(const std::string& address) {
  auto mapped = to_amqp_address(address);
  return mapped ? *mapped : address;
}

/// An AMQP address as a logical one; anything else unchanged.
std::string logical_form(const std::string& address) {
  auto mapped = to_logical_address(address);
  return mapped ? *mapped : address;
}

std::string id_text(const proton::message_id& id) {
  switch (id.type()) {
  case proton::STRING:
    return proton::get<std::string>(id);
  case proton::ULONG:
    return std::to_string(proton::get<std::uint64_t>(id));
  case proton::UUID:
    return proton::get<proton::uuid>(id).str();
  case proton::BINARY: {
    auto bytes = proton::get<proton::binary>(id);
    return std::string(bytes.begin(), bytes.end());
  }
  default:
    return {};
  }
}

expected<std::string> body_text(const proton::value& body) {
  switch (body.type()) {
  case proton::STRING:
    return proton::get<std::string>(body);
  case proton::BINARY: {
    auto bytes = proton::get<proton::binary>(body);
    return std::string(bytes.begin(), bytes.end());
  }
  case proton::NULL_TYPE:
    return error{errc::invalid_input, "AMQP message has no body; boa expects JSON text"};
  default:
    return error{errc::invalid_input, "AMQP message body is of type " +
                                          proton::type_name(body.type()) +
                                          "; boa expects JSON text as a string or binary body"};
  }
}

} // namespace

proton::message to_message(const protocol::envelope& envelope) {
  proton::message m;
  m.body(envelope.body);
  m.content_type(json_content_type);
  if (!envelope.address.empty())
    m.to(amqp_form(envelope.address));
  if (!envelope.subject.empty())
    m.subject(envelope.subject);
  if (!envelope.message_id.empty())
    m.id(envelope.message_id);
  if (!envelope.correlation_id.empty())
    m.correlation_id(envelope.correlation_id);
  if (!envelope.reply_to.empty())
    m.reply_to(amqp_form(envelope.reply_to));
  m.delivery_count(envelope.delivery_count);
  m.durable(protocol::addresses::is_durable_queue(envelope.address));
  if (envelope.ttl_ms != 0)
    m.ttl(proton::duration(envelope.ttl_ms));
  if (!envelope.dead_letter_reason.empty())
    m.properties().put(dead_letter_reason_property, envelope.dead_letter_reason);
  return m;
}

expected<protocol::envelope> to_envelope(const proton::message& message) {
  try {
    auto body = body_text(message.body());
    if (!body)
      return body.error();
    protocol::envelope e;
    e.body = std::move(*body);
    if (auto to = to_logical_address(message.to()))
      e.address = std::move(*to);
    e.subject = message.subject();
    e.message_id = id_text(message.id());
    e.correlation_id = id_text(message.correlation_id());
    if (!message.reply_to().empty())
      e.reply_to = logical_form(message.reply_to());
    e.delivery_count = message.delivery_count();
    // The header's ttl is an AMQP uint: it fits, unless Proton hands back something odd.
    const auto ttl = message.ttl().milliseconds();
    if (ttl > 0)
      e.ttl_ms = static_cast<std::uint32_t>(
          std::min<std::int64_t>(ttl, std::numeric_limits<std::uint32_t>::max()));
    const auto& properties = message.properties();
    if (properties.exists(dead_letter_reason_property)) {
      auto reason = properties.get(dead_letter_reason_property);
      if (reason.type() != proton::STRING)
        return error{errc::invalid_input, std::string("AMQP application property ") +
                                              dead_letter_reason_property + " must be a string"};
      e.dead_letter_reason = proton::get<std::string>(reason);
    }
    return e;
  } catch (const proton::error& failure) {
    // Proton decodes sections lazily and throws on malformed or mistyped ones.
    return error{errc::invalid_input, std::string("malformed AMQP message: ") + failure.what()};
  }
}

} // namespace boa::amqp
