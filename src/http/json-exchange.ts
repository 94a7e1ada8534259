import { type IncomingMessage, type ServerResponse } from 'node:http'
import { type BodyError, type BodySink } from './body.ts'
import { sendFailure } from './respond.ts'
import { type RouteContext } from './routes.ts'

/**
 * One POST whose body is JSON, from body to answer: a single object per request (no closures on the
 * report path). A body over setMaxRequestBodySize is refused 413 and the connection closed; an
 * aborted one gets no answer; otherwise the subclass receives the parsed value or why it is no JSON.
 */
export abstract class JsonExchange implements BodySink {
  protected readonly req: IncomingMessage
  protected readonly res: ServerResponse
  protected readonly ctx: RouteContext

  constructor (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) {
    this.req = req
    this.res = res
    this.ctx = ctx
  }

  bodyDone (err: BodyError | null, body: Buffer): void {
    if (err === 'too-large') {
      this.ctx.refuse('too_large', this.req, `body over the limit of ${this.ctx.maxBody()} bytes (setMaxRequestBodySize)`)
      sendFailure(this.res, 413, 'Request body too large', { Connection: 'close' })
      return
    }
    if (err !== null) return
    let value: unknown
    try {
      value = JSON.parse(body.toString('utf8'))
    } catch (e) {
      this.invalidJson(`Invalid JSON: ${(e as Error).message}`)
      return
    }
    this.jsonReceived(value)
  }

  /** The body is no JSON; `reason` says why. */
  protected abstract invalidJson (reason: string): void
  protected abstract jsonReceived (value: unknown): void
}
