/**
 * Keys and values on the command line and in key-value NDJSON.
 *
 * Arguments are text: `--key-encoding` / `--value-encoding` say whether
 * that text is UTF-8 (default), hex or base64, both for input (put, get,
 * scan bounds) and output (get, scan).
 *
 * KV NDJSON (export, import): one entry per line,
 * `{"key": K, "value": V}`, where K and V are strings when the bytes are
 * valid UTF-8 and `{"$bytes": base64}` otherwise, as in the documents
 * layer's NDJSON. Any bytes round-trip.
 */
import { CliExit, EXIT } from './exit-codes.ts';
import { jsonBytes } from './output.ts';

export type Encoding = 'utf8' | 'hex' | 'base64';
export const ENCODINGS: readonly Encoding[] = ['utf8', 'hex', 'base64'];

/** Validates an encoding option. */
export function mustEncoding(option: string, value: string): Encoding {
  if ((ENCODINGS as readonly string[]).includes(value)) return value as Encoding;
  throw new CliExit(EXIT.USAGE, 'bad-encoding', `${option}: expected one of ${ENCODINGS.join(', ')}, got '${value}'`);
}

/** Argument text to bytes. */
export function decodeArg(text: string, encoding: Encoding, what: string): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(text);
  if (encoding === 'hex') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new CliExit(EXIT.USAGE, 'bad-encoding', `${what}: not hex`);
    return new Uint8Array(Buffer.from(text, 'hex'));
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new CliExit(EXIT.USAGE, 'bad-encoding', `${what}: not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Bytes to text for humans (UTF-8 lossy: invalid sequences show as U+FFFD). */
export function encodeText(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'hex') return Buffer.from(bytes).toString('hex');
  if (encoding === 'base64') return Buffer.from(bytes).toString('base64');
  return new TextDecoder().decode(bytes);
}

/** Bytes for a JSON result: the encoded string, or for utf8 `{ $bytes }` when not valid UTF-8. */
export function encodeJson(bytes: Uint8Array, encoding: Encoding): string | { $bytes: string } {
  return encoding === 'utf8' ? jsonBytes(bytes) : encodeText(bytes, encoding);
}

/** One KV NDJSON line, newline included. */
export function kvLine(key: Uint8Array, value: Uint8Array): string {
  return `${JSON.stringify({ key: jsonBytes(key), value: jsonBytes(value) })}\n`;
}

function bytesField(v: unknown): Uint8Array | undefined {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
  }
  return undefined;
}

/**
 * Parses one KV NDJSON line.
 * @throws {CliExit} DATA naming the line when it is not `{"key", "value"}`.
 */
export function parseKvLine(line: string, lineNumber: number): { key: Uint8Array; value: Uint8Array } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new CliExit(EXIT.DATA, 'bad-line', `line ${lineNumber}: not JSON`);
  }
  const o = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const key = bytesField(o.key);
  const value = bytesField(o.value);
  if (key === undefined || value === undefined) {
    throw new CliExit(EXIT.DATA, 'bad-line', `line ${lineNumber}: expected {"key": string | {"$bytes": base64}, "value": ...}`);
  }
  return { key, value };
}

