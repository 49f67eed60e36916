/**
 * Error classes: each has its stable code, its own name, keeps the cause,
 * and the argument error never echoes a received secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../../src/index.ts';

const samples: Array<[api.SynapsedError, api.ErrorCode]> = [
  [new api.InvalidArgumentError('key', 'a Uint8Array', 5), 'SYN_INVALID_ARGUMENT'],
  [new api.WrongPassphraseError('passphrase'), 'SYN_WRONG_PASSPHRASE'],
  [new api.IntegrityError('page', 12), 'SYN_INTEGRITY'],
  [new api.FormatVersionError('wal', 9), 'SYN_FORMAT_VERSION'],
  [new api.KdfTooWeakError('iterations', 1, 2), 'SYN_KDF_TOO_WEAK'],
  [new api.StoreLockedError('/x'), 'SYN_STORE_LOCKED'],
  [new api.UnlockRequiredError('idle'), 'SYN_UNLOCK_REQUIRED'],
  [new api.LastKeySlotError(3), 'SYN_LAST_KEY_SLOT'],
  [new api.ReadOnlyError('write'), 'SYN_READ_ONLY'],
  [new api.StoreNotFoundError('/x'), 'SYN_STORE_NOT_FOUND'],
  [new api.StoreExistsError('/x'), 'SYN_STORE_EXISTS'],
  [new api.AbortedError(), 'SYN_ABORTED'],
  [new api.ClosedError('store'), 'SYN_CLOSED'],
  [new api.ValueTooLargeError('value', 10, 5), 'SYN_VALUE_TOO_LARGE'],
  [new api.TransactionConflictError(3), 'SYN_TRANSACTION_CONFLICT'],
  [new api.IOError('read', new Error('EIO')), 'SYN_IO'],
  [new api.StorageFullError('write', new Error('ENOSPC')), 'SYN_STORAGE_FULL'],
  [new api.QueryError('$and[0].age', 'bad'), 'SYN_QUERY'],
  [new api.UniqueConstraintError('users', 'email', 'id1'), 'SYN_UNIQUE_CONSTRAINT'],
  [new api.BlobNotFoundError('a.png'), 'SYN_BLOB_NOT_FOUND'],
];

test('every error class carries its stable code, its class name and the base class', () => {
  const codes = new Set<string>();
  for (const [error, code] of samples) {
    assert.equal(error.code, code);
    assert.equal(error.name, error.constructor.name);
    assert.ok(error instanceof api.SynapsedError && error instanceof Error);
    codes.add(error.code);
  }
  assert.equal(codes.size, samples.length, 'codes are distinct');
});

test('causes are kept and record fields are exposed', () => {
  const cause = new Error('EIO');
  assert.equal(new api.IOError('read', cause).cause, cause);
  const integrity = new api.IntegrityError('wal', 42n, 'bad tag');
  assert.equal(integrity.where, 'wal');
  assert.equal(integrity.id, '42');
  assert.equal(new api.InvalidArgumentError('options.limit', 'an integer').argument, 'options.limit');
  assert.equal(new api.UnlockRequiredError('idle').reason, 'idle');
  assert.equal(new api.LastKeySlotError(3).slot, 3);
  assert.equal(new api.ReadOnlyError('flush').operation, 'flush');
  assert.equal(new api.WrongPassphraseError('key').credential, 'key');
});

test('an invalid-argument message describes what was received without echoing its content', () => {
  const secret = 'hunter2-very-secret';
  const error = new api.InvalidArgumentError('passphrase', 'a non-empty string', secret);
  assert.ok(!error.message.includes(secret));
  assert.ok(!new api.InvalidArgumentError('key', 'x', new TextEncoder().encode(secret)).message.includes(secret));
});
