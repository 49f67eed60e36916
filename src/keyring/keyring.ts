/**
 * The key hierarchy of one store, unlocked.
 *
 *   passphrase ----Argon2id+HKDF--> slot key --+
 *   recovery code -------HKDF-----> slot key --+--> KEM secret key --> header MAC key, slot-info key
 *   raw 32-byte key -----HKDF-----> slot key --+         |
 *                                   KEM public key --wraps--> data key of each epoch
 *
 * Key slots (header.ts) are the ways in: any number of passphrase, recovery
 * code and raw-key slots (up to MAX_SLOTS), each sealing the same KEM secret
 * key. Adding or removing one rewrites only the header.
 *
 * A `Keyring` is immutable: every change (slots, epochs) returns a new
 * keyring with the header sequence raised, and the caller persists
 * `header()` before using it. A failed header write may have reached one
 * copy, so after a failure either keyring may be the one on disk; both stay
 * valid (keys are shared, and wiping one wipes the keys of every keyring
 * derived from it).
 *
 * Unlock reads every header copy, prefers the newest intact one, and falls
 * back to an older intact copy if the credential opens only that one (a
 * crash between writing the two copies of a slot change must not lock out
 * the credential that was still in force). A keyring unlocked from a
 * layout-1 header (header-v1.ts) is already converted to layout 2 in memory,
 * with its sequence raised: `needsUpgrade` tells the caller to write it.
 *
 * Length: about 500 lines, over the house guide, because every operation
 * that reads or changes the key hierarchy needs its private state; inputs
 * and their checks live in inputs.ts, byte layouts in header.ts and slots.ts.
 */
import { InvalidArgumentError, IntegrityError, LastKeySlotError, WrongPassphraseError, FormatVersionError } from '../errors.ts';
import { FORMAT_LATEST } from '../format.ts';
import { STORE_ID_LENGTH } from '../crypto/aad.ts';
import { HKDF_INFO, deriveKey } from '../crypto/kdf.ts';
import { equalSecret, keyedHash } from '../crypto/keyed-hash.ts';
import { generateKemKeyPair, kemPublicKey } from '../crypto/kem.ts';
import { KEY_LENGTH, SymmetricKey } from '../crypto/keys.ts';
import { systemRandom, type Random } from '../crypto/random.ts';
import { Redacted, redactInspection, wipe } from '../crypto/redacted.ts';
import { equalBytes, toHex } from '../util/bytes.ts';
import { mustOptions, mustSignal, throwIfAborted } from '../util/validate.ts';
import {
  HEADER_V2, MAX_EPOCHS, MAX_SLOTS, SALT_LENGTH, SLOT_TYPE, decodeHeader, encodeHeader,
  type HeaderFields, type ParsedHeader, type SlotEntry, type SlotType, type WrappedEpoch,
} from './header.ts';
import { checkStoredKdfCost, resolveKdfCost, type KdfCost } from './kdf-params.ts';
import { generateRecoveryCode, parseRecoveryCode } from './recovery-code.ts';
import { generateDataKey, unwrapDataKey, wrapDataKey } from './data-keys.ts';
import {
  keySlotKey, openKeySlot, openPassphraseSlot, openRecoverySlot, openSlotInfo, passphraseSlotKey, recoverySlotKey,
  sealKeySlot, sealPassphraseSlot, sealRecoverySlot, sealSlotInfo, slotInfoKey, type SlotContext, type SlotInfo,
} from './slots.ts';
import {
  checkCredential, mustClock, mustKey, mustNewSlot, mustPassphrase, mustRandom, type KeySlotInfo, type KeySlotType, type NewKeySlot, type UnlockCredential,
} from './inputs.ts';

export { checkCredential, type KeySlotInfo, type KeySlotType, type NewKeySlot, type UnlockCredential } from './inputs.ts';

/** Options for `Keyring.create`: at least one of `passphrase` and `key`. A recovery code is always made. */
export interface CreateKeyringOptions {
  readonly passphrase?: string | Uint8Array;
  /** A raw 32-byte key from the app (OS keychain, safeStorage, hardware token): a slot that opens without a KDF. */
  readonly key?: Uint8Array;
  /** Argon2id costs of the passphrase slot; each at or above the floor (kdf-params.ts). */
  readonly kdf?: Partial<KdfCost>;
  readonly random?: Random;
  /** Milliseconds since the Unix epoch, for slot creation times. Default `Date.now`. */
  readonly clock?: () => number;
  readonly signal?: AbortSignal;
}

