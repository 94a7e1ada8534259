import { randomBytes } from 'node:crypto'
import { cipherFor, cipherVariants, KEY_BYTES } from './cipher.ts'
import { incrementNonce } from './nonce.ts'

export const TEST_CRYPTO_OK = 'Everything is ok!'

/**
 * The console's `testCrypto(msg)`: seals and opens `msg` with the configured key in both cipher
 * variants, twice each with the nonce advanced in between (as a console session would), and
 * reports the first problem found.
 */
export function testCrypto (message: string, key: Buffer | undefined): string {
  if (key === undefined) return 'Crypto failed: no key configured (use setKey)'
  if (key.length !== KEY_BYTES) return `Crypto failed: key is ${key.length} bytes, expected ${KEY_BYTES}`
  const plain = Buffer.from(message, 'utf8')
  for (const variant of cipherVariants) {
    const cipher = cipherFor(variant)
    const sealNonce = randomBytes(cipher.nonceBytes)
    const openNonce = Buffer.from(sealNonce)
    for (let round = 0; round < 2; round++) {
      let opened: Buffer | null
      try {
        opened = cipher.open(cipher.seal(plain, sealNonce, key), openNonce, key)
      } catch (err) {
        return `Crypto failed (${variant}): ${(err as Error).message}`
      }
      if (opened === null) return `Crypto failed (${variant}): could not decrypt`
      if (!opened.equals(plain)) return `Crypto failed (${variant}): decrypted text differs`
      incrementNonce(sealNonce)
      incrementNonce(openNonce)
    }
  }
  return TEST_CRYPTO_OK
}
