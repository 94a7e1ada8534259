import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { readFileSync } from 'node:fs'
import { type Socket } from 'node:net'
import { TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { type DaemonSettings, type ListenerSpec } from '../config/settings.ts'
import { aclAllows, sourceAddress } from './acl.ts'
import { BasicAuth } from './auth.ts'
import { RefusalLog, REFUSAL_REASONS, type RefusalReason } from './refusal-log.ts'
import { NOT_FOUND, UNAUTHORIZED, sendJson } from './respond.ts'
import {
  customRoute, livezRoute, metricsRoute, readyzRoute, reportRoute, statsRoute, type FrontendContext, type Route, type RouteContext
} from './routes.ts'
import { eraseHistoryRoute, historyRoute } from './history-routes.ts'
import { alertsRoute } from './alerts-route.ts'
import { activityRoute } from './activity-route.ts'
import { crossSiteRefusal } from './csrf.ts'
import { handleUi } from './ui-route.ts'

const builtinRoutes: Record<string, Route> = {
  report: reportRoute,
  stats: statsRoute,
  readyz: readyzRoute,
  livez: livezRoute,
  history: historyRoute,
  eraseHistory: eraseHistoryRoute,
  alerts: alertsRoute,
  activity: activityRoute
}

const isUiPath = (url: string): boolean => url === '/ui' || url.startsWith('/ui/') || url.startsWith('/ui?')

/** How often counts of refusals left out of the log are checked for an interval that is over. */
const REFUSAL_FLUSH_MS = 5_000

/** A request as named in a refusal line; the URL is cut so a client cannot write long lines into the log. */
function requestLine (req: IncomingMessage): string {
  const url = req.url ?? ''
  return `${req.method ?? ''} ${url.length > 200 ? url.slice(0, 200) + '…' : url}`
}

/** Splits `/command/NAME` and the legacy `/?command=NAME`; returns '' when the URL names no command. */
export function commandName (url: string): string {
  if (url.startsWith('/command/')) {
    const q = url.indexOf('?', 9)
    return q === -1 ? url.slice(9) : url.slice(9, q)
  }
  const q = url.indexOf('?')
  if (q === -1 || (q !== 1 && url.slice(0, q) !== '/')) return ''
  const params = new URLSearchParams(url.slice(q + 1))
  return params.get('command') ?? ''
}

/**
 * The REST front end: every listener (HTTP or HTTPS) shares one request handler, one connection
 * budget and one view of the live settings (ACL and password changes apply at once).
 */
export class HttpFrontend {
  readonly #settingsOf: () => DaemonSettings
  readonly #ctx: RouteContext
  readonly #auth: BasicAuth
  readonly #servers: Server[] = []
  readonly #sockets = new Set<Socket>()
  readonly #refusals = new RefusalLog()
  #refusalFlush: NodeJS.Timeout | null = null
  #custom = new Map<string, Route>()

  /** `settings` is read per request: a reload swaps it for the new generation's. */
  constructor (settings: () => DaemonSettings, ctx: FrontendContext) {
    this.#settingsOf = settings
    this.#ctx = { ...ctx, refuse: (reason, req, detail) => this.#refuse(reason, req.socket, detail, req) }
    this.#auth = new BasicAuth(() => settings().webserverPassword)
    for (const reason of REFUSAL_REASONS) ctx.stats.declareHttpRefusal(reason)
  }

  get activeConnections (): number { return this.#sockets.size }

  /** Custom endpoints come from the config state; a reload replaces the set. */
  setCustomEndpoints (names: Iterable<string>): void {
    const next = new Map<string, Route>()
    for (const name of names) next.set(name, customRoute)
    this.#custom = next
  }

  /** What the listeners are bound to, as logged ("listening for HTTP commands"). */
  readonly listening: Array<{ address: string, tls: boolean }> = []

  /** `announce`: log each bound listener (workers of a multi-process daemon leave that to the primary). */
  async listen (specs: readonly ListenerSpec[], announce = true): Promise<void> {
    if (specs.length > 0 && this.#refusalFlush === null) {
      this.#refusalFlush = setInterval(() => this.#refusals.flush(), REFUSAL_FLUSH_MS).unref()
    }
    for (const spec of specs) {
      const server = this.#create(spec)
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(new TrackalertError('TA_ERR_LISTEN',
          `cannot listen on ${spec.address.text}:${spec.address.port}: ${err.message}`, { cause: err }))
        server.once('error', onError)
        server.listen(spec.address.port, spec.address.text, () => { server.off('error', onError); resolve() })
      })
      this.#servers.push(server)
      const bound = server.address() as { port: number }
      const entry = { address: `${spec.address.text}:${bound.port}`, tls: spec.tls !== null }
      this.listening.push(entry)
      if (announce) logger.info('listening for HTTP commands', entry)
    }
  }

  /** Bound addresses, for tests that listen on port 0. */
  addresses (): Array<{ address: string, port: number }> {
    return this.#servers.map((s) => s.address() as { address: string, port: number })
  }

  /**
   * Stops accepting; idle keep-alive connections close now, busy ones after their response.
   * A stop requested while Lua held the event loop would otherwise reset connections the kernel already
   * accepted and requests already sent but not yet read: a few loop turns let them in first.
   */
  async close (): Promise<void> {
    if (this.#refusalFlush !== null) clearInterval(this.#refusalFlush)
    this.#refusalFlush = null
    for (let turn = 0; turn < 2; turn++) {
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const closing = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
    for (const s of this.#servers) s.closeIdleConnections()
    this.#servers.length = 0
    await Promise.all(closing)
  }

  /** Ends every connection at once (after the graceful period). */
  destroyConnections (): void {
    for (const socket of this.#sockets) socket.destroy()
  }

  #create (spec: ListenerSpec): Server {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res)
    let server: Server
    if (spec.tls !== null) {
      const { certFile, keyFile, minVersion } = spec.tls
      server = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion }, handler) as unknown as Server
    } else {
      server = createHttpServer(handler)
    }
    server.keepAliveTimeout = 60_000
    server.headersTimeout = 30_000
    server.requestTimeout = 60_000
    server.on(spec.tls !== null ? 'secureConnection' : 'connection', (socket: Socket) => {
      if (this.#sockets.size >= this.#settingsOf().maxWebserverConns) {
        this.#refuse('too_many_connections', socket, `connection closed: setMaxWebserverConns limit reached (${this.#settingsOf().maxWebserverConns})`)
        socket.destroy()
        return
      }
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
      // A reset connection is a client gone, not a request refused.
      if (!socket.writable || err.code === 'ECONNRESET') { socket.destroy(); return }
      this.#refuse('malformed', socket, `not a valid HTTP request (${err.code ?? err.message})`)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    })
    return server
  }

  #handle (req: IncomingMessage, res: ServerResponse): void {
    const settings = this.#settingsOf()
    const socket = req.socket
    if (!aclAllows(socket, settings.acl)) {
      this.#refuse('acl', socket, 'source address not in the ACL (setACL, addACL)', req)
      sendJson(res, 401, JSON.stringify({ status: 'failure', reason: 'Source IP Address not in ACL', ip: sourceAddress(socket) }))
      return
    }
    const url = req.url ?? '/'
    if (isUiPath(url)) { this.#handleUi(req, res, settings); return }
    const isMetrics = url === '/metrics' || url.startsWith('/metrics?')
    const name = isMetrics ? 'metrics' : commandName(url)
    const route = isMetrics ? metricsRoute : builtinRoutes[name] ?? this.#custom.get(name)
    const isPublic = route !== undefined && (route.public || (isMetrics && settings.metricsNoPassword))
    if (!isPublic && !this.#auth.check(req.headers.authorization)) {
      this.#refuse('auth', socket, this.#auth.whyRefused(req.headers.authorization), req)
      sendJson(res, 401, UNAUTHORIZED, { 'WWW-Authenticate': 'Basic realm="wforce"' })
      return
    }
    if (route === undefined) {
      this.#refuse('not_found', socket, name === '' ? 'the URL names no command' : `no command named '${name.slice(0, 100)}'`, req)
      sendJson(res, 404, NOT_FOUND)
      return
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method
    if (method !== route.method) {
      this.#refuse('method', socket, `${name} takes ${route.method} only`, req)
      sendJson(res, 405, JSON.stringify({ status: 'failure', reason: `Method ${req.method ?? ''} not allowed` }), { Allow: route.method })
      return
    }
    // A browser that used the web UI has the password cached: another site must not post with it.
    const crossSite = method === 'POST' ? crossSiteRefusal(req) : null
    if (crossSite !== null) {
      this.#refuse('forbidden', socket, crossSite, req)
      sendJson(res, 403, JSON.stringify({ status: 'failure', reason: 'Forbidden: cross-site request' }))
      return
    }
    if (!isMetrics) this.#ctx.stats.countCommand(name)
    route.handler(req, res, this.#ctx, name)
  }

  /** /ui/: the same ACL (checked by the caller) and password as the commands; 404 when setWebUI(false). */
  #handleUi (req: IncomingMessage, res: ServerResponse, settings: DaemonSettings): void {
    if (!settings.webUI) {
      this.#refuse('not_found', req.socket, 'the web UI is turned off (setWebUI(false))', req)
      sendJson(res, 404, NOT_FOUND)
      return
    }
    const password = settings.webserverPassword
    if (password === null || !this.#auth.check(req.headers.authorization)) {
      this.#refuse('auth', req.socket, this.#auth.whyRefused(req.headers.authorization), req)
      sendJson(res, 401, UNAUTHORIZED, { 'WWW-Authenticate': 'Basic realm="wforce"' })
      return
    }
    handleUi(req, res, this.#ctx, password)
  }

  /** Every refusal is counted; its log line is rate-limited per reason (RefusalLog). */
  #refuse (reason: RefusalReason, socket: Socket, detail: string, req?: IncomingMessage): void {
    this.#ctx.stats.countHttpRefused(reason)
    this.#refusals.record(reason, { remote: sourceAddress(socket), detail, request: req === undefined ? undefined : requestLine(req) })
  }
}
