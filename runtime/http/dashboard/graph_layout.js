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
 * Positions for every step and a path for every edge. An edge that goes down more than one layer
 * gets a waypoint in each layer it crosses, which takes a slot there like a step, so that it runs
 * in a lane of its own instead of through the steps between. Slots of a layer are ordered by where
 * the slots leading to them stand (fewer crossings), then by definition order; edges that go back
 * up run around the right-hand side.
 * Returns `{nodes: [{id, role, layer, x, y, width, height}], edges: [{from, to, match, back, path,
 * waypoints: [{x, y}], labelX, labelY}], width, height}`, (x, y) being a node's top left corner
 * and a waypoint's centre.
 */
export function layoutWorkflow(definition, sizes = {}) {
  const { nodeWidth = 160, nodeHeight = 36, gapX = 40, gapY = 56, margin = 20 } = sizes;
  const steps = definition.steps ?? [];
  const { layers, back } = assignLayers(definition);
  const edges = workflowEdges(definition);
  const depth = steps.reduce((d, s) => Math.max(d, layers.get(s.id) + 1), 0);
  const goesDown = (e) =>
    !back.has(`${e.from}->${e.to}`) && layers.get(e.to) > layers.get(e.from);

  const rows = Array.from({ length: depth }, () => []);
  const slotLayer = new Map(); // slot id (a step id, or a waypoint's) -> layer
  const parents = new Map(); // slot id -> the slots one layer up that lead to it
  const addSlot = (id, layer) => {
    rows[layer].push(id);
    slotLayer.set(id, layer);
    parents.set(id, []);
  };
  for (const s of steps) addSlot(s.id, layers.get(s.id));
  const lanes = edges.map((e, i) => {
    if (!goesDown(e)) return [];
    const lane = [];
    let above = e.from;
    for (let layer = layers.get(e.from) + 1; layer < layers.get(e.to); layer++) {
      const id = `\u0000${i}:${layer}`; // no step id has a NUL
      addSlot(id, layer);
      parents.get(id).push(above);
      lane.push(id);
      above = id;
    }
    parents.get(e.to).push(above);
    return lane;
  });

  const position = new Map(); // slot id -> index within its row
  for (const row of rows) {
    const initial = new Map(row.map((id, i) => [id, i]));
    const weight = (id) => {
      const from = parents.get(id).map((p) => position.get(p));
      return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Infinity;
    };
    const weights = new Map(row.map((id) => [id, weight(id)]));
    row.sort((a, b) => weights.get(a) - weights.get(b) || initial.get(a) - initial.get(b));
    row.forEach((id, i) => position.set(id, i));
  }

  const widest = rows.reduce((w, row) => Math.max(w, row.length), 0);
  const width = Math.max(1, widest) * (nodeWidth + gapX) - gapX + 2 * margin;
  const height = Math.max(1, depth) * (nodeHeight + gapY) - gapY + 2 * margin;
  const slotX = (id) => {
    const row = rows[slotLayer.get(id)];
    const left = (width - (row.length * (nodeWidth + gapX) - gapX)) / 2;
    return left + position.get(id) * (nodeWidth + gapX);
  };
  const slotY = (id) => margin + slotLayer.get(id) * (nodeHeight + gapY);

  const byId = new Map();
  const nodes = steps.map((step) => {
    const node = {
      id: step.id,
      role: stepRole(step),
      layer: layers.get(step.id),
      x: slotX(step.id),
      y: slotY(step.id),
      width: nodeWidth,
      height: nodeHeight,
    };
    byId.set(step.id, node);
    return node;
  });

  let up = false;
  const drawn = edges.map((e, i) => {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!goesDown(e)) {
      // Up (or across) along the right-hand side, so that it does not run through other steps.
      up = true;
      const lo = Math.min(a.layer, b.layer);
      const hi = Math.max(a.layer, b.layer);
      const right = [...slotLayer]
        .filter(([, layer]) => layer >= lo && layer <= hi)
        .reduce((r, [id]) => Math.max(r, slotX(id) + nodeWidth), 0);
      const bulge = right + gapX;
      const [x1, y1] = [a.x + a.width, a.y + a.height / 2];
      const [x2, y2] = [b.x + b.width, b.y + b.height / 2];
      return {
        ...e,
        back: back.has(`${e.from}->${e.to}`),
        path: `M ${x1} ${y1} C ${bulge} ${y1}, ${bulge} ${y2}, ${x2} ${y2}`,
        waypoints: [],
        labelX: bulge - gapX / 4,
        labelY: (y1 + y2) / 2,
      };
    }
    // Down: a curve across each gap between layers, straight through each waypoint's slot.
    const waypoints = lanes[i].map((id) => ({
      x: slotX(id) + nodeWidth / 2,
      y: slotY(id) + nodeHeight / 2,
    }));
    let [x, y] = [a.x + a.width / 2, a.y + a.height];
    let path = `M ${x} ${y}`;
    const curveTo = (x2, y2) => {
      const mid = (y + y2) / 2;
      path += ` C ${x} ${mid}, ${x2} ${mid}, ${x2} ${y2}`;
      [x, y] = [x2, y2];
    };
    const labelX = (x + (waypoints[0]?.x ?? b.x + b.width / 2)) / 2;
    const labelY = y + gapY / 2;
    for (const w of waypoints) {
      curveTo(w.x, w.y - nodeHeight / 2);
      path += ` L ${w.x} ${w.y + nodeHeight / 2}`;
      y = w.y + nodeHeight / 2;
    }
    curveTo(b.x + b.width / 2, b.y);
    return { ...e, back: false, path, waypoints, labelX, labelY };
  });
  // Room on the right for the edges that go back up.
  return { nodes, edges: drawn, width: up ? width + gapX : width, height };
}
