/**
 * Every error the daemon raises on purpose for a caller or a user to act on has a stable code
 * `TA_ERR_<AREA>_<CONDITION>`, listed in docs/errors.md. Branch on `err.code`, never on message text.
 * Broken internal invariants are node:assert failures, not coded errors.
 */
export const errorCodes = [
  'TA_ERR_CONFIG_LOAD',
  'TA_ERR_CONFIG_INVALID',
  'TA_ERR_CLI_USAGE',
  'TA_ERR_LUA_RUNTIME',
  'TA_ERR_LUA_TIMEOUT',
  'TA_ERR_LUA_ARGUMENT',
  'TA_ERR_JSON',
  'TA_ERR_OUTBOUND',
  'TA_ERR_OVERLOADED',
  'TA_ERR_LISTEN',
  'TA_ERR_GEOIP',
  'TA_ERR_WEBHOOK_CONFIG',
  'TA_ERR_SCHEDULE',
  'TA_ERR_CONSOLE',
  'TA_ERR_CLUSTER',
  'TA_ERR_HISTORY',
  'TA_ERR_WEB_UI'
] as const

export type ErrorCode = (typeof errorCodes)[number]

export class TrackalertError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.name = 'TrackalertError'
    this.code = code
  }
}


export function isTrackalertError (err: unknown, code?: ErrorCode): err is TrackalertError {
  if (!(err instanceof Error)) return false
  const actual = (err as Error & { code?: unknown }).code
  return typeof actual === 'string' && actual.startsWith('TA_ERR_') && (code === undefined || actual === code)
}
