/**
 * Argon2id cost parameters: defaults, the enforced floor, and validation.
 *
 * Defaults are RFC 9106's second recommended option (64 MiB, t=3, p=4).
 * The floor is OWASP's minimum for Argon2id (19 MiB, t=2, p=1). Options may
 * set any value at or above the floor; a header below it is refused at open
 * (`KdfTooWeakError`), so a tampered header cannot downgrade the KDF.
 */
import { IntegrityError, InvalidArgumentError, KdfTooWeakError } from '../errors.ts';
import { mustInteger } from '../util/validate.ts';

/** Argon2id costs, without the salt. */
export interface KdfCost {
  /** Memory in KiB. */
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** RFC 9106 §4, second recommended option. */
export const KDF_DEFAULTS: KdfCost = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 4 };
/** OWASP Password Storage Cheat Sheet minimum for Argon2id. */
export const KDF_FLOOR: KdfCost = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };
/**
 * Upper bounds that keep a hostile header from exhausting memory or time.
 * 1 GiB is also about what hash-wasm's WebAssembly memory can allocate.
 */
export const KDF_CEILING: KdfCost = { memoryKiB: 1024 * 1024, iterations: 64, parallelism: 255 };

const FIELDS = ['memoryKiB', 'iterations', 'parallelism'] as const;

/** Merges options over the defaults; `InvalidArgumentError` names a field out of range. */
export function resolveKdfCost(options: unknown, argument = 'options.kdf'): KdfCost {
  if (options === undefined) return KDF_DEFAULTS;
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(argument, 'an object of Argon2id costs', options);
  const given = options as Partial<Record<(typeof FIELDS)[number], unknown>>;
  const out: Record<string, number> = { ...KDF_DEFAULTS };
  for (const field of FIELDS) {
    const value = given[field];
    if (value === undefined) continue;
    out[field] = mustInteger(`${argument}.${field}`, value, KDF_FLOOR[field], KDF_CEILING[field]);
  }
  return out as unknown as KdfCost;
}

/**
 * Refuses costs read from a header that fall outside floor and ceiling.
 * @throws {KdfTooWeakError} below the floor (a downgraded header).
 * @throws {IntegrityError} where 'header': above the ceiling (a hostile header meant to exhaust memory).
 */
export function checkStoredKdfCost(cost: KdfCost): void {
  for (const field of FIELDS) {
    if (cost[field] < KDF_FLOOR[field]) throw new KdfTooWeakError(field, cost[field], KDF_FLOOR[field]);
    if (cost[field] > KDF_CEILING[field]) throw new IntegrityError('header', 'kdf', `${field} ${cost[field]} above the ceiling ${KDF_CEILING[field]}`);
  }
}
