import { type IncomingMessage, type ServerResponse } from 'node:http'
import { sendFailure } from './respond.ts'
import { type RouteContext } from './routes.ts'

/**
 * A GET's query string read by `parse`; on a bad parameter the request is refused (counted, logged)
 * and answered 400 with the reason, and the result is null.
 */
export function parsedQuery<Q> (req: IncomingMessage, res: ServerResponse, ctx: RouteContext,
  parse: (params: URLSearchParams) => { query: Q } | { error: string }): Q | null {
  const url = req.url ?? ''
  const q = url.indexOf('?')
  const parsed = parse(new URLSearchParams(q === -1 ? '' : url.slice(q + 1)))
  if ('error' in parsed) {
    ctx.refuse('bad_request', req, parsed.error)
    sendFailure(res, 400, parsed.error)
    return null
  }
  return parsed.query
}
