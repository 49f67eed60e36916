/**
 * Decoders of authenticated plaintext (WAL ops, blocks): round trips, and
 * on arbitrary bytes they either decode or throw the typed error naming the
 * record, never anything else (a malformed-input fuzz, bounded for npm test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntegrityError } from '../../../src/errors.ts';
import { decodeWalOps, encodeWalOps } from '../../../src/engine/wal.ts';
import { BlockEncoder, DecodeErrorGuard, LargeRef, decodeBlock } from './decoders-helpers.ts';
import { DecodeError } from '../../../src/engine/codec.ts';

const opArb = fc.record({ key: fc.uint8Array({ maxLength: 40 }), value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }) });

test('WAL ops round-trip through encode and decode', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
    const plain = (list: ReadonlyArray<{ key: Uint8Array; value: Uint8Array | null }>): unknown => list.map((o) => ({ key: o.key.slice(), value: o.value === null ? null : o.value.slice() }));
    assert.deepEqual(plain(decodeWalOps(encodeWalOps(ops), 1)), plain(ops));
  }), { numRuns: 500 });
});

test('blocks round-trip, large-value references included', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 50 }), fc.nat().map((n) => new LargeRef(n)))), { minLength: 1, maxLength: 40 }), (entries) => {
    const encoder = new BlockEncoder();
    for (const [k, v] of entries) encoder.add(k, v);
    const block = decodeBlock(encoder.finish());
    assert.deepEqual(block.keys.map((k) => k.slice()), entries.map(([k]) => k));
    assert.deepEqual(block.values.map((v) => (v instanceof Uint8Array ? v.slice() : v)), entries.map(([, v]) => v));
  }), { numRuns: 500 });
});

test('arbitrary bytes never crash the decoders: they decode or throw the typed error', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try {
      decodeWalOps(bytes, 5);
    } catch (e) {
      assert.ok(e instanceof IntegrityError && e.where === 'wal' && e.id === '5', String(e));
    }
    DecodeErrorGuard(() => decodeBlock(bytes));
  }), { numRuns: 10_000 });
});

test('a decoder error is DecodeError, which run.ts turns into IntegrityError', () => {
  assert.throws(() => decodeBlock(new Uint8Array([5, 0])), DecodeError);
});
