// #/start: starts a job from a definition in the node's repository or one pasted here, with
// properties as JSON, then goes to the job's page.

import { api, ApiError } from './api.js';
import { el, setChildren } from './dom.js';

const SAMPLE = {
  name: 'hello',
  steps: [
    { id: 'greet', run: { kind: 'set', values: { greeting: 'hello' } }, next: [['*', 'wait']] },
    { id: 'wait', run: { kind: 'sleep', ms: 500 }, next: [['*', 'done']] },
    { id: 'done', run: 'noop' },
  ],
};

/** The members of a start request, or an error message naming what is wrong. */
export function startRequest(workflowName, definitionText, propertiesText) {
  let properties = {};
  if (propertiesText.trim()) {
    try {
      properties = JSON.parse(propertiesText);
    } catch (e) {
      return { error: `properties: not JSON (${e.message})` };
    }
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties))
      return { error: 'properties: must be a JSON object' };
  }
  if (workflowName) return { body: { workflow: workflowName, properties } };
  let definition;
  try {
    definition = JSON.parse(definitionText);
  } catch (e) {
    return { error: `definition: not JSON (${e.message})` };
  }
  return { body: { definition, properties } };
}

export function mountStart(root) {
  const repository = el(
    'select',
    { id: 'workflow-name' },
    el('option', { value: '' }, 'the definition below'),
  );
  const repositoryNote = el('span', { class: 'hint' }, 'loading the repository…');
  const definition = el('textarea', { id: 'definition', rows: 16, spellcheck: 'false' });
  definition.value = JSON.stringify(SAMPLE, null, 2);
  const properties = el('textarea', { id: 'properties', rows: 4, spellcheck: 'false' });
  properties.value = '{}';
  const result = el('div', { id: 'start-result', role: 'status' });
  const form = el(
    'form',
    { class: 'start', onsubmit: (e) => (e.preventDefault(), submit()) },
    el('p', {}, el('label', { for: 'workflow-name' }, 'Run '), repository, ' ', repositoryNote),
    el('p', {}, el('label', { for: 'definition' }, 'Definition (JSON)')),
    definition,
    el('p', {}, el('label', { for: 'properties' }, 'Properties (JSON object)')),
    properties,
    el('p', {}, el('button', { type: 'submit', id: 'start-job' }, 'Start the job')),
    result,
  );
  root.append(el('h2', {}, 'Start a job'), form);
  const syncDefinition = () => {
    definition.disabled = repository.value !== '';
  };
  repository.addEventListener('change', syncDefinition);

  api('/workflows').then(
    (answer) => {
      const names = answer.names ?? [];
      for (const name of names)
        repository.append(el('option', { value: name }, `${name} (repository)`));
      repositoryNote.textContent = names.length ? '' : 'the repository is empty';
    },
    (e) => {
      repositoryNote.textContent =
        e instanceof ApiError && e.status === 404
          ? 'this node lists no repository: paste a definition'
          : `the repository did not answer: ${e.message}`;
    },
  );

  async function submit() {
    const request = startRequest(repository.value, definition.value, properties.value);
    if (request.error) return setChildren(result, el('p', { class: 'error-text' }, request.error));
    setChildren(result, el('p', {}, 'starting…'));
    try {
      const started = await api('/jobs', { body: request.body });
      location.hash = `#/jobs/${encodeURIComponent(started.job_id)}`;
    } catch (e) {
      setChildren(
        result,
        el('p', { class: 'error-text' }, e.message),
        e.errors?.length
          ? el(
              'ul',
              {},
              e.errors.map((x) =>
                el('li', {}, el('code', {}, x.path || '(body)'), ': ', x.message),
              ),
            )
          : null,
      );
    }
  }
  return { tick: () => {}, stop: () => {} };
}
