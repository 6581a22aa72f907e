#include "test/amqp/scripted_peer.hpp"

#include "runtime/amqp/detail/proton_raw.hpp"

#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>

namespace boa::amqp::test {

scripted_peer::scripted_peer(int refused_receivers)
    : container_(*this, "boa-scripted-peer"), refusals_left_(refused_receivers) {
  container_.auto_stop(false);
  container_.listen("127.0.0.1:0", listener_events_);
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (...) {
      // The test sees a peer that stopped.
    }
    std::lock_guard guard{mutex_};
    stopped_ = true;
    queue_ = nullptr;
    changed_.notify_all();
  });
  wait_until([this] { return listening_ || stopped_; });
}

scripted_peer::~scripted_peer() {
  stop();
}

void scripted_peer::stop() {
  container_.stop();
  if (thread_.joinable())
    thread_.join();
}

bool scripted_peer::wait_until(const std::function<bool()>& done) {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, timeout, done);
}

bool scripted_peer::wait_published(std::size_t n) {
  return wait_until([&] { return published_ >= n; });
}

std::size_t scripted_peer::offer(const std::string& address, proton::message message) {
  std::lock_guard guard{mutex_};
  const auto index = answers_.size();
  answers_.push_back({});
  if (queue_)
    queue_->add([this, address, index, message] {
      offers_[address].emplace_back(index, message);
      send_offers(address);
    });
  return index;
}

void scripted_peer::offer_empty_transfer(const std::string& address) {
  std::lock_guard guard{mutex_};
  if (queue_)
    queue_->add([this, address] {
      auto s = senders_.find(address);
      if (s == senders_.end())
        return;
      auto* link = detail::raw_link::of(s->second);
      pn_delivery(link, pn_dtag("empty", 5));
      pn_link_advance(link);
    });
}

publish_result scripted_peer::answer(std::size_t index) {
  wait_until([&] { return answers_.at(index).result != outcome::no_answer; });
  std::lock_guard guard{mutex_};
  return answers_.at(index);
}

int scripted_peer::receivers_attached(const std::string& address) {
  std::lock_guard guard{mutex_};
  return attached_[address];
}

namespace {

template <class Terminus> attached_terminus terminus_of(Terminus t) {
  return {t.durability_mode() != proton::terminus::NONDURABLE,
          t.expiry_policy() == proton::terminus::NEVER};
}

template <class Map>
std::optional<attached_terminus> find_terminus(const Map& termini, const std::string& address) {
  auto i = termini.find(address);
  if (i == termini.end())
    return std::nullopt;
  return i->second;
}

} // namespace

std::optional<attached_terminus> scripted_peer::consuming_terminus(const std::string& address) {
  std::lock_guard guard{mutex_};
  return find_terminus(consuming_termini_, address);
}

std::optional<attached_terminus> scripted_peer::publishing_terminus(const std::string& address) {
  std::lock_guard guard{mutex_};
  return find_terminus(publishing_termini_, address);
}

std::vector<proton::message> scripted_peer::published_messages() {
  std::lock_guard guard{mutex_};
  return published_messages_;
}

void scripted_peer::send_offers(const std::string& address) {
  auto s = senders_.find(address);
  if (s == senders_.end())
    return;
  auto& waiting = offers_[address];
  while (!waiting.empty() && s->second.credit() > 0) {
    auto [index, message] = std::move(waiting.front());
    waiting.pop_front();
    s->second.send(message, proton::binary(std::to_string(index)));
  }
}

void scripted_peer::on_connection_open(proton::connection& c) {
  if (c.uninitialized())
    c.open();
  std::lock_guard guard{mutex_};
  queue_ = &c.work_queue();
  changed_.notify_all();
}

void scripted_peer::on_receiver_open(proton::receiver& r) {
  {
    std::lock_guard guard{mutex_};
    publishing_termini_[r.target().address()] = terminus_of(r.target());
  }
  r.open(proton::receiver_options().credit_window(100).auto_accept(false));
}

void scripted_peer::on_sender_open(proton::sender& s) {
  const auto address = s.source().address();
  bool refuse = false;
  {
    std::lock_guard guard{mutex_};
    ++attached_[address];
    consuming_termini_[address] = terminus_of(s.source());
    refuse = refusals_left_ > 0;
    if (refuse)
      --refusals_left_;
    changed_.notify_all();
  }
  s.open();
  if (refuse) {
    s.close(proton::error_condition("amqp:resource-locked", "scripted refusal"));
    return;
  }
  senders_[address] = s;
  send_offers(address);
}

void scripted_peer::on_sendable(proton::sender& s) {
  send_offers(s.source().address());
}

void scripted_peer::on_message(proton::delivery& d, proton::message& m) {
  unanswered_.push_back(d);
  std::lock_guard guard{mutex_};
  ++published_;
  published_messages_.push_back(m);
  changed_.notify_all();
}

void scripted_peer::record_answer(const proton::tracker& t, outcome what) {
  const auto tag = t.tag();
  const auto index = std::stoul(std::string(tag.begin(), tag.end()));
  std::lock_guard guard{mutex_};
  if (answers_.at(index).result != outcome::no_answer)
    return;
  answers_.at(index) = {what, what == outcome::rejected ? detail::remote_reason(t) : ""};
  changed_.notify_all();
}

void scripted_peer::on_tracker_accept(proton::tracker& t) {
  record_answer(t, outcome::accepted);
}
void scripted_peer::on_tracker_reject(proton::tracker& t) {
  record_answer(t, outcome::rejected);
}
void scripted_peer::on_tracker_release(proton::tracker& t) {
  record_answer(t, outcome::released);
}

void scripted_peer::on_transport_close(proton::transport&) {
  senders_.clear();
  unanswered_.clear();
  std::lock_guard guard{mutex_};
  queue_ = nullptr;
}

void scripted_peer::on_error(const proton::error_condition&) {
  // A client that goes away is part of the script.
}

void scripted_peer::listener_events::on_open(proton::listener& l) {
  std::lock_guard guard{peer.mutex_};
  peer.port_ = static_cast<std::uint16_t>(l.port());
  peer.listening_ = true;
  peer.changed_.notify_all();
}

void scripted_peer::listener_events::on_error(proton::listener&, const std::string&) {
  std::lock_guard guard{peer.mutex_};
  peer.stopped_ = true;
  peer.changed_.notify_all();
}

} // namespace boa::amqp::test
