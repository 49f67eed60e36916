/**
 * The key hierarchy of one store, unlocked.
 *
 *   passphrase --Argon2id--> slot key --+
 *   recovery code --HKDF---> slot key --+--> KEM secret key --> header MAC key
 *                                                |
 *                  KEM public key --wraps--> data key of each epoch
 *
 * A `Keyring` is immutable: every change (passphrase, recovery code, new
 * epoch, retired epoch) returns a new keyring with the header sequence
 * raised, and the caller persists `header()` before using it. A failed
 * header write may have reached one copy, so after a failure either
 * keyring may be the one on disk; both stay valid (keys are shared, and
 * wiping one wipes the keys of every keyring derived from it).
 *
 * Unlock reads every header copy, prefers the newest intact one, and falls
 * back to an older intact copy if the credential opens only that one (a
 * crash between writing the two copies during a passphrase change must not
 * lock the user out of the passphrase that was still in force).
 */
import { InvalidArgumentError, IntegrityError, WrongPassphraseError, FormatVersionError, type Credential } from '../errors.ts';
import { FORMAT_LATEST } from '../format.ts';
import { STORE_ID_LENGTH } from '../crypto/aad.ts';
import { HKDF_INFO, deriveKey } from '../crypto/kdf.ts';
import { equalSecret, keyedHash } from '../crypto/keyed-hash.ts';
import { generateKemKeyPair, kemPublicKey } from '../crypto/kem.ts';
import { SymmetricKey } from '../crypto/keys.ts';
import { systemRandom, type Random } from '../crypto/random.ts';
import { Redacted, redactInspection, wipe } from '../crypto/redacted.ts';
import { equalBytes } from '../util/bytes.ts';
import { mustOptions, mustSignal, throwIfAborted } from '../util/validate.ts';
import { MAX_EPOCHS, SALT_LENGTH, decodeHeader, encodeHeader, type HeaderFields, type ParsedHeader, type WrappedEpoch } from './header.ts';
import { KDF_DEFAULTS, checkStoredKdfCost, resolveKdfCost, type KdfCost } from './kdf-params.ts';
import { generateRecoveryCode, parseRecoveryCode } from './recovery-code.ts';
import { generateDataKey, unwrapDataKey, wrapDataKey } from './data-keys.ts';
import {
  openPassphraseSlot, openRecoverySlot, passphraseSlotKey, recoverySlotKey, sealPassphraseSlot, sealRecoverySlot,
} from './slots.ts';

/** How to unlock: a passphrase or the recovery code shown at creation. */
export type UnlockCredential = { readonly passphrase: string | Uint8Array } | { readonly recoveryCode: string };

/** Options for `Keyring.create`. */
export interface CreateKeyringOptions {
  readonly passphrase: string | Uint8Array;
  /** Argon2id costs; each at or above the floor (kdf-params.ts). */
  readonly kdf?: Partial<KdfCost>;
  readonly random?: Random;
  readonly signal?: AbortSignal;
}

/** Options for unlocking and re-keying. */
export interface KeyringOperationOptions {
  readonly random?: Random;
  readonly signal?: AbortSignal;
}

interface KeyringState {
  readonly fields: HeaderFields;
  readonly secretKey: Uint8Array;
  readonly macKey: SymmetricKey;
  readonly dataKeys: ReadonlyMap<number, SymmetricKey>;
}

/** An unlocked store key hierarchy. */
export class Keyring {
  readonly #state: KeyringState;

  private constructor(state: KeyringState) {
    this.#state = state;
  }

  /**
   * Creates a new key hierarchy with epoch 1.
   * @returns the keyring and the recovery code, to be shown to the user once.
   * @throws {InvalidArgumentError} a missing or empty passphrase, or KDF costs out of range.
   */
  static async create(options: CreateKeyringOptions): Promise<{ keyring: Keyring; recoveryCode: Redacted<string> }> {
    const opts = mustOptions<CreateKeyringOptions>('options', options);
    const passphrase = mustPassphrase('options.passphrase', opts.passphrase);
    const kdf = resolveKdfCost(opts.kdf);
    const random = mustRandom(opts.random);
    const signal = mustSignal('options.signal', opts.signal);
    throwIfAborted(signal);

    return Keyring.#build(kdf, random, (salt) => passphraseSlotKey(passphrase, kdf, salt, signal));
  }

