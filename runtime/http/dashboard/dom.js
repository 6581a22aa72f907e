// Builds the page from data with DOM APIs only: text from the server (property values are user
// data) always goes in as text, never as markup.

/**
 * `el('td', {class: 'age', dataset: {node: 'n1'}}, 'text', child)`: an element with attributes,
 * listeners (`onclick`) and children (strings become text nodes; null and false are skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  setAttributes(e, attrs);
  appendChildren(e, children);
  return e;
}

/** The same for SVG elements. */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttributes(e, attrs);
  appendChildren(e, children);
  return e;
}

function setAttributes(e, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(e.dataset, value);
    else if (key.startsWith('on')) e.addEventListener(key.slice(2), value);
    else e.setAttribute(key, value === true ? '' : String(value));
  }
}

function appendChildren(e, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    e.append(typeof child === 'object' ? child : String(child));
  }
}

/** Replaces the children of `parent`. */
export function setChildren(parent, ...children) {
  parent.replaceChildren();
  appendChildren(parent, children);
}

/** A table with a header row; `rows` are arrays of cells or `tr` elements. */
export function table(attrs, headers, rows) {
  return el(
    'table',
    attrs,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el(
      'tbody',
      {},
      rows.map((r) => (Array.isArray(r) ? el('tr', {}, r.map((c) => el('td', {}, c))) : r)),
    ),
  );
}

/** A line that says how old a view's data is (see format.js `freshness`). */
export function freshnessLine() {
  return el('p', { class: 'freshness', role: 'status' });
}

/** A link to a job's page. */
export function jobLink(id) {
  return el('a', { href: `#/jobs/${encodeURIComponent(id)}`, class: 'job-link' }, id);
}

/** A job state as a coloured badge. */
export function stateBadge(state) {
  return el('span', { class: `badge state-${state}` }, state);
}
