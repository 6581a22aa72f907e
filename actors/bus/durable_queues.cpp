#include "actors/bus/durable_queues.hpp"

#include "actors/bus/detail/envelope_codec.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace boa::bus {

durable_queues::durable_queues(std::unique_ptr<storage::queue_journal> journal,
                               restored_queues restored)
    : journal_(std::move(journal)), restored_(std::move(restored)) {}

expected<std::unique_ptr<durable_queues>>
durable_queues::open(const std::filesystem::path& dir, storage::queue_journal_options options) {
  auto journal = storage::queue_journal::open(dir, options);
  if (!journal)
    return std::move(journal).error();
  auto contents = (*journal)->load();
  if (!contents)
    return std::move(contents).error();
  restored_queues restored;
  restored.highest_seq = contents->highest_seq;
  for (auto& [queue, messages] : contents->queues) {
    auto& out = restored.queues[queue];
    out.reserve(messages.size());
    for (auto& stored : messages) {
      auto message = detail::decode_envelope(stored.bytes);
      if (!message)
        return error(errc::corrupt, "queue journal '" + dir.string() + "': message " +
                                        std::to_string(stored.seq) + " of queue '" + queue +
                                        "': " + message.error().message);
      out.push_back({stored.seq, std::move(*message)});
    }
  }
  return std::unique_ptr<durable_queues>(
      new durable_queues(std::move(*journal), std::move(restored)));
}

restored_queues durable_queues::restore() {
  return std::exchange(restored_, restored_queues{});
}

expected<void> durable_queues::apply(std::span<const durable_change> changes) {
  if (encoded_.size() < changes.size())
    encoded_.resize(changes.size());
  changes_.clear();
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& change = changes[i];
    if (change.what == durable_change::kind::store) {
      if (!change.message)
        return error(errc::internal, "queue journal '" + journal_->directory().string() +
                                         "': message " + std::to_string(change.seq) +
                                         " of queue '" + std::string(change.queue) +
                                         "' is to be stored without its content");
      encoded_[i].clear();
      detail::encode_envelope(*change.message, encoded_[i]);
      changes_.push_back(
          {storage::journal_change::kind::append, change.queue, change.seq, encoded_[i]});
    } else {
      changes_.push_back({storage::journal_change::kind::remove, change.queue, change.seq, {}});
    }
  }
  auto written = journal_->write(changes_);
  if (!written) {
    ++failed_writes_;
    spdlog::error("durable queues: {}", written.error().message);
  }
  return written;
}

} // namespace boa::bus
