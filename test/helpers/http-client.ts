import assert from 'node:assert/strict'
import { Agent, request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https'
import { type SecureVersion } from 'node:tls'
import { PASSWORD } from './daemon.ts'

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RawRequestOptions {
  method?: string
  /** A string is sent as is; anything else as JSON. */
  body?: unknown
  /** true (default): Basic auth with the test password; a string: that password; false: no header; {header}: that exact header. */
  auth?: boolean | string | { header: string }
  headers?: Record<string, string>
  /** Source address of the connection (e.g. 127.0.0.2 to test the ACL). */
  localAddress?: string
  /** For https URLs: the CA to trust, and TLS version bounds for the client. */
  ca?: string | Buffer
  maxVersion?: SecureVersion
  minVersion?: SecureVersion
  agent?: HttpAgent | HttpsAgent
  timeoutMs?: number
}

export function basicAuth (password: string, user = 'user'): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

/**
 * A request through node:http/https, for what fetch cannot do: pick the source address, pin a CA,
 * bound the TLS version, or send an exact Authorization header.
 */
export function rawRequest (url: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
  const u = new URL(url)
  const headers: Record<string, string> = { ...opts.headers }
  const auth = opts.auth ?? true
  if (auth === true) headers.authorization = basicAuth(PASSWORD)
  else if (typeof auth === 'string') headers.authorization = basicAuth(auth)
  else if (auth !== false) headers.authorization = auth.header
  let payload: Buffer | undefined
  if (opts.body !== undefined) {
    payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body))
    headers['content-type'] ??= 'application/json'
    if (headers['transfer-encoding'] === undefined) headers['content-length'] = String(payload.length)
  }
  const isHttps = u.protocol === 'https:'
  const send = isHttps ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send({
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port,
      path: u.pathname + u.search,
      method: opts.method ?? (payload === undefined ? 'GET' : 'POST'),
      headers,
      localAddress: opts.localAddress,
      agent: opts.agent ?? false,
      ...(isHttps ? { ca: opts.ca, maxVersion: opts.maxVersion, minVersion: opts.minVersion, servername: 'localhost' } : {})
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown
        try { body = JSON.parse(text) } catch { body = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body })
      })
    })
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`request to ${url} timed out`)))
    req.on('error', reject)
    req.end(payload)
  })
}

/** A valid report body; `extra` overrides or adds fields (undefined values remove them). */
export function reportBody (extra: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { login: 'alice', remote: '192.0.2.1', pwhash: 'abcd', success: true, ...extra }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
  return body
}

/** Every JSON answer must say so and parse: returns the parsed body. */
export function jsonOf (res: { status: number, headers: Headers | IncomingHttpHeaders, text: string }): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const type = res.headers instanceof Headers ? res.headers.get('content-type') : res.headers['content-type']
  if (type !== 'application/json') throw new Error(`status ${res.status}: Content-Type is ${String(type)}, not application/json; body: ${res.text}`)
  return JSON.parse(res.text)
}

/**
 * `n` requests at once on `n` keep-alive connections opened beforehand: all are read in the same
 * loop turn and queue behind each other. (Fresh connections would be accepted one per loop turn
 * and wait in the kernel's accept queue instead, where no queue bound sees them.)
 */
export async function burst (d: { readonly url: string }, path: string, body: unknown, n: number): Promise<RawResponse[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: n })
  try {
    const opened = await Promise.all(Array.from({ length: n }, () => rawRequest(`${d.url}/command/livez`, { agent })))
    assert.deepEqual(opened.map((r) => r.status), Array(n).fill(200))
    assert.equal(Object.values(agent.freeSockets).flat().length, n)
    return await Promise.all(Array.from({ length: n }, () => rawRequest(`${d.url}${path}`, { body, agent })))
  } finally {
    agent.destroy()
  }
}
