// The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core. Starts
// a real `boad` (embedded broker, HTTP on a free port), starts a job from the start page, and
// checks that it reaches `finished` on its page with every step of its graph done, that the jobs
// page lists it, and that the cluster page shows the node with a heartbeat age. Writes
// screenshots (PNG) into ARTIFACT_DIR.
//
// Usage: node browser_test.js BOAD ARTIFACT_DIR
// Exits 77 (skipped) when /usr/bin/chromium or playwright-core (npm ci here) is missing.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { startBoad } from './boad_process.js';

const SKIP = 77;
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 60000; // a safety net against hanging, not a measurement
const [boad, artifacts] = process.argv.slice(2);
if (!boad || !artifacts) {
  console.error('usage: node browser_test.js BOAD ARTIFACT_DIR');
  process.exit(2);
}

if (!existsSync(CHROMIUM)) {
  console.log(`skipped: ${CHROMIUM} is missing (Debian's chromium package)`);
  process.exit(SKIP);
}
let chromium;
try {
  const playwright = await import('playwright-core');
  chromium = playwright.chromium ?? playwright.default.chromium;
} catch (e) {
  console.log(`skipped: playwright-core is not installed (npm ci in test/dashboard): ${e.message}`);
  process.exit(SKIP);
}

const definition = {
  name: 'browser-check',
  steps: [
    { id: 'greet', run: { kind: 'set', values: { greeting: 'hello' } }, next: [['*', 'wait']] },
    { id: 'wait', run: { kind: 'sleep', ms: 300 }, next: [['*', 'finish']] },
    { id: 'finish', run: 'noop' },
  ],
};

let node;
let context;
let failed = false;
try {
  node = await startBoad(boad, 'dash-1');
  // A fresh profile in the node's temporary directory (Playwright takes it as userDataDir).
  context = await chromium.launchPersistentContext(path.join(node.dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage', // a container's small /dev/shm must not crash the renderer
    ],
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  // Start a job from the start page with an inline definition.
  await page.goto(`${node.url}/#/start`);
  await page.fill('#definition', JSON.stringify(definition, null, 2));
  await page.fill('#properties', '{"who": "browser"}');
  await page.click('#start-job');
  // The page follows the new job: its hash names it.
  await page.waitForFunction(() => /^#\/jobs\/j-[0-9a-f]+$/.test(location.hash));
  const jobId = await page.evaluate(() => location.hash.slice('#/jobs/'.length));

  // Its page: finished, every step of the graph done, its history and properties shown.
  await page.locator('[data-job-state="finished"]').waitFor();
  const steps = await page
    .locator('svg.workflow-graph g.step')
    .evaluateAll((gs) => gs.map((g) => [g.dataset.step, g.dataset.state]));
  assert.deepEqual(
    steps.map(([id]) => id).sort(),
    definition.steps.map((s) => s.id).sort(),
    'the graph draws every step',
  );
  for (const [id, state] of steps) assert.equal(state, 'done', `step ${id}`);
  assert.equal(await page.locator('table.history tbody tr').count(), definition.steps.length);
  assert.match(await page.locator('table.properties').innerText(), /who\s+"browser"/);
  assert.match(await page.locator('.freshness').innerText(), /^updated /);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-job.png'), fullPage: true });

  // The jobs page lists it, finished.
  await page.goto(`${node.url}/#/jobs`);
  const row = page.locator(`#recent-jobs tr[data-job="${jobId}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'finished');
  await page.screenshot({ path: path.join(artifacts, 'dashboard-jobs.png'), fullPage: true });

  // The cluster page lists the node, live, with the age of its last heartbeat.
  await page.goto(`${node.url}/#/cluster`);
  const nodeRow = page.locator('#cluster-nodes tr[data-node="dash-1"]');
  await nodeRow.waitFor();
  assert.match(await nodeRow.locator('td.age').innerText(), /^\d+ (ms|s)$/);
  assert.match(await nodeRow.innerText(), /live/);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-cluster.png'), fullPage: true });

  assert.deepEqual(pageErrors, [], 'no script error on the page');
  console.log(`ok: job ${jobId} finished on the dashboard; screenshots in ${artifacts}`);
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e.stack ?? e}`);
  if (node) console.error(`boad's log:\n${node.log()}`);
} finally {
  await context?.close().catch(() => {});
  await node?.stop();
}
process.exit(failed ? 1 : 0);
