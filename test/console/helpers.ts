import { connect, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { logger, type LogSink, type LogFields } from '../../src/log/index.ts'
import { eventually } from '../helpers/poll.ts'

export interface CapturedLog {
  level: number
  message: string
  fields: LogFields | undefined
}

/** Routes the process logger into an array for the duration of a test file. */
export function captureLogs (): { logs: CapturedLog[], restore: () => void } {
  const logs: CapturedLog[] = []
  const sink: LogSink = { write (level, message, fields) { logs.push({ level, message, fields }) } }
  logger.setSinks([sink])
  return { logs, restore: () => { logger.setSinks([]) } }
}

/** A writable that keeps what was written, for console output assertions. */
export class TextSink extends Writable {
  text = ''
  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8')
    callback()
  }
}

/** A raw TCP connection with a byte reader, to speak the wire protocol by hand. */
export class RawPeer {
  readonly socket: Socket
  #buffer = Buffer.alloc(0)
  #waiters: Array<() => void> = []
  closed = false
  /** Captured up front: a closed socket no longer reports it. */
  readonly localPort: number

  private constructor (socket: Socket) {
    this.socket = socket
    this.localPort = socket.localPort ?? 0
    socket.on('data', (chunk: Buffer) => { this.#buffer = Buffer.concat([this.#buffer, chunk]); this.#wake() })
    socket.on('close', () => { this.closed = true; this.#wake() })
    socket.on('error', () => {})
  }

  static async open (port: number, host = '127.0.0.1'): Promise<RawPeer> {
    const socket = connect({ host, port })
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new RawPeer(socket)
  }

  static wrap (socket: Socket): RawPeer {
    return new RawPeer(socket)
  }

  /** Resolves with exactly `n` bytes, or rejects if the peer closes first. */
  async read (n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    while (this.#buffer.length < n) {
      if (this.closed) throw new Error(`connection closed after ${this.#buffer.length} of ${n} bytes`)
      if (Date.now() > deadline) throw new Error(`timed out reading ${n} bytes`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
    const out = this.#buffer.subarray(0, n)
    this.#buffer = this.#buffer.subarray(n)
    return out
  }

  async readFrame (): Promise<Buffer> {
    const length = (await this.read(2)).readUInt16BE(0)
    return await this.read(length)
  }

  async waitClosed (timeoutMs = 5000): Promise<void> {
    await eventually(() => this.closed, 'the server to close the connection', timeoutMs)
  }

  write (data: Uint8Array): void {
    this.socket.write(data)
  }

  destroy (): void {
    this.socket.destroy()
  }

  #wake (): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}
