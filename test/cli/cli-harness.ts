/**
 * Runs the `synapsed` CLI as a child process (through tsx, from src/) and
 * collects its exit code and output, as a user's shell would see them.
 * Stores are created through the CLI itself at the Argon2id floor, so each
 * test pays about 0.1 s per unlock.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { KDF_FLOOR } from '../../src/index.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = resolve(ROOT, 'src/cli/main.ts');
export const PASSPHRASE = 'correct horse battery staple';
/** `init` options for the cheapest legal KDF. */
export const FAST_INIT = ['--kdf-memory', String(KDF_FLOOR.memoryKiB / 1024), '--kdf-iterations', String(KDF_FLOOR.iterations), '--kdf-parallelism', String(KDF_FLOOR.parallelism)];

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

export interface CliOptions {
  /** Environment additions; SYNAPSED_* variables of the parent are never inherited. */
  readonly env?: Record<string, string>;
  /** Written to stdin, then stdin is closed (empty and closed when absent). */
  readonly input?: string | Uint8Array;
  /** Written to descriptor 3 of the child, then closed. */
  readonly fd3?: string;
}

/** Runs `synapsed ...args`; resolves when the process exits. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SYNAPSED_') && v !== undefined) env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe', ...(options.fd3 === undefined ? [] : ['pipe' as const])],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  if (options.fd3 !== undefined) {
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    fd3.end(options.fd3);
  }
  child.stdin.end(options.input ?? '');
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolvePromise({ code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}

/** The environment carrying the test passphrase. */
export const WITH_PASSPHRASE: Record<string, string> = { SYNAPSED_PASSPHRASE: PASSPHRASE };

/** `init` through the CLI; returns the recovery code. */
export async function initStore(dir: string): Promise<string> {
  const r = await cli(['init', dir, '--json', ...FAST_INIT], { env: WITH_PASSPHRASE });
  if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { recoveryCode: string }).recoveryCode;
}

/** Parses NDJSON output into objects. */
export function ndjson(text: string): unknown[] {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}
