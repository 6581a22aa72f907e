// Just enough of a browser's DOM for the dashboard's views to run under plain Node.js against a
// real node: elements, text, attributes, dataset, classList, events, simple selectors, location
// and sessionStorage. No innerHTML: the dashboard must not need it.

class FakeNode {
  constructor() {
    this.childNodes = [];
    this.parentNode = null;
  }
}

class FakeText extends FakeNode {
  constructor(text) {
    super();
    this.data = String(text);
  }
  get textContent() {
    return this.data;
  }
  set textContent(value) {
    this.data = String(value);
  }
}

class EventTarget_ {
  addEventListener(type, fn) {
    ((this.listeners ??= {})[type] ??= []).push(fn);
  }
  removeEventListener(type, fn) {
    const list = this.listeners?.[type] ?? [];
    if (list.includes(fn)) list.splice(list.indexOf(fn), 1);
  }
  /** Calls the listeners of `type` with an event whose preventDefault does nothing. */
  dispatch(type) {
    const event = { type, target: this, preventDefault() {} };
    for (const fn of [...(this.listeners?.[type] ?? [])]) fn(event);
  }
}

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

class FakeElement extends FakeNode {
  constructor(tag, namespace) {
    super();
    this.localName = tag;
    this.namespaceURI = namespace;
    this.attributes = new Map();
    this.dataset = {};
    this.hidden = false;
    this.disabled = false;
    this.value = '';
    const self = this;
    this.classList = {
      contains: (c) => self.className.split(/\s+/).includes(c),
      toggle(c, on) {
        const set = new Set(self.className.split(/\s+/).filter(Boolean));
        if (on ?? !set.has(c)) set.add(c);
        else set.delete(c);
        self.className = [...set].join(' ');
      },
    };
  }
  get className() {
    return this.attributes.get('class') ?? '';
  }
  set className(value) {
    this.attributes.set('class', String(value));
  }
  get id() {
    return this.attributes.get('id') ?? '';
  }
  setAttribute(name, value) {
    if (name.startsWith('data-')) this.dataset[camel(name.slice(5))] = String(value);
    else this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    if (name.startsWith('data-')) return this.dataset[camel(name.slice(5))] ?? null;
    return this.attributes.get(name) ?? null;
  }
  append(...nodes) {
    for (let node of nodes) {
      if (!(node instanceof FakeNode)) node = new FakeText(node);
      node.parentNode = this;
      this.childNodes.push(node);
    }
  }
  replaceChildren(...nodes) {
    this.childNodes = [];
    this.append(...nodes);
  }
  get children() {
    return this.childNodes.filter((n) => n instanceof FakeElement);
  }
  get textContent() {
    return this.childNodes.map((n) => n.textContent).join('');
  }
  set textContent(value) {
    this.childNodes = [];
    if (value !== '') this.append(String(value));
  }
  focus() {}
  /** Descendants matching a selector of compound parts (`tag.class#id[data-x="y"]`) and spaces. */
  querySelectorAll(selector) {
    const parts = selector.trim().split(/\s+/).map(parse);
    return descendants(this).filter((e) => matchesPath(e, parts, this));
  }
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }
}
for (const name of ['addEventListener', 'removeEventListener', 'dispatch'])
  FakeElement.prototype[name] = EventTarget_.prototype[name];

function descendants(root) {
  const out = [];
  const walk = (n) => {
    for (const c of n.children) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

function parse(compound) {
  const tag = /^[a-z][a-z0-9-]*/i.exec(compound)?.[0];
  const classes = [...compound.matchAll(/\.([\w-]+)/g)].map((m) => m[1]);
  const ids = [...compound.matchAll(/#([\w-]+)/g)].map((m) => m[1]);
  const attrs = [...compound.matchAll(/\[([\w-]+)(?:="([^"]*)")?\]/g)].map((m) => [m[1], m[2]]);
  return { tag, classes, ids, attrs };
}

function matches(e, { tag, classes, ids, attrs }) {
  if (tag && e.localName !== tag) return false;
  if (!classes.every((c) => e.classList.contains(c))) return false;
  if (!ids.every((id) => e.id === id)) return false;
  return attrs.every(([name, value]) => {
    const actual = e.getAttribute(name);
    return value === undefined ? actual !== null : actual === value;
  });
}

function matchesPath(e, parts, root) {
  if (!matches(e, parts[parts.length - 1])) return false;
  let rest = parts.slice(0, -1);
  for (let up = e.parentNode; rest.length && up && up !== root; up = up.parentNode)
    if (matches(up, rest[rest.length - 1])) rest = rest.slice(0, -1);
  return rest.length === 0;
}

/**
 * Installs `document`, `window`, `location`, `sessionStorage` and a `fetch` that sends the page's
 * paths to `baseUrl` as globals; `build(document)` then lays out the page's skeleton.
 */
export function installFakeDom(baseUrl, build) {
  const document = new FakeElement('#document');
  document.hidden = false;
  document.createElement = (tag) => new FakeElement(tag);
  document.createElementNS = (ns, tag) => new FakeElement(tag, ns);
  document.getElementById = (id) => document.querySelector(`#${id}`);
  const window = new FakeElement('#window');
  let hash = '';
  const location = {
    get hash() {
      return hash;
    },
    set hash(value) {
      hash = value.startsWith('#') ? value : `#${value}`;
      queueMicrotask(() => window.dispatch('hashchange'));
    },
  };
  const storage = new Map();
  const realFetch = globalThis.fetch;
  Object.assign(globalThis, {
    document,
    window,
    location,
    sessionStorage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => storage.set(k, String(v)),
      removeItem: (k) => storage.delete(k),
    },
    fetch: (path, options) => realFetch(baseUrl + path, options),
    addEventListener: window.addEventListener.bind(window),
  });
  build(document);
  return { document, window, location };
}

export { FakeElement };
