import { connect as netConnect, type Socket } from 'node:net'
import { TrackalertError } from '../errors.ts'
import { formatAddress } from './address.ts'
import { cipherFor, type CipherVariant, KEY_BYTES } from './cipher.ts'
import { SecureChannel } from './channel.ts'
import { FrameDecoder, MAX_PLAINTEXT_BYTES, encodeFrame } from './frame.ts'
import { randomNonce } from './nonce.ts'

/** Why a console client gave up: lets the CLI pick a message and an exit code without parsing text. */
export type ConsoleClientErrorKind = 'unreachable' | 'rejected' | 'timeout' | 'closed' | 'usage'

export class ConsoleClientError extends TrackalertError {
  readonly kind: ConsoleClientErrorKind

  constructor (kind: ConsoleClientErrorKind, message: string, options?: { cause?: unknown }) {
    super('TA_ERR_CONSOLE', message, options)
    this.name = 'ConsoleClientError'
    this.kind = kind
  }
}

export interface ConsoleClientOptions {
  /** Default 5 s. */
  connectTimeoutMs?: number
  /** Time allowed for the server's nonce; default 5 s. */
  handshakeTimeoutMs?: number
  /** Time allowed per reply; default 60 s, 0 waits forever. Older upstream servers ignore commands sealed with a wrong key. */
  replyTimeoutMs?: number
}

const REJECTED = 'wrong key or protocol variant'

interface Pending {
  resolve: (reply: string) => void
  reject: (err: ConsoleClientError) => void
}

/** Talks to a trackalert (ours or upstream) console port. One command in flight at a time, like upstream. */
export class ConsoleClient {
  #socket: Socket | undefined
  #channel: SecureChannel | undefined
  #decoder: FrameDecoder | undefined
  #pending: Pending | undefined
  #failure: ConsoleClientError | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #replyTimeoutMs = 60_000
  #verified = false

  get connected (): boolean {
    return this.#channel !== undefined && this.#failure === undefined
  }

