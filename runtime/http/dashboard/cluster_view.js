// #/cluster: every node of the cluster as this node's cluster view sees it, with its heartbeat
// age ticking, and the jobs running cluster-wide.

import { api } from './api.js';
import { el, freshnessLine, jobLink, setChildren, table } from './dom.js';
import {
  formatAge,
  formatBytes,
  formatDuration,
  formatLoad,
  heartbeatAge,
  workersOf,
} from './format.js';
import { Freshness, poll } from './poller.js';

export function mountCluster(root) {
  const status = freshnessLine();
  const observer = el('p', { class: 'observer' });
  const nodes = el('div', { id: 'cluster-nodes' });
  const jobs = el('div', { id: 'cluster-jobs' });
  root.append(
    el('h2', {}, 'Cluster'),
    status,
    observer,
    el('h3', {}, 'Nodes'),
    nodes,
    el('h3', {}, 'Jobs running in the cluster'),
    jobs,
  );
  const fresh = new Freshness(status);
  let ages = []; // [cell, node view, received at]
  let running = []; // [cell, since_ms, age_ms, received at]

  const render = (nodeView, jobView, receivedAt) => {
    observer.textContent =
      `as node ${nodeView.observer} sees it, listening to heartbeats for ` +
      formatAge(nodeView.listening_ms);
    ages = [];
    const nodeRows = nodeView.nodes.map((n) => {
      const beat = n.heartbeat ?? {};
      const workers = workersOf(beat);
      const age = el('td', { class: 'age' });
      ages.push([age, n, receivedAt]);
      return el(
        'tr',
        { dataset: { node: n.node } },
        el('td', {}, n.node),
        el('td', {}, el('span', { class: `badge node-${n.status}` }, n.status)),
        age,
        el('td', { class: 'num' }, `${workers.busy} / ${workers.total}`),
        el('td', { class: 'num' }, formatLoad(beat.load)),
        el('td', { class: 'num' }, formatBytes(beat.rss_bytes)),
        el('td', { class: 'num' }, (beat.jobs ?? []).length),
        el('td', {}, formatDuration((beat.sent_ms ?? 0) - (beat.started_ms ?? 0))),
        el('td', {}, `${beat.host ?? ''} pid ${beat.pid ?? '?'}`),
        el('td', { class: 'num' }, n.restarts),
      );
    });
    setChildren(
      nodes,
      nodeRows.length === 0
        ? el('p', { class: 'empty' }, 'No heartbeat heard yet.')
        : table(
            { class: 'nodes' },
            [
              'node',
              'status',
              'heartbeat age',
              'workers busy / total',
              'load',
              'memory',
              'jobs',
              'uptime',
              'host',
              'restarts',
            ],
            nodeRows,
          ),
    );
    running = [];
    const jobRows = jobView.jobs.map((j) => {
      const since = el('td', { class: 'num' });
      running.push([since, j, jobView.taken_ms, receivedAt]);
      return el(
        'tr',
        { dataset: { job: j.job_id } },
        el('td', {}, jobLink(j.job_id)),
        el('td', {}, j.workflow),
        el('td', {}, j.step),
        el('td', {}, j.node),
        since,
      );
    });
    setChildren(
      jobs,
      jobRows.length === 0
        ? el('p', { class: 'empty' }, 'No job is running.')
        : table(
            { class: 'jobs' },
            ['job', 'workflow', 'step', 'node', 'step running for'],
            jobRows,
          ),
    );
  };

  const tick = (now) => {
    for (const [cell, node, receivedAt] of ages)
      cell.textContent = formatAge(heartbeatAge(node, receivedAt, now));
    for (const [cell, job, takenMs, receivedAt] of running)
      cell.textContent = formatDuration(takenMs - job.since_ms + Math.max(0, now - receivedAt));
    fresh.render(now);
  };

  const stop = poll(async () => {
    try {
      const [nodeView, jobView] = await Promise.all([api('/cluster/nodes'), api('/cluster/jobs')]);
      const receivedAt = Date.now();
      render(nodeView, jobView, receivedAt);
      fresh.ok(receivedAt);
      tick(receivedAt);
    } catch (e) {
      fresh.failed(e);
    }
  });
  return { tick, stop };
}
