import { type IncomingMessage } from 'node:http'

export type BodyError = 'too-large' | 'aborted'

/** Receives a request body (or why there is none); an object per request, not closures. */
export interface BodySink {
  bodyDone (err: BodyError | null, body: Buffer): void
}

const EMPTY = Buffer.alloc(0)

/** Per-request read state, kept on the request so the listeners can be shared module functions. */
class BodyRead {
  readonly limit: number
  readonly sink: BodySink
  first: Buffer | null = null
  chunks: Buffer[] | null = null
  size = 0
  finished = false

  constructor (limit: number, sink: BodySink) {
    this.limit = limit
    this.sink = sink
  }

  finish (err: BodyError | null, body: Buffer): void {
    if (this.finished) return
    this.finished = true
    this.sink.bodyDone(err, body)
  }
}

const READ = Symbol('trackalert.bodyRead')
type ReadingRequest = IncomingMessage & { [READ]: BodyRead }

function onData (this: ReadingRequest, chunk: Buffer): void {
  const r = this[READ]
  if (r.finished) return
  r.size += chunk.length
  if (r.size > r.limit) { r.finish('too-large', EMPTY); return }
  // Most bodies arrive in one chunk: keep it without copying.
  if (r.first === null) r.first = chunk
  else (r.chunks ??= [r.first]).push(chunk)
}

function onEnd (this: ReadingRequest): void {
  const r = this[READ]
  r.finish(null, r.chunks !== null ? Buffer.concat(r.chunks, r.size) : r.first ?? EMPTY)
}

function onAbort (this: ReadingRequest): void {
  this[READ].finish('aborted', EMPTY)
}

/** Reads a request body up to `limit` bytes. Over the limit the sink gets 'too-large' at once. */
export function readBody (req: IncomingMessage, limit: number, sink: BodySink): void {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) { sink.bodyDone('too-large', EMPTY); return }
  (req as ReadingRequest)[READ] = new BodyRead(limit, sink)
  req.on('data', onData)
  req.on('end', onEnd)
  req.on('error', onAbort)
  req.on('aborted', onAbort)
}
