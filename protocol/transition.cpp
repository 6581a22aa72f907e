#include "protocol/transition.hpp"

#include "protocol/envelope.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace boa::protocol::transition {

namespace {

const step* join_step_of(const job& j) {
  if (j.step.empty())
    return nullptr;
  const auto* s = j.workflow->def.find(j.step);
  return s && s->role == step_role::join ? s : nullptr;
}

std::string last_error_of(const job& j, const step& s) {
  if (!j.error.empty())
    return j.error;
  for (auto i = j.history.rbegin(); i != j.history.rend(); ++i)
    if (i->step == s.id && !i->error.empty())
      return "step '" + s.id + "' failed: " + i->error;
  return "step '" + s.id + "' failed";
}

/// "<fork id>.<branch>." of the innermost fork the job runs in, "" outside any fork. Sibling
/// branches start with empty histories, so a step and a history length alone do not tell apart the
/// forks or reduces two of them start at the same step.
std::string branch_scope(const job& j) {
  if (j.forks.empty())
    return {};
  const auto& f = j.forks.back();
  return f.fork_id + "." + std::to_string(f.branch) + ".";
}

history_entry instant_entry(const step& s, std::int64_t now_ms, const std::string& node,
                            std::string result, std::string error) {
  history_entry e;
  e.step = s.id;
  e.node = node;
  e.start_ms = now_ms;
  e.end_ms = now_ms;
  e.result = std::move(result);
  e.error = std::move(error);
  return e;
}

} // namespace

job start(std::string id, workflow_ptr workflow, const properties& start_props,
          std::int64_t now_ms) {
  job j;
  j.id = std::move(id);
  j.props = workflow->def.props;
  merge_into(j.props, start_props);
  j.step = workflow->def.steps.front().id;
  j.state = job_state::initial;
  j.created_ms = now_ms;
  j.updated_ms = now_ms;
  if (workflow->def.timeout_ms)
    j.deadline_ms = now_ms + *workflow->def.timeout_ms;
  j.workflow = std::move(workflow);
  return j;
}

void enter_step(job& j, const step& s) {
  j.state = job_state::running;
  merge_into(j.props, s.props);
}

std::string record_attempt(job& j, const step& s, const step_outcome& outcome,
                           history_entry entry) {
  entry.step = s.id;
  if (outcome.ok) {
    entry.result = extract_result(outcome.value);
    merge_into(j.props, returned_properties(outcome.value));
  } else {
    entry.result = std::string(error_result);
    entry.error = outcome.error;
    j.error = "step '" + s.id + "' failed: " + outcome.error;
  }
  auto result = entry.result;
  j.history.push_back(std::move(entry));
  return result;
}

std::int64_t retry_delay_ms(const step& s, int attempt) {
  if (!s.retry || attempt > s.retry->max)
    return -1;
  auto delay = static_cast<double>(s.retry->backoff_ms) *
               std::pow(s.retry->multiplier, static_cast<double>(attempt - 1));
  return static_cast<std::int64_t>(std::min(delay, 24.0 * 3600 * 1000));
}

std::string address_for(const job& j) {
  if (is_terminal(j.state)) {
    if (j.forks.empty())
      return addresses::archive;
    const auto& f = j.forks.back();
    return f.branch == 0 ? addresses::jobs : addresses::join_queue(j.id, f.fork_id);
  }
  if (!j.forks.empty() && j.forks.back().branch != 0 && join_step_of(j))
    return addresses::join_queue(j.id, j.forks.back().fork_id);
  return addresses::jobs;
}

bool is_rendezvous(const job& j) {
  if (j.forks.empty() || j.forks.back().branch != 0)
    return false;
  return is_terminal(j.state) || join_step_of(j) != nullptr;
}

std::vector<outbound_job> end(job j, job_state state, std::string error, std::int64_t now_ms) {
  j.state = state;
  j.step.clear();
  j.attempt = 1;
  j.updated_ms = now_ms;
  if (state == job_state::finished)
    j.error.clear();
  else if (!error.empty())
    j.error = std::move(error);
  if (!j.forks.empty()) {
    auto address = address_for(j);
    return {{std::move(address), std::move(j)}};
  }
  j.ended_ms = now_ms;
  std::vector<outbound_job> out;
  if (!j.parent_id.empty())
    out.push_back({addresses::reduce_queue(j.parent_id, j.parent_step), j});
  out.push_back({addresses::archive, std::move(j)});
  return out;
}

