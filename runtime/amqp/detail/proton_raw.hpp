#pragma once

#include <proton/condition.h>
#include <proton/connection.hpp>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/error_condition.hpp>
#include <proton/link.h>
#include <proton/link.hpp>
#include <proton/transfer.hpp>

#include <string>

namespace boa::amqp::detail {

// Proton C++ 0.37 exposes neither the error condition of a disposition, nor the settle mode a
// peer asks for, nor a connection's proactor. Every wrapper keeps its C object behind a protected
// accessor; a pointer to that member, formed in a derived class as the language allows, reaches it
// without copying Proton's private headers.

// Proton's inline accessor casts its stored pointer in a way GCC's -Wstrict-aliasing flags at -O2
// and above once inlined here; the object it reads is the C object, never accessed as another type.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-aliasing"

struct raw_transfer : proton::transfer {
  static pn_delivery_t* of(const proton::transfer& t) { return (t.*(&raw_transfer::pn_object))(); }
};

struct raw_connection : proton::connection {
  static pn_connection_t* of(const proton::connection& c) {
    return (c.*(&raw_connection::pn_object))();
  }
};

struct raw_link : proton::link {
  static pn_link_t* of(const proton::link& l) { return (l.*(&raw_link::pn_object))(); }
};

#pragma GCC diagnostic pop

/// Settles a received delivery as rejected, with `why` as the error the peer sees.
inline void reject_with(const proton::transfer& delivery, const proton::error_condition& why) {
  auto* d = raw_transfer::of(delivery);
  auto* condition = pn_disposition_condition(pn_delivery_local(d));
  pn_condition_set_name(condition, why.name().c_str());
  pn_condition_set_description(condition, why.description().c_str());
  pn_delivery_update(d, PN_REJECTED);
  pn_delivery_settle(d);
}

/// Why the peer rejected or modified a delivery: the description of the error it attached, else
/// the error's name, else empty.
inline std::string remote_reason(const proton::transfer& delivery) {
  auto* condition = pn_disposition_condition(pn_delivery_remote(raw_transfer::of(delivery)));
  if (!condition || !pn_condition_is_set(condition))
    return {};
  if (const char* description = pn_condition_get_description(condition);
      description && *description)
    return description;
  const char* name = pn_condition_get_name(condition);
  return name ? name : "";
}

/// Whether the peer of a sending link asked for pre-settled (at-most-once) deliveries.
inline bool peer_wants_presettled(const proton::link& link) {
  return pn_link_remote_snd_settle_mode(raw_link::of(link)) == PN_SND_SETTLED;
}

} // namespace boa::amqp::detail
