#include "runtime/http/node_proxy.hpp"

#include "actors/messages.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include <atomic>

namespace boa::http {

namespace {

/// A node-reply handed from the receiving actor to the request waiting for it.
using proxied_reply_atom = caf::atom_constant<caf::atom("pxreply")>;

/// Replies the receiver may hold before it settles them: each is settled at once, so a few do.
constexpr std::uint32_t reply_credit = 16;

} // namespace

/// What the receiving actor and the asking threads share: who waits for which message id.
struct node_proxy::shared_state {
  std::mutex mutex;
  std::map<std::string, caf::actor, std::less<>> waiting;
  std::atomic<std::uint64_t> sent{0};
};

node_proxy::node_proxy(caf::actor_system& system, bus::bus& bus, std::string node_id)
    : system_(system), bus_(bus), node_id_(std::move(node_id)),
      reply_queue_("queue:boa.reply." + node_id_ + "-http"),
      state_(std::make_shared<shared_state>()) {}

node_proxy::~node_proxy() {
  close();
}

void node_proxy::close() {
  std::lock_guard lock{subscribe_mutex_};
  closed_ = true;
  if (subscription_)
    bus_.unsubscribe(*subscription_);
  subscription_.reset();
  if (receiver_)
    caf::anon_send_exit(receiver_, caf::exit_reason::user_shutdown);
  receiver_ = nullptr;
}

expected<void> node_proxy::ensure_subscribed() {
  std::lock_guard lock{subscribe_mutex_};
  if (closed_)
    return error{errc::io, "the node is stopping: it sends no more commands"};
  if (subscription_)
    return {};
  if (!receiver_) {
    auto* bus = &bus_;
    receiver_ = system_.spawn([state = state_, bus]() -> caf::behavior {
      return caf::behavior{[state, bus](actors::delivery_atom, const bus::delivery& d) {
        // A reply is only ever of use to the request waiting now: settled at once.
        bus->settle(d.tag, bus::settlement::accept);
        bus->add_credit(d.subscription, 1);
        caf::actor waiter;
        {
          std::lock_guard lock{state->mutex};
          auto it = state->waiting.find(d.message.correlation_id);
          if (it != state->waiting.end())
            waiter = it->second;
        }
        if (waiter)
          caf::anon_send(waiter, proxied_reply_atom::value, d.message.body);
        else
          spdlog::debug("node proxy: dropping reply {} that no request waits for",
                        d.message.correlation_id);
      }};
    });
  }
  auto sub = bus_.subscribe(reply_queue_, receiver_, reply_credit);
  if (!sub)
    return error{errc::io,
                 "cannot receive node replies at " + reply_queue_ + ": " + sub.error().message};
  subscription_ = *sub;
  return {};
}

expected<protocol::node_reply> node_proxy::ask(std::string_view node,
                                               const protocol::node_command& command,
                                               std::chrono::milliseconds timeout) {
  if (auto ready = ensure_subscribed(); !ready)
    return ready.error();
  caf::scoped_actor self{system_};
  protocol::envelope message;
  message.address = protocol::node_address(node);
  message.subject = protocol::node_command_type;
  message.message_id = node_id_ + "-proxy-" + std::to_string(++state_->sent);
  message.reply_to = reply_queue_;
  message.body = protocol::serialize_node_command(command);
  const auto id = message.message_id;
  {
    std::lock_guard lock{state_->mutex};
    state_->waiting.emplace(id, caf::actor{self});
  }
  struct forget_on_exit {
    shared_state& state;
    const std::string& id;
    ~forget_on_exit() {
      std::lock_guard lock{state.mutex};
      state.waiting.erase(id);
    }
  } forget{*state_, id};

  bus_.publish(std::move(message), caf::actor{self}, 1);
  expected<protocol::node_reply> result =
      error{errc::timeout, "node '" + std::string(node) + "' did not answer within " +
                               std::to_string(timeout.count()) + " ms"};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (!done) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      break;
    self->receive(
        [&](actors::published_atom, std::uint64_t, bool ok, std::string& why) {
          if (!ok) {
            result = error{errc::io, "the broker refused the command: " + why};
            done = true;
          }
        },
        [&](proxied_reply_atom, std::string& body) {
          result = protocol::parse_node_reply(body);
          done = true;
        },
        caf::after(left) >> [&] { done = true; });
  }
  return result;
}

} // namespace boa::http
