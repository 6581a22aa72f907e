#include "protocol/workflow_codec.hpp"

#include "protocol/suggest.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <memory>
#include <unordered_map>

namespace boa::protocol {

namespace {

namespace json = boost::json;

constexpr const char* name_rule = "must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'";

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  out += s;
  out += '\'';
  return out;
}

/// What the graph rules need to know about a step besides the step itself.
struct step_info {
  bool has_id = false;
  std::size_t next_entries = 0;          ///< entries in the JSON `next`, valid or not
  std::vector<std::size_t> route_index;  ///< JSON index of each entry of `step::next`
  std::vector<std::size_t> route_target; ///< step index of each route's target, or npos
};

constexpr std::size_t npos = static_cast<std::size_t>(-1);

class workflow_decoder {
public:
  workflow_decoder(json_reader& r, const step_kind_filter& known_kinds)
      : r_(r), known_kinds_(known_kinds) {}

  /// Everything that could be read; complete only when the reader records no error.
  workflow read_workflow(const json::value& v, const json_path& at) {
    workflow w;
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return w;
    r_.reject_unknown_keys(
        *obj, at, {"name", "revision", "description", "properties", "timeout_ms", "steps"});
    if (const auto* m = r_.member(*obj, at, "name", true))
      if (auto s = r_.string(*m, at / "name")) {
        if (valid_name(*s))
          w.name = *s;
        else
          r_.error(at / "name", name_rule);
      }
    if (const auto* m = r_.member(*obj, at, "revision"))
      w.revision = r_.integer(*m, at / "revision", 1);
    if (const auto* m = r_.member(*obj, at, "description"))
      (void)r_.string(*m, at / "description");
    if (const auto* m = r_.member(*obj, at, "properties"))
      if (const auto* p = r_.object(*m, at / "properties"))
        w.props = *p;
    if (const auto* m = r_.member(*obj, at, "timeout_ms"))
      w.timeout_ms = r_.integer(*m, at / "timeout_ms", 1);

    const json_path steps_at = at / "steps";
    const json::array* steps = nullptr;
    if (const auto* m = r_.member(*obj, at, "steps", true))
      steps = r_.array(*m, steps_at);
    if (steps == nullptr)
      return w;
    if (steps->empty()) {
      r_.error(steps_at, "must not be empty");
      return w;
    }
    std::vector<step_info> info(steps->size());
    w.steps.resize(steps->size());
    for (std::size_t i = 0; i < steps->size(); ++i)
      read_step((*steps)[i], steps_at[i], w.steps[i], info[i]);
    check_graph(w, info, steps_at);
    return w;
  }

private:
  void read_step(const json::value& v, const json_path& at, step& s, step_info& info) {
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return;
    r_.reject_unknown_keys(*obj, at,
                           {"id", "run", "description", "properties", "next", "parallel", "retry",
                            "timeout_ms", "join", "map", "reduce"});
    if (const auto* m = r_.member(*obj, at, "id", true))
      if (auto id = r_.string(*m, at / "id")) {
        s.id = *id;
        info.has_id = true;
        if (!valid_name(*id))
          r_.error(at / "id", name_rule);
      }
    if (const auto* m = r_.member(*obj, at, "description"))
      (void)r_.string(*m, at / "description");
    if (const auto* m = r_.member(*obj, at, "properties"))
      if (const auto* p = r_.object(*m, at / "properties"))
        s.props = *p;

    read_role(*obj, at, s);

    if (const auto* m = r_.member(*obj, at, "run")) {
      if (s.role == step_role::join || s.role == step_role::reduce)
        r_.error(at / "run", std::string("a ") + to_string(s.role) + " step cannot have 'run'");
      else if (auto run = read_run(*m, at / "run"))
        s.run = std::move(*run);
    } else if (s.role == step_role::task) {
      r_.error(at / "run", "is required");
    } else if (s.role == step_role::map && s.map.items.empty() &&
               obj->at("map").is_object()) { // a map that is not an object is reported already
      const json_path map_at = at / "map";
      r_.error(map_at / "items", "is required when the map step has no 'run'");
    }

    if (const auto* m = r_.member(*obj, at, "next"))
      read_next(*m, at / "next", s, info);
    if (const auto* m = r_.member(*obj, at, "parallel"))
      if (auto b = r_.boolean(*m, at / "parallel")) {
        s.parallel = *b;
        if (s.parallel && info.next_entries == 0)
          r_.error(at / "parallel", "a parallel step needs at least one 'next' entry");
      }
    if (const auto* m = r_.member(*obj, at, "retry"))
      s.retry = read_retry(*m, at / "retry");
    if (const auto* m = r_.member(*obj, at, "timeout_ms"))
      s.timeout_ms = r_.integer(*m, at / "timeout_ms", 1);
  }

