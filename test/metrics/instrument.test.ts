/**
 * Metrics: an in-memory OpenTelemetry exporter sees the store's figures
 * move (operations, latencies, bytes, commits, flushes, merges, WAL size,
 * cache), the plain snapshot agrees, and disposal stops the recording.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader,
  type DataPoint, type Histogram, type MetricData,
} from '@opentelemetry/sdk-metrics';
import { Collection, InvalidArgumentError, Store, instrumentStore } from '../../src/index.ts';
import { createStore, tempDir } from '../helpers/store-fixtures.ts';

/** A provider whose reader exports only when asked. */
function inMemoryProvider(): { provider: MeterProvider; collect: () => Promise<MetricData[]> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 24 * 3600 * 1000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    },
  };
}

function metric(all: MetricData[], name: string): MetricData {
  const found = all.find((m) => m.descriptor.name === name);
  assert.ok(found !== undefined, `metric ${name} exported; got ${all.map((m) => m.descriptor.name).join(', ')}`);
  return found;
}

/** Sum of the number data points whose attributes include `match`. */
function sum(all: MetricData[], name: string, match: Record<string, string> = {}): number {
  return (metric(all, name).dataPoints as Array<DataPoint<number>>)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + p.value, 0);
}

/** Histogram count over the data points whose attributes include `match`. */
function histogramCount(all: MetricData[], name: string, match: Record<string, string> = {}): number {
  return (metric(all, name).dataPoints as Array<DataPoint<Histogram>>)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + p.value.count, 0);
}

test('an in-memory exporter sees operations, latencies, bytes and commits move', async (t) => {
  const { provider, collect } = inMemoryProvider();
  t.after(() => provider.shutdown());
  const store = await Store.memory();
  t.after(() => store.close());
  const handle = instrumentStore(store, { meterProvider: provider, attributes: { 'synapsed.store': 'test' } });

  await store.put('a', 'alpha');
  await store.put('b', 'bravo');
  await store.batch([{ type: 'put', key: 'c', value: 'charlie' }, { type: 'del', key: 'a' }]);
  assert.equal(new TextDecoder().decode(await store.get('b')), 'bravo');
  assert.equal(await store.get('missing'), undefined);
  let scanned = 0;
  for await (const _ of store.scan()) scanned++;
  assert.equal(scanned, 2);
  await store.transaction(async (tx) => {
    tx.put('d', 'delta');
  });
  await store.delete('b');
  await assert.rejects(store.put(5 as never, 'x'), InvalidArgumentError);

  const all = await collect();
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'put', 'synapsed.outcome': 'ok' }), 2);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'put', 'synapsed.outcome': 'error' }), 1);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'get', 'synapsed.namespace': 'user' }), 2);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'scan' }), 1);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'transaction' }), 1);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'batch' }), 1);
  assert.equal(sum(all, 'synapsed.operations', { 'synapsed.operation': 'delete' }), 1);
  assert.equal(histogramCount(all, 'synapsed.operation.duration', { 'synapsed.operation': 'put' }), 3);
  assert.equal(histogramCount(all, 'synapsed.operation.duration', { 'error.type': 'SYN_INVALID_ARGUMENT' }), 1);
  // Commits: put a, put b, the batch, the transaction, delete b.
  assert.equal(sum(all, 'synapsed.commits'), 5);
  assert.ok(histogramCount(all, 'synapsed.commit.duration') >= 1);
  // Written: a+alpha, b+bravo, c+charlie, a (del), d+delta, b (del): key and value bytes.
  assert.equal(sum(all, 'synapsed.io.written'), 6 + 6 + 8 + 1 + 6 + 1);
  // Read: 'bravo' by get, then b+bravo and c+charlie by the scan.
  assert.equal(sum(all, 'synapsed.io.read'), 5 + 6 + 8);
  assert.ok(sum(all, 'synapsed.wal.written') > sum(all, 'synapsed.io.written'), 'sealed WAL bytes exceed the plaintext');
  assert.ok(sum(all, 'synapsed.wal.size') > 0, 'unflushed commits are in the WAL');
  const tagged = metric(all, 'synapsed.operations').dataPoints.every((p) => p.attributes['synapsed.store'] === 'test');
  assert.ok(tagged, 'the given attributes are on every point');

  const snap = handle.snapshot();
  assert.equal(snap.operations.put.count, 3);
  assert.equal(snap.operations.put.errors, 1);
  assert.equal(snap.operations.get.count, 2);
  assert.equal(snap.commits, 5);
  assert.equal(snap.bytesWritten, 28);
  assert.equal(snap.bytesRead, 19);
  assert.equal(snap.store.commits, 5);
  handle.dispose();
});