/** Options for unlocking and re-keying. */
export interface KeyringOperationOptions {
  readonly random?: Random;
  readonly clock?: () => number;
  readonly signal?: AbortSignal;
}

const DEFAULT_LABEL: Record<SlotType, string> = {
  [SLOT_TYPE.PASSPHRASE]: 'passphrase',
  [SLOT_TYPE.RECOVERY]: 'recovery code',
  [SLOT_TYPE.KEY]: 'key',
};
const TYPE_NAME: Record<SlotType, KeySlotType> = {
  [SLOT_TYPE.PASSPHRASE]: 'passphrase',
  [SLOT_TYPE.RECOVERY]: 'recovery-code',
  [SLOT_TYPE.KEY]: 'key',
};

interface KeyringState {
  readonly fields: HeaderFields;
  readonly infos: ReadonlyMap<number, SlotInfo>;
  readonly secretKey: Uint8Array;
  readonly macKey: SymmetricKey;
  readonly infoKey: SymmetricKey;
  readonly dataKeys: ReadonlyMap<number, SymmetricKey>;
  /** The layout of the copy this keyring was unlocked from, when older than HEADER_V2. */
  readonly upgradeFrom: number | undefined;
}

/** An unlocked store key hierarchy. */
export class Keyring {
  readonly #state: KeyringState;

  private constructor(state: KeyringState) {
    this.#state = state;
  }

  /**
   * Creates a new key hierarchy with epoch 1: a passphrase slot and/or a raw-key slot, and a recovery-code slot.
   * @returns the keyring and the recovery code, to be shown to the user once.
   * @throws {InvalidArgumentError} neither passphrase nor key, an empty passphrase, a key not of 32 bytes, or KDF costs out of range.
   */
  static async create(options: CreateKeyringOptions): Promise<{ keyring: Keyring; recoveryCode: Redacted<string> }> {
    const opts = mustOptions<CreateKeyringOptions>('options', options);
    if (opts.passphrase === undefined && opts.key === undefined) {
      throw new InvalidArgumentError('options.passphrase', 'a passphrase (or options.key, or both)', undefined);
    }
    const passphrase = opts.passphrase === undefined ? undefined : mustPassphrase('options.passphrase', opts.passphrase);
    const key = opts.key === undefined ? undefined : mustKey('options.key', opts.key);
    const kdf = resolveKdfCost(opts.kdf);
    const random = mustRandom(opts.random);
    const clock = mustClock(opts.clock);
    const signal = mustSignal('options.signal', opts.signal);
    throwIfAborted(signal);

    const storeId = random(STORE_ID_LENGTH);
    const { publicKey, secretKey } = generateKemKeyPair(random);
    const dataKey = generateDataKey(random);
    const fields: HeaderFields = {
      layout: HEADER_V2, version: FORMAT_LATEST, storeId, sequence: 0n, publicKey, currentEpoch: 1,
      epochs: [wrapDataKey(publicKey, storeId, FORMAT_LATEST, 1, dataKey, random)], nextSlotId: 1, slots: [],
    };
    let keyring = Keyring.#assemble(fields, new Map(), secretKey, new Map([[1, dataKey]]), undefined);
    const ops = { random, clock, ...(signal === undefined ? {} : { signal }) };
    if (passphrase !== undefined) keyring = (await keyring.addSlot({ passphrase, kdf }, ops)).keyring;
    if (key !== undefined) keyring = (await keyring.addSlot({ key }, ops)).keyring;
    const { keyring: done, recoveryCode } = await keyring.addSlot({ recoveryCode: true }, ops);
    return { keyring: done, recoveryCode: recoveryCode as Redacted<string> };
  }

  /**
   * A keyring for a memory-only store: the same key hierarchy and record
   * sealing, but its one slot is sealed under a random key nobody keeps, so
   * nothing can ever unlock it again (which is the point).
   */
  static async createEphemeral(random: Random = systemRandom): Promise<Keyring> {
    const key = random(KEY_LENGTH);
    const { keyring } = await Keyring.create({ key, random });
    const { keyring: bare } = keyring.#withoutRecovery();
    wipe(key);
    return bare;
  }

