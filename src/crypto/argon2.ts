/**
 * Argon2id (RFC 9106) through hash-wasm, run in a worker thread so a 64 MiB
 * derivation (about half a second) never blocks the event loop.
 *
 * One worker is started on first use and is referenced only while a
 * derivation is pending, so an idle worker never keeps the process alive.
 * Derivations queue on it in order. Aborting a derivation terminates the
 * worker (WASM cannot be interrupted) and moves the other pending jobs to a
 * fresh one. The worker runs inline code (`eval`) so the same path works from
 * TypeScript sources and from the compiled package.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AbortedError, InvalidArgumentError } from '../errors.ts';

/** Argon2id cost parameters, all recorded in the store header. */
export interface Argon2Params {
  /** Memory in KiB. */
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
  /** At least 16 random bytes. */
  readonly salt: Uint8Array;
}

interface Job {
  readonly id: number;
  /** Kept (and wiped when done) so the job can move to a new worker if another job aborts. */
  readonly request: { id: number; password: Uint8Array; salt: Uint8Array; iterations: number; parallelism: number; memoryKiB: number; length: number };
  readonly resolve: (key: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

const WORKER_SOURCE = (hashWasmPath: string): string => `
const { parentPort } = require('node:worker_threads');
const { argon2id } = require(${JSON.stringify(hashWasmPath)});
parentPort.on('message', async (m) => {
  try {
    const key = await argon2id({ password: m.password, salt: m.salt, iterations: m.iterations,
      parallelism: m.parallelism, memorySize: m.memoryKiB, hashLength: m.length, outputType: 'binary' });
    m.password.fill(0);
    parentPort.postMessage({ id: m.id, key }, [key.buffer]);
  } catch (error) {
    m.password.fill(0);
    parentPort.postMessage({ id: m.id, error: String(error && error.message || error) });
  }
});`;

/** Runs derivations on one background worker. */
export class Argon2Worker {
  #worker: Worker | undefined;
  readonly #jobs = new Map<number, Job>();
  #nextId = 1;

  /** Derives `length` bytes from `password`. Rejects with `AbortedError` on abort. */
  derive(password: Uint8Array, params: Argon2Params, length = 32, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted === true) return Promise.reject(new AbortedError({ cause: signal.reason }));
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.#nextId++;
      const request = {
        id, password: password.slice(), salt: params.salt.slice(), iterations: params.iterations,
        parallelism: params.parallelism, memoryKiB: params.memoryKiB, length,
      };
      const onAbort = (): void => this.#abort(job);
      const job: Job = { id, request, resolve, reject, signal, onAbort };
      this.#jobs.set(id, job);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#send(job);
    });
  }

  #send(job: Job): void {
    const worker = this.#ensureWorker();
    // Keep the process alive while a derivation is pending; unref'd again when idle.
    worker.ref();
    // The worker gets its own copy (transferred, wiped there); ours is wiped when the job ends.
    const password = job.request.password.slice();
    worker.postMessage({ ...job.request, password }, [password.buffer]);
  }

  /** Stops the worker; pending derivations reject. */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new AbortedError());
    if (worker !== undefined) await worker.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
    const worker = new Worker(WORKER_SOURCE(hashWasm), { eval: true });
    worker.unref();
    worker.on('message', (message: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.#jobs.get(message.id);
      if (job === undefined) return;
      this.#finish(job);
      if (message.key !== undefined) job.resolve(new Uint8Array(message.key));
      // hash-wasm rejects only parameters it cannot run (short salt, zero cost, memory it cannot allocate).
      else job.reject(new InvalidArgumentError('params', `Argon2id parameters hash-wasm can run (${message.error ?? 'unknown'})`));
      if (this.#jobs.size === 0) worker.unref();
    });
    worker.on('error', (error) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(error);
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
    });
    this.#worker = worker;
    return worker;
  }

  #abort(aborted: Job): void {
    if (!this.#jobs.has(aborted.id)) return;
    // WASM cannot be interrupted, so the worker goes; other callers' jobs move to a new one.
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
    this.#finish(aborted);
    aborted.reject(new AbortedError({ cause: aborted.signal?.reason }));
    for (const job of this.#jobs.values()) this.#send(job);
  }

  #failAll(error: unknown): void {
    for (const job of [...this.#jobs.values()]) {
      this.#finish(job);
      job.reject(error);
    }
  }

  #finish(job: Job): void {
    this.#jobs.delete(job.id);
    job.request.password.fill(0);
    job.signal?.removeEventListener('abort', job.onAbort);
  }
}

// One worker per process is the point (a pool of one); created on first use.
let shared: Argon2Worker | undefined;

/** Derives a key with Argon2id on the shared background worker. */
export function argon2id(password: Uint8Array, params: Argon2Params, length = 32, signal?: AbortSignal): Promise<Uint8Array> {
  shared ??= new Argon2Worker();
  return shared.derive(password, params, length, signal);
}
