/**
 * CLI: init, get, put, del and scan on a temporary store, with the exit
 * codes scripts rely on, and every way a secret may arrive (environment,
 * descriptor, recovery code) but argv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../src/index.ts';
import { tempDir } from '../helpers/store-fixtures.ts';
import { cli, FAST_INIT, initStore, ndjson, PASSPHRASE, WITH_PASSPHRASE } from './cli-harness.ts';

test('init creates a store, shows the recovery code once, and refuses an existing store', async (t) => {
  const dir = join(await tempDir(t), 'store');
  const human = await cli(['init', dir, ...FAST_INIT], { env: WITH_PASSPHRASE });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Recovery code, shown this once/);
  const code = /^ {4}(\S+)$/m.exec(human.stdout)?.[1];
  assert.ok(code !== undefined && code.length >= 20, 'the code is printed on its own line');
  assert.ok(!human.stdout.includes(PASSPHRASE) && !human.stderr.includes(PASSPHRASE), 'the passphrase is never printed');
  // The printed code really opens the store.
  const store = await Store.open(dir, { recoveryCode: code });
  await store.close();

  const again = await cli(['init', dir, '--json', ...FAST_INIT], { env: WITH_PASSPHRASE });
  assert.equal(again.code, 6, 'a store already exists');
  assert.equal((JSON.parse(again.stderr) as { error: { reason: string } }).error.reason, 'SYN_STORE_EXISTS');
});

test('put, get, del and scan round-trip values, with exit 5 for a missing key', async (t) => {
  const dir = join(await tempDir(t), 'store');
  await initStore(dir);
  const env = WITH_PASSPHRASE;
  assert.equal((await cli(['put', dir, 'chat/alice/1', 'hello alice'], { env })).code, 0);
  assert.equal((await cli(['put', dir, 'chat/bob/1', 'hello bob'], { env })).code, 0);
  assert.equal((await cli(['put', dir, 'chat/alice/2', '-'], { env, input: 'from stdin\nline 2' })).code, 0);
  assert.equal((await cli(['put', dir, '00ff', '0001feff', '--key-encoding', 'hex', '--value-encoding', 'hex'], { env })).code, 0);

  const got = await cli(['get', dir, 'chat/alice/1'], { env });
  assert.deepEqual([got.code, got.stdout], [0, 'hello alice\n']);
  const raw = await cli(['get', dir, 'chat/alice/2', '--raw'], { env });
  assert.equal(raw.stdout, 'from stdin\nline 2', '--raw writes the bytes exactly');
  const binary = await cli(['get', dir, '00ff', '--key-encoding', 'hex', '--json'], { env });
  // Keys shown in the key encoding; a value that is not UTF-8 travels as { $bytes } in JSON.
  assert.deepEqual(JSON.parse(binary.stdout), { key: '00ff', value: { $bytes: Buffer.from([0, 1, 0xfe, 0xff]).toString('base64') } });
  const asBase64 = await cli(['get', dir, 'AP8=', '--key-encoding', 'base64', '--value-encoding', 'base64'], { env });
  assert.equal(asBase64.stdout.trim(), Buffer.from([0, 1, 0xfe, 0xff]).toString('base64'));

  const scanned = await cli(['scan', dir, '--prefix', 'chat/', '--json'], { env });
  assert.equal(scanned.code, 0);
  assert.deepEqual(ndjson(scanned.stdout), [
    { key: 'chat/alice/1', value: 'hello alice' },
    { key: 'chat/alice/2', value: 'from stdin\nline 2' },
    { key: 'chat/bob/1', value: 'hello bob' },
  ]);
  const reversed = await cli(['scan', dir, '--prefix', 'chat/', '--reverse', '--limit', '1', '--keys-only'], { env });
  assert.equal(reversed.stdout, 'chat/bob/1\n');
  const text = await cli(['scan', dir, '--gte', 'chat/alice/', '--lt', 'chat/alice/2'], { env });
  assert.equal(text.stdout, 'chat/alice/1\thello alice\n');

  const deleted = await cli(['del', dir, 'chat/bob/1', '--json'], { env });
  assert.deepEqual(JSON.parse(deleted.stdout), { ok: true, existed: true });
  const missing = await cli(['get', dir, 'chat/bob/1'], { env });
  assert.equal(missing.code, 5);
  assert.equal(missing.stdout, '');
  const missingJson = await cli(['get', dir, 'chat/bob/1', '--json'], { env });
  assert.deepEqual(JSON.parse(missingJson.stderr), { error: { reason: 'key-not-found', exitCode: 5, message: 'no such key: chat/bob/1' } });
});

test('the passphrase comes from a descriptor, the environment or the recovery code, never from argv', async (t) => {
  const dir = join(await tempDir(t), 'store');
  const recoveryCode = await initStore(dir);
  assert.equal((await cli(['put', dir, 'k', 'v'], { env: WITH_PASSPHRASE })).code, 0);

  const viaFd3 = await cli(['get', dir, 'k', '--passphrase-fd', '3'], { fd3: `${PASSPHRASE}\n` });
  assert.deepEqual([viaFd3.code, viaFd3.stdout], [0, 'v\n']);
  const viaStdin = await cli(['get', dir, 'k', '--passphrase-fd', '0'], { input: `${PASSPHRASE}\r\n` });
  assert.deepEqual([viaStdin.code, viaStdin.stdout], [0, 'v\n'], 'a CRLF line ending is not part of the passphrase');
  const viaRecovery = await cli(['get', dir, 'k'], { env: { SYNAPSED_RECOVERY_CODE: recoveryCode } });
  assert.deepEqual([viaRecovery.code, viaRecovery.stdout], [0, 'v\n']);
  const viaRecoveryFd = await cli(['get', dir, 'k', '--recovery-code-fd', '3'], { fd3: recoveryCode });
  assert.deepEqual([viaRecoveryFd.code, viaRecoveryFd.stdout], [0, 'v\n']);

  const wrong = await cli(['get', dir, 'k'], { env: { SYNAPSED_PASSPHRASE: 'not it' } });
  assert.equal(wrong.code, 3);
  const noSource = await cli(['get', dir, 'k']);
  assert.equal(noSource.code, 2, 'no passphrase source and no terminal: a usage error, not a hang');
  assert.match(noSource.stderr, /--passphrase-fd/);
  const empty = await cli(['get', dir, 'k', '--passphrase-fd', '3'], { fd3: '\n' });
  assert.equal(empty.code, 2);
  const onArgv = await cli(['get', dir, 'k', '--passphrase', PASSPHRASE]);
  assert.equal(onArgv.code, 2, 'there is no option that takes a secret on the command line');
  assert.ok(!onArgv.stderr.includes(PASSPHRASE));
});

test('a missing store, bad options and --help have their own exit codes', async (t) => {
  const dir = await tempDir(t);
  assert.equal((await cli(['info', join(dir, 'nothing-here')], { env: WITH_PASSPHRASE })).code, 4);
  assert.equal((await cli(['frobnicate'])).code, 2);
  assert.equal((await cli([])).code, 2);
  assert.equal((await cli(['scan', dir, '--limit', 'many'], { env: WITH_PASSPHRASE })).code, 2);
  assert.equal((await cli(['get', dir, 'zz', '--key-encoding', 'hex'], { env: WITH_PASSPHRASE })).code, 2);
  assert.equal((await cli(['get', dir, 'k', '--key-encoding', 'rot13'], { env: WITH_PASSPHRASE })).code, 2);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
  for (const command of ['init', 'info', 'get', 'put', 'del', 'scan', 'export', 'import', 'blob', 'verify', 'change-passphrase', 'rotate-key', 'compact', 'bench']) {
    assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} is listed`);
  }
  const commandHelp = await cli(['scan', '--help']);
  assert.equal(commandHelp.code, 0);
  assert.match(commandHelp.stdout, /Example:/);
  const version = await cli(['--version']);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
