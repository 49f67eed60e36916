/**
 * The plan of the key-slot crash test (slot-crash.test.ts): a seeded,
 * deterministic sequence of slot additions and removals, and the set of
 * labels after each step, so parent and child agree on what step i does
 * and what the store must hold after it. Every slot is a raw-key slot whose
 * key is derived from the seed and its label; the 'anchor' slot is never
 * removed, so the parent can always open the store to look.
 */
import { createHash } from 'node:crypto';
import { Rng } from '../helpers/store-fixtures.ts';

export const ANCHOR = 'anchor';

export interface SlotOp {
  readonly kind: 'add' | 'remove';
  readonly label: string;
}

/** The key of the slot labelled `label`. */
export function slotKey(seed: number, label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${seed}/${label}`).digest());
}

/** `ops[i]` turns `states[i]` into `states[i + 1]`; `states[0]` is the anchor alone. */
export function slotPlan(seed: number, steps: number): { ops: SlotOp[]; states: string[][] } {
  const rng = new Rng(seed ^ 0x51075107);
  const ops: SlotOp[] = [];
  const states: string[][] = [[ANCHOR]];
  let live: string[] = [ANCHOR];
  for (let i = 0; i < steps; i++) {
    const removable = live.filter((l) => l !== ANCHOR);
    const op: SlotOp = removable.length > 0 && (removable.length >= 4 || rng.chance(0.45))
      ? { kind: 'remove', label: rng.pick(removable) }
      : { kind: 'add', label: `s${i}` };
    live = op.kind === 'add' ? [...live, op.label] : live.filter((l) => l !== op.label);
    ops.push(op);
    states.push([...live].sort());
  }
  return { ops, states };
}
