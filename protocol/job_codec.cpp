#include "protocol/job_codec.hpp"

#include "protocol/json_text_writer.hpp"

#include "protocol/json_read.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serializer.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <climits>
#include <functional>
#include <type_traits>

namespace boa::protocol {

namespace {

namespace json = boost::json;

// --- encoding
// ------------------------------------------------------------------------------------- One
// description of the wire form (`write_job`) drives two writers, so that the object and the text
// can never disagree: `object_writer` builds a json::object, `text_writer` appends JSON text
// without copying the workflow source and the properties into an intermediate object.

class object_writer {
public:
  json::object result() && { return std::move(root_.get_object()); }

  void begin_object() { stack_[depth_++] = &place(json::object()); }
  void end_object() { --depth_; }
  void begin_array() { stack_[depth_++] = &place(json::array()); }
  void end_array() { --depth_; }
  void key(std::string_view k) { key_ = k; }
  void value(std::string_view s) { place(json::string(s)); }
  void value(std::int64_t n) { place(n); }
  void value(double d) { place(d); }
  void value(const json::object& o) { place(o); }

private:
  // A container on the stack receives members only while it is the innermost one, so the pointers
  // to the outer ones stay valid.
  json::value& place(json::value v) {
    if (depth_ == 0)
      return root_ = std::move(v);
    json::value& top = *stack_[depth_ - 1];
    if (auto* o = top.if_object())
      return o->emplace(key_, std::move(v)).first->value();
    return top.get_array().emplace_back(std::move(v));
  }

  json::value root_;
  std::array<json::value*, 4> stack_{};
  std::size_t depth_ = 0;
  std::string_view key_;
};

template <class W, class T> void member(W& w, std::string_view key, const T& value) {
  w.key(key);
  w.value(value);
}

template <class W> void non_empty(W& w, std::string_view key, const std::string& s) {
  if (!s.empty())
    member(w, key, std::string_view(s));
}

template <class W>
void non_default(W& w, std::string_view key, std::int64_t n, std::int64_t default_value = 0) {
  if (n != default_value)
    member(w, key, n);
}

template <class W> void strings(W& w, std::string_view key, const std::vector<std::string>& list) {
  if (list.empty())
    return;
  w.key(key);
  w.begin_array();
  for (const auto& s : list)
    w.value(std::string_view(s));
  w.end_array();
}

template <class W> void write_reduce(W& w, const reduce_progress& r) {
  w.key("reduce");
  w.begin_object();
  non_empty(w, "map_step", r.map_step);
  non_default(w, "expected", r.expected);
  strings(w, "folded", r.folded);
  if (!r.items.empty()) {
    w.key("items");
    w.begin_array();
    for (const auto& item : r.items)
      w.value(item);
    w.end_array();
  }
  if (r.sum != 0)
    member(w, "sum", r.sum);
  strings(w, "errors", r.errors);
  w.end_object();
}

/// The pinned definition: as text, the copy serialized once when it was decoded.
template <class W> void write_workflow(W& w, const pinned_workflow& p) {
  if constexpr (std::is_same_v<W, text_writer>) {
    if (!p.source_text.empty()) {
      w.key("workflow");
      w.raw(p.source_text);
      return;
    }
  }
  member(w, "workflow", p.source);
}

template <class W> void write_job(W& w, const job& j) {
  w.begin_object();
  member(w, "v", std::int64_t{1});
  member(w, "type", std::string_view("job"));
  member(w, "id", std::string_view(j.id));
  if (j.workflow)
    write_workflow(w, *j.workflow);
  if (!j.props.empty())
    member(w, "properties", j.props);
  non_empty(w, "step", j.step);
  non_default(w, "attempt", j.attempt, 1);
  non_default(w, "version", j.version, std::int64_t{0});
  if (j.state != job_state::initial)
    member(w, "state", std::string_view(to_string(j.state)));
  if (!j.history.empty()) {
    w.key("history");
    w.begin_array();
    for (const auto& h : j.history) {
      w.begin_object();
      non_empty(w, "step", h.step);
      non_default(w, "attempt", h.attempt, 1);
      non_empty(w, "node", h.node);
      non_empty(w, "worker", h.worker);
      non_default(w, "start_ms", h.start_ms);
      non_default(w, "end_ms", h.end_ms);
      non_empty(w, "result", h.result);
      non_empty(w, "error", h.error);
      w.end_object();
    }
    w.end_array();
  }
  if (!j.forks.empty()) {
    w.key("forks");
    w.begin_array();
    for (const auto& f : j.forks) {
      w.begin_object();
      non_empty(w, "fork_id", f.fork_id);
      non_empty(w, "fork_step", f.fork_step);
      non_default(w, "branch", f.branch);
      non_default(w, "branches", f.branches, 1);
      if (!f.base.empty())
        member(w, "base", f.base);
      w.end_object();
    }
    w.end_array();
  }
  if (j.reduce)
    write_reduce(w, *j.reduce);
  non_empty(w, "parent_id", j.parent_id);
  non_empty(w, "parent_step", j.parent_step);
  non_default(w, "item_index", j.item_index, -1);
  non_default(w, "created_ms", j.created_ms);
  non_default(w, "updated_ms", j.updated_ms);
  non_default(w, "ended_ms", j.ended_ms);
  non_default(w, "deadline_ms", j.deadline_ms);
  non_default(w, "commands_ms", j.commands_ms);
  non_empty(w, "error", j.error);
  w.end_object();
}

// --- decoding
// -------------------------------------------------------------------------------------

constexpr std::int64_t int_max = INT_MAX;

/// Reads one job message. What the job keeps is copied into default storage, so the message may
/// live in a short-lived arena.
class job_decoder {
public:
  explicit job_decoder(json_reader& r) : r_(r) {}

