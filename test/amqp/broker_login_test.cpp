#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/broker_users.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/support/temp_dir.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

using boa::errc;
using boa::amqp::bridge;
using boa::amqp::broker_users;
using boa::amqp::embedded_broker;
using boa::amqp::read_broker_users;
using boa::amqp::test::bus_probe;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::why;
using boa::bus::broker_core;
using boa::bus::settlement;

namespace {

/// An embedded broker that only lets `boa` (password `right-pass`) in.
std::unique_ptr<embedded_broker> broker_with_users(std::shared_ptr<broker_core> core) {
  broker_users users;
  users.add("boa", "right-pass");
  embedded_broker::options opts;
  opts.users = std::make_shared<const broker_users>(std::move(users));
  auto started = embedded_broker::start(std::move(core), "127.0.0.1", 0, opts);
  if (!started)
    BOOST_FAIL(started.error().message);
  return std::move(*started);
}

/// What RabbitMQ does with a wrong PLAIN password: it offers PLAIN, takes the client's login and
/// never answers. One connection, on a loopback port, then it waits until destroyed.
class silent_login_peer {
public:
  silent_login_peer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
      BOOST_FAIL("cannot listen on loopback");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~silent_login_peer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    if (client_ >= 0)
      ::shutdown(client_, SHUT_RDWR);
    thread_.join();
    if (client_ >= 0)
      ::close(client_);
  }
  std::uint16_t port() const { return port_; }

private:
  void serve() {
    client_ = ::accept(listener_, nullptr, nullptr);
    if (client_ < 0)
      return;
    // The SASL protocol header, then a sasl-mechanisms frame offering PLAIN.
    static const unsigned char greeting[] = {
        'A',  'M',  'Q',  'P',  3,    1,    0,    0,                              // header
        0,    0,    0,    21,   2,    1,    0,    0,                              // frame: 21 bytes
        0x00, 0x53, 0x40, 0xc0, 0x08, 0x01, 0xa3, 0x05, 'P', 'L', 'A', 'I', 'N'}; // mechanisms
    if (::write(client_, greeting, sizeof greeting) < 0)
      return;
    char buffer[512];
    while (!stopping_ && ::read(client_, buffer, sizeof buffer) > 0) {
      // Reads the header and the login, and answers neither.
    }
  }

  int listener_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace

BOOST_AUTO_TEST_SUITE(broker_login)

BOOST_AUTO_TEST_CASE(a_users_file_holds_one_user_and_password_a_line) {
  boa::test::temp_dir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path() / name) << text;
    return dir.path() / name;
  };
  auto users = read_broker_users(write("users", "# who may connect\n\nboa:p4ss:with:colons\r\n"
                                                "ops:second\n"));
  BOOST_REQUIRE_MESSAGE(users, why(users));
  BOOST_TEST(users->size() == 2u);
  BOOST_TEST(users->accepts("boa", "p4ss:with:colons"));
  BOOST_TEST(users->accepts("ops", "second"));
  BOOST_TEST(!users->accepts("ops", "secon"));
  BOOST_TEST(!users->accepts("ops", "second!"));
  BOOST_TEST(!users->accepts("nobody", "second"));
  BOOST_TEST(!users->accepts("nobody", ""));

  auto bad = read_broker_users(write("bad", "boa:ok\njust-a-name\n"));
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message == (dir.path() / "bad").string() + ":2: must be user:password");
  auto empty_password = read_broker_users(write("empty-password", "boa:\n"));
  BOOST_REQUIRE(!empty_password);
  BOOST_TEST(empty_password.error().message.ends_with(":1: the password of 'boa' is empty"));
  BOOST_TEST(read_broker_users(write("no-user", ":x\n"))
                 .error()
                 .message.ends_with(":1: the user name is empty"));
  BOOST_TEST(read_broker_users(write("nobody", "# nobody\n"))
                 .error()
                 .message.ends_with("holds no user (one user:password a line)"));
  auto missing = read_broker_users(dir.path() / "missing");
  BOOST_REQUIRE(!missing);
  BOOST_TEST((missing.error().code == errc::not_found));
}