  #withoutRecovery(): { keyring: Keyring } {
    const slots = this.#state.fields.slots.filter((s) => s.type !== SLOT_TYPE.RECOVERY);
    return { keyring: this.#next({ slots }) };
  }

  /**
   * Unlocks from the header copies read from disk (missing copies as undefined).
   * `repaired` is true when the copies disagree or one is damaged: the caller
   * should write `keyring.header()` to every copy (so should it when
   * `keyring.needsUpgrade`). `slot` is the id of the slot that opened.
   * @throws {WrongPassphraseError} the credential opens no slot of any intact copy (`credential` names its kind).
   * @throws {IntegrityError} where 'header' (no intact copy, or a MAC mismatch) or 'data-key'.
   * @throws {FormatVersionError} the header was written by a newer version.
   * @throws {KdfTooWeakError} a passphrase slot's Argon2id costs are below the floor.
   */
  static async unlock(
    copies: ReadonlyArray<Uint8Array | undefined>, credential: UnlockCredential, options?: KeyringOperationOptions,
  ): Promise<{ keyring: Keyring; repaired: boolean; slot: number }> {
    if (!Array.isArray(copies) || copies.length === 0) throw new InvalidArgumentError('copies', 'a non-empty array of header copies', copies);
    const cred = checkCredential(credential);
    const opts = mustOptions<KeyringOperationOptions>('options', options);
    const signal = mustSignal('options.signal', opts.signal);
    const random = mustRandom(opts.random);

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
    const rawKey = 'key' in cred ? cred.key : undefined;
    const type: SlotType = entropy !== undefined ? SLOT_TYPE.RECOVERY : rawKey !== undefined ? SLOT_TYPE.KEY : SLOT_TYPE.PASSPHRASE;
    // Copies usually share their passphrase slots: derive once per distinct (salt, costs).
    const derived = new Map<string, SymmetricKey>();
    try {
      for (const candidate of parsed) {
        const { fields } = candidate;
        const ctx: SlotContext = { version: fields.version, storeId: fields.storeId, publicKey: fields.publicKey };
        for (const slot of fields.slots) {
          if (slot.type !== type) continue;
          throwIfAborted(signal);
          let secretKey: Uint8Array | undefined;
          if (type === SLOT_TYPE.RECOVERY) {
            const key = recoverySlotKey(entropy as Uint8Array, slot.salt);
            secretKey = openRecoverySlot(ctx, key, slot.salt, slot.sealed);
            key.wipe();
          } else if (type === SLOT_TYPE.KEY) {
            const key = keySlotKey(rawKey as Uint8Array, slot.salt);
            secretKey = openKeySlot(ctx, key, slot.salt, slot.sealed);
            key.wipe();
          } else {
            const cost = slot.kdf as KdfCost;
            checkStoredKdfCost(cost);
            const id = `${toHex(slot.salt)}/${cost.memoryKiB}/${cost.iterations}/${cost.parallelism}`;
            let key = derived.get(id);
            if (key === undefined) {
              key = await passphraseSlotKey((cred as { passphrase: string | Uint8Array }).passphrase, cost, slot.salt, signal);
              derived.set(id, key);
            }
            secretKey = openPassphraseSlot(ctx, key, cost, slot.salt, slot.sealed);
          }
          if (secretKey === undefined) continue;
          const keyring = Keyring.#fromSecret(candidate, secretKey, random);
          const repaired = parsed.length !== copies.length || parsed.some((p) => p.fields.sequence !== fields.sequence);
          return { keyring, repaired, slot: slot.id };
        }
      }
    } finally {
      for (const key of derived.values()) key.wipe();
      wipe(entropy);
    }
    throw new WrongPassphraseError(TYPE_NAME[type]);
  }

