import { type IncomingMessage } from 'node:http'

export type BodyDone = (err: 'too-large' | 'aborted' | null, body: Buffer) => void

const EMPTY = Buffer.alloc(0)

/** Reads a request body up to `limit` bytes. Over the limit the callback gets 'too-large' at once. */
export function readBody (req: IncomingMessage, limit: number, done: BodyDone): void {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) { done('too-large', EMPTY); return }
  let first: Buffer | null = null
  let chunks: Buffer[] | null = null
  let size = 0
  let finished = false
  const finish = (err: 'too-large' | 'aborted' | null, body: Buffer): void => {
    if (finished) return
    finished = true
    done(err, body)
  }
  req.on('data', (chunk: Buffer) => {
    if (finished) return
    size += chunk.length
    if (size > limit) { finish('too-large', EMPTY); return }
    // Most bodies arrive in one chunk: keep it without copying.
    if (first === null) first = chunk
    else (chunks ??= [first]).push(chunk)
  })
  req.on('end', () => finish(null, chunks !== null ? Buffer.concat(chunks, size) : first ?? EMPTY))
  req.on('error', () => finish('aborted', EMPTY))
  req.on('aborted', () => finish('aborted', EMPTY))
}
