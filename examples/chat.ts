/**
 * Example: a chat app's message store. `npx tsx examples/chat.ts [dir]`
 *
 * Messages are documents in one encrypted collection, indexed by
 * (conversation, sentAt) for "the latest page of this conversation" and
 * by a text index over the body for search. Conversation names, senders,
 * message text and the search index are all sealed on disk: there is no
 * blind index to leak who talks to whom or about what.
 *
 * Shows: a page of the latest messages (served in order by the index),
 * `$text` search, unread counts, a live `watch` feed, attachments as blobs
 * committed in the same transaction as their message (range reads for
 * previews), and that none of it reached the disk in the clear.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, Store, type Doc } from '../src/index.ts';

interface Message extends Doc {
  conversation: string;
  sender: string;
  sentAt: number;
  body: string;
  read: boolean;
  /** Blob id of an attachment. */
  attachment?: string;
}

const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['alice', 'bob'], ['alice', 'carol'], ['bob', 'dave'], ['carol', 'dave'], ['alice', 'erin'], ['dave', 'erin'], ['bob', 'carol'], ['carol', 'erin'],
];
const PHRASES = [
  'pizza on friday?', 'the train is late again', 'see you at the climbing gym', 'sending the quarterly report',
  'happy birthday!', 'can you review my pull request', 'dinner at eight', 'the cat knocked over the plant',
  'meeting moved to thursday', 'lunch tomorrow?',
];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

export async function runChat(dir: string, passphrase = 'chat example passphrase'): Promise<void> {
  const { store } = await Store.create(dir, { passphrase });
  try {
    const messages = await Collection.open<Message>(store, 'messages', {
      indexes: [{ fields: ['conversation', 'sentAt'] }, { fields: ['conversation', 'read'] }, { text: ['body'] }],
    });
    const start = Date.UTC(2026, 2, 1, 9);
    let t = performance.now();
    const batch: Message[] = [];
    for (let i = 0; i < 2000; i++) {
      const pair = PAIRS[i % PAIRS.length] as readonly [string, string];
      const conversation = pair.join('+');
      batch.push({ conversation, sender: pair[(i >> 3) % 2] as string, sentAt: start + i * 45_000, body: `${PHRASES[(i * 13) % PHRASES.length] as string} #${i}`, read: i < 1900 });
    }
    for (let i = 0; i < batch.length; i += 250) await messages.insertMany(batch.slice(i, i + 250));
    console.log(`chat: 2,000 messages in ${new Set(batch.map((m) => m.conversation)).size} conversations (${(performance.now() - t).toFixed(0)} ms, indexes kept in the same commits)`);

    // The latest page of one conversation, newest first, straight from the compound index.
    t = performance.now();
    const page: Message[] = [];
    for await (const m of messages.find({ conversation: 'alice+bob' }, { sort: { sentAt: -1 }, limit: 20 })) page.push(m);
    const plan = messages.explain({ conversation: 'alice+bob' }, { sort: { sentAt: -1 } });
    const newest = page[0];
    console.log(`latest page of alice+bob: ${page.length} messages (${(performance.now() - t).toFixed(1)} ms, ${plan.strategy} on '${plan.index}', sorted by the index: ${plan.sortedByIndex}); newest: "${newest?.body ?? ''}" from ${newest?.sender ?? ''}`);

    // Text search: every word is a prefix of a word in the body.
    t = performance.now();
    const search = { $text: { $search: 'pizza fri' }, conversation: 'alice+bob' };
    const hits = await messages.count(search);
    let sample = '';
    for await (const m of messages.find(search, { sort: { sentAt: -1 }, limit: 1 })) sample = m.body;
    console.log(`search "pizza fri" in alice+bob: ${hits} of ${await messages.count({ conversation: 'alice+bob' })} messages (${(performance.now() - t).toFixed(1)} ms), latest "${sample}"`);

    // Unread counts per conversation, from index entries alone.
    const conversations = [...new Set(batch.map((m) => m.conversation))].sort();
    const unread: string[] = [];
    for (const c of conversations) {
      const n = await messages.count({ conversation: c, read: false });
      if (n > 0) unread.push(`${c} ${n}`);
    }
    console.log(`unread: ${unread.join(', ')}`);

    // A live feed: the UI of an open conversation sees new messages as they commit.
    const controller = new AbortController();
    const feed = (async () => {
      const seen: string[] = [];
      for await (const event of messages.watch({ conversation: 'alice+bob' }, { signal: controller.signal })) {
        if (event.type === 'insert' && event.doc !== undefined) seen.push(event.doc.body);
        if (seen.length === 2) controller.abort();
      }
      return seen;
    })();
    await messages.insert({ conversation: 'carol+dave', sender: 'carol', sentAt: Date.now(), body: 'not for this feed', read: false });
    await messages.insert({ conversation: 'alice+bob', sender: 'bob', sentAt: Date.now(), body: 'are you coming?', read: false });
    await messages.insert({ conversation: 'alice+bob', sender: 'alice', sentAt: Date.now() + 1, body: 'on my way', read: false });
    console.log(`live feed of alice+bob received: ${(await feed).map((b) => `"${b}"`).join(', ')}`);

    // Attachments: each photo is a blob written in the same transaction as its message, so a
    // message never points at a missing file, nor a file outlives a failed send.
    const photo = (n: number): Uint8Array => {
      const bytes = new Uint8Array(150_000 + n * 10_000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + n) & 0xff;
      bytes.set(new TextEncoder().encode(`ATTACHMENT-MARKER-${n}`), 0);
      return bytes;
    };
    t = performance.now();
    for (let n = 0; n < 3; n++) {
      await store.transaction(async (tx) => {
        const id = await messages.in(tx).insert({ conversation: 'alice+bob', sender: 'alice', sentAt: Date.now() + 10 + n, body: `photo ${n}`, read: false });
        const blobId = `att/alice+bob/${id}.jpg`;
        await store.blobs.in(tx).write(blobId, photo(n), { contentType: 'image/jpeg', metadata: { message: id } });
        await messages.in(tx).update(id, { $set: { attachment: blobId } });
      });
    }
    const attachments = [];
    for await (const info of store.blobs.list({ prefix: 'att/alice+bob/' })) attachments.push(info);
    const first = attachments[0];
    const preview = first === undefined ? new Uint8Array(0) : await store.blobs.read(first.id, { start: 0, end: 1023 });
    const total = attachments.reduce((sum, a) => sum + a.size, 0);
    console.log(`attachments: ${attachments.length} photos in alice+bob (${(total / 1024).toFixed(0)} KiB, ${(performance.now() - t).toFixed(0)} ms); a ${preview.length}-byte preview read by range`);
  } finally {
    await store.close();
  }

  let leaks = 0;
  for (const file of await filesUnder(dir)) {
    const content = await readFile(file);
    for (const needle of ['alice+bob', 'pizza', 'climbing', 'quarterly', 'conversation', 'ATTACHMENT-MARKER', 'image/jpeg']) if (content.includes(needle)) leaks++;
  }
  console.log(`plaintext on disk: ${leaks === 0 ? 'none' : `${leaks} hits (BUG)`}`);
  if (leaks > 0) process.exitCode = 1;
}

if (import.meta.filename === process.argv[1]) {
  const given = process.argv[2];
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'synapsed-chat-')));
  try {
    await runChat(given === undefined ? join(dir, 'store') : dir);
  } finally {
    if (given === undefined) await rm(dir, { recursive: true, force: true });
  }
}
