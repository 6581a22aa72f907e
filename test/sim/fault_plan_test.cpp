#include <boost/test/unit_test.hpp>

#include "sim/fault_plan.hpp"

#include <cstdint>
#include <map>
#include <set>

using namespace boa::sim;

namespace {

bool same(const fault& a, const fault& b) {
  return a.kind == b.kind && a.node == b.node && a.at_ms == b.at_ms &&
         a.after_messages == b.after_messages && a.lasts_ms == b.lasts_ms &&
         a.direction == b.direction && a.magnitude == b.magnitude;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fault_plans)

BOOST_AUTO_TEST_CASE(a_seed_gives_the_same_plan_every_time) {
  auto a = plan_faults(42, fault_profile::chaos, 4, 5000);
  auto b = plan_faults(42, fault_profile::chaos, 4, 5000);
  BOOST_REQUIRE(!a.faults.empty());
  BOOST_REQUIRE(a.faults.size() == b.faults.size());
  for (std::size_t i = 0; i < a.faults.size(); ++i)
    BOOST_TEST(same(a.faults[i], b.faults[i]));
}

BOOST_AUTO_TEST_CASE(no_profile_no_faults) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed)
    BOOST_TEST(plan_faults(seed, fault_profile::none, 3, 5000).faults.empty());
}

BOOST_AUTO_TEST_CASE(profiles_draw_only_their_kinds) {
  const std::map<fault_profile, std::set<fault_kind>> allowed = {
      {fault_profile::crash, {fault_kind::crash}},
      {fault_profile::network,
       {fault_kind::hang, fault_kind::partition, fault_kind::duplicates, fault_kind::delays}},
      {fault_profile::broker, {fault_kind::broker_restart}},
  };
  for (const auto& [profile, kinds] : allowed)
    for (std::uint64_t seed = 1; seed <= 100; ++seed)
      for (const auto& f : plan_faults(seed, profile, 3, 5000).faults)
        BOOST_TEST(kinds.count(f.kind) == 1u, to_string(f.kind) << " in " << to_string(profile));
}

BOOST_AUTO_TEST_CASE(faults_start_in_the_horizon_in_order_and_heal) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto plan = plan_faults(seed, fault_profile::chaos, 3, 4000);
    std::int64_t previous = 0;
    for (const auto& f : plan.faults) {
      BOOST_TEST(f.at_ms >= previous);
      if (f.kind != fault_kind::broker_restart) // those may wait for the one before
        BOOST_TEST(f.at_ms < 4000);
      BOOST_TEST(f.node < 3u);
      BOOST_TEST((f.lasts_ms > 0 || f.kind == fault_kind::crash));
      BOOST_TEST(f.at_ms + f.lasts_ms <= plan.heals_by_ms());
      previous = f.at_ms;
    }
  }
}

BOOST_AUTO_TEST_CASE(the_broker_restarts_once_at_a_time) {
  std::size_t plans_with_two = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::int64_t back_ms = -1;
    std::size_t restarts = 0;
    for (const auto& f : plan_faults(seed, fault_profile::broker, 3, 2000).faults) {
      BOOST_TEST(f.at_ms > back_ms);
      back_ms = f.at_ms + f.lasts_ms;
      ++restarts;
    }
    plans_with_two += restarts >= 2 ? 1 : 0;
  }
  BOOST_TEST(plans_with_two > 0u);
}

BOOST_AUTO_TEST_CASE(one_node_always_survives_for_good) {
  // Crashes for good never take every node: someone must be left to finish the work.
  std::size_t runs_with_a_node_gone = 0;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    for (std::size_t nodes : {2u, 3u}) {
      std::set<std::size_t> gone;
      for (const auto& f : plan_faults(seed, fault_profile::crash, nodes, 5000).faults)
        if (f.kind == fault_kind::crash && f.lasts_ms == 0)
          gone.insert(f.node);
      BOOST_TEST(gone.size() < nodes);
      runs_with_a_node_gone += gone.empty() ? 0 : 1;
    }
  }
  BOOST_TEST(runs_with_a_node_gone > 0u);
}

BOOST_AUTO_TEST_CASE(a_single_node_is_never_crashed) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    BOOST_TEST((profile_from_seed(seed, 1) != fault_profile::crash));
    BOOST_TEST((profile_from_seed(seed, 1) != fault_profile::chaos));
    for (const auto& f : plan_faults(seed, fault_profile::chaos, 1, 5000).faults)
      BOOST_TEST((f.kind != fault_kind::crash));
  }
}

BOOST_AUTO_TEST_CASE(profiles_parse_by_name_and_mixed_is_none_of_them) {
  bool ok = false;
  BOOST_TEST((parse_fault_profile("network", ok) == fault_profile::network));
  BOOST_TEST(ok);
  BOOST_TEST(!parse_fault_profile("mixed", ok).has_value());
  BOOST_TEST(ok);
  BOOST_TEST(!parse_fault_profile("sometimes", ok).has_value());
  BOOST_TEST(!ok);
}

BOOST_AUTO_TEST_CASE(a_fault_reads_as_one_line) {
  fault f;
  f.kind = fault_kind::crash;
  f.node = 1;
  f.at_ms = 1200;
  f.lasts_ms = 3000;
  BOOST_TEST(describe(f) == "crash node-2 at 1200 ms, back after 3000 ms");
  f.lasts_ms = 0;
  BOOST_TEST(describe(f) == "crash node-2 at 1200 ms, for good");
}

BOOST_AUTO_TEST_SUITE_END()
