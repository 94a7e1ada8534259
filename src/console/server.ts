import { createServer, type Server, type Socket } from 'node:net'
import { TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { type ConsoleAddress, formatAddress } from './address.ts'
import { cipherVariants, type CipherVariant } from './cipher.ts'
import { type KeySource } from './channel.ts'
import { MAX_FRAME_BYTES } from './frame.ts'
import { ConsoleConnection, type ConnectionSettings } from './server-connection.ts'

export interface ConsoleServerOptions {
  /** The shared key, or a function returning the current one (so `setKey()` at runtime takes effect). */
  key: Buffer | KeySource
  /** Runs one console line and resolves with the text to send back. A rejection is sent as `Error: <message>`. */
  execute: (line: string) => Promise<string>
  /** Cipher variants accepted from clients; default both, told apart by the client's nonce length. */
  variants?: readonly CipherVariant[]
  /** Largest accepted command frame (sealed bytes); default and maximum 65535. */
  maxFrameBytes?: number
  /** A client must complete its nonce within this time; default 10 s. */
  handshakeTimeoutMs?: number
  /** Quiet time after a 12-byte nonce before treating the client as openssl; default 200 ms. */
  variantGraceMs?: number
}

/** The `controlSocket()` listener: many consoles at once, each isolated from the others' failures. */
export class ConsoleServer {
  readonly #settings: ConnectionSettings
  readonly #connections = new Set<ConsoleConnection>()
  #server: Server | undefined
  #address: ConsoleAddress | undefined
  #closing: Promise<void> | undefined

  constructor (options: ConsoleServerOptions) {
    const key = options.key
    const variants = options.variants ?? cipherVariants
    if (variants.length === 0) throw new TrackalertError('TA_ERR_CONSOLE', 'at least one console cipher variant must be accepted')
    this.#settings = {
      key: typeof key === 'function' ? key : () => key,
      execute: options.execute,
      variants: new Set(variants),
      maxFrameBytes: Math.min(options.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES),
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      variantGraceMs: options.variantGraceMs ?? 200
    }
  }

  /** Binds and starts accepting; resolves with the bound address (useful with port 0). */
  async listen (host: string, port: number): Promise<ConsoleAddress> {
    if (this.#server !== undefined || this.#closing !== undefined) {
      throw new TrackalertError('TA_ERR_CONSOLE', 'console server already started')
    }
    const server = createServer({ allowHalfOpen: true }, (socket) => { this.#accept(socket) })
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new TrackalertError('TA_ERR_LISTEN', `cannot listen for console connections on ${formatAddress(host, port)}: ${err.message}`, { cause: err }))
      }
      server.once('error', onError)
      server.listen(port, host, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err) => { logger.error('Console listener error', { error: err.message }) })
    const bound = server.address()
    this.#address = typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : { host, port }
    logger.notice('Accepting console connections', { address: formatAddress(this.#address.host, this.#address.port) })
    return this.#address
  }

  get address (): ConsoleAddress | undefined {
    return this.#address
  }

  get connectionCount (): number {
    return this.#connections.size
  }

  /** Stops listening and drops every open console. Safe to call repeatedly. */
  close (): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const connection of this.#connections) connection.destroy()
      if (this.#server === undefined || !this.#server.listening) {
        resolve()
        return
      }
      this.#server.close(() => { resolve() })
    })
    return this.#closing
  }

  #accept (socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy()
      return
    }
    const peer = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0)
    const connection: ConsoleConnection = new ConsoleConnection(socket, peer, this.#settings, () => {
      this.#connections.delete(connection)
    })
    this.#connections.add(connection)
  }
}
