#include "sim/lifecycle_checker.hpp"

#include "protocol/envelope.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace boa::sim {

namespace {

bool within(const std::string& line, const std::string& outer) {
  return line.starts_with(outer);
}

/// Everything observed of one job, merged in the run's order.
struct job_story {
  std::vector<const attempt_record*> attempts;
  std::vector<const state_record*> states;
};

std::string describe(const attempt_record& a) {
  return fmt::format("step {} attempt {} of job {} (at {} ms)", a.step, a.attempt, a.job_id,
                     a.at_ms);
}

void check_job(const job_story& story, std::vector<std::string>& out,
               std::vector<std::string>& after_end) {
  std::set<std::pair<std::string, int>> seen; // (step, attempt) that ran before
  // The line each step was last published in, and the states that stop lines.
  std::map<std::string, std::string> line_of_step;
  const state_record* ended = nullptr;
  std::vector<const state_record*> canceled;            // first canceled state of each line
  std::map<std::string, const state_record*> suspended; // line -> suspended state, while it lasts
  auto s = story.states.begin();
  for (const auto* a : story.attempts) {
    // States published before this attempt.
    for (; s != story.states.end() && (*s)->seq < a->seq; ++s) {
      const auto& st = **s;
      if (!st.step.empty())
        line_of_step[st.step] = st.line;
      if (st.state == protocol::job_state::suspended) {
        suspended.emplace(st.line, &st);
      } else {
        suspended.erase(st.line);
      }
      if (st.state == protocol::job_state::canceled &&
          std::none_of(canceled.begin(), canceled.end(),
                       [&](const state_record* c) { return c->line == st.line; }))
        canceled.push_back(&st);
      if (!ended && st.address == protocol::addresses::archive)
        ended = &st;
    }
    if (!seen.emplace(a->step, a->attempt).second)
      continue; // a re-run of an attempt made before (after a crash)
    auto line = line_of_step.count(a->step) ? line_of_step[a->step] : std::string{};
    if (ended) {
      after_end.push_back(
          fmt::format("{} started after the job ended {} (published by {} at {} ms)", describe(*a),
                      protocol::to_string(ended->state), ended->node, ended->at_ms));
      continue;
    }
    for (const auto* c : canceled)
      if (within(line, c->line)) {
        out.push_back(fmt::format("{} started after the cancel took effect (canceled state "
                                  "published by {} at {} ms)",
                                  describe(*a), c->node, c->at_ms));
        break;
      }
    if (auto p = suspended.find(line); p != suspended.end())
      out.push_back(fmt::format("{} started while the job was suspended (since {} ms, by {})",
                                describe(*a), p->second->at_ms, p->second->node));
  }
}

} // namespace

std::vector<std::string> check_lifecycle(const std::vector<attempt_record>& attempts,
                                         const std::vector<state_record>& states,
                                         const std::set<std::string>& copied,
                                         std::vector<std::string>* diverged) {
  std::map<std::string, job_story> stories;
  for (const auto& a : attempts)
    stories[a.job_id].attempts.push_back(&a);
  for (const auto& st : states)
    stories[st.job_id].states.push_back(&st);
  std::vector<std::string> out;
  for (auto& [id, story] : stories) {
    auto by_seq = [](const auto* x, const auto* y) { return x->seq < y->seq; };
    std::sort(story.attempts.begin(), story.attempts.end(), by_seq);
    std::sort(story.states.begin(), story.states.end(), by_seq);
    std::vector<std::string> after_end;
    check_job(story, out, after_end);
    auto& to = copied.count(id) != 0 && diverged ? *diverged : out;
    to.insert(to.end(), after_end.begin(), after_end.end());
  }
  return out;
}

} // namespace boa::sim
