/**
 * `npm start`: a short tour on a throwaway store directory. Creates an
 * encrypted store, writes chat messages, scans a conversation, runs a
 * transaction, stores documents, a time series and a blob, takes a
 * snapshot, rotates the data key, reopens with the recovery code, shows
 * that no plaintext reached the disk, and says what to try next.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, Store, TimeSeries, WrongPassphraseError } from '../src/index.ts';

const text = (bytes: Uint8Array | undefined): string => (bytes === undefined ? '(none)' : new TextDecoder().decode(bytes));
const ms = (start: number): string => `${(performance.now() - start).toFixed(0)} ms`;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), 'synapsed-demo-'));
try {
  let t = performance.now();
  const { store, recoveryCode } = await Store.create(dir, { passphrase: 'correct horse battery staple' });
  console.log(`created an encrypted store in ${dir} (${ms(t)}: Argon2id 64 MiB, t=3, p=4, in a worker)`);
  console.log(`  recovery code, shown once: ${recoveryCode.reveal()}`);

  t = performance.now();
  const messages = [];
  for (let i = 0; i < 10_000; i++) {
    const peer = ['alice', 'bob', 'carol'][i % 3] as string;
    messages.push({ type: 'put' as const, key: `chat/${peer}/${String(i).padStart(6, '0')}`, value: `message ${i} to ${peer}: secret-marker-${i}` });
  }
  for (let i = 0; i < messages.length; i += 1000) await store.batch(messages.slice(i, i + 1000));
  console.log(`wrote 10,000 messages in 10 atomic batches (${ms(t)})`);

  t = performance.now();
  const latest = [];
  for await (const [key, value] of store.scan({ prefix: 'chat/bob/', reverse: true, limit: 3 })) latest.push(`${text(key)} = ${text(value)}`);
  console.log(`the 3 latest messages to bob, by a reverse prefix scan (${ms(t)}):\n  ${latest.join('\n  ')}`);

  await store.put('balance/alice', '100');
  await store.put('balance/bob', '0');
  await store.transaction(async (tx) => {
    const alice = Number(text(await tx.get('balance/alice')));
    tx.put('balance/alice', String(alice - 25));
    tx.put('balance/bob', String(Number(text(await tx.get('balance/bob'))) + 25));
  });
  const contacts = await Collection.open(store, 'contacts', { indexes: [{ fields: ['city', 'name'] }, { fields: ['email'], unique: true }] });
  await contacts.insertMany([
    { name: 'Ada', city: 'London', email: 'ada@example.org' },
    { name: 'Grace', city: 'Arlington', email: 'grace@example.org' },
    { name: 'Alan', city: 'London', email: 'alan@example.org' },
  ]);
  const londoners = [];
  for await (const c of contacts.find({ city: 'London' }, { sort: { name: 1 } })) londoners.push(c.name);
  const plan = contacts.explain({ city: 'London' }, { sort: { name: 1 } });
  console.log(`documents: ${londoners.join(', ')} live in London (plan: ${plan.strategy} on '${plan.index}', sorted by the index: ${plan.sortedByIndex})`);

  const cpu = await TimeSeries.open(store, 'cpu', { bucket: '1h' });
  const start = Date.UTC(2026, 0, 1);
  await cpu.append(Array.from({ length: 3600 }, (_, s) => ({ series: 'host-1', t: start + s * 1000, value: 0.5 + 0.4 * Math.sin(s / 300) })));
  const perTenMinutes = await cpu.aggregate('host-1', { from: start, to: start + 3_600_000, bucket: '10m', fn: ['avg', 'max'] });
  console.log(`time series: 3,600 points in one encrypted bucket; 10-minute averages ${perTenMinutes.map((r) => Number(r.avg).toFixed(2)).join(' ')}`);

  t = performance.now();
  const photo = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
  photo.set(new TextEncoder().encode('blob-secret-marker'), 0);
  const blob = await store.blobs.write('att/alice/photo.jpg', photo, { contentType: 'image/jpeg' });
  const head = await store.blobs.read('att/alice/photo.jpg', { start: 0, end: 17 });
  console.log(`blob: ${(blob.size / 1048576).toFixed(0)} MiB streamed in 64 KiB encrypted chunks (${ms(t)}); a range read of its first ${head.length} bytes: "${new TextDecoder().decode(head)}"`);

  const snapshot = store.snapshot();
  await store.put('balance/alice', '0');
  console.log(`after a transfer: alice ${text(await store.get('balance/alice'))} now, ${text(await snapshot.get('balance/alice'))} in the snapshot taken before`);
  await snapshot.close();

  t = performance.now();
  let progress = 0;
  await store.rotateKey({ onProgress: (p) => { progress = p.done / Math.max(1, p.total); } });
  console.log(`rotated the data key: epoch ${store.stats().keyEpoch}, every record re-encrypted (${(progress * 100).toFixed(0)}%, ${ms(t)})`);
  await store.close();

  try {
    await Store.open(dir, { passphrase: 'a wrong guess' });
  } catch (error) {
    if (!(error instanceof WrongPassphraseError)) throw error;
    console.log(`wrong passphrase -> ${error.name} (${error.code}), not "file is not a database"`);
  }
  t = performance.now();
  const reopened = await Store.open(dir, { recoveryCode: recoveryCode.reveal() });
  console.log(`reopened with the recovery code (${ms(t)}): ${text(await reopened.get('chat/alice/000003'))}`);
  await reopened.close();

  const files = await filesUnder(dir);
  let leaks = 0;
  let bytes = 0;
  for (const file of files) {
    const content = await readFile(file);
    bytes += (await stat(file)).size;
    for (const needle of ['secret-marker-', 'chat/alice', 'balance/', 'example.org', 'London', 'host-1', 'contacts', 'att/alice', 'image/jpeg', 'blob-secret-marker']) if (content.includes(needle)) leaks++;
  }
  console.log(`${files.length} files, ${bytes.toLocaleString()} bytes on disk; plaintext found in them: ${leaks === 0 ? 'none' : `${leaks} hits (BUG)`}`);
  if (leaks > 0) process.exitCode = 1;
  console.log(`
try next:
  npm run example:chat     messages by conversation and time, $text search, attachments as blobs
  npm run example:vault    credentials with tags, the recovery code when the passphrase is lost
  npm run example:bank     atomic transfers in transactions, statements by date range, verify
  npx tsx src/cli/main.ts --help    the synapsed command line: init, get, put, scan, export, verify, rotate-key...
  docs/api.md, docs/documents.md, docs/blobs.md, docs/metrics.md`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
