// The dashboard's pure modules (graph layout, step states, formatting, start requests) on real
// jobs: each example workflow is run to its end by `boad run` and its job JSON checked here.
//
// Usage: BOAD=/path/to/boad node --test modules.test.js

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  formatAge,
  formatBytes,
  formatDuration,
  formatLoad,
  freshness,
  heartbeatAge,
  workersOf,
} from '../../runtime/http/dashboard/format.js';
import {
  assignLayers,
  layoutWorkflow,
  workflowEdges,
} from '../../runtime/http/dashboard/graph_layout.js';
import { startRequest } from '../../runtime/http/dashboard/start_view.js';
import {
  attemptCounts,
  shownState,
  stepStates,
} from '../../runtime/http/dashboard/step_states.js';

const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const boad = process.env.BOAD;

/** Runs an example to its end with `boad run`: the final job, the last line it prints. */
function runExample(name) {
  assert.ok(boad, 'set BOAD to the boad binary');
  const dir = mkdtempSync(path.join(tmpdir(), 'boa-dashboard-'));
  try {
    const out = execFileSync(boad, ['run', path.join(source, 'examples', name)], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60000,
    });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const forkJoin = runExample('fork-join.json');
const orderRouting = runExample('order-routing.json');
const retried = runExample('retry-then-error-route.json');

test('the examples ran to their end', () => {
  for (const job of [forkJoin, orderRouting, retried]) assert.equal(job.state, 'finished');
});

test('every route of a definition is an edge', () => {
  const edges = workflowEdges(forkJoin.workflow);
  const routes = forkJoin.workflow.steps.reduce((n, s) => n + (s.next ?? []).length, 0);
  assert.equal(edges.length, routes);
  assert.deepEqual(
    edges.filter((e) => e.from === 'fan-out').map((e) => e.to),
    ['check-stock', 'check-credit', 'check-fraud'],
  );
  assert.deepEqual(edges.find((e) => e.to === 'accept'), {
    from: 'decide',
    to: 'accept',
    match: 'accept',
  });
});

test('a fork-join lays out top to bottom, each step below every step that leads to it', () => {
  const layout = layoutWorkflow(forkJoin.workflow);
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  assert.equal(at.size, forkJoin.workflow.steps.length);
  assert.equal(at.get('fan-out').layer, 0);
  for (const e of layout.edges) {
    assert.equal(e.back, false, `${e.from}->${e.to} goes down`);
    assert.ok(at.get(e.to).layer > at.get(e.from).layer, `${e.to} below ${e.from}`);
    assert.match(e.path, /^M [\d.]+ [\d.]+ C /);
  }
  // The join waits for the longest branch: below reserve-stock, not beside it.
  assert.equal(at.get('gather').layer, at.get('reserve-stock').layer + 1);
  assert.equal(at.get('accept').layer, at.get('reject').layer);
  assert.equal(at.get('gather').role, 'join');
  // A branch that skips a layer runs through a waypoint of its own there, beside the step.
  const credit = layout.edges.find((e) => e.from === 'check-credit');
  assert.equal(credit.waypoints.length, 1);
  for (const e of layout.edges) {
    for (const w of e.waypoints) {
      for (const n of layout.nodes) {
        const inside = w.x >= n.x && w.x <= n.x + n.width && w.y >= n.y && w.y <= n.y + n.height;
        assert.ok(!inside, `${e.from}->${e.to} runs through ${n.id}`);
      }
    }
  }
  // No two steps overlap, and the drawing holds them all.
  const boxes = layout.nodes.map((n) => `${n.x},${n.y}`);
  assert.equal(new Set(boxes).size, boxes.length);
  for (const n of layout.nodes) {
    assert.ok(n.x >= 0 && n.x + n.width <= layout.width, `${n.id} fits across`);
    assert.ok(n.y >= 0 && n.y + n.height <= layout.height, `${n.id} fits down`);
  }
});

test('a route back to an earlier step is drawn as a loop and does not push layers down', () => {
  const loop = {
    name: 'loop',
    steps: [
      { id: 'fetch', run: 'noop', next: [['*', 'check']] },
      { id: 'check', run: 'noop', next: [['again', 'fetch'], ['*', 'store']] },
      { id: 'store', run: 'noop' },
      { id: 'orphan', run: 'noop' },
    ],
  };
  const { layers, back } = assignLayers(loop);
  assert.deepEqual([...back], ['check->fetch']);
  assert.deepEqual(Object.fromEntries(layers), { fetch: 0, check: 1, store: 2, orphan: 0 });
  const layout = layoutWorkflow(loop);
  const again = layout.edges.find((e) => e.match === 'again');
  assert.equal(again.back, true);
  const right = Math.max(...layout.nodes.map((n) => n.x + n.width));
  assert.ok(again.labelX > right, 'the loop runs right of the steps');
  assert.ok(again.labelX < layout.width, 'within the drawing');
});

test('a fork-join: the steps it ran are done, the branch it did not take not reached', () => {
  const states = stepStates(forkJoin);
  const taken = forkJoin.properties.decision === 'accepted' ? 'accept' : 'reject';
  const skipped = taken === 'accept' ? 'reject' : 'accept';
  for (const step of forkJoin.workflow.steps) {
    assert.equal(states.get(step.id), step.id === skipped ? 'not-reached' : 'done', step.id);
  }
});

test('order routing colours only the route the order took', () => {
  const states = stepStates(orderRouting);
  const ran = new Set(orderRouting.history.map((h) => h.step));
  const shipped = `ship-${orderRouting.properties.shipping}`;
  assert.deepEqual([...ran].sort(), ['classify', shipped].sort());
  for (const [id, state] of states) assert.equal(state, ran.has(id) ? 'done' : 'not-reached', id);
});

test('a step whose every attempt failed is failed, and its error route is done', () => {
  const states = stepStates(retried);
  assert.equal(states.get('fetch-rates'), 'failed');
  assert.equal(states.get('use-stored-rates'), 'done');
  assert.equal(states.get('convert'), 'done');
  assert.equal(attemptCounts(retried).get('fetch-rates'), 4);
});

test('a retry that succeeds is done; a running job shows its steps running', () => {
  const job = structuredClone(retried);
  const retry = { step: 'fetch-rates', attempt: 2, node: 'n1', start_ms: 1, end_ms: 2 };
  job.history = [job.history[0], retry];
  assert.equal(stepStates(job).get('fetch-rates'), 'done');

  const running = { ...structuredClone(forkJoin), state: 'running', step: 'check-stock' };
  running.history = running.history.filter((h) => h.step === 'fan-out');
  const states = stepStates(running, ['check-credit']);
  assert.equal(states.get('fan-out'), 'done');
  assert.equal(states.get('check-stock'), 'running');
  assert.equal(states.get('check-credit'), 'running');
  assert.equal(states.get('check-fraud'), 'not-reached');
  // A suspended job runs nothing: its next step has not been reached.
  assert.equal(stepStates({ ...running, state: 'suspended' }).get('check-stock'), 'not-reached');
});

test('a job stored as initial runs the step a heartbeat reports; an ended job runs none', () => {
  // As a node stores a job while its first step runs: no state yet, no history.
  const first = { ...structuredClone(orderRouting), history: [], step: 'classify' };
  delete first.state;
  assert.equal(stepStates(first).get('classify'), 'not-reached', 'queued, not running');
  assert.equal(shownState(first), 'initial');
  assert.equal(stepStates(first, ['classify']).get('classify'), 'running');
  assert.equal(shownState(first, ['classify']), 'running');
  // A heartbeat older than the job's end does not bring a step back to life.
  assert.equal(stepStates(orderRouting, ['classify']).get('classify'), 'done');
  assert.equal(shownState(orderRouting, ['classify']), 'finished');
});

test('ages and durations read as people write them', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12000), '12 s');
  assert.equal(formatDuration(125000), '2 min 5 s');
  assert.equal(formatDuration(2 * 3600e3 + 10 * 60e3), '2 h 10 min');
  assert.equal(formatDuration(-1), '–');
  assert.equal(formatAge(1999), '1 s');
  assert.equal(formatAge(312), '312 ms');
  const ended = retried.ended_ms - retried.created_ms;
  assert.ok(ended >= 1400, 'three backoffs of 200, 400 and 800 ms');
  assert.match(formatDuration(ended), /^\d+ s$/);
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(123456789), '117.7 MiB');
  assert.equal(formatLoad([0.5, 0.4, 0.333]), '0.50 0.40 0.33');
  assert.equal(formatLoad([]), '–');
});