  void read_role(const json::object& obj, const json_path& at, step& s) {
    const char* role_name = nullptr;
    auto claim = [&](const char* key, step_role role) {
      if (role_name != nullptr) {
        r_.error(at / key,
                 std::string("a step can be only one of join, map and reduce; this one is "
                             "already a ") +
                     role_name + " step");
        return false;
      }
      role_name = key;
      s.role = role;
      return true;
    };
    if (const auto* m = r_.member(obj, at, "join")) {
      const json_path join_at = at / "join";
      if (const auto* b = m->if_bool()) {
        if (*b)
          claim("join", step_role::join);
      } else if (const auto* o = m->if_object()) {
        claim("join", step_role::join);
        r_.reject_unknown_keys(*o, join_at, {"merge"});
        if (const auto* merge = r_.member(*o, join_at, "merge"))
          read_merge(*merge, join_at / "merge", s);
      } else {
        r_.error(join_at, std::string("expected true or an object, got ") + json_kind_name(*m));
      }
    }
    if (const auto* m = r_.member(obj, at, "map"))
      if (claim("map", step_role::map))
        read_map(*m, at / "map", s);
    if (const auto* m = r_.member(obj, at, "reduce"))
      if (claim("reduce", step_role::reduce))
        read_reduce(*m, at / "reduce", s);
  }

  void read_merge(const json::value& v, const json_path& at, step& s) {
    auto name = r_.string(v, at);
    if (!name)
      return;
    for (auto p :
         {merge_policy::last_writer_wins, merge_policy::first_writer_wins, merge_policy::by_branch})
      if (*name == to_string(p)) {
        s.merge = p;
        return;
      }
    r_.error(at, "unknown merge policy " + quoted(*name) +
                     " (known: last-writer-wins, first-writer-wins, by-branch)");
  }

  void read_map(const json::value& v, const json_path& at, step& s) {
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return;
    r_.reject_unknown_keys(*obj, at, {"workflow", "items"});
    const json_path workflow_at = at / "workflow";
    if (const auto* m = r_.member(*obj, at, "workflow", true)) {
      if (const auto* name = m->if_string()) {
        if (valid_reference(*name))
          s.map.workflow = *name;
        else
          r_.error(workflow_at, "must be a workflow name or name@revision, e.g. 'billing' or "
                                "'billing@3'");
      } else if (m->is_object()) {
        // Validated for the problems only; the sub-job decodes it again when it starts.
        (void)read_workflow(*m, workflow_at);
        s.map.inline_workflow = *m;
      } else {
        r_.error(workflow_at,
                 std::string("expected a workflow name or an inline definition, got ") +
                     json_kind_name(*m));
      }
    }
    if (const auto* m = r_.member(*obj, at, "items"))
      if (auto items = r_.non_empty_string(*m, at / "items"))
        s.map.items = *items;
  }

  static bool valid_reference(std::string_view ref) {
    auto at = ref.rfind('@');
    if (at == std::string_view::npos)
      return valid_name(ref);
    std::string_view revision = ref.substr(at + 1);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(revision.data(), revision.data() + revision.size(), n);
    return valid_name(ref.substr(0, at)) && ec == std::errc() &&
           end == revision.data() + revision.size() && n >= 1;
  }

  void read_reduce(const json::value& v, const json_path& at, step& s) {
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return;
    r_.reject_unknown_keys(*obj, at, {"fold", "field", "into"});
    if (const auto* m = r_.member(*obj, at, "fold"))
      if (auto fold = r_.string(*m, at / "fold")) {
        bool found = false;
        for (auto f : {fold_kind::collect, fold_kind::sum, fold_kind::merge})
          if (*fold == to_string(f)) {
            s.reduce.fold = f;
            found = true;
          }
        if (!found)
          r_.error(at / "fold", "unknown fold " + quoted(*fold) + " (known: collect, sum, merge)");
      }
    if (const auto* m = r_.member(*obj, at, "field"))
      if (auto field = r_.non_empty_string(*m, at / "field"))
        s.reduce.field = *field;
    if (s.reduce.fold == fold_kind::sum && !obj->contains("field"))
      r_.error(at / "field", "is required when fold is 'sum'");
    s.reduce.into = s.id;
    if (const auto* m = r_.member(*obj, at, "into"))
      if (auto into = r_.non_empty_string(*m, at / "into"))
        s.reduce.into = *into;
  }