BOOST_AUTO_TEST_CASE(the_right_password_connects_and_the_link_works) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto core = std::make_shared<broker_core>();
  auto broker = broker_with_users(core);
  auto options = options_for(broker->port());
  options.username = "boa";
  options.password = "right-pass";
  auto connected = bridge::connect(options);
  BOOST_REQUIRE_MESSAGE(connected, why(connected));
  auto& bus = **connected;

  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.login", consumer.actor(), 1).has_value());
  bus_probe publisher(system);
  bus.publish(message_to("queue:t.login", 1), publisher.actor(), 1);
  auto answer = publisher.confirmation_of(1);
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->ok, answer->error);
  auto got = consumer.next_delivery();
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->message.body == message_to("queue:t.login", 1).body);
  bus.settle(got->tag, settlement::accept);
  connected->reset();
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_refused_at_once_naming_the_user_not_the_password) {
  auto broker = broker_with_users(std::make_shared<broker_core>());
  for (auto [user, password] : {std::pair{"boa", "wrong-pass"}, std::pair{"eve", "right-pass"}}) {
    BOOST_TEST_CONTEXT(user) {
      auto options = options_for(broker->port());
      options.username = user;
      options.password = password;
      options.connect_timeout = std::chrono::seconds(30); // a refusal must not wait for it
      auto connected = bridge::connect(options);
      BOOST_REQUIRE(!connected);
      const auto& message = connected.error().message;
      BOOST_TEST((connected.error().code == errc::invalid_input));
      BOOST_TEST(message.find(std::string("the broker refused the login as user '") + user + "'") !=
                     std::string::npos,
                 message);
      BOOST_TEST(message.find("no answer within") == std::string::npos, message);
      BOOST_TEST(message.find(password) == std::string::npos, message);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_client_without_credentials_is_refused_when_the_broker_has_users) {
  auto broker = broker_with_users(std::make_shared<broker_core>());
  auto connected = bridge::connect(options_for(broker->port()));
  BOOST_REQUIRE(!connected);
  BOOST_TEST((connected.error().code == errc::invalid_input));
  BOOST_TEST(connected.error().message.find("the broker wants a login") != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(a_login_the_broker_never_answers_fails_at_the_timeout_saying_why) {
  silent_login_peer peer;
  auto options = options_for(peer.port());
  options.username = "boa";
  options.password = "maybe-wrong";
  options.connect_timeout = std::chrono::milliseconds(500);
  auto connected = bridge::connect(options);
  BOOST_REQUIRE(!connected);
  const auto& message = connected.error().message;
  BOOST_TEST((connected.error().code == errc::invalid_input));
  BOOST_TEST(message.find("the broker did not answer the login as user 'boa' within 500 ms") !=
                 std::string::npos,
             message);
  BOOST_TEST(message.find("RabbitMQ does not answer") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(the_embedded_broker_listens_off_loopback_only_with_users_and_when_allowed) {
  embedded_broker::options open;
  open.allow_remote = true; // but no users
  auto without_users = embedded_broker::start(std::make_shared<broker_core>(), "0.0.0.0", 0, open);
  BOOST_REQUIRE(!without_users);
  BOOST_TEST((without_users.error().code == errc::invalid_input));
  BOOST_TEST(without_users.error().message.find("it has no users") != std::string::npos,
             without_users.error().message);

  broker_users users;
  users.add("boa", "pass");
  embedded_broker::options not_allowed;
  not_allowed.users = std::make_shared<const broker_users>(std::move(users));
  auto refused = embedded_broker::start(std::make_shared<broker_core>(), "0.0.0.0", 0, not_allowed);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().message.find("allow_remote is not set") != std::string::npos,
             refused.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