  /**
   * A keyring for a memory-only store: the same key hierarchy and record
   * sealing, but its slots are sealed under random keys nobody keeps, so no
   * Argon2id runs and nothing can ever unlock it again (which is the point).
   */
  static async createEphemeral(random: Random = systemRandom): Promise<Keyring> {
    const { keyring } = await Keyring.#build(KDF_DEFAULTS, random, async () => new SymmetricKey(random(32)));
    return keyring;
  }

  static async #build(
    kdf: KdfCost, random: Random, slotKeyFor: (salt: Uint8Array) => Promise<SymmetricKey>,
  ): Promise<{ keyring: Keyring; recoveryCode: Redacted<string> }> {
    const storeId = random(STORE_ID_LENGTH);
    const { publicKey, secretKey } = generateKemKeyPair(random);
    const ctx = { version: FORMAT_LATEST, storeId, publicKey };
    const passphraseSalt = random(SALT_LENGTH);
    const recoverySalt = random(SALT_LENGTH);
    const slotKey = await slotKeyFor(passphraseSalt);
    const passphraseSlot = sealPassphraseSlot(ctx, slotKey, kdf, passphraseSalt, secretKey, random);
    slotKey.wipe();
    const recovery = generateRecoveryCode(random);
    const recoveryKey = recoverySlotKey(recovery.entropy, recoverySalt);
    wipe(recovery.entropy);
    const recoverySlot = sealRecoverySlot(ctx, recoveryKey, recoverySalt, secretKey, random);
    recoveryKey.wipe();
    const dataKey = generateDataKey(random);
    const fields: HeaderFields = {
      version: FORMAT_LATEST, storeId, sequence: 1n, kdf, passphraseSalt, recoverySalt, publicKey,
      passphraseSlot, recoverySlot, currentEpoch: 1,
      epochs: [wrapDataKey(publicKey, storeId, FORMAT_LATEST, 1, dataKey, random)],
    };
    const keyring = new Keyring({ fields, secretKey, macKey: headerMacKey(secretKey, storeId), dataKeys: new Map([[1, dataKey]]) });
    return { keyring, recoveryCode: new Redacted(recovery.code) };
  }

  /**
   * Unlocks from the header copies read from disk (missing copies as undefined).
   * `repaired` is true when the copies disagree or one is damaged: the caller
   * should write `keyring.header()` to every copy.
   * @throws {WrongPassphraseError} the credential opens no intact copy.
   * @throws {IntegrityError} where 'header' (no intact copy, or a MAC mismatch) or 'data-key'.
   * @throws {FormatVersionError} the header was written by a newer version.
   * @throws {KdfTooWeakError} the header's Argon2id costs are below the floor.
   */
  static async unlock(
    copies: ReadonlyArray<Uint8Array | undefined>, credential: UnlockCredential, options?: KeyringOperationOptions,
  ): Promise<{ keyring: Keyring; repaired: boolean }> {
    if (!Array.isArray(copies) || copies.length === 0) throw new InvalidArgumentError('copies', 'a non-empty array of header copies', copies);
    const cred = mustCredential(credential);
    const opts = mustOptions<KeyringOperationOptions>('options', options);
    const signal = mustSignal('options.signal', opts.signal);

    const parsed: ParsedHeader[] = [];
    let firstError: unknown;
    copies.forEach((bytes, index) => {
      if (bytes === undefined) return;
      try {
        parsed.push(decodeHeader(bytes, `copy ${index}`));
      } catch (error) {
        // A copy from a newer version outranks damage as the reason to report.
        if (firstError === undefined || error instanceof FormatVersionError) firstError = error;
      }
    });
    if (parsed.length === 0) throw firstError ?? new IntegrityError('header', 'all copies', 'missing');
    parsed.sort((a, b) => (a.fields.sequence > b.fields.sequence ? -1 : a.fields.sequence < b.fields.sequence ? 1 : 0));

    const entropy = 'recoveryCode' in cred ? parseRecoveryCode(cred.recoveryCode) : undefined;
    const credentialName: Credential = entropy === undefined ? 'passphrase' : 'recovery-code';
    let lastKey: { salt: Uint8Array; cost: KdfCost; key: SymmetricKey } | undefined;
    try {
      for (const candidate of parsed) {
        throwIfAborted(signal);
        const { fields } = candidate;
        checkStoredKdfCost(fields.kdf);
        const ctx = { version: fields.version, storeId: fields.storeId, publicKey: fields.publicKey };
        let secretKey: Uint8Array | undefined;
        if (entropy !== undefined) {
          const key = recoverySlotKey(entropy, fields.recoverySalt);
          secretKey = openRecoverySlot(ctx, key, fields.recoverySalt, fields.recoverySlot);
          key.wipe();
        } else {
          // Copies usually share salt and costs; derive once per distinct pair.
          if (lastKey === undefined || !equalBytes(lastKey.salt, fields.passphraseSalt) || !sameCost(lastKey.cost, fields.kdf)) {
            lastKey?.key.wipe();
            const passphrase = (cred as { passphrase: string | Uint8Array }).passphrase;
            lastKey = { salt: fields.passphraseSalt, cost: fields.kdf, key: await passphraseSlotKey(passphrase, fields.kdf, fields.passphraseSalt, signal) };
          }
          secretKey = openPassphraseSlot(ctx, lastKey.key, fields.kdf, fields.passphraseSalt, fields.passphraseSlot);
        }
        if (secretKey === undefined) continue;
        const keyring = Keyring.#fromSecret(candidate, secretKey);
        const repaired = parsed.length !== copies.length || parsed.some((p) => p.fields.sequence !== fields.sequence);
        return { keyring, repaired };
      }
    } finally {
      lastKey?.key.wipe();
      wipe(entropy);
    }
    throw new WrongPassphraseError(credentialName);
  }

  static #fromSecret(parsed: ParsedHeader, secretKey: Uint8Array): Keyring {
    const { fields } = parsed;
    const copy = `sequence ${fields.sequence}`;
    const macKey = headerMacKey(secretKey, fields.storeId);
    if (!equalSecret(keyedHash(macKey, parsed.macInput), parsed.mac)) throw new IntegrityError('header', copy, 'MAC mismatch');
    if (!equalBytes(kemPublicKey(secretKey), fields.publicKey)) throw new IntegrityError('header', copy, 'public key does not match');
    const dataKeys = new Map<number, SymmetricKey>();
    for (const wrapped of fields.epochs) dataKeys.set(wrapped.epoch, unwrapDataKey(secretKey, fields.storeId, fields.version, wrapped));
    return new Keyring({ fields, secretKey, macKey, dataKeys });
  }

  /** The 16-byte store id bound into every AAD. */
  get storeId(): Uint8Array {
    return this.#state.fields.storeId;
  }
  /** The store's KEM public key: enough to wrap new data keys. */
  get publicKey(): Uint8Array {
    return this.#state.fields.publicKey;
  }
  /** Format version of the header (and of the AAD of its slots). */
  get version(): number {
    return this.#state.fields.version;
  }
  /** Header sequence: raised by every change. */
  get sequence(): bigint {
    return this.#state.fields.sequence;
  }
  /** The epoch new data is written under. */
  get currentEpoch(): number {
    return this.#state.fields.currentEpoch;
  }
  /** Every epoch with a live data key, ascending. */
  get epochs(): number[] {
    return this.#state.fields.epochs.map((e) => e.epoch);
  }
  /** True when `epoch` has a live data key. */
  hasEpoch(epoch: number): boolean {
    return this.#state.dataKeys.has(epoch);
  }
  /** Argon2id costs recorded in the header. */
  get kdf(): KdfCost {
    return this.#state.fields.kdf;
  }

  /**
   * The data key of `epoch`.
   * @throws {IntegrityError} where 'data-key': no key for that epoch (retired, or a record claims an epoch that never existed).
   */
  dataKey(epoch: number): SymmetricKey {
    const key = this.#state.dataKeys.get(epoch);
    if (key === undefined) throw new IntegrityError('data-key', epoch, 'no key for this epoch');
    return key;
  }

  /**
   * Checks one stored header copy: intact (checksum), authentic (MAC under
   * this store's key) and of this store. Returns the problem, or undefined.
   */
  checkHeaderCopy(bytes: Uint8Array, copy: string): string | undefined {
    let parsed: ParsedHeader;
    try {
      parsed = decodeHeader(bytes, copy);
    } catch (error) {
      return (error as Error).message;
    }
    if (!equalBytes(parsed.fields.storeId, this.#state.fields.storeId)) return 'belongs to another store';
    if (!equalSecret(keyedHash(this.#state.macKey, parsed.macInput), parsed.mac)) return 'MAC mismatch';
    return undefined;
  }

  /** The header bytes to persist (every copy gets the same bytes). */
  header(): Uint8Array {
    return encodeHeader(this.#state.fields, (input) => keyedHash(this.#state.macKey, input));
  }

  /**
   * A keyring whose passphrase slot opens with `passphrase` (new salt; data keys untouched).
   * @throws {InvalidArgumentError} empty passphrase or costs out of range.
   */
  async changePassphrase(passphrase: string | Uint8Array, options?: KeyringOperationOptions & { kdf?: Partial<KdfCost> }): Promise<Keyring> {
    const newPassphrase = mustPassphrase('passphrase', passphrase);
    const opts = mustOptions<KeyringOperationOptions & { kdf?: Partial<KdfCost> }>('options', options);
    const random = mustRandom(opts.random);
    const signal = mustSignal('options.signal', opts.signal);
    if (opts.kdf !== undefined && (opts.kdf === null || typeof opts.kdf !== 'object')) {
      throw new InvalidArgumentError('options.kdf', 'an object of Argon2id costs', opts.kdf);
    }
    const kdf = opts.kdf === undefined ? this.kdf : resolveKdfCost({ ...this.kdf, ...opts.kdf });
    const salt = random(SALT_LENGTH);
    const key = await passphraseSlotKey(newPassphrase, kdf, salt, signal);
    const passphraseSlot = sealPassphraseSlot(this.#slotContext(), key, kdf, salt, this.#state.secretKey, random);
    key.wipe();
    return this.#next({ kdf, passphraseSalt: salt, passphraseSlot });
  }

  /** A keyring with a new recovery code (the old code stops working once the header is written). */
  resetRecoveryCode(options?: KeyringOperationOptions): { keyring: Keyring; recoveryCode: Redacted<string> } {
    const random = mustRandom(mustOptions<KeyringOperationOptions>('options', options).random);
    const salt = random(SALT_LENGTH);
    const recovery = generateRecoveryCode(random);
    const key = recoverySlotKey(recovery.entropy, salt);
    wipe(recovery.entropy);
    const recoverySlot = sealRecoverySlot(this.#slotContext(), key, salt, this.#state.secretKey, random);
    key.wipe();
    return { keyring: this.#next({ recoverySalt: salt, recoverySlot }), recoveryCode: new Redacted(recovery.code) };
  }

  /** A keyring with a new epoch (fresh data key) that becomes current. */
  addEpoch(options?: KeyringOperationOptions): Keyring {
    const random = mustRandom(mustOptions<KeyringOperationOptions>('options', options).random);
    const { fields } = this.#state;
    if (fields.epochs.length >= MAX_EPOCHS) throw new InvalidArgumentError('epochs', `at most ${MAX_EPOCHS} live epochs; retire old ones first`, fields.epochs.length);
    const epoch = Math.max(...this.epochs) + 1;
    const dataKey = generateDataKey(random);
    const wrapped = wrapDataKey(fields.publicKey, fields.storeId, fields.version, epoch, dataKey, random);
    const dataKeys = new Map(this.#state.dataKeys);
    dataKeys.set(epoch, dataKey);
    return this.#next({ currentEpoch: epoch, epochs: [...fields.epochs, wrapped] }, dataKeys);
  }

  /**
   * A keyring without `epoch`'s data key, for after every record under it was
   * re-encrypted. The key itself is not wiped here: this keyring may still be
   * in use until the new header is written; wipe `dataKey(epoch)` after that.
   * @throws {InvalidArgumentError} the epoch is current or unknown.
   */
  retireEpoch(epoch: number): Keyring {
    const { fields } = this.#state;
    if (epoch === fields.currentEpoch) throw new InvalidArgumentError('epoch', 'an epoch other than the current one', epoch);
    if (!this.#state.dataKeys.has(epoch)) throw new InvalidArgumentError('epoch', 'a live epoch', epoch);
    const dataKeys = new Map(this.#state.dataKeys);
    dataKeys.delete(epoch);
    return this.#next({ epochs: fields.epochs.filter((e: WrappedEpoch) => e.epoch !== epoch) }, dataKeys);
  }

  /**
   * Wipes every secret this keyring holds. Keyrings derived from one another
   * share keys, so call this once, on the last one in use. Later use throws.
   */
  wipe(): void {
    wipe(this.#state.secretKey);
    this.#state.macKey.wipe();
    for (const key of this.#state.dataKeys.values()) key.wipe();
  }

  toString(): string {
    return 'Keyring(<redacted>)';
  }

  #slotContext(): { version: number; storeId: Uint8Array; publicKey: Uint8Array } {
    const { fields } = this.#state;
    return { version: fields.version, storeId: fields.storeId, publicKey: fields.publicKey };
  }

  #next(change: Partial<HeaderFields>, dataKeys: ReadonlyMap<number, SymmetricKey> = this.#state.dataKeys): Keyring {
    const fields = { ...this.#state.fields, ...change, sequence: this.#state.fields.sequence + 1n };
    return new Keyring({ ...this.#state, fields, dataKeys });
  }
}
redactInspection(Keyring);

function headerMacKey(secretKey: Uint8Array, storeId: Uint8Array): SymmetricKey {
  return new SymmetricKey(deriveKey(secretKey, storeId, HKDF_INFO.HEADER_MAC));
}

function sameCost(a: KdfCost, b: KdfCost): boolean {
  return a.memoryKiB === b.memoryKiB && a.iterations === b.iterations && a.parallelism === b.parallelism;
}

function mustPassphrase(argument: string, value: unknown): string | Uint8Array {
  if (typeof value === 'string') {
    if (value.length === 0) throw new InvalidArgumentError(argument, 'a non-empty string or Uint8Array', value);
    return value;
  }
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw new InvalidArgumentError(argument, 'a non-empty string or Uint8Array', value);
    return value;
  }
  throw new InvalidArgumentError(argument, 'a non-empty string or Uint8Array', value);
}

function mustRandom(value: unknown): Random {
  if (value === undefined) return systemRandom;
  if (typeof value !== 'function') throw new InvalidArgumentError('options.random', 'a function (length) => Uint8Array', value);
  return value as Random;
}

function mustCredential(value: unknown): UnlockCredential {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError('credential', 'an object with passphrase or recoveryCode', value);
  }
  const has = (k: string): boolean => (value as Record<string, unknown>)[k] !== undefined;
  if (has('passphrase') === has('recoveryCode')) {
    throw new InvalidArgumentError('credential', 'exactly one of passphrase and recoveryCode', value);
  }
  if (has('passphrase')) mustPassphrase('credential.passphrase', (value as { passphrase: unknown }).passphrase);
  else if (typeof (value as { recoveryCode: unknown }).recoveryCode !== 'string') {
    throw new InvalidArgumentError('credential.recoveryCode', 'a string', (value as { recoveryCode: unknown }).recoveryCode);
  }
  return value as UnlockCredential;
}
