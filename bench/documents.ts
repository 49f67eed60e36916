/**
 * Document benchmark (issue 5): the chat workload on this engine's
 * documents layer and on SQLCipher-style SQLite, in one run, one table.
 *
 *   npx tsx bench/documents.ts            N = 1,000,000 messages (long)
 *   npx tsx bench/documents.ts --quick    N = 50,000, under a minute
 *   options: --n=200000  --seed=42  --dir=/path  --keep
 *
 * Data (bench/lib/random.ts, recomputable per message from the seed):
 * message i goes to one of N/100 chats, from one of 1,000 senders, at
 * sentAt = T0 + i s (so increasing in every chat, and unique), with a body
 * of 8 to 12 words drawn Zipf-distributed from 1,000 made-up words and 0 to
 * 2 tags of 8. Indexes: [chatId, sentAt], [sender], [tags] (multikey);
 * SQLite has a JSON document column with expression indexes on the same
 * fields and a (tag, id) side table. Timed, per engine in turn:
 * - bulk insert in batches of 1,000 (synapsed: insertMany; SQLite: one
 *   transaction per batch), the sum of the insert calls; then the same
 *   including the close that follows;
 * - after a close and a reopen (cold caches): "latest 50 of a chat"
 *   (1,000 random chats, then the same 1,000 again with warm caches),
 *   sender equality as count and as first 100 (200 senders each), and a
 *   filter without an index on a chat's messages (chat + body
 *   $startsWith, 200 queries), p50 and p99;
 * - a text index built on the loaded data (synapsed `{ text: ['body'] }`,
 *   SQLite a contentless FTS5 table, same folding) and `$text` first 50
 *   (200 words of ranks 100 to 999). The text index is the newest part of
 *   the documents layer: if it cannot be built or answers wrong, the note
 *   says so and the other rows still stand;
 * - bytes on disk after close (allocated blocks), before and after the text index.
 * Every answer is checked against the data set computed from the seed
 * (ids, order, contents for a sample); the first engine's answers to the
 * sample queries must equal the second's; and both engines' plans must use
 * the indexes (explain / EXPLAIN QUERY PLAN), else the run stops.
 * SQLite ids are the ones synapsed generated, so the two hold the same data.
 * Speed is never asserted in tests (STYLE.md §12).
 * Design debt: about 700 lines, over the house limit, because it was written
 * as one file; the natural split is the data set and its expected answers
 * (ChatData) into bench/workloads/ and the two adapters into bench/targets/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, KDF_FLOOR, Store, type IndexSpec } from '../src/index.ts';
import { describeEnvironment } from './lib/env.ts';
import { Rng, Zipf, mix32 } from './lib/random.ts';
import { latency, type Latency } from './lib/stats.ts';
import { formatNumber, renderTable } from './lib/table.ts';
import { PEER_KEY, bytesOnDisk, peerRequire } from './targets/target.ts';

const T0 = Date.UTC(2025, 0, 1);
const STEP = 1000;
const USERS = 1000;
const VOCABULARY = 1000;
const TAGS = ['work', 'family', 'urgent', 'photo', 'link', 'todo', 'later', 'star'] as const;
const BATCH = 1000;
const LATEST = 50;
const FIRST = 100;
const PASSPHRASE = 'synapsed documents bench';
const INDEXES: IndexSpec[] = [{ fields: ['chatId', 'sentAt'] }, { fields: ['sender'] }, { fields: ['tags'], multi: true }];
// Written untyped so this file compiles whether or not the tree's IndexSpec has text indexes yet.
const TEXT_INDEX = { text: ['body'] } as unknown as IndexSpec;

type Message = { chatId: string; sentAt: number; sender: string; body: string; tags: string[] };
type Row = Message & { _id: string };

// ------------------------------------------------------------------- data

function makeVocabulary(rng: Rng): string[] {
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    let word = '';
    for (let s = 2 + rng.int(2); s > 0; s--) word += 'bdfgklmnprstvz'[rng.int(14)] as string + 'aeiou'[rng.int(5)];
    words.add(word);
  }
  return [...words];
}

/** The data set: message i computed from (seed, i); per-chat message lists for expected answers. */
class ChatData {
  readonly n: number;
  readonly chats: number;
  readonly seed: number;
  readonly vocabulary: readonly string[];
  readonly zipf = new Zipf(VOCABULARY);
  readonly senderCount = new Int32Array(USERS);
  readonly #chatStart: Int32Array;
  readonly #chatMessages: Int32Array;

