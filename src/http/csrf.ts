import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { type IncomingMessage } from 'node:http'

/** The web UI's anti-CSRF cookie and the header a page copies it into. */
export const CSRF_COOKIE = 'ta_ui_csrf'
export const CSRF_HEADER = 'x-trackalert-csrf'

/**
 * The signing key comes from the webserver password, so a token issued by one worker process is
 * valid in every other (no shared state) and every token dies when the password changes.
 */
const keyOf = (password: string): Buffer => createHash('sha256').update('trackalert web UI CSRF\0').update(password).digest()

const sign = (nonce: string, password: string): string => createHmac('sha256', keyOf(password)).update(nonce).digest('base64url')

/** A fresh per-session token: a random nonce and its signature. */
export function issueCsrfToken (password: string): string {
  const nonce = randomBytes(18).toString('base64url')
  return `${nonce}.${sign(nonce, password)}`
}

function validSignature (token: string, password: string): boolean {
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 200) return false
  const expected = Buffer.from(sign(token.slice(0, dot), password))
  const given = Buffer.from(token.slice(dot + 1))
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The value of one cookie in the Cookie header, or null. */
export function cookieValue (header: string | undefined, name: string): string | null {
  if (header === undefined) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/**
 * Why a state-changing UI request is refused, or null when it carries the session's token twice:
 * in the SameSite=Strict cookie (which a cross-site request does not carry) and in the header (which
 * a cross-site page can neither read nor set without a CORS preflight this server never grants).
 */
export function csrfRefusal (req: IncomingMessage, password: string): string | null {
  const header = req.headers[CSRF_HEADER]
  const cookie = cookieValue(req.headers.cookie, CSRF_COOKIE)
  if (typeof header !== 'string' || header === '') return `no ${CSRF_HEADER} header`
  if (cookie === null) return `no ${CSRF_COOKIE} cookie`
  if (header !== cookie) return 'the CSRF header does not match the cookie'
  if (!validSignature(header, password)) return 'the CSRF token is not valid (issued before a password change?)'
  return null
}

/**
 * A browser request made by a page of another site (a form posted cross-site, say): once an operator
 * has used the web UI the browser sends the cached Basic credentials with it. Non-browser clients
 * send neither Sec-Fetch-Site nor Origin and are never refused here.
 */
export function crossSiteRefusal (req: IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') return `a browser request from another site (Sec-Fetch-Site: ${site})`
  const origin = req.headers.origin
  if (origin === undefined) return null
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    return 'a browser request with an unusable Origin'
  }
  return host !== '' && host === req.headers.host ? null : 'a browser request from another origin'
}
