import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from './metrics.js';

test('renders counters and gauges in Prometheus text format', () => {
  const m = createMetrics(1_700_000_000_000);
  m.inc('meshwork_http_requests_total', { method: 'GET' });
  m.inc('meshwork_http_requests_total', { method: 'GET' });
  m.inc('meshwork_http_requests_total', { method: 'POST' }, 3);
  m.set('meshwork_users', 4);
  const text = m.render();
  assert.match(text, /^# TYPE meshwork_http_requests_total counter$/m);
  assert.match(text, /^meshwork_http_requests_total\{method="GET"\} 2$/m);
  assert.match(text, /^meshwork_http_requests_total\{method="POST"\} 3$/m);
  assert.match(text, /^# TYPE meshwork_users gauge$/m);
  assert.match(text, /^meshwork_users 4$/m);
  assert.match(text, /^meshwork_agents_connected 0$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.match(text, /^process_cpu_seconds_total [\d.e-]+$/m);
  assert.match(text, /^process_start_time_seconds 1700000000$/m);
  assert.ok(text.endsWith('\n'));
  // Every sample line is "name{labels} value".
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eInfa]+$/, line);
  }
});

test('label values are escaped and bad names or runaway label sets are dropped', () => {
  const m = createMetrics();
  m.inc('x_total', { v: 'a"b\\c\nd' });
  m.inc('bad name', {});
  m.inc('y_total', { 'bad-label': 'x' });
  for (let i = 0; i < 500; i++) m.inc('z_total', { i: String(i) });
  const text = m.render();
  assert.match(text, /^x_total\{v="a\\"b\\\\c\\nd"\} 1$/m);
  assert.doesNotMatch(text, /bad name|bad-label/);
  assert.ok((text.match(/^z_total\{/gm) ?? []).length <= 200);
});
