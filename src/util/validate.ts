/**
 * Argument checks for public entry points. Each throws `InvalidArgumentError`
 * naming the argument, what was expected and (safely) what was received.
 * Facades call these once; internals assume valid input.
 */
import { AbortedError, InvalidArgumentError } from '../errors.ts';

/** An integer within [min, max]. */
export function mustInteger(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** An optional count such as a scan limit: a non-negative integer or Infinity (the default when undefined). */
export function mustLimit(argument: string, value: unknown): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value >= 0))) {
    throw new InvalidArgumentError(argument, 'a non-negative integer or Infinity', value);
  }
  return value;
}

/** A plain options object, or undefined (returned as `{}`). */
export function mustOptions<T extends object>(argument: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, 'an options object', value);
  }
  return value as Partial<T>;
}

/** An AbortSignal or undefined. */
export function mustSignal(argument: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw new InvalidArgumentError(argument, 'an AbortSignal', value);
  return value;
}

/** A function or undefined. */
export function mustCallback<F extends (...args: never[]) => unknown>(argument: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidArgumentError(argument, 'a function', value);
  return value as F;
}

/** Throws `AbortedError` (with the signal's reason as cause) if `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortedError({ cause: signal.reason });
}
