/**
 * Layering: lower layers never import upper ones (type-only imports count),
 * and the few modules allowed to touch a dependency are the only ones that do.
 *
 *   leaves (errors.ts, format.ts, util/) < crypto < keyring < engine
 *     < level, documents, timeseries, blobs, metrics < sync < cli, examples < index.ts
 *
 * The checker is a plain function so the test can also prove it flags
 * violations (a checker that never fails would pass anything).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');

const RANK: Record<string, number> = {
  leaf: 0, crypto: 1, keyring: 2, engine: 3,
  level: 4, documents: 4, timeseries: 4, blobs: 4, metrics: 4,
  sync: 5, cli: 6, examples: 6, index: 7,
};
/** Same-rank folders that may import each other, by design (ARCHITECTURE.md §2: sync may use documents). */
const SIDEWAYS = new Set(['sync->documents']);
/** Packages only one place may import. */
const OWNERS: Array<{ pattern: RegExp; allowed: (file: string) => boolean; why: string }> = [
  { pattern: /^@noble\//, allowed: (f) => f.startsWith('crypto/'), why: 'only crypto/ calls noble' },
  { pattern: /^hash-wasm$/, allowed: (f) => f.startsWith('crypto/'), why: 'only crypto/ runs the KDF' },
  { pattern: /^(node:)?crypto$/, allowed: (f) => f.startsWith('crypto/'), why: 'cipher and hash APIs stay in crypto/' },
  { pattern: /^(classic-level|memory-level)$/, allowed: (f) => f === 'engine/backend.ts', why: 'only engine/backend.ts touches LevelDB' },
  { pattern: /^(commander|cli-progress)$/, allowed: (f) => f.startsWith('cli/'), why: 'terminal concerns stay in cli/' },
  { pattern: /^@opentelemetry\//, allowed: (f) => f.startsWith('metrics/'), why: 'the engine exposes a generic observer; only metrics/ speaks OpenTelemetry' },
];

function layerOf(file: string): string {
  if (file === 'index.ts') return 'index';
  if (file === 'errors.ts' || file === 'format.ts' || file.startsWith('util/')) return 'leaf';
  return file.split('/')[0] as string;
}

/** Every module specifier in `source`, type-only imports and re-exports included. */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3]) as string);
  return out;
}

/** Violations for one file (path relative to src/) with the given source. */
export function violations(file: string, source: string): string[] {
  const found: string[] = [];
  const from = layerOf(file);
  for (const spec of specifiers(source)) {
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(SRC, dirname(file), spec)).split('\\').join('/');
      if (target.startsWith('..')) { found.push(`${file} imports outside src: ${spec}`); continue; }
      const to = layerOf(target);
      const ok = to === from || (RANK[to] as number) < (RANK[from] as number) || SIDEWAYS.has(`${from}->${to}`);
      if (!ok) found.push(`${file} (${from}) imports ${target} (${to})`);
      continue;
    }
    for (const owner of OWNERS) {
      if (owner.pattern.test(spec) && !owner.allowed(file)) found.push(`${file} imports ${spec}: ${owner.why}`);
    }
  }
  if (RANK[from] === undefined) found.push(`${file}: folder ${from} has no layer; add it to RANK`);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('no module under src/ imports a higher layer or a dependency it does not own', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 10, 'the scan found the sources');
  const all = files.flatMap((path) => violations(relative(SRC, path).split('\\').join('/'), readFileSync(path, 'utf8')));
  assert.deepEqual(all, []);
});

test('the checker flags upward, type-only and ownership violations', () => {
  assert.equal(violations('crypto/aead.ts', "import type { Keyring } from '../keyring/keyring.ts';").length, 1);
  assert.equal(violations('keyring/x.ts', "export { Store } from '../engine/storage.ts';").length, 1);
  assert.equal(violations('util/bytes.ts', "import { seal } from '../crypto/aead.ts';").length, 1);
  assert.equal(violations('engine/wal.ts', "import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';").length, 1);
  assert.equal(violations('engine/wal.ts', "import { createCipheriv } from 'node:crypto';").length, 1);
  assert.equal(violations('engine/wal.ts', "import { ClassicLevel } from 'classic-level';").length, 1);
  assert.equal(violations('documents/q.ts', "const m = await import('../sync/feed.ts');").length, 1);
  assert.deepEqual(violations('engine/backend.ts', "import { ClassicLevel } from 'classic-level';"), []);
  assert.equal(violations('engine/keyspace.ts', "import { metrics } from '@opentelemetry/api';").length, 1);
  assert.equal(violations('documents/collection.ts', "import { Command } from 'commander';").length, 1);
  assert.deepEqual(violations('cli/program.ts', "import { Command } from 'commander';"), []);
  assert.deepEqual(violations('sync/feed.ts', "import { x } from '../documents/doc.ts';"), []);
  assert.deepEqual(violations('keyring/x.ts', "import { seal } from '../crypto/aead.ts';\nimport { utf8 } from '../util/bytes.ts';"), []);
});
