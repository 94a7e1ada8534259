import { randomBytes } from 'node:crypto'

/**
 * Nonce handling for the console protocol, byte-compatible with upstream's `SodiumNonce`.
 *
 * Each side picks a random nonce and sends it; both then derive one nonce per direction so that
 * neither side alone controls the nonce used for its own traffic.
 */

/** A fresh random nonce of `length` bytes. */
export function randomNonce (length: number): Buffer {
  return randomBytes(length)
}

/**
 * First half from `lower`, second half from `higher` (upstream `SodiumNonce::merge(lower, higher)`).
 * Both sides compute `reading = merge(ours, theirs)` and `writing = merge(theirs, ours)`, so the
 * client's writing nonce equals the server's reading nonce and vice versa.
 */
export function mergeNonce (lower: Buffer, higher: Buffer): Buffer {
  if (lower.length !== higher.length) throw new RangeError(`nonce lengths differ (${lower.length} vs ${higher.length})`)
  const half = lower.length >>> 1
  const merged = Buffer.allocUnsafe(lower.length)
  lower.copy(merged, 0, 0, half)
  higher.copy(merged, half, half)
  return merged
}

/**
 * Adds one to the first four bytes read as a big-endian counter, wrapping at 2^32, in place.
 * Upstream does the same after every sealed or opened message.
 */
export function incrementNonce (nonce: Buffer): void {
  nonce.writeUInt32BE((nonce.readUInt32BE(0) + 1) >>> 0, 0)
}
