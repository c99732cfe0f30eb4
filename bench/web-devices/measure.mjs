// In-page probes for the web UI benchmark, injected before the app's own scripts (an init script
// is not subject to the page's CSP). Times are performance.now() in the page: milliseconds since
// the navigation started.
//
// First render: a MutationObserver notices the moment the list shows a device row and the count
// reads "N devices"; the time taken is the next animation frame after that (the frame that paints it).
// Filter latency: the search box's `input` event (event.timeStamp) → the animation frame after the
// last DOM change the keystroke caused (with useDeferredValue the list may update a render later).

/** The init script's source for a list that must reach `expected` devices. */
export function probeScript(expected) {
  return `(() => {
  const want = ${JSON.stringify(`${expected} devices`)};
  const p = { firstReady: null, firstFrame: null, inputAt: null, lastMutation: null, frameAfter: null, mutations: 0 };
  window.__mwBench = p;
  const ready = () => {
    const c = document.querySelector('[data-testid="device-count"]');
    return !!c && c.textContent.trim() === want && !!document.querySelector('[data-testid="device-row"]');
  };
  const onMutations = () => {
    const t = performance.now();
    if (p.firstFrame === null) {
      if (p.firstReady === null && ready()) {
        p.firstReady = t;
        requestAnimationFrame(() => { p.firstFrame = performance.now(); });
      }
      return;
    }
    if (p.inputAt === null) return;
    p.mutations++;
    p.lastMutation = t;
    requestAnimationFrame(() => { if (p.lastMutation === t) p.frameAfter = performance.now(); });
  };
  new MutationObserver(onMutations).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  document.addEventListener('input', (e) => {
    if (!(e.target instanceof HTMLInputElement) || e.target.type !== 'search') return;
    p.inputAt = e.timeStamp;
    p.lastMutation = null;
    p.frameAfter = null;
    p.mutations = 0;
    const at = e.timeStamp;
    // When the keystroke changes nothing in the list, the frame that shows the typed character counts.
    requestAnimationFrame(() => { if (p.inputAt === at && p.lastMutation === null) p.frameAfter = performance.now(); });
  }, true);
})();`;
}

/** True in the page once the list is painted (polled with page.evaluate). */
export const FIRST_FRAME_DONE = 'window.__mwBench && window.__mwBench.firstFrame !== null';

/** The first-render figures, read from the page. */
export const READ_FIRST = `(() => {
  const p = window.__mwBench;
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const list = resources.filter((r) => new URL(r.name).pathname === '/api/v1/devices').pop();
  const head = resources.filter((r) => new URL(r.name).pathname === '/api/v1/devices/head').pop();
  const requests = (path) => resources.filter((r) => new URL(r.name).pathname === path).length;
  const session = resources.filter((r) => new URL(r.name).pathname === '/api/v1/auth/session').pop();
  const scripts = resources.filter((r) => { const u = new URL(r.name).pathname; return u.startsWith('/assets/') && u.endsWith('.js'); });
  return { scripts: scripts.length ? Math.max(...scripts.map((r) => r.responseEnd)) : null, sessionStart: session ? session.requestStart : null,
    sessionDone: session ? session.responseEnd : null, frame: p.firstFrame, ready: p.firstReady, html: nav ? nav.responseEnd : null, devicesApi: list ? list.responseEnd : null, devicesStart: list ? list.requestStart : null,
    devicesWait: list ? list.responseStart - list.requestStart : null, devicesBytes: list ? list.encodedBodySize : null,
    headApi: head ? head.responseEnd : null,
    /** Each first request once: a second one means the app did not take the prefetched answer. */
    repeated: ['/api/v1/auth/session', '/api/v1/devices', '/api/v1/devices/head'].filter((p) => requests(p) > 1) };
})()`;

/**
 * True once a keystroke settled: its frame was taken and nothing changed for `quietMs` after it.
 */
export const settled = (quietMs) => `(() => {
  const p = window.__mwBench;
  if (p.inputAt === null || p.frameAfter === null) return false;
  return performance.now() - Math.max(p.frameAfter, p.lastMutation ?? 0) > ${quietMs};
})()`;

export const READ_KEYSTROKE = `(() => {
  const p = window.__mwBench;
  const count = document.querySelector('[data-testid="device-count"]');
  const r = { latency: p.frameAfter - p.inputAt, mutated: p.lastMutation !== null, count: count ? count.textContent.trim() : '' };
  p.inputAt = null;
  return r;
})()`;
