// #/jobs/<id>: one job: its workflow drawn as a graph with each step coloured by state, its
// history, its properties, and the commands cancel, suspend and resume.

import { api, ApiError } from './api.js';
import { el, freshnessLine, jobLink, setChildren, stateBadge, table } from './dom.js';
import { formatDuration, formatTime, jobDuration } from './format.js';
import { graphLegend, workflowGraph } from './graph_svg.js';
import { Freshness, poll } from './poller.js';
import { attemptCounts, isTerminal, shownState, stepStates } from './step_states.js';

/** The job from this node's store, else from its archive; null when neither knows it. */
async function fetchJob(id) {
  const path = encodeURIComponent(id);
  try {
    return { job: await api(`/jobs/${path}`), from: 'store' };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  try {
    const archived = await api(`/archive/jobs/${path}`);
    return { job: archived.job ?? archived, from: 'archive' };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  return { job: null, from: null };
}

function historyTable(job) {
  const rows = (job.history ?? []).map((h) =>
    el(
      'tr',
      { class: h.result === 'error' || h.error ? 'failed' : '' },
      el('td', {}, h.step),
      el('td', { class: 'num' }, h.attempt ?? 1),
      el('td', {}, h.node ?? ''),
      el('td', {}, formatTime(h.start_ms)),
      el('td', { class: 'num' }, h.end_ms ? formatDuration(h.end_ms - h.start_ms) : 'running'),
      el('td', {}, h.result ?? ''),
      el('td', { class: 'error-text' }, h.error ?? ''),
    ),
  );
  if (rows.length === 0) return el('p', { class: 'empty' }, 'No step has run yet.');
  const headers = ['step', 'attempt', 'node', 'start', 'duration', 'result', 'error'];
  return table({ class: 'history' }, headers, rows);
}

function propertiesTable(props) {
  const entries = Object.entries(props ?? {});
  if (entries.length === 0) return el('p', { class: 'empty' }, 'No properties.');
  return table(
    { class: 'properties' },
    ['property', 'value'],
    entries.map(([key, value]) => [key, el('code', {}, JSON.stringify(value))]),
  );
}

export function mountJob(root, id) {
  const status = freshnessLine();
  const summary = el('div', { class: 'job-summary' });
  const commandLine = el('p', { class: 'command-result', role: 'status' });
  const buttons = ['cancel', 'suspend', 'resume'].map((command) =>
    el('button', { type: 'button', id: `job-${command}`, onclick: () => send(command) }, command),
  );
  const body = el('div', { class: 'job-body' });
  root.append(
    el('h2', {}, 'Job ', el('span', { class: 'job-id' }, id)),
    status,
    summary,
    el('p', { class: 'commands' }, buttons),
    commandLine,
    body,
  );
  const fresh = new Freshness(status);
  let shown = '';
  // The duration of a running job moves between polls.
  let duration = null;
  let current = null;

  const render = (job, from, running, now) => {
    const key = JSON.stringify([job, running]);
    if (key === shown) return;
    shown = key;
    // Heartbeats may still report a step of a job that has just ended.
    if (isTerminal(job.state)) running = [];
    const runningSteps = running.map((j) => j.step);
    const state = shownState(job, runningSteps);
    root.dataset.jobState = state;
    current = job;
    const def = job.workflow ?? { steps: [] };
    setChildren(
      summary,
      el(
        'dl',
        {},
        el('dt', {}, 'state'),
        el('dd', { id: 'job-state' }, stateBadge(state)),
        el('dt', {}, 'workflow'),
        el('dd', {}, def.revision ? `${def.name}@${def.revision}` : def.name),
        el('dt', {}, 'created'),
        el('dd', {}, formatTime(job.created_ms)),
        el('dt', {}, 'ended'),
        el('dd', {}, formatTime(job.ended_ms)),
        el('dt', {}, 'duration'),
        (duration = el('dd', {}, formatDuration(jobDuration(job, now)))),
        running.length
          ? [
              el('dt', {}, 'running now'),
              el('dd', {}, running.map((j) => `step ${j.step} on node ${j.node}`).join(', ')),
            ]
          : null,
        job.step && !running.length ? [el('dt', {}, 'next step'), el('dd', {}, job.step)] : null,
        job.parent_id
          ? [el('dt', {}, 'parent'), el('dd', {}, jobLink(job.parent_id))]
          : null,
        el('dt', {}, 'from'),
        el('dd', {}, from === 'archive' ? "this node's archive" : "this node's job store"),
      ),
      job.error ? el('p', { class: 'error-text' }, job.error) : null,
    );
    const [cancel, suspend, resume] = buttons;
    cancel.disabled = isTerminal(state);
    suspend.disabled = isTerminal(state) || state === 'suspended';
    resume.disabled = state !== 'suspended';
    setChildren(
      body,
      el('h3', {}, 'Workflow'),
      el(
        'div',
        { class: 'graph' },
        workflowGraph(def, stepStates(job, runningSteps), attemptCounts(job)),
      ),
      graphLegend(),
      el('h3', {}, 'History'),
      historyTable(job),
      el('h3', {}, 'Properties'),
      propertiesTable(job.properties),
    );
  };

  const renderUnknown = (clusterJob) => {
    root.dataset.jobState = 'unknown';
    shown = '';
    current = null;
    setChildren(
      summary,
      el(
        'p',
        { class: 'empty' },
        clusterJob
          ? `This node has not stored the job; node ${clusterJob.node} is running its ` +
              `step ${clusterJob.step}.`
          : 'This node knows no such job yet (a job just started shows up once a node takes it).',
      ),
    );
    setChildren(body);
  };

  async function send(command) {
    commandLine.textContent = `${command}…`;
    try {
      await api(`/jobs/${encodeURIComponent(id)}/${command}`, { method: 'POST', body: {} });
      commandLine.textContent = `${command} sent: it takes effect before the job's next step.`;
    } catch (e) {
      commandLine.textContent = `${command} failed: ${e.message}`;
    }
  }

  const stop = poll(async () => {
    try {
      const [{ job, from }, cluster] = await Promise.all([
        fetchJob(id),
        api('/cluster/jobs').catch(() => ({ jobs: [] })),
      ]);
      const here = cluster.jobs.filter((j) => j.job_id === id);
      if (job) render(job, from, here, Date.now());
      else renderUnknown(here[0]);
      fresh.ok();
    } catch (e) {
      fresh.failed(e);
    }
  });
  const tick = (now) => {
    if (current && duration) duration.textContent = formatDuration(jobDuration(current, now));
    fresh.render(now);
  };
  return { tick, stop };
}
