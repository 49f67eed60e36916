/**
 * The examples run as users run them (`npx tsx examples/<name>.ts`), exit
 * 0, and print what they claim: the bank's books balance and verify passes,
 * the chat's index serves its pages and search, the vault reopens with its
 * recovery code, and none of them leaves plaintext on disk. `npm start`'s
 * demo runs too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { runNode, type NodeRun } from '../helpers/run-node.ts';
import { tempDir } from '../helpers/store-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function runExample(file: string, args: readonly string[] = []): Promise<NodeRun> {
  return runNode(['--import', 'tsx', resolve(ROOT, file), ...args], { cwd: ROOT });
}

test('bank: concurrent transfers keep the books balanced, the statement uses the index, verify passes', async (t) => {
  const dir = await tempDir(t);
  const r = await runExample('examples/bank.ts', [resolve(dir, 'store')]);
  assert.equal(r.code, 0, r.stderr);
  const totals = /total (\d+\.\d\d) \(opened with (\d+\.\d\d)\)/.exec(r.stdout);
  assert.ok(totals !== null, r.stdout);
  assert.equal(totals[1], totals[2], 'money is neither created nor destroyed');
  const committed = Number(/bank: (\d+) transfers committed, (\d+) refused/.exec(r.stdout)?.[1]);
  assert.ok(committed > 0);
  assert.match(r.stdout, /statement: alice, February 2026: \d+ entries, net -?\d+\.\d\d \(plan: index on 'account_at', sorted by the index: true\)/);
  assert.match(r.stdout, /verify: ok, .* ledger matches every balance/);
});

test('chat: pages come from the compound index, $text finds messages, the live feed sees new ones, attachments are blobs', async (t) => {
  const dir = await tempDir(t);
  const r = await runExample('examples/chat.ts', [resolve(dir, 'store')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /latest page of alice\+bob: 20 messages \(.*index on 'conversation_sentAt', sorted by the index: true\)/);
  const search = /search "pizza fri" in alice\+bob: (\d+) of (\d+) messages/.exec(r.stdout);
  assert.ok(search !== null && Number(search[1]) > 0 && Number(search[1]) < Number(search[2]), r.stdout);
  assert.match(r.stdout, /live feed of alice\+bob received: "are you coming\?", "on my way"/);
  assert.match(r.stdout, /attachments: 3 photos in alice\+bob \(\d+ KiB, .*\); a 1024-byte preview read by range/);
  assert.match(r.stdout, /plaintext on disk: none/);
});

test('vault: the recovery code opens a vault whose passphrase is lost, and a new code replaces it', async (t) => {
  const dir = await tempDir(t);
  const r = await runExample('examples/vault.ts', [resolve(dir, 'store')]);
  assert.equal(r.code, 0, r.stderr);
  const first = /recovery code, shown once: (\S+)/.exec(r.stdout)?.[1];
  const second = /new recovery code, shown once: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(first !== undefined && second !== undefined && first !== second, r.stdout);
  assert.match(r.stdout, /wrong passphrase -> SYN_WRONG_PASSPHRASE/);
  assert.match(r.stdout, /opened with the recovery code: 60 credentials/);
  assert.match(r.stdout, /the old recovery code no longer opens the vault; the new one does/);
  assert.match(r.stdout, /plaintext on disk: none/);
});

test('the examples run without arguments on a throwaway directory, and npm start\'s demo finishes', async () => {
  const bank = await runExample('examples/bank.ts');
  assert.equal(bank.code, 0, bank.stderr);
  const demo = await runExample('examples/demo.ts');
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /plaintext found in them: none/);
  assert.match(demo.stdout, /blob: 2 MiB streamed .* "blob-secret-marker"/);
  assert.match(demo.stdout, /try next:/);
});
