// How the dashboard writes times, ages, sizes and the node's numbers. Pure functions: the tests
// import them in Node.js.

/** "850 ms", "12 s", "3 min 5 s", "2 h 10 min", "4 d 3 h". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** An age as people read it on a page that moves every second: whole seconds from 1 s on. */
export function formatAge(ms) {
  if (!Number.isFinite(ms)) return '–';
  return formatDuration(Math.max(0, ms < 1000 ? ms : Math.floor(ms / 1000) * 1000));
}

/** A wall-clock time in milliseconds since the epoch, in UTC: "2026-11-30 14:03:02". */
export function formatTime(ms) {
  if (!ms) return '–';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** "512 B", "1.5 KiB", "230.4 MiB". */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/**
 * The age of a node's last heartbeat at `now`, from a cluster snapshot received at `receivedAt`
 * (both on this browser's clock). The snapshot says how old the beat was when the observer took
 * it (`age_ms`); what passed since is counted on the browser's clock, so that a node whose clock
 * differs from the browser's still ticks from the right age.
 */
export function heartbeatAge(node, receivedAt, now) {
  return (node.age_ms ?? 0) + Math.max(0, now - receivedAt);
}

/** Workers busy and in all, from a heartbeat's systems (the `workers` system when it has one). */
export function workersOf(heartbeat) {
  const systems = heartbeat?.systems ?? [];
  const named = systems.filter((s) => s.name === 'workers');
  const counted = named.length > 0 ? named : systems;
  return {
    busy: counted.reduce((sum, s) => sum + (s.busy ?? 0), 0),
    total: counted.reduce((sum, s) => sum + (s.total ?? 0), 0),
  };
}

/** The 1, 5 and 15 minute load averages: "0.52 0.40 0.31". */
export function formatLoad(load) {
  if (!Array.isArray(load) || load.length === 0) return '–';
  return load.map((x) => Number(x).toFixed(2)).join(' ');
}

/**
 * How old what a view shows is: "updated 3 s ago", or, after a poll that failed, the same marked
 * stale with why. `lastOkAt` is when the last good answer came (0: none yet).
 */
export function freshness(lastOkAt, lastError, now) {
  const age = lastOkAt ? `updated ${formatAge(now - lastOkAt)} ago` : 'no answer yet';
  if (!lastError) return { text: lastOkAt ? age : 'loading…', stale: false };
  return { text: `stale: ${age} (${lastError})`, stale: true };
}

/** How long a job ran, or has been running at `now`. */
export function jobDuration(job, now) {
  const start = job.started_ms || job.created_ms;
  if (!start) return NaN;
  if (job.duration_ms != null) return job.duration_ms;
  return (job.ended_ms || now) - start;
}
