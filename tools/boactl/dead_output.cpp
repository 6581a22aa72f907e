#include "tools/boactl/dead_output.hpp"

#include "tools/boactl/text_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ostream>

namespace boa::boactl {

namespace {

constexpr std::size_t body_excerpt = 160;

} // namespace

void print_dead_letters(console& c, const std::vector<protocol::envelope>& messages,
                        std::size_t limit) {
  const bool more = limit > 0 && messages.size() >= limit;
  if (c.json) {
    boost::json::array list;
    for (const auto& m : messages)
      list.push_back(boost::json::object{{"message_id", m.message_id},
                                         {"subject", m.subject},
                                         {"address", m.address},
                                         {"reason", m.dead_letter_reason},
                                         {"correlation_id", m.correlation_id},
                                         {"reply_to", m.reply_to},
                                         {"delivery_count", m.delivery_count},
                                         {"body", m.body}});
    c.out << boost::json::serialize(
                 boost::json::object{{"messages", std::move(list)}, {"limit_reached", more}})
          << '\n';
    return;
  }
  if (messages.empty()) {
    c.out << fmt::format("no messages in {}\n", protocol::addresses::dead);
    return;
  }
  c.out << fmt::format("{} message{} in {} (oldest first{}; they stay in the queue)\n",
                       messages.size(), messages.size() == 1 ? "" : "s", protocol::addresses::dead,
                       more ? ", there may be more: raise --limit" : "");
  std::size_t n = 0;
  for (const auto& m : messages) {
    c.out << fmt::format("\n{:>3}. reason      {}\n", ++n, excerpt(m.dead_letter_reason, 400));
    c.out << fmt::format("     subject     {}\n", excerpt(m.subject, 80));
    if (!m.address.empty() && m.address != protocol::addresses::dead)
      c.out << fmt::format("     address     {}\n", m.address);
    c.out << fmt::format("     message id  {}\n", excerpt(m.message_id, 120));
    c.out << fmt::format("     body        {}\n", excerpt(m.body, body_excerpt));
  }
}

} // namespace boa::boactl
