/**
 * Key-value commands: get, put, del, scan on the store's own keyspace
 * (what `store.put` / `store.scan` see; documents and time series live in
 * their own namespaces).
 */
import type { ScanOptions } from '../../engine/input.ts';
import type { Context } from '../context.ts';
import { decodeArg, encodeJson, encodeText, mustEncoding, type Encoding } from '../encoding.ts';
import { CliExit, EXIT } from '../exit-codes.ts';

export interface EncodingOptions {
  readonly keyEncoding?: string;
  readonly valueEncoding?: string;
}

function encodings(options: EncodingOptions): { key: Encoding; value: Encoding } {
  return {
    key: mustEncoding('--key-encoding', options.keyEncoding ?? 'utf8'),
    value: mustEncoding('--value-encoding', options.valueEncoding ?? 'utf8'),
  };
}

/** Reads all of stdin. */
async function readStdin(ctx: Context): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

/** `get <dir> <key>`: prints the value; exit KEY_NOT_FOUND when absent. */
export async function get(ctx: Context, dir: string, keyText: string, options: EncodingOptions & { raw?: boolean }): Promise<void> {
  const enc = encodings(options);
  const key = decodeArg(keyText, enc.key, 'key');
  const value = await ctx.withStore(dir, (store) => store.get(key));
  if (value === undefined) throw new CliExit(EXIT.KEY_NOT_FOUND, 'key-not-found', `no such key: ${keyText}`);
  if (options.raw === true && !ctx.out.json) {
    ctx.out.raw(value);
    return;
  }
  ctx.out.result(encodeText(value, enc.value), { key: encodeJson(key, enc.key), value: encodeJson(value, enc.value) });
}

/** `put <dir> <key> [value]`: the value from the argument, or stdin when omitted or '-'. */
export async function put(ctx: Context, dir: string, keyText: string, valueText: string | undefined, options: EncodingOptions & { sync?: boolean }): Promise<void> {
  const enc = encodings(options);
  const key = decodeArg(keyText, enc.key, 'key');
  // Stdin is read before the store opens: a passphrase prompt needs the terminal afterwards.
  const value = valueText === undefined || valueText === '-' ? await readStdin(ctx) : decodeArg(valueText, enc.value, 'value');
  await ctx.withStore(dir, (store) => store.put(key, value, options.sync === true ? { durability: 'sync' } : {}));
  ctx.out.result(`put ${keyText} (${value.length} bytes)`, { ok: true, bytes: value.length });
}

/** `del <dir> <key>`: deletes (no error when absent, as `store.delete`). */
export async function del(ctx: Context, dir: string, keyText: string, options: EncodingOptions & { sync?: boolean }): Promise<void> {
  const enc = encodings(options);
  const key = decodeArg(keyText, enc.key, 'key');
  const existed = await ctx.withStore(dir, async (store) => {
    const had = await store.has(key);
    await store.delete(key, options.sync === true ? { durability: 'sync' } : {});
    return had;
  });
  ctx.out.result(existed ? `deleted ${keyText}` : `${keyText} did not exist`, { ok: true, existed });
}

export interface ScanCliOptions extends EncodingOptions {
  readonly prefix?: string;
  readonly gte?: string;
  readonly gt?: string;
  readonly lte?: string;
  readonly lt?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
  readonly keysOnly?: boolean;
}

/** `scan <dir>`: entries in key order, `key<TAB>value` per line (NDJSON with --json). */
export async function scan(ctx: Context, dir: string, options: ScanCliOptions): Promise<void> {
  const enc = encodings(options);
  const range: Record<string, unknown> = {};
  for (const bound of ['prefix', 'gte', 'gt', 'lte', 'lt'] as const) {
    const text = options[bound];
    if (text !== undefined) range[bound] = decodeArg(text, enc.key, `--${bound}`);
  }
  if (options.reverse === true) range.reverse = true;
  if (options.limit !== undefined) range.limit = options.limit;
  const count = await ctx.withStore(dir, async (store) => {
    let n = 0;
    for await (const [key, value] of store.scan(range as ScanOptions)) {
      ctx.throwIfInterrupted();
      n++;
      if (options.keysOnly === true) ctx.out.result(encodeText(key, enc.key), { key: encodeJson(key, enc.key) });
      else ctx.out.result(`${encodeText(key, enc.key)}\t${encodeText(value, enc.value)}`, { key: encodeJson(key, enc.key), value: encodeJson(value, enc.value) });
    }
    return n;
  });
  if (!ctx.out.json && ctx.io.stdout.isTTY === true) ctx.io.stderr.write(`(${count} entries)\n`);
}
