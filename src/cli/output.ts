/**
 * Where the CLI reads and writes, and how it prints: human text or, with
 * `--json`, one JSON document per result (NDJSON for listings) on stdout.
 * Errors always go to stderr (a JSON object under `--json`), so stdout
 * carries only data and can be piped.
 *
 * Bytes that are not valid UTF-8 travel in JSON as `{ "$bytes": base64 }`,
 * the convention of the documents layer's NDJSON (documents/ndjson.ts).
 */
import { exitCodeOf, reasonOf } from './exit-codes.ts';

/** The process streams, injectable. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

/** The streams of this process. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** JSON-safe form of bytes: the string when valid UTF-8, else `{ $bytes: base64 }`. */
export function jsonBytes(bytes: Uint8Array): string | { $bytes: string } {
  const text = strictUtf8(bytes);
  return text ?? { $bytes: Buffer.from(bytes).toString('base64') };
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes` if they are valid UTF-8, else undefined. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

export class Output {
  readonly #io: CliIo;
  readonly json: boolean;

  constructor(io: CliIo, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  /** A result: `human` text as a line, or `data` as one JSON line under --json. */
  result(human: string, data: unknown): void {
    this.#io.stdout.write(this.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  }

  /** Raw bytes to stdout (get --raw). */
  raw(bytes: Uint8Array): void {
    this.#io.stdout.write(bytes);
  }

  /** A line of text for humans (on stderr under --json, so stdout stays machine-readable). */
  note(text: string): void {
    (this.json ? this.#io.stderr : this.#io.stdout).write(`${text}\n`);
  }

  /** Reports a failure on stderr. */
  error(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.json) {
      this.#io.stderr.write(`${JSON.stringify({ error: { reason: reasonOf(error), exitCode: exitCodeOf(error), message } })}\n`);
    } else {
      this.#io.stderr.write(`synapsed: ${message}\n`);
    }
  }
}

/** Bytes as a short human size: 1.5 KiB, 12.0 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] as string}`;
}
