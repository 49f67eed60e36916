/**
 * Child process of the key-slot crash test (slot-crash.test.ts): opens the
 * store with the anchor key and performs the slot plan (slot-plan.ts) from
 * step FIRST on, until it is killed. Before each step it sends
 * `{ t: 'intent', step }` and waits until the message has left the
 * process; after the step resolves it sends `{ t: 'ack', step }`.
 *
 * argv: DIR SEED FIRST
 */
import { Store } from '../../src/index.ts';
import { ANCHOR, slotKey, slotPlan } from './slot-plan.ts';

const [dir, seedText, firstText] = process.argv.slice(2);
if (dir === undefined || seedText === undefined || firstText === undefined) throw new Error('usage: slot-child.ts DIR SEED FIRST');
const seed = Number(seedText);
const first = Number(firstText);

function send(message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('no IPC channel'));
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

async function main(): Promise<void> {
  const { ops } = slotPlan(seed, first + 10_000);
  await send({ t: 'opening' });
  const store = await Store.open(dir as string, { key: slotKey(seed, ANCHOR) });
  await send({ t: 'ready' });
  for (let step = first; ; step++) {
    const op = ops[step];
    if (op === undefined) throw new Error('plan exhausted');
    await send({ t: 'intent', step });
    if (op.kind === 'add') {
      await store.keySlots.add({ key: slotKey(seed, op.label), label: op.label });
    } else {
      const slot = store.keySlots.list().find((s) => s.label === op.label);
      if (slot === undefined) throw new Error(`step ${step}: no slot labelled ${op.label}`);
      await store.keySlots.remove(slot.id);
    }
    void send({ t: 'ack', step }).catch(() => undefined);
  }
}

main().catch(async (error: unknown) => {
  const e = error as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  await send({ t: 'error', name: e.name, code: e.code, message: String(e.message), stack: String(e.stack) }).catch(() => undefined);
  process.exit(1);
});
