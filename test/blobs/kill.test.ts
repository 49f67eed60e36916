/**
 * Kill during blob writes: a child streams blobs into a store on disk and
 * is SIGKILLed at random moments (inside a chunk batch, at the fsync, at
 * the commit). After each kill the store opens and:
 * - every acknowledged blob is there, whole and right;
 * - any other blob found is whole and right (never a partial one);
 * - 'same' (replaced over and over) holds one complete version, not older
 *   than the last acknowledged one;
 * - once the blob store has been used, no orphan file is left.
 *
 * Env: BLOB_KILL_SEED (printed), BLOB_KILLS (default 6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng, countFrom, createStore, seedFrom, tempDir } from '../helpers/store-fixtures.ts';
import { Store } from '../../src/index.ts';
import { blobBytes, blobId, blobSize } from './kill-model.ts';

const SEED = seedFrom('BLOB_KILL_SEED');
const KILLS = countFrom('BLOB_KILLS', 6);
const CHILD = new URL('./blob-writer-child.ts', import.meta.url).pathname;
console.log(`blob kill: BLOB_KILL_SEED=${SEED} BLOB_KILLS=${KILLS}`);

interface Round {
  intents: Map<number, number>;
  acked: Set<number>;
}

async function runChild(dir: string, code: string, seed: number, first: number, killAfterMs: number): Promise<Round> {
  const round: Round = { intents: new Map(), acked: new Set() };
  const child = fork(CHILD, [dir, code, String(seed), String(first)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let timer: NodeJS.Timeout | undefined;
  child.on('message', (m: { t: string; n?: number; size?: number }) => {
    if (m.t === 'open') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    if (m.t === 'intent') round.intents.set(m.n!, m.size!);
    if (m.t === 'ack') round.acked.add(m.n!);
  });
  await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return round;
}

test(`blob writes survive ${KILLS} SIGKILLs: acknowledged blobs whole, no partial blob, no orphan file`, { timeout: 300_000 }, async (t) => {
  const dir = await tempDir(t, 'synapsed-blob-kill-');
  const { store, recoveryCode } = await createStore(dir);
  await store.close();
  const rng = new Rng(SEED);
  let next = 1;
  let lastSameAck = -1;
  const everAcked = new Set<number>();
  let totalAcked = 0;
  let killedMidWrite = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    const round = await runChild(dir, recoveryCode, SEED, next, rng.range(150, 900));
    for (const n of round.acked) {
      everAcked.add(n);
      if (blobId(n) === 'same') lastSameAck = Math.max(lastSameAck, n);
    }
    totalAcked += round.acked.size;
    if ([...round.intents.keys()].some((n) => !round.acked.has(n))) killedMidWrite++;
    const maxIntent = Math.max(next - 1, ...round.intents.keys());
    const reopened = await Store.open(dir, { recoveryCode });
    try {
      for (const n of everAcked) {
        if (blobId(n) === 'same') continue;
        const got = await reopened.blobs.read(blobId(n));
        assert.ok(Buffer.from(got).equals(Buffer.from(blobBytes(SEED, n, blobSize(SEED, n)))), `acknowledged blob ${n} whole and right (kill ${kill})`);
      }
      let inline = 0;
      let count = 0;
      for await (const info of reopened.blobs.list()) {
        count++;
        if (info.size <= 16 * 1024) inline++;
        const got = Buffer.from(await reopened.blobs.read(info.id));
        if (info.id === 'same') {
          // Which version? One whose bytes match exactly, not older than the last ack.
          const candidates = [...Array(maxIntent + 1).keys()].filter((n) => blobId(n) === 'same' && n >= lastSameAck && n > 0);
          assert.ok(candidates.some((n) => got.equals(Buffer.from(blobBytes(SEED, n, blobSize(SEED, n))))), `'same' is one whole version >= ${lastSameAck}`);
        } else {
          const n = Number(info.id.slice(2));
          assert.ok(n <= maxIntent, `blob ${info.id} was written by the child`);
          assert.ok(got.equals(Buffer.from(blobBytes(SEED, n, blobSize(SEED, n)))), `blob ${info.id} is whole and right`);
        }
      }
      const files = (await readdir(join(dir, 'blobs')).catch(() => [])).filter((f) => f.endsWith('.blob'));
      assert.equal(files.length, count - inline, `one file per chunked blob, no orphans (kill ${kill})`);
    } finally {
      await reopened.close();
    }
    next = maxIntent + 1;
  }
  t.diagnostic(`seed ${SEED}: ${KILLS} kills, ${killedMidWrite} in the middle of a write, ${totalAcked} blobs acknowledged and verified`);
  assert.ok(totalAcked > 0, 'the children wrote between kills');
  assert.ok(killedMidWrite > 0, 'kills landed inside writes');
});