  std::optional<run_spec> read_run(const json::value& v, const json_path& at) {
    run_spec run;
    static const json::object no_args;
    const json::object* obj = &no_args;
    json_path kind_at = at; // where a problem with the kind is reported
    if (const auto* kind = v.if_string()) {
      if (kind->empty()) {
        r_.error(at, "must not be empty");
        return std::nullopt;
      }
      run.kind = *kind;
    } else if (v.is_object()) {
      obj = &v.get_object();
      kind_at = at / "kind";
      const auto* m = r_.member(*obj, at, "kind", true);
      auto kind = m ? r_.non_empty_string(*m, kind_at) : std::nullopt;
      if (!kind)
        return std::nullopt;
      run.kind = *kind;
      run.args.reserve(obj->size() - 1);
      for (const auto& kv : *obj)
        if (kv.key() != "kind")
          run.args.emplace(kv.key(), kv.value());
    } else {
      r_.error(at, std::string("expected a step kind or an object, got ") + json_kind_name(v));
      return std::nullopt;
    }
    if (known_kinds_ && !known_kinds_(run.kind)) {
      r_.error(kind_at, "unknown step kind " + quoted(run.kind));
      return std::nullopt;
    }
    check_builtin_args(run.kind, *obj, at);
    return run;
  }

  /// The arguments of the kinds every node has; other kinds check their own when they run.
  void check_builtin_args(std::string_view kind, const json::object& run, const json_path& at) {
    if (kind == "noop") {
      r_.reject_unknown_keys(run, at, {"kind"});
    } else if (kind == "sleep") {
      r_.reject_unknown_keys(run, at, {"kind", "ms"});
      if (const auto* m = r_.member(run, at, "ms", true))
        (void)r_.integer(*m, at / "ms", 0);
    } else if (kind == "fail") {
      r_.reject_unknown_keys(run, at, {"kind", "message"});
      if (const auto* m = r_.member(run, at, "message"))
        (void)r_.string(*m, at / "message");
    } else if (kind == "set") {
      r_.reject_unknown_keys(run, at, {"kind", "values"});
      if (const auto* m = r_.member(run, at, "values"))
        (void)r_.object(*m, at / "values");
    } else if (kind == "exec") {
      r_.reject_unknown_keys(run, at, {"kind", "argv", "env"});
      check_exec(run, at);
    } else if (kind == "cpp") {
      r_.reject_unknown_keys(run, at, {"kind", "function"});
      if (const auto* m = r_.member(run, at, "function", true))
        (void)r_.non_empty_string(*m, at / "function");
    }
  }

  void check_exec(const json::object& run, const json_path& at) {
    const json_path argv_at = at / "argv";
    if (const auto* m = r_.member(run, at, "argv", true))
      if (const auto* argv = r_.array(*m, argv_at)) {
        if (argv->empty())
          r_.error(argv_at, "must name a program");
        for (std::size_t i = 0; i < argv->size(); ++i)
          if (i == 0)
            (void)r_.non_empty_string((*argv)[i], argv_at[i]);
          else
            (void)r_.string((*argv)[i], argv_at[i]);
      }
    const json_path env_at = at / "env";
    if (const auto* m = r_.member(run, at, "env"))
      if (const auto* env = r_.object(*m, env_at))
        for (const auto& kv : *env)
          (void)r_.string(kv.value(), env_at / kv.key());
  }

  void read_next(const json::value& v, const json_path& at, step& s, step_info& info) {
    const auto* next = r_.array(v, at);
    if (next == nullptr)
      return;
    info.next_entries = next->size();
    for (std::size_t i = 0; i < next->size(); ++i) {
      const json_path entry_at = at[i];
      const auto* entry = (*next)[i].if_array();
      if (entry == nullptr || entry->size() != 2) {
        r_.error(entry_at, std::string("expected [match, step-id], got ") +
                               (entry ? "an array of " + std::to_string(entry->size())
                                      : std::string(json_kind_name((*next)[i]))));
        continue;
      }
      auto match = r_.non_empty_string((*entry)[0], entry_at[0]);
      auto target = r_.non_empty_string((*entry)[1], entry_at[1]);
      if (!match || !target)
        continue;
      s.next.push_back({lower(*match), std::string(*target)});
      info.route_index.push_back(i);
    }
  }

