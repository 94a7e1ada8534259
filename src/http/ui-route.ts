import { type IncomingMessage, type ServerResponse } from 'node:http'
import { readBody, type BodyError } from './body.ts'
import { CSRF_COOKIE, csrfRefusal, issueCsrfToken } from './csrf.ts'
import { sendFailure } from './respond.ts'
import { type RouteContext } from './routes.ts'
import { uiAsset } from './ui-assets.ts'

/**
 * Sent with every /ui/ answer. Scripts and styles only from files the daemon serves (no inline
 * script or style, no eval), data only from this origin, never framed.
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin'
}

function send (res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body
  res.writeHead(status, { ...UI_SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': buf.length, ...extra })
  res.end(buf)
}

const sendUiJson = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>): void =>
  send(res, status, 'application/json', JSON.stringify(value), { 'Cache-Control': 'no-store', ...extra })

/**
 * GET /ui/session: a fresh CSRF token, in the body for the page's script and in a SameSite=Strict,
 * HttpOnly cookie scoped to /ui/ for the server's check.
 */
function session (res: ServerResponse, password: string, secure: boolean): void {
  const token = issueCsrfToken(password)
  const cookie = `${CSRF_COOKIE}=${token}; Path=/ui/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
  sendUiJson(res, 200, { csrf: token }, { 'Set-Cookie': cookie })
}

/** POST /ui/erase {"login"}: the UI's one write, forgetting a login's history, behind the CSRF check. */
function erase (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, password: string): void {
  const refusal = csrfRefusal(req, password)
  if (refusal !== null) {
    ctx.refuse('forbidden', req, refusal)
    req.resume()
    sendUiJson(res, 403, { status: 'failure', reason: `Forbidden: ${refusal}` })
    return
  }
  readBody(req, ctx.maxBody(), {
    bodyDone: (err: BodyError | null, body: Buffer): void => {
      if (err === 'too-large') { sendFailure(res, 413, 'Request body too large', { Connection: 'close' }); return }
      if (err !== null) return
      let login: unknown
      try {
        login = (JSON.parse(body.toString('utf8')) as { login?: unknown }).login
      } catch {
        login = undefined
      }
      if (typeof login !== 'string' || login === '') {
        ctx.refuse('bad_request', req, 'Field \'login\' must be a non-empty string')
        sendUiJson(res, 400, { status: 'failure', reason: 'Request body must be a JSON object with a non-empty "login" string' })
        return
      }
      const reader = ctx.history()
      if (reader === null) { sendUiJson(res, 409, { status: 'failure', reason: 'Login history is not enabled (setHistory in the configuration)' }); return }
      const failed = (e: unknown): void => sendUiJson(res, 503, { status: 'failure', reason: `history store: ${(e as Error).message}` })
      // As POST /command/eraseHistory: the reports and profile, then the login's alerts.
      const erase = async (): Promise<void> => {
        const reports = await reader.erase(login)
        const alerts = await ctx.eraseAlerts(login)
        sendUiJson(res, 200, { status: 'ok', login, reports_removed: reports, alerts_removed: alerts })
      }
      erase().catch(failed)
    }
  })
}

/**
 * Everything under /ui/, after the ACL and password checks: the static pages and their assets,
 * the session token and the erase action. `password` is the webserver password in force.
 */
export function handleUi (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, password: string): void {
  const url = req.url ?? '/ui/'
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (path === '/ui') { send(res, 301, 'text/plain', 'Moved', { Location: '/ui/' }); return }
  const name = path.slice(4)
  const method = req.method === 'HEAD' ? 'GET' : req.method
  if (name === 'erase') {
    if (method !== 'POST') { ctx.refuse('method', req, 'ui/erase takes POST only'); sendUiJson(res, 405, { status: 'failure', reason: 'Method not allowed' }, { Allow: 'POST' }); return }
    erase(req, res, ctx, password)
    return
  }
  if (method !== 'GET') { ctx.refuse('method', req, 'the web UI pages take GET only'); sendUiJson(res, 405, { status: 'failure', reason: 'Method not allowed' }, { Allow: 'GET' }); return }
  if (name === 'session') { session(res, password, (req.socket as { encrypted?: boolean }).encrypted === true); return }
  let asset
  try {
    asset = uiAsset(name)
  } catch (err) {
    sendUiJson(res, 500, { status: 'failure', reason: (err as Error).message })
    return
  }
  if (asset === undefined) {
    ctx.refuse('not_found', req, `no web UI file named '${name.slice(0, 100)}'`)
    sendUiJson(res, 404, { status: 'failure', reason: 'Not found' })
    return
  }
  send(res, 200, asset.type, asset.body, { 'Cache-Control': 'no-cache' })
}
