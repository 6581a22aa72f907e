// Preloaded into the TSan suites (tools/sanitize thread): tells ThreadSanitizer about the
// synchronisation inside CAF 0.17, which comes from Debian's libcaf_core, built without TSan. Its
// mailboxes (lock-free inboxes), scheduler queues (atomic_flag spin locks) and reference counts
// are invisible to TSan, so without this every message handed to an actor on another thread, and
// every object freed by the last of several owners, looks like a data race.
//
// Each function below interposes the exported libcaf_core function of the same name (the
// executables and libcaf_core itself reach them through the dynamic linker, and a preloaded
// library comes first), adds the happens-before edge CAF guarantees, and calls CAF's own:
//   - sending to an actor (enqueue) or starting it (launch) releases on the actor;
//   - an actor's initialisation (activate), each message it handles (consume) and its end
//     (finalize, which drops what is left in its mailbox) acquire on the actor before and
//     release after, so the next one, on whichever worker, sees what it did;
//   - an actor that ends releases on the registry (dec_running), and waiting for all actors to
//     end (await_all_actors_done) acquires on it: CAF counts them with an atomic and locks its
//     mutex only for the last one;
//   - sending to a blocking actor (scoped_actor) releases on its mailbox, which acquires when
//     the actor takes messages from it (fetch_more, dequeue);
//   - dropping a reference (deref, intrusive_ptr_release) releases and acquires on the object, so
//     that whoever drops the last one and destroys it has seen every other owner's accesses.
// RocksDB (Debian's librocksdb, not built with TSan either) groups concurrent writes to one DB
// with atomics: the group's leader writes every member's batch, into buffers the previous leader
// filled. Writes are serialised here under one mutex instead (DBImpl::Write, which every Put,
// Delete and batch goes through), which TSan sees; the price is that two of our threads writing
// to a DB at once are ordered by it.
//
// Nothing else is hidden: a race between two actors' handlers on shared memory, or between an
// actor and another thread, is still reported.
//
// Built by tools/sanitize as a plain shared library (not instrumented itself).
#include <caf/blocking_actor.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

extern "C" {
// From the TSan runtime, linked into the instrumented executable. Weak: a process without TSan
// that inherits LD_PRELOAD (ctest, a Python client) loads this library harmlessly.
void __tsan_acquire(void* addr) __attribute__((weak));
void __tsan_release(void* addr) __attribute__((weak));
}

namespace {

template <class F> F next(const char* mangled) {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "caf_handoff: %s not found in libcaf_core\n", mangled);
    std::abort();
  }
  return reinterpret_cast<F>(f);
}

void acquire(const void* p) {
  if (__tsan_acquire != nullptr)
    __tsan_acquire(const_cast<void*>(p));
}

void release(const void* p) {
  if (__tsan_release != nullptr)
    __tsan_release(const_cast<void*>(p));
}

// Member functions in the Itanium ABI: `this` first; a std::unique_ptr argument (non-trivial)
// is passed as a pointer to the caller's object, which is what `void*` forwards here.
using enqueue_fn = void (*)(void* self, void* element, void* unit);
using launch_fn = void (*)(void* self, void* unit, bool lazy, bool hide);
using activate_fn = bool (*)(void* self, void* unit);
using consume_fn = int (*)(void* self, void* element);
using dequeue_fn = void* (*)(void* result, void* self);
using release_fn = void (*)(const void* object);
using fetch_more_fn = bool (*)(void* inbox);
using write_fn = void* (*)(void* status, void* db, const void* options, void* batch);
using finalize_fn = bool (*)(void* self);
using dec_running_fn = void (*)(void* registry);
using await_running_fn = void (*)(const void* registry, unsigned long expected);

const void* mailbox_of(void* blocking_actor) {
  return &static_cast<caf::blocking_actor*>(blocking_actor)->mailbox();
}

} // namespace

#define BOA_FORWARD(type, mangled) static const auto original = next<type>(mangled)

