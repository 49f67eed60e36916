/**
 * Example: a local bank ledger. `npx tsx examples/bank.ts [dir]`
 *
 * Accounts and ledger entries are document collections in one encrypted
 * store. A transfer debits one account, credits another and writes two
 * ledger entries in one transaction: all four writes commit together or
 * not at all, even when many transfers run at once (optimistic
 * transactions retry on conflict) or the process dies mid-way. A statement
 * is a date-range query served by the compound index (account, at), and
 * `verify()` authenticates every stored record at the end.
 *
 * Amounts are integer cents. Prints a few lines and exits non-zero if the
 * books do not balance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, Store, type Doc } from '../src/index.ts';

interface Account extends Doc {
  owner: string;
  balance: number;
}

interface Entry extends Doc {
  account: string;
  at: Date;
  amount: number;
  counterparty: string;
  transfer: string;
}

/** Thrown inside a transfer to roll it back. */
class InsufficientFunds extends Error {}

const DAY = 24 * 3600 * 1000;
const START = Date.UTC(2026, 0, 1);
const cents = (n: number): string => `${(n / 100).toFixed(2)}`;

/** A small seeded PRNG so every run tells the same story. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runBank(dir: string, passphrase = 'bank example passphrase'): Promise<{ transfers: number; refused: number; total: number }> {
  const { store } = await Store.create(dir, { passphrase });
  try {
    const accounts = await Collection.open<Account>(store, 'accounts');
    const ledger = await Collection.open<Entry>(store, 'ledger', { indexes: [{ fields: ['account', 'at'] }] });
    const owners = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
    await accounts.insertMany(owners.map((owner) => ({ _id: `acc-${owner}`, owner, balance: 100_000 })));
    const opening = owners.length * 100_000;

    /** Moves `amount` cents atomically; throws InsufficientFunds (nothing written) when `from` cannot pay. */
    const transfer = (id: string, from: string, to: string, amount: number, at: Date): Promise<void> =>
      store.transaction(async (tx) => {
        const a = accounts.in(tx);
        const l = ledger.in(tx);
        const payer = await a.get(from);
        if (payer === undefined || (await a.get(to)) === undefined) throw new Error(`no such account in transfer ${id}`);
        if (payer.balance < amount) throw new InsufficientFunds(`${from} cannot pay ${cents(amount)}`);
        await a.update(from, { $inc: { balance: -amount } });
        await a.update(to, { $inc: { balance: amount } });
        await l.insert({ account: from, at, amount: -amount, counterparty: to, transfer: id });
        await l.insert({ account: to, at, amount, counterparty: from, transfer: id });
      }, { maxAttempts: 50 });

    // 300 transfers over 90 days, 10 at a time: concurrent transactions touching the same
    // accounts conflict and retry (each round of commits lets at least one through); none is
    // lost or applied twice.
    const random = prng(2026);
    let refused = 0;
    let done = 0;
    for (let round = 0; round < 30; round++) {
      await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const n = round * 10 + i;
        const from = `acc-${owners[Math.floor(random() * owners.length)] as string}`;
        let to = from;
        while (to === from) to = `acc-${owners[Math.floor(random() * owners.length)] as string}`;
        const amount = 500 + Math.floor(random() * 40_000);
        const at = new Date(START + Math.floor((n / 300) * 90 * DAY) + Math.floor(random() * 3600_000));
        try {
          await transfer(`t${n}`, from, to, amount, at);
          done++;
        } catch (error) {
          if (!(error instanceof InsufficientFunds)) throw error;
          refused++;
        }
      }));
    }

    let total = 0;
    for await (const account of accounts.find({}, { sort: { owner: 1 } })) total += account.balance;
    console.log(`bank: ${done} transfers committed, ${refused} refused for insufficient funds; total ${cents(total)} (opened with ${cents(opening)})`);

    // Statement: alice's February, from the compound index, in date order.
    const from = new Date(Date.UTC(2026, 1, 1));
    const to = new Date(Date.UTC(2026, 2, 1));
    const query = { account: 'acc-alice', at: { $gte: from, $lt: to } };
    const plan = ledger.explain(query, { sort: { at: 1 } });
    let lines = 0;
    let net = 0;
    for await (const entry of ledger.find(query, { sort: { at: 1 } })) {
      if (lines < 3) console.log(`  ${entry.at.toISOString().slice(0, 10)} ${entry.amount > 0 ? 'from' : 'to  '} ${entry.counterparty.slice(4).padEnd(6)} ${cents(entry.amount).padStart(10)}`);
      lines++;
      net += entry.amount;
    }
    console.log(`statement: alice, February 2026: ${lines} entries, net ${cents(net)} (plan: ${plan.strategy} on '${plan.index}', sorted by the index: ${plan.sortedByIndex})`);

    // The ledger agrees with the balances, account by account.
    for (const owner of owners) {
      let sum = 100_000;
      for await (const entry of ledger.find({ account: `acc-${owner}` })) sum += entry.amount;
      const balance = (await accounts.get(`acc-${owner}`))?.balance;
      if (sum !== balance) throw new Error(`ledger and balance disagree for ${owner}: ${sum} vs ${String(balance)}`);
    }
    const report = await store.verify();
    console.log(`verify: ${report.ok ? 'ok' : 'DAMAGED'}, ${report.checked.walRecords} WAL records and ${report.checked.blocks} blocks authenticated; ledger matches every balance`);
    if (total !== opening || !report.ok) process.exitCode = 1;
    return { transfers: done, refused, total };
  } finally {
    await store.close();
  }
}

if (import.meta.filename === process.argv[1]) {
  const given = process.argv[2];
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'synapsed-bank-')));
  try {
    await runBank(given === undefined ? join(dir, 'store') : dir);
  } finally {
    if (given === undefined) await rm(dir, { recursive: true, force: true });
  }
}
