import { createHash, timingSafeEqual } from 'node:crypto'

/** Compares two strings in time that depends only on their length. */
function sameString (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/**
 * HTTP Basic authentication as upstream: the user name is ignored and the password is whatever
 * follows the first ':'. The last accepted header is cached so the hot path is one constant-time
 * string comparison instead of a base64 decode and a hash.
 */
export class BasicAuth {
  readonly #password: () => string | null
  #cachedHeader = ''
  #cachedFor: string | null = null

  constructor (password: () => string | null) {
    this.#password = password
  }

  check (header: string | undefined): boolean {
    const expected = this.#password()
    if (expected === null || header === undefined) return false
    if (this.#cachedFor === expected && sameString(header, this.#cachedHeader)) return true
    if (header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return false
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return false
    // Hash both sides so the comparison takes the same time whatever the password length.
    const ok = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(expected))
    if (ok) {
      this.#cachedHeader = header
      this.#cachedFor = expected
    }
    return ok
  }

  /** Why check() said no, for the log; never echoes what the client sent. Only called on refusals. */
  whyRefused (header: string | undefined): string {
    if (this.#password() === null) return 'no webserver password is set (setWebserverPassword): every request needing one is refused'
    if (header === undefined) return 'no Authorization header'
    if (header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return 'not HTTP Basic authentication'
    return 'wrong password'
  }
}