extern "C" {

// caf::scheduled_actor::enqueue(mailbox_element_ptr, execution_unit*)
void _ZN3caf15scheduled_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE(
    void* self, void* element, void* unit) {
  BOA_FORWARD(enqueue_fn, "_ZN3caf15scheduled_actor7enqueueESt10unique_ptrINS_15mailbox_"
                          "elementENS_6detail8disposerEEPNS_14execution_unitE");
  release(self);
  original(self, element, unit);
}

// caf::scheduled_actor::launch(execution_unit*, bool, bool)
void _ZN3caf15scheduled_actor6launchEPNS_14execution_unitEbb(void* self, void* unit, bool lazy,
                                                             bool hide) {
  BOA_FORWARD(launch_fn, "_ZN3caf15scheduled_actor6launchEPNS_14execution_unitEbb");
  release(self);
  original(self, unit, lazy, hide);
}

// caf::scheduled_actor::activate(execution_unit*): runs the actor's initialisation on a worker.
bool _ZN3caf15scheduled_actor8activateEPNS_14execution_unitE(void* self, void* unit) {
  BOA_FORWARD(activate_fn, "_ZN3caf15scheduled_actor8activateEPNS_14execution_unitE");
  acquire(self);
  const bool result = original(self, unit);
  release(self);
  return result;
}

// caf::scheduled_actor::consume(mailbox_element&): one message through the actor's behavior.
int _ZN3caf15scheduled_actor7consumeERNS_15mailbox_elementE(void* self, void* element) {
  BOA_FORWARD(consume_fn, "_ZN3caf15scheduled_actor7consumeERNS_15mailbox_elementE");
  acquire(self);
  const int result = original(self, element);
  release(self);
  return result;
}

// caf::scheduled_actor::finalize(): the actor's end, and the messages left in its mailbox.
bool _ZN3caf15scheduled_actor8finalizeEv(void* self) {
  BOA_FORWARD(finalize_fn, "_ZN3caf15scheduled_actor8finalizeEv");
  acquire(self);
  const bool result = original(self);
  release(self);
  return result;
}

// caf::actor_registry::dec_running(): an actor ended.
void _ZN3caf14actor_registry11dec_runningEv(void* registry) {
  BOA_FORWARD(dec_running_fn, "_ZN3caf14actor_registry11dec_runningEv");
  release(registry);
  original(registry);
}

// caf::actor_registry::await_running_count_equal(size_t) const: await_all_actors_done.
void _ZNK3caf14actor_registry25await_running_count_equalEm(const void* registry,
                                                           unsigned long expected) {
  BOA_FORWARD(await_running_fn, "_ZNK3caf14actor_registry25await_running_count_equalEm");
  original(registry, expected);
  acquire(registry);
}

// caf::blocking_actor::enqueue(mailbox_element_ptr, execution_unit*)
void _ZN3caf14blocking_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE(
    void* self, void* element, void* unit) {
  BOA_FORWARD(enqueue_fn, "_ZN3caf14blocking_actor7enqueueESt10unique_ptrINS_15mailbox_"
                          "elementENS_6detail8disposerEEPNS_14execution_unitE");
  release(mailbox_of(self));
  original(self, element, unit);
}

// caf::intrusive::fifo_inbox<blocking_actor::mailbox_policy>::fetch_more(): takes what was sent
// to a blocking actor's mailbox (`receive`).
bool _ZN3caf9intrusive10fifo_inboxINS_14blocking_actor14mailbox_policyEE10fetch_moreEv(
    void* inbox) {
  BOA_FORWARD(fetch_more_fn,
              "_ZN3caf9intrusive10fifo_inboxINS_14blocking_actor14mailbox_policyEE10fetch_moreEv");
  const bool result = original(inbox);
  acquire(inbox);
  return result;
}

// caf::blocking_actor::dequeue(): returns a mailbox_element_ptr (through a hidden result pointer).
void* _ZN3caf14blocking_actor7dequeueEv(void* result, void* self) {
  BOA_FORWARD(dequeue_fn, "_ZN3caf14blocking_actor7dequeueEv");
  void* out = original(result, self);
  acquire(mailbox_of(self));
  return out;
}

// caf::ref_counted::deref() const: messages, their data and most of CAF's shared objects.
void _ZNK3caf11ref_counted5derefEv(const void* self) {
  BOA_FORWARD(release_fn, "_ZNK3caf11ref_counted5derefEv");
  release(self);
  acquire(self);
  original(self);
}

// caf::intrusive_ptr_release(actor_control_block*): the strong count of an actor handle.
void _ZN3caf21intrusive_ptr_releaseEPNS_19actor_control_blockE(const void* block) {
  BOA_FORWARD(release_fn, "_ZN3caf21intrusive_ptr_releaseEPNS_19actor_control_blockE");
  release(block);
  acquire(block);
  original(block);
}

// caf::intrusive_ptr_release_weak(actor_control_block*): the weak count, which frees the block.
void _ZN3caf26intrusive_ptr_release_weakEPNS_19actor_control_blockE(const void* block) {
  BOA_FORWARD(release_fn, "_ZN3caf26intrusive_ptr_release_weakEPNS_19actor_control_blockE");
  release(block);
  acquire(block);
  original(block);
}

// rocksdb::DBImpl::Write(WriteOptions const&, WriteBatch*): returns a rocksdb::Status (through a
// hidden result pointer).
void* _ZN7rocksdb6DBImpl5WriteERKNS_12WriteOptionsEPNS_10WriteBatchE(void* status, void* db,
                                                                     const void* options,
                                                                     void* batch) {
  BOA_FORWARD(write_fn, "_ZN7rocksdb6DBImpl5WriteERKNS_12WriteOptionsEPNS_10WriteBatchE");
  static std::mutex one_writer;
  std::lock_guard lock{one_writer};
  return original(status, db, options, batch);
}

} // extern "C"