  static #fromSecret(parsed: ParsedHeader, secretKey: Uint8Array, random: Random): Keyring {
    const { fields } = parsed;
    const copy = `sequence ${fields.sequence}`;
    const macKey = headerMacKey(secretKey, fields.storeId);
    if (!equalSecret(keyedHash(macKey, parsed.macInput), parsed.mac)) throw new IntegrityError('header', copy, 'MAC mismatch');
    if (!equalBytes(kemPublicKey(secretKey), fields.publicKey)) throw new IntegrityError('header', copy, 'public key does not match');
    const dataKeys = new Map<number, SymmetricKey>();
    for (const wrapped of fields.epochs) dataKeys.set(wrapped.epoch, unwrapDataKey(secretKey, fields.storeId, fields.version, wrapped));
    const infoKey = slotInfoKey(secretKey, fields.storeId);
    const ctx: SlotContext = { version: fields.version, storeId: fields.storeId, publicKey: fields.publicKey };
    const infos = new Map<number, SlotInfo>();
    if (fields.layout === HEADER_V2) {
      for (const slot of fields.slots) infos.set(slot.id, openSlotInfo(ctx, infoKey, slot as SlotEntry & { info: Uint8Array }));
      return new Keyring({ fields, infos, secretKey, macKey, infoKey, dataKeys, upgradeFrom: undefined });
    }
    // An older layout: convert now (labels are the defaults, creation times unknown); the caller writes it unless read-only.
    const slots = fields.slots.map((slot) => {
      const info: SlotInfo = { label: DEFAULT_LABEL[slot.type], created: undefined };
      infos.set(slot.id, info);
      return { ...slot, info: sealSlotInfo(ctx, infoKey, slot, info, random) };
    });
    const upgraded: HeaderFields = { ...fields, layout: HEADER_V2, slots, sequence: fields.sequence + 1n };
    return new Keyring({ fields: upgraded, infos, secretKey, macKey, infoKey, dataKeys, upgradeFrom: fields.layout });
  }

  static #assemble(
    fields: HeaderFields, infos: ReadonlyMap<number, SlotInfo>, secretKey: Uint8Array, dataKeys: ReadonlyMap<number, SymmetricKey>, upgradeFrom: number | undefined,
  ): Keyring {
    const macKey = headerMacKey(secretKey, fields.storeId);
    return new Keyring({ fields, infos, secretKey, macKey, infoKey: slotInfoKey(secretKey, fields.storeId), dataKeys, upgradeFrom });
  }

  /** The 16-byte store id bound into every AAD. */
  get storeId(): Uint8Array {
    return this.#state.fields.storeId;
  }
  /** The store's KEM public key: enough to wrap new data keys. */
  get publicKey(): Uint8Array {
    return this.#state.fields.publicKey;
  }
  /** Format version bound into the AAD of slots and wrapped data keys. */
  get version(): number {
    return this.#state.fields.version;
  }
  /** Header sequence: raised by every change. */
  get sequence(): bigint {
    return this.#state.fields.sequence;
  }
  /** The header layout this keyring was read from, when older than the one `header()` writes (then the store needs an upgrade). */
  get upgradeFrom(): number | undefined {
    return this.#state.upgradeFrom;
  }
  /** True when the header on disk is of an older layout: write `header()` to upgrade it. */
  get needsUpgrade(): boolean {
    return this.#state.upgradeFrom !== undefined;
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

  /** Every key slot, ascending id: id, type, label, creation time. Never a secret. */
  get slots(): KeySlotInfo[] {
    return this.#state.fields.slots.map((slot) => {
      const info = this.#state.infos.get(slot.id) as SlotInfo;
      return { id: slot.id, type: TYPE_NAME[slot.type], label: info.label, created: info.created };
    });
  }

  /** Argon2id costs of a passphrase slot, or undefined. */
  slotKdf(id: number): KdfCost | undefined {
    return this.#state.fields.slots.find((s) => s.id === id)?.kdf;
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

  /** The header bytes to persist, in the current layout (every copy gets the same bytes). */
  header(): Uint8Array {
    return encodeHeader(this.#state.fields, (input) => keyedHash(this.#state.macKey, input));
  }

  /**
   * A keyring with one more key slot. For `{ recoveryCode: true }` a new
   * code is generated and returned (show it once).
   * @throws {InvalidArgumentError} a bad slot description or label, or already MAX_SLOTS slots.
   */
  async addSlot(slot: NewKeySlot, options?: KeyringOperationOptions): Promise<{ keyring: Keyring; slot: KeySlotInfo; recoveryCode?: Redacted<string> }> {
    const spec = mustNewSlot(slot);
    const opts = mustOptions<KeyringOperationOptions>('options', options);
    const random = mustRandom(opts.random);
    const clock = mustClock(opts.clock);
    const signal = mustSignal('options.signal', opts.signal);
    const { fields } = this.#state;
    if (fields.slots.length >= MAX_SLOTS) throw new InvalidArgumentError('slot', `at most ${MAX_SLOTS} key slots; remove one first`, fields.slots.length);
    const id = fields.nextSlotId;
    const salt = random(SALT_LENGTH);
    let made: { entry: SlotEntry; info: SlotInfo };
    let recoveryCode: Redacted<string> | undefined;
    if (spec.kind === 'passphrase') {
      const kdf = resolveKdfCost(spec.kdf, 'slot.kdf');
      const key = await passphraseSlotKey(spec.passphrase, kdf, salt, signal);
      made = this.#sealSlot(SLOT_TYPE.PASSPHRASE, id, salt, kdf, key, spec.label, clock(), random);
    } else if (spec.kind === 'key') {
      made = this.#sealSlot(SLOT_TYPE.KEY, id, salt, undefined, keySlotKey(spec.key, salt), spec.label, clock(), random);
    } else {
      const recovery = generateRecoveryCode(random);
      made = this.#sealSlot(SLOT_TYPE.RECOVERY, id, salt, undefined, recoverySlotKey(recovery.entropy, salt), spec.label, clock(), random);
      wipe(recovery.entropy);
      recoveryCode = new Redacted(recovery.code);
    }
    const infos = new Map(this.#state.infos).set(id, made.info);
    const keyring = this.#next({ slots: [...fields.slots, made.entry], nextSlotId: id + 1 }, undefined, infos);
    const shown = keyring.slots.find((s) => s.id === id) as KeySlotInfo;
    return recoveryCode === undefined ? { keyring, slot: shown } : { keyring, slot: shown, recoveryCode };
  }

  /**
   * A keyring without key slot `id`.
   * @throws {LastKeySlotError} it is the only slot left.
   * @throws {InvalidArgumentError} argument 'id': no such slot.
   */
  removeSlot(id: number): Keyring {
    const { slots } = this.#state.fields;
    if (!slots.some((s) => s.id === id)) throw new InvalidArgumentError('id', 'the id of a key slot of this store', id);
    if (slots.length === 1) throw new LastKeySlotError(id);
    const infos = new Map(this.#state.infos);
    infos.delete(id);
    return this.#next({ slots: slots.filter((s) => s.id !== id) }, undefined, infos);
  }

  /**
   * A keyring whose passphrase slot (`options.slot`, or the only one) opens
   * with `passphrase`: new salt and creation time, same id and label, data keys untouched.
   * @throws {InvalidArgumentError} empty passphrase, costs out of range, or no (or an ambiguous) passphrase slot.
   */
  async changePassphrase(passphrase: string | Uint8Array, options?: KeyringOperationOptions & { kdf?: Partial<KdfCost>; slot?: number }): Promise<Keyring> {
    const newPassphrase = mustPassphrase('passphrase', passphrase);
    const opts = mustOptions<KeyringOperationOptions & { kdf?: Partial<KdfCost>; slot?: number }>('options', options);
    if (opts.kdf !== undefined && (opts.kdf === null || typeof opts.kdf !== 'object')) {
      throw new InvalidArgumentError('options.kdf', 'an object of Argon2id costs', opts.kdf);
    }
    const random = mustRandom(opts.random);
    const clock = mustClock(opts.clock);
    const signal = mustSignal('options.signal', opts.signal);
    const { slots } = this.#state.fields;
    const candidates = slots.filter((s) => s.type === SLOT_TYPE.PASSPHRASE && (opts.slot === undefined || s.id === opts.slot));
    if (candidates.length !== 1) {
      throw new InvalidArgumentError('options.slot', opts.slot === undefined ? 'the id of a passphrase slot (the store has several or none)' : 'the id of a passphrase slot', opts.slot);
    }
    const target = candidates[0] as SlotEntry;
    const kdf = resolveKdfCost({ ...target.kdf, ...opts.kdf });
    const salt = random(SALT_LENGTH);
    const key = await passphraseSlotKey(newPassphrase, kdf, salt, signal);
    const made = this.#sealSlot(SLOT_TYPE.PASSPHRASE, target.id, salt, kdf, key, this.#label(target.id), clock(), random);
    const infos = new Map(this.#state.infos).set(target.id, made.info);
    return this.#next({ slots: slots.map((s) => (s.id === target.id ? made.entry : s)) }, undefined, infos);
  }

  /** A keyring whose recovery-code slots are replaced by one new code (old codes stop working once the header is written). */
  resetRecoveryCode(options?: KeyringOperationOptions): { keyring: Keyring; recoveryCode: Redacted<string> } {
    const opts = mustOptions<KeyringOperationOptions>('options', options);
    const random = mustRandom(opts.random);
    const clock = mustClock(opts.clock);
    const { fields } = this.#state;
    const old = fields.slots.filter((s) => s.type === SLOT_TYPE.RECOVERY);
    const id = fields.nextSlotId;
    const salt = random(SALT_LENGTH);
    const recovery = generateRecoveryCode(random);
    const label = old[0] === undefined ? undefined : this.#label(old[0].id);
    const made = this.#sealSlot(SLOT_TYPE.RECOVERY, id, salt, undefined, recoverySlotKey(recovery.entropy, salt), label, clock(), random);
    wipe(recovery.entropy);
    const infos = new Map(this.#state.infos);
    for (const s of old) infos.delete(s.id);
    infos.set(id, made.info);
    const slots = [...fields.slots.filter((s) => s.type !== SLOT_TYPE.RECOVERY), made.entry];
    return { keyring: this.#next({ slots, nextSlotId: id + 1 }, undefined, infos), recoveryCode: new Redacted(recovery.code) };
  }

  /** Seals the KEM secret key under `slotKey` (then wiped) with the slot type's AAD, and the slot's info. */
  #sealSlot(
    type: SlotType, id: number, salt: Uint8Array, kdf: KdfCost | undefined, slotKey: SymmetricKey, label: string | undefined, created: number, random: Random,
  ): { entry: SlotEntry; info: SlotInfo } {
    const ctx = this.#slotContext();
    const secretKey = this.#state.secretKey;
    let sealed: Uint8Array;
    if (type === SLOT_TYPE.PASSPHRASE) sealed = sealPassphraseSlot(ctx, slotKey, kdf as KdfCost, salt, secretKey, random);
    else if (type === SLOT_TYPE.KEY) sealed = sealKeySlot(ctx, slotKey, salt, secretKey, random);
    else sealed = sealRecoverySlot(ctx, slotKey, salt, secretKey, random);
    slotKey.wipe();
    const info: SlotInfo = { label: label ?? DEFAULT_LABEL[type], created };
    const entry: SlotEntry = { id, type, kdf, salt, sealed, info: sealSlotInfo(ctx, this.#state.infoKey, { id, type, salt }, info, random) };
    return { entry, info };
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
    this.#state.infoKey.wipe();
    for (const key of this.#state.dataKeys.values()) key.wipe();
  }

  toString(): string {
    return 'Keyring(<redacted>)';
  }

  #label(id: number): string {
    return (this.#state.infos.get(id) as SlotInfo).label;
  }

  #slotContext(): SlotContext {
    const { fields } = this.#state;
    return { version: fields.version, storeId: fields.storeId, publicKey: fields.publicKey };
  }

  #next(change: Partial<HeaderFields>, dataKeys: ReadonlyMap<number, SymmetricKey> = this.#state.dataKeys, infos: ReadonlyMap<number, SlotInfo> = this.#state.infos): Keyring {
    const fields = { ...this.#state.fields, ...change, sequence: this.#state.fields.sequence + 1n };
    return new Keyring({ ...this.#state, fields, dataKeys, infos });
  }
}
redactInspection(Keyring);

function headerMacKey(secretKey: Uint8Array, storeId: Uint8Array): SymmetricKey {
  return new SymmetricKey(deriveKey(secretKey, storeId, HKDF_INFO.HEADER_MAC));
}
