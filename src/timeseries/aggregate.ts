/**
 * Windowed aggregates over points that arrive in time order.
 *
 * Windows are aligned to multiples of their width since the epoch (t = 0):
 * a point at t falls in the window starting at t - t % width, whatever the
 * query's `from`. Only windows holding at least one point get a row.
 *
 * Arithmetic is defined so that a plain loop over the points in time order
 * reproduces it exactly: `sum` adds in time order starting from 0, `avg` is
 * that sum divided by `count`, `min`/`max` follow Math.min/Math.max (so -0
 * is below 0), `first`/`last` are the earliest and latest point's values.
 * Memory is one row per window, whatever the number of points.
 */
import type { AggregateFn } from './input.ts';

/** One aggregate window: its start and the requested functions' results. */
export interface AggregateRow {
  /** Start of the window (ms since the epoch, a multiple of the window width). */
  readonly t: number;
  readonly count?: number;
  readonly sum?: number;
  readonly avg?: number;
  readonly min?: number;
  readonly max?: number;
  readonly first?: number;
  readonly last?: number;
}

/** Folds points (in time order) into window rows. */
export class WindowAggregator {
  readonly #width: number;
  readonly #fns: readonly AggregateFn[];
  readonly rows: AggregateRow[] = [];
  #start = -1;
  #count = 0;
  #sum = 0;
  #min = 0;
  #max = 0;
  #first = 0;
  #last = 0;

  constructor(width: number, fns: readonly AggregateFn[]) {
    this.#width = width;
    this.#fns = fns;
  }

  /** Adds points [from, to) of a decoded bucket. */
  addAll(times: Float64Array, values: Float64Array, from: number, to: number): void {
    const width = this.#width;
    for (let i = from; i < to; i++) {
      const t = times[i] as number;
      const v = values[i] as number;
      const start = t - (t % width);
      if (start !== this.#start) {
        this.#flush();
        this.#start = start;
        this.#count = 1;
        this.#sum = 0 + v;
        this.#min = v;
        this.#max = v;
        this.#first = v;
        this.#last = v;
        continue;
      }
      this.#count++;
      this.#sum += v;
      this.#min = Math.min(this.#min, v);
      this.#max = Math.max(this.#max, v);
      this.#last = v;
    }
  }

  #flush(): void {
    if (this.#count === 0) return;
    const row: Record<string, number> = { t: this.#start };
    for (const fn of this.#fns) {
      switch (fn) {
        case 'count': row.count = this.#count; break;
        case 'sum': row.sum = this.#sum; break;
        case 'avg': row.avg = this.#sum / this.#count; break;
        case 'min': row.min = this.#min; break;
        case 'max': row.max = this.#max; break;
        case 'first': row.first = this.#first; break;
        case 'last': row.last = this.#last; break;
      }
    }
    this.rows.push(row as unknown as AggregateRow);
    this.#count = 0;
  }

  /** The rows, once every point was added. */
  finish(): AggregateRow[] {
    this.#flush();
    return this.rows;
  }
}
