// Live updates by polling: a view's `refresh` runs now and then every interval while the tab is
// visible, and the view says how old what it shows is.

import { freshness } from './format.js';

/** How often views poll the node. */
export const POLL_INTERVAL_MS = 1500;

/**
 * Runs `refresh` (async) at once and `intervalMs` after each run ends, skipping runs while the
 * tab is hidden and running at once when it shows again. Returns a function that stops it.
 */
export function poll(refresh, intervalMs = POLL_INTERVAL_MS) {
  let stopped = false;
  let busy = false;
  let timer = null;
  const run = async () => {
    if (stopped || busy) return; // a run in progress schedules the next one
    clearTimeout(timer);
    if (!document.hidden) {
      busy = true;
      try {
        await refresh();
      } finally {
        busy = false;
      }
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  const onVisibility = () => {
    if (!document.hidden) run();
  };
  document.addEventListener('visibilitychange', onVisibility);
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Tracks the last good answer and the last failure of a view's polls, and shows them in `line`. */
export class Freshness {
  constructor(line) {
    this.line = line;
    this.lastOkAt = 0;
    this.lastError = null;
  }

  ok(at = Date.now()) {
    this.lastOkAt = at;
    this.lastError = null;
    this.render(at);
  }

  failed(error) {
    this.lastError = error?.message ?? String(error);
    this.render(Date.now());
  }

  render(now) {
    const { text, stale } = freshness(this.lastOkAt, this.lastError, now);
    this.line.textContent = text;
    this.line.classList.toggle('stale', stale);
  }
}