  std::optional<retry_policy> read_retry(const json::value& v, const json_path& at) {
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return std::nullopt;
    r_.reject_unknown_keys(*obj, at, {"max", "backoff_ms", "multiplier"});
    retry_policy retry;
    if (const auto* m = r_.member(*obj, at, "max", true))
      if (auto n = r_.integer(*m, at / "max", 0, 1000))
        retry.max = static_cast<int>(*n);
    if (const auto* m = r_.member(*obj, at, "backoff_ms"))
      if (auto n = r_.integer(*m, at / "backoff_ms", 0))
        retry.backoff_ms = *n;
    if (const auto* m = r_.member(*obj, at, "multiplier"))
      if (auto x = r_.number(*m, at / "multiplier", 1.0))
        retry.multiplier = *x;
    return retry;
  }

  void check_graph(const workflow& w, std::vector<step_info>& info, const json_path& steps_at) {
    const std::size_t n = w.steps.size();
    std::unordered_map<std::string_view, std::size_t> first;
    std::vector<std::string_view> ids;
    for (std::size_t i = 0; i < n; ++i) {
      if (!info[i].has_id)
        continue;
      auto [it, inserted] = first.emplace(w.steps[i].id, i);
      const json_path step_at = steps_at[i];
      if (inserted)
        ids.push_back(w.steps[i].id);
      else
        r_.error(step_at / "id", "duplicate step id " + quoted(w.steps[i].id) +
                                     " (already used by steps[" + std::to_string(it->second) +
                                     "])");
    }

    std::vector<std::vector<std::size_t>> successors(n);
    for (std::size_t i = 0; i < n; ++i) {
      const json_path step_at = steps_at[i];
      const json_path next_at = step_at / "next";
      for (std::size_t k = 0; k < w.steps[i].next.size(); ++k) {
        const std::string& target = w.steps[i].next[k].target;
        auto it = first.find(target);
        if (it == first.end()) {
          r_.error(next_at[info[i].route_index[k]],
                   "unknown step " + quoted(target) + did_you_mean(target, ids));
          info[i].route_target.push_back(npos);
          continue;
        }
        info[i].route_target.push_back(it->second);
        successors[i].push_back(it->second);
      }
    }

    for (std::size_t i = 0; i < n; ++i)
      check_successors(w, i, successors[i], info[i], steps_at);
    const json_path entry_at = steps_at[0];
    if (w.steps[0].role == step_role::reduce)
      r_.error(entry_at / "reduce",
               "the entry step cannot be a reduce step: only a map step may lead to one");

    std::vector<std::size_t> forks;
    for (std::size_t i = 0; i < n; ++i)
      if (w.steps[i].parallel)
        forks.insert(forks.end(), successors[i].begin(), successors[i].end());
    const auto after_fork = reachable(successors, std::move(forks));
    for (std::size_t i = 0; i < n; ++i) {
      const json_path step_at = steps_at[i];
      if (w.steps[i].role == step_role::join && !after_fork[i])
        r_.error(step_at / "join",
                 "join " + quoted(w.steps[i].id) + " is not reachable from any parallel step");
    }

    const auto from_entry = reachable(successors, {0});
    for (std::size_t i = 0; i < n; ++i)
      if (!from_entry[i] && info[i].has_id) // a step without id is an error already
        r_.warning(steps_at[i], "step " + quoted(w.steps[i].id) +
                                    " is unreachable from the entry step " + quoted(w.steps[0].id));
  }

  /// The rules about what may follow step `i`: a join alone, a map's reduce, a reduce after a map.
  void check_successors(const workflow& w, std::size_t i,
                        const std::vector<std::size_t>& successors, const step_info& info,
                        const json_path& steps_at) {
    const step& s = w.steps[i];
    const json_path step_at = steps_at[i];
    const json_path next_at = step_at / "next";
    for (auto t : successors)
      if (w.steps[t].role == step_role::join) {
        if (std::any_of(successors.begin(), successors.end(), [t](auto u) { return u != t; }))
          r_.error(next_at, "step " + quoted(s.id) + " leads to join " + quoted(w.steps[t].id) +
                                ", so " + quoted(w.steps[t].id) + " must be its only successor");
        break;
      }
    if (s.role == step_role::map) {
      if (info.next_entries != 1)
        r_.error(next_at, "map step " + quoted(s.id) +
                              " must have exactly one next entry, leading to its reduce step");
      else if (successors.size() == 1 && w.steps[successors[0]].role != step_role::reduce)
        r_.error(next_at[0], "map step " + quoted(s.id) + " must lead to a reduce step; " +
                                 quoted(w.steps[successors[0]].id) + " is a " +
                                 to_string(w.steps[successors[0]].role) + " step");
      return;
    }
    for (std::size_t k = 0; k < info.route_target.size(); ++k) {
      auto t = info.route_target[k];
      if (t != npos && w.steps[t].role == step_role::reduce)
        r_.error(next_at[info.route_index[k]], "only a map step may lead to reduce step " +
                                                   quoted(w.steps[t].id) + "; " + quoted(s.id) +
                                                   " is a " + to_string(s.role) + " step");
    }
  }

