/**
 * Header codec: the byte layout documented in src/keyring/header.ts, strict
 * parsing, and that any damage (flip, truncation, unknown version) is a typed
 * error naming the header copy rather than a crash or a wrong field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, encodeHeader, type HeaderFields } from '../../../src/keyring/header.ts';
import { FormatVersionError, IntegrityError } from '../../../src/errors.ts';
import { readU32, readU64, utf8 } from '../../../src/util/bytes.ts';
import { rechecksum } from '../../helpers/keyring.ts';

function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

function sampleFields(epochs = 2): HeaderFields {
  return {
    version: 1,
    storeId: filled(16, 0x11),
    sequence: 0x0102030405060708n,
    kdf: { memoryKiB: 65536, iterations: 3, parallelism: 4 },
    passphraseSalt: filled(16, 0x22),
    recoverySalt: filled(16, 0x33),
    publicKey: filled(1216, 0x44),
    passphraseSlot: filled(72, 0x55),
    recoverySlot: filled(72, 0x66),
    currentEpoch: epochs,
    epochs: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, kemCipherText: filled(1120, 0x70 + i), sealedKey: filled(72, 0x80 + i) })),
  };
}

const FAKE_MAC = (): Uint8Array => filled(32, 0x99);

test('fields sit at the documented offsets', () => {
  const bytes = encodeHeader(sampleFields(), FAKE_MAC);
  assert.deepEqual(bytes.subarray(0, 8), utf8('SYNAPSED'));
  assert.equal(bytes[8], 1);
  assert.deepEqual(bytes.subarray(9, 25), filled(16, 0x11));
  assert.equal(readU64(bytes, 25), 0x0102030405060708n);
  assert.equal(bytes[33], 1, 'KDF algorithm Argon2id');
  assert.equal(readU32(bytes, 34), 65536);
  assert.equal(readU32(bytes, 38), 3);
  assert.equal(bytes[42], 4);
  assert.deepEqual(bytes.subarray(43, 59), filled(16, 0x22));
  assert.deepEqual(bytes.subarray(59, 75), filled(16, 0x33));
  assert.deepEqual(bytes.subarray(75, 1291), filled(1216, 0x44));
  assert.deepEqual(bytes.subarray(1291, 1363), filled(72, 0x55));
  assert.deepEqual(bytes.subarray(1363, 1435), filled(72, 0x66));
  assert.equal(readU32(bytes, 1435), 2);
  assert.equal((bytes[1439] as number) * 256 + (bytes[1440] as number), 2);
  assert.equal(readU32(bytes, 1441), 1);
  assert.deepEqual(bytes.subarray(1445, 2565), filled(1120, 0x70));
  assert.deepEqual(bytes.subarray(2565, 2637), filled(72, 0x80));
  assert.equal(readU32(bytes, 2637), 2);
  assert.equal(bytes.length, 1441 + 2 * 1196 + 64);
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
  const bytes = encodeHeader(sampleFields(1), FAKE_MAC);
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

test('an unknown version with a valid checksum is a format version error', async () => {
  const bytes = encodeHeader(sampleFields(1), FAKE_MAC);
  bytes[8] = 2;
  assert.throws(() => decodeHeader(bytes.slice(), 'copy 0'), IntegrityError, 'checksum catches it first');
  const forged = rechecksum(bytes);
  assert.throws(() => decodeHeader(forged, 'copy 0'), (e: unknown) => e instanceof FormatVersionError && e.version === 2 && e.where === 'header');
});

test('structurally inconsistent headers are rejected even with a valid checksum', async () => {
  const noCurrent = encodeHeader({ ...sampleFields(2), currentEpoch: 7 }, FAKE_MAC);
  assert.throws(() => decodeHeader(noCurrent, 'copy 0'), IntegrityError);
  const unordered = sampleFields(2);
  const swapped = encodeHeader({ ...unordered, epochs: [unordered.epochs[1]!, unordered.epochs[0]!] }, FAKE_MAC);
  assert.throws(() => decodeHeader(swapped, 'copy 0'), IntegrityError);
  const badKdf = encodeHeader(sampleFields(1), FAKE_MAC);
  badKdf[33] = 9;
  assert.throws(() => decodeHeader(rechecksum(badKdf), 'copy 0'), IntegrityError);
});
