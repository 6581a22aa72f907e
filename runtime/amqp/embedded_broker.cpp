#include "runtime/amqp/embedded_broker.hpp"

#include "runtime/amqp/detail/broker_connection.hpp"
#include "runtime/amqp/detail/proactor_teardown.hpp"
#include "runtime/amqp/detail/proton_raw.hpp"
#include "runtime/amqp/detail/sasl_mechanisms.hpp"

#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/listen_handler.hpp>
#include <proton/listener.hpp>
#include <proton/ssl.hpp>
#include <proton/symbol.hpp>
#include <proton/work_queue.hpp>

#include <proton/event.h>
#include <proton/proactor.h>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace boa::amqp {

namespace {

/// Core session ids of AMQP connections come from high up, clear of the ids in-process users of
/// the same core choose.
std::atomic<std::uint64_t> next_session{std::uint64_t{1} << 48};

std::string listen_url(const std::string& host, std::uint16_t port) {
  auto bare = host;
  if (bare.size() > 1 && bare.front() == '[' && bare.back() == ']')
    bare = bare.substr(1, bare.size() - 2);
  if (bare.find(':') != std::string::npos)
    return "[" + bare + "]:" + std::to_string(port);
  return bare + ":" + std::to_string(port);
}

} // namespace

expected<void> check_tls_identity(const std::string& cert_file, const std::string& key_file) {
  for (const auto& file : {cert_file, key_file})
    if (std::error_code ec; !std::filesystem::is_regular_file(file, ec))
      return error{errc::invalid_input, "'" + file + "' is not a file"};
  // Proton loads both into an OpenSSL context and checks that the key is the certificate's.
  try {
    proton::ssl_server_options(proton::ssl_certificate(cert_file, key_file));
  } catch (const std::exception&) {
    // Proton's message only repeats the file names; OpenSSL's reason stays in its error queue.
    return error{errc::invalid_input,
                 "not a PEM certificate and the private key that goes with it"};
  }
  return {};
}

bool is_loopback_host(const std::string& host) {
  auto bare = host;
  if (bare.size() > 1 && bare.front() == '[' && bare.back() == ']')
    bare = bare.substr(1, bare.size() - 2);
  std::string lower = bare;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, bare.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6))
      return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

namespace detail {

/// The broker behind `embedded_broker`: the container thread, its listener and connections.
/// Members marked "container thread" are touched by Proton handlers only; the rest is guarded by
/// `mutex_` because `start` and `stop` run on the caller's thread.
class broker_state final : public proton::listen_handler, public connection_owner {
public:
  broker_state(std::shared_ptr<bus::broker_core> core, std::string host, std::uint16_t port,
               embedded_broker_options opts)
      : core_(std::move(core)), host_(std::move(host)), opts_(std::move(opts)), port_(port) {}
  ~broker_state() override { stop(); }

  expected<void> start();
  void stop();
  std::uint16_t port() const {
    std::lock_guard guard{mutex_};
    return port_;
  }

  void on_open(proton::listener& l) override;
  proton::connection_options on_accept(proton::listener& l) override;
  void on_error(proton::listener& l, const std::string& what) override;
  /// Proton frees a closed listener: forget it.
  void on_close(proton::listener&) override { listener_ = proton::listener(); }
  bool stopping() const override {
    std::lock_guard guard{mutex_};
    return stopping_;
  }
  void connection_closed(broker_connection& connection) override;
  bool requires_login() const override { return opts_.users && !opts_.users->empty(); }

private:
  enum class phase { starting, listening, failed };

  void run();
  void run_container();
  void begin_shutdown();

  const std::shared_ptr<bus::broker_core> core_;
  const std::string host_;
  const embedded_broker_options opts_;

  std::mutex stop_mutex_; ///< one `stop` at a time
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  phase phase_ = phase::starting;
  std::string listen_error_;
  std::uint16_t port_;
  bool stopping_ = false;
  std::size_t open_connections_ = 0;
  proton::container* container_ = nullptr; ///< while the container thread runs one
  proton::work_queue* control_ = nullptr;  ///< work for the container thread, outside connections

