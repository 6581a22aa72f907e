// #/jobs: the jobs running in the cluster, the recent jobs of this node's store, and the archive,
// filtered by state, workflow and (the archive) time.

import { api, ApiError, query } from './api.js';
import { el, freshnessLine, jobLink, setChildren, stateBadge, table } from './dom.js';
import { formatDuration, formatTime, jobDuration } from './format.js';
import { Freshness, poll } from './poller.js';
import { shownState } from './step_states.js';

const STATES = ['', 'initial', 'running', 'suspended', 'finished', 'error', 'canceled'];
const PAGE = 50;

export function mountJobs(root) {
  const status = freshnessLine();
  const state = el(
    'select',
    { id: 'filter-state' },
    STATES.map((s) => el('option', { value: s }, s || 'any state')),
  );
  const workflow = el('input', { id: 'filter-workflow', placeholder: 'workflow name' });
  const since = el('input', { id: 'filter-since', placeholder: 'since (2026-11-30T12:00:00Z)' });
  const running = el('div', { id: 'running-jobs' });
  const recent = el('div', { id: 'recent-jobs' });
  const archive = el('div', { id: 'archived-jobs' });
  const pager = el('p', { class: 'pager' });
  const filters = el(
    'form',
    { class: 'filters', onsubmit: (e) => (e.preventDefault(), firstPage()) },
    el('label', {}, 'state ', state),
    el('label', {}, 'workflow ', workflow),
    el('label', {}, 'archived since ', since),
    el('button', { type: 'submit' }, 'Filter'),
  );
  root.append(
    el('h2', {}, 'Jobs'),
    status,
    filters,
    el('h3', {}, 'Running in the cluster'),
    running,
    el('h3', {}, 'Recent on this node'),
    recent,
    el('h3', {}, 'Archive'),
    archive,
    pager,
  );
  const fresh = new Freshness(status);
  // The archive page shown: the cursors of the pages before it, and its own.
  let cursors = [];
  let cursor = '';
  let nextCursor = null;

  const renderRunning = (view) => {
    const wanted = workflow.value.trim();
    const rows = view.jobs
      .filter((j) => !wanted || j.workflow === wanted)
      .map((j) =>
        el(
          'tr',
          { dataset: { job: j.job_id } },
          el('td', {}, jobLink(j.job_id)),
          el('td', {}, j.workflow),
          el('td', {}, j.step),
          el('td', {}, j.node),
        ),
      );
    setChildren(
      running,
      rows.length
        ? table({ class: 'jobs' }, ['job', 'workflow', 'step', 'node'], rows)
        : el('p', { class: 'empty' }, 'No job is running.'),
    );
  };

  const renderRecent = (list, cluster, now) => {
    // A job whose first step runs is still `initial` in the store; the heartbeats tell.
    const steps = (id) => cluster.jobs.filter((r) => r.job_id === id).map((r) => r.step);
    const rows = list.jobs.map((j) => {
      const state = shownState(j, steps(j.id));
      return el(
        'tr',
        { dataset: { job: j.id, state } },
        el('td', {}, jobLink(j.id)),
        el('td', {}, j.workflow),
        el('td', {}, stateBadge(state)),
        el('td', {}, j.step),
        el('td', {}, formatTime(j.created_ms)),
        el('td', {}, formatTime(j.ended_ms)),
        el('td', { class: 'num' }, formatDuration(jobDuration(j, now))),
        el('td', { class: 'error-text' }, j.error),
      );
    });
    const counts = Object.entries(list.counts ?? {}).map(([s, n]) => `${n} ${s}`).join(', ');
    setChildren(
      recent,
      counts ? el('p', { class: 'counts' }, `In this node's store: ${counts}.`) : null,
      rows.length
        ? table(
            { class: 'jobs' },
            ['job', 'workflow', 'state', 'next step', 'created', 'ended', 'duration', 'error'],
            rows,
          )
        : el('p', { class: 'empty' }, 'No job here matches.'),
    );
  };

  const renderArchive = (list) => {
    const rows = list.jobs.map((j) =>
      el(
        'tr',
        { dataset: { job: j.id, state: j.state } },
        el('td', {}, jobLink(j.id)),
        el('td', {}, j.revision ? `${j.workflow}@${j.revision}` : j.workflow),
        el('td', {}, stateBadge(j.state)),
        el('td', {}, formatTime(j.started_ms || j.created_ms)),
        el('td', {}, formatTime(j.ended_ms)),
        el('td', { class: 'num' }, formatDuration(jobDuration(j, Date.now()))),
        el('td', {}, j.node),
        el('td', {}, j.parent ? jobLink(j.parent) : ''),
      ),
    );
    setChildren(
      archive,
      rows.length
        ? table(
            { class: 'jobs' },
            ['job', 'workflow', 'state', 'started', 'ended', 'duration', 'node', 'parent'],
            rows,
          )
        : el('p', { class: 'empty' }, 'No archived job matches.'),
    );
    nextCursor = list.next_cursor ?? null;
    setChildren(
      pager,
      cursors.length ? el('button', { type: 'button', onclick: newer }, 'Newer') : null,
      nextCursor ? el('button', { type: 'button', onclick: older }, 'Older') : null,
    );
  };

  const refresh = async () => {
    const filter = { state: state.value, workflow: workflow.value.trim() };
    const cluster = api('/cluster/jobs');
    const wanted = [
      cluster.then(renderRunning),
      Promise.all([
        api(`/jobs${query({ ...filter, limit: PAGE })}`),
        cluster.catch(() => ({ jobs: [] })), // its failure is told once, above
      ]).then(
        ([list, running]) => renderRecent(list, running, Date.now()),
      ),
      api(
        `/archive/jobs${query({ ...filter, since: since.value.trim(), limit: PAGE, cursor })}`,
      ).then(
        renderArchive,
        (e) => {
          // The node may serve no archive routes: the rest of the page still works.
          if (!(e instanceof ApiError && e.status === 404)) throw e;
          setChildren(
            archive,
            el('p', { class: 'empty', id: 'no-archive' }, 'No archive on this node.'),
          );
          setChildren(pager);
        },
      ),
    ];
    const failed = (await Promise.allSettled(wanted)).find((r) => r.status === 'rejected');
    if (failed) fresh.failed(failed.reason);
    else fresh.ok();
  };

  const stopPolling = poll(refresh);
  function firstPage() {
    cursors = [];
    cursor = '';
    refresh();
  }
  function older() {
    cursors.push(cursor);
    cursor = nextCursor;
    refresh();
  }
  function newer() {
    cursor = cursors.pop() ?? '';
    refresh();
  }
  return { tick: (now) => fresh.render(now), stop: stopPolling };
}
