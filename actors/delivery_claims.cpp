#include "actors/delivery_claims.hpp"

#include "storage/claim_store.hpp"

#include <spdlog/spdlog.h>

#include <functional>

namespace boa::actors {

delivery_claims::delivery_claims(storage::claim_store* durable, std::size_t remembered)
    : durable_(durable), per_stripe_(std::max<std::size_t>(1, remembered / 16)) {}

std::string delivery_claims::line_of(const protocol::job& j) {
  std::string line = j.id;
  for (const auto& f : j.forks) {
    line += '/';
    line += f.fork_id;
    line += ':';
    line += std::to_string(f.branch);
  }
  return line;
}

delivery_claims::stripe& delivery_claims::stripe_of(const std::string& line) {
  return stripes_[std::hash<std::string>{}(line) % stripes_.size()];
}

std::unordered_map<std::string, delivery_claims::entry>::iterator
delivery_claims::remember(stripe& s, const std::string& line, entry e) {
  while (s.order.size() >= per_stripe_) {
    s.lines.erase(s.order.front());
    s.order.pop_front();
  }
  s.order.push_back(line);
  return s.lines.emplace(line, std::move(e)).first;
}

delivery_claims::verdict delivery_claims::claim(const protocol::job& j,
                                                const std::string& message_id) {
  if (message_id.empty())
    return verdict::run;
  return claim(line_of(j), j.version, message_id);
}

delivery_claims::verdict delivery_claims::claim(const std::string& line, std::int64_t version,
                                                const std::string& message_id) {
  if (message_id.empty())
    return verdict::run;
  auto& s = stripe_of(line);
  std::unique_lock lock{s.mutex};
  auto it = s.lines.find(line);
  if (it == s.lines.end() && durable_) {
    // First sight of this line since the process started: it may have run before a crash.
    if (auto stored = durable_->get(line); !stored)
      spdlog::warn("cannot read the claim of {}: {}", line, stored.error().message);
    else if (*stored)
      it = remember(s, line, entry{(*stored)->version, (*stored)->message_id});
  }
  if (it != s.lines.end()) {
    if (version < it->second.version)
      return verdict::stale;
    if (version == it->second.version && !it->second.message_id.empty())
      return it->second.message_id == message_id ? verdict::again : verdict::copy;
    it->second = entry{version, message_id};
  } else {
    remember(s, line, entry{version, message_id});
  }
  if (durable_) {
    // Under the stripe lock: a second copy of this version must not overtake the write.
    if (auto stored = durable_->put(line, storage::claim{version, message_id}); !stored)
      spdlog::warn("cannot keep the claim of {}: {}; after a crash a copy of it may run too", line,
                   stored.error().message);
  }
  return verdict::run;
}

void delivery_claims::withdraw(const std::string& line, std::int64_t version,
                               const std::string& message_id) {
  if (message_id.empty())
    return;
  auto& s = stripe_of(line);
  std::unique_lock lock{s.mutex};
  auto it = s.lines.find(line);
  if (it == s.lines.end() || it->second.version != version || it->second.message_id != message_id)
    return;
  it->second.message_id.clear(); // the version stays: older ones remain stale
  if (durable_) {
    if (auto stored = durable_->put(line, storage::claim{version, {}}); !stored)
      spdlog::warn("cannot withdraw the claim of {}: {}", line, stored.error().message);
  }
}

const char* to_string(delivery_claims::verdict v) {
  switch (v) {
  case delivery_claims::verdict::run:
    return "run";
  case delivery_claims::verdict::again:
    return "again";
  case delivery_claims::verdict::stale:
    return "stale";
  case delivery_claims::verdict::copy:
    return "copy";
  }
  return "?";
}

} // namespace boa::actors
