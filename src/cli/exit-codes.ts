/**
 * Exit codes of the `synapsed` CLI, one per class of failure, so scripts
 * can branch without parsing messages. docs/cli.md lists the same table;
 * test/cli/exit-codes.test.ts checks both agree.
 *
 * `CliExit` is the CLI's own control flow (a usage problem, a missing key,
 * a damaged store found by verify): it carries the exit code and a message
 * for stderr. It never leaves the CLI, so it is not one of the package's
 * error classes (src/errors.ts); library failures keep their classes and
 * are mapped here by `code`.
 */
import { SynapsedError } from '../errors.ts';

/** Exit code per outcome. Stable: scripts depend on them. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** An unexpected failure (a bug, or an error without a class): the message says what. */
  FAILURE: 1,
  /** Bad command line: unknown command or option, bad value, no passphrase source. */
  USAGE: 2,
  /** The passphrase or recovery code does not unlock the store. */
  WRONG_CREDENTIAL: 3,
  /** No store in the directory. */
  STORE_NOT_FOUND: 4,
  /** `get`: the key (or document) does not exist. */
  KEY_NOT_FOUND: 5,
  /** `init`: a store already exists in the directory. */
  STORE_EXISTS: 6,
  /** Another process has the store open. */
  STORE_LOCKED: 7,
  /** Stored bytes failed authentication, or `verify` found damage. */
  INTEGRITY: 8,
  /** The store was written by a newer version of synapsed-storage. */
  FORMAT_VERSION: 9,
  /** The disk failed or is full. */
  IO: 10,
  /** Input data was refused: a bad NDJSON line, a value too large, a unique-index violation, a bad query. */
  DATA: 11,
  /** Interrupted (Ctrl-C, SIGTERM): the operation stopped cleanly. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** By error code (strings, so codes added later map once listed here; unlisted ones are FAILURE). */
const BY_CODE: Readonly<Record<string, ExitCode>> = {
  SYN_INVALID_ARGUMENT: EXIT.USAGE,
  SYN_WRONG_PASSPHRASE: EXIT.WRONG_CREDENTIAL,
  SYN_INTEGRITY: EXIT.INTEGRITY,
  SYN_KDF_TOO_WEAK: EXIT.INTEGRITY,
  SYN_FORMAT_VERSION: EXIT.FORMAT_VERSION,
  SYN_STORE_LOCKED: EXIT.STORE_LOCKED,
  SYN_STORE_NOT_FOUND: EXIT.STORE_NOT_FOUND,
  SYN_STORE_EXISTS: EXIT.STORE_EXISTS,
  SYN_ABORTED: EXIT.INTERRUPTED,
  SYN_CLOSED: EXIT.FAILURE,
  SYN_VALUE_TOO_LARGE: EXIT.DATA,
  SYN_TRANSACTION_CONFLICT: EXIT.FAILURE,
  SYN_IO: EXIT.IO,
  SYN_STORAGE_FULL: EXIT.IO,
  SYN_QUERY: EXIT.DATA,
  SYN_UNIQUE_CONSTRAINT: EXIT.DATA,
  SYN_BLOB_NOT_FOUND: EXIT.KEY_NOT_FOUND,
  SYN_LAST_KEY_SLOT: EXIT.USAGE,
  SYN_READ_ONLY: EXIT.USAGE,
  SYN_UNLOCK_REQUIRED: EXIT.WRONG_CREDENTIAL,
};

/** A CLI outcome other than success, with its exit code. */
export class CliExit extends Error {
  readonly exitCode: ExitCode;
  /** A short machine-readable reason for `--json` output, e.g. 'key-not-found'. */
  readonly reason: string;
  constructor(exitCode: ExitCode, reason: string, message: string) {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
    this.reason = reason;
  }
}

/** The exit code for any thrown value. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof SynapsedError) return BY_CODE[error.code] ?? EXIT.FAILURE;
  // A system error on a file the command was given (ENOENT, EEXIST, EACCES, EPIPE...).
  if (isSystemError(error)) return EXIT.IO;
  return EXIT.FAILURE;
}

function isSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** The short reason for `--json` error output: the error code, or the CLI's reason. */
export function reasonOf(error: unknown): string {
  if (error instanceof CliExit) return error.reason;
  if (error instanceof SynapsedError) return error.code;
  if (isSystemError(error)) return (error as { code: string }).code;
  return 'error';
}
