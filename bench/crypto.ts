/**
 * Crypto micro-benchmarks: what sealing and opening one record costs at
 * 100 B, 4 KiB and 64 KiB on the native (node:crypto + HChaCha20) path and
 * on the @noble/ciphers twin, the full seal/open with nonce generation,
 * hybrid ML-KEM-768 + X25519 encapsulation, and Argon2id at the store
 * defaults (unlock time).
 *
 *   npx tsx bench/crypto.ts           about 1 s per task
 *   npx tsx bench/crypto.ts --quick   short budgets, well under a minute
 *
 * Before timing, native and noble must agree byte for byte at every size
 * and each must open the other's output (as noble-ciphers'
 * benchmark/_utils.ts checks its peers): a fast wrong answer is no result.
 * Reported: median latency and throughput (from the median), p99 latency
 * and tinybench's relative margin of error of the mean.
 */
import { Bench, type Task } from 'tinybench';
import { SEAL_OVERHEAD, open, seal } from '../src/crypto/aead.ts';
import { argon2id } from '../src/crypto/argon2.ts';
import { generateKemKeyPair, kemDecapsulate, kemEncapsulate } from '../src/crypto/kem.ts';
import { SymmetricKey } from '../src/crypto/keys.ts';
import { NONCE_LENGTH, nativeXChaCha, nobleXChaCha } from '../src/crypto/xchacha.ts';
import { KDF_DEFAULTS } from '../src/keyring/kdf-params.ts';
import { toHex, utf8 } from '../src/util/bytes.ts';
import { describeEnvironment } from './lib/env.ts';
import { formatNumber, renderTable } from './lib/table.ts';

const QUICK = process.argv.includes('--quick');
const SIZES = [100, 4 * 1024, 64 * 1024] as const;
const ARGON2_RUNS = QUICK ? 3 : 7;
const TIMING = QUICK
  ? { time: 150, iterations: 20, warmupTime: 40, warmupIterations: 5 }
  : { time: 1000, iterations: 64, warmupTime: 250, warmupIterations: 16 };

interface Row {
  readonly group: string;
  readonly name: string;
  readonly bytes: number | undefined;
  readonly task: Task;
}

// Keeps results reachable so no call can be optimised away.
let sink = 0;
const keep = (bytes: Uint8Array | undefined): void => {
  sink ^= bytes === undefined ? 1 : bytes.length;
};

const keyBytes = crypto.getRandomValues(new Uint8Array(32));
const key = new SymmetricKey(keyBytes.slice());
const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
const aad = utf8('v1|page|0123456789abcdef|epoch0001|page 42'); // about the size of a real page AAD

const payloads = new Map(SIZES.map((size) => [size, crypto.getRandomValues(new Uint8Array(size))]));
const payload = (size: number): Uint8Array => payloads.get(size as (typeof SIZES)[number]) as Uint8Array;

/** Refuses to time implementations that disagree. */
async function verify(): Promise<void> {
  for (const size of SIZES) {
    const plain = payload(size);
    const fromNative = nativeXChaCha.encrypt(keyBytes, nonce, plain, aad);
    const fromNoble = nobleXChaCha.encrypt(keyBytes, nonce, plain, aad);
    if (toHex(fromNative) !== toHex(fromNoble)) throw new Error(`native and noble disagree at ${size} bytes`);
    const crossA = nobleXChaCha.decrypt(keyBytes, nonce, fromNative, aad);
    const crossB = nativeXChaCha.decrypt(keyBytes, nonce, fromNoble, aad);
    if (crossA === undefined || crossB === undefined || toHex(crossA) !== toHex(plain) || toHex(crossB) !== toHex(plain)) {
      throw new Error(`native and noble cannot open each other's output at ${size} bytes`);
    }
    const sealed = seal(key, plain, aad);
    const opened = open(key, sealed, aad);
    if (sealed.length !== size + SEAL_OVERHEAD || opened === undefined || toHex(opened) !== toHex(plain)) {
      throw new Error(`seal/open round trip failed at ${size} bytes`);
    }
  }
  const pair = generateKemKeyPair();
  const wrapped = kemEncapsulate(pair.publicKey);
  if (toHex(kemDecapsulate(wrapped.cipherText, pair.secretKey)) !== toHex(wrapped.sharedSecret)) throw new Error('KEM round trip failed');
  // phc-winner-argon2 src/test.c, Argon2id v1.3, t=2 m=2^8 p=2.
  const kat = await argon2id(utf8('password'), { iterations: 2, memoryKiB: 256, parallelism: 2, salt: utf8('somesalt') });
  if (toHex(kat) !== '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037') throw new Error('Argon2id known answer failed');
}

