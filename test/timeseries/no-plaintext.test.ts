/**
 * Never plaintext, for time series: the name of a time series, its series
 * names and its values cannot be read from the store directory.
 *
 * Names carry random 16-byte markers (as hex text: names are strings) and
 * values are distinctive doubles made of 8 random bytes, appended as the
 * first point of their bucket so the unencrypted bucket would hold their
 * exact bytes (a control checks that against the bucket codec). Every file
 * under the directory, recursively, is searched for each marker raw and
 * in hex (both cases) and for each value's bytes in both byte orders,
 * after appends (WAL), after flushes and merges, after close, and after a
 * reopen, a retention pass and a close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Store, TimeSeries } from '../../src/index.ts';
import { encodeBucket } from '../../src/timeseries/bucket.ts';
import { createStore, findNeedles, markerNeedles, tempDir, type Needle } from '../helpers/store-fixtures.ts';

const OPTIONS = { memtableBytes: 16 * 1024, blockBytes: 1024, largeValueBytes: 512 } as const;
const SPAN = 60_000;


/** A finite double from 8 random bytes, and its bytes in both orders. */
function distinctiveValue(): { value: number; be: Buffer; le: Buffer } {
  for (;;) {
    const be = randomBytes(8);
    const value = be.readDoubleBE(0);
    if (Number.isFinite(value) && value !== 0) return { value, be, le: Buffer.from(be).reverse() };
  }
}


test('a bucket in plaintext would hold the marker value bytes (control)', () => {
  const { value, be } = distinctiveValue();
  assert.ok(Buffer.from(encodeBucket(SPAN, [SPAN], [value])).includes(be));
});

test('no time-series name, series name or value is readable on disk, at any stage', async (t) => {
  const dir = await tempDir(t, 'synapsed-ts-plain-');
  const { store, recoveryCode } = await createStore(dir, OPTIONS);
  const nameMarker = randomBytes(16);
  const name = `metrics-${nameMarker.toString('hex')}`;
  const needles: Needle[] = [...markerNeedles(nameMarker, 'name marker'), { label: 'name', bytes: Buffer.from(name) }];
  const ts = await TimeSeries.open(store, name, { bucket: SPAN, retention: '1d', clock: () => 0 });
  const seriesNames: string[] = [];
  for (let s = 0; s < 12; s++) {
    const marker = randomBytes(16);
    const series = `host-${marker.toString('hex')}`;
    seriesNames.push(series);
    needles.push(...markerNeedles(marker, `series ${s} marker`));
    for (let bucket = 0; bucket < 30; bucket++) {
      const { value, be, le } = distinctiveValue();
      needles.push({ label: `value ${s}/${bucket} BE`, bytes: be }, { label: `value ${s}/${bucket} LE`, bytes: le });
      const start = bucket * SPAN;
      const points = [{ series, t: start, value }];
      for (let i = 1; i < 40; i++) points.push({ series, t: start + i * 1000, value: value + i });
      await ts.append(points);
    }
  }
  assert.equal((await ts.series()).length, 12);
  assert.deepEqual(await findNeedles(dir, needles), [], 'after appends');

  for (let round = 0; round < 5; round++) {
    for (const series of seriesNames) await ts.append([{ series, t: 30 * SPAN + round, value: Math.random() }]);
    await store.flush();
  }
  assert.ok(store.stats().merges >= 1, 'runs were merged');
  assert.deepEqual(await findNeedles(dir, needles), [], 'after flushes and merges');

  await store.close();
  assert.deepEqual(await findNeedles(dir, needles), [], 'after close');

  const reopened = await Store.open(dir, { recoveryCode, ...OPTIONS });
  const again = await TimeSeries.open(reopened, name, { retention: '1d' });
  assert.deepEqual(await again.series(), [...seriesNames].sort(), 'the data is there');
  assert.ok((await again.applyRetention({ now: 86_400_000 + 10 * SPAN })) > 0, 'retention deleted buckets');
  await reopened.close();
  assert.deepEqual(await findNeedles(dir, needles), [], 'after reopen, retention and close');
});
