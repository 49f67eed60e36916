/**
 * The official abstract-level conformance suite (`abstract-level/test`,
 * written for tape) on SynapsedLevel, then again on a sublevel (the suite
 * does that itself), through the in-process harness of tape-harness.ts.
 * Any failed assertion fails the node:test test and is listed by name; a
 * test that never ends trips the node:test timeout instead of hanging.
 *
 * Three stores: memory (a memory factory's manifest: not permanent);
 * memory with tiny memtables and blocks, so reads cross sealed runs; and
 * disk, where each database opens its own copy of a fresh template store
 * with the recovery code (Argon2id once, not per database), so the closing,
 * lock release, reopen and permanence paths run too.
 *
 * Which parts of the suite run is decided by `db.supports`
 * (synapsed-level.ts says what is claimed and why); parts gated off there
 * (getSync, createIfMissing, errorIfExists, and on memory stores the
 * permanence tests) do not appear in the counts at all.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KDF_FLOOR, Store } from '../../src/index.ts';
import { SynapsedLevel } from '../../src/level/index.ts';
import { describeSummary, runTape, type TapeTest } from './tape-harness.ts';

const require = createRequire(import.meta.url);
// The suite is CommonJS without type declarations.
const suite = require('abstract-level/test') as (options: { test: TapeTest; factory: (options?: object) => unknown }) => void;

let root = '';
let template = '';
let recoveryCode = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'synapsed-level-'));
  template = join(root, 'template');
  const created = await Store.create(template, { passphrase: 'abstract-level suite', kdf: KDF_FLOOR });
  recoveryCode = created.recoveryCode.reveal();
  await created.store.close();
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('the harness reports failing tape assertions by name', async () => {
  const summary = await runTape((t) => {
    t('a failing test', (tt: { equal(a: unknown, b: unknown, m: string): void; end(): void }) => {
      tt.equal(1, 2, 'one is two');
      tt.end();
    });
  });
  assert.equal(summary.passed, 0);
  assert.equal(summary.failed.length, 1);
  assert.match(summary.failed[0] as string, /a failing test > one is two/);
});

test('SynapsedLevel passes the official abstract-level suite on a memory store', { timeout: 90_000 }, async (t) => {
  const summary = await runTape((tape) => {
    suite({ test: tape, factory: (options) => new SynapsedLevel({ ...options, store: () => Store.memory() }) });
  });
  t.diagnostic(describeSummary(summary));
  assert.ok(summary.asserts > 4000, 'the whole suite ran');
  assert.deepEqual(summary.failed, []);
});

test('SynapsedLevel passes the official abstract-level suite on a memory store with tiny memtables and blocks', { timeout: 90_000 }, async (t) => {
  // Flushes after a few entries, so iterators, seeks and snapshots also read sealed runs, not only the memtable.
  const tiny = { memtableBytes: 4096, blockBytes: 256, largeValueBytes: 64, cacheBytes: 0 };
  const summary = await runTape((tape) => {
    suite({ test: tape, factory: (options) => new SynapsedLevel({ ...options, store: () => Store.memory(tiny) }) });
  });
  t.diagnostic(describeSummary(summary));
  assert.ok(summary.asserts > 4000, 'the whole suite ran');
  assert.deepEqual(summary.failed, []);
});

test('SynapsedLevel passes the official abstract-level suite on a disk store', { timeout: 120_000 }, async (t) => {
  let count = 0;
  const factory = (options?: object): SynapsedLevel => {
    let dir: string | undefined;
    return new SynapsedLevel({
      ...options,
      permanence: true,
      store: async () => {
        if (dir === undefined) {
          dir = join(root, `db-${count++}`);
          await cp(template, dir, { recursive: true });
        }
        return Store.open(dir, { recoveryCode });
      },
    });
  };
  const summary = await runTape((tape) => suite({ test: tape, factory }));
  t.diagnostic(describeSummary(summary));
  assert.ok(summary.asserts > 4000, 'the whole suite ran');
  assert.deepEqual(summary.failed, []);
});
