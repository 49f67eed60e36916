/**
 * The keyring's inputs: credential and key-slot types, and the argument
 * checks of its public functions (credentials, slot descriptions,
 * passphrases, raw keys, labels, injected randomness and clock). Each
 * check throws `InvalidArgumentError` naming the argument, never echoing a
 * secret.
 */
import { InvalidArgumentError, type Credential } from '../errors.ts';
import type { KdfCost } from './kdf-params.ts';
import { KEY_LENGTH } from '../crypto/keys.ts';
import { systemRandom, type Random } from '../crypto/random.ts';
import { utf8 } from '../util/bytes.ts';
import { MAX_LABEL_BYTES } from './header.ts';

/** A non-empty string or Uint8Array. */
export function mustPassphrase(argument: string, value: unknown): string | Uint8Array {
  if ((typeof value === 'string' || value instanceof Uint8Array) && value.length > 0) return value;
  throw new InvalidArgumentError(argument, 'a non-empty string or Uint8Array', value);
}

/** A raw key: a Uint8Array of exactly 32 bytes. */
export function mustKey(argument: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array && value.length === KEY_LENGTH) return value;
  throw new InvalidArgumentError(argument, `a Uint8Array of ${KEY_LENGTH} random bytes`, value);
}

/** A slot label: a string of 1 to MAX_LABEL_BYTES UTF-8 bytes. */
export function mustLabel(argument: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && utf8(value).length <= MAX_LABEL_BYTES) return value;
  throw new InvalidArgumentError(argument, `a string of 1 to ${MAX_LABEL_BYTES} UTF-8 bytes`, value);
}

export function mustRandom(value: unknown): Random {
  if (value === undefined) return systemRandom;
  if (typeof value !== 'function') throw new InvalidArgumentError('options.random', 'a function (length) => Uint8Array', value);
  return value as Random;
}

/** A clock returning ms since the Unix epoch; default `Date.now`. Its readings are clamped to non-negative integers. */
export function mustClock(value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== 'function') throw new InvalidArgumentError('options.clock', 'a function () => milliseconds since the epoch', value);
  const clock = value as () => unknown;
  return () => {
    const now = clock();
    return typeof now === 'number' && Number.isFinite(now) ? Math.max(0, Math.floor(now)) : 0;
  };
}

/** How to unlock: a passphrase, the recovery code shown at creation, or a raw 32-byte key. */
export type UnlockCredential =
  | { readonly passphrase: string | Uint8Array }
  | { readonly recoveryCode: string }
  | { readonly key: Uint8Array };

/** The kind of a key slot (the same names as `WrongPassphraseError.credential`). */
export type KeySlotType = Credential;

/** A key slot, as `list()` shows it: never any secret. */
export interface KeySlotInfo {
  /** Stable id, never reused in this store. */
  readonly id: number;
  readonly type: KeySlotType;
  readonly label: string;
  /** Creation time, ms since the Unix epoch; undefined for slots made before slots had labels (format 1). */
  readonly created: number | undefined;
}

/** A slot to add: exactly one of `passphrase`, `key`, or `recoveryCode: true` (a new code is generated and returned). */
export type NewKeySlot =
  | { readonly passphrase: string | Uint8Array; readonly label?: string; readonly kdf?: Partial<KdfCost> }
  | { readonly key: Uint8Array; readonly label?: string }
  | { readonly recoveryCode: true; readonly label?: string };

/** A checked `NewKeySlot`. */
export type CheckedSlot =
  | { kind: 'passphrase'; passphrase: string | Uint8Array; kdf: Partial<KdfCost> | undefined; label: string | undefined }
  | { kind: 'key'; key: Uint8Array; label: string | undefined }
  | { kind: 'recovery'; label: string | undefined };

/** Checks a slot description: exactly one of passphrase, key and recoveryCode: true, and an optional label. */
export function mustNewSlot(value: unknown): CheckedSlot {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError('slot', 'an object with passphrase, key or recoveryCode: true', value);
  }
  const v = value as Record<string, unknown>;
  const given = ['passphrase', 'key', 'recoveryCode'].filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new InvalidArgumentError('slot', 'exactly one of passphrase, key and recoveryCode', given.join(', '));
  const label = v.label === undefined ? undefined : mustLabel('slot.label', v.label);
  if (v.passphrase !== undefined) {
    if (v.kdf !== undefined && (v.kdf === null || typeof v.kdf !== 'object')) throw new InvalidArgumentError('slot.kdf', 'an object of Argon2id costs', v.kdf);
    return { kind: 'passphrase', passphrase: mustPassphrase('slot.passphrase', v.passphrase), kdf: v.kdf as Partial<KdfCost> | undefined, label };
  }
  if (v.kdf !== undefined) throw new InvalidArgumentError('slot.kdf', 'no KDF costs: only passphrase slots are stretched', v.kdf);
  if (v.key !== undefined) return { kind: 'key', key: mustKey('slot.key', v.key), label };
  if (v.recoveryCode !== true) throw new InvalidArgumentError('slot.recoveryCode', 'true (a new code is generated)', v.recoveryCode);
  return { kind: 'recovery', label };
}

/**
 * Checks an unlock credential: exactly one of passphrase, recoveryCode and key, each well-formed.
 * @throws {InvalidArgumentError} naming `argument` or the offending field.
 */
export function checkCredential(value: unknown, argument = 'credential'): UnlockCredential {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError(argument, 'an object with passphrase, recoveryCode or key', value);
  }
  const v = value as Record<string, unknown>;
  const given = ['passphrase', 'recoveryCode', 'key'].filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new InvalidArgumentError(argument, 'exactly one of passphrase, recoveryCode and key', given.join(', '));
  if (v.passphrase !== undefined) mustPassphrase(`${argument}.passphrase`, v.passphrase);
  else if (v.key !== undefined) mustKey(`${argument}.key`, v.key);
  else if (typeof v.recoveryCode !== 'string') throw new InvalidArgumentError(`${argument}.recoveryCode`, 'a string', v.recoveryCode);
  return value as UnlockCredential;
}