function aeadBench(rows: Row[]): Bench {
  const bench = new Bench({ name: 'aead', ...TIMING });
  const add = (group: string, name: string, bytes: number, fn: () => void): void => {
    const label = `${group} ${name} ${bytes}`;
    bench.add(label, fn);
    rows.push({ group, name, bytes, task: bench.getTask(label) as Task });
  };
  for (const size of SIZES) {
    const plain = payload(size);
    const body = nativeXChaCha.encrypt(keyBytes, nonce, plain, aad);
    const sealed = seal(key, plain, aad);
    add('xchacha native', 'encrypt', size, () => keep(nativeXChaCha.encrypt(keyBytes, nonce, plain, aad)));
    add('xchacha native', 'decrypt', size, () => keep(nativeXChaCha.decrypt(keyBytes, nonce, body, aad)));
    add('xchacha noble', 'encrypt', size, () => keep(nobleXChaCha.encrypt(keyBytes, nonce, plain, aad)));
    add('xchacha noble', 'decrypt', size, () => keep(nobleXChaCha.decrypt(keyBytes, nonce, body, aad)));
    add('aead (random nonce)', 'seal', size, () => keep(seal(key, plain, aad)));
    add('aead (random nonce)', 'open', size, () => keep(open(key, sealed, aad)));
  }
  return bench;
}

function kemBench(rows: Row[]): Bench {
  const bench = new Bench({ name: 'kem', ...TIMING });
  const pair = generateKemKeyPair();
  const wrapped = kemEncapsulate(pair.publicKey);
  bench
    .add('kem keygen', () => keep(generateKemKeyPair().publicKey))
    .add('kem encapsulate', () => keep(kemEncapsulate(pair.publicKey).cipherText))
    .add('kem decapsulate', () => keep(kemDecapsulate(wrapped.cipherText, pair.secretKey)));
  for (const name of ['keygen', 'encapsulate', 'decapsulate']) {
    rows.push({ group: 'ML-KEM-768+X25519', name, bytes: undefined, task: bench.getTask(`kem ${name}`) as Task });
  }
  return bench;
}

function argon2Bench(rows: Row[]): Bench {
  const bench = new Bench({ name: 'argon2', time: 0, iterations: ARGON2_RUNS, warmupTime: 0, warmupIterations: 1 });
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const password = utf8('correct horse battery staple');
  const label = `argon2id m=${KDF_DEFAULTS.memoryKiB / 1024}MiB t=${KDF_DEFAULTS.iterations} p=${KDF_DEFAULTS.parallelism}`;
  bench.add(label, async () => keep(await argon2id(password, { ...KDF_DEFAULTS, salt })));
  rows.push({ group: 'argon2id (worker)', name: `derive, ${ARGON2_RUNS} runs`, bytes: undefined, task: bench.getTask(label) as Task });
  return bench;
}

function toCells(row: Row, nobleMedianMs: number | undefined): string[] {
  const result = row.task.result;
  if (!('latency' in result)) return [row.group, row.name, sizeLabel(row.bytes), result.state, '', '', '', '', ''];
  const median = result.latency.p50;
  const mbPerS = row.bytes === undefined ? '' : formatNumber(row.bytes / (median / 1000) / 1e6);
  const vsNoble = nobleMedianMs === undefined ? '' : `${formatNumber(nobleMedianMs / median)}×`;
  const latency = (ms: number): string => (ms >= 1 ? `${formatNumber(ms)} ms` : `${formatNumber(ms * 1000)} µs`);
  return [
    row.group,
    row.name,
    sizeLabel(row.bytes),
    latency(median),
    latency(result.latency.p99),
    mbPerS,
    formatNumber(1000 / median),
    vsNoble,
    `±${formatNumber(result.latency.rme)}%`,
  ];
}

function sizeLabel(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

async function main(): Promise<void> {
  await verify();
  const rows: Row[] = [];
  for (const bench of [aeadBench(rows), kemBench(rows), argon2Bench(rows)]) await bench.run();

  const nobleMedian = (name: string, bytes: number | undefined): number | undefined => {
    const twin = rows.find((r) => r.group === 'xchacha noble' && r.name === name && r.bytes === bytes)?.task.result;
    return twin !== undefined && 'latency' in twin ? twin.latency.p50 : undefined;
  };
  const table = renderTable(
    ['group', 'operation', 'size', 'median', 'p99', 'MB/s', 'ops/s', 'vs noble', 'rme'],
    rows.map((row) => toCells(row, row.group === 'xchacha native' ? nobleMedian(row.name, row.bytes) : undefined)),
  );
  console.log(`synapsed-storage crypto benchmark${QUICK ? ' (--quick)' : ''}`);
  for (const line of describeEnvironment()) console.log(line);
  console.log('verified: native and noble XChaCha agree at every size; KEM and Argon2id known answer OK\n');
  console.log(table);
  console.log('\nMB/s and ops/s come from the median latency; "vs noble" is noble median / native median.');
  if (sink === -1) console.log(sink);
}

await main();
