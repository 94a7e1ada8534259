import { createCipheriv, createDecipheriv } from 'node:crypto'
import nacl from 'tweetnacl'

/**
 * The two ways upstream builds seal console messages. They share key size, tag size and framing
 * but differ in cipher and nonce length, so a peer's nonce length tells them apart.
 *
 * - `libsodium` (Debian/RPM packages): `crypto_secretbox_easy`, XSalsa20-Poly1305, 24-byte nonce,
 *   box = 16-byte MAC then ciphertext.
 * - `openssl` (upstream docker images): ChaCha20-Poly1305 (RFC 8439, no AAD), 12-byte nonce,
 *   box = 16-byte tag then ciphertext.
 */
export type CipherVariant = 'libsodium' | 'openssl'

export const cipherVariants: readonly CipherVariant[] = ['libsodium', 'openssl']

export const KEY_BYTES = 32
export const TAG_BYTES = 16

export interface ConsoleCipher {
  readonly variant: CipherVariant
  readonly nonceBytes: number
  /** Box = tag followed by ciphertext; the box is `plain.length + TAG_BYTES` long. */
  seal (plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer
  /** Returns null when the box is too short or fails authentication. */
  open (box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null
}

const libsodium: ConsoleCipher = {
  variant: 'libsodium',
  nonceBytes: 24,
  seal (plain, nonce, key) {
    const box = nacl.secretbox(plain, nonce, key)
    return Buffer.from(box.buffer, box.byteOffset, box.byteLength)
  },
  open (box, nonce, key) {
    if (box.length < TAG_BYTES) return null
    const plain = nacl.secretbox.open(box, nonce, key)
    return plain === null ? null : Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)
  }
}

const openssl: ConsoleCipher = {
  variant: 'openssl',
  nonceBytes: 12,
  seal (plain, nonce, key) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
    const body = Buffer.concat([cipher.update(plain), cipher.final()])
    return Buffer.concat([cipher.getAuthTag(), body])
  },
  open (box, nonce, key) {
    if (box.length < TAG_BYTES) return null
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAuthTag(box.subarray(0, TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(box.subarray(TAG_BYTES)), decipher.final()])
    } catch {
      return null
    }
  }
}

export function cipherFor (variant: CipherVariant): ConsoleCipher {
  return variant === 'openssl' ? openssl : libsodium
}

/** The variant whose nonce has this many bytes, if any. */
export function variantForNonceLength (length: number): CipherVariant | undefined {
  if (length === libsodium.nonceBytes) return 'libsodium'
  if (length === openssl.nonceBytes) return 'openssl'
  return undefined
}

export function isCipherVariant (value: unknown): value is CipherVariant {
  return value === 'libsodium' || value === 'openssl'
}
