// A real `boad` for the dashboard's tests: embedded broker and HTTP API on free ports, in a
// temporary directory, stopped by its PID.

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const WAIT_MS = 60000; // a safety net against hanging, not a measurement

/**
 * Starts `boad` with `extraArgs` and resolves, once its HTTP API listens, to
 * `{url, log(), stop()}`: the base URL read from its log as the node prints it.
 */
export async function startBoad(boad, nodeId, extraArgs = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'boa-dashboard-'));
  const logPath = path.join(dir, 'boad.log');
  const log = () => readFileSync(logPath, 'utf8');
  const err = openSync(logPath, 'w');
  const proc = spawn(
    boad,
    ['--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', path.join(dir, 'data'),
     '--node-id', nodeId, ...extraArgs],
    { stdio: ['ignore', 'ignore', err] },
  );
  closeSync(err);
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), WAIT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline && proc.exitCode === null) {
    const found = /HTTP API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log());
    if (found) return { url: found[1], log, stop, dir };
    await new Promise((r) => setTimeout(r, 50));
  }
  const text = log();
  await stop();
  throw new Error(`boad did not start its HTTP API:\n${text}`);
}

/** Resolves once `done()` is truthy (checked every 50 ms); rejects naming `what` after WAIT_MS. */
export async function waitUntil(done, what) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = done();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
