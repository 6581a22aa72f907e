// The state of each step of a job, for colouring its graph: what the job's history and the
// cluster view say. Pure functions: the tests import them in Node.js.

/** The states a step is drawn in. */
export const STEP_STATES = ['done', 'failed', 'running', 'not-reached'];

const TERMINAL = new Set(['finished', 'error', 'canceled']);

export function isTerminal(state) {
  return TERMINAL.has(state);
}

/** An attempt failed when it took the error result or recorded an error. */
export function attemptFailed(entry) {
  return entry.result === 'error' || Boolean(entry.error);
}

/**
 * Maps every step id of the job's workflow to one of STEP_STATES. A step's last attempt decides
 * between done and failed (a retry that succeeded is done). Until the job ends, the steps the
 * cluster view reports running for it (`runningSteps`, from the nodes' heartbeats) are running,
 * and so is the step a running job runs next. (A node stores a job's state after each step: while
 * its first step runs, the store still says `initial`; only the heartbeats tell.)
 */
export function stepStates(job, runningSteps = []) {
  const steps = job.workflow?.steps ?? [];
  const states = new Map(steps.map((s) => [s.id, 'not-reached']));
  for (const entry of job.history ?? []) {
    if (states.has(entry.step)) states.set(entry.step, attemptFailed(entry) ? 'failed' : 'done');
  }
  if (!isTerminal(job.state)) {
    const next = job.state === 'running' ? [job.step] : [];
    for (const id of [...next, ...runningSteps]) {
      if (id && states.has(id)) states.set(id, 'running');
    }
  }
  return states;
}

/**
 * The state to show for a job: the stored one, except that a job the store still has as
 * `initial` is `running` once a node reports running one of its steps.
 */
export function shownState(job, runningSteps = []) {
  const state = job.state ?? 'initial';
  return state === 'initial' && runningSteps.length > 0 ? 'running' : state;
}

/** How many attempts each step had, from the history. */
export function attemptCounts(job) {
  const counts = new Map();
  for (const entry of job.history ?? []) counts.set(entry.step, (counts.get(entry.step) ?? 0) + 1);
  return counts;
}