std::vector<outbound_job> advance(job j, const step& s, const std::string& result,
                                  std::int64_t now_ms) {
  auto targets = route(s, result, s.parallel);
  if (targets.empty()) {
    if (result == error_result) {
      auto why = last_error_of(j, s);
      return end(std::move(j), job_state::error, std::move(why), now_ms);
    }
    return end(std::move(j), job_state::finished, {}, now_ms);
  }
  j.state = job_state::running;
  j.error.clear();
  j.attempt = 1;
  j.updated_ms = now_ms;
  std::vector<outbound_job> out;
  if (!s.parallel) {
    j.step = targets.front();
    auto address = address_for(j);
    out.push_back({std::move(address), std::move(j)});
    return out;
  }
  const int n = static_cast<int>(targets.size());
  const auto fork_id = branch_scope(j) + s.id + "-" + std::to_string(j.history.size());
  for (int i = 0; i < n; ++i) {
    job b = i + 1 == n ? std::move(j) : j;
    if (i > 0)
      b.history.clear(); // a branch carries only what happened in it; the join appends it
    b.forks.push_back({fork_id, s.id, i, n, b.props});
    b.step = targets[i];
    auto address = address_for(b);
    out.push_back({std::move(address), std::move(b)});
  }
  return out;
}

std::vector<outbound_job> join(job main, std::vector<job> branches, std::int64_t now_ms,
                               const std::string& node) {
  std::sort(branches.begin(), branches.end(), [](const job& a, const job& b) {
    return a.forks.back().branch < b.forks.back().branch;
  });
  const step* js = join_step_of(main);
  for (const auto& b : branches)
    if (!js)
      js = join_step_of(b);
  const auto policy = js ? js->merge : merge_policy::last_writer_wins;

  std::string errors;
  bool canceled = false;
  auto note = [&](const job& b) {
    if (b.state == job_state::canceled)
      canceled = true;
    if (b.state == job_state::error) {
      if (!errors.empty())
        errors += "; ";
      errors += "branch " + std::to_string(b.forks.back().branch) + ": " + b.error;
    }
  };
  note(main);
  auto branch_key = [](const job& b) {
    const auto& f = b.forks.back();
    return f.fork_step + "." + std::to_string(f.branch);
  };
  // Each branch contributes what it changed from the properties at the fork, never a value it
  // merely inherited; deletions are not merged.
  const auto& base = main.forks.back().base;
  auto changes_of = [&base](const properties& props) {
    properties delta;
    for (const auto& member : props) {
      auto i = base.find(member.key());
      if (i == base.end() || i->value() != member.value())
        delta.emplace(member.key(), member.value());
    }
    return delta;
  };
  std::unordered_set<std::string> written; // first-writer-wins: keys some branch already changed
  if (policy == merge_policy::first_writer_wins)
    for (const auto& member : changes_of(main.props))
      written.emplace(member.key());
  if (policy == merge_policy::by_branch)
    main.props.insert_or_assign(branch_key(main), boost::json::value(main.props));
  for (auto& b : branches) {
    note(b);
    switch (policy) {
    case merge_policy::last_writer_wins:
      merge_into(main.props, changes_of(b.props));
      break;
    case merge_policy::first_writer_wins:
      for (const auto& member : changes_of(b.props))
        if (written.emplace(member.key()).second)
          main.props.insert_or_assign(member.key(), member.value());
      break;
    case merge_policy::by_branch:
      main.props.insert_or_assign(branch_key(b), boost::json::value(std::move(b.props)));
      break;
    }
    for (auto& e : b.history)
      main.history.push_back(std::move(e));
  }
  main.forks.pop_back();

  if (canceled)
    return end(std::move(main), job_state::canceled, "canceled", now_ms);
  if (!js) {
    // The main branch ended inside the fork: the fork, and this level of the job, ends with it.
    if (!errors.empty())
      return end(std::move(main), job_state::error, std::move(errors), now_ms);
    return end(std::move(main), job_state::finished, {}, now_ms);
  }
  std::string result = errors.empty() ? "" : std::string(error_result);
  main.step = js->id;
  main.state = job_state::running;
  main.error = errors;
  main.history.push_back(instant_entry(*js, now_ms, node, result, errors));
  return advance(std::move(main), *js, result, now_ms);
}

std::string reduce_key(const job& j, const step& map_step) {
  return branch_scope(j) + map_step.id + "-" + std::to_string(j.history.size());
}

