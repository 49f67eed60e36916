/**
 * Runs a tape suite in-process and collects its results, so a node:test
 * test can assert on them: tape's programmatic harness streams every TAP
 * result as an object; failed, non-todo assertions are listed as
 * "test name > assertion (operator: expected ..., got ...)".
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** tape's `test(name, [options], fn)`. */
export type TapeTest = (...args: unknown[]) => unknown;

/** One TAP result in tape's object mode. */
interface TapeRow {
  readonly type: 'test' | 'assert' | 'end';
  readonly id?: number;
  readonly test?: number;
  readonly name?: string;
  readonly ok?: boolean;
  readonly skip?: unknown;
  readonly todo?: unknown;
  readonly operator?: string;
  readonly actual?: unknown;
  readonly expected?: unknown;
}

interface TapeHarness extends TapeTest {
  createStream(options: { objectMode: true }): NodeJS.ReadableStream;
}

// tape is CommonJS without type declarations.
const tape = require('tape') as { createHarness(): TapeHarness };

export interface TapeSummary {
  tests: number;
  asserts: number;
  passed: number;
  /** One line per failed assertion. */
  failed: string[];
  skipped: number;
  todo: number;
}

/** Registers tests through `register(test)` on a fresh harness, runs them, and summarizes. */
export async function runTape(register: (test: TapeTest) => void): Promise<TapeSummary> {
  const harness = tape.createHarness();
  // The object stream only sees tests registered after it exists.
  const stream = harness.createStream({ objectMode: true });
  register(harness);
  const names = new Map<number, string>();
  const summary: TapeSummary = { tests: 0, asserts: 0, passed: 0, failed: [], skipped: 0, todo: 0 };
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (row: TapeRow) => {
      if (row.type === 'test') {
        summary.tests++;
        if (row.skip) summary.skipped++;
        names.set(row.id as number, row.name ?? '?');
      } else if (row.type === 'assert') {
        summary.asserts++;
        if (row.todo) summary.todo++;
        else if (row.skip) summary.skipped++;
        else if (row.ok === true) summary.passed++;
        else {
          const where = names.get(row.test as number) ?? '?';
          summary.failed.push(`${where} > ${row.name ?? '?'} (${row.operator ?? ''}: expected ${show(row.expected)}, got ${show(row.actual)})`);
        }
      }
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return summary;
}

/** One line for the summary. */
export function describeSummary(s: TapeSummary): string {
  return `tape: ${s.tests} tests, ${s.asserts} assertions, ${s.passed} passed, ${s.failed.length} failed, ${s.skipped} skipped, ${s.todo} todo`;
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
