import { type ServerResponse } from 'node:http'

/**
 * Bodies sent on the hot path, serialised once. The OK answer is a string with a prebuilt header
 * object: node:http then sends status line, headers and body in one write instead of a writev of two.
 */
const OK_TEXT = '{"status":"ok"}'
const OK_HEADERS = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(OK_TEXT)) }
export const OK_REPORT = Buffer.from(OK_TEXT)
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

/** `200 {"status":"ok"}`, the answer to nearly every report. */
export function sendOk (res: ServerResponse): void {
  res.writeHead(200, OK_HEADERS)
  res.end(OK_TEXT)
}
