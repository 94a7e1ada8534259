import http from 'node:http'
import { isIP, type Socket } from 'node:net'

/** A blacklist entry as the fake wforce holds it. */
export interface FakeEntry { ip?: string, netmask?: string, login?: string, expire_secs: number, reason: string }

export interface AddRequest { readonly body: unknown, readonly status: number }

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number): string => String(n).padStart(2, '0')

/** boost's to_simple_string, as wforce prints expirations: "2024-Jan-31 10:00:01". */
function wforceTime (ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${months[d.getUTCMonth()]}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

function validCidr (text: string): boolean {
  const [addr, bits, extra] = text.split('/')
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false
  const family = isIP(addr)
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128)
}

/** Checks an AddBLWLEntryParams body as wforce_api(7) defines it; returns why it is refused, or null. */
function invalidEntry (body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object'
  const e = body as Record<string, unknown>
  for (const key of Object.keys(e)) if (!['ip', 'netmask', 'login', 'expire_secs', 'reason'].includes(key)) return `unknown parameter ${key}`
  if (e.ip !== undefined && e.netmask !== undefined) return 'ip and netmask are mutually exclusive'
  if (e.ip === undefined && e.netmask === undefined && e.login === undefined) return 'one of ip, netmask or login is required'
  if (e.ip !== undefined && (typeof e.ip !== 'string' || isIP(e.ip) === 0)) return 'ip is not an address'
  if (e.netmask !== undefined && (typeof e.netmask !== 'string' || !validCidr(e.netmask))) return 'netmask is not a CIDR network'
  if (e.login !== undefined && (typeof e.login !== 'string' || e.login === '')) return 'login must be a string'
  if (!Number.isInteger(e.expire_secs) || (e.expire_secs as number) < 0) return 'expire_secs must be an integer'
  if (typeof e.reason !== 'string') return 'reason must be a string'
  return null
}

/**
 * A local wforce REST server with the two routes the blacklist uses (`POST /?command=addBLEntry`,
 * `GET /?command=getBL`), basic auth with any user and the webserver password, and validation of
 * the entry per the OpenAPI file. It can be stopped and started again on the same port (an outage).
 */
export class FakeWforce {
  readonly password: string
  readonly entries: FakeEntry[] = []
  readonly adds: AddRequest[] = []
  #server: http.Server | undefined
  #port = 0
  readonly #sockets = new Set<Socket>()

  constructor (password = 'wfpass') { this.password = password }

  get url (): string { return `http://127.0.0.1:${this.#port}` }
  get port (): number { return this.#port }

  /** Entries accepted, as the key trackalert would use: "ip:…", "netmask:…", "login:…". */
  keys (): string[] {
    return this.entries.map((e) => e.ip !== undefined ? `ip:${e.ip}` : e.netmask !== undefined ? `netmask:${e.netmask}` : `login:${e.login ?? ''}`)
  }

  async start (port = this.#port): Promise<void> {
    const server = http.createServer((req, res) => this.#handle(req, res))
    server.on('connection', (s) => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)) })
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()) })
    this.#port = (server.address() as { port: number }).port
    this.#server = server
  }

  /** Down: refuses connections until start() again (keep-alive sockets are cut too). */
  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server === undefined) return
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #reply (res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  #handle (req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const auth = req.headers.authorization ?? ''
      const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : ''
      if (decoded.slice(decoded.indexOf(':') + 1) !== this.password || !decoded.includes(':')) {
        this.#reply(res, 401, { status: 'failure', reason: 'Unauthorized' })
        return
      }
      if (req.method === 'POST' && req.url === '/?command=addBLEntry') {
        let body: unknown
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { body = undefined }
        const why = invalidEntry(body)
        this.adds.push({ body, status: why === null ? 200 : 400 })
        if (why !== null) { this.#reply(res, 400, { status: 'failure', reason: why }); return }
        this.entries.push(body as FakeEntry)
        this.#reply(res, 200, { status: 'ok' })
        return
      }
      if (req.method === 'GET' && req.url === '/?command=getBL') {
        const item = (kind: 'ip' | 'login', name: string, e: FakeEntry): Record<string, string> =>
          ({ [kind]: name, expiration: wforceTime(Date.now() + e.expire_secs * 1000), reason: e.reason })
        // wforce lists addresses and networks together under "ip", addresses with their host mask.
        const ip = this.entries.filter((e) => e.login === undefined && (e.ip ?? e.netmask) !== undefined)
          .map((e) => item('ip', e.ip !== undefined ? `${e.ip}/${isIP(e.ip) === 4 ? 32 : 128}` : e.netmask as string, e))
        const login = this.entries.filter((e) => e.login !== undefined && e.ip === undefined && e.netmask === undefined)
          .map((e) => item('login', e.login as string, e))
        this.#reply(res, 200, { bl_entries: { ip, login, iplogin: [] } })
        return
      }
      this.#reply(res, 404, { status: 'failure', reason: 'Not found' })
    })
  }
}