  static std::vector<bool> reachable(const std::vector<std::vector<std::size_t>>& successors,
                                     std::vector<std::size_t> pending) {
    std::vector<bool> seen(successors.size());
    for (auto i : pending)
      seen[i] = true;
    while (!pending.empty()) {
      auto i = pending.back();
      pending.pop_back();
      for (auto t : successors[i])
        if (!seen[t]) {
          seen[t] = true;
          pending.push_back(t);
        }
    }
    return seen;
  }

  json_reader& r_;
  const step_kind_filter& known_kinds_;
};

json::value encode_run(const run_spec& run) {
  if (run.args.empty())
    return json::string(run.kind);
  json::object o;
  o.reserve(run.args.size() + 1);
  o.emplace("kind", run.kind);
  for (const auto& kv : run.args)
    o.emplace(kv.key(), kv.value());
  return o;
}

json::object encode_step(const step& s) {
  json::object o;
  o.emplace("id", s.id);
  if (!s.run.kind.empty())
    o.emplace("run", encode_run(s.run));
  if (!s.props.empty())
    o.emplace("properties", s.props);
  if (!s.next.empty()) {
    json::array next;
    next.reserve(s.next.size());
    for (const auto& r : s.next)
      next.push_back(json::array{json::string(r.match), json::string(r.target)});
    o.emplace("next", std::move(next));
  }
  if (s.parallel)
    o.emplace("parallel", true);
  if (s.retry)
    o.emplace("retry", json::object{{"max", s.retry->max},
                                    {"backoff_ms", s.retry->backoff_ms},
                                    {"multiplier", s.retry->multiplier}});
  if (s.timeout_ms)
    o.emplace("timeout_ms", *s.timeout_ms);
  switch (s.role) {
  case step_role::task:
    break;
  case step_role::join:
    if (s.merge == merge_policy::last_writer_wins)
      o.emplace("join", true);
    else
      o.emplace("join", json::object{{"merge", to_string(s.merge)}});
    break;
  case step_role::map: {
    json::object map;
    if (s.map.workflow.empty())
      map.emplace("workflow", s.map.inline_workflow);
    else
      map.emplace("workflow", s.map.workflow);
    if (!s.map.items.empty())
      map.emplace("items", s.map.items);
    o.emplace("map", std::move(map));
    break;
  }
  case step_role::reduce: {
    json::object reduce{{"fold", to_string(s.reduce.fold)}};
    if (!s.reduce.field.empty())
      reduce.emplace("field", s.reduce.field);
    reduce.emplace("into", s.reduce.into.empty() ? s.id : s.reduce.into);
    o.emplace("reduce", std::move(reduce));
    break;
  }
  }
  return o;
}

} // namespace

workflow_decoding decode_workflow(const boost::json::value& json,
                                  const step_kind_filter& known_kinds) {
  workflow_decoding out;
  json_reader reader(out.problems);
  workflow w = workflow_decoder(reader, known_kinds).read_workflow(json, json_path());
  if (reader.failed())
    return out;
  auto pinned = std::make_shared<pinned_workflow>();
  pinned->def = std::move(w);
  pinned->def.index();
  pinned->source = json.get_object();
  pinned->source_text = boost::json::serialize(pinned->source);
  out.workflow = std::move(pinned);
  return out;
}

workflow_decoding parse_workflow(std::string_view text, const step_kind_filter& known_kinds) {
  auto json = parse_json(text);
  if (!json) {
    workflow_decoding out;
    out.problems.push_back(std::move(json).error());
    return out;
  }
  return decode_workflow(*json, known_kinds);
}

boost::json::object encode_workflow(const workflow& w) {
  json::object o;
  o.emplace("name", w.name);
  if (w.revision)
    o.emplace("revision", *w.revision);
  if (!w.props.empty())
    o.emplace("properties", w.props);
  if (w.timeout_ms)
    o.emplace("timeout_ms", *w.timeout_ms);
  json::array steps;
  steps.reserve(w.steps.size());
  for (const auto& s : w.steps)
    steps.push_back(encode_step(s));
  o.emplace("steps", std::move(steps));
  return o;
}

} // namespace boa::protocol
