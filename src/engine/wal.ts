/**
 * WAL record: one committed transaction, sealed (engine/record.ts) under
 * key `W` seq (engine/keys.ts), with the 8-byte sequence as AAD location.
 *
 * Plaintext: op count varint, then entries (engine/codec.ts): flags
 * (0 put, 1 delete) | key chunk | value chunk for puts.
 *
 * Sequences are contiguous: a flush records in the manifest the highest
 * sequence its runs hold, and replay at open expects exactly the next one,
 * then the next. A record that fails to open, or a gap, is an
 * `IntegrityError` where 'wal' naming the sequence: never a silent stop
 * that would drop later commits. (LevelDB makes each batch atomic, so a
 * crash loses whole trailing batches, never a middle one.)
 */
import { IntegrityError } from '../errors.ts';
import { DecodeError, FLAG_DELETE, FLAG_PUT, Reader, Writer } from './codec.ts';

/** One change: `value` null deletes. */
export interface WriteOp {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/** Encodes a transaction's ops. */
export function encodeWalOps(ops: readonly WriteOp[]): Uint8Array {
  let size = 5;
  for (const op of ops) size += op.key.length + (op.value === null ? 0 : op.value.length) + 11;
  const w = new Writer(size);
  w.varint(ops.length);
  for (const op of ops) {
    if (op.value === null) {
      w.byte(FLAG_DELETE);
      w.chunk(op.key);
    } else {
      w.byte(FLAG_PUT);
      w.chunk(op.key);
      w.chunk(op.value);
    }
  }
  return w.finish();
}

/** Decodes a WAL plaintext; returned bytes are views into it. */
export function decodeWalOps(plain: Uint8Array, seq: number): WriteOp[] {
  try {
    const r = new Reader(plain);
    const count = r.varint();
    if (count > plain.length) throw new DecodeError('op count exceeds record');
    const ops: WriteOp[] = [];
    for (let i = 0; i < count; i++) {
      const flags = r.byte();
      const key = r.chunk();
      if (flags === FLAG_PUT) ops.push({ key, value: r.chunk() });
      else if (flags === FLAG_DELETE) ops.push({ key, value: null });
      else throw new DecodeError(`unknown op flags ${flags}`);
    }
    if (!r.done) throw new DecodeError('trailing bytes');
    return ops;
  } catch (error) {
    if (error instanceof DecodeError) throw new IntegrityError('wal', seq, error.message);
    throw error;
  }
}
