/**
 * Fault injection (issue 7): writes, fsyncs and reads fail with ENOSPC or
 * EIO at the N-th call, once or from then on, for every N until the
 * workload completes (test/reliability/fault-harness.ts says what each run
 * checks). Memory backend: every N for three plans (a write failing once,
 * an fsync failing once, a disk full from the N-th write or fsync on),
 * every 4th N for the others; disk backend (classic-level below the
 * wrapper): every 10th N of the full disk. fuzz/faults.ts runs every N of
 * every plan on both backends. Opening a store is swept on its own: reads,
 * writes and fsyncs failing at every N of an open.
 *
 * An 'unhandledRejection' listener is installed for the whole file: any
 * promise the engine leaves rejected without a handler fails the test.
 *
 * Env: FAULT_STRIDE (default 1 for the main plans; the others use 4x it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDiskBackend, openMemoryBackend } from '../../src/engine/backend.ts';
import { Engine } from '../../src/engine/engine.ts';
import { Keyring } from '../../src/keyring/keyring.ts';
import { KDF_FLOOR } from '../../src/keyring/kdf-params.ts';
import { countFrom } from '../helpers/store-fixtures.ts';
import { FaultyBackend, type FaultPlan } from '../helpers/faulty-backend.ts';
import { FAULT_TUNING, PLANS, faultRun, type BackendHandle, type Credentials } from './fault-harness.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

const STRIDE = countFrom('FAULT_STRIDE', 1);
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
let credentials: Credentials;

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  const { keyring, recoveryCode } = await Keyring.create({ passphrase: 'faults', kdf: KDF_FLOOR });
  credentials = { header: keyring.header(), recoveryCode: recoveryCode.reveal() };
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

const memory = async (): Promise<BackendHandle> => {
  const backend = await openMemoryBackend();
  return { backend, reopen: async () => backend, dispose: () => backend.close() };
};

let root: string | undefined;
let stores = 0;
const disk = async (): Promise<BackendHandle> => {
  root ??= await mkdtemp(join(tmpdir(), 'synapsed-faults-'));
  const dir = join(root, String(stores++));
  let backend = await openDiskBackend(dir);
  return {
    backend,
    reopen: async () => {
      await backend.close();
      backend = await openDiskBackend(dir);
      return backend;
    },
    dispose: async () => {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
after(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** Runs `plan` at N = first, first + stride, ... until a run injects nothing. */
async function sweepPlan(plan: Omit<FaultPlan, 'at'>, open: () => Promise<BackendHandle>, stride: number): Promise<{ runs: number; injected: number; failedOps: number; violations: string[] }> {
  const total = { runs: 0, injected: 0, failedOps: 0, violations: [] as string[] };
  for (let at = 1; ; at += stride) {
    const result = await faultRun({ ...plan, at }, open, credentials);
    total.runs++;
    total.injected += result.injected;
    total.failedOps += result.failedOps;
    for (const v of result.violations) total.violations.push(`${JSON.stringify(plan)} at ${at}: ${v}`);
    if (result.injected === 0) return total;
  }
}

test('the workload runs clean without faults, and reports its calls', async (t) => {
  const result = await faultRun(undefined, memory, credentials);
  t.diagnostic(`calls per class: ${JSON.stringify(result.calls)}`);
  assert.deepEqual(result.violations, []);
  assert.equal(result.failedOps, 0);
  assert.ok(result.calls.write! > 50 && result.calls.sync! > 20 && result.calls.read! > 50);
});

