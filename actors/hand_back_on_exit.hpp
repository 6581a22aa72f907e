#pragma once

#include <caf/exit_reason.hpp>

#include <exception>
#include <utility>

namespace boa::actors {

/// Makes `self` run `hand_back` whenever it leaves, by an exit message or by an exception out of a
/// handler, so that the deliveries it holds go back to the broker for someone else.
template <class Self, class HandBack> void hand_back_on_exit(Self* self, HandBack hand_back) {
  self->set_exit_handler([self, hand_back](caf::exit_msg& msg) {
    hand_back();
    self->quit(msg.reason);
  });
  self->set_exception_handler([hand_back](std::exception_ptr&) -> caf::error {
    hand_back();
    return caf::exit_reason::unhandled_exception;
  });
}

} // namespace boa::actors
