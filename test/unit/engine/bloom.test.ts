/**
 * Bloom filter: never a false negative (a false negative makes a read skip
 * the run that holds the key, returning older data), and a false-positive
 * rate near the designed 1%.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BloomBuilder, bloomMayContain } from '../../../src/engine/bloom.ts';

test('every added key is reported as possibly present, for any set size', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 400, selector: (k) => Buffer.from(k).toString('hex') }), (keys) => {
      const builder = new BloomBuilder(keys.length);
      for (const key of keys) builder.add(key);
      const bits = builder.finish();
      for (const key of keys) assert.ok(bloomMayContain(bits, key));
    }),
    { numRuns: 300 },
  );
});

test('the false-positive rate stays under 3% at 10 bits per key', () => {
  const builder = new BloomBuilder(10_000);
  for (let i = 0; i < 10_000; i++) builder.add(new TextEncoder().encode(`in-${i}`));
  const bits = builder.finish();
  let hits = 0;
  for (let i = 0; i < 20_000; i++) if (bloomMayContain(bits, new TextEncoder().encode(`out-${i}`))) hits++;
  assert.ok(hits / 20_000 < 0.03, `false positives ${hits / 200}%`);
});