  // Container thread.
  proton::listener listener_; ///< a plain handle, valid until `on_close`
  std::map<broker_connection*, std::shared_ptr<broker_connection>> live_;
  /// Closed connections, kept until the next accept: Proton may still hold their handler for the
  /// rest of the event batch that closed them.
  std::vector<std::shared_ptr<broker_connection>> retired_;
};

expected<void> broker_state::start() {
  if (!is_loopback_host(host_) && !(opts_.allow_remote && requires_login()))
    return error{errc::invalid_input,
                 "embedded broker: '" + host_ + "' is not a loopback address; the broker " +
                     "listens beyond this host only with allow_remote set and users to log in " +
                     "(" + (requires_login() ? "allow_remote is not set" : "it has no users") +
                     ")"};
  if (requires_login())
    install_sasl_mechanisms(); // before the container makes its first transport
  if (opts_.tls_cert_file.empty() != opts_.tls_key_file.empty())
    return error{errc::invalid_input,
                 "embedded broker: TLS needs both a certificate and its private key"};
  // Checked once here: a listener whose certificate fails would fail every connection instead.
  if (!opts_.tls_cert_file.empty())
    if (auto usable = check_tls_identity(opts_.tls_cert_file, opts_.tls_key_file); !usable)
      return error{errc::invalid_input, "embedded broker: TLS certificate '" + opts_.tls_cert_file +
                                            "' and key '" + opts_.tls_key_file +
                                            "': " + usable.error().message};
  thread_ = std::thread([this] { run(); });
  std::unique_lock lock{mutex_};
  const bool decided =
      changed_.wait_for(lock, opts_.start_timeout, [&] { return phase_ != phase::starting; });
  if (decided && phase_ == phase::listening)
    return {};
  auto why = decided ? listen_error_ : std::string("the listener did not open in time");
  lock.unlock();
  stop();
  return error{errc::io,
               "embedded broker: cannot listen on " + listen_url(host_, port_) + ": " + why};
}

void broker_state::run() {
  // A handler exception (Proton throws from its own decoding, e.g. on a malformed transfer) stops
  // the whole container and drops every connection; the broker then listens again on its port.
  while (true) {
    run_container();
    std::lock_guard guard{mutex_};
    if (phase_ == phase::starting) {
      phase_ = phase::failed;
      if (listen_error_.empty())
        listen_error_ = "the AMQP container stopped before listening";
      changed_.notify_all();
    }
    if (stopping_ || phase_ != phase::listening)
      return;
    spdlog::warn("embedded broker: restarting the listener on port {}", port_);
  }
}

void broker_state::run_container() {
  // Declared first so that connection handlers outlive the container that calls them.
  std::vector<std::shared_ptr<broker_connection>> finished;
  proton::container container(opts_.container_id);
  container.auto_stop(false);
  proton::work_queue control(container);
  std::string url;
  {
    std::lock_guard guard{mutex_};
    if (stopping_)
      return;
    container_ = &container;
    control_ = &control;
    url = listen_url(host_, port_);
  }
  bool failed = true;
  try {
    listener_ = container.listen(url, *this);
    container.run();
    failed = false;
  } catch (const std::exception& e) {
    spdlog::error("embedded broker: the AMQP container failed: {}", e.what());
    std::lock_guard guard{mutex_};
    if (phase_ == phase::starting)
      listen_error_ = e.what();
  } catch (...) {
    spdlog::error("embedded broker: the AMQP container failed");
  }
  {
    std::lock_guard guard{mutex_};
    container_ = nullptr;
    control_ = nullptr;
  }
  listener_ = proton::listener();
  // Connections the container dropped without a last event still hold deliveries in the core.
  pn_proactor_t* proactor = nullptr;
  for (auto& [raw, connection] : live_) {
    if (connection->connection())
      proactor = pn_connection_proactor(raw_connection::of(connection->connection()));
    connection->tear_down();
    finished.push_back(connection);
  }
  live_.clear();
  if (failed && proactor && !finish_disconnect(proactor, opts_.stop_timeout))
    spdlog::warn("embedded broker: the failed AMQP container did not close all its connections");
  std::move(retired_.begin(), retired_.end(), std::back_inserter(finished));
  retired_.clear();
  std::lock_guard guard{mutex_};
  open_connections_ = 0;
  changed_.notify_all();
}

void broker_state::stop() {
  std::lock_guard stop_guard{stop_mutex_};
  {
    std::unique_lock lock{mutex_};
    if (!stopping_) {
      stopping_ = true;
      // Close client connections cleanly first; whoever does not answer in time is dropped.
      if (control_ && control_->add([this] { begin_shutdown(); }))
        changed_.wait_for(lock, opts_.stop_timeout,
                          [&] { return open_connections_ == 0 || !container_; });
      // Under the lock: the container thread clears `container_` before the container goes.
      if (container_)
        container_->stop();
    }
  }
  if (thread_.joinable())
    thread_.join();
  if (auto listened = port(); requires_login() && listened != 0)
    forget_listener_users(listened);
}

void broker_state::begin_shutdown() {
  listener_.stop();
  for (auto& [raw, connection] : live_)
    connection->close_for_shutdown();
}

void broker_state::on_open(proton::listener& l) {
  // Before any connection on the port is accepted: accepts are events of this same thread.
  if (requires_login())
    set_listener_users(static_cast<std::uint16_t>(l.port()), opts_.users);
  std::lock_guard guard{mutex_};
  port_ = static_cast<std::uint16_t>(l.port());
  phase_ = phase::listening;
  changed_.notify_all();
}

void broker_state::on_error(proton::listener& l, const std::string& what) {
  spdlog::error("embedded broker: listener on {}: {}", listen_url(host_, port()), what);
  {
    std::lock_guard guard{mutex_};
    listen_error_ = what;
    phase_ = phase::failed;
    changed_.notify_all();
  }
  l.container().stop();
}

proton::connection_options broker_state::on_accept(proton::listener&) {
  retired_.clear(); // this is a listener event: no closed connection's batch is running
  auto connection = std::make_shared<broker_connection>(
      core_, *this, next_session++, opts_.publish_window, opts_.max_message_bytes);
  live_.emplace(connection.get(), connection);
  {
    std::lock_guard guard{mutex_};
    ++open_connections_;
  }
  proton::connection_options options;
  options.handler(*connection);
  // Clients may send every message on one link, each naming its address in `to`.
  options.offered_capabilities({proton::symbol("ANONYMOUS-RELAY")});
  if (opts_.idle_timeout.count() > 0)
    options.idle_timeout(proton::duration(opts_.idle_timeout.count()));
  if (!opts_.tls_cert_file.empty())
    options.ssl_server_options(proton::ssl_server_options(
        proton::ssl_certificate(opts_.tls_cert_file, opts_.tls_key_file)));
  return options;
}

void broker_state::connection_closed(broker_connection& connection) {
  if (auto i = live_.find(&connection); i != live_.end()) {
    retired_.push_back(std::move(i->second));
    live_.erase(i);
  }
  std::lock_guard guard{mutex_};
  if (open_connections_ > 0)
    --open_connections_;
  changed_.notify_all();
}

} // namespace detail

expected<std::unique_ptr<embedded_broker>>
embedded_broker::start(std::shared_ptr<bus::broker_core> core, std::string host, std::uint16_t port,
                       options opts) {
  if (!core)
    return error{errc::invalid_input, "embedded broker: no broker core given"};
  auto state = std::make_unique<detail::broker_state>(std::move(core), std::move(host), port,
                                                      std::move(opts));
  if (auto started = state->start(); !started)
    return started.error();
  return std::unique_ptr<embedded_broker>(new embedded_broker(std::move(state)));
}

embedded_broker::embedded_broker(std::unique_ptr<detail::broker_state> state)
    : state_(std::move(state)) {}

embedded_broker::~embedded_broker() = default;

std::uint16_t embedded_broker::port() const {
  return state_->port();
}

void embedded_broker::stop() {
  state_->stop();
}

} // namespace boa::amqp
