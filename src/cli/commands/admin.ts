/**
 * Store administration: init, info, verify, change-passphrase, rotate-key,
 * compact. Each opens the store with the credential from the allowed
 * sources (context.ts) and closes it before returning.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BlobStore } from '../../blobs/blob-store.ts';
import { Collection } from '../../documents/collection.ts';
import { readHeaderCopies, HEADER_FILES } from '../../engine/header-file.ts';
import { NAMESPACE, type Namespace } from '../../engine/input.ts';
import { Store } from '../../engine/storage.ts';
import type { VerifyReport } from '../../engine/verify.ts';
import type { KdfCost } from '../../keyring/kdf-params.ts';
import type { Context } from '../context.ts';
import { CliExit, EXIT } from '../exit-codes.ts';
import { formatBytes } from '../output.ts';

export interface InitOptions {
  readonly kdfMemory?: number;
  readonly kdfIterations?: number;
  readonly kdfParallelism?: number;
}

/** `init <dir>`: creates a store and shows its recovery code once. */
export async function init(ctx: Context, dir: string, options: InitOptions): Promise<void> {
  const passphrase = await ctx.newPassphrase(true);
  const kdf: Partial<Record<keyof KdfCost, number>> = {};
  if (options.kdfMemory !== undefined) kdf.memoryKiB = options.kdfMemory * 1024;
  if (options.kdfIterations !== undefined) kdf.iterations = options.kdfIterations;
  if (options.kdfParallelism !== undefined) kdf.parallelism = options.kdfParallelism;
  const { store, recoveryCode } = await Store.create(dir, { passphrase, kdf, signal: ctx.signal });
  await store.close();
  const code = recoveryCode.reveal();
  ctx.out.result(
    `Created an encrypted store in ${dir}.\n\nRecovery code, shown this once: write it down and keep it offline.\nIt opens the store if the passphrase is lost.\n\n    ${code}\n`,
    { dir, recoveryCode: code },
  );
}

/** Bytes on disk under `dir`, split into header copies, LevelDB and other files (blobs). */
async function diskUsage(dir: string): Promise<{ total: number; header: number; db: number; other: number; files: number }> {
  const usage = { total: 0, header: 0, db: 0, other: 0, files: 0 };
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const size = (await stat(full)).size;
        const rel = relative(dir, full);
        usage.total += size;
        usage.files++;
        if ((HEADER_FILES as readonly string[]).includes(rel)) usage.header += size;
        else if (rel.startsWith(`db${sep}`)) usage.db += size;
        else usage.other += size;
      }
    }
  };
  await walk(dir);
  return usage;
}

/** Entries of one namespace. */
async function countEntries(store: Store, ns: Namespace): Promise<number> {
  let n = 0;
  for await (const _ of (ns === NAMESPACE.USER ? store : store.keyspace(ns)).scan()) n++;
  return n;
}

/**
 * Collection names, from the catalog's keys in the SYSTEM keyspace
 * (`documents/c/<name>`, documents/catalog.ts).
 */
async function collectionNames(store: Store): Promise<string[]> {
  const names: string[] = [];
  const prefix = 'documents/c/';
  for await (const [key] of store.keyspace(NAMESPACE.SYSTEM).scan({ prefix })) names.push(new TextDecoder().decode(key).slice(prefix.length));
  return names;
}

/** `info <dir>`: header, sizes, engine figures and record counts. */
export async function info(ctx: Context, dir: string): Promise<void> {
  const copies = await readHeaderCopies(dir);
  const present = copies.filter((c) => c !== undefined) as Uint8Array[];
  // Byte 8, after the 8-byte magic, is the header layout version in every layout.
  const headerVersion = present.length === 0 ? undefined : Math.max(...present.map((c) => c[8] ?? 0));
  await ctx.withStore(dir, async (store) => {
    const stats = store.stats();
    const collections: Array<{ name: string; documents: number }> = [];
    for (const name of await collectionNames(store)) {
      const collection = await Collection.open(store, name);
      collections.push({ name, documents: await collection.count() });
    }
    const records = {
      keys: await countEntries(store, NAMESPACE.USER),
      documentEntries: await countEntries(store, NAMESPACE.DOCUMENTS),
      timeSeriesEntries: await countEntries(store, NAMESPACE.TIMESERIES),
      blobEntries: await countEntries(store, NAMESPACE.BLOBS),
      systemEntries: await countEntries(store, NAMESPACE.SYSTEM),
    };
    const blobs = { count: 0, bytes: 0 };
    for await (const b of BlobStore.of(store).list()) {
      blobs.count++;
      blobs.bytes += b.size;
    }
    const disk = await diskUsage(dir);
    const data = { dir, headerVersion, headerCopies: present.length, keyEpoch: stats.keyEpoch, disk, records, collections, blobs, stats };
    const lines = [
      `store        ${dir}`,
      `header       layout ${headerVersion ?? '?'}, ${present.length} of ${HEADER_FILES.length} copies present`,
      `key epoch    ${stats.keyEpoch}`,
      `on disk      ${formatBytes(disk.total)} in ${disk.files} files (LevelDB ${formatBytes(disk.db)}, headers ${formatBytes(disk.header)}, other ${formatBytes(disk.other)})`,
      `keys         ${records.keys.toLocaleString('en-US')} key-value entries`,
      `collections  ${collections.length === 0 ? 'none' : collections.map((c) => `${c.name} (${c.documents.toLocaleString('en-US')} documents)`).join(', ')}`,
      `blobs        ${blobs.count.toLocaleString('en-US')} (${formatBytes(blobs.bytes)})`,
      `entries      documents+indexes ${records.documentEntries}, time series ${records.timeSeriesEntries}, blobs ${records.blobEntries}, system ${records.systemEntries}`,
      `engine       seq ${stats.lastSeq}, ${stats.runs} runs, memtable ${formatBytes(stats.memtableBytes)}, cache ${formatBytes(stats.cacheBytes)}`,
      `since open   ${stats.commits} commits, ${stats.flushes} flushes, ${stats.merges} merges`,
    ];
    ctx.out.result(lines.join('\n'), data);
  });
}

