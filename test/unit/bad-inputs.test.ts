/**
 * Every public entry point, fed the hostile inputs of fixtures/bad-inputs.ts,
 * rejects with InvalidArgumentError (code SYN_INVALID_ARGUMENT) naming the
 * argument at fault.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, KDF_FLOOR, Keyring, Store, parseRecoveryCode } from '../../src/index.ts';
import { NOT_BYTES, NOT_OPTIONS, NOT_PASSPHRASE, NOT_SIGNAL } from '../fixtures/bad-inputs.ts';
import { makeKeyring } from '../helpers/keyring.ts';

async function expectInvalid(call: () => unknown, argument: string | RegExp, label: string): Promise<void> {
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof InvalidArgumentError, `${label}: expected InvalidArgumentError, got ${String(error)}`);
  assert.equal(error.code, 'SYN_INVALID_ARGUMENT');
  if (typeof argument === 'string') assert.equal(error.argument, argument, label);
  else assert.match(error.argument, argument, label);
}

const label = (v: unknown): string => (typeof v === 'symbol' ? 'symbol' : typeof v === 'function' ? 'function' : `${Object.prototype.toString.call(v)}`);

test('Store key-value methods reject non-bytes keys and values, naming them', async () => {
  const store = await Store.memory();
  try {
    for (const bad of NOT_BYTES) {
      const l = label(bad);
      await expectInvalid(() => store.put(bad as never, 'v'), 'key', `put key ${l}`);
      await expectInvalid(() => store.put('k', bad as never), 'value', `put value ${l}`);
      await expectInvalid(() => store.get(bad as never), 'key', `get ${l}`);
      await expectInvalid(() => store.has(bad as never), 'key', `has ${l}`);
      await expectInvalid(() => store.delete(bad as never), 'key', `delete ${l}`);
      await expectInvalid(() => store.getMany(['ok', bad as never]), 'keys[1]', `getMany ${l}`);
      await expectInvalid(() => store.batch([{ type: 'put', key: 'ok', value: 'ok' }, { type: 'put', key: bad as never, value: 'v' }]), 'operations[1].key', `batch key ${l}`);
      // An undefined bound is simply absent.
      if (bad !== undefined) await expectInvalid(() => store.scan({ gte: bad as never }).next(), /options\.gte/, `scan gte ${l}`);
    }
    for (const bad of [null, 42, 'x', {}]) {
      await expectInvalid(() => store.getMany(bad as never), 'keys', 'getMany not array');
      await expectInvalid(() => store.batch(bad as never), 'operations', 'batch not array');
      await expectInvalid(() => store.transaction(bad as never), 'fn', 'transaction fn');
    }
    await expectInvalid(() => store.batch([{ type: 'merge', key: 'k' } as never]), 'operations[0].type', 'batch type');
    await expectInvalid(() => store.batch([null as never]), 'operations[0]', 'batch null op');
    for (const bad of NOT_OPTIONS) {
      await expectInvalid(() => store.put('k', 'v', bad as never), 'options', `put options ${label(bad)}`);
      await expectInvalid(() => store.scan(bad as never).next(), 'options', `scan options ${label(bad)}`);
      await expectInvalid(() => store.transaction(() => undefined, bad as never), 'options', `tx options ${label(bad)}`);
    }
    for (const limit of [-1, 1.5, NaN, '3', null]) await expectInvalid(() => store.scan({ limit: limit as never }).next(), 'options.limit', `limit ${String(limit)}`);
    await expectInvalid(() => store.scan({ reverse: 'yes' as never }).next(), 'options.reverse', 'reverse');
    await expectInvalid(() => store.put('k', 'v', { durability: 'fast' as never }), 'options.durability', 'durability');
    await expectInvalid(() => store.transaction(() => undefined, { maxAttempts: 0 }), 'options.maxAttempts', 'maxAttempts');
    for (const bad of NOT_SIGNAL) {
      await expectInvalid(() => store.transaction(() => undefined, { signal: bad as never }), 'options.signal', `tx signal ${label(bad)}`);
      await expectInvalid(() => store.rotateKey({ signal: bad as never }), 'options.signal', `rotate signal ${label(bad)}`);
    }
    await expectInvalid(() => store.rotateKey({ onProgress: 5 as never }), 'options.onProgress', 'onProgress');
    for (const bad of [undefined, '', 42, 'x'.repeat(257)]) {
      await expectInvalid(() => store.snapshots.create(bad as never), 'name', `snapshot name ${String(bad).slice(0, 5)}`);
      await expectInvalid(() => store.snapshots.get(bad as never), 'name', 'snapshot get name');
      await expectInvalid(() => store.snapshots.delete(bad as never), 'name', 'snapshot delete name');
    }
    const snap = store.snapshot();
    await expectInvalid(() => snap.get(42 as never), 'key', 'snapshot get');
    await expectInvalid(() => snap.getMany('k' as never), 'keys', 'snapshot getMany');
    await snap.close();
    await store.transaction(async (tx) => {
      await expectInvalid(() => tx.get(null as never), 'key', 'tx get');
      await expectInvalid(() => tx.put('k', 7 as never), 'value', 'tx put');
      await expectInvalid(() => tx.delete({} as never), 'key', 'tx delete');
    });
  } finally {
    await store.close();
  }
});

test('Store constructors reject bad directories, passphrases and tuning options', async () => {
  for (const bad of [undefined, null, '', 42, {}]) {
    await expectInvalid(() => Store.create(bad as never, { passphrase: 'x' }), 'dir', 'create dir');
    await expectInvalid(() => Store.open(bad as never, { passphrase: 'x' }), 'dir', 'open dir');
  }
  for (const bad of NOT_OPTIONS) {
    await expectInvalid(() => Store.create('/tmp/never-created', bad as never), 'options', `create options ${label(bad)}`);
    await expectInvalid(() => Store.memory(bad as never), 'options', `memory options ${label(bad)}`);
  }
  for (const bad of NOT_PASSPHRASE) await expectInvalid(() => Store.create('/tmp/never-created-x', { passphrase: bad as never, kdf: KDF_FLOOR }), 'options.passphrase', `create passphrase ${label(bad)}`);
  for (const [option, value] of [['memtableBytes', 10], ['blockBytes', 1.5], ['cacheBytes', -1], ['largeValueBytes', '4k'], ['durability', 'always']] as const) {
    await expectInvalid(() => Store.memory({ [option]: value } as never), `options.${option}`, `memory ${option}`);
  }
  await expectInvalid(() => Store.create('/tmp/never-created-y', { passphrase: 'x', kdf: { memoryKiB: 8 } }), 'options.kdf.memoryKiB', 'kdf floor');
  await expectInvalid(() => Store.open('/tmp/never-created-z', {} as never), 'options.passphrase', 'open without credential');
  await expectInvalid(() => Store.open('/tmp/never-created-z', { passphrase: 'a', recoveryCode: 'b' } as never), 'options', 'open with both');
});

test('Keyring and recovery-code functions reject bad inputs', async () => {
  for (const bad of NOT_PASSPHRASE) await expectInvalid(() => Keyring.create({ passphrase: bad as never, kdf: KDF_FLOOR }), 'options.passphrase', `keyring passphrase ${label(bad)}`);
  for (const bad of NOT_OPTIONS) await expectInvalid(() => Keyring.create(bad as never), 'options', `keyring options ${label(bad)}`);
  const { keyring } = await makeKeyring();
  const header = keyring.header();
  await expectInvalid(() => Keyring.unlock([] as never, { passphrase: 'x' }), 'copies', 'no copies');
  await expectInvalid(() => Keyring.unlock('x' as never, { passphrase: 'x' }), 'copies', 'copies not array');
  for (const bad of [null, 42, {}, { passphrase: 'a', recoveryCode: 'b' }]) await expectInvalid(() => Keyring.unlock([header], bad as never), 'credential', `credential ${JSON.stringify(bad)}`);
  await expectInvalid(() => Keyring.unlock([header], { passphrase: '' }), 'credential.passphrase', 'empty passphrase');
  await expectInvalid(() => Keyring.unlock([header], { recoveryCode: 42 as never }), 'credential.recoveryCode', 'code not string');
  await expectInvalid(() => Keyring.unlock([header], { recoveryCode: 'too-short' }), 'recoveryCode', 'code too short');
  for (const bad of NOT_PASSPHRASE) await expectInvalid(() => keyring.changePassphrase(bad as never), 'passphrase', `change ${label(bad)}`);
  await expectInvalid(() => keyring.changePassphrase('x', { kdf: 'strong' as never }), 'options.kdf', 'change kdf');
  await expectInvalid(() => keyring.retireEpoch(99), 'epoch', 'retire unknown');
  for (const bad of [null, 42, undefined, {}]) await expectInvalid(() => parseRecoveryCode(bad), 'recoveryCode', `parse ${label(bad)}`);
});
