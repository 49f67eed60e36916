/**
 * Query semantics, written out by hand (the model test uses the matcher as
 * its reference, so its meaning is pinned here): equality with arrays and
 * null/missing, typed ranges, $in/$nin/$ne/$exists/$startsWith/$not,
 * $and/$or/$nor, dotted paths through arrays; malformed queries get
 * QueryError with the path of the culprit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryError } from '../../src/index.ts';
import { matches, parseQuery } from '../../src/documents/query.ts';
import { compareValues, encodeValue } from '../../src/documents/value-codec.ts';

const doc = { name: 'ada', age: 36, tags: ['math', 'poetry'], address: { city: 'London' }, kids: [{ name: 'b', age: 3 }, { name: 'c', age: 7 }], nil: null, when: new Date(1000), raw: new Uint8Array([1, 2]) };
const yes = (q: Record<string, unknown>): void => assert.equal(matches(parseQuery(q), doc), true, JSON.stringify(q));
const no = (q: Record<string, unknown>): void => assert.equal(matches(parseQuery(q), doc), false, JSON.stringify(q));

test('equality: scalars, whole arrays, array elements, nested paths, null and missing', () => {
  yes({ name: 'ada' }); no({ name: 'Ada' });
  yes({ tags: 'math' }); yes({ tags: ['math', 'poetry'] }); no({ tags: ['poetry', 'math'] });
  yes({ 'address.city': 'London' }); yes({ 'kids.name': 'c' }); yes({ 'kids.1.age': 7 }); no({ 'kids.0.age': 7 });
  yes({ nil: null }); yes({ missing: null }); no({ name: null });
  yes({ when: new Date(1000) }); yes({ raw: new Uint8Array([1, 2]) }); yes({ name: 'ada', age: 36 }); no({ name: 'ada', age: 37 });
});

test('ranges compare within one type only', () => {
  yes({ age: { $gt: 30, $lte: 36 } }); no({ age: { $gt: 36 } }); no({ age: { $gt: '3' } });
  yes({ name: { $gte: 'a', $lt: 'b' } }); no({ name: { $lt: 100 } });
  yes({ 'kids.age': { $gt: 5 } }); no({ 'kids.age': { $gt: 7 } });
  yes({ when: { $lt: new Date(2000) } }); no({ when: { $lt: 2000 } });
});

test('$in, $nin, $ne, $exists, $startsWith and $not', () => {
  yes({ age: { $in: [1, 36] } }); no({ age: { $in: [] } }); yes({ tags: { $in: ['x', 'poetry'] } });
  yes({ age: { $nin: [1, 2] } }); no({ tags: { $nin: ['math'] } });
  yes({ age: { $ne: 35 } }); no({ tags: { $ne: 'math' } }); yes({ missing: { $ne: 1 } }); no({ missing: { $ne: null } });
  yes({ nil: { $exists: true } }); yes({ missing: { $exists: false } }); no({ name: { $exists: false } });
  yes({ name: { $startsWith: 'ad' } }); no({ name: { $startsWith: 'da' } }); yes({ tags: { $startsWith: 'poe' } });
  yes({ age: { $not: { $gt: 40 } } }); no({ age: { $not: { $gt: 30 } } });
});

test('$and, $or, $nor and top-level $not combine queries', () => {
  yes({ $or: [{ age: 1 }, { name: 'ada' }] }); no({ $or: [{ age: 1 }, { name: 'x' }] });
  yes({ $and: [{ age: { $gt: 1 } }, { tags: 'math' }] }); no({ $nor: [{ age: 36 }] }); yes({ $not: { age: 1 } });
  yes({});
});

test('$text matches folded word prefixes in the given text fields', () => {
  const note = { title: 'Café Résumé', body: ['Hello, WORLD!', 'naïve'] };
  const text = (search: string): boolean => matches(parseQuery({ $text: { $search: search } }), note, [['title'], ['body']]);
  assert.equal(text('cafe'), true);
  assert.equal(text('RESU hel'), true);
  assert.equal(text('naive world'), true);
  assert.equal(text('cafe missing'), false, 'every word must match');
  assert.equal(matches(parseQuery({ $text: { $search: 'cafe' } }), note, [['body']]), false, 'only the text fields count');
  assert.throws(() => parseQuery({ $text: { $search: '  ,, ' } }), (e: unknown) => e instanceof QueryError && e.path === '$text.$search');
  assert.throws(() => parseQuery({ $text: 'cafe' }), (e: unknown) => e instanceof QueryError && e.path === '$text');
});

test('malformed queries are QueryError naming the offending path', () => {
  const bad: Array<[unknown, string]> = [
    [{ age: { $gt: 1, $foo: 2 } }, 'age.$foo'], [{ $or: [] }, '$or'], [{ $or: [{ a: 1 }, 5] }, '$or[1]'],
    [{ age: { $in: 5 } }, 'age.$in'], [{ age: { $exists: 'yes' } }, 'age.$exists'], [{ $where: 'x' }, '$where'],
    [{ 'a..b': 1 }, 'a..b'], [{ age: { $gt: null } }, 'age.$gt'], [{ age: { $not: 5 } }, 'age.$not'],
    [{ a: () => 1 }, 'a'], [{ $and: [{ b: { $lt: [1] } }] }, '$and[0].b.$lt'], [5, 'query'],
  ];
  for (const [query, path] of bad) {
    assert.throws(() => parseQuery(query), (e: unknown) => e instanceof QueryError && e.code === 'SYN_QUERY' && e.path === path, JSON.stringify(query));
  }
});

test('the index encoding orders values as the matcher compares them', () => {
  const ordered = [null, false, true, -Infinity, -2.5, -0, 1, 2, Infinity, '', 'a', 'a\u0000', 'ab', 'b', new Uint8Array([0]), new Uint8Array([0, 0]), new Date(-5), new Date(5), [], [1], { a: 1 }];
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.ok(compareValues(ordered[i], ordered[i + 1]) <= 0, `${String(ordered[i])} before ${String(ordered[i + 1])}`);
  }
  assert.deepEqual(encodeValue(-0), encodeValue(0));
  assert.ok(compareValues('a', 'a\u0000') < 0, 'a prefix sorts first');
});
