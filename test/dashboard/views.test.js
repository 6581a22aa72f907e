// The dashboard's views, run by its entry module (app.js) in a minimal DOM under plain Node.js
// against a real `boad` with a token: the token form, starting a job from the start page, the
// job's page until it finished with every step done, the jobs page and the cluster page. The
// browser test does the same in Chromium where it is installed; this one runs everywhere.
//
// Usage: BOAD=/path/to/boad node --test views.test.js

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { startBoad, waitUntil } from './boad_process.js';
import { FakeElement, installFakeDom } from './fake_dom.js';

const TOKEN = 'dashboard-t0ken';
const dashboard = new URL('../../runtime/http/dashboard/', import.meta.url);
const index = readFileSync(new URL('index.html', dashboard), 'utf8');
const sources = [
  'app.js', 'api.js', 'dom.js', 'format.js', 'poller.js', 'graph_layout.js', 'step_states.js',
  'graph_svg.js', 'cluster_view.js', 'jobs_view.js', 'job_view.js', 'start_view.js',
].map((name) => readFileSync(new URL(name, dashboard), 'utf8'));

const definition = {
  name: 'views-check',
  steps: [
    { id: 'greet', run: { kind: 'set', values: { greeting: 'hello' } }, next: [['*', 'wait']] },
    { id: 'wait', run: { kind: 'sleep', ms: 200 }, next: [['*', 'finish']] },
    { id: 'finish', run: 'noop' },
  ],
};

let node;
let page;
const view = () => page.document.getElementById('view');

before(async () => {
  assert.ok(process.env.BOAD, 'set BOAD to the boad binary');
  node = await startBoad(process.env.BOAD, 'views-1', ['--http-token', TOKEN]);
  // The page's skeleton, as index.html lays it out.
  page = installFakeDom(node.url, (document) => {
    const nav = document.createElement('nav');
    for (const route of ['cluster', 'jobs', 'start']) {
      const a = document.createElement('a');
      a.setAttribute('data-route', route);
      nav.append(a);
    }
    const form = document.createElement('form');
    form.setAttribute('id', 'token-form');
    form.hidden = true;
    const input = document.createElement('input');
    input.setAttribute('id', 'token');
    form.append(input);
    const main = document.createElement('main');
    main.setAttribute('id', 'view');
    document.append(nav, form, main);
  });
  // The once-a-second tick of app.js must not keep the test process alive.
  const setInterval_ = globalThis.setInterval;
  globalThis.setInterval = (fn, ms) => setInterval_(fn, ms).unref();
});

after(async () => {
  if (page) page.location.hash = '#/start'; // the one view that does not poll
  await new Promise((r) => setTimeout(r, 10));
  await node?.stop();
});

test('the page the views run in is the one index.html lays out', () => {
  for (const id of ['view', 'token-form', 'token']) assert.match(index, new RegExp(`id="${id}"`));
  for (const route of ['cluster', 'jobs', 'start'])
    assert.match(index, new RegExp(`href="#/${route}" data-route="${route}"`));
});

test('no view writes markup from strings', () => {
  const markup = /innerHTML|outerHTML|insertAdjacentHTML|document\.write/;
  for (const text of sources) assert.doesNotMatch(text, markup);
});

