/**
 * One owner per store directory (issue 4): a second process, or a second
 * handle in the same process, gets StoreLockedError ('SYN_STORE_LOCKED');
 * the owner is not disturbed; the lock is released by close and by the
 * owner's death (SIGKILL), after which open works again.
 *
 * The child (lock-child.ts) runs under `node --import tsx` and reports
 * over IPC. Reopens use the recovery code (HKDF, no Argon2id): fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store, StoreLockedError } from '../../src/index.ts';
import { createStore, tempDir, withTimeout } from '../helpers/store-fixtures.ts';

const CHILD = fileURLToPath(new URL('./lock-child.ts', import.meta.url));

interface TryReport {
  readonly opened: boolean;
  readonly name?: string;
  readonly code?: string;
  readonly locked?: boolean;
}

function spawnChild(mode: 'try' | 'hold', dir: string, recoveryCode: string): ChildProcess {
  return fork(CHILD, [mode, dir, recoveryCode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return withTimeout(new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before reporting`)));
  }), 30_000, 'child report');
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs a child that tries to open the store once. */
async function tryFromChild(dir: string, recoveryCode: string): Promise<TryReport> {
  const child = spawnChild('try', dir, recoveryCode);
  try {
    return await nextMessage<TryReport>(child);
  } finally {
    await exited(child);
  }
}

test('a second process gets StoreLockedError, and the owner carries on', async (t) => {
  const dir = await tempDir(t, 'synapsed-lock-');
  const { store, recoveryCode } = await createStore(dir);
  await store.put('owner', 'parent');
  const report = await tryFromChild(dir, recoveryCode);
  assert.deepEqual(report, { opened: false, name: 'StoreLockedError', code: 'SYN_STORE_LOCKED', locked: true });
  await store.put('after', 'still writable');
  assert.equal(Buffer.from((await store.get('owner')) as Uint8Array).toString(), 'parent');
  assert.equal(Buffer.from((await store.get('after')) as Uint8Array).toString(), 'still writable');
  await store.close();
});

test('a second open in the same process gets StoreLockedError; after close, open works', async (t) => {
  const dir = await tempDir(t, 'synapsed-lock-');
  const { store, recoveryCode } = await createStore(dir);
  await store.put('k', 'v');
  await assert.rejects(Store.open(dir, { recoveryCode }), (error: unknown) => {
    assert.ok(error instanceof StoreLockedError, `StoreLockedError, got ${String(error)}`);
    assert.equal(error.code, 'SYN_STORE_LOCKED');
    return true;
  });
  assert.equal(Buffer.from((await store.get('k')) as Uint8Array).toString(), 'v', 'the owner is undisturbed');
  await store.close();
  const again = await Store.open(dir, { recoveryCode });
  assert.equal(Buffer.from((await again.get('k')) as Uint8Array).toString(), 'v');
  await again.close();
  assert.deepEqual(await tryFromChild(dir, recoveryCode), { opened: true }, 'another process can open it once closed');
});

test('two concurrent opens in one process: exactly one wins, the other gets StoreLockedError', async (t) => {
  const dir = await tempDir(t, 'synapsed-lock-');
  const { store, recoveryCode } = await createStore(dir);
  await store.close();
  const results = await Promise.allSettled([Store.open(dir, { recoveryCode }), Store.open(dir, { recoveryCode })]);
  const opened = results.filter((r): r is PromiseFulfilledResult<Store> => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  for (const r of opened) await r.value.close();
  assert.equal(opened.length, 1, 'one open succeeds');
  assert.equal(refused.length, 1, 'one open is refused');
  assert.ok(refused[0]?.reason instanceof StoreLockedError, `StoreLockedError, got ${String(refused[0]?.reason)}`);
  assert.equal((refused[0]?.reason as StoreLockedError).code, 'SYN_STORE_LOCKED');
});

test('a store held by another process is locked until that process closes or dies', async (t) => {
  const dir = await tempDir(t, 'synapsed-lock-');
  const { store, recoveryCode } = await createStore(dir);
  await store.close();

  const polite = spawnChild('hold', dir, recoveryCode);
  t.after(() => void polite.kill('SIGKILL'));
  assert.equal(await nextMessage<string>(polite), 'ready');
  await assert.rejects(Store.open(dir, { recoveryCode }), StoreLockedError);
  polite.send('close');
  await exited(polite);
  const reopened = await Store.open(dir, { recoveryCode });
  assert.equal(Buffer.from((await reopened.get('held-by')) as Uint8Array).toString(), String(polite.pid));
  await reopened.close();

  const killed = spawnChild('hold', dir, recoveryCode);
  t.after(() => void killed.kill('SIGKILL'));
  assert.equal(await nextMessage<string>(killed), 'ready');
  await assert.rejects(Store.open(dir, { recoveryCode }), (error: unknown) => error instanceof StoreLockedError && error.code === 'SYN_STORE_LOCKED');
  killed.kill('SIGKILL');
  await exited(killed);
  const afterKill = await Store.open(dir, { recoveryCode });
  assert.equal(Buffer.from((await afterKill.get('held-by')) as Uint8Array).toString(), String(killed.pid), 'the killed owner\'s relaxed write survived');
  await afterKill.close();
});