  /// Reads every member except `workflow`, which it returns (nullptr when absent or not an object).
  const json::value* read(const json::object& obj, job& j) {
    const json_path root;
    bool has_v = false, has_type = false, has_id = false;
    const json::value* workflow = nullptr;
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const json::value& v = kv.value();
      const json_path at = root / key;
      if (key == "v") {
        has_v = true;
        if (auto n = r_.integer(v, at); n && *n != 1)
          r_.error(at, "unsupported version " + std::to_string(*n) + " (this build reads 1)");
      } else if (key == "type") {
        has_type = true;
        if (auto t = r_.string(v, at); t && *t != "job")
          r_.error(at, "expected 'job', got '" + std::string(*t) + "'");
      } else if (key == "id") {
        has_id = true;
        assign(j.id, r_.non_empty_string(v, at));
      } else if (key == "workflow") {
        workflow = &v;
      } else if (key == "properties") {
        if (const auto* p = r_.object(v, at))
          j.props = *p; // assignment keeps the storage of j.props
      } else if (key == "step") {
        assign(j.step, r_.string(v, at));
      } else if (key == "attempt") {
        if (auto n = r_.integer(v, at, 1, int_max))
          j.attempt = static_cast<int>(*n);
      } else if (key == "version") {
        assign(j.version, r_.integer(v, at, 0));
      } else if (key == "state") {
        read_state(v, at, j);
      } else if (key == "history") {
        read_array(v, at, j.history, &job_decoder::read_history_entry);
      } else if (key == "forks") {
        read_array(v, at, j.forks, &job_decoder::read_fork);
      } else if (key == "reduce") {
        read_reduce(v, at, j);
      } else if (key == "parent_id") {
        assign(j.parent_id, r_.string(v, at));
      } else if (key == "parent_step") {
        assign(j.parent_step, r_.string(v, at));
      } else if (key == "item_index") {
        assign(j.item_index, r_.integer(v, at, -1));
      } else if (key == "created_ms") {
        assign(j.created_ms, r_.integer(v, at, 0));
      } else if (key == "updated_ms") {
        assign(j.updated_ms, r_.integer(v, at, 0));
      } else if (key == "ended_ms") {
        assign(j.ended_ms, r_.integer(v, at, 0));
      } else if (key == "deadline_ms") {
        assign(j.deadline_ms, r_.integer(v, at, 0));
      } else if (key == "commands_ms") {
        assign(j.commands_ms, r_.integer(v, at, 0));
      } else if (key == "error") {
        assign(j.error, r_.string(v, at));
      } else {
        r_.unknown_key(key, root,
                       {"v",          "type",       "id",        "workflow",    "properties",
                        "step",       "attempt",    "version",   "state",       "history",
                        "forks",      "reduce",     "parent_id", "parent_step", "item_index",
                        "created_ms", "updated_ms", "ended_ms",  "deadline_ms", "commands_ms",
                        "error"});
      }
    }
    if (!has_v)
      r_.error(root / "v", "is required");
    if (!has_type)
      r_.error(root / "type", "is required");
    if (!has_id)
      r_.error(root / "id", "is required");
    if (workflow == nullptr)
      r_.error(root / "workflow", "is required");
    return workflow;
  }

private:
  static void assign(std::string& out, std::optional<std::string_view> s) {
    if (s)
      out = *s;
  }
  static void assign(std::int64_t& out, std::optional<std::int64_t> n) {
    if (n)
      out = *n;
  }

