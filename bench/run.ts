/**
 * `npm run bench`: every workload (bench/workloads) against every target
 * (bench/targets) in one run, printed as one table of median rates with
 * ratios to raw classic-level, then bytes on disk, peak RSS, reopen time
 * and write amplification per target, and the environment.
 *
 *   npm run bench                  quick: N = 20,000, about 2 minutes
 *   npm run bench -- --full        N = 200,000 and 1,000,000 (long)
 *   options: --n=200000[,...]  --targets=classic-level,synapsed  --runs=3
 *            --seed=42  --dir=/path  --keep  --json=results.json
 *
 * Each (target, N) runs in its own child process (this file with --child),
 * so peak RSS (`process.resourceUsage().maxRSS`) is that target's alone.
 * A workload's run counts only after its `verify` passed; a rate is the
 * median over the runs. Timed runs never assert speed (STYLE.md §12).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEnvironment } from './lib/env.ts';
import { formatNumber, renderTable } from './lib/table.ts';
import { BASELINE, TARGETS } from './targets/index.ts';
import { Dataset } from './workloads/dataset.ts';
import { loadStore } from './workloads/fixture.ts';
import { WORKLOADS } from './workloads/index.ts';
import type { BenchConfig, Context, Extras, LoadedStore } from './workloads/workload.ts';

interface WorkloadResult {
  readonly name: string;
  readonly unit: string;
  readonly rates: number[];
  readonly median: number | undefined;
  readonly extras: Extras;
  readonly truncated: boolean;
  readonly error?: string;
}

/** The two halves of a target's run, each in its own child process so each has its own peak RSS. */
type Phase = 'writes' | 'reads';
const PHASES: readonly Phase[] = ['writes', 'reads'];

interface PhaseResult {
  readonly skipped?: string;
  readonly name?: string;
  readonly workloads: WorkloadResult[];
  readonly fixture?: Omit<LoadedStore, 'store'>;
  readonly startRssMiB: number;
  readonly peakRssMiB: number;
  readonly seconds: number;
}

interface ChildResult {
  readonly id: string;
  readonly name: string;
  readonly n: number;
  readonly skipped?: string;
  /** In WORKLOADS order; undefined where the phase did not run. */
  readonly workloads: Array<WorkloadResult | undefined>;
  readonly fixture?: Omit<LoadedStore, 'store'>;
  readonly startRssMiB: number;
  readonly peakRssMiB: Record<Phase, number>;
  readonly seconds: number;
}

type Options = { phase: Phase; full: boolean; sizes: number[]; targets: string[]; runs: number; seed: number; dir: string | undefined; keep: boolean; json: string | undefined };

function parseArgs(argv: readonly string[]): Options & { child: string | undefined } {
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const full = argv.includes('--full');
  const sizes = value('n')?.split(',').map(Number) ?? (full ? [200_000, 1_000_000] : [20_000]);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error('--n takes integers of at least 1000');
  const known = TARGETS.map((t) => t.id);
  const targets = value('targets')?.split(',') ?? known;
  const unknown = targets.filter((t) => !known.includes(t));
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return {
    full, sizes, targets, runs: Number(value('runs') ?? 3), seed: Number(value('seed') ?? 42),
    dir: value('dir'), keep: argv.includes('--keep'), json: value('json'), child: value('child'),
    phase: value('phase') === 'reads' ? 'reads' : 'writes',
  };
}

function configFor(n: number, full: boolean): BenchConfig {
  return full
    ? { n, syncOps: 10_000, concurrentSyncOps: 64_000, reads: 200_000, scans: 1_000, syncBudgetMs: 30_000, budgetMs: 600_000, verifySample: 2_000 }
    : { n, syncOps: 2_000, concurrentSyncOps: 6_400, reads: 20_000, scans: 100, syncBudgetMs: 3_000, budgetMs: 60_000, verifySample: 500 };
}

const median = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

// ------------------------------------------------------------------ child

