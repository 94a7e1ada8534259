import { type ConsoleCipher } from './cipher.ts'
import { incrementNonce, mergeNonce } from './nonce.ts'
import { TrackalertError } from '../errors.ts'

/** Supplies the key per message: `setKey()` on the console changes it for open connections too, as upstream. */
export type KeySource = () => Buffer | undefined

/**
 * One connection's encryption state after the nonce exchange. Sealing and opening must happen in
 * wire order because every message advances the nonce of its direction.
 */
export class SecureChannel {
  readonly cipher: ConsoleCipher
  readonly #key: KeySource
  readonly #reading: Buffer
  readonly #writing: Buffer

  /** `ours` is the nonce this side sent, `theirs` the one it received; the same rule holds for client and server. */
  constructor (cipher: ConsoleCipher, key: KeySource, ours: Buffer, theirs: Buffer) {
    this.cipher = cipher
    this.#key = key
    this.#reading = mergeNonce(ours, theirs)
    this.#writing = mergeNonce(theirs, ours)
  }

  seal (plain: Uint8Array): Buffer {
    const box = this.cipher.seal(plain, this.#writing, this.#requireKey())
    incrementNonce(this.#writing)
    return box
  }

  /** Null on authentication failure; the nonce then stays put (the connection is dropped anyway). */
  open (box: Uint8Array): Buffer | null {
    const plain = this.cipher.open(box, this.#reading, this.#requireKey())
    if (plain !== null) incrementNonce(this.#reading)
    return plain
  }

  #requireKey (): Buffer {
    const key = this.#key()
    if (key === undefined) throw new TrackalertError('TA_ERR_CONSOLE', 'no console key configured (setKey)')
    return key
  }
}