  void read_state(const json::value& v, const json_path& at, job& j) {
    auto name = r_.string(v, at);
    if (!name)
      return;
    if (auto state = job_state_from_string(*name))
      j.state = *state;
    else
      r_.error(at, "unknown job state '" + std::string(*name) +
                       "' (known: initial, running, suspended, finished, error, canceled)");
  }

  template <class T>
  void read_array(const json::value& v, const json_path& at, std::vector<T>& out,
                  T (job_decoder::*read_element)(const json::object&, const json_path&)) {
    const auto* a = r_.array(v, at);
    if (a == nullptr)
      return;
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      const json_path element_at = at[i];
      if (const auto* o = r_.object((*a)[i], element_at))
        out.push_back((this->*read_element)(*o, element_at));
    }
  }

  history_entry read_history_entry(const json::object& obj, const json_path& at) {
    history_entry h;
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const json::value& v = kv.value();
      const json_path m = at / key;
      if (key == "step")
        assign(h.step, r_.string(v, m));
      else if (key == "attempt") {
        if (auto n = r_.integer(v, m, 1, int_max))
          h.attempt = static_cast<int>(*n);
      } else if (key == "node")
        assign(h.node, r_.string(v, m));
      else if (key == "worker")
        assign(h.worker, r_.string(v, m));
      else if (key == "start_ms")
        assign(h.start_ms, r_.integer(v, m, 0));
      else if (key == "end_ms")
        assign(h.end_ms, r_.integer(v, m, 0));
      else if (key == "result")
        assign(h.result, r_.string(v, m));
      else if (key == "error")
        assign(h.error, r_.string(v, m));
      else
        r_.unknown_key(
            key, at,
            {"step", "attempt", "node", "worker", "start_ms", "end_ms", "result", "error"});
    }
    return h;
  }

  fork_frame read_fork(const json::object& obj, const json_path& at) {
    fork_frame f;
    bool branch_ok = true;
    for (const auto& kv : obj) {
      const std::string_view key = kv.key();
      const json::value& v = kv.value();
      const json_path m = at / key;
      if (key == "fork_id")
        assign(f.fork_id, r_.string(v, m));
      else if (key == "fork_step")
        assign(f.fork_step, r_.string(v, m));
      else if (key == "branch") {
        auto n = r_.integer(v, m, 0, int_max);
        branch_ok = n.has_value();
        f.branch = static_cast<int>(n.value_or(0));
      } else if (key == "branches") {
        auto n = r_.integer(v, m, 1, int_max);
        branch_ok = branch_ok && n.has_value();
        f.branches = static_cast<int>(n.value_or(1));
      } else if (key == "base") {
        if (const auto* b = r_.object(v, m))
          f.base = *b;
      } else
        r_.unknown_key(key, at, {"fork_id", "fork_step", "branch", "branches", "base"});
    }
    if (branch_ok && f.branch >= f.branches)
      r_.error(at / "branch", "must be less than branches (" + std::to_string(f.branches) + ")");
    return f;
  }

  void read_strings(const json::value& v, const json_path& at, std::vector<std::string>& out) {
    const auto* a = r_.array(v, at);
    if (a == nullptr)
      return;
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i)
      if (auto s = r_.string((*a)[i], at[i]))
        out.emplace_back(*s);
  }

  void read_reduce(const json::value& v, const json_path& at, job& j) {
    const auto* obj = r_.object(v, at);
    if (obj == nullptr)
      return;
    auto& r = j.reduce.emplace();
    for (const auto& kv : *obj) {
      const std::string_view key = kv.key();
      const json::value& m = kv.value();
      const json_path p = at / key;
      if (key == "map_step")
        assign(r.map_step, r_.string(m, p));
      else if (key == "expected")
        assign(r.expected, r_.integer(m, p, 0));
      else if (key == "folded")
        read_strings(m, p, r.folded);
      else if (key == "items") {
        if (const auto* items = r_.array(m, p)) {
          r.items.reserve(items->size());
          for (std::size_t i = 0; i < items->size(); ++i)
            if (const auto* o = r_.object((*items)[i], p[i]))
              r.items.emplace_back(*o, json::storage_ptr());
        }
      } else if (key == "sum") {
        if (auto x = r_.number(m, p))
          r.sum = *x;
      } else if (key == "errors")
        read_strings(m, p, r.errors);
      else
        r_.unknown_key(key, at, {"map_step", "expected", "folded", "items", "sum", "errors"});
    }
  }

  json_reader& r_;
};