/** Runs one phase's workloads on one target, in this (child) process. */
async function runChild(id: string, options: Options): Promise<PhaseResult> {
  const started = performance.now();
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const n = options.sizes[0] as number;
  const factory = TARGETS.find((t) => t.id === id);
  if (factory === undefined) throw new Error(`unknown target ${id}`);
  const peak = (): number => process.resourceUsage().maxRSS / 1024;
  let target;
  try {
    target = await factory.load();
  } catch (error) {
    return { skipped: (error as Error).message, workloads: [], startRssMiB, peakRssMiB: peak(), seconds: 0 };
  }
  const data = new Dataset(n, options.seed);
  const config = configFor(n, options.full);
  const base = options.dir as string;
  let dirs = 0;
  let loaded: Promise<LoadedStore> | undefined;
  const log = (line: string): void => void process.stderr.write(`  [${target.name} n=${formatNumber(n)}] ${line}\n`);
  const results: WorkloadResult[] = [];
  for (const workload of WORKLOADS.filter((w) => w.defaults.reads === (options.phase === 'reads'))) {
    const rates: number[] = [];
    const extras: Record<string, number[]> = {};
    let truncated = false;
    let error: string | undefined;
    for (let run = 0; run < options.runs && error === undefined; run++) {
      const ctx: Context = {
        target, data, config, run,
        freshDir: (label) => join(base, `${label.replace(/\W+/g, '-')}-${dirs++}`),
        loaded: () => (loaded ??= loadStore(ctx)),
      };
      try {
        const state: unknown = await workload.setup(ctx);
        const t0 = performance.now();
        const ops = await workload.run(state);
        const ms = performance.now() - t0;
        await workload.verify(state);
        for (const [name, value] of Object.entries(await workload.teardown(state))) (extras[name] ??= []).push(value);
        if (ops > 0) rates.push(ops / (ms / 1000));
        truncated ||= ms >= (workload.defaults.durability === 'sync' ? config.syncBudgetMs : config.budgetMs);
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
    }
    const medianExtras = Object.fromEntries(Object.entries(extras).map(([name, values]) => [name, median(values) as number]));
    // A failed run voids the workload: its other runs are not trusted either.
    const result = error === undefined ? { median: median(rates) } : { median: undefined, error };
    results.push({ name: workload.name, unit: workload.unit, rates, extras: medianExtras, truncated, ...result });
    log(`${workload.name}: ${error ?? `${rates.map((r) => formatNumber(r)).join(' ')} ${workload.unit}/s`} (peak RSS ${peak().toFixed(0)} MiB)`);
  }
  let fixture: Omit<LoadedStore, 'store'> | undefined;
  const settled = await loaded?.catch(() => undefined); // a failed load was already reported by each read workload
  if (settled !== undefined) {
    const { store, ...figures } = settled;
    fixture = figures;
    await store.close();
  }
  return { name: target.name, workloads: results, ...(fixture === undefined ? {} : { fixture }), startRssMiB, peakRssMiB: peak(), seconds: (performance.now() - started) / 1000 };
}

// ----------------------------------------------------------------- parent

function spawnChild(id: string, phase: Phase, n: number, dir: string, options: Options): Promise<PhaseResult> {
  const args = [`--child=${id}`, `--phase=${phase}`, `--n=${n}`, `--dir=${dir}`, `--runs=${options.runs}`, `--seed=${options.seed}`, ...(options.full ? ['--full'] : [])];
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: PhaseResult | undefined;
    child.on('message', (message) => {
      result = message as PhaseResult;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`child for ${id} (${phase}) exited with ${signal ?? code} before reporting`));
    });
  });
}

/** Both phases of one target at one size, merged; a failing phase marks the target skipped. */
async function runTarget(id: string, n: number, base: string, options: Options): Promise<ChildResult> {
  const phases: Partial<Record<Phase, PhaseResult>> = {};
  for (const phase of PHASES) {
    const dir = join(base, `${id}-${n}-${phase}`);
    process.stderr.write(`running ${id} (${phase}) at N = ${formatNumber(n)}\n`);
    try {
      phases[phase] = await spawnChild(id, phase, n, dir, options);
    } catch (error) {
      phases[phase] = { skipped: (error as Error).message, workloads: [], startRssMiB: 0, peakRssMiB: 0, seconds: 0 };
    }
    if (!options.keep) await rm(dir, { recursive: true, force: true });
    if (phases[phase]?.skipped !== undefined) break;
  }
  const done = PHASES.flatMap((phase) => phases[phase] ?? []);
  const skipped = done.find((p) => p.skipped !== undefined)?.skipped;
  const byName = new Map(done.flatMap((p) => p.workloads).map((w) => [w.name, w]));
  const fixture = phases.reads?.fixture;
  return {
    id, name: done.find((p) => p.name !== undefined)?.name ?? id, n,
    ...(skipped === undefined ? {} : { skipped }),
    workloads: WORKLOADS.map((w) => byName.get(w.name)),
    ...(fixture === undefined ? {} : { fixture }),
    startRssMiB: phases.writes?.startRssMiB ?? 0,
    peakRssMiB: { writes: phases.writes?.peakRssMiB ?? 0, reads: phases.reads?.peakRssMiB ?? 0 },
    seconds: done.reduce((sum, p) => sum + p.seconds, 0),
  };
}

