import { type CompiledRegexes, type CompiledRule, type Template } from './regexes.ts'

/**
 * The ua-parser specification (uap-core docs/specification.md) as the reference implementations apply it:
 * first matching rule wins; an absent field is `null`; no match gives family "Other".
 */
export interface UserAgentInfo {
  readonly family: string
  readonly major: string | null
  readonly minor: string | null
  readonly patch: string | null
  readonly patchMinor: string | null
}

export type OsInfo = UserAgentInfo

export interface DeviceInfo {
  readonly family: string
  readonly brand: string | null
  readonly model: string | null
}

export interface ParsedUserAgent {
  readonly userAgent: UserAgentInfo
  readonly os: OsInfo
  readonly device: DeviceInfo
}

const OTHER_AGENT: UserAgentInfo = Object.freeze({ family: 'Other', major: null, minor: null, patch: null, patchMinor: null })
const OTHER_DEVICE: DeviceInfo = Object.freeze({ family: 'Other', brand: null, model: null })

export class UserAgentParser {
  readonly #regexes: CompiledRegexes

  constructor (regexes: CompiledRegexes) {
    this.#regexes = regexes
  }

  parse (ua: string): ParsedUserAgent {
    return { userAgent: this.parseUserAgent(ua), os: this.parseOs(ua), device: this.parseDevice(ua) }
  }

  /**
   * Browser: the family replacement is expanded but not trimmed; a version replacement wins over its group,
   * otherwise group 2..5 gives major..patchMinor.
   */
  parseUserAgent (ua: string): UserAgentInfo {
    const hit = firstMatch(this.#regexes.userAgent, ua)
    if (hit === undefined) return OTHER_AGENT
    const [rule, m] = hit
    const famRepl = rule.repl[0]
    const family = famRepl === undefined ? (m[1] ?? '') : expand(famRepl, m)
    return {
      family: family === '' ? 'Other' : family,
      major: versionField(rule.repl[1], m, 2),
      minor: versionField(rule.repl[2], m, 3),
      patch: versionField(rule.repl[3], m, 4),
      patchMinor: versionField(rule.repl[4], m, 5)
    }
  }

  /** OS: every field is a template (default `$1`..`$5`), trimmed, and empty means absent. */
  parseOs (ua: string): OsInfo {
    const hit = firstMatch(this.#regexes.os, ua)
    if (hit === undefined) return OTHER_AGENT
    const [rule, m] = hit
    return {
      family: templateField(rule.repl[0], m, 1) ?? 'Other',
      major: templateField(rule.repl[1], m, 2),
      minor: templateField(rule.repl[2], m, 3),
      patch: templateField(rule.repl[3], m, 4),
      patchMinor: templateField(rule.repl[4], m, 5)
    }
  }

  /** Device: family and model default to `$1`, brand has no default; trimmed, empty means absent. */
  parseDevice (ua: string): DeviceInfo {
    const hit = firstMatch(this.#regexes.device, ua)
    if (hit === undefined) return OTHER_DEVICE
    const [rule, m] = hit
    return {
      family: templateField(rule.repl[0], m, 1) ?? 'Other',
      brand: rule.repl[1] === undefined ? null : templateField(rule.repl[1], m, 0),
      model: templateField(rule.repl[2], m, 1)
    }
  }
}

function firstMatch (rules: readonly CompiledRule[], ua: string): [CompiledRule, RegExpExecArray] | undefined {
  for (const rule of rules) {
    const m = rule.regex.exec(ua)
    if (m !== null) return [rule, m]
  }
  return undefined
}

/** `$n` becomes group n, or nothing when the group did not take part (or n is 0, as in uap-python). */
function expand (template: Template, m: RegExpExecArray): string {
  let out = ''
  for (const part of template) {
    out += typeof part === 'string' ? part : (part === 0 ? '' : (m[part] ?? ''))
  }
  return out
}

function versionField (repl: Template | undefined, m: RegExpExecArray, group: number): string | null {
  const value = repl === undefined ? m[group] : expand(repl, m)
  return value === undefined || value === '' ? null : value
}

/** `defaultGroup` 0 means "no default": only reached with a replacement present. */
function templateField (repl: Template | undefined, m: RegExpExecArray, defaultGroup: number): string | null {
  const value = repl === undefined ? (m[defaultGroup] ?? '') : expand(repl, m)
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}
