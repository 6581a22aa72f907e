// The dashboard: hash routes to views, one view mounted at a time, a tick every second so that
// ages move between polls, and the token form when the node asks for one.

import { onUnauthorized, setToken } from './api.js';
import { mountCluster } from './cluster_view.js';
import { mountJob } from './job_view.js';
import { mountJobs } from './jobs_view.js';
import { mountStart } from './start_view.js';

const routes = [
  [/^#\/cluster$/, (root) => mountCluster(root), 'cluster'],
  [/^#\/jobs$/, (root) => mountJobs(root), 'jobs'],
  [/^#\/jobs\/([^/]+)$/, (root, id) => mountJob(root, decodeURIComponent(id)), 'jobs'],
  [/^#\/start$/, (root) => mountStart(root), 'start'],
];

let current = null;

function show() {
  const hash = location.hash || '#/cluster';
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    location.hash = '#/cluster';
    return;
  }
  current?.stop();
  const [pattern, mount, tab] = route;
  const section = document.createElement('section');
  section.className = `view view-${tab}`;
  document.getElementById('view').replaceChildren(section);
  for (const link of document.querySelectorAll('nav a'))
    link.classList.toggle('active', link.dataset.route === tab);
  current = mount(section, ...pattern.exec(hash).slice(1));
}

const tokenForm = document.getElementById('token-form');
const tokenInput = document.getElementById('token');
onUnauthorized(() => {
  if (tokenForm.hidden) {
    tokenForm.hidden = false;
    tokenInput.focus();
  }
});
tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  setToken(tokenInput.value.trim());
  tokenInput.value = '';
  tokenForm.hidden = true;
  show(); // load the view again with the token
});

window.addEventListener('hashchange', show);
setInterval(() => current?.tick(Date.now()), 1000);
show();
