import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { type AddressInfo } from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
  at: number
}

/** What the receiver does with one request: answer a status (after a delay), or never answer. */
export type Behaviour = { status: number, delayMs?: number } | 'stall'

/** A webhook receiver on 127.0.0.1:0 that records every request and answers per `behave`. */
export class Receiver {
  readonly requests: Received[] = []
  behave: (req: Received, index: number) => Behaviour = () => ({ status: 200 })
  readonly #stalled: ServerResponse[] = []
  readonly #server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() }
      const index = this.requests.push(r) - 1
      const b = this.behave(r, index)
      if (b === 'stall') { this.#stalled.push(res); return }
      const answer = (): void => { res.writeHead(b.status, { 'content-type': 'text/plain' }).end('ok') }
      if (b.delayMs === undefined) answer()
      else setTimeout(answer, b.delayMs)
    })
  })

  port = 0

  async start (): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.port = (this.#server.address() as AddressInfo).port
    return this
  }

  get url (): string { return `http://127.0.0.1:${this.port}` }

  /** Answers every stalled request with 200. */
  release (): void {
    for (const res of this.#stalled.splice(0)) if (!res.writableEnded) res.writeHead(200).end()
  }

  async close (): Promise<void> {
    this.release()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
