import { type AlertQuery } from './store.ts'

export const DEFAULT_QUERY_LIMIT = 100
export const MAX_QUERY_LIMIT = 10_000

const KNOWN = new Set(['since', 'type', 'login', 'limit', 'command'])

/** The parameters of GET /command/alerts, or why they are wrong (answered 400). */
export function parseAlertQuery (params: URLSearchParams): { query: AlertQuery } | { error: string } {
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) return { error: `unknown parameter '${key.slice(0, 50)}' (known: since, type, login, limit)` }
    if (params.getAll(key).length > 1) return { error: `parameter '${key}' given more than once` }
  }
  const count = (name: string, min: number, max: number): number | string | undefined => {
    const raw = params.get(name)
    if (raw === null) return undefined
    if (!/^\d{1,15}$/.test(raw)) return `'${name}' must be a whole number, got '${raw.slice(0, 50)}'`
    const n = Number(raw)
    if (n < min || n > max) return `'${name}' must be between ${min} and ${max}, got ${n}`
    return n
  }
  const since = count('since', 0, Number.MAX_SAFE_INTEGER)
  if (typeof since === 'string') return { error: since }
  const limit = count('limit', 1, MAX_QUERY_LIMIT)
  if (typeof limit === 'string') return { error: limit }
  const text = (name: string): string | undefined | { error: string } => {
    const v = params.get(name)
    if (v === null) return undefined
    return v === '' ? { error: `'${name}' must not be empty` } : v
  }
  const type = text('type')
  if (typeof type === 'object') return type
  const login = text('login')
  if (typeof login === 'object') return login
  return {
    query: {
      ...(since !== undefined ? { since } : {}),
      ...(type !== undefined ? { type } : {}),
      ...(login !== undefined ? { login } : {}),
      limit: limit ?? DEFAULT_QUERY_LIMIT
    }
  }
}
