/**
 * CLI behaviour on a real terminal: the hidden passphrase prompt (no
 * echo) and progress bars with rate and ETA, which must vanish when
 * stdout is a pipe or with --no-progress. A pseudo-terminal comes from
 * util-linux `script`; the tests skip where it is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Store } from '../../src/index.ts';
import { tempDir } from '../helpers/store-fixtures.ts';
import { cli, FAST_INIT, initStore, MAIN, ROOT, WITH_PASSPHRASE } from './cli-harness.ts';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = hasScript ? false : 'util-linux script is not installed';

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs the CLI on a pseudo-terminal. `answers` are typed, one per prompt,
 * each once its prompt has appeared. Resolves with everything the terminal showed.
 */
function onTerminal(args: readonly string[], env: Record<string, string>, answers: readonly string[] = []): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, '--import', 'tsx', MAIN, ...args].map(quote).join(' ');
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SYNAPSED_') && v !== undefined) base[k] = v;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...base, ...env, TERM: 'xterm', COLUMNS: '120' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let answered = 0;
  const onOutput = (chunk: Buffer): void => {
    screen += chunk.toString('utf8');
    const prompts = screen.match(/passphrase: /gi)?.length ?? 0;
    while (answered < answers.length && answered < prompts) child.stdin.write(`${answers[answered++] as string}\r`);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

test('init asks for the passphrase twice on a terminal without echoing it', { skip }, async (t) => {
  const dir = join(await tempDir(t), 'store');
  const secret = 'typed-at-the-prompt-7f3a';
  const r = await onTerminal(['init', dir, ...FAST_INIT], {}, [secret, secret]);
  assert.equal(r.code, 0, r.screen);
  assert.match(r.screen, /New passphrase: /);
  assert.match(r.screen, /Repeat new passphrase: /);
  assert.ok(!r.screen.includes(secret), 'the typed passphrase never appears on the screen');
  const store = await Store.open(dir, { passphrase: secret });
  await store.close();

  const mismatch = await onTerminal(['init', join(dir, 'other'), ...FAST_INIT], {}, ['one thing', 'another']);
  assert.equal(mismatch.code, 2);
});

test('long operations draw a progress bar with rate and ETA on a terminal, and none in a pipe', { skip }, async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'store');
  await initStore(dir);
  const file = join(root, 'in.ndjson');
  await writeFile(file, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ key: `k/${i}`, value: `v ${i}`.repeat(10) })).join('\n'));

  const tty = await onTerminal(['import', dir, '-i', file, '--batch-size', '100'], WITH_PASSPHRASE);
  assert.equal(tty.code, 0, tty.screen);
  assert.match(tty.screen, /import \[.*\] \d+% \| .* \| .*\/s \| ETA /);
  assert.match(tty.screen, /imported 2000 entries/);

  assert.equal((await cli(['compact', dir], { env: WITH_PASSPHRASE })).code, 0, 'a run to verify block by block');
  const verify = await onTerminal(['verify', dir], WITH_PASSPHRASE);
  assert.equal(verify.code, 0, verify.screen);
  assert.match(verify.screen, /verify \[.*\] \d+% \| \d+\/\d+ records \| [\d,]+ records\/s \| ETA /);

  const quiet = await onTerminal(['verify', dir, '--no-progress'], WITH_PASSPHRASE);
  assert.equal(quiet.code, 0, quiet.screen);
  assert.ok(!quiet.screen.includes('ETA'), '--no-progress draws nothing');

  const piped = await cli(['rotate-key', dir], { env: WITH_PASSPHRASE });
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(!piped.stderr.includes('ETA') && !piped.stdout.includes('ETA'), 'no bar when stdout is not a terminal');
  assert.match(piped.stdout, /^rotated: key epoch 2/);
});
