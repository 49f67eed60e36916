/**
 * What every command gets: the output printer, the global options, an
 * abort signal wired to Ctrl-C / SIGTERM, progress bars, and a way to open
 * the store with the credential from the allowed sources (secrets.ts).
 */
import { Store } from '../engine/storage.ts';
import type { UnlockCredential } from '../keyring/keyring.ts';
import { CliExit, EXIT } from './exit-codes.ts';
import { Output, type CliIo } from './output.ts';
import { startProgress, type Progress } from './progress.ts';
import { readSecret } from './secrets.ts';

/** Options every command accepts (commander merges them from the program). */
export interface GlobalOptions {
  readonly json?: boolean;
  /** false with --no-progress. */
  readonly progress?: boolean;
  readonly passphraseFd?: number;
  readonly newPassphraseFd?: number;
  readonly recoveryCodeFd?: number;
}

export const ENV = {
  PASSPHRASE: 'SYNAPSED_PASSPHRASE',
  NEW_PASSPHRASE: 'SYNAPSED_NEW_PASSPHRASE',
  RECOVERY_CODE: 'SYNAPSED_RECOVERY_CODE',
} as const;

export class Context {
  readonly io: CliIo;
  readonly out: Output;
  readonly options: GlobalOptions;
  readonly signal: AbortSignal;

  constructor(io: CliIo, options: GlobalOptions, signal: AbortSignal) {
    this.io = io;
    this.options = options;
    this.out = new Output(io, options.json === true);
    this.signal = signal;
  }

  /** A progress bar, drawn only when stdout is a terminal and neither --json nor --no-progress is given. */
  progress(label: string, unit: string, total: number): Progress {
    const enabled = this.io.stdout.isTTY === true && this.options.json !== true && this.options.progress !== false;
    return startProgress({ enabled, label, unit, total, stream: this.io.stderr });
  }

  /** The current passphrase (fd, SYNAPSED_PASSPHRASE, or a prompt). */
  passphrase(): Promise<string> {
    return readSecret(this.io, { fd: this.options.passphraseFd, fdOption: '--passphrase-fd', env: ENV.PASSPHRASE, prompt: 'Passphrase: ', what: 'passphrase' });
  }

  /** A new passphrase for init (ENV.PASSPHRASE) or change-passphrase (ENV.NEW_PASSPHRASE); a prompt asks twice. */
  newPassphrase(forInit: boolean): Promise<string> {
    return forInit
      ? readSecret(this.io, { fd: this.options.passphraseFd, fdOption: '--passphrase-fd', env: ENV.PASSPHRASE, prompt: 'New passphrase: ', what: 'passphrase', confirm: true })
      : readSecret(this.io, { fd: this.options.newPassphraseFd, fdOption: '--new-passphrase-fd', env: ENV.NEW_PASSPHRASE, prompt: 'New passphrase: ', what: 'new passphrase', confirm: true });
  }

  /** The credential to open with: the recovery code when one is given (fd or env), else the passphrase. */
  async credential(): Promise<UnlockCredential> {
    if (this.options.recoveryCodeFd !== undefined || this.io.env[ENV.RECOVERY_CODE] !== undefined) {
      const recoveryCode = await readSecret(this.io, {
        fd: this.options.recoveryCodeFd, fdOption: '--recovery-code-fd', env: ENV.RECOVERY_CODE, prompt: 'Recovery code: ', what: 'recovery code',
      });
      return { recoveryCode };
    }
    return { passphrase: await this.passphrase() };
  }

  /** Opens the store in `dir` with the credential from the allowed sources. */
  async open(dir: string): Promise<Store> {
    return Store.open(dir, { ...(await this.credential()), signal: this.signal });
  }

  /** Runs `fn` on the opened store and closes it whatever happens. */
  async withStore<T>(dir: string, fn: (store: Store) => Promise<T>): Promise<T> {
    const store = await this.open(dir);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  /** Throws `CliExit(INTERRUPTED)` once the signal fired. */
  throwIfInterrupted(): void {
    if (this.signal.aborted) throw new CliExit(EXIT.INTERRUPTED, 'interrupted', 'interrupted');
  }
}