/** `verify <dir>`: authenticates every stored record, then every blob chunk; exit INTEGRITY when anything is damaged. */
export async function verify(ctx: Context, dir: string): Promise<void> {
  const { report, blobReport } = await ctx.withStore(dir, async (store) => {
    const bar = ctx.progress('verify', 'records', 0);
    let engine: VerifyReport;
    try {
      engine = await store.verify({ signal: ctx.signal, onProgress: (p) => bar.update(p.done, p.total) });
    } finally {
      bar.stop();
    }
    const blobs = BlobStore.of(store);
    let blobTotal = 0;
    for await (const b of blobs.list({ signal: ctx.signal })) blobTotal += b.size;
    const blobBar = blobTotal > 0 ? ctx.progress('verify blobs', 'bytes', blobTotal) : undefined;
    try {
      return { report: engine, blobReport: await blobs.verify({ signal: ctx.signal, onProgress: (p) => blobBar?.update(p.bytes) }) };
    } finally {
      blobBar?.stop();
    }
  });
  const c = report.checked;
  const summary = `checked ${c.headerCopies} header copies, ${c.walRecords} WAL records, ${c.runs} runs, ${c.blocks} blocks, ${c.largeValues} large values, ` +
    `${blobReport.blobs} blobs (${formatBytes(blobReport.bytes)})`;
  const problems = [
    ...report.problems.map((p) => ({
      where: p.where, id: p.id, code: p.code, detail: p.detail,
      ...(p.firstKey === undefined ? {} : { firstKey: Buffer.from(p.firstKey).toString('hex') }),
      ...(p.lastKey === undefined ? {} : { lastKey: Buffer.from(p.lastKey).toString('hex') }),
    })),
    ...blobReport.problems.map((p) => ({ where: 'blob', id: p.id, code: (p.error as { code?: string }).code ?? 'error', detail: p.error.message })),
  ];
  const ok = problems.length === 0;
  const human = ok ? `ok: ${summary}` : [`DAMAGED: ${summary}`, ...problems.map((p) => `  ${p.where} ${p.id}: ${p.code} ${p.detail}`)].join('\n');
  ctx.out.result(human, { ok, checked: { ...c, blobs: blobReport.blobs, blobBytes: blobReport.bytes }, problems });
  if (!ok) throw new CliExit(EXIT.INTEGRITY, 'damaged', `verify found ${problems.length} damaged record(s)`);
}

/** `change-passphrase <dir>`: rewrites the header only (instant at any size). */
export async function changePassphrase(ctx: Context, dir: string): Promise<void> {
  const current = await ctx.passphrase();
  const next = await ctx.newPassphrase(false);
  const store = await Store.open(dir, { passphrase: current, signal: ctx.signal });
  try {
    await store.changePassphrase(current, next, { signal: ctx.signal });
  } finally {
    await store.close();
  }
  ctx.out.result('passphrase changed', { ok: true });
}

/** `rotate-key <dir>`: a new data key; every record re-encrypted under it, with progress. */
export async function rotateKey(ctx: Context, dir: string): Promise<void> {
  const started = performance.now();
  const epoch = await ctx.withStore(dir, async (store) => {
    const bar = ctx.progress('rotate-key', 'records', 0);
    try {
      await store.rotateKey({ signal: ctx.signal, onProgress: (p) => bar.update(p.done, p.total) });
    } finally {
      bar.stop();
    }
    return store.stats().keyEpoch;
  });
  const ms = Math.round(performance.now() - started);
  ctx.out.result(`rotated: key epoch ${epoch}, every record re-encrypted (${ms} ms)`, { ok: true, keyEpoch: epoch, ms });
}

/**
 * `compact <dir>`: the store has no compaction call yet; this flushes the
 * memtable into an encrypted run (so the WAL is emptied and LevelDB is asked
 * to compact its range), which is what an operator can do today.
 */
export async function compact(ctx: Context, dir: string): Promise<void> {
  const before = await diskUsage(dir);
  const stats = await ctx.withStore(dir, async (store) => {
    await store.flush();
    return store.stats();
  });
  const after = await diskUsage(dir);
  ctx.out.result(
    `flushed the memtable (${stats.runs} runs now); on disk ${formatBytes(before.total)} -> ${formatBytes(after.total)}\n` +
      'note: there is no full compaction yet (store.compact does not exist); merges run in the background as runs accumulate',
    { ok: true, flushed: true, fullCompaction: false, bytesBefore: before.total, bytesAfter: after.total, runs: stats.runs },
  );
}