// Every N for the plans that differ most; a stride for their variants.
const MAIN = new Set([0, 4, 6]);
for (const [i, plan] of PLANS.entries()) {
  const stride = MAIN.has(i) ? STRIDE : 4 * STRIDE;
  test(`${plan.on} ${plan.code} ${plan.persistent ? 'from the N-th call on' : 'at the N-th call'}, N = 1, ${1 + stride}, ... (memory): typed errors, no hang, reads right, writes resume, reopen keeps every acknowledged commit`, { timeout: 300_000 }, async (t) => {
    const total = await sweepPlan(plan, memory, stride);
    t.diagnostic(`${total.runs} runs, ${total.injected} faults injected, ${total.failedOps} operations rejected`);
    assert.deepEqual(total.violations.slice(0, 10), []);
    assert.ok(total.injected > 0 && total.failedOps > 0);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
}

for (const i of [6]) {
  const plan = PLANS[i] as Omit<FaultPlan, 'at'>;
  test(`${plan.on} ${plan.code} ${plan.persistent ? 'from the N-th call on' : 'at the N-th call'} on disk (every ${10 * STRIDE}th N)`, { timeout: 300_000 }, async (t) => {
    const total = await sweepPlan(plan, disk, 10 * STRIDE);
    t.diagnostic(`${total.runs} runs, ${total.injected} faults injected, ${total.failedOps} operations rejected`);
    assert.deepEqual(total.violations.slice(0, 10), []);
    assert.ok(total.injected > 0);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
}

test('an open whose reads, writes or fsyncs fail at the N-th call rejects with the typed error, and the next open finds every commit', { timeout: 120_000 }, async (t) => {
  const inner = await openMemoryBackend();
  await inner.writeHeader(credentials.header);
  const unlock = async (): Promise<Keyring> => (await Keyring.unlock([credentials.header], { recoveryCode: credentials.recoveryCode })).keyring;
  // A store with runs, a merge, an unflushed WAL tail and deletes, left as a crash would leave it (no close).
  const engine = await Engine.open(inner, await unlock(), FAULT_TUNING);
  const expected = new Map<string, string>();
  for (let i = 0; i < 120; i++) {
    const key = `k${i % 40}`;
    const value = i % 9 === 4 ? null : `v${i}`;
    await engine.commit([{ key: bytes(key), value: value === null ? null : bytes(value) }], i % 2 === 0);
    if (value === null) expected.delete(key);
    else expected.set(key, value);
  }
  await engine.drainCommits();
  await engine.idle();
  const contents = (opened: Engine): Map<string, string> => new Map([...opened.scan(opened.view(), { lowInclusive: true, highInclusive: true, reverse: false })].map(([k, v]) => [text(k), text(v)]));
  let opens = 0;
  let injected = 0;
  for (const plan of [{ on: 'read', code: 'EIO' }, { on: 'write', code: 'ENOSPC' }, { on: 'sync', code: 'EIO' }] as const) {
    for (let at = 1; ; at++) {
      const faulty = new FaultyBackend(inner, { ...plan, at, persistent: false });
      opens++;
      try {
        const opened = await Engine.open(faulty, await unlock(), FAULT_TUNING);
        assert.deepEqual(contents(opened), expected, `${plan.on} at ${at}: opened with the right contents`);
        await opened.close({ flushAbove: 1 << 30 });
      } catch (error) {
        assert.ok(faulty.injected.includes(error as never), `${plan.on} ${plan.code} at ${at}: rejected with ${String(error)}`);
      }
      injected += faulty.injected.length;
      const clean = await Engine.open(inner, await unlock(), FAULT_TUNING);
      assert.deepEqual(contents(clean), expected, `${plan.on} at ${at}: the next open finds every commit`);
      await clean.close({ flushAbove: 1 << 30 });
      if (faulty.injected.length === 0) break;
    }
  }
  t.diagnostic(`${opens} opens, ${injected} faults injected`);
  assert.ok(injected > 5);
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  await inner.close();
});

test('the fault checker flags an untyped error reaching the caller (control)', async () => {
  const result = await faultRun({ on: 'sync', code: 'EIO', at: 3, persistent: false, raw: true }, memory, credentials);
  assert.ok(result.violations.some((v) => v.includes('not an injected fault')), result.violations.join('\n'));
});