/// Steps the job names must exist in its workflow.
void check_step_names(json_reader& r, const job& j) {
  const json_path root;
  const workflow& w = j.workflow->def;
  auto check = [&](const std::string& id, const json_path& at) {
    if (!id.empty() && w.find(id) == nullptr)
      r.error(at, "unknown step '" + id + "' in workflow '" + w.name + "'");
  };
  check(j.step, root / "step");
  const json_path forks_at = root / "forks";
  for (std::size_t i = 0; i < j.forks.size(); ++i) {
    const json_path fork_at = forks_at[i];
    check(j.forks[i].fork_step, fork_at / "fork_step");
  }
  // reduce.map_step is the reduce key ("<map step>-<n>"), not a step id.
}

expected<job> decode(const json::value& json, workflow_cache* cache) {
  std::vector<problem> problems;
  json_reader r(problems);
  job j;
  if (const auto* obj = r.object(json, json_path())) {
    if (const auto* source = job_decoder(r).read(*obj, j)) {
      auto decoded = cache ? cache->get(*source) : decode_workflow(*source);
      for (auto& p : decoded.problems)
        if (!p.warning)
          problems.push_back({join_path("workflow", p.path), std::move(p.message)});
      j.workflow = std::move(decoded.workflow);
      if (j.workflow)
        check_step_names(r, j);
    }
  }
  if (auto failed = first_error(problems))
    return std::move(*failed);
  return j;
}

// --- cache
// ----------------------------------------------------------------------------------------

