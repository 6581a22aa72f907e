#pragma once

#include "actors/bus/broker_core.hpp"
#include "actors/cluster_view.hpp"
#include "protocol/job.hpp"
#include "protocol/step_io.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace boa::actors {

/// A delivery from the bus.
using delivery_atom = caf::atom_constant<caf::atom("delivery")>;
/// A publish confirmed (or refused) by the bus.
using published_atom = caf::atom_constant<caf::atom("published")>;
/// Asks the worker pool (and a worker) to run one step attempt.
using run_step_atom = caf::atom_constant<caf::atom("runstep")>;
/// Time to retry a failed step.
using retry_atom = caf::atom_constant<caf::atom("retry")>;
/// A job runner or waiter is done with its delivery: the dispatcher may take another.
using done_atom = caf::atom_constant<caf::atom("done")>;
/// A deadline passed.
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
/// A job actor handed its delivery to a join or reduce waiter: `(waiting_atom, tag, waiter)`.
using waiting_atom = caf::atom_constant<caf::atom("waiting")>;
/// A waiter gives up its delivery for now (checkpoint or shutdown).
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// Stop taking deliveries; finish the one in hand, then leave (graceful shutdown).
using drain_atom = caf::atom_constant<caf::atom("drain")>;
/// Asks a cluster-state aggregator for its view: answered with a `cluster_snapshot`.
using cluster_view_atom = caf::atom_constant<caf::atom("clview")>;
/// Tells a cluster-state aggregator to judge its nodes' statuses now.
using check_atom = caf::atom_constant<caf::atom("clcheck")>;
/// Tells a cluster-state aggregator to evict silent nodes now.
using evict_atom = caf::atom_constant<caf::atom("clevict")>;
/// Grows the worker pool by N workers: `(workers_add_atom, n)` -> `(true, total, "")`.
using workers_add_atom = caf::atom_constant<caf::atom("wrkadd")>;
/// Retires N workers of the pool (idle ones at once, busy ones after their step), never the last:
/// `(workers_remove_atom, n)` -> `(ok, total, why-not)`.
using workers_remove_atom = caf::atom_constant<caf::atom("wrkremove")>;
/// Stops the job dispatcher taking jobs (running steps finish; held deliveries go back):
/// `(pause_atom)` -> `(ok, why-not)`.
using pause_atom = caf::atom_constant<caf::atom("pause")>;
/// Makes a paused job dispatcher take jobs again: `(resume_atom)` -> `(ok, why-not)`.
using resume_atom = caf::atom_constant<caf::atom("resume")>;

} // namespace boa::actors

// These types stay inside one process: across processes everything travels as JSON on the bus.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boa::bus::delivery)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boa::protocol::step_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boa::protocol::step_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boa::protocol::job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boa::actors::cluster_snapshot)
