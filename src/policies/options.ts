/**
 * Policy options: each policy declares its options once (type, range, default, meaning), and the same
 * declaration validates `setPolicyOptions` input and renders the defaults table of docs/policies.md.
 */
import { TrackalertError } from '../errors.ts'
import { severities, type Severity } from './types.ts'

export type OptionValue = number | string

export type OptionSpec =
  | { kind: 'number', default: number, min: number, max?: number, integer?: boolean, unit?: string, doc: string }
  | { kind: 'enum', default: string, values: readonly string[], doc: string }

export type OptionSpecs = Readonly<Record<string, OptionSpec>>
export type OptionValues = Readonly<Record<string, OptionValue>>

/** Every policy has a severity option; its default differs per policy. */
export function severityOption (fallback: (typeof severities)[number]): OptionSpec {
  return { kind: 'enum', default: fallback, values: severities, doc: 'severity of the findings' }
}

export function defaultsOf (specs: OptionSpecs): OptionValues {
  const values: Record<string, OptionValue> = {}
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.default
  return values
}

function optionError (policy: string, message: string): TrackalertError {
  return new TrackalertError('TA_ERR_CONFIG_INVALID', `setPolicyOptions("${policy}"): ${message}`)
}

function describeType (value: unknown): string {
  if (value === null) return 'nil'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'a table' : `${typeof value} ${JSON.stringify(value)}`
}

function checkValue (policy: string, name: string, spec: OptionSpec, value: unknown): OptionValue {
  switch (spec.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw optionError(policy, `option "${name}" must be a number, got ${describeType(value)}`)
      }
      if (spec.integer === true && !Number.isInteger(value)) {
        throw optionError(policy, `option "${name}" must be a whole number, got ${value}`)
      }
      if (value < spec.min || (spec.max !== undefined && value > spec.max)) {
        const range = spec.max === undefined ? `at least ${spec.min}` : `between ${spec.min} and ${spec.max}`
        throw optionError(policy, `option "${name}" must be ${range}, got ${value}`)
      }
      return value
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw optionError(policy, `option "${name}" must be one of ${spec.values.join(', ')}, got ${describeType(value)}`)
      }
      return value
  }
}

/**
 * Checks `input` against `specs` and returns `current` with the given options replaced. Nothing is
 * changed when any option is bad: the whole call is refused with the first problem found.
 */
export function mergeOptions (policy: string, specs: OptionSpecs, current: OptionValues, input: unknown): OptionValues {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw optionError(policy, `options must be a table of name = value, got ${describeType(input)}`)
  }
  const merged: Record<string, OptionValue> = { ...current }
  for (const [name, value] of Object.entries(input)) {
    const spec = specs[name]
    if (spec === undefined) {
      throw optionError(policy, `unknown option "${name}" (known: ${Object.keys(specs).join(', ')})`)
    }
    merged[name] = checkValue(policy, name, spec, value)
  }
  return merged
}

/** Reads a number option; the specs guarantee the type, this keeps the policies free of casts. */
export function num (options: OptionValues, name: string): number {
  const value = options[name]
  if (typeof value !== 'number') throw new TypeError(`policy option ${name} is not a number`)
  return value
}

export function str (options: OptionValues, name: string): string {
  const value = options[name]
  if (typeof value !== 'string') throw new TypeError(`policy option ${name} is not a string`)
  return value
}

export function severityOf (options: OptionValues): Severity {
  const value = str(options, 'severity')
  const known = severities.find(severity => severity === value)
  if (known === undefined) throw new TypeError(`policy option severity is not a severity: ${value}`)
  return known
}