  constructor(n: number, seed: number) {
    this.n = n;
    this.seed = seed;
    this.chats = Math.floor(n / 100);
    this.vocabulary = makeVocabulary(new Rng(mix32(seed, 0x766f6361)));
    const chatOf = new Int32Array(n);
    this.#chatStart = new Int32Array(this.chats + 1);
    for (let i = 0; i < n; i++) {
      const rng = new Rng(mix32(seed, i));
      const chat = rng.int(this.chats);
      chatOf[i] = chat;
      (this.#chatStart[chat + 1] as number)++;
      (this.senderCount[rng.int(USERS)] as number)++;
    }
    for (let c = 0; c < this.chats; c++) this.#chatStart[c + 1] = (this.#chatStart[c + 1] as number) + (this.#chatStart[c] as number);
    this.#chatMessages = new Int32Array(n);
    const cursor = this.#chatStart.slice(0, this.chats);
    for (let i = 0; i < n; i++) {
      const chat = chatOf[i] as number;
      this.#chatMessages[(cursor[chat] as number)++] = i;
    }
  }

  /** Chat, sender, word ranks and tags of message i. */
  draw(i: number): { chat: number; sender: number; words: number[]; tags: string[] } {
    const rng = new Rng(mix32(this.seed, i));
    const chat = rng.int(this.chats);
    const sender = rng.int(USERS);
    const words: number[] = [];
    for (let w = 8 + rng.int(5); w > 0; w--) words.push(this.zipf.sample(rng));
    const count = rng.int(3);
    const first = rng.int(TAGS.length);
    const tags = count === 0 ? [] : count === 1 ? [TAGS[first] as string] : [TAGS[first] as string, TAGS[(first + 1 + rng.int(TAGS.length - 1)) % TAGS.length] as string];
    return { chat, sender, words, tags };
  }

  message(i: number): Message {
    const d = this.draw(i);
    return { chatId: `c${d.chat}`, sentAt: T0 + i * STEP, sender: `u${d.sender}`, body: d.words.map((w) => this.vocabulary[w]).join(' '), tags: d.tags };
  }

  /** Message indexes of chat c, ascending (= by sentAt). */
  chat(c: number): Int32Array {
    return this.#chatMessages.subarray(this.#chatStart[c], this.#chatStart[c + 1]);
  }

  /** The message index of a returned row (sentAt is unique). */
  indexOf(row: Row): number {
    const i = (row.sentAt - T0) / STEP;
    if (!Number.isInteger(i) || i < 0 || i >= this.n) fail(`row ${row._id} has sentAt ${row.sentAt}, not one of the data set`);
    return i;
  }

  /** How many messages hold a word starting with each of `prefixes` (the $text semantics). */
  textCounts(prefixes: readonly string[]): Map<string, number> {
    const matching = this.vocabulary.map((word) => prefixes.flatMap((p, q) => (word.startsWith(p) ? [q] : [])));
    const counts = new Int32Array(prefixes.length);
    const last = new Int32Array(prefixes.length).fill(-1);
    for (let i = 0; i < this.n; i++) {
      for (const w of this.draw(i).words) {
        for (const q of matching[w] as number[]) {
          if (last[q] !== i) {
            last[q] = i;
            (counts[q] as number)++;
          }
        }
      }
    }
    return new Map(prefixes.map((p, q) => [p, counts[q] as number]));
  }
}

function fail(message: string): never {
  throw new Error(`verification failed: ${message}`);
}

// ---------------------------------------------------------------- engines

/** What the workload asks of an engine. Rows carry `_id`. */
interface ChatStore {
  readonly name: string;
  readonly dir: string;
  /** Inserts docs[k] as message from + k (SQLite takes the ids synapsed gave); resolves with their ids. */
  insertBatch(docs: readonly Message[], from: number): Promise<readonly string[]>;
  close(): Promise<void>;
  reopen(): Promise<void>;
  latest(chatId: string, limit: number): Promise<Row[]>;
  senderCount(sender: string): Promise<number>;
  senderFirst(sender: string, limit: number): Promise<Row[]>;
  chatPrefix(chatId: string, prefix: string): Promise<Row[]>;
  /** Builds the text index over body; resolves with a reason when it cannot. */
  buildText(): Promise<string | undefined>;
  text(word: string, limit: number): Promise<Row[]>;
  textCount(word: string): Promise<number>;
  /** One line per query shape saying how it runs; throws if one would not use its index. */
  plans(withText: boolean): string[];
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

class SynapsedChat implements ChatStore {
  readonly name = 'synapsed';
  readonly dir: string;
  #store: Store | undefined;
  #messages: Collection<Message> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  async create(): Promise<void> {
    this.#store = (await Store.create(this.dir, { passphrase: PASSPHRASE, kdf: KDF_FLOOR })).store;
    this.#messages = await Collection.open<Message>(this.#store, 'messages', { indexes: INDEXES });
  }

