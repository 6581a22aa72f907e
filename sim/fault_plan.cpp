#include "sim/fault_plan.hpp"

#include "sim/seed.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <set>

namespace boa::sim {

const char* to_string(fault_kind kind) {
  switch (kind) {
  case fault_kind::crash:
    return "crash";
  case fault_kind::hang:
    return "hang";
  case fault_kind::partition:
    return "partition";
  case fault_kind::duplicates:
    return "duplicates";
  case fault_kind::delays:
    return "delays";
  case fault_kind::broker_restart:
    return "broker-restart";
  }
  return "?";
}

const char* to_string(fault_profile profile) {
  switch (profile) {
  case fault_profile::none:
    return "none";
  case fault_profile::crash:
    return "crash";
  case fault_profile::network:
    return "network";
  case fault_profile::broker:
    return "broker";
  case fault_profile::chaos:
    return "chaos";
  }
  return "?";
}

std::optional<fault_profile> parse_fault_profile(std::string_view text, bool& ok) {
  ok = true;
  for (auto p : {fault_profile::none, fault_profile::crash, fault_profile::network,
                 fault_profile::broker, fault_profile::chaos})
    if (text == to_string(p))
      return p;
  ok = text == "mixed";
  return std::nullopt;
}

fault_profile profile_from_seed(std::uint64_t seed, std::size_t nodes) {
  // A single node has nobody to fail over to: only the broker and the network can misbehave.
  static constexpr fault_profile any[] = {fault_profile::none, fault_profile::crash,
                                          fault_profile::network, fault_profile::broker,
                                          fault_profile::chaos};
  static constexpr fault_profile alone[] = {fault_profile::none, fault_profile::network,
                                            fault_profile::broker};
  auto draw = derive(seed, "fault-profile");
  return nodes >= 2 ? any[draw % 5] : alone[draw % 3];
}

std::string describe(const fault& f) {
  auto node = fmt::format("node-{}", f.node + 1);
  switch (f.kind) {
  case fault_kind::crash:
    return f.lasts_ms > 0
               ? fmt::format("crash {} at {} ms, back after {} ms", node, f.at_ms, f.lasts_ms)
               : fmt::format("crash {} at {} ms, for good", node, f.at_ms);
  case fault_kind::hang:
    return fmt::format("hang {} at {} ms for {} ms", node, f.at_ms, f.lasts_ms);
  case fault_kind::partition:
    return fmt::format("partition {} ({}) at {} ms for {} ms", node,
                       f.direction == partition_direction::both      ? "both ways"
                       : f.direction == partition_direction::inbound ? "inbound"
                                                                     : "outbound",
                       f.at_ms, f.lasts_ms);
  case fault_kind::duplicates:
    return fmt::format("duplicates {} ({}% of accepts lost) at {} ms for {} ms", node, f.magnitude,
                       f.at_ms, f.lasts_ms);
  case fault_kind::delays:
    return fmt::format("delays {} (up to {} ms) at {} ms for {} ms", node, f.magnitude, f.at_ms,
                       f.lasts_ms);
  case fault_kind::broker_restart:
    return fmt::format("broker restart at {} ms, down {} ms", f.at_ms, f.lasts_ms);
  }
  return "?";
}

std::int64_t fault_plan::heals_by_ms() const {
  std::int64_t last = 0;
  for (const auto& f : faults)
    last = std::max(last, f.at_ms + f.lasts_ms);
  return last;
}

namespace {

/// Draws one fault of `kind` from `name`d values of the seed.
fault draw_fault(std::uint64_t seed, const std::string& name, fault_kind kind, std::size_t nodes,
                 std::int64_t horizon_ms) {
  fault f;
  f.kind = kind;
  f.node = derive(seed, name + "/node") % nodes;
  f.at_ms =
      static_cast<std::int64_t>(derive(seed, name + "/at") %
                                static_cast<std::uint64_t>(std::max<std::int64_t>(1, horizon_ms)));
  f.after_messages = static_cast<std::uint32_t>(derive(seed, name + "/after-messages") % 200);
  auto length = derive(seed, name + "/lasts");
  switch (kind) {
  case fault_kind::crash:
    // Two in three crashed nodes come back, after 0.5 to 10 s.
    f.lasts_ms = length % 3 == 0 ? 0 : 500 + static_cast<std::int64_t>((length >> 8) % 9500);
    break;
  case fault_kind::hang:
  case fault_kind::partition:
    // Around the broker's idle timeout (4 s): short ones survive it, long ones do not.
    f.lasts_ms = 100 + static_cast<std::int64_t>(length % 9900);
    f.direction = static_cast<partition_direction>((length >> 16) % 3);
    break;
  case fault_kind::duplicates:
    f.lasts_ms = 1000 + static_cast<std::int64_t>(length % 20000);
    f.magnitude = 5 + static_cast<std::int64_t>((length >> 16) % 46);
    break;
  case fault_kind::delays:
    f.lasts_ms = 1000 + static_cast<std::int64_t>(length % 20000);
    f.magnitude = 1 + static_cast<std::int64_t>((length >> 16) % 500);
    break;
  case fault_kind::broker_restart:
    f.node = 0;
    f.lasts_ms = 100 + static_cast<std::int64_t>(length % 3000);
    break;
  }
  return f;
}

} // namespace

fault_plan plan_faults(std::uint64_t seed, fault_profile profile, std::size_t nodes,
                       std::int64_t horizon_ms) {
  fault_plan plan;
  plan.profile = profile;
  if (nodes == 0 || profile == fault_profile::none)
    return plan;
  std::vector<fault_kind> kinds;
  auto add_crashes = profile == fault_profile::crash || profile == fault_profile::chaos;
  auto add_network = profile == fault_profile::network || profile == fault_profile::chaos;
  auto add_broker = profile == fault_profile::broker || profile == fault_profile::chaos;
  if (add_crashes && nodes >= 2)
    kinds.insert(kinds.end(), 1 + derive(seed, "crashes") % 3, fault_kind::crash);
  if (add_network) {
    kinds.insert(kinds.end(), derive(seed, "hangs") % 3, fault_kind::hang);
    kinds.insert(kinds.end(), derive(seed, "partitions") % 3, fault_kind::partition);
    kinds.insert(kinds.end(), derive(seed, "duplicates") % 3, fault_kind::duplicates);
    kinds.insert(kinds.end(), derive(seed, "delays") % 3, fault_kind::delays);
  }
  if (add_broker)
    kinds.insert(kinds.end(), 1 + derive(seed, "broker-restarts") % 2, fault_kind::broker_restart);

  std::set<std::size_t> gone_for_good;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto f = draw_fault(seed, "fault/" + std::to_string(i), kinds[i], nodes, horizon_ms);
    if (f.kind == fault_kind::crash && f.lasts_ms == 0) {
      // Someone must be left to finish the work: the last node never goes for good.
      if (gone_for_good.size() + 1 >= nodes || gone_for_good.count(f.node) != 0)
        f.lasts_ms = 1000;
      else
        gone_for_good.insert(f.node);
    }
    plan.faults.push_back(f);
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ms < b.at_ms; });
  // One broker restarts once at a time: a restart drawn while the broker is down comes after.
  std::int64_t broker_back_ms = 0;
  for (auto& f : plan.faults)
    if (f.kind == fault_kind::broker_restart) {
      f.at_ms = std::max(f.at_ms, broker_back_ms);
      broker_back_ms = f.at_ms + f.lasts_ms + 1;
    }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ms < b.at_ms; });
  return plan;
}

} // namespace boa::sim
