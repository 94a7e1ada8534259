import { TrackalertError } from '../../errors.ts'

/** A checked `postgres://` URL: what setHistory{ url = ... } accepts. */
export interface PostgresUrl {
  readonly url: string
  /** For messages and logs: the URL with its password replaced by `***`. */
  readonly location: string
}

/**
 * Accepts postgres:// and postgresql:// URLs with a host (pg's own parser would accept almost any
 * text and fail only when connecting, long after start-up). Throws a TA_ERR_HISTORY naming what is wrong.
 */
export function parsePostgresUrl (text: string): PostgresUrl {
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    throw new TrackalertError('TA_ERR_HISTORY', `invalid PostgreSQL URL (expected postgres://user:password@host:port/database): ${JSON.stringify(redact(text))}`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new TrackalertError('TA_ERR_HISTORY', `PostgreSQL URL must start with postgres:// or postgresql://, got ${JSON.stringify(parsed.protocol)}`)
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw new TrackalertError('TA_ERR_HISTORY', 'PostgreSQL URL has no host')
  if (parsed.password !== '') parsed.password = '***'
  return { url: text, location: parsed.toString() }
}

/** Best effort for text that is not a URL at all: hide anything between ':' and '@'. */
function redact (text: string): string {
  return text.replace(/:([^:@/]*)@/, ':***@')
}
