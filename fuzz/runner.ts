/**
 * Runs one fuzz target (fuzz/targets.ts) for a number of executions with a
 * fast-check seed, and classifies every outcome: a returned value, a typed
 * `SynapsedError` (counted by code), or a failure: any other exception, a
 * call slower than `hangMs` (async calls are also cut off there), or a heap
 * above `heapLimitBytes`. A failure is shrunk by fast-check and reported
 * with its seed and path, so `seed` + `path` replay it exactly.
 */
import fc from 'fast-check';
import { SynapsedError } from '../src/errors.ts';
import type { FuzzTarget } from './targets.ts';

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** Replays one shrunk case (fast-check's path) with `seed`. */
  readonly path?: string | undefined;
  readonly hangMs?: number;
  readonly heapLimitBytes?: number;
}

export interface FuzzResult {
  readonly target: string;
  readonly seed: number;
  executions: number;
  returned: number;
  /** Typed errors by code. */
  readonly typed: Record<string, number>;
  /** fast-check's report of the shrunk failure, with seed and path; undefined when clean. */
  failure: string | undefined;
}

class Hang extends Error {}

export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const hangMs = options.hangMs ?? 5000;
  const heapLimit = options.heapLimitBytes ?? 1024 * 1024 * 1024;
  const { input, execute } = await target.prepare();
  const result: FuzzResult = { target: target.name, seed: options.seed, executions: 0, returned: 0, typed: {}, failure: undefined };
  const property = fc.asyncProperty(input, async (bytes) => {
    result.executions++;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = execute(bytes);
      if (outcome instanceof Promise) {
        await Promise.race([outcome, new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Hang(`no answer after ${hangMs} ms`)), hangMs);
        })]);
      }
      result.returned++;
    } catch (error) {
      if (error instanceof Hang || !(error instanceof SynapsedError)) throw error;
      result.typed[error.code] = (result.typed[error.code] ?? 0) + 1;
    } finally {
      clearTimeout(timer);
    }
    const elapsed = performance.now() - started;
    if (elapsed > hangMs) throw new Hang(`one call took ${elapsed.toFixed(0)} ms (limit ${hangMs})`);
    if (result.executions % 128 === 0 && process.memoryUsage().heapUsed > heapLimit) {
      throw new Error(`heap at ${process.memoryUsage().heapUsed} bytes, above ${heapLimit}`);
    }
  });
  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, ...(options.path === undefined ? {} : { path: options.path }), endOnFailure: false });
  if (details.failed) {
    const input = details.counterexample?.[0];
    const error = details.errorInstance;
    result.failure = `${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` : String(error)}\n` +
      `replay: seed ${details.seed} path ${details.counterexamplePath ?? '?'} (after ${details.numShrinks} shrinks)\n` +
      `input (${input?.length ?? 0} bytes): ${input === undefined ? '' : Buffer.from(input.subarray(0, 256)).toString('hex')}${(input?.length ?? 0) > 256 ? '...' : ''}`;
  }
  return result;
}
