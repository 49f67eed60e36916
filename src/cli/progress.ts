/**
 * Progress bars for long CLI operations (verify, rotate-key, import,
 * export): done/total, rate and ETA, drawn with cli-progress on stderr.
 *
 * Drawn only when stdout is a terminal (a person is watching) and neither
 * `--json` nor `--no-progress` is given; otherwise every call is a no-op,
 * so scripts and pipes get clean output. A total of 0 means unknown (input
 * from a pipe): the bar then shows the count and rate without an ETA.
 */
import cliProgress from 'cli-progress';
import { formatBytes } from './output.ts';

export interface Progress {
  /** Sets the count done so far, and the total when it becomes known or changes. */
  update(done: number, total?: number): void;
  /** Removes nothing: leaves the final state on screen and ends the line. Idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  /** Draw at all (see the module comment for when the CLI enables it). */
  readonly enabled: boolean;
  /** What runs, e.g. 'verify'. */
  readonly label: string;
  /** Unit of the counts: 'records', 'bytes' (shown as KiB/MiB), ... */
  readonly unit: string;
  /** Total to reach; 0 when unknown. */
  readonly total: number;
  /** Where to draw. Default: process.stderr. */
  readonly stream?: NodeJS.WritableStream;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/** Starts a bar, or returns a no-op when disabled. */
export function startProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return NONE;
  const { label, unit } = options;
  const bytes = unit === 'bytes';
  const show = (n: number): string => (bytes ? formatBytes(n) : n.toLocaleString('en-US'));
  const rateUnit = bytes ? '/s' : ` ${unit}/s`;
  const known = `${label} [{bar}] {percentage}% | {shownValue}/{shownTotal}${bytes ? '' : ` ${unit}`} | {rate}${rateUnit} | ETA {eta_formatted}`;
  const unknown = `${label} {shownValue}${bytes ? '' : ` ${unit}`} | {rate}${rateUnit} | {duration_formatted}`;
  let total = options.total;
  let bar: cliProgress.SingleBar | undefined;
  const started = performance.now();
  const payload = (done: number): Record<string, string> => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return { shownValue: show(done), shownTotal: show(total), rate: bytes ? formatBytes(Math.round(rate)) : Math.round(rate).toLocaleString('en-US') };
  };
  // Drawn from the first update, once the operation knows its total (verify and rotate learn it as they start).
  const draw = (done: number): cliProgress.SingleBar => {
    const created = new cliProgress.SingleBar({
      format: total > 0 ? known : unknown,
      stream: options.stream ?? process.stderr,
      barsize: 24,
      hideCursor: false,
      etaBuffer: 50,
      fps: 10,
    }, cliProgress.Presets.shades_classic);
    created.start(Math.max(total, 1), done, payload(done));
    return created;
  };
  let stopped = false;
  return {
    update(done: number, newTotal?: number): void {
      if (stopped) return;
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar?.setTotal(Math.max(total, 1));
      }
      if (bar === undefined) bar = draw(done);
      else bar.update(done, payload(done));
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      bar?.stop();
    },
  };
}
