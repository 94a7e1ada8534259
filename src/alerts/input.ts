import { TrackalertError } from '../errors.ts'
import { type Alert, type AlertSeverity } from './types.ts'

export const alertSeverities: readonly AlertSeverity[] = ['low', 'medium', 'high', 'critical']

/**
 * A detection on its way to the hub: a policy `Finding` (src/policies/types.ts) or a Lua
 * `raiseAlert{...}`, i.e. an `Alert` before the hub gives it an id and a suppressed count.
 * `attrs` are the report attributes routes may need (the user's e-mail address); they go to
 * the routes with the alert but are not stored with it.
 */
export interface AlertInput extends Omit<Alert, 'id' | 'suppressed'> {
  readonly attrs?: Readonly<Record<string, unknown>>
}

/** An accepted alert with the attributes of the report that raised it (what routes read). */
export interface RoutedAlert {
  readonly alert: Alert
  readonly attrs: Readonly<Record<string, unknown>>
}

const TYPE = /^[A-Za-z0-9_.-]{1,64}$/

function bad (what: string): TrackalertError {
  return new TrackalertError('TA_ERR_LUA_ARGUMENT', `alert: ${what}`)
}

function optionalString (v: unknown, name: string): string | null {
  if (v === undefined || v === null) return null
  if (typeof v !== 'string' || v === '') throw bad(`'${name}' must be a non-empty string`)
  return v
}

function plainObject (v: unknown, name: string): Record<string, unknown> {
  if (v === undefined || v === null) return {}
  // Lua reads an empty table as {} and a sequence as an array: an array is no set of named fields.
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`'${name}' must be a table of named values`)
  return v as Record<string, unknown>
}

/**
 * Checks a detection from outside the hub (Lua, another process) and gives it its canonical form.
 * `now` is the event time used when the input names none.
 */
export function parseAlertInput (value: unknown, now: number): AlertInput {
  const v = plainObject(value, 'alert')
  const type = v.type
  if (typeof type !== 'string' || !TYPE.test(type)) throw bad("'type' must be a name of letters, digits, _ . - (at most 64)")
  const severity = v.severity ?? 'medium'
  if (typeof severity !== 'string' || !(alertSeverities as string[]).includes(severity)) {
    throw bad(`'severity' must be one of ${alertSeverities.join(', ')}`)
  }
  const login = optionalString(v.login, 'login')
  const remote = optionalString(v.remote, 'remote')
  if (login === null && remote === null) throw bad("give 'login', 'remote' or both: an alert is about an account or a source")
  const t = v.t ?? now
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw bad("'t' must be an event time in seconds")
  const risk = v.risk
  if (risk !== undefined && risk !== null && (typeof risk !== 'number' || !Number.isFinite(risk))) throw bad("'risk' must be a number")
  for (const key of Object.keys(v)) {
    if (!['type', 'severity', 'login', 'remote', 't', 'risk', 'evidence', 'attrs'].includes(key)) throw bad(`unknown field '${key}'`)
  }
  return {
    type,
    severity: severity as AlertSeverity,
    login,
    remote,
    t,
    ...(typeof risk === 'number' ? { risk } : {}),
    evidence: plainObject(v.evidence, 'evidence'),
    attrs: plainObject(v.attrs, 'attrs')
  }
}
