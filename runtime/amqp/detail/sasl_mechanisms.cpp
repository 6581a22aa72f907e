#include "runtime/amqp/detail/sasl_mechanisms.hpp"

#include <proton/netaddr.h>
#include <proton/sasl_plugin.h>
#include <proton/transport.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace boa::amqp::detail {

namespace {

constexpr std::string_view anonymous = "ANONYMOUS";
constexpr std::string_view external = "EXTERNAL";
constexpr std::string_view plain = "PLAIN";

std::mutex listeners_mutex;
std::map<std::uint16_t, std::shared_ptr<const broker_users>>& listeners() {
  static std::map<std::uint16_t, std::shared_ptr<const broker_users>> by_port;
  return by_port;
}

/// What one transport keeps while it logs in: the bytes it sent or the user it accepted (Proton
/// keeps pointers to both) and, on a server, the users it checks against.
struct login_state {
  std::string bytes_out;
  std::string user;
  std::shared_ptr<const broker_users> users; ///< null: ANONYMOUS (and EXTERNAL) only
};

login_state& state_of(pn_transport_t* t) {
  auto* state = static_cast<login_state*>(pnx_sasl_get_context(t));
  if (!state) {
    state = new login_state;
    pnx_sasl_set_context(t, state);
  }
  return *state;
}

std::uint16_t local_port(pn_transport_t* t) {
  const auto* address = pn_transport_local_addr(t);
  const auto* sa = address ? pn_netaddr_sockaddr(address) : nullptr;
  if (!sa)
    return 0;
  if (sa->sa_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  return 0;
}

/// Whether the space-separated `list` holds `word`.
bool offers(std::string_view list, std::string_view word) {
  for (std::size_t at = 0; at <= list.size();) {
    auto end = list.find(' ', at);
    if (end == std::string_view::npos)
      end = list.size();
    if (list.substr(at, end - at) == word)
      return true;
    at = end + 1;
  }
  return false;
}

void free_state(pn_transport_t* t) {
  delete static_cast<login_state*>(pnx_sasl_get_context(t));
}

const char* list_mechanisms(pn_transport_t* t) {
  if (state_of(t).users)
    return "PLAIN";
  return pnx_sasl_get_external_username(t) ? "EXTERNAL ANONYMOUS" : "ANONYMOUS";
}

bool init_server(pn_transport_t* t) {
  auto& state = state_of(t);
  std::lock_guard guard{listeners_mutex};
  if (auto it = listeners().find(local_port(t)); it != listeners().end())
    state.users = it->second;
  pnx_sasl_set_desired_state(t, SASL_POSTED_MECHANISMS);
  return true;
}

bool init_client(pn_transport_t*) {
  return true;
}

void prepare_write(pn_transport_t*) {}

void succeed(pn_transport_t* t, std::string user) {
  auto& state = state_of(t);
  state.user = std::move(user);
  pnx_sasl_set_succeeded(t, state.user.c_str(), nullptr);
}

/// PLAIN's message is `authzid NUL user NUL password`.
void check_plain(pn_transport_t* t, const broker_users& users, const pn_bytes_t* recv) {
  const std::string_view message =
      recv && recv->start ? std::string_view(recv->start, recv->size) : std::string_view();
  const auto first = message.find('\0');
  const auto second = first == std::string_view::npos ? first : message.find('\0', first + 1);
  if (second != std::string_view::npos) {
    const auto user = message.substr(first + 1, second - first - 1);
    if (users.accepts(user, message.substr(second + 1))) {
      succeed(t, std::string(user));
      return;
    }
  }
  pnx_sasl_set_failed(t);
}

void process_init(pn_transport_t* t, const char* mechanism, const pn_bytes_t* recv) {
  const std::string_view chosen = mechanism ? mechanism : "";
  const auto& users = state_of(t).users;
  if (users) {
    if (chosen == plain)
      check_plain(t, *users, recv);
    else
      pnx_sasl_set_failed(t);
  } else if (chosen == anonymous) {
    succeed(t, "anonymous");
  } else if (const char* ext = pnx_sasl_get_external_username(t); chosen == external && ext) {
    succeed(t, ext);
  } else {
    pnx_sasl_set_failed(t);
  }
  pnx_sasl_set_desired_state(t, SASL_POSTED_OUTCOME);
}

void process_response(pn_transport_t*, const pn_bytes_t*) {}

void choose(pn_transport_t* t, std::string_view mechanism, std::string bytes) {
  auto& state = state_of(t);
  state.bytes_out = std::move(bytes);
  pnx_sasl_set_selected_mechanism(t, std::string(mechanism).c_str());
  pnx_sasl_set_bytes_out(t, pn_bytes(state.bytes_out.size(), state.bytes_out.data()));
  pnx_sasl_set_desired_state(t, SASL_POSTED_INIT);
}

/// As a client: EXTERNAL, else PLAIN (with a user and password, on an encrypted transport or
/// where insecure mechanisms are allowed), else ANONYMOUS; `mechanisms` is what the server
/// offered, already narrowed to the allowed ones.
bool process_mechanisms(pn_transport_t* t, const char* mechanisms) {
  const std::string_view offered = mechanisms ? mechanisms : "";
  const char* user = pnx_sasl_get_username(t);
  const char* password = pnx_sasl_get_password(t);
  if (offers(offered, external)) {
    choose(t, external, user ? user : "");
    return true;
  }
  if (offers(offered, plain) && user && password &&
      (pnx_sasl_is_transport_encrypted(t) || pnx_sasl_get_allow_insecure_mechanisms(t))) {
    std::string message;
    message += '\0';
    message += user;
    message += '\0';
    message += password;
    choose(t, plain, std::move(message));
    pnx_sasl_clear_password(t);
    return true;
  }
  if (offers(offered, anonymous)) {
    choose(t, anonymous, user ? user : "anonymous");
    return true;
  }
  return false;
}

void process_challenge(pn_transport_t*, const pn_bytes_t*) {}
void process_outcome(pn_transport_t*, const pn_bytes_t*) {}
bool can_encrypt(pn_transport_t*) {
  return false;
}
ssize_t max_encrypt_size(pn_transport_t*) {
  return 0;
}
ssize_t encode(pn_transport_t*, pn_bytes_t, pn_bytes_t*) {
  return 0;
}
ssize_t decode(pn_transport_t*, pn_bytes_t, pn_bytes_t*) {
  return 0;
}

const pnx_sasl_implementation mechanisms = {
    free_state,
    list_mechanisms,
    init_server,
    init_client,
    prepare_write,
    process_init,
    process_response,
    process_mechanisms,
    process_challenge,
    process_outcome,
    can_encrypt,
    max_encrypt_size,
    encode,
    decode,
};

} // namespace

void install_sasl_mechanisms() {
  static std::once_flag once;
  std::call_once(once, [] { pnx_sasl_set_default_implementation(&mechanisms); });
}

void set_listener_users(std::uint16_t port, std::shared_ptr<const broker_users> users) {
  std::lock_guard guard{listeners_mutex};
  listeners()[port] = std::move(users);
}

void forget_listener_users(std::uint16_t port) {
  std::lock_guard guard{listeners_mutex};
  listeners().erase(port);
}

} // namespace boa::amqp::detail
