/** sha256 of bytes or text, hex: the checksums of dataset shards and checkpoints. */
import crypto from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
