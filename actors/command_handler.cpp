#include "actors/command_handler.hpp"

#include "actors/hand_back_on_exit.hpp"
#include "actors/messages.hpp"
#include "actors/node_activity.hpp"
#include "protocol/node_command.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

namespace boa::actors {

namespace {

namespace json = boost::json;
using protocol::error_reply;
using protocol::node_command;
using protocol::ok_reply;

/// Commands one handler holds at once, per topic.
constexpr std::uint32_t credit_window = 16;
/// The tag of the publish of a shutdown's reply, whose confirmation starts the shutdown.
constexpr std::uint64_t shutdown_reply_tag = 1;
/// The subscriptions made for the handler: `(subscribed_atom, own topic, all-nodes topic)`.
using subscribed_atom = caf::atom_constant<caf::atom("subscribed")>;
/// The systems a node has, for commands that name one.
constexpr const char* workers_system = "workers";

struct handler_state {
  node_context* ctx = nullptr;
  command_targets targets;
  std::uint64_t own_sub = 0;
  std::uint64_t all_sub = 0;
  bool shutting_down = false;
  static inline const char* name = "boa.command_handler";
};

using handler = caf::stateful_actor<handler_state>;

/// The node's state now: `{"state": "running" | "draining", "heartbeat": {…}}`.
json::value status_of(handler* self) {
  auto& st = self->state;
  auto beat = current_state(*st.ctx, st.targets.identity, 0);
  auto draining = st.ctx->activity && st.ctx->activity->take().draining;
  return json::object{{"state", draining ? "draining" : "running"},
                      {"heartbeat", json::parse(protocol::serialize_heartbeat(beat))}};
}

void reply(handler* self, const protocol::envelope& command, const protocol::client_reply& r) {
  if (command.reply_to.empty())
    return;
  auto& st = self->state;
  st.ctx->bus->publish(protocol::node_reply_envelope(command, {st.ctx->node_id, r}), caf::actor{},
                       0);
}

void reply_status(handler* self, const protocol::envelope& command) {
  reply(self, command, ok_reply(status_of(self)));
}

void reply_error(handler* self, const protocol::envelope& command, errc code, std::string why) {
  reply(self, command, error_reply({code, std::move(why)}));
}

/// Asks the dispatcher to pause or resume, then answers with the node's state (and runs `then`
/// after a successful step, for restart).
template <class Atom>
void steer_dispatcher(handler* self, protocol::envelope command, Atom what,
                      std::function<void()> then = {}) {
  auto& st = self->state;
  self->request(st.targets.dispatcher, std::chrono::seconds(10), what)
      .then(
          [self, command, then](bool ok, std::string& why) {
            if (!ok)
              return reply_error(self, command, errc::invalid_input, why);
            if (then)
              return then();
            reply_status(self, command);
          },
          [self, command](caf::error& err) {
            reply_error(self, command, errc::internal,
                        "the job dispatcher did not answer: " + self->system().render(err));
          });
}

void resize_workers(handler* self, const protocol::envelope& command, const node_command& c) {
  auto& st = self->state;
  auto on_answer = [self, command](bool ok, std::int64_t, std::string& why) {
    if (!ok)
      return reply_error(self, command, errc::invalid_input, why);
    reply_status(self, command);
  };
  auto on_error = [self, command](caf::error& err) {
    reply_error(self, command, errc::internal,
                "the worker pool did not answer: " + self->system().render(err));
  };
  if (c.what == node_command::kind::workers_add)
    self->request(st.ctx->worker_pool, std::chrono::seconds(10), workers_add_atom::value, c.count)
        .then(on_answer, on_error);
  else
    self->request(st.ctx->worker_pool, std::chrono::seconds(10), workers_remove_atom::value,
                  c.count)
        .then(on_answer, on_error);
}

void act(handler* self, const protocol::envelope& command, const node_command& c) {
  using kind = node_command::kind;
  auto& st = self->state;
  if (!c.system.empty() && c.system != workers_system)
    return reply_error(self, command, errc::invalid_input,
                       "node '" + st.ctx->node_id + "' has no system '" + c.system +
                           "' (known: " + workers_system + ")");
  switch (c.what) {
  case kind::status:
    return reply_status(self, command);
  case kind::workers_add:
  case kind::workers_remove:
    return resize_workers(self, command, c);
  case kind::system_stop:
    return steer_dispatcher(self, command, pause_atom::value);
  case kind::system_start:
    return steer_dispatcher(self, command, resume_atom::value);
  case kind::system_restart:
    return steer_dispatcher(self, command, pause_atom::value, [self, command] {
      steer_dispatcher(self, command, resume_atom::value);
    });
  case kind::drain:
    // The steps running finish in their own time; the answer need not wait for them. The pause
    // that follows (refused: the node drains) answers once the dispatcher has begun to drain, so
    // that the status replied shows it.
    self->request(st.targets.dispatcher, caf::infinite, drain_atom::value)
        .then([] {}, [](caf::error&) {});
    return self->request(st.targets.dispatcher, std::chrono::seconds(10), pause_atom::value)
        .then([self, command](bool, std::string&) { reply_status(self, command); },
              [self, command](caf::error&) { reply_status(self, command); });
  case kind::shutdown: {
    if (!st.targets.on_shutdown_requested)
      return reply_error(self, command, errc::invalid_input,
                         "node '" + st.ctx->node_id + "' cannot be shut down by a command");
    if (st.shutting_down)
      return reply_status(self, command);
    st.shutting_down = true;
    spdlog::info("shutdown requested by a node command ({})", command.message_id);
    if (command.reply_to.empty()) {
      st.targets.on_shutdown_requested();
      return;
    }
    // The reply goes out first: the node stops once the broker has it.
    st.ctx->bus->publish(
        protocol::node_reply_envelope(command, {st.ctx->node_id, ok_reply(status_of(self))}),
        caf::actor_cast<caf::actor>(self), shutdown_reply_tag);
    return;
  }
  case kind::list_jobs:
  case kind::show_job:
    return reply(self, command, answer_request(*st.ctx, st.targets.sources, c.query));
  }
}

void on_command(handler* self, bus::delivery& d) {
  auto& st = self->state;
  st.ctx->bus->add_credit(d.subscription, 1);
  auto command = protocol::parse_node_command(d.message.body);
  if (!command) {
    spdlog::warn("dead-lettering node command {}: {}", d.message.message_id,
                 command.error().message);
    reply(self, d.message, error_reply(command.error()));
    st.ctx->bus->settle(d.tag, bus::settlement::reject,
                        "cannot decode node command: " + command.error().message);
    return;
  }
  // This node's own copy of the command: taken once read, whatever acting on it brings.
  st.ctx->bus->settle(d.tag, bus::settlement::accept);
  act(self, d.message, *command);
}

caf::behavior command_handler(handler* self, node_context* ctx, command_targets targets) {
  auto& st = self->state;
  st.ctx = ctx;
  st.targets = std::move(targets);
  hand_back_on_exit(self, [self] {
    auto& st = self->state;
    for (auto sub : {st.own_sub, st.all_sub})
      if (sub != 0)
        st.ctx->bus->unsubscribe(sub);
  });
  return {
      [self](delivery_atom, bus::delivery& d) { on_command(self, d); },
      [self](subscribed_atom, std::uint64_t own_sub, std::uint64_t all_sub) {
        self->state.own_sub = own_sub;
        self->state.all_sub = all_sub;
      },
      [self](published_atom, std::uint64_t tag, bool ok, std::string& error) {
        if (tag != shutdown_reply_tag)
          return;
        if (!ok)
          spdlog::warn("the reply to a shutdown command could not be delivered: {}", error);
        self->state.targets.on_shutdown_requested();
      },
  };
}

} // namespace

caf::actor spawn_command_handler(caf::actor_system& system, node_context& ctx,
                                 command_targets targets) {
  // Detached: list-jobs and show-job read RocksDB, which may block for a while.
  auto handler = ctx.detach_blocking_actors
                     ? system.spawn<caf::detached>(command_handler, &ctx, std::move(targets))
                     : system.spawn(command_handler, &ctx, std::move(targets));
  // Subscribed here rather than when its thread starts, so that no command published once this
  // returns passes the node by: what arrives meanwhile waits in the handler's mailbox.
  std::uint64_t subs[2] = {0, 0};
  const std::string addresses[2] = {protocol::node_address(ctx.node_id),
                                    protocol::all_nodes_address};
  for (int i = 0; i < 2; ++i) {
    auto sub = ctx.bus->subscribe(addresses[i], handler, credit_window);
    if (sub)
      subs[i] = *sub;
    else
      spdlog::critical("command handler cannot subscribe to {}: {}", addresses[i],
                       sub.error().message);
  }
  caf::anon_send(handler, subscribed_atom::value, subs[0], subs[1]);
  return handler;
}

} // namespace boa::actors