std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  // splitmix64 finalizer over the combination
  x += 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t hash_text(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

/// A hash consistent with json::value equality: equal values hash alike (members in any order).
std::uint64_t structural_hash(const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    return mix(1, 0);
  case json::kind::bool_:
    return mix(2, v.get_bool() ? 1 : 0);
  case json::kind::int64:
    return mix(3, static_cast<std::uint64_t>(v.get_int64()));
  case json::kind::uint64:
    return mix(3, v.get_uint64());
  case json::kind::double_:
    return mix(4, std::bit_cast<std::uint64_t>(v.get_double()));
  case json::kind::string:
    return mix(5, hash_text(v.get_string()));
  case json::kind::array: {
    std::uint64_t h = mix(6, v.get_array().size());
    for (const auto& e : v.get_array())
      h = mix(h, structural_hash(e));
    return h;
  }
  case json::kind::object: {
    std::uint64_t sum = 0; // order-independent
    for (const auto& kv : v.get_object())
      sum += mix(hash_text(kv.key()), structural_hash(kv.value()));
    return mix(mix(7, v.get_object().size()), sum);
  }
  }
  return 0;
}

bool same_json(const json::value& a, const json::value& b);

bool same_members(const json::object& a, const json::object& b) {
  if (a.size() != b.size())
    return false;
  for (const auto& kv : a) {
    auto it = b.find(kv.key());
    if (it == b.end() || !same_json(kv.value(), it->value()))
      return false;
  }
  return true;
}

/// `a == b` as json::value defines it, without the copy of every member that Boost 1.81's
/// object comparison makes (`for (auto e : *this)`), which made a cache hit cost about as much as
/// decoding the definition.
bool same_json(const json::value& a, const json::value& b) {
  if (const auto* x = a.if_object()) {
    const auto* y = b.if_object();
    return y != nullptr && same_members(*x, *y);
  }
  if (const auto* x = a.if_array()) {
    const auto* y = b.if_array();
    if (y == nullptr || x->size() != y->size())
      return false;
    for (std::size_t i = 0; i < x->size(); ++i)
      if (!same_json((*x)[i], (*y)[i]))
        return false;
    return true;
  }
  return a == b; // scalars
}

} // namespace

boost::json::object encode_job(const job& j) {
  object_writer w;
  write_job(w, j);
  return std::move(w).result();
}

std::string serialize_job(const job& j) {
  std::string out;
  out.reserve(1024);
  text_writer w(out);
  write_job(w, j);
  return out;
}

workflow_cache::workflow_cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::size_t workflow_cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

workflow_decoding workflow_cache::get(const boost::json::value& source) {
  const std::uint64_t hash = structural_hash(source);
  // Candidates are compared outside the lock: the workflows are immutable and shared.
  // There is rarely more than one per hash, since `get` never stores an equal definition twice.
  std::array<workflow_ptr, 4> candidates;
  {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (auto [i, end] = by_hash_.equal_range(hash); i != end && n < candidates.size(); ++i)
      candidates[n++] = i->second->workflow;
  }
  const auto* object = source.if_object();
  for (const auto& c : candidates)
    if (c && object && same_members(c->source, *object))
      return {c, {}};

  workflow_decoding decoded = decode_workflow(source);
  if (!decoded.ok())
    return decoded;
  std::lock_guard lock(mutex_);
  for (auto [i, end] = by_hash_.equal_range(hash); i != end; ++i)
    if (same_members(i->second->workflow->source, *object)) // decoded meanwhile by another thread
      return {i->second->workflow, std::move(decoded.problems)};
  by_hash_.emplace(hash, entries_.insert(entries_.end(), entry{hash, decoded.workflow}));
  if (entries_.size() > capacity_) {
    auto oldest = entries_.begin();
    for (auto [i, end] = by_hash_.equal_range(oldest->hash); i != end; ++i)
      if (i->second == oldest) {
        by_hash_.erase(i);
        break;
      }
    entries_.erase(oldest);
  }
  return decoded;
}

expected<job> decode_job(const boost::json::value& json, workflow_cache* cache) {
  return decode(json, cache);
}

expected<job> parse_job(std::string_view text, workflow_cache* cache) {
  // The document lives only while it is decoded: an arena makes parsing it cheaper.
  json::monotonic_resource arena;
  auto json = parse_json(text, &arena);
  if (!json)
    return error{errc::invalid_input, to_string(json.error())};
  return decode(*json, cache);
}

} // namespace boa::protocol
