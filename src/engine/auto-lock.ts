/**
 * Auto-lock: locks a store after `idleMs` without calls, as password vaults
 * do. Every public call marks activity (storage.ts `#check`); one unref'd
 * timer wakes when the idle time could have run out, compares the injected
 * clock with the last activity, and either locks or sleeps for the rest.
 * Decisions use the clock, never the timer's own timing, so a test can
 * freeze or advance time and get the same outcome on any machine.
 */
import { InvalidArgumentError } from '../errors.ts';
import { mustCallback, mustInteger, mustOptions } from '../util/validate.ts';

/** `autoLock` option of `Store.open` / `Store.create`. */
export interface AutoLockOptions {
  /** Lock after this many milliseconds without a call. At least 1. */
  readonly idleMs: number;
  /** Called after an automatic lock (e.g. to show a lock screen). Errors it throws are ignored. */
  readonly onLock?: () => void;
}

/** Validates the `autoLock` option; undefined when absent. */
export function mustAutoLock(value: unknown): AutoLockOptions | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError('options.autoLock', 'an object { idleMs }', value);
  const opts = mustOptions<AutoLockOptions>('options.autoLock', value);
  const idleMs = mustInteger('options.autoLock.idleMs', opts.idleMs, 1, 2 ** 31 - 1);
  const onLock = mustCallback<() => void>('options.autoLock.onLock', opts.onLock);
  return onLock === undefined ? { idleMs } : { idleMs, onLock };
}

/** The timer behind `autoLock`. */
export class AutoLock {
  readonly #idleMs: number;
  readonly #clock: () => number;
  readonly #lock: () => Promise<void>;
  #last: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs: number, clock: () => number, lock: () => Promise<void>) {
    this.#idleMs = idleMs;
    this.#clock = clock;
    this.#lock = lock;
    this.#last = clock();
  }

  /** Records a call. Cheap: one clock read. */
  touch(): void {
    this.#last = this.#clock();
  }

  /** Starts (or restarts, after an unlock) the countdown from now. */
  start(): void {
    this.stop();
    this.touch();
    this.#arm(this.#idleMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#wake(), delay);
    // A pending auto-lock must not keep the process alive.
    this.#timer.unref();
  }

  #wake(): void {
    this.#timer = undefined;
    const idle = this.#clock() - this.#last;
    if (idle < this.#idleMs) {
      this.#arm(Math.max(1, this.#idleMs - idle));
      return;
    }
    void this.#lock();
  }
}
