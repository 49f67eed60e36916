/**
 * Child process of the SIGKILL crash loop (test/crash/crash-loop.ts): opens
 * a store and commits in a loop until it is killed.
 *
 * Before each commit it sends an intent `{ t: 'intent', id, ops }` and
 * waits until the message has left the process (the send callback), so the
 * parent knows of every commit that may reach the disk; after the commit
 * resolves it sends `{ t: 'ack', id }`. Commits are puts, deletes, 3-key
 * batches (one value for all three keys: they must agree after any crash),
 * counter transactions (counter c+1 and log entry c+1 together), and small
 * groups of concurrent puts on distinct keys (group commit). Each uses
 * durability 'sync' or 'relaxed' at random (relaxed survives a process
 * crash, which is what SIGKILL tests); explicit flushes are mixed in.
 *
 * Per key, commits are issued one at a time, so per-key order is id order.
 *
 * argv: DIR RECOVERY_CODE SEED FIRST_ID MEMTABLE_BYTES
 */
import { Store, type Durability } from '../../src/index.ts';
import { Rng } from '../helpers/store-fixtures.ts';
import { GROUPS, PUT_KEYS, batchKeys, counterKey, logKey, putKey, valueOf, type Intent, type OpTuple } from './crash-model.ts';

const [dir, recoveryCode, seedText, firstIdText, memtableText] = process.argv.slice(2);
if (dir === undefined || recoveryCode === undefined || seedText === undefined || firstIdText === undefined || memtableText === undefined) {
  throw new Error('usage: child-writer.ts DIR RECOVERY_CODE SEED FIRST_ID MEMTABLE_BYTES');
}
const rng = new Rng(Number(seedText));
let nextId = Number(firstIdText);

function send(message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('no IPC channel'));
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function pad(): string {
  return 'x'.repeat(rng.range(20, 160));
}

async function main(): Promise<void> {
  await send({ t: 'opening' });
  const store = await Store.open(dir as string, { recoveryCode: recoveryCode as string, memtableBytes: Number(memtableText) });
  await send({ t: 'ready' });
  const ack = (id: number): void => {
    const s = store.stats();
    void send({ t: 'ack', id, flushes: s.flushes, merges: s.merges }).catch(() => undefined);
  };
  const intend = (id: number, ops: OpTuple[]): Promise<void> => send({ t: 'intent', id, ops } satisfies Intent);
  const durability = (): { durability: Durability } => ({ durability: rng.chance(0.25) ? 'sync' : 'relaxed' });

  for (;;) {
    const roll = rng.next();
    if (roll < 0.35) {
      const id = nextId++;
      const key = putKey(rng.int(PUT_KEYS));
      const value = valueOf(id, pad());
      await intend(id, [[key, value]]);
      await store.put(key, value, durability());
      ack(id);
    } else if (roll < 0.45) {
      const id = nextId++;
      const key = putKey(rng.int(PUT_KEYS));
      await intend(id, [[key, null]]);
      await store.delete(key, durability());
      ack(id);
    } else if (roll < 0.7) {
      const id = nextId++;
      const keys = batchKeys(rng.int(GROUPS));
      const value = rng.chance(0.1) ? null : valueOf(id, pad());
      await intend(id, keys.map((k) => [k, value]));
      await store.batch(keys.map((key) => (value === null ? { type: 'del', key } : { type: 'put', key, value })), durability());
      ack(id);
    } else if (roll < 0.85) {
      const id = nextId++;
      await store.transaction(async (tx) => {
        const current = await tx.get(counterKey);
        const count = current === undefined ? 0 : Number(Buffer.from(current).toString().split('|')[2]);
        const ops: OpTuple[] = [[counterKey, valueOf(id, String(count + 1))], [logKey(count + 1), valueOf(id, pad())]];
        // Sent inside the transaction, before its commit; a retry re-sends the same id with its new ops.
        await intend(id, ops);
        for (const [key, value] of ops) tx.put(key, value as string);
      }, durability());
      ack(id);
    } else if (roll < 0.97) {
      const n = rng.range(2, 4);
      const keys = new Set<string>();
      while (keys.size < n) keys.add(putKey(rng.int(PUT_KEYS)));
      const commits = [...keys].map((key) => {
        const id = nextId++;
        return { id, key, value: valueOf(id, pad()) };
      });
      for (const c of commits) await intend(c.id, [[c.key, c.value]]);
      await Promise.all(commits.map(async (c) => {
        await store.put(c.key, c.value, durability());
        ack(c.id);
      }));
    } else {
      await store.flush();
    }
  }
}

main().catch(async (error: unknown) => {
  const e = error as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  await send({ t: 'error', name: e.name, code: e.code, message: String(e.message), stack: String(e.stack) }).catch(() => undefined);
  process.exit(1);
});
