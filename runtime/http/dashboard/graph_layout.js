// A layered layout of a workflow definition for drawing it: steps top to bottom, each edge from
// a step to the steps its `next` routes lead to. Pure functions: the tests import them in Node.js.

/** What a step is in the graph: task, join, map or reduce (README, "Step keys"). */
export function stepRole(step) {
  if (step.join !== undefined && step.join !== false) return 'join';
  if (step.map !== undefined) return 'map';
  if (step.reduce !== undefined) return 'reduce';
  return 'task';
}

/** Every route of the definition as an edge `{from, to, match}`, in definition order. */
export function workflowEdges(definition) {
  const ids = new Set((definition.steps ?? []).map((s) => s.id));
  const edges = [];
  for (const step of definition.steps ?? []) {
    for (const route of step.next ?? []) {
      const [match, to] = route;
      if (ids.has(to)) edges.push({ from: step.id, to, match });
    }
  }
  return edges;
}

/**
 * Layers: the entry step on layer 0, every other step one below the lowest step that leads to
 * it, not counting the edges that go back up (loops: a route to a step that leads to this one).
 * Returns `{layers: Map id -> layer, back: Set of "from->to"}`.
 */
export function assignLayers(definition) {
  const steps = definition.steps ?? [];
  const edges = workflowEdges(definition);
  const out = new Map(steps.map((s) => [s.id, []]));
  for (const e of edges) out.get(e.from).push(e.to);

  // Depth-first from the entry step, then from any step it does not reach, in definition order:
  // an edge to a step still on the stack closes a loop.
  const back = new Set();
  const seen = new Set();
  const onStack = new Set();
  const finished = [];
  const visit = (id) => {
    seen.add(id);
    onStack.add(id);
    for (const to of out.get(id)) {
      if (onStack.has(to)) back.add(`${id}->${to}`);
      else if (!seen.has(to)) visit(to);
    }
    onStack.delete(id);
    finished.push(id);
  };
  for (const s of steps) if (!seen.has(s.id)) visit(s.id);

  // Reverse finishing order is a topological order of the forward edges: longest path from a root.
  const layers = new Map(steps.map((s) => [s.id, 0]));
  for (const id of finished.reverse()) {
    for (const to of out.get(id)) {
      if (!back.has(`${id}->${to}`)) layers.set(to, Math.max(layers.get(to), layers.get(id) + 1));
    }
  }
  return { layers, back };
}

/**
 * Positions for every step and a path for every edge. Steps of one layer are ordered by where
 * the steps leading to them stand (fewer crossings), then by definition order.
 * Returns `{nodes: [{id, role, layer, x, y, width, height}], edges: [{from, to, match, back, path,
 * labelX, labelY}], width, height}`, (x, y) being a node's top left corner.
 */
export function layoutWorkflow(definition, sizes = {}) {
  const { nodeWidth = 160, nodeHeight = 36, gapX = 40, gapY = 56, margin = 20 } = sizes;
  const steps = definition.steps ?? [];
  const { layers, back } = assignLayers(definition);
  const edges = workflowEdges(definition);
  const order = new Map(steps.map((s, i) => [s.id, i]));
  const depth = steps.reduce((d, s) => Math.max(d, layers.get(s.id) + 1), 0);

  const rows = Array.from({ length: depth }, () => []);
  for (const s of steps) rows[layers.get(s.id)].push(s.id);
  const position = new Map(); // id -> index within its row
  for (const row of rows) {
    const weight = (id) => {
      const from = edges
        .filter((e) => e.to === id && !back.has(`${e.from}->${e.to}`) && position.has(e.from))
        .map((e) => position.get(e.from));
      return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Infinity;
    };
    const weights = new Map(row.map((id) => [id, weight(id)]));
    row.sort((a, b) => weights.get(a) - weights.get(b) || order.get(a) - order.get(b));
    row.forEach((id, i) => position.set(id, i));
  }

  const widest = rows.reduce((w, row) => Math.max(w, row.length), 0);
  const width = Math.max(1, widest) * (nodeWidth + gapX) - gapX + 2 * margin;
  const height = Math.max(1, depth) * (nodeHeight + gapY) - gapY + 2 * margin;
  const nodes = [];
  const byId = new Map();
  rows.forEach((row, layer) => {
    const rowWidth = row.length * (nodeWidth + gapX) - gapX;
    const left = (width - rowWidth) / 2;
    row.forEach((id, i) => {
      const step = steps[order.get(id)];
      const node = {
        id,
        role: stepRole(step),
        layer,
        x: left + i * (nodeWidth + gapX),
        y: margin + layer * (nodeHeight + gapY),
        width: nodeWidth,
        height: nodeHeight,
      };
      nodes.push(node);
      byId.set(id, node);
    });
  });

  let up = false;
  const drawn = edges.map((e) => {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    const isBack = back.has(`${e.from}->${e.to}`);
    let path, labelX, labelY;
    if (isBack || a.layer >= b.layer) {
      up = true;
      // Up (or across) along the right-hand side, so that it does not run through other steps.
      const x1 = a.x + a.width;
      const y1 = a.y + a.height / 2;
      const x2 = b.x + b.width;
      const y2 = b.y + b.height / 2;
      const lo = Math.min(a.layer, b.layer);
      const hi = Math.max(a.layer, b.layer);
      const right = nodes
        .filter((n) => n.layer >= lo && n.layer <= hi)
        .reduce((r, n) => Math.max(r, n.x + n.width), 0);
      const bulge = right + gapX;
      path = `M ${x1} ${y1} C ${bulge} ${y1}, ${bulge} ${y2}, ${x2} ${y2}`;
      labelX = bulge - gapX / 4;
      labelY = (y1 + y2) / 2;
    } else {
      const x1 = a.x + a.width / 2;
      const y1 = a.y + a.height;
      const x2 = b.x + b.width / 2;
      const y2 = b.y;
      const mid = (y1 + y2) / 2;
      path = `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`;
      labelX = (x1 + x2) / 2;
      labelY = mid;
    }
    return { ...e, back: isBack, path, labelX, labelY };
  });
  // Room on the right for the edges that go back up.
  return { nodes, edges: drawn, width: up ? width + gapX : width, height };
}
