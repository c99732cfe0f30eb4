// Cluster-wide /metrics: every worker's exposition gathered over the bus and merged with a
// `worker` label; a worker that does not answer is left out and counted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '../bus/bus.js';
import { mergeExpositions, shareMetrics } from './cluster.js';
import { createMetrics } from './metrics.js';

const text = (lines: string[]): string => lines.join('\n') + '\n';

describe('cluster metrics', () => {
  it('merges expositions: each family once, every sample labelled with its worker', () => {
    const one = text(['# HELP a_total A.', '# TYPE a_total counter', 'a_total{method="GET"} 3', '# HELP g G.', '# TYPE g gauge', 'g 1']);
    const two = text(['# HELP a_total A.', '# TYPE a_total counter', 'a_total{method="GET"} 5', 'a_total{method="POST"} 1', '# HELP g G.', '# TYPE g gauge', 'g 7']);
    assert.equal(
      mergeExpositions(new Map([['2', two], ['1', one]])),
      text([
        '# HELP a_total A.', '# TYPE a_total counter',
        'a_total{method="GET",worker="1"} 3', 'a_total{method="GET",worker="2"} 5', 'a_total{method="POST",worker="2"} 1',
        '# HELP g G.', '# TYPE g gauge', 'g{worker="1"} 1', 'g{worker="2"} 7',
      ]),
    );
  });

  it('keeps label values with braces and quotes intact', () => {
    const merged = mergeExpositions(new Map([['3', text(['# HELP x X.', '# TYPE x gauge', 'x{code="a}b\\"c"} 2'])]]));
    assert.match(merged, /^x\{code="a\}b\\"c",worker="3"\} 2$/m);
  });

  it('gathers every worker over the bus; one that does not answer is counted missing', async () => {
    const bus = new InProcessBus('test');
    const m1 = createMetrics();
    const m2 = createMetrics();
    m1.set('meshwork_browser_streams', 4);
    m2.set('meshwork_browser_streams', 9);
    const w1 = shareMetrics(bus, 1, 2, () => m1.render(), 2_000);
    const w2 = shareMetrics(bus, 2, 2, () => m2.render(), 2_000);
    try {
      const all = await w2.gather();
      assert.match(all, /^meshwork_browser_streams\{worker="1"\} 4$/m);
      assert.match(all, /^meshwork_browser_streams\{worker="2"\} 9$/m);
      assert.match(all, /^meshwork_metrics_workers_missing 0$/m);
      assert.equal(all.match(/^# TYPE meshwork_browser_streams /gm)?.length, 1);
      w1.stop(); // worker 1 gone
      const t0 = performance.now();
      const partial = await shareMetrics(bus, 3, 3, () => m2.render(), 100).gather();
      assert.ok(performance.now() - t0 >= 90, 'waited for the missing worker, within the timeout');
      assert.match(partial, /^meshwork_metrics_workers_missing 1$/m);
    } finally {
      w1.stop();
      w2.stop();
    }
  });

  it('ignores malformed bus messages', async () => {
    const bus = new InProcessBus('test');
    const m = createMetrics();
    const w = shareMetrics(bus, 1, 1, () => m.render(), 200);
    try {
      await bus.publish('metrics', { type: 'metricsReply', id: 'x', worker: '1; DROP', text: 'evil 1' });
      await bus.publish('metrics', { type: 'metricsRequest', id: 'y'.repeat(500) });
      await bus.publish('metrics', 'nonsense');
      const all = await w.gather();
      assert.doesNotMatch(all, /evil/);
      assert.match(all, /^meshwork_metrics_workers_missing 0$/m);
    } finally {
      w.stop();
    }
  });
});
