/**
 * Shared test fixtures for the keyring: the cheapest legal Argon2id costs
 * (the enforced floor) so tests stay fast, and a cached store keyring so
 * suites do not pay a derivation per test.
 */
import { createHash } from 'node:crypto';
import { Keyring, KDF_FLOOR, type KdfCost } from '../../src/index.ts';

/** Floor costs: legal, and about 0.1 s per derivation. */
export const FAST_KDF: KdfCost = KDF_FLOOR;
export const PASSPHRASE = 'correct horse battery staple';

/** Creates a keyring with the fast costs. */
export async function makeKeyring(passphrase: string = PASSPHRASE): Promise<{ keyring: Keyring; recoveryCode: string }> {
  const { keyring, recoveryCode } = await Keyring.create({ passphrase, kdf: FAST_KDF });
  return { keyring, recoveryCode: recoveryCode.reveal() };
}

/** A copy of `header` with its trailing SHA-256 checksum recomputed, as a deliberate attacker would. */
export function rechecksum(header: Uint8Array): Uint8Array {
  const out = header.slice();
  out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}
