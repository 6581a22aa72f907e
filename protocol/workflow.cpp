#include "protocol/workflow.hpp"

namespace boa::protocol {

const step* workflow::find(std::string_view id) const {
  auto i = index_.find(std::string(id));
  return i == index_.end() ? nullptr : &steps[i->second];
}

void workflow::index() {
  index_.clear();
  for (std::size_t i = 0; i < steps.size(); ++i)
    index_.emplace(steps[i].id, i);
}

const char* to_string(step_role role) {
  switch (role) {
  case step_role::task:
    return "task";
  case step_role::join:
    return "join";
  case step_role::map:
    return "map";
  case step_role::reduce:
    return "reduce";
  }
  return "?";
}

const char* to_string(merge_policy policy) {
  switch (policy) {
  case merge_policy::last_writer_wins:
    return "last-writer-wins";
  case merge_policy::first_writer_wins:
    return "first-writer-wins";
  case merge_policy::by_branch:
    return "by-branch";
  }
  return "?";
}

const char* to_string(fold_kind fold) {
  switch (fold) {
  case fold_kind::collect:
    return "collect";
  case fold_kind::sum:
    return "sum";
  case fold_kind::merge:
    return "merge";
  }
  return "?";
}

} // namespace boa::protocol
