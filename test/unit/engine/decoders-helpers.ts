/** Re-exports for decoders.test.ts, plus a guard asserting only DecodeError escapes. */
import assert from 'node:assert/strict';
import { DecodeError } from '../../../src/engine/codec.ts';
export { BlockEncoder, LargeRef, decodeBlock } from '../../../src/engine/block.ts';

export function DecodeErrorGuard(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, String(e));
  }
}