test('a heartbeat age ticks on from the snapshot, and workers come from the workers system', () => {
  const systems = [{ name: 'workers', total: 4, busy: 1 }];
  const node = { node: 'n1', status: 'live', age_ms: 300, heartbeat: { systems } };
  assert.equal(heartbeatAge(node, 10000, 10000), 300);
  assert.equal(heartbeatAge(node, 10000, 12500), 2800);
  assert.equal(heartbeatAge(node, 10000, 9000), 300, 'a tick before the answer counts nothing');
  assert.deepEqual(workersOf(node.heartbeat), { busy: 1, total: 4 });
  assert.deepEqual(workersOf({}), { busy: 0, total: 0 });
});

test('a view says how old its data is, and stale when its last poll failed', () => {
  assert.deepEqual(freshness(0, null, 5000), { text: 'loading…', stale: false });
  assert.deepEqual(freshness(1000, null, 4200), { text: 'updated 3 s ago', stale: false });
  const failed = freshness(1000, 'the node did not answer', 13000);
  assert.equal(failed.stale, true);
  assert.equal(failed.text, 'stale: updated 12 s ago (the node did not answer)');
});

test('a start request names the definition or the workflow, and what is wrong with it', () => {
  const text = JSON.stringify(forkJoin.workflow);
  assert.deepEqual(startRequest('', text, '{"who": "me"}').body, {
    definition: forkJoin.workflow,
    properties: { who: 'me' },
  });
  assert.deepEqual(startRequest('fork-join', 'ignored', '').body, {
    workflow: 'fork-join',
    properties: {},
  });
  assert.match(startRequest('', '{nope', '{}').error, /^definition: not JSON/);
  assert.match(startRequest('', text, '[1]').error, /^properties: must be a JSON object/);
  assert.match(startRequest('', text, '{').error, /^properties: not JSON/);
});
