/**
 * Key slots of an open store (`store.keySlots`) and the credentials that
 * open a store: a passphrase, the recovery code, a raw 32-byte key, or a
 * key provider (`async () => key`, e.g. an OS keychain lookup).
 *
 * Every change rewrites only the header (both copies, one after the other,
 * engine/header-file.ts), inside the engine's exclusive queue so changes
 * never interleave: a kill at any instant leaves the old set of slots or
 * the new one working. The keyring is swapped only after the write.
 */
import { InvalidArgumentError, ReadOnlyError } from '../errors.ts';
import { checkCredential, type KeySlotInfo, type NewKeySlot, type UnlockCredential } from '../keyring/keyring.ts';
import type { Random } from '../crypto/random.ts';
import type { Redacted } from '../crypto/redacted.ts';
import { mustOptions, mustSignal } from '../util/validate.ts';
import type { Backend } from './backend.ts';
import type { Engine } from './engine.ts';

/** Returns the raw 32-byte key, e.g. from the OS keychain or Electron `safeStorage`. Called once per open or unlock. */
export type KeyProvider = () => Promise<Uint8Array> | Uint8Array;

/** What opens (or unlocks) a store: exactly one of these. */
export type OpenCredential = UnlockCredential | { readonly keyProvider: KeyProvider };

/** The result of `keySlots.add`: the new slot, and for a recovery-code slot the code (show it once). */
export interface AddedKeySlot {
  readonly slot: KeySlotInfo;
  readonly recoveryCode?: Redacted<string>;
}

const CREDENTIALS = ['passphrase', 'recoveryCode', 'key', 'keyProvider'] as const;

/** A checked credential: ready to use, or a provider still to be called. */
export type PickedCredential = { readonly credential: UnlockCredential } | { readonly provider: KeyProvider };

/**
 * Finds and checks the one credential in `options` (`argument` names it in
 * errors) without calling a key provider, so bad input fails before any I/O.
 * @throws {InvalidArgumentError} none or several credentials, or a malformed one.
 */
export function pickCredential(options: object, argument = 'options'): PickedCredential {
  const o = options as Record<string, unknown>;
  const given = CREDENTIALS.filter((name) => o[name] !== undefined);
  if (given.length > 1) throw new InvalidArgumentError(argument, `exactly one of ${CREDENTIALS.join(', ')}`, given.join(', '));
  const name = given[0];
  if (name === undefined) throw new InvalidArgumentError(`${argument}.passphrase`, 'a passphrase (or recoveryCode, key or keyProvider)', undefined);
  if (name !== 'keyProvider') return { credential: checkCredential({ [name]: o[name] }, argument) };
  if (typeof o.keyProvider !== 'function') throw new InvalidArgumentError(`${argument}.keyProvider`, 'a function () => Promise<Uint8Array>', o.keyProvider);
  return { provider: o.keyProvider as KeyProvider };
}

/**
 * The credential to unlock with: calls a key provider and checks what it
 * returns. The provider's own failure is rethrown as it is: it is the
 * application's error.
 * @throws {InvalidArgumentError} the provider resolved to something other than 32 bytes.
 */
export async function obtainCredential(picked: PickedCredential, argument = 'options'): Promise<UnlockCredential> {
  if ('credential' in picked) return picked.credential;
  const key: unknown = await picked.provider();
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new InvalidArgumentError(`${argument}.keyProvider`, 'a function resolving to a Uint8Array of 32 bytes', key);
  // A copy: the store never wipes or keeps the application's buffer.
  return { key: key.slice() };
}

/** What `KeySlots` needs from its store. */
export interface KeySlotsHost {
  readonly engine: Engine;
  readonly backend: Backend;
  readonly random: Random | undefined;
  readonly clock: (() => number) | undefined;
  readonly readOnly: boolean;
  /** Throws if the store is closed or locked. */
  check(): void;
}

/** `store.keySlots`: list, add and remove the ways into a store. */
export class KeySlots {
  readonly #host: KeySlotsHost;

  /** @internal */
  constructor(host: KeySlotsHost) {
    this.#host = host;
  }

  /**
   * Every key slot: id, type ('passphrase', 'recovery-code', 'key'), label and creation time. Never a secret.
   * @throws {UnlockRequiredError} the store is locked (labels are sealed under the store's key).
   */
  list(): KeySlotInfo[] {
    this.#host.check();
    return this.#host.engine.cipher.keyring.slots;
  }

  /**
   * Adds a way in: `{ passphrase, label?, kdf? }`, `{ key, label? }` (32 random
   * bytes from the app; opens without a KDF) or `{ recoveryCode: true, label? }`
   * (returns the new code). Rewrites only the header.
   * @throws {InvalidArgumentError} a bad slot description or label, a memory store, or already 32 slots.
   * @throws {ReadOnlyError} the store was opened read-only.
   */
  async add(slot: NewKeySlot, options?: { signal?: AbortSignal }): Promise<AddedKeySlot> {
    const opts = mustOptions<{ signal?: AbortSignal }>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    this.#writable('add a key slot');
    const { engine, backend, random, clock } = this.#host;
    return engine.exclusive(async () => {
      const added = await engine.cipher.keyring.addSlot(slot, {
        ...(random === undefined ? {} : { random }), ...(clock === undefined ? {} : { clock }), ...(signal === undefined ? {} : { signal }),
      });
      await backend.writeHeader(added.keyring.header());
      engine.cipher.setKeyring(added.keyring);
      return added.recoveryCode === undefined ? { slot: added.slot } : { slot: added.slot, recoveryCode: added.recoveryCode };
    });
  }

  /**
   * Removes key slot `id`; its credential stops opening the store. Rewrites only the header.
   * @throws {LastKeySlotError} it is the last slot.
   * @throws {InvalidArgumentError} no slot has this id, or a memory store.
   * @throws {ReadOnlyError} the store was opened read-only.
   */
  async remove(id: number): Promise<void> {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) throw new InvalidArgumentError('id', 'a key slot id (from keySlots.list())', id);
    this.#writable('remove a key slot');
    const { engine, backend } = this.#host;
    await engine.exclusive(async () => {
      const next = engine.cipher.keyring.removeSlot(id);
      await backend.writeHeader(next.header());
      engine.cipher.setKeyring(next);
    });
  }

  #writable(operation: string): void {
    this.#host.check();
    if (!this.#host.backend.persistent) throw new InvalidArgumentError('store', 'a store on disk (memory stores have no key slots to manage)', 'memory store');
    if (this.#host.readOnly) throw new ReadOnlyError(operation);
  }
}