map_fanout start_map(job parent, const step& map_step, const std::string& key,
                     const boost::json::array& items, const workflow_ptr& sub_workflow,
                     std::int64_t now_ms) {
  map_fanout out;
  out.sub_jobs.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    properties item_props;
    if (const auto* obj = items[i].if_object())
      item_props = *obj;
    else
      item_props.emplace("item", items[i]);
    auto sub =
        start(parent.id + "." + key + "." + std::to_string(i), sub_workflow, item_props, now_ms);
    sub.parent_id = parent.id;
    sub.parent_step = key;
    sub.item_index = static_cast<std::int64_t>(i);
    out.sub_jobs.push_back(std::move(sub));
  }
  reduce_progress progress;
  progress.map_step = key;
  progress.expected = static_cast<std::int64_t>(items.size());
  parent.reduce = std::move(progress);
  parent.step = map_step.next.front().target;
  parent.state = job_state::running;
  parent.attempt = 1;
  parent.updated_ms = now_ms;
  auto address = address_for(parent);
  out.parent = {std::move(address), std::move(parent)};
  return out;
}

bool fold(job& parent, const step& reduce_step, const job& sub_job) {
  auto& r = *parent.reduce;
  auto at = std::lower_bound(r.folded.begin(), r.folded.end(), sub_job.id);
  if (at != r.folded.end() && *at == sub_job.id)
    return false;
  r.folded.insert(at, sub_job.id);
  if (sub_job.state != job_state::finished) {
    r.errors.push_back(sub_job.id + ": " +
                       (sub_job.error.empty() ? to_string(sub_job.state) : sub_job.error));
    return true;
  }
  const auto& spec = reduce_step.reduce;
  const boost::json::value* field = nullptr;
  if (!spec.field.empty()) {
    auto i = sub_job.props.find(spec.field);
    if (i != sub_job.props.end())
      field = &i->value();
  }
  if (spec.fold == fold_kind::sum) {
    if (!field || !field->is_number()) {
      r.errors.push_back(sub_job.id + ": property '" + spec.field + "' is not a number");
      return true;
    }
    r.sum += field->to_number<double>();
    return true;
  }
  if (sub_job.item_index < 0 || sub_job.item_index >= r.expected) {
    r.errors.push_back(sub_job.id + ": item index " + std::to_string(sub_job.item_index) +
                       " is out of range");
    return true;
  }
  if (r.items.size() < static_cast<std::size_t>(r.expected))
    r.items.resize(static_cast<std::size_t>(r.expected));
  auto& slot = r.items[static_cast<std::size_t>(sub_job.item_index)];
  if (spec.fold == fold_kind::collect && !spec.field.empty())
    slot.insert_or_assign(spec.field, field ? *field : boost::json::value(nullptr));
  else
    slot = sub_job.props;
  return true;
}

bool reduce_complete(const job& parent) {
  return parent.reduce &&
         static_cast<std::int64_t>(parent.reduce->folded.size()) >= parent.reduce->expected;
}

std::vector<outbound_job> finish_reduce(job parent, const step& reduce_step, std::int64_t now_ms,
                                        const std::string& node) {
  auto r = std::move(*parent.reduce);
  parent.reduce.reset();
  const auto& spec = reduce_step.reduce;
  boost::json::value folded;
  switch (spec.fold) {
  case fold_kind::sum: {
    double whole = std::trunc(r.sum);
    if (whole == r.sum && std::abs(r.sum) < 9e15)
      folded = static_cast<std::int64_t>(r.sum);
    else
      folded = r.sum;
    break;
  }
  case fold_kind::collect: {
    boost::json::array all;
    all.reserve(r.items.size());
    for (auto& item : r.items) {
      if (spec.field.empty())
        all.emplace_back(std::move(item));
      else if (auto i = item.find(spec.field); i != item.end())
        all.emplace_back(std::move(i->value()));
      else
        all.emplace_back(nullptr);
    }
    folded = std::move(all);
    break;
  }
  case fold_kind::merge: {
    properties merged;
    for (const auto& item : r.items)
      merge_into(merged, item);
    folded = std::move(merged);
    break;
  }
  }
  parent.props.insert_or_assign(spec.into.empty() ? reduce_step.id : spec.into, std::move(folded));
  std::string result;
  std::string errors;
  if (!r.errors.empty()) {
    result = std::string(error_result);
    errors = std::to_string(r.errors.size()) + " of " + std::to_string(r.expected) +
             " sub-jobs failed: ";
    for (std::size_t i = 0; i < r.errors.size(); ++i)
      errors += (i ? "; " : "") + r.errors[i];
    parent.error = "step '" + reduce_step.id + "' failed: " + errors;
  }
  parent.history.push_back(instant_entry(reduce_step, now_ms, node, result, errors));
  return advance(std::move(parent), reduce_step, result, now_ms);
}

} // namespace boa::protocol::transition
