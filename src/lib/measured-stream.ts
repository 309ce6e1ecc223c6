/** A pass-through stream that counts and SHA-256-hashes what flows through it (copies that must be checked at the end). */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** The stream, with what went through it so far. */
export interface MeasuredStream {
  stream: Transform;
  /** Bytes passed so far. */
  bytes(): number;
  /** The SHA-256 (hex) of everything passed; call once, at the end. */
  sha256(): string;
}

/** A counting, hashing pass-through; `onChunk` sees each chunk's size (progress). */
export function measuredStream(onChunk?: (bytes: number) => void): MeasuredStream {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      hash.update(chunk);
      onChunk?.(chunk.length);
      done(null, chunk);
    },
  });
  return { stream, bytes: () => bytes, sha256: () => hash.digest('hex') };
}