  get #m(): Collection<Message> {
    if (this.#messages === undefined) throw new Error('synapsed store is closed');
    return this.#messages;
  }

  insertBatch(docs: readonly Message[]): Promise<readonly string[]> {
    return this.#m.insertMany(docs);
  }
  async close(): Promise<void> {
    await this.#store?.close();
    this.#store = undefined;
    this.#messages = undefined;
  }
  async reopen(): Promise<void> {
    this.#store = await Store.open(this.dir, { passphrase: PASSPHRASE });
    this.#messages = await Collection.open<Message>(this.#store, 'messages');
  }
  latest(chatId: string, limit: number): Promise<Row[]> {
    return collect(this.#m.find({ chatId }, { sort: { sentAt: -1 }, limit })) as Promise<Row[]>;
  }
  senderCount(sender: string): Promise<number> {
    return this.#m.count({ sender });
  }
  senderFirst(sender: string, limit: number): Promise<Row[]> {
    return collect(this.#m.find({ sender }, { limit })) as Promise<Row[]>;
  }
  chatPrefix(chatId: string, prefix: string): Promise<Row[]> {
    return collect(this.#m.find({ chatId, body: { $startsWith: prefix } }, { sort: { sentAt: -1 } })) as Promise<Row[]>;
  }
  async buildText(): Promise<string | undefined> {
    try {
      await this.#m.createIndex(TEXT_INDEX);
      return undefined;
    } catch (error) {
      return `text index not available: ${(error as Error).message}`;
    }
  }
  text(word: string, limit: number): Promise<Row[]> {
    return collect(this.#m.find({ $text: { $search: word } }, { limit })) as Promise<Row[]>;
  }
  textCount(word: string): Promise<number> {
    return this.#m.count({ $text: { $search: word } });
  }
  plans(withText: boolean): string[] {
    const shapes: Array<[string, Record<string, unknown>, Record<string, 1 | -1> | undefined, string, boolean]> = [
      ['latest 50', { chatId: 'c1' }, { sentAt: -1 }, 'chatId_sentAt', true],
      ['sender', { sender: 'u1' }, undefined, 'sender', false],
      ['chat + body $startsWith', { chatId: 'c1', body: { $startsWith: 'ka' } }, { sentAt: -1 }, 'chatId_sentAt', true],
      ...(withText ? [['$text', { $text: { $search: 'ka' } }, undefined, 'text_body', false] as [string, Record<string, unknown>, undefined, string, boolean]] : []),
    ];
    return shapes.map(([label, query, sort, index, sorted]) => {
      const e = this.#m.explain(query, sort === undefined ? {} : { sort });
      if (e.strategy !== 'index' || e.index !== index || (sorted && !e.sortedByIndex)) fail(`synapsed plans ${label} as ${JSON.stringify(e)}`);
      return `${label}: ${e.strategy} ${e.index}${e.sortedByIndex ? ', sorted by the index' : ''} (${e.estimatedCost})`;
    });
  }
}

/** The part of better-sqlite3 this file calls. */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  pluck(): Statement;
}
interface SqliteDatabase {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
type SqliteConstructor = new (file: string, options?: { fileMustExist?: boolean }) => SqliteDatabase;

const CHAT = `json_extract(doc, '$.chatId')`;
const SENT = `json_extract(doc, '$.sentAt')`;
const SENDER = `json_extract(doc, '$.sender')`;
const SQL = {
  latest: `SELECT id, doc FROM messages WHERE ${CHAT} = ? ORDER BY ${SENT} DESC LIMIT ?`,
  senderCount: `SELECT count(*) FROM messages WHERE ${SENDER} = ?`,
  senderFirst: `SELECT id, doc FROM messages WHERE ${SENDER} = ? LIMIT ?`,
  chatPrefix: `SELECT id, doc FROM messages WHERE ${CHAT} = ? AND substr(json_extract(doc, '$.body'), 1, ?) = ? ORDER BY ${SENT} DESC`,
  text: `SELECT m.id, m.doc FROM body_fts JOIN messages m ON m.rowid = body_fts.rowid WHERE body_fts MATCH ? LIMIT ?`,
  textCount: `SELECT count(*) FROM body_fts WHERE body_fts MATCH ?`,
} as const;

/** A word as an FTS5 prefix query ("word"*: any token starting with it). */
const ftsPrefix = (word: string): string => `"${word.replaceAll('"', '""')}"*`;
const toRow = (r: unknown): Row => {
  const { id, doc } = r as { id: string; doc: string };
  return { _id: id, ...(JSON.parse(doc) as Message) };
};

class SqliteChat implements ChatStore {
  readonly name = 'sqlcipher';
  readonly dir: string;
  readonly #Database: SqliteConstructor;
  readonly #ids: readonly string[];
  #db: SqliteDatabase | undefined;
  #insert: ((docs: readonly Message[], from: number) => void) | undefined;

  constructor(Database: SqliteConstructor, dir: string, ids: readonly string[]) {
    this.#Database = Database;
    this.dir = dir;
    this.#ids = ids;
  }

  async open(create: boolean): Promise<void> {
    if (create) await mkdir(this.dir, { recursive: true });
    const db = new this.#Database(join(this.dir, 'chat.db'), { fileMustExist: !create });
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
    db.pragma(`key = "x'${Buffer.from(PEER_KEY).toString('hex')}'"`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536'); // 64 MiB, synapsed's default block cache
    if (create) {
      db.exec(`CREATE TABLE messages (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE INDEX messages_chat_sent ON messages (${CHAT}, ${SENT});
        CREATE INDEX messages_sender ON messages (${SENDER});
        CREATE TABLE message_tags (tag TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tag, id)) WITHOUT ROWID;`);
    }
    this.#db = db;
  }

  get #d(): SqliteDatabase {
    if (this.#db === undefined) throw new Error('sqlite store is closed');
    return this.#db;
  }

  /** Statements are prepared once per open database (FTS ones only once the table exists). */
  readonly #statements = new Map<string, Statement>();
  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#d.prepare(sql);
      if (sql === SQL.senderCount || sql === SQL.textCount) statement = statement.pluck();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  insertBatch(docs: readonly Message[], from: number): Promise<readonly string[]> {
    if (this.#insert === undefined) {
      const message = this.#d.prepare('INSERT INTO messages (id, doc) VALUES (?, ?)');
      const tag = this.#d.prepare('INSERT INTO message_tags (tag, id) VALUES (?, ?)');
      this.#insert = this.#d.transaction((batch: readonly Message[], first: number) => {
        for (let k = 0; k < batch.length; k++) {
          const doc = batch[k] as Message;
          const id = this.#ids[first + k] as string;
          message.run(id, JSON.stringify(doc));
          for (const t of doc.tags) tag.run(t, id);
        }
      });
    }
    this.#insert(docs, from);
    return Promise.resolve(this.#ids.slice(from, from + docs.length));
  }
  close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#insert = undefined;
    this.#statements.clear();
    return Promise.resolve();
  }
  reopen(): Promise<void> {
    return this.open(false);
  }
  latest(chatId: string, limit: number): Promise<Row[]> {
    return Promise.resolve(this.#stmt(SQL.latest).all(chatId, limit).map(toRow));
  }
  senderCount(sender: string): Promise<number> {
    return Promise.resolve(this.#stmt(SQL.senderCount).get(sender) as number);
  }
  senderFirst(sender: string, limit: number): Promise<Row[]> {
    return Promise.resolve(this.#stmt(SQL.senderFirst).all(sender, limit).map(toRow));
  }
  chatPrefix(chatId: string, prefix: string): Promise<Row[]> {
    return Promise.resolve(this.#stmt(SQL.chatPrefix).all(chatId, prefix.length, prefix).map(toRow));
  }
  buildText(): Promise<string | undefined> {
    const d = this.#d;
    d.exec(`CREATE VIRTUAL TABLE body_fts USING fts5(body, content = '', tokenize = 'unicode61 remove_diacritics 2');
      INSERT INTO body_fts (rowid, body) SELECT rowid, json_extract(doc, '$.body') FROM messages;`);
    return Promise.resolve(undefined);
  }
  text(word: string, limit: number): Promise<Row[]> {
    return Promise.resolve(this.#stmt(SQL.text).all(ftsPrefix(word), limit).map(toRow));
  }
  textCount(word: string): Promise<number> {
    return Promise.resolve(this.#stmt(SQL.textCount).get(ftsPrefix(word)) as number);
  }
  plans(withText: boolean): string[] {
    const shapes: Array<[string, string, unknown[], boolean]> = [
      ['latest 50', SQL.latest, ['c1', LATEST], true],
      ['sender count', SQL.senderCount, ['u1'], false],
      ['sender first 100', SQL.senderFirst, ['u1', FIRST], false],
      ['chat + body prefix', SQL.chatPrefix, ['c1', 2, 'ka'], true],
      ...(withText ? [['$text (FTS5)', SQL.text, [ftsPrefix('ka'), LATEST], false] as [string, string, unknown[], boolean]] : []),
    ];
    return shapes.map(([label, sql, params, sorted]) => {
      const detail = this.#d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => (r as { detail: string }).detail).join('; ');
      if (!/INDEX/.test(detail) || (sorted && /TEMP B-TREE/.test(detail))) fail(`sqlite plans ${label} as ${detail}`);
      return `${label}: ${detail}`;
    });
  }
}

// --------------------------------------------------------------- workload

interface Queries {
  /** Chats with at least 50 messages, for the full-content check before timing. */
  readonly verifyChats: number[];
  readonly latestChats: number[];
  readonly senders: number[];
  readonly prefixes: Array<readonly [number, string]>;
  readonly words: string[];
}

function makeQueries(data: ChatData, seed: number): Queries {
  const rng = new Rng(mix32(seed, 0x71756572));
  const verifyChats: number[] = [];
  for (let tries = 0; verifyChats.length < 20 && tries < 100_000; tries++) {
    const c = rng.int(data.chats);
    if (data.chat(c).length >= LATEST) verifyChats.push(c);
  }
  if (verifyChats.length === 0) throw new Error(`no chat has ${LATEST} messages: raise --n`);
  return {
    verifyChats,
    latestChats: Array.from({ length: 1000 }, () => rng.int(data.chats)),
    senders: Array.from({ length: 200 }, () => rng.int(USERS)),
    // The body's first word is Zipf-drawn too, so common words match a few messages of a chat.
    prefixes: Array.from({ length: 200 }, () => [rng.int(data.chats), data.vocabulary[data.zipf.sample(rng)] as string] as const),
    words: Array.from({ length: 200 }, () => data.vocabulary[100 + rng.int(VOCABULARY - 100)] as string),
  };
}

const canonical = (m: Message): string => JSON.stringify([m.chatId, m.sentAt, m.sender, m.body, m.tags]);

/** Rows must be exactly messages `expected`, in that order (and equal to the data set when `full`). */
function checkOrdered(label: string, data: ChatData, ids: readonly string[], rows: readonly Row[], expected: ArrayLike<number>, full: boolean): void {
  if (rows.length !== expected.length) fail(`${label}: ${rows.length} rows, expected ${expected.length}`);
  for (let k = 0; k < rows.length; k++) {
    const i = expected[k] as number;
    const row = rows[k] as Row;
    if (row._id !== ids[i] || row.sentAt !== T0 + i * STEP) fail(`${label}: row ${k} is ${row._id} @ ${row.sentAt}, expected ${ids[i]} @ ${T0 + i * STEP}`);
    if (full && canonical(row) !== canonical(data.message(i))) fail(`${label}: row ${k} reads back as ${canonical(row)}, stored ${canonical(data.message(i))}`);
  }
}

/** Rows in any order: `count` distinct messages of the data set, each satisfying `holds`. */
function checkSet(label: string, data: ChatData, ids: readonly string[], rows: readonly Row[], count: number, holds: (i: number) => boolean): void {
  if (rows.length !== count) fail(`${label}: ${rows.length} rows, expected ${count}`);
  const seen = new Set<string>();
  for (const row of rows) {
    const i = data.indexOf(row);
    if (row._id !== ids[i] || seen.has(row._id) || !holds(i)) fail(`${label}: row ${row._id} (message ${i}) is wrong, repeated or does not match`);
    seen.add(row._id);
  }
}

const latestOf = (data: ChatData, c: number): number[] => [...data.chat(c).slice(-LATEST)].reverse();
const prefixOf = (data: ChatData, c: number, prefix: string): number[] =>
  [...data.chat(c)].filter((i) => data.message(i).body.startsWith(prefix)).reverse();
const hasWord = (data: ChatData, i: number, prefix: string): boolean => data.draw(i).words.some((w) => (data.vocabulary[w] as string).startsWith(prefix));

/** Latencies in ms of `run` over `args`; each answer is checked after its timing. */
async function timed<A, R>(args: readonly A[], run: (a: A) => Promise<R>, check: (a: A, r: R) => void): Promise<Latency> {
  const ms: number[] = [];
  for (const a of args) {
    const started = performance.now();
    const result = await run(a);
    ms.push(performance.now() - started);
    check(a, result);
  }
  return latency(ms);
}

interface Figures {
  readonly name: string;
  readonly insertRate: number;
  readonly insertCloseRate: number;
  readonly bytesLoaded: number;
  readonly reopenMs: number;
  readonly latest: Latency;
  /** The same 1,000 chats again, right after: their index and document blocks are cached now. */
  readonly latestWarm: Latency;
  readonly senderCount: Latency;
  readonly senderFirst: Latency;
  readonly chatPrefix: Latency;
  readonly textBuildRate: number | undefined;
  readonly text: Latency | undefined;
  readonly bytesWithText: number | undefined;
  readonly textNote: string | undefined;
  readonly plans: string[];
  /** The process's peak RSS when this engine's phase ended (a running maximum: it includes earlier phases). */
  readonly peakRssMiB: number;
}

interface Shared {
  readonly data: ChatData;
  readonly queries: Queries;
  /** Ids by message index, filled by the first engine. */
  readonly ids: string[];
  /** The first engine's answers to the sample queries; later engines must give the same. */
  readonly answers: Map<string, string>;
  readonly textCounts: () => Map<string, number>;
}

async function runEngine(store: ChatStore, { data, queries: q, ids, answers, textCounts }: Shared): Promise<Figures> {
  const log = (line: string): void => void process.stderr.write(`  [${store.name}] ${line} (peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)\n`);
  const agree = (key: string, value: string): void => {
    const first = answers.get(key);
    if (first === undefined) answers.set(key, value);
    else if (first !== value) fail(`${store.name} answers ${key} with ${value}, the first engine with ${first}`);
  };
  let busy = 0;
  for (let from = 0; from < data.n; from += BATCH) {
    const docs: Message[] = [];
    for (let i = from; i < Math.min(data.n, from + BATCH); i++) docs.push(data.message(i));
    const started = performance.now();
    const got = await store.insertBatch(docs, from);
    busy += performance.now() - started;
    if (got.length !== docs.length) fail(`insert of ${docs.length} returned ${got.length} ids`);
    if (ids.length === from) ids.push(...got);
    if ((from + BATCH) % 100_000 === 0) log(`inserted ${formatNumber(from + BATCH)} (${formatNumber((from + BATCH) / (busy / 1000))} docs/s)`);
  }
  let started = performance.now();
  await store.close();
  const closeMs = performance.now() - started;
  const bytesLoaded = await bytesOnDisk(store.dir);
  started = performance.now();
  await store.reopen();
  const reopenMs = performance.now() - started;
  const plans = store.plans(false);

  // Before timing: full contents of the latest 50 of sample chats, exact counts, the no-index filter.
  for (const c of q.verifyChats) {
    const rows = await store.latest(`c${c}`, LATEST);
    checkOrdered(`latest c${c}`, data, ids, rows, latestOf(data, c), true);
    agree(`latest c${c}`, rows.map((r) => r._id).join());
  }
  for (const s of q.senders.slice(0, 10)) {
    const n = await store.senderCount(`u${s}`);
    if (n !== data.senderCount[s]) fail(`count sender u${s}: ${n}, expected ${data.senderCount[s]}`);
    checkSet(`first sender u${s}`, data, ids, await store.senderFirst(`u${s}`, FIRST), Math.min(FIRST, n), (i) => data.draw(i).sender === s);
  }
  for (const [c, p] of q.prefixes.slice(0, 10)) {
    const rows = await store.chatPrefix(`c${c}`, p);
    checkOrdered(`c${c} ${p}*`, data, ids, rows, prefixOf(data, c, p), true);
    agree(`prefix c${c} ${p}`, rows.map((r) => r._id).join());
  }
  log('verified; timing queries');

  const runLatest = (): Promise<Latency> =>
    timed(q.latestChats, (c) => store.latest(`c${c}`, LATEST), (c, rows) => checkOrdered(`latest c${c}`, data, ids, rows, latestOf(data, c), false));
  const latest = await runLatest();
  const latestWarm = await runLatest();
  const senderCount = await timed(q.senders, (s) => store.senderCount(`u${s}`), (s, n) => {
    if (n !== data.senderCount[s]) fail(`count sender u${s}: ${n}, expected ${data.senderCount[s]}`);
  });
  const senderFirst = await timed(q.senders, (s) => store.senderFirst(`u${s}`, FIRST), (s, rows) =>
    checkSet(`first sender u${s}`, data, ids, rows, Math.min(FIRST, data.senderCount[s] as number), (i) => data.draw(i).sender === s));
  const chatPrefix = await timed(q.prefixes, ([c, p]) => store.chatPrefix(`c${c}`, p), ([c, p], rows) => checkOrdered(`c${c} ${p}*`, data, ids, rows, prefixOf(data, c, p), false));

  let text: Latency | undefined;
  let textBuildRate: number | undefined;
  started = performance.now();
  log('timed; building the text index');
  let textNote = await store.buildText();
  if (textNote === undefined) {
    textBuildRate = data.n / ((performance.now() - started) / 1000);
    try {
      plans.push(...store.plans(true).slice(-1));
      const expected = textCounts();
      for (const w of q.words.slice(0, 5)) {
        const n = await store.textCount(w);
        if (n !== expected.get(w)) fail(`$text count ${w}: ${n}, expected ${expected.get(w)}`);
      }
      text = await timed(q.words, (w) => store.text(w, LATEST), (w, rows) =>
        checkSet(`$text ${w}`, data, ids, rows, Math.min(LATEST, expected.get(w) as number), (i) => hasWord(data, i, w)));
    } catch (error) {
      // The text index is the newest part of the documents layer: report its failure, keep the other rows.
      textNote = `$text FAILED: ${(error as Error).message}`;
    }
  }
  await store.close();
  const bytesWithText = textNote === undefined ? await bytesOnDisk(store.dir) : undefined;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  log(`done; the close after the insert took ${closeMs.toFixed(0)} ms`);
  return {
    name: store.name, insertRate: data.n / (busy / 1000), insertCloseRate: data.n / ((busy + closeMs) / 1000), bytesLoaded, reopenMs,
    latest, latestWarm, senderCount, senderFirst, chatPrefix, textBuildRate, text, bytesWithText, textNote, plans, peakRssMiB,
  };
}

// ------------------------------------------------------------------ report

function printReport(data: ChatData, figures: readonly Figures[], notes: string[]): void {
  const us = figures.find((f) => f.name === 'synapsed');
  const peer = figures.find((f) => f.name === 'sqlcipher');
  const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(v < 10 ? 2 : 1));
  const rate = (v: number | undefined): string => (v === undefined ? '-' : formatNumber(v));
  const mib = (v: number | undefined): string => (v === undefined ? '-' : (v / 2 ** 20).toFixed(1));
  const rows: string[][] = [];
  const row = (label: string, unit: string, pick: (f: Figures) => number | undefined, format: (v: number | undefined) => string): void => {
    const a = us === undefined ? undefined : pick(us);
    const b = peer === undefined ? undefined : pick(peer);
    rows.push([label, unit, format(a), format(b), a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`]);
  };
  row('bulk insert, 3 indexes, batches of 1,000', 'docs/s', (f) => f.insertRate, rate);
  row('  the same, including the close after it', 'docs/s', (f) => f.insertCloseRate, rate);
  row('latest 50 of a chat (1,000 chats), p50', 'ms', (f) => f.latest.p50, ms);
  row('latest 50 of a chat, p99', 'ms', (f) => f.latest.p99, ms);
  row('  the same 1,000 chats again (cached), p50', 'ms', (f) => f.latestWarm.p50, ms);
  row('  the same 1,000 chats again (cached), p99', 'ms', (f) => f.latestWarm.p99, ms);
  row(`sender = X, count (~${Math.round(data.n / USERS).toLocaleString('en-US')} each), p50`, 'ms', (f) => f.senderCount.p50, ms);
  row('sender = X, count, p99', 'ms', (f) => f.senderCount.p99, ms);
  row('sender = X, first 100, p50', 'ms', (f) => f.senderFirst.p50, ms);
  row('sender = X, first 100, p99', 'ms', (f) => f.senderFirst.p99, ms);
  row(`chat + body $startsWith (no index on body), p50`, 'ms', (f) => f.chatPrefix.p50, ms);
  row('chat + body $startsWith, p99', 'ms', (f) => f.chatPrefix.p99, ms);
  row('text index build on the loaded data', 'docs/s', (f) => f.textBuildRate, rate);
  row('$text one word (prefix), first 50, p50', 'ms', (f) => f.text?.p50, ms);
  row('$text one word, first 50, p99', 'ms', (f) => f.text?.p99, ms);
  row('bytes on disk after load + close', 'MiB', (f) => f.bytesLoaded, mib);
  row('  with the text index, after close', 'MiB', (f) => f.bytesWithText, mib);
  row('reopen after load (synapsed: KDF floor)', 'ms', (f) => f.reopenMs, ms);
  console.log(`\nN = ${data.n.toLocaleString('en-US')} messages, ${data.chats.toLocaleString('en-US')} chats: p50 is the median; ratio = synapsed / sqlcipher (docs/s: higher is better; ms, MiB: lower is better)`);
  console.log(renderTable(['figure', 'unit', 'synapsed', 'sqlcipher', 'ratio'], rows));

  if (us !== undefined) {
    const insertRatio = peer === undefined ? undefined : us.insertRate / peer.insertRate;
    console.log('\ngoals of issue 5 (documents)');
    console.log(renderTable(['goal', 'target', 'measured', 'met'], [
      ['latest-50 p99, ms (first pass after reopen)', '< 5', ms(us.latest.p99), us.latest.p99 < 5 ? 'yes' : 'NO'],
      ['latest-50 p99, ms (second pass, cached)', '< 5', ms(us.latestWarm.p99), us.latestWarm.p99 < 5 ? 'yes' : 'NO'],
      ['indexed insert vs sqlcipher', '>= 1.00x', insertRatio === undefined ? '-' : `${insertRatio.toFixed(2)}x`, insertRatio === undefined ? '-' : insertRatio >= 1 ? 'yes' : 'NO'],
    ]));
  }
  for (const f of figures) {
    if (f.textNote !== undefined) notes.push(`${f.name}: ${f.textNote}`);
    for (const plan of f.plans) notes.push(`${f.name} plan, ${plan}`);
  }
  console.log(`\nnotes:\n${notes.map((note) => `- ${note}`).join('\n')}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const n = Number(value('n') ?? (quick ? 50_000 : 1_000_000));
  const seed = Number(value('seed') ?? 42);
  if (!Number.isInteger(n) || n < 5000) throw new Error('--n takes an integer of at least 5000');
  const base = value('dir') ?? (await mkdtemp(join(tmpdir(), 'synapsed-docs-bench-')));
  const keep = argv.includes('--keep');
  console.log(`documents benchmark (chat workload, issue 5), ${quick ? 'quick' : 'full'} mode: N = ${formatNumber(n)}; seed ${seed}; stores in ${base}`);
  for (const line of describeEnvironment()) console.log(`  ${line}`);
  console.log(`  load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)`);

  const data = new ChatData(n, seed);
  const queries = makeQueries(data, seed);
  let counts: Map<string, number> | undefined;
  const shared: Shared = { data, queries, ids: [], answers: new Map(), textCounts: () => (counts ??= data.textCounts(queries.words)) };
  const figures: Figures[] = [];
  const notes: string[] = [
    'both engines: relaxed durability (synapsed default; SQLite WAL + synchronous NORMAL), 64 MiB cache (synapsed block cache default; SQLite cache_size)',
    'sqlcipher: cipher sqlcipher (legacy 4), raw 32-byte key; messages (id TEXT PRIMARY KEY, doc TEXT) + expression indexes + message_tags (tag, id) WITHOUT ROWID; FTS5 contentless, unicode61 remove_diacritics 2',
    `queries run one at a time after a close and reopen; every answer is checked against the data set after its timing; SQLite rows are JSON.parse'd (synapsed decodes MessagePack)`,
  ];
  try {
    const us = new SynapsedChat(await mkdtemp(join(base, 'synapsed-')));
    process.stderr.write('running synapsed\n');
    await us.create();
    figures.push(await runEngine(us, shared));
    let Database: SqliteConstructor | undefined;
    try {
      Database = peerRequire('better-sqlite3-multiple-ciphers') as SqliteConstructor;
    } catch (error) {
      notes.unshift(`sqlcipher skipped: ${(error as Error).message}`);
    }
    if (Database !== undefined) {
      const peer = new SqliteChat(Database, await mkdtemp(join(base, 'sqlcipher-')), shared.ids);
      process.stderr.write('running sqlcipher\n');
      await peer.open(true);
      figures.push(await runEngine(peer, shared));
    }
  } finally {
    if (!keep && value('dir') === undefined) await rm(base, { recursive: true, force: true });
  }
  notes.push(`peak RSS of this process, a running maximum (harness and data set included): ${figures.map((f) => `${f.peakRssMiB.toFixed(0)} MiB after ${f.name}`).join(', ')}`);
  printReport(data, figures, notes);
  console.log(`  load average at end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
}

await main();