const MiB = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || base === 0 ? '' : ` ${(value / base).toFixed(2)}x`;

function printResults(n: number, results: readonly ChildResult[], options: Options): void {
  const ran = results.filter((r) => r.skipped === undefined);
  const base = ran.find((r) => r.id === BASELINE);
  const config = configFor(n, options.full);
  console.log(`\nN = ${formatNumber(n)}: median of ${options.runs} runs, operations per second (ratio to ${BASELINE})`);
  const rows = WORKLOADS.map((workload, row) => {
    const baseline = base?.workloads[row]?.median;
    return [
      workload.name, `${workload.unit}/s`,
      ...ran.map((r) => {
        const result = r.workloads[row];
        if (result?.median === undefined) return '-';
        return `${formatNumber(result.median)}${r === base ? '' : ratio(result.median, baseline)}`;
      }),
    ];
  });
  console.log(renderTable(['workload', 'unit', ...ran.map((r) => r.name)], rows));

  const rate = (r: ChildResult, name: string): number | undefined => r.workloads.find((w) => w?.name === name)?.median;
  const figure = (format: (r: ChildResult) => string | undefined) => ran.map((r) => format(r) ?? '-');
  const baseBytes = base?.fixture?.bytesOnDisk;
  console.log(`\nN = ${formatNumber(n)}: per target`);
  console.log(renderTable(['figure', ...ran.map((r) => r.name)], [
    ['bytes on disk after load+close, MiB', ...figure((r) => (r.fixture?.bytesOnDisk === undefined ? undefined : MiB(r.fixture.bytesOnDisk)))],
    ['  ratio to classic-level', ...figure((r) => (r.fixture?.bytesOnDisk === undefined || baseBytes === undefined ? undefined : `${(r.fixture.bytesOnDisk / baseBytes).toFixed(2)}x`))],
    ['peak RSS, load + read workloads, MiB', ...figure((r) => r.peakRssMiB.reads.toFixed(1))],
    ['peak RSS, write workloads, MiB', ...figure((r) => r.peakRssMiB.writes.toFixed(1))],
    ['  RSS of the harness at child start, MiB', ...figure((r) => r.startRssMiB.toFixed(1))],
    ['load, batches of 1000, records/s', ...figure((r) => (r.fixture === undefined ? undefined : formatNumber(r.fixture.loadRate)))],
    ['reopen after load, ms', ...figure((r) => (r.fixture?.reopenMs === undefined ? undefined : r.fixture.reopenMs.toFixed(1)))],
    ['reopen of an empty store, ms', ...figure((r) => (r.fixture?.reopenEmptyMs === undefined ? undefined : r.fixture.reopenEmptyMs.toFixed(1)))],
    ['write amp, put x1 relaxed', ...figure((r) => r.workloads.find((w) => w?.name === 'put x1 relaxed')?.extras['writeAmp']?.toFixed(2))],
    ['write amp, load in batches', ...figure((r) => r.fixture?.writeAmp?.toFixed(2))],
    ['put x64 sync / put x1 sync', ...figure((r) => {
      const one = rate(r, 'put x1 sync');
      const many = rate(r, 'put x64 sync');
      return one === undefined || many === undefined ? undefined : `${(many / one).toFixed(2)}x`;
    })],
    ['wall time of both children, s', ...figure((r) => r.seconds.toFixed(1))],
  ]));

  const us = ran.find((r) => r.id === 'synapsed');
  if (us !== undefined && base !== undefined) {
    const vs = (name: string): number | undefined => {
      const a = rate(us, name);
      const b = rate(base, name);
      return a === undefined || b === undefined ? undefined : a / b;
    };
    const one = rate(us, 'put x1 sync');
    const many = rate(us, 'put x64 sync');
    const goals: Array<[string, number | undefined, (v: number) => boolean, string]> = [
      ['put x1 relaxed vs classic-level', vs('put x1 relaxed'), (v) => v >= 0.8, '>= 0.8x'],
      ['batch 1000 vs classic-level', vs('batch 1000 relaxed'), (v) => v >= 0.6, '>= 0.6x'],
      ['put x64 sync vs own put x1 sync', one === undefined || many === undefined ? undefined : many / one, (v) => v >= 5, '>= 5x'],
      ['get x1 vs classic-level', vs('get x1'), (v) => v >= 2, '>= 2x'],
      ['scan 1000 vs classic-level', vs('scan 1000'), (v) => v >= 1, '>= 1.0x'],
      ['bytes on disk vs classic-level', us.fixture?.bytesOnDisk === undefined || baseBytes === undefined ? undefined : us.fixture.bytesOnDisk / baseBytes, (v) => v <= 1.5, '<= 1.5x'],
      ['peak RSS, load + reads, MiB (goal at N = 1,000,000)', us.peakRssMiB.reads, (v) => v <= 256, '<= 256'],
      ['reopen beyond empty-store reopen, ms (goal at N = 1,000,000)',
        us.fixture?.reopenMs === undefined || us.fixture.reopenEmptyMs === undefined ? undefined : us.fixture.reopenMs - us.fixture.reopenEmptyMs, (v) => v < 1000, '< 1000'],
    ];
    console.log(`\nN = ${formatNumber(n)}: synapsed against the goals of issue 4`);
    console.log(renderTable(['goal', 'target', 'measured', 'met'], goals.map(([name, value, ok, wanted]) => [
      name, wanted, value === undefined ? '-' : value.toFixed(2), value === undefined ? '-' : ok(value) ? 'yes' : 'NO',
    ])));
  }

  const notes: string[] = [];
  for (const r of results) if (r.skipped !== undefined) notes.push(`${r.id} skipped: ${r.skipped}`);
  for (const r of ran) {
    for (const w of r.workloads) {
      if (w === undefined) continue;
      if (w.error !== undefined) notes.push(`${r.name} ${w.name} FAILED: ${w.error}`);
      if (w.truncated) notes.push(`${r.name} ${w.name}: a run hit its time budget; the rate is over the operations done`);
    }
  }
  notes.push(
    `sync workloads write the first ${formatNumber(Math.min(n, config.syncOps))} (x1) and ${formatNumber(Math.min(n, config.concurrentSyncOps))} (x64) records of fresh stores; other writes all N`,
    `reads: ${formatNumber(config.reads)} random gets and ${formatNumber(config.scans)} scans per run on a store loaded in batches, closed and reopened`,
  );
  if (ran.some((r) => r.id === 'sqlcipher')) notes.push('sqlcipher is synchronous (better-sqlite3): its "x64" rows run one operation at a time');
  console.log(`\nnotes:\n${notes.map((note) => `- ${note}`).join('\n')}`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.child !== undefined) {
    const result = await runChild(options.child, options);
    process.send?.(result, () => process.exit(0));
    return;
  }
  const base = options.dir ?? (await mkdtemp(join(tmpdir(), 'synapsed-bench-')));
  console.log(`synapsed-storage benchmark, ${options.full ? 'full' : 'quick'} mode: N = ${options.sizes.map((n) => formatNumber(n)).join(', ')}; seed ${options.seed}; stores in ${base}`);
  for (const line of describeEnvironment()) console.log(`  ${line}`);
  // Other work on the machine skews every rate; the load says how much to trust this run.
  console.log(`  load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)`);
  const all: ChildResult[] = [];
  for (const n of options.sizes) {
    const results: ChildResult[] = [];
    for (const id of options.targets) results.push(await runTarget(id, n, base, options));
    all.push(...results);
    printResults(n, results, options);
    console.log(`  load average after N = ${formatNumber(n)}: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  }
  if (options.dir === undefined && !options.keep) await rm(base, { recursive: true, force: true });
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify({ environment: describeEnvironment(), options, results: all }, null, 2)}\n`);
}

await main();
