/**
 * Recovery codes: 160 random bits a person can write down and type back.
 *
 * Format: 8 groups of 5 Crockford base32 characters, e.g.
 * `7K3QD-...` (40 characters). Each group is 4 data characters (20 bits)
 * and 1 check character: CRC-5 (polynomial x^5+x^2+1) over the group's
 * index and its 20 bits. A CRC of degree 5 detects every error burst of up
 * to 5 bits, so any single mistyped character is caught and the group
 * named; a group typed in the wrong place differs only in the 3 index bits
 * (a burst under 5 bits), so it is caught too.
 *
 * Parsing is forgiving of what people do: case, spaces and dashes are
 * ignored, and O->0, I/L->1 as Crockford prescribes.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Random } from '../crypto/random.ts';

/** Entropy bytes in a recovery code. */
export const RECOVERY_ENTROPY_LENGTH = 20;
const GROUPS = 8;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** CRC-5 over the group index (8 bits) and 20 data bits, MSB first. */
function groupCheck(index: number, data: number): number {
  const message = (index << 20) | data; // 28 bits
  let crc = 0;
  for (let bit = 27; bit >= 0; bit--) {
    const top = ((crc >> 4) & 1) ^ ((message >> bit) & 1);
    crc = (crc << 1) & 0x1f;
    if (top === 1) crc ^= 0x05;
  }
  return crc;
}

/** Formats 20 bytes of entropy as a recovery code. */
export function formatRecoveryCode(entropy: Uint8Array): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    // 20 bits per group: 2.5 bytes; even groups start on a byte, odd ones mid-byte.
    const bitOffset = g * 20;
    let data = 0;
    for (let b = 0; b < 20; b++) {
      const bit = bitOffset + b;
      data = (data << 1) | (((entropy[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
    }
    let text = '';
    for (let c = 3; c >= 0; c--) text += ALPHABET[(data >> (c * 5)) & 31];
    text += ALPHABET[groupCheck(g, data)];
    groups.push(text);
  }
  return groups.join('-');
}

/** Draws a new recovery code; returns the text and its entropy. */
export function generateRecoveryCode(random: Random): { code: string; entropy: Uint8Array } {
  const entropy = random(RECOVERY_ENTROPY_LENGTH);
  return { code: formatRecoveryCode(entropy), entropy };
}

/**
 * Parses a typed recovery code back into its entropy.
 * @throws {InvalidArgumentError} argument 'recoveryCode': wrong length or characters, or which group is mistyped.
 */
export function parseRecoveryCode(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new InvalidArgumentError('recoveryCode', 'a string', text);
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (clean.length !== GROUPS * 5) {
    throw new InvalidArgumentError('recoveryCode', `${GROUPS} groups of 5 characters (${GROUPS * 5} in all)`, `${clean.length} characters`);
  }
  const entropy = new Uint8Array(RECOVERY_ENTROPY_LENGTH);
  for (let g = 0; g < GROUPS; g++) {
    const values: number[] = [];
    for (let c = 0; c < 5; c++) {
      const value = ALPHABET.indexOf(clean[g * 5 + c] as string);
      if (value < 0) throw new InvalidArgumentError('recoveryCode', `only the characters ${ALPHABET}: group ${g + 1} has another`);
      values.push(value);
    }
    const data = (((values[0] as number) << 15) | ((values[1] as number) << 10) | ((values[2] as number) << 5) | (values[3] as number)) >>> 0;
    if (groupCheck(g, data) !== values[4]) {
      throw new InvalidArgumentError('recoveryCode', `a valid code: group ${g + 1} is mistyped`, `group ${g + 1}`);
    }
    const bitOffset = g * 20;
    for (let b = 0; b < 20; b++) {
      if (((data >> (19 - b)) & 1) === 1) {
        const bit = bitOffset + b;
        entropy[bit >> 3] = (entropy[bit >> 3] as number) | (1 << (7 - (bit & 7)));
      }
    }
  }
  return entropy;
}
