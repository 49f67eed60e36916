/**
 * The exit-code table of docs/cli.md is the one the CLI uses, and every
 * library error class maps to the code the table names for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as api from '../../src/index.ts';
import { CliExit, EXIT, exitCodeOf, reasonOf } from '../../src/cli/exit-codes.ts';

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');

function documentedCodes(): Map<string, number> {
  const section = DOC.slice(DOC.indexOf('## Exit codes'));
  const rows = [...section.matchAll(/^\| (\d+) \| ([A-Z_]+) \|/gm)];
  return new Map(rows.map((m) => [m[2] as string, Number(m[1])]));
}

test('docs/cli.md lists every exit code with its number, and nothing else', () => {
  const documented = documentedCodes();
  assert.deepEqual(Object.fromEntries(documented), { ...EXIT });
});

test('library errors map to the documented exit codes', () => {
  const cases: Array<[unknown, number]> = [
    [new api.InvalidArgumentError('key', 'a key'), EXIT.USAGE],
    [new api.WrongPassphraseError('passphrase'), EXIT.WRONG_CREDENTIAL],
    [new api.StoreNotFoundError('/x'), EXIT.STORE_NOT_FOUND],
    [new api.StoreExistsError('/x'), EXIT.STORE_EXISTS],
    [new api.StoreLockedError('/x'), EXIT.STORE_LOCKED],
    [new api.IntegrityError('page', 1), EXIT.INTEGRITY],
    [new api.KdfTooWeakError('iterations', 1, 2), EXIT.INTEGRITY],
    [new api.FormatVersionError('header', 9), EXIT.FORMAT_VERSION],
    [new api.IOError('read', new Error('EIO')), EXIT.IO],
    [new api.StorageFullError('write', new Error('ENOSPC')), EXIT.IO],
    [new api.ValueTooLargeError('value', 10, 5), EXIT.DATA],
    [new api.UniqueConstraintError('c', 'i', 'id'), EXIT.DATA],
    [new api.QueryError('$x', 'bad'), EXIT.DATA],
    [new api.AbortedError(), EXIT.INTERRUPTED],
    [new api.TransactionConflictError(3), EXIT.FAILURE],
    [new api.BlobNotFoundError('att/x'), EXIT.KEY_NOT_FOUND],
    [Object.assign(new Error('no such file'), { code: 'ENOENT' }), EXIT.IO],
    [new Error('a bug'), EXIT.FAILURE],
    ['a string', EXIT.FAILURE],
    [new CliExit(EXIT.KEY_NOT_FOUND, 'key-not-found', 'no such key'), EXIT.KEY_NOT_FOUND],
  ];
  for (const [error, code] of cases) assert.equal(exitCodeOf(error), code, String(error));
  assert.equal(reasonOf(new api.WrongPassphraseError('passphrase')), 'SYN_WRONG_PASSPHRASE');
  assert.equal(reasonOf(new CliExit(EXIT.USAGE, 'no-secret', 'x')), 'no-secret');
});

test('every documented code names the library error codes it covers correctly', () => {
  const section = DOC.slice(DOC.indexOf('## Exit codes'));
  for (const row of section.matchAll(/^\| (\d+) \| [A-Z_]+ \| (.*) \|$/gm)) {
    for (const code of (row[2] as string).matchAll(/`(SYN_[A-Z_]+)`/g)) {
      const error = Object.assign(Object.create(api.SynapsedError.prototype) as api.SynapsedError, { code: code[1] });
      assert.equal(exitCodeOf(error), Number(row[1]), `${code[1] as string} -> ${row[1] as string}`);
    }
  }
});
