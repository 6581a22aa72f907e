// Draws a workflow's layout (graph_layout.js) as SVG, each step coloured by its state
// (step_states.js).

import { svg, el } from './dom.js';
import { layoutWorkflow } from './graph_layout.js';
import { STEP_STATES } from './step_states.js';

const LABELS = {
  done: 'done',
  failed: 'failed',
  running: 'running now',
  'not-reached': 'not reached',
};

/** Shortens a step id to fit its box. */
function fit(text, width) {
  const max = Math.floor(width / 7.5);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * An `<svg>` of `definition` with each step's state from `states` (Map id -> state) and its
 * attempts from `attempts` (Map id -> count).
 */
export function workflowGraph(definition, states, attempts = new Map()) {
  const layout = layoutWorkflow(definition);
  const arrow = svg(
    'marker',
    {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto',
    },
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
  );
  const edges = layout.edges.map((e) =>
    svg(
      'g',
      { class: e.back ? 'edge back' : 'edge' },
      svg('path', { d: e.path, 'marker-end': 'url(#arrow)' }),
      e.match && e.match !== '*'
        ? svg(
            'text',
            { x: e.labelX, y: e.labelY, class: 'edge-label', 'text-anchor': 'middle' },
            e.match,
          )
        : null,
    ),
  );
  const nodes = layout.nodes.map((n) => {
    const state = states.get(n.id) ?? 'not-reached';
    const tries = attempts.get(n.id) ?? 0;
    const title = `${n.id} (${n.role}): ${LABELS[state]}${tries > 1 ? `, ${tries} attempts` : ''}`;
    return svg(
      'g',
      {
        class: `step step-${state} role-${n.role}`,
        dataset: { step: n.id, state },
        transform: `translate(${n.x} ${n.y})`,
      },
      svg('title', {}, title),
      svg('rect', { width: n.width, height: n.height, rx: n.role === 'task' ? 6 : 18 }),
      svg(
        'text',
        {
          x: n.width / 2,
          y: n.height / 2,
          'text-anchor': 'middle',
          'dominant-baseline': 'central',
        },
        fit(n.id, n.width) + (tries > 1 ? ` ×${tries}` : ''),
      ),
    );
  });
  return svg(
    'svg',
    {
      class: 'workflow-graph',
      width: layout.width,
      height: layout.height,
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      role: 'img',
      'aria-label': `workflow ${definition.name ?? ''}`,
    },
    svg('defs', {}, arrow),
    edges,
    nodes,
  );
}

/** What the colours mean. */
export function graphLegend() {
  return el(
    'ul',
    { class: 'legend' },
    STEP_STATES.map((s) => el('li', {}, el('span', { class: `swatch step-${s}` }), LABELS[s])),
  );
}
