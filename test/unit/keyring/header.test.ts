/**
 * Header codec: the byte layout documented in src/keyring/header.ts (layout
 * 2, a table of key slots) and header-v1.ts (layout 1, still read), strict
 * parsing, and that any damage (flip, truncation, unknown layout or version)
 * is a typed error naming the header copy rather than a crash or a wrong field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HEADER_V1, HEADER_V2, SLOT_TYPE, decodeHeader, encodeHeader, type HeaderFields } from '../../../src/keyring/header.ts';
import { FormatVersionError, IntegrityError } from '../../../src/errors.ts';
import { readU32, readU64, utf8 } from '../../../src/util/bytes.ts';
import { rechecksum } from '../../helpers/keyring.ts';

function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

const SLOT = 215;
const EPOCH = 1196;

function sampleFields(epochs = 2): HeaderFields {
  return {
    layout: HEADER_V2,
    version: 1,
    storeId: filled(16, 0x11),
    sequence: 0x0102030405060708n,
    publicKey: filled(1216, 0x44),
    currentEpoch: epochs,
    epochs: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, kemCipherText: filled(1120, 0x70 + i), sealedKey: filled(72, 0x80 + i) })),
    nextSlotId: 9,
    slots: [
      { id: 1, type: SLOT_TYPE.PASSPHRASE, kdf: { memoryKiB: 65536, iterations: 3, parallelism: 4 }, salt: filled(16, 0x22), sealed: filled(72, 0x55), info: filled(113, 0xa1) },
      { id: 4, type: SLOT_TYPE.RECOVERY, kdf: undefined, salt: filled(16, 0x33), sealed: filled(72, 0x66), info: filled(113, 0xa2) },
      { id: 8, type: SLOT_TYPE.KEY, kdf: undefined, salt: filled(16, 0x34), sealed: filled(72, 0x67), info: filled(113, 0xa3) },
    ],
  };
}

const FAKE_MAC = (): Uint8Array => filled(32, 0x99);

test('layout 2: fields sit at the documented offsets', () => {
  const bytes = encodeHeader(sampleFields(), FAKE_MAC);
  assert.deepEqual(bytes.subarray(0, 8), utf8('SYNAPSED'));
  assert.equal(bytes[8], HEADER_V2);
  assert.equal(bytes[9], 1, 'key format');
  assert.deepEqual(bytes.subarray(10, 26), filled(16, 0x11));
  assert.equal(readU64(bytes, 26), 0x0102030405060708n);
  assert.deepEqual(bytes.subarray(34, 1250), filled(1216, 0x44));
  assert.equal(readU32(bytes, 1250), 2, 'current epoch');
  assert.equal((bytes[1254] as number) * 256 + (bytes[1255] as number), 2, 'epoch count');
  assert.equal(readU32(bytes, 1256), 9, 'next slot id');
  assert.equal(bytes[1260], 3, 'slot count');
  assert.equal(readU32(bytes, 1261), 1);
  assert.deepEqual(bytes.subarray(1265, 2385), filled(1120, 0x70));
  assert.deepEqual(bytes.subarray(2385, 2457), filled(72, 0x80));
  assert.equal(readU32(bytes, 1261 + EPOCH), 2);
  const slots = 1261 + 2 * EPOCH;
  assert.equal(readU32(bytes, slots), 1, 'slot id');
  assert.equal(bytes[slots + 4], SLOT_TYPE.PASSPHRASE);
  assert.equal(readU32(bytes, slots + 5), 65536);
  assert.equal(readU32(bytes, slots + 9), 3);
  assert.equal(bytes[slots + 13], 4);
  assert.deepEqual(bytes.subarray(slots + 14, slots + 30), filled(16, 0x22));
  assert.deepEqual(bytes.subarray(slots + 30, slots + 102), filled(72, 0x55));
  assert.deepEqual(bytes.subarray(slots + 102, slots + 215), filled(113, 0xa1));
  assert.equal(readU32(bytes, slots + SLOT), 4);
  assert.equal(bytes[slots + SLOT + 4], SLOT_TYPE.RECOVERY);
  assert.deepEqual(bytes.subarray(slots + SLOT + 5, slots + SLOT + 14), filled(9, 0), 'no KDF costs outside passphrase slots');
  assert.equal(bytes[slots + 2 * SLOT + 4], SLOT_TYPE.KEY);
  assert.equal(bytes.length, 1261 + 2 * EPOCH + 3 * SLOT + 64);
  assert.deepEqual(bytes.subarray(bytes.length - 64, bytes.length - 32), FAKE_MAC());
});

test('decode returns exactly the encoded fields, MAC and MAC input', () => {
  const fields = sampleFields(3);
  const bytes = encodeHeader(fields, FAKE_MAC);
  const parsed = decodeHeader(bytes, 'copy 0');
  assert.deepEqual(parsed.fields, fields);
  assert.deepEqual(parsed.mac, FAKE_MAC());
  assert.deepEqual(parsed.macInput, bytes.subarray(0, bytes.length - 64));
});

test('flipping any single byte is an integrity error naming the copy', () => {
  const bytes = encodeHeader({ ...sampleFields(1), slots: sampleFields(1).slots.slice(0, 1) }, FAKE_MAC);
  for (let i = 0; i < bytes.length; i++) {
    const damaged = bytes.slice();
    damaged[i] = (damaged[i] as number) ^ (1 << (i % 8));
    assert.throws(() => decodeHeader(damaged, 'copy 1'), (e: unknown) => e instanceof IntegrityError && e.where === 'header' && e.id === 'copy 1', `byte ${i}`);
  }
});

test('every truncation and any appended byte are integrity errors', () => {
  const bytes = encodeHeader(sampleFields(1), FAKE_MAC);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeHeader(bytes.subarray(0, length), 'copy 0'), IntegrityError);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => decodeHeader(longer, 'copy 0'), IntegrityError);
});

test('an unknown layout or key format with a valid checksum is a format version error', () => {
  for (const [offset, value] of [[8, 3], [9, 7]] as const) {
    const bytes = encodeHeader(sampleFields(1), FAKE_MAC);
    bytes[offset] = value;
    assert.throws(() => decodeHeader(bytes.slice(), 'copy 0'), IntegrityError, 'checksum catches it first');
    assert.throws(() => decodeHeader(rechecksum(bytes), 'copy 0'), (e: unknown) => e instanceof FormatVersionError && e.version === value && e.where === 'header');
  }
});

test('structurally inconsistent headers are rejected even with a valid checksum', () => {
  const bad = (fields: HeaderFields, label: string): void => {
    assert.throws(() => decodeHeader(encodeHeader(fields, FAKE_MAC), 'copy 0'), IntegrityError, label);
  };
  const base = sampleFields(2);
  bad({ ...base, currentEpoch: 7 }, 'current epoch without key');
  bad({ ...base, epochs: [base.epochs[1]!, base.epochs[0]!] }, 'epochs out of order');
  bad({ ...base, slots: [base.slots[1]!, base.slots[0]!] }, 'slots out of order');
  bad({ ...base, nextSlotId: 8 }, 'a slot id not below the next id');
  bad({ ...base, slots: [] }, 'no slot');
  const unknownType = encodeHeader(base, FAKE_MAC);
  unknownType[1261 + 2 * EPOCH + 4] = 9;
  assert.throws(() => decodeHeader(rechecksum(unknownType), 'copy 0'), IntegrityError, 'unknown slot type');
  const costsOnKeySlot = encodeHeader(base, FAKE_MAC);
  costsOnKeySlot[1261 + 2 * EPOCH + 2 * SLOT + 6] = 1;
  assert.throws(() => decodeHeader(rechecksum(costsOnKeySlot), 'copy 0'), IntegrityError, 'KDF costs on a key slot');
});

test('a layout-1 header (the v1-basic fixture) decodes into two slots with the fields at the old offsets', async () => {
  const bytes = new Uint8Array(await readFile(fileURLToPath(new URL('../../fixtures/stores/v1-basic/store/HEADER-A', import.meta.url))));
  assert.equal(bytes[8], HEADER_V1);
  const { fields } = decodeHeader(bytes, 'copy 0');
  assert.equal(fields.layout, HEADER_V1);
  assert.equal(fields.version, 1);
  assert.deepEqual(fields.storeId, bytes.subarray(9, 25));
  assert.equal(fields.sequence, readU64(bytes, 25));
  assert.deepEqual(fields.publicKey, bytes.subarray(75, 1291));
  assert.equal(fields.currentEpoch, 2, 'the fixture rotated its key once');
  assert.deepEqual(fields.epochs.map((e) => e.epoch), [2]);
  assert.equal(fields.nextSlotId, 3);
  const [passphrase, recovery] = fields.slots;
  assert.deepEqual(passphrase, {
    id: 1, type: SLOT_TYPE.PASSPHRASE, kdf: { memoryKiB: readU32(bytes, 34), iterations: readU32(bytes, 38), parallelism: bytes[42] },
    salt: bytes.slice(43, 59), sealed: bytes.slice(1291, 1363), info: undefined,
  });
  assert.deepEqual(recovery, { id: 2, type: SLOT_TYPE.RECOVERY, kdf: undefined, salt: bytes.slice(59, 75), sealed: bytes.slice(1363, 1435), info: undefined });
  for (const length of [100, 1440, bytes.length - 1]) assert.throws(() => decodeHeader(rechecksum(bytes.slice(0, length)), 'copy 0'), IntegrityError);
  const badKdf = bytes.slice();
  badKdf[33] = 9;
  assert.throws(() => decodeHeader(rechecksum(badKdf), 'copy 0'), IntegrityError, 'unknown KDF byte');
});
