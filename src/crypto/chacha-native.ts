/**
 * node:crypto's RFC 8439 ChaCha20-Poly1305 with a 12-byte nonce: the one
 * place both fast paths (XChaCha20-Poly1305 in xchacha.ts, after HChaCha20;
 * STREAM chunks in stream.ts, directly) call OpenSSL. Output of a seal is
 * ciphertext || 16-byte tag; an open that fails returns undefined and
 * never releases the unverified plaintext.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

const TAG = 16;

/** Writes ciphertext || tag of `plaintext` into `out` at `offset` (room for plaintext + 16). */
export function chachaPolySealInto(out: Uint8Array, offset: number, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): void {
  const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  out.set(body, offset);
  const rest = cipher.final();
  out.set(rest, offset + body.length);
  out.set(cipher.getAuthTag(), offset + plaintext.length);
}

/** The plaintext of `sealed` (ciphertext || tag), or undefined if it does not authenticate. */
export function chachaPolyOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG) return undefined;
  const bodyLength = sealed.length - TAG;
  const decipher = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG });
  decipher.setAAD(aad, { plaintextLength: bodyLength });
  decipher.setAuthTag(sealed.subarray(bodyLength));
  const plain = decipher.update(sealed.subarray(0, bodyLength));
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    return undefined;
  }
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
}
