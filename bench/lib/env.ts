/**
 * The environment a benchmark ran in, printed beside every result table so
 * numbers from different machines are never compared blind.
 */
import { availableParallelism, cpus, platform, arch, totalmem } from 'node:os';

/** One line per fact: runtime, OpenSSL, CPU model, cores, memory. */
export function describeEnvironment(): string[] {
  const cpu = cpus()[0];
  return [
    `node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl}) on ${platform()}/${arch()}`,
    `cpu: ${cpu === undefined ? 'unknown' : cpu.model.trim()}, ${cpus().length} cores (${availableParallelism()} available)`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  ];
}
