import { type Socket } from 'node:net'
import { logger } from '../log/index.ts'
import { cipherFor, type CipherVariant } from './cipher.ts'
import { SecureChannel, type KeySource } from './channel.ts'
import { FrameDecoder, FrameError, encodeFrame } from './frame.ts'
import { randomNonce } from './nonce.ts'
import { encodeReply } from './reply.ts'

export interface ConnectionSettings {
  key: KeySource
  execute: (line: string) => Promise<string>
  variants: ReadonlySet<CipherVariant>
  maxFrameBytes: number
  handshakeTimeoutMs: number
  variantGraceMs: number
}

const SODIUM_NONCE = 24
const OPENSSL_NONCE = 12

/**
 * Serves one console connection: nonce exchange, then decrypt → execute → encrypt, one command
 * at a time in arrival order. Any protocol violation drops this connection only.
 */
export class ConsoleConnection {
  readonly #socket: Socket
  readonly #peer: string
  readonly #settings: ConnectionSettings
  readonly #onClosed: () => void
  #handshake: Buffer | undefined = Buffer.alloc(0)
  #channel: SecureChannel | undefined
  #decoder: FrameDecoder | undefined
  #handshakeTimer: NodeJS.Timeout | undefined
  #graceTimer: NodeJS.Timeout | undefined
  #queue: Promise<void> = Promise.resolve()
  #queued = 0
  #peerEnded = false
  #closed = false

  constructor (socket: Socket, peer: string, settings: ConnectionSettings, onClosed: () => void) {
    this.#socket = socket
    this.#peer = peer
    this.#settings = settings
    this.#onClosed = onClosed
    socket.setNoDelay(true)
    socket.setKeepAlive(true)
    socket.on('data', (chunk: Buffer) => { this.#onData(chunk) })
    socket.on('end', () => { this.#onEnd() })
    socket.on('error', (err) => { logger.info('Console connection error', { peer, error: err.message }) })
    socket.on('close', () => { this.#finish() })
    this.#handshakeTimer = setTimeout(() => {
      this.#drop(`no complete nonce within ${settings.handshakeTimeoutMs} ms`)
    }, settings.handshakeTimeoutMs)
    // Debug, not info: every `trackalert -e` opens and closes one, and scripts call it often.
    logger.debug('Got console connection', { peer })
  }

  destroy (): void {
    this.#socket.destroy()
  }

  #onData (chunk: Buffer): void {
    if (this.#closed) return
    try {
      if (this.#handshake !== undefined) {
        this.#handshake = Buffer.concat([this.#handshake, chunk])
        this.#tryHandshake()
      } else {
        this.#onFrames(this.#decoder!.push(chunk))
      }
    } catch (err) {
      this.#drop(err instanceof FrameError ? err.message : `internal error: ${(err as Error).message}`)
    }
  }

  /**
   * The server must answer with a nonce of the client's length, but a 12-byte read could be the
   * first half of a 24-byte one. An openssl client sends exactly 12 bytes and then waits for us,
   * so 12 bytes followed by a short silence identify it.
   */
  #tryHandshake (): void {
    const received = this.#handshake!.length
    const { variants } = this.#settings
    if (variants.has('libsodium') && received >= SODIUM_NONCE) {
      this.#start('libsodium')
    } else if (variants.has('openssl') && !variants.has('libsodium') && received >= OPENSSL_NONCE) {
      this.#start('openssl')
    } else if (variants.has('openssl') && received === OPENSSL_NONCE && this.#graceTimer === undefined) {
      this.#graceTimer = setTimeout(() => {
        this.#graceTimer = undefined
        if (this.#handshake?.length === OPENSSL_NONCE) this.#guard(() => { this.#start('openssl') })
      }, this.#settings.variantGraceMs)
    }
  }

  #start (variant: CipherVariant): void {
    clearTimeout(this.#handshakeTimer)
    clearTimeout(this.#graceTimer)
    const key = this.#settings.key()
    if (key === undefined) {
      this.#drop('no console key configured (setKey)')
      return
    }
    const cipher = cipherFor(variant)
    const theirs = Buffer.from(this.#handshake!.subarray(0, cipher.nonceBytes))
    const leftover = this.#handshake!.subarray(cipher.nonceBytes)
    this.#handshake = undefined
    const ours = randomNonce(cipher.nonceBytes)
    this.#channel = new SecureChannel(cipher, this.#settings.key, ours, theirs)
    this.#decoder = new FrameDecoder(this.#settings.maxFrameBytes)
    this.#socket.write(ours)
    logger.debug('Console handshake complete', { peer: this.#peer, variant })
    if (leftover.length > 0) this.#onFrames(this.#decoder.push(leftover))
  }

  #onFrames (frames: Buffer[]): void {
    for (const frame of frames) {
      if (this.#closed) return
      const plain = this.#channel!.open(frame)
      if (plain === null) {
        this.#drop('could not decrypt console command (wrong key or protocol variant)')
        return
      }
      this.#enqueue(plain.toString('utf8'))
    }
  }

  /** Commands run strictly in order; reading pauses while any are pending so a flood cannot queue unbounded work. */
  #enqueue (line: string): void {
    this.#queued++
    this.#socket.pause()
    this.#queue = this.#queue.then(async () => {
      await this.#run(line)
      if (--this.#queued === 0 && !this.#closed) {
        if (this.#peerEnded) this.#socket.end()
        else this.#socket.resume()
      }
    })
  }

  async #run (line: string): Promise<void> {
    if (this.#closed) return
    let reply: string
    if (line.trim() === '') {
      reply = ''
    } else {
      try {
        reply = await this.#settings.execute(line)
      } catch (err) {
        reply = `Error: ${err instanceof Error ? err.message : String(err)}`
      }
    }
    if (this.#closed) return
    this.#guard(() => { this.#socket.write(encodeFrame(this.#channel!.seal(encodeReply(reply)))) })
  }

  #onEnd (): void {
    if (this.#closed) return
    this.#peerEnded = true
    if (this.#handshake !== undefined) {
      if (this.#handshake.length > 0) this.#drop(`connection closed after ${this.#handshake.length} bytes of nonce`)
      else this.#socket.end()
    } else if (this.#decoder!.pendingBytes > 0) {
      this.#drop(`connection closed inside a frame (${this.#decoder!.pendingBytes} bytes of a truncated frame)`)
    } else if (this.#queued === 0) {
      this.#socket.end()
    }
  }

  #guard (action: () => void): void {
    try {
      action()
    } catch (err) {
      this.#drop(`internal error: ${(err as Error).message}`)
    }
  }

  #drop (reason: string): void {
    if (this.#closed) return
    logger.warn(`Dropping console connection: ${reason}`, { peer: this.#peer })
    this.#socket.destroy()
    this.#finish()
  }

  #finish (): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#handshakeTimer)
    clearTimeout(this.#graceTimer)
    logger.debug('Closed console connection', { peer: this.#peer })
    this.#onClosed()
  }
}
