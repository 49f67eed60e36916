/**
 * synapsed-storage: the public surface.
 *
 * Everything a caller imports comes from here: error classes (branch on
 * `err.code`), the keyring for advanced key management, and crypto helpers
 * that are safe to expose (wrapping a data key needs only a public key).
 */
export * from './errors.ts';
export { FORMAT_LATEST, FORMAT_V1 } from './format.ts';
export { Redacted } from './crypto/redacted.ts';
export { SymmetricKey } from './crypto/keys.ts';
export { Keyring, type CreateKeyringOptions, type KeyringOperationOptions, type UnlockCredential } from './keyring/keyring.ts';
export { KDF_DEFAULTS, KDF_FLOOR, type KdfCost } from './keyring/kdf-params.ts';
export { parseRecoveryCode } from './keyring/recovery-code.ts';
export { readHeaderCopies, writeHeaderCopies, HEADER_FILES } from './engine/header-file.ts';
