#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/broker_users.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/support/temp_dir.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <cstdlib>
#include <memory>
#include <string>

using boa::amqp::bridge;
using boa::amqp::broker_users;
using boa::amqp::embedded_broker;
using boa::amqp::test::bus_probe;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::why;
using boa::bus::broker_core;
using boa::bus::settlement;

namespace {

/// A test certificate authority, made by `tools/test-pki` (openssl) for the test: `ca.pem` signed
/// `server.pem` (for the host name `localhost` only, key `server.key`); `other-ca.pem` signed
/// nothing here.
struct test_pki {
  boa::test::temp_dir dir{"boa-tls-test"};
  bool made = false;

  test_pki() {
    const std::string command = std::string{"'"} + BOA_SOURCE_DIR + "/tools/test-pki' '" +
                                dir.path().string() + "' >/dev/null 2>&1";
    made = std::system(command.c_str()) == 0;
  }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }
};

std::unique_ptr<embedded_broker> tls_broker(const test_pki& pki, bool with_users = false) {
  embedded_broker::options opts;
  opts.tls_cert_file = pki.file("server.pem");
  opts.tls_key_file = pki.file("server.key");
  if (with_users) {
    broker_users users;
    users.add("boa", "right-pass");
    opts.users = std::make_shared<const broker_users>(std::move(users));
  }
  auto started = embedded_broker::start(std::make_shared<broker_core>(), "127.0.0.1", 0, opts);
  if (!started)
    BOOST_FAIL(started.error().message);
  return std::move(*started);
}

boa::amqp::bridge_options tls_options(std::uint16_t port, const std::string& host,
                                      const std::string& ca) {
  auto options = options_for(port);
  options.url = "amqps://" + host + ":" + std::to_string(port);
  options.tls_ca_file = ca;
  options.connect_timeout = std::chrono::seconds(5);
  return options;
}

} // namespace

BOOST_AUTO_TEST_SUITE(broker_tls)

BOOST_AUTO_TEST_CASE(a_broker_certificate_from_the_ca_given_and_naming_the_host_is_trusted) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto broker = tls_broker(pki, true);
  auto options = tls_options(broker->port(), "localhost", pki.file("ca.pem"));
  options.username = "boa"; // PLAIN, now over TLS
  options.password = "right-pass";
  auto connected = bridge::connect(options);
  BOOST_REQUIRE_MESSAGE(connected, why(connected));
  auto& bus = **connected;
  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.tls", consumer.actor(), 1).has_value());
  bus_probe publisher(system);
  bus.publish(message_to("queue:t.tls", 1), publisher.actor(), 1);
  auto answer = publisher.confirmation_of(1);
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->ok, answer->error);
  auto got = consumer.next_delivery();
  BOOST_REQUIRE(got.has_value());
  bus.settle(got->tag, settlement::accept);
  connected->reset();
}

BOOST_AUTO_TEST_CASE(a_certificate_from_another_ca_is_refused) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  auto connected =
      bridge::connect(tls_options(broker->port(), "localhost", pki.file("other-ca.pem")));
  BOOST_REQUIRE(!connected);
  BOOST_TEST(connected.error().message.find("certificate verify failed") != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(a_certificate_that_does_not_name_the_host_is_refused) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  // The same broker, trusted CA, but reached as 127.0.0.1: the certificate names localhost only.
  auto connected = bridge::connect(tls_options(broker->port(), "127.0.0.1", pki.file("ca.pem")));
  BOOST_REQUIRE(!connected);
  BOOST_TEST_MESSAGE(connected.error().message);
  BOOST_TEST(connected.error().message.find("amqps://127.0.0.1:") != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(a_plain_client_is_refused_by_a_tls_listener) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  auto options = options_for(broker->port());
  options.connect_timeout = std::chrono::seconds(2);
  BOOST_TEST(!bridge::connect(options));
}

BOOST_AUTO_TEST_SUITE_END()
