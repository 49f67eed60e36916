/**
 * The crash loop's key space and its checker: what the child writes
 * (child-writer.ts) and what the parent accepts after a SIGKILL and reopen.
 *
 * Every value is `CANARY|id|payload`, so a value names the commit that
 * wrote it and any plaintext residue on disk is easy to grep. The parent
 * hears every commit's intent before the commit starts and its ack after
 * it resolves. After a crash, for each key:
 *   - the state must come from the last acknowledged commit on that key,
 *     or from a later unacknowledged one (per key, commits are issued one
 *     at a time, so id order is commit order); anything older is a lost
 *     acknowledged commit, anything else an unexplained state;
 *   - the three keys of a batch group agree (all-or-nothing);
 *   - counter C and log entries 1..C, exactly, exist (a transaction's two
 *     writes are all-or-nothing);
 *   - no key outside this key space exists.
 */

/** A plaintext marker inside every value: must never be found in the store's files. */
export const CANARY = 'CRASH-CANARY-PLAINTEXT-9c1e';
export const PUT_KEYS = 40;
export const GROUPS = 8;

export const putKey = (i: number): string => `p/${String(i).padStart(2, '0')}`;
export const batchKeys = (group: number): string[] => [0, 1, 2].map((j) => `b/${group}/${j}`);
export const counterKey = 't/counter';
export const logKey = (n: number): string => `t/log/${String(n).padStart(8, '0')}`;
export const valueOf = (id: number, payload: string): string => `${CANARY}|${id}|${payload}`;

/** One write: value null deletes. */
export type OpTuple = [key: string, value: string | null];

/** child -> parent before a commit starts. */
export interface Intent {
  readonly t: 'intent';
  readonly id: number;
  readonly ops: OpTuple[];
}

const KEY_SHAPE = /^(p\/\d{2}|b\/\d+\/[0-2]|t\/counter|t\/log\/\d{8})$/;

function describe(state: string | null): string {
  if (state === null) return 'absent';
  const [, id, payload] = state.split('|');
  return `value of commit ${id ?? '?'} (${(payload ?? '').slice(0, 12)})`;
}

/** What the parent knows: the last verified state plus intents and acks since. */
export class CrashModel {
  /** State observed at the last verified reopen. */
  #baseline = new Map<string, string>();
  #intents = new Map<number, OpTuple[]>();
  #acked = new Set<number>();
  maxId = 0;
  /** Totals over all rounds. */
  readonly totals = { intents: 0, acked: 0, appliedUnacked: 0, lostUnacked: 0 };

  onIntent(id: number, ops: OpTuple[]): void {
    if (!this.#intents.has(id)) this.totals.intents++;
    this.#intents.set(id, ops);
    this.maxId = Math.max(this.maxId, id);
  }

  #problems: string[] = [];

  onAck(id: number): void {
    if (!this.#intents.has(id)) this.#problems.push(`ack for commit ${id} without its intent`);
    this.#acked.add(id);
  }

  /** Violations of the crash contract in `observed` (key -> value after reopen); empty if none. */
  check(observed: ReadonlyMap<string, string>): string[] {
    const violations: string[] = [...this.#problems];
    const touching = new Map<string, Array<{ id: number; state: string | null }>>();
    for (const id of [...this.#intents.keys()].sort((a, b) => a - b)) {
      for (const [key, state] of this.#intents.get(id) as OpTuple[]) {
        let list = touching.get(key);
        if (list === undefined) touching.set(key, (list = []));
        list.push({ id, state });
      }
    }
    const keys = new Set([...this.#baseline.keys(), ...touching.keys(), ...observed.keys()]);
    for (const key of keys) {
      if (!KEY_SHAPE.test(key)) {
        violations.push(`unknown key ${JSON.stringify(key)}`);
        continue;
      }
      const actual = observed.get(key) ?? null;
      const history = touching.get(key) ?? [];
      let lastAcked = -1;
      history.forEach((h, i) => {
        if (this.#acked.has(h.id)) lastAcked = i;
      });
      const allowed = lastAcked === -1 ? [this.#baseline.get(key) ?? null, ...history.map((h) => h.state)] : history.slice(lastAcked).map((h) => h.state);
      if (!allowed.includes(actual)) {
        const acked = lastAcked === -1 ? undefined : history[lastAcked];
        violations.push(acked === undefined
          ? `${key}: unexplained ${describe(actual)}`
          : `${key}: acknowledged commit ${acked.id} (${describe(acked.state)}) lost; found ${describe(actual)}`);
      }
    }
    for (let g = 0; g < GROUPS; g++) {
      const states = batchKeys(g).map((k) => observed.get(k) ?? null);
      if (new Set(states).size !== 1) violations.push(`batch group ${g} torn: ${states.map(describe).join(' / ')}`);
    }
    const counter = observed.get(counterKey);
    const count = counter === undefined ? 0 : Number(counter.split('|')[2]);
    const logged = [...observed.keys()].filter((k) => k.startsWith('t/log/')).map((k) => Number(k.slice(6))).sort((a, b) => a - b);
    if (logged.length !== count || logged.some((n, i) => n !== i + 1)) {
      violations.push(`transaction torn: counter ${count}, log entries ${logged.length} (last ${logged[logged.length - 1] ?? 'none'})`);
    }
    return violations;
  }

  /** The commits heard of since the last verified reopen, for a post-mortem dump. */
  pending(): { baseline: Record<string, string>; intents: Array<{ id: number; acked: boolean; ops: OpTuple[] }> } {
    return {
      baseline: Object.fromEntries(this.#baseline),
      intents: [...this.#intents].sort(([a], [b]) => a - b).map(([id, ops]) => ({ id, acked: this.#acked.has(id), ops })),
    };
  }

  /** After a clean check: counts what happened to unacknowledged commits, and makes `observed` the new baseline. */
  settle(observed: ReadonlyMap<string, string>): void {
    for (const [id, ops] of this.#intents) {
      if (this.#acked.has(id)) {
        this.totals.acked++;
        continue;
      }
      const puts = ops.filter(([, v]) => v !== null);
      if (puts.length === 0) continue;
      if (puts.every(([k, v]) => observed.get(k) === v)) this.totals.appliedUnacked++;
      else this.totals.lostUnacked++;
    }
    this.#baseline = new Map(observed);
    this.#intents.clear();
    this.#acked.clear();
  }
}
