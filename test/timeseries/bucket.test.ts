/**
 * The bucket codec (src/timeseries/bucket.ts) and the key layout
 * (series-key.ts): known-answer vectors, so a format change shows up as a
 * diff here; round trips of any finite doubles through encode, append and
 * merge, bit for bit; and malformed buckets rejected as IntegrityError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntegrityError } from '../../src/index.ts';
import { appendBucket, decodeBucket, encodeBucket, mergePoints, readHeader } from '../../src/timeseries/bucket.ts';
import { bucketKey, bucketStartOf, decodeMeta, encodeMeta, escapeBytes, metaKey, namePrefix, readEscaped, seriesPrefix } from '../../src/timeseries/series-key.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

test('bucket encoding matches the known-answer vector', () => {
  const bytes = encodeBucket(1000, [1000, 1001, 1003, 1010], [0.5, 0.5, 1.25, 42.17]);
  assert.equal(hex(bytes), [
    '01', '04', '0a', '404515c28f5c28f6', // format 1, n = 4, last t - start = 10, last value 42.17
    '00', '91', '0a', //   t + 0; decimal k = 1: d = 5 - round(0 * 10) = 5, zigzag 10 (shorter than XOR's 2 bytes 3fe0)
    '01', '80', //         t + 1; repeat
    '02', '16', '14', //   t + 2; XOR 3fe0.. ^ 3ff4.. = 0014000000000000: L = 1, T = 6, byte 0x14
    '07', '92', 'f83f', // t + 7; decimal k = 2: d = 4217 - round(1.25 * 100) = 4092, zigzag 8184 (XOR would be 8 bytes)
  ].join(''));
  assert.deepEqual(decodeBucket(1000, bytes), { times: new Float64Array([1000, 1001, 1003, 1010]), values: new Float64Array([0.5, 0.5, 1.25, 42.17]) });
});

test('keys match the known-answer vectors and sort as (name, series, time)', () => {
  const name = escapeBytes(utf8('cpu'));
  assert.equal(hex(name), '6370750000');
  assert.equal(hex(escapeBytes(utf8('a\u0000b'))), '610001620000');
  assert.equal(hex(metaKey(name)), '016370750000');
  const prefix = seriesPrefix(namePrefix(name), escapeBytes(utf8('h1')));
  assert.equal(hex(bucketKey(prefix, 2 ** 53 - 3_600_000)), '02637075000068310000001fffffffc91180');
  assert.equal(bucketStartOf(bucketKey(prefix, 2 ** 53 - 3_600_000)), 2 ** 53 - 3_600_000);
  assert.deepEqual(readEscaped(prefix, 1 + name.length), { text: 'h1', end: prefix.length });
  assert.equal(hex(encodeMeta(3_600_000)), '0180dddb01');
  assert.equal(decodeMeta(encodeMeta(3_600_000)), 3_600_000);

  const key = (n: string, s: string, t: number): Buffer => Buffer.from(bucketKey(seriesPrefix(namePrefix(escapeBytes(utf8(n))), escapeBytes(utf8(s))), t));
  const tuple = fc.tuple(fc.string({ minLength: 1, unit: 'binary' }), fc.string({ minLength: 1, unit: 'binary' }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
  const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  fc.assert(fc.property(tuple, tuple, ([n1, s1, t1], [n2, s2, t2]) => {
    const expected = Math.sign(cmp(n1, n2) || cmp(s1, s2) || t1 - t2);
    assert.equal(Math.sign(Buffer.compare(key(n1, s1, t1), key(n2, s2, t2))), expected);
  }), { numRuns: 2000 });
});

const anyValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -5, max: 5 }),
  fc.integer({ min: -(2 ** 45), max: 2 ** 45 }).map((n) => n / 1000), fc.maxSafeInteger(), fc.constantFrom(0, -0, 5e-324, Number.MAX_VALUE),
);
/** Strictly increasing times within [start, start + span) and a value each. */
const bucketPoints = fc.uniqueArray(fc.integer({ min: 0, max: 99_999 }), { minLength: 1, maxLength: 60 })
  .chain((offsets) => fc.tuple(fc.constant(offsets.sort((a, b) => a - b)), fc.array(anyValue, { minLength: offsets.length, maxLength: offsets.length })));

test('any finite doubles round-trip bit for bit through encode, append and merge', () => {
  const start = 2 ** 53 - 100_000;
  fc.assert(fc.property(bucketPoints, bucketPoints, ([o1, v1], [o2, v2]) => {
    const t1 = o1.map((o) => start + o);
    const first = encodeBucket(start, t1, v1);
    assert.deepEqual(decodeBucket(start, first), { times: new Float64Array(t1), values: new Float64Array(v1) });
    // Append: the second set, shifted past the first one's last point, continues the encoding.
    const shift = (t1.at(-1) as number) + 1 - start;
    const later = o2.map((o) => start + shift + (o % (100_000 - shift)));
    const keep = later.map((t, i) => (i === 0 || t !== later[i - 1]));
    const t2 = later.filter((_, i) => keep[i]);
    const vs2 = v2.filter((_, i) => keep[i]);
    const appended = appendBucket(start, first, readHeader(start, first), t2, vs2, 0, t2.length);
    assert.deepEqual(appended, encodeBucket(start, [...t1, ...t2], [...v1, ...vs2]), 'append equals encoding the whole');
    // Merge: overlapping times take the incoming value.
    const t3 = o2.map((o) => start + o);
    const merged = mergePoints(decodeBucket(start, first), t3, v2, 0, t3.length);
    const expected = new Map<number, number>(t1.map((t, i) => [t, v1[i] as number]));
    for (const [i, t] of t3.entries()) expected.set(t, v2[i] as number);
    const sorted = [...expected.entries()].sort((a, b) => a[0] - b[0]);
    const again = decodeBucket(start, encodeBucket(start, merged.times, merged.values));
    assert.deepEqual(again, { times: new Float64Array(sorted.map(([t]) => t)), values: new Float64Array(sorted.map(([, v]) => v)) });
  }), { numRuns: 500 });
});

test('a malformed or unknown bucket is an IntegrityError, never a wrong answer', () => {
  const good = encodeBucket(0, [1, 2, 3], [1.5, 2.5, 1e300]);
  const bad = (bytes: Uint8Array): void => assert.throws(() => decodeBucket(0, bytes), (e: unknown) => e instanceof IntegrityError && e.where === 'page');
  bad(new Uint8Array(0));
  bad(Uint8Array.of(2, ...good.subarray(1)));
  bad(good.subarray(0, good.length - 1));
  bad(Uint8Array.of(...good, 0));
  const wrongCount = good.slice();
  wrongCount[1] = 2;
  bad(wrongCount);
  bad(encodeBucket(0, [1, 1], [1, 2]));
  assert.throws(() => decodeMeta(Uint8Array.of(9, 1)), IntegrityError);
  assert.throws(() => decodeMeta(Uint8Array.of(1, 0x80)), IntegrityError);
  assert.throws(() => readEscaped(Uint8Array.of(0x61, 0x00, 0x05), 0), IntegrityError);
});
