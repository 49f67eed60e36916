/**
 * Document ids: time-ordered, 26 Crockford base32 characters, like ULIDs:
 * 48 bits of milliseconds then 80 random bits, so ids sort by creation time
 * (newest last) and inserts append to the end of the id order. Ids within
 * one millisecond increase monotonically (the random part is incremented),
 * so a batch keeps its insertion order.
 */
import type { Random } from '../crypto/random.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export class IdGenerator {
  readonly #random: Random;
  readonly #now: () => number;
  #lastTime = -1;
  #last: Uint8Array = new Uint8Array(10);

  constructor(random: Random, now: () => number = Date.now) {
    this.#random = random;
    this.#now = now;
  }

  next(): string {
    let time = this.#now();
    if (time <= this.#lastTime) {
      time = this.#lastTime;
      // Same millisecond (or a clock step back): increment the 80-bit random part.
      for (let i = 9; i >= 0; i--) {
        const b = ((this.#last[i] as number) + 1) & 0xff;
        this.#last[i] = b;
        if (b !== 0) break;
      }
    } else {
      this.#lastTime = time;
      this.#last = this.#random(10);
    }
    let out = '';
    let t = time;
    const timeChars: string[] = [];
    for (let i = 0; i < 10; i++) {
      timeChars.push(ALPHABET[t % 32] as string);
      t = Math.floor(t / 32);
    }
    out = timeChars.reverse().join('');
    // 80 bits -> 16 chars, 5 bits each, most significant first.
    let acc = 0;
    let bits = 0;
    for (const byte of this.#last) {
      acc = (acc << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(acc >> (bits - 5)) & 31];
        bits -= 5;
      }
      acc &= (1 << bits) - 1;
    }
    return out;
  }
}