test('flushes, merges, WAL size and the block cache show in the figures', async (t) => {
  const { provider, collect } = inMemoryProvider();
  t.after(() => provider.shutdown());
  const store = await Store.memory({ memtableBytes: 4096, blockBytes: 256 });
  t.after(() => store.close());
  const handle = instrumentStore(store, { meterProvider: provider });
  for (let i = 0; i < 400; i++) await store.put(`key/${String(i).padStart(4, '0')}`, `value ${i} `.repeat(4));
  await store.flush();
  const before = handle.snapshot();
  assert.equal(before.walBytes, 0, 'a flush empties the WAL');
  for (let i = 0; i < 400; i += 7) await store.get(`key/${String(i).padStart(4, '0')}`);
  for (let i = 0; i < 400; i += 7) await store.get(`key/${String(i).padStart(4, '0')}`);

  const all = await collect();
  assert.ok(histogramCount(all, 'synapsed.background.duration', { 'synapsed.job': 'flush' }) >= 4, 'flushes recorded');
  assert.ok(histogramCount(all, 'synapsed.background.duration', { 'synapsed.job': 'merge' }) >= 1, 'merges recorded');
  assert.ok(sum(all, 'synapsed.background.written', { 'synapsed.job': 'flush' }) > 0);
  assert.equal(sum(all, 'synapsed.wal.size'), 0);
  assert.ok(sum(all, 'synapsed.cache.requests', { 'synapsed.cache.result': 'hit' }) > 0, 'the second round of gets hits the cache');
  const ratio = sum(all, 'synapsed.cache.hit_ratio');
  assert.ok(ratio > 0 && ratio <= 1);
  assert.ok(sum(all, 'synapsed.runs') >= 1);

  const snap = handle.snapshot();
  assert.equal(snap.flushes.count, snap.store.flushes);
  assert.equal(snap.merges.count, snap.store.merges);
  assert.ok(snap.cacheHitRatio !== undefined && snap.cacheHitRatio > 0);
  handle.dispose();
});

test('documents work is counted under its namespace, and a disk store reports its WAL after reopen', async (t) => {
  const dir = await tempDir(t);
  const { store } = await createStore(dir);
  const { provider, collect } = inMemoryProvider();
  t.after(() => provider.shutdown());
  t.after(() => store.close());
  using handle = instrumentStore(store, { meterProvider: provider });
  const notes = await Collection.open(store, 'notes', { indexes: [{ fields: ['tag'] }] });
  await notes.insert({ tag: 'x', body: 'hello' });
  let found = 0;
  for await (const _ of notes.find({ tag: 'x' })) found++;
  assert.equal(found, 1);
  const all = await collect();
  assert.ok(sum(all, 'synapsed.operations', { 'synapsed.operation': 'transaction', 'synapsed.namespace': 'documents' }) >= 1);
  assert.ok(sum(all, 'synapsed.operations', { 'synapsed.operation': 'scan', 'synapsed.namespace': 'documents' }) >= 1);
  assert.ok(handle.snapshot().walBytes > 0);
  await store.close();

  const reopened = await Store.open(dir, { passphrase: 'correct horse battery staple' });
  try {
    const again = instrumentStore(reopened);
    assert.ok(again.snapshot().walBytes > 0, 'the replayed WAL is counted');
    again.dispose();
  } finally {
    await reopened.close();
  }
});

test('nothing is recorded after dispose or close, and the global provider is used by default', async (t) => {
  const { provider, collect } = inMemoryProvider();
  t.after(() => provider.shutdown());
  assert.ok(metrics.setGlobalMeterProvider(provider));
  t.after(() => metrics.disable());
  const store = await Store.memory();
  t.after(() => store.close());
  const handle = instrumentStore(store);
  await store.put('a', '1');
  handle.dispose();
  handle.dispose();
  await store.put('b', '2');
  assert.equal(handle.snapshot().operations.put.count, 1);
  assert.equal(sum(await collect(), 'synapsed.operations', { 'synapsed.operation': 'put' }), 1);

  const second = instrumentStore(store);
  await store.put('c', '3');
  await store.close();
  assert.equal(second.snapshot().operations.put.count, 1, 'close disposes the handle');
});

test('instrumentStore validates its arguments', async (t) => {
  const store = await Store.memory();
  t.after(() => store.close());
  for (const bad of [undefined, null, {}, 'store', store.keyspace(0x10)]) {
    assert.throws(() => instrumentStore(bad as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'store');
  }
  assert.throws(() => instrumentStore(store, { meterProvider: {} as never }), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options.meterProvider');
  assert.throws(() => instrumentStore(store, 5 as never), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'options');
});
