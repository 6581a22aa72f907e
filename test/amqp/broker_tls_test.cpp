#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/broker_users.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/support/temp_dir.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

using boa::amqp::bridge;
using boa::amqp::bridge_connection_event;
using boa::amqp::broker_users;
using boa::amqp::embedded_broker;
using boa::amqp::test::bus_probe;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::recorded_events;
using boa::amqp::test::why;
using boa::bus::broker_core;
using boa::bus::settlement;

namespace {

/// A test certificate authority, made by `tools/test-pki` (openssl) for the test: `ca.pem` signed
/// `server.pem` (for the host name `localhost` only, key `server.key`); `other-ca.pem` signed
/// `impostor.pem` (also for `localhost`, key `impostor.key`), which `ca.pem` does not vouch for.
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

/// A broker with the identity `name` (`server` or `impostor`) of `pki`, on `port` (0: a free
/// one).
std::unique_ptr<embedded_broker> tls_broker(const test_pki& pki, bool with_users = false,
                                            std::uint16_t port = 0,
                                            const std::string& name = "server") {
  embedded_broker::options opts;
  opts.tls_cert_file = pki.file(name + ".pem");
  opts.tls_key_file = pki.file(name + ".key");
  if (with_users) {
    broker_users users;
    users.add("boa", "right-pass");
    opts.users = std::make_shared<const broker_users>(std::move(users));
  }
  auto started = embedded_broker::start(std::make_shared<broker_core>(), "127.0.0.1", port, opts);
  if (!started)
    BOOST_FAIL(started.error().message);
  return std::move(*started);
}

boa::amqp::bridge_options tls_options(std::uint16_t port, const std::string& host,
                                      const std::string& ca,
                                      std::shared_ptr<recorded_events> record = {}) {
  auto options = options_for(port, std::move(record));
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
  // A setting to fix, not an outage to wait out: a node stops at start rather than retry.
  BOOST_TEST(connected.error().code == boa::errc::invalid_input);
  BOOST_TEST(connected.error().message.find("it must chain to broker.tls-ca-file '" +
                                            pki.file("other-ca.pem") + "'") != std::string::npos,
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
  BOOST_TEST(connected.error().code == boa::errc::invalid_input);
}

BOOST_AUTO_TEST_CASE(a_ca_file_that_cannot_be_read_fails_the_first_connection_as_a_setting) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  auto connected = bridge::connect(tls_options(broker->port(), "localhost", pki.file("none.pem")));
  BOOST_REQUIRE(!connected);
  BOOST_TEST(connected.error().code == boa::errc::invalid_input);
  BOOST_TEST(connected.error().message.find("check broker.tls-ca-file") != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(once_connected_a_broker_whose_certificate_does_not_verify_is_retried) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  const auto port = broker->port();
  auto record = std::make_shared<recorded_events>();
  auto connected = bridge::connect(tls_options(port, "localhost", pki.file("ca.pem"), record));
  BOOST_REQUIRE_MESSAGE(connected, why(connected));
  auto& bus = **connected;

  // Another broker on the same port, with a certificate the settings do not trust: whether it
  // is an impostor or a broker redeployed with a new certificate, the bridge keeps trying.
  broker.reset();
  broker = tls_broker(pki, false, port, "impostor");
  auto refused_again = [&] {
    std::lock_guard guard{record->mutex};
    return std::count_if(record->events.begin(), record->events.end(), [](const auto& e) {
             return e.what == bridge_connection_event::kind::reconnecting &&
                    e.reason.find("did not verify") != std::string::npos;
           }) >= 2;
  };
  BOOST_REQUIRE(boa::amqp::test::eventually(refused_again));
  BOOST_TEST(!bus.connected());

  broker.reset();
  broker = tls_broker(pki, false, port);
  BOOST_TEST(boa::amqp::test::eventually([&] { return bus.connected(); }));
  BOOST_TEST(record->count(bridge_connection_event::kind::connected) == 2u);
}

BOOST_AUTO_TEST_CASE(a_broker_known_otherwise_is_reached_without_checking_its_certificate) {
  test_pki pki;
  BOOST_REQUIRE_MESSAGE(pki.made, "openssl could not make the test certificates");
  auto broker = tls_broker(pki);
  // Reached as 127.0.0.1 with no CA: neither the chain nor the name would verify.
  auto options = tls_options(broker->port(), "127.0.0.1", "");
  options.tls_verify_broker = false;
  auto connected = bridge::connect(options);
  BOOST_TEST(connected.has_value(), why(connected));
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
