import { type ServerResponse } from 'node:http'

/** Bodies sent on the hot path, serialised once. */
export const OK_REPORT = Buffer.from('{"status":"ok"}')
export const UNAUTHORIZED = Buffer.from('{"status":"failure","reason":"Unauthorized"}')
export const NOT_FOUND = Buffer.from('{"status":"failure","reason":"Not found"}')

export function sendJson (res: ServerResponse, status: number, body: Buffer | string, extra?: Record<string, string>): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': buf.length }
  if (extra !== undefined) Object.assign(headers, extra)
  res.writeHead(status, headers)
  res.end(buf)
}

/** `{"status":"failure","reason":…}` with the reason escaped by JSON.stringify. */
export function sendFailure (res: ServerResponse, status: number, reason: string, extra?: Record<string, string>): void {
  sendJson(res, status, JSON.stringify({ status: 'failure', reason }), extra)
}
