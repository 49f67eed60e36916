/**
 * Every code block of README.md and docs/*.md fenced as ```ts run is
 * executed, as a reader would paste it: `synapsed-storage` imports point at
 * src/, the working directory (and TMPDIR) is a fresh temporary directory,
 * and the block must exit 0.
 *
 * Output comments are checked: in `console.log(...) // X`, every part of X
 * (split at commas, and at ", then") must appear in what the block printed.
 * Blocks fenced as plain ```ts are fragments (they need context) and are
 * listed as a diagnostic, so an unchecked example is a visible choice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNode, type NodeRun } from '../helpers/run-node.ts';

const ROOT = resolve(import.meta.dirname, '../..');

interface Block {
  readonly file: string;
  readonly line: number;
  readonly runnable: boolean;
  readonly code: string;
}

/** Fenced blocks whose info string starts with `ts`. */
export function extractBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(?:\s+(.*))?$/.exec(lines[i] as string);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string);
    blocks.push({ file, line: start + 1, runnable: (open[2] ?? '').split(/\s+/).includes('run'), code: body.join('\n') });
  }
  return blocks;
}

/** The expected fragments of `console.log(...) // X` comments, in order. */
export function expectations(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/console\.log\(.*\)\s*\/\/\s*(.+)$/gm)) {
    for (const part of (m[1] as string).split(/,\s*(?:then\s+)?/)) if (part.trim().length > 0) out.push(part.trim());
  }
  return out;
}

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f));
  return ['README.md', ...docs];
}

/** tsx's loader by absolute URL: the block runs in a temporary cwd where a bare 'tsx' would not resolve. */
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function runBlock(path: string, cwd: string): Promise<NodeRun> {
  return runNode(['--import', TSX, path], { cwd, env: { ...process.env, TMPDIR: cwd } });
}

const all: Block[] = [];
for (const file of await markdownFiles()) all.push(...extractBlocks(file, await readFile(join(ROOT, file), 'utf8')));
const runnable = all.filter((b) => b.runnable);

test('the docs have runnable examples, and fragments are listed', (t) => {
  assert.ok(runnable.length >= 10, `found ${runnable.length} runnable blocks`);
  for (const b of all.filter((x) => !x.runnable)) t.diagnostic(`not run (a fragment): ${b.file}:${b.line}`);
});

test('the block extractor and the output check find what they should', () => {
  const md = 'text\n```ts run\nconsole.log(1 + 1) // 2\n```\n```ts\nfragment()\n```\n```sh\nls\n```\n';
  assert.deepEqual(extractBlocks('x.md', md).map((b) => [b.line, b.runnable, b.code]), [[2, true, 'console.log(1 + 1) // 2'], [5, false, 'fragment()']]);
  assert.deepEqual(expectations("console.log(a, b) // [ undefined, 5 ]\nconsole.log(x) // one, then two\nfoo() // not output"), ['[ undefined', '5 ]', 'one', 'two']);
});

// Blocks are written under the repository (so their imports resolve from its node_modules) and run in a temporary cwd.
const blockDir = join(ROOT, '.tmp', `doc-blocks-${process.pid}`);
before(() => mkdir(blockDir, { recursive: true }));
after(() => rm(blockDir, { recursive: true, force: true }));
for (const block of runnable) {
  test(`${block.file}:${block.line} runs`, async (t) => {
    const cwd = await mkdtemp(join(tmpdir(), 'synapsed-doc-'));
    t.after(() => rm(cwd, { recursive: true, force: true }));
    const index = pathToFileURL(join(ROOT, 'src/index.ts')).href;
    const level = pathToFileURL(join(ROOT, 'src/level/index.ts')).href;
    const code = block.code.replaceAll("'synapsed-storage/level'", `'${level}'`).replaceAll("'synapsed-storage'", `'${index}'`);
    const path = join(blockDir, `${block.file.replaceAll(/[/.]/g, '_')}_${block.line}.ts`);
    // `export {}` makes the block a module, so top-level await works however it starts.
    await writeFile(path, `${code}\nexport {}\n`);
    const r = await runBlock(path, cwd);
    assert.equal(r.code, 0, `${block.file}:${block.line} exited ${String(r.code)}\n${r.stderr}`);
    for (const expected of expectations(block.code)) {
      assert.ok(r.stdout.includes(expected), `${block.file}:${block.line}: expected output to include ${JSON.stringify(expected)}; got:\n${r.stdout}`);
    }
  });
}
