/**
 * Passphrases and recovery codes for the CLI: never from argv (the process
 * list and shell history would show them), but from, in this order,
 *
 * 1. a file descriptor (`--passphrase-fd 3`): the first line of what the
 *    parent process writes there (read byte by byte, so several secrets can
 *    share one descriptor, one per line);
 * 2. an environment variable (`SYNAPSED_PASSPHRASE`, ...);
 * 3. a hidden prompt on the terminal (stdin and stderr a TTY; no echo).
 *
 * With none of them available the command stops with the usage exit code
 * instead of hanging on a prompt nobody can answer.
 */
import { readSync } from 'node:fs';
import { CliExit, EXIT } from './exit-codes.ts';
import type { CliIo } from './output.ts';

/** Where one secret may come from. */
export interface SecretSource {
  /** The descriptor given on the command line, if any. */
  readonly fd: number | undefined;
  /** The option that sets `fd`, for messages (e.g. '--passphrase-fd'). */
  readonly fdOption: string;
  /** The environment variable, e.g. 'SYNAPSED_PASSPHRASE'. */
  readonly env: string;
  /** The prompt text, e.g. 'Passphrase: '. */
  readonly prompt: string;
  /** Ask twice on a terminal and require the same answer (new passphrases). */
  readonly confirm?: boolean;
  /** What it is, for messages ('passphrase', 'new passphrase', 'recovery code'). */
  readonly what: string;
}

const MAX_SECRET_BYTES = 64 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Reads one line from `fd`, without reading past its newline. */
export function readLineFromFd(fd: number, what: string): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A non-blocking pipe with nothing yet: wait a little and try again.
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw new CliExit(EXIT.USAGE, 'bad-fd', `cannot read the ${what} from file descriptor ${fd}: ${code ?? String(error)}`);
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0] as number);
    if (bytes.length > MAX_SECRET_BYTES) throw new CliExit(EXIT.USAGE, 'bad-fd', `the ${what} on file descriptor ${fd} is longer than ${MAX_SECRET_BYTES} bytes`);
  }
  if (bytes[bytes.length - 1] === 0x0d) bytes.pop();
  return Buffer.from(bytes).toString('utf8');
}

/** Asks on the terminal with echo off; resolves with what was typed before Enter. */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  // Echo off before the question shows: an answer typed at once must not be echoed.
  stdin.setRawMode(true);
  io.stderr.write(question);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new CliExit(EXIT.INTERRUPTED, 'interrupted', 'interrupted at the prompt'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** True when a hidden prompt can be shown and answered. */
export function canPrompt(io: CliIo): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true && typeof io.stdin.setRawMode === 'function';
}

/**
 * The secret from the first available source.
 * @throws {CliExit} USAGE when there is no source, the secret is empty, or two prompts disagree.
 */
export async function readSecret(io: CliIo, source: SecretSource): Promise<string> {
  let secret: string;
  if (source.fd !== undefined) secret = readLineFromFd(source.fd, source.what);
  else if (io.env[source.env] !== undefined) secret = io.env[source.env] as string;
  else if (canPrompt(io)) {
    secret = await promptHidden(io, source.prompt);
    if (source.confirm === true && (await promptHidden(io, `Repeat ${source.prompt.charAt(0).toLowerCase()}${source.prompt.slice(1)}`)) !== secret) {
      throw new CliExit(EXIT.USAGE, 'mismatch', `the two ${source.what}s differ`);
    }
  } else {
    throw new CliExit(EXIT.USAGE, 'no-secret', `no ${source.what}: give ${source.fdOption} N, set ${source.env}, or run in a terminal`);
  }
  if (secret.length === 0) throw new CliExit(EXIT.USAGE, 'empty-secret', `the ${source.what} is empty`);
  return secret;
}