  /** Connects and exchanges nonces. Rejects with a `ConsoleClientError` (`unreachable`, `rejected`, `timeout`). */
  async connect (host: string, port: number, key: Buffer, variant: CipherVariant = 'libsodium', options: ConsoleClientOptions = {}): Promise<void> {
    if (this.#socket !== undefined) throw new ConsoleClientError('usage', 'console client already connected')
    if (key.length !== KEY_BYTES) throw new ConsoleClientError('usage', `console key must be ${KEY_BYTES} bytes, got ${key.length}`)
    this.#replyTimeoutMs = options.replyTimeoutMs ?? 60_000
    const where = formatAddress(host, port)
    const socket = netConnect({ host, port })
    this.#socket = socket
    socket.setNoDelay(true)
    // Errors surface through the connect promise or the 'close' handler; never as an uncaught 'error'.
    socket.on('error', () => {})
    try {
      await this.#waitConnected(socket, where, options.connectTimeoutMs ?? 5000)
      await this.#handshake(socket, where, key, variant, options.handshakeTimeoutMs ?? 5000)
    } catch (err) {
      socket.destroy()
      this.#failure = err as ConsoleClientError
      throw err
    }
    socket.on('data', (chunk: Buffer) => { this.#onData(chunk) })
    socket.on('close', () => {
      // Once a reply has decrypted the key is proven, so a later close is the server going away.
      this.#fail(this.#pending !== undefined && !this.#verified
        ? new ConsoleClientError('rejected', `the server closed the connection without replying (${REJECTED}?)`)
        : new ConsoleClientError('closed', `the server at ${where} closed the console connection`))
    })
  }

  /** Sends one console line and resolves with the server's reply text. */
  run (line: string): Promise<string> {
    const result = this.#queue.then(() => this.#send(line))
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** Closes the connection; never leaves the process waiting on this socket. */
  close (): void {
    this.#fail(new ConsoleClientError('closed', 'console connection closed'))
  }

  #waitConnected (socket: Socket, where: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ConsoleClientError('unreachable', `cannot reach the trackalert console at ${where}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once('connect', () => { clearTimeout(timer); resolve() })
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(new ConsoleClientError('unreachable', `cannot reach the trackalert console at ${where}: ${err.code ?? err.message}`, { cause: err }))
      })
    })
  }

  #handshake (socket: Socket, where: string, key: Buffer, variant: CipherVariant, timeoutMs: number): Promise<void> {
    const cipher = cipherFor(variant)
    const ours = randomNonce(cipher.nonceBytes)
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0)
      const finish = (err?: ConsoleClientError): void => {
        clearTimeout(timer)
        socket.off('data', onData)
        socket.off('close', onClose)
        if (err !== undefined) { reject(err); return }
        const keyCopy = Buffer.from(key)
        this.#channel = new SecureChannel(cipher, () => keyCopy, ours, Buffer.from(received.subarray(0, cipher.nonceBytes)))
        this.#decoder = new FrameDecoder()
        resolve()
        const leftover = received.subarray(cipher.nonceBytes)
        if (leftover.length > 0) queueMicrotask(() => { this.#onData(leftover) })
      }
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk])
        if (received.length >= cipher.nonceBytes) finish()
      }
      const onClose = (): void => {
        finish(new ConsoleClientError('rejected', `${where} closed the connection during the nonce exchange (${REJECTED}?)`))
      }
      const timer = setTimeout(() => {
        const hint = received.length === 12 && variant === 'libsodium'
          ? 'the server sent a 12-byte nonce, so it uses the openssl variant'
          : `this client uses the ${variant} variant (${cipher.nonceBytes}-byte nonce)`
        finish(new ConsoleClientError('rejected', `no nonce from ${where} within ${timeoutMs} ms: ${REJECTED}? (${hint})`))
      }, timeoutMs)
      socket.on('data', onData)
      socket.on('close', onClose)
      socket.write(ours)
    })
  }

  #send (line: string): Promise<string> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#channel === undefined) return Promise.reject(new ConsoleClientError('usage', 'console client is not connected'))
    const plain = Buffer.from(line, 'utf8')
    if (plain.length > MAX_PLAINTEXT_BYTES) {
      return Promise.reject(new ConsoleClientError('usage', `command of ${plain.length} bytes exceeds the ${MAX_PLAINTEXT_BYTES}-byte console limit`))
    }
    return new Promise<string>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => { clearTimeout(timer); this.#pending = undefined }
      this.#pending = {
        resolve: (reply) => { done(); resolve(reply) },
        reject: (err) => { done(); reject(err) }
      }
      if (this.#replyTimeoutMs > 0) {
        timer = setTimeout(() => {
          this.#fail(new ConsoleClientError('timeout', `no reply within ${this.#replyTimeoutMs} ms (${REJECTED}, or the command is still running)`))
        }, this.#replyTimeoutMs)
      }
      this.#socket!.write(encodeFrame(this.#channel!.seal(plain)))
    })
  }

  #onData (chunk: Buffer): void {
    if (this.#failure !== undefined) return
    let frames: Buffer[]
    try {
      frames = this.#decoder!.push(chunk)
    } catch (err) {
      this.#fail(new ConsoleClientError('rejected', `the server sent an invalid frame (${REJECTED}?): ${(err as Error).message}`))
      return
    }
    for (const frame of frames) {
      const pending = this.#pending
      if (pending === undefined) {
        this.#fail(new ConsoleClientError('rejected', `the server sent an unexpected message (${REJECTED}?)`))
        return
      }
      const plain = this.#channel!.open(frame)
      if (plain === null) {
        this.#fail(new ConsoleClientError('rejected', `could not decrypt the server's reply: ${REJECTED}`))
        return
      }
      this.#verified = true
      pending.resolve(plain.toString('utf8'))
    }
  }

  #fail (err: ConsoleClientError): void {
    if (this.#failure !== undefined) return
    this.#failure = err
    this.#pending?.reject(err)
    const socket = this.#socket
    if (socket !== undefined && !socket.destroyed) {
      socket.end()
      socket.unref()
      setTimeout(() => { socket.destroy() }, 1000).unref()
    }
  }
}