test('the page asks for the token once the node wants one, and then starts a job', async () => {
  page.location.hash = '#/start';
  await import('../../runtime/http/dashboard/app.js');
  const form = page.document.getElementById('token-form');
  await waitUntil(() => !form.hidden, 'the token form to show (GET /workflows answers 401)');
  page.document.getElementById('token').value = TOKEN;
  form.dispatch('submit');
  assert.equal(form.hidden, true);
  assert.equal(sessionStorage.getItem('boa.token'), TOKEN);

  const start = view().querySelector('form.start');
  await waitUntil(() => !/loading/.test(start.textContent), 'the repository list to answer');
  view().querySelector('#definition').value = JSON.stringify(definition);
  view().querySelector('#properties').value = '{"who": "views"}';
  start.dispatch('submit');
  const jobHash = await waitUntil(
    () => /^#\/jobs\/j-[0-9a-f]+$/.test(page.location.hash) && page.location.hash,
    `the job's page (start result: ${view().querySelector('#start-result')?.textContent})`,
  );
  const jobId = jobHash.slice('#/jobs/'.length);

  // The job's page: finished, its graph all done, its history and properties.
  const section = await waitUntil(() => view().querySelector('section'), 'the job view');
  await waitUntil(() => section.dataset.jobState === 'finished', `job ${jobId} to finish`);
  const steps = section.querySelectorAll('svg g.step');
  assert.deepEqual(steps.map((g) => g.dataset.step).sort(), ['finish', 'greet', 'wait']);
  for (const g of steps) assert.equal(g.dataset.state, 'done', g.dataset.step);
  assert.equal(section.querySelectorAll('table.history tbody tr').length, 3);
  assert.match(section.querySelector('table.properties').textContent, /who"views"/);
  assert.equal(section.querySelector('#job-cancel').disabled, true, 'no cancel once finished');
  assert.match(section.querySelector('.freshness').textContent, /^updated /);

  // The jobs page lists it, finished; the archive is there or said to be missing.
  page.location.hash = '#/jobs';
  const row = await waitUntil(
    () => view().querySelector(`#recent-jobs tr[data-job="${jobId}"]`),
    'the job on the jobs page',
  );
  assert.equal(row.dataset.state, 'finished');
  await waitUntil(
    () => view().querySelector('#archived-jobs table') || view().querySelector('#no-archive'),
    'the archive section',
  );

  // The cluster page: the node, live, with its heartbeat age ticking between polls.
  page.location.hash = '#/cluster';
  const nodeRow = await waitUntil(
    () => view().querySelector('#cluster-nodes tr[data-node="views-1"]'),
    'the node on the cluster page',
  );
  assert.match(nodeRow.textContent, /live/);
  const age = nodeRow.querySelector('td.age');
  assert.match(age.textContent, /^\d+ (ms|s)$/);
});

test("a running job's page shows its step running, and its cancel button cancels it", async () => {
  const slow = {
    name: 'views-slow',
    steps: [
      // Long enough for a few polls to see it run; a cancel takes effect after it.
      { id: 'nap', run: { kind: 'sleep', ms: 5000 }, next: [['*', 'after']] },
      { id: 'after', run: 'noop' },
    ],
  };
  const started = await (
    await fetch('/jobs', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ definition: slow }),
    })
  ).json();
  page.location.hash = `#/jobs/${started.job_id}`;
  const section = await waitUntil(() => view().querySelector('section.view-jobs'), 'the job');
  const nap = await waitUntil(
    () => section.querySelector('svg g.step[data-state="running"]'),
    'a step drawn running',
  );
  assert.equal(nap.dataset.step, 'nap');
  assert.equal(section.dataset.jobState, 'running');
  section.querySelector('#job-cancel').dispatch('click');
  await waitUntil(() => section.dataset.jobState === 'canceled', 'the job to be canceled');
  assert.match(section.querySelector('.command-result').textContent, /^cancel sent/);
  assert.equal(section.querySelector('svg g.step[data-step="after"]').dataset.state, 'not-reached');
});

test('a view that cannot reach the node says its data is stale', async () => {
  page.location.hash = '#/cluster';
  await waitUntil(() => view().querySelector('#cluster-nodes tr'), 'the cluster page');
  sessionStorage.setItem('boa.token', 'wrong');
  const line = view().querySelector('.freshness');
  await waitUntil(() => line.classList.contains('stale'), 'the freshness line to turn stale');
  assert.match(line.textContent, /^stale: updated \d+ (ms|s) ago \(the bearer token is wrong\)$/);
  sessionStorage.setItem('boa.token', TOKEN);
});

test('the fake DOM the views ran in has no innerHTML to fall back on', () => {
  assert.equal('innerHTML' in new FakeElement('div'), false);
});
