import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { parse as YamlParse } from 'yaml'
import { isTrackalertError, TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { hasNestedQuantifier, translatePattern } from './pattern.ts'

/** A replacement split at its `$1`..`$9` placeholders: literal text and group numbers, expanded per match. */
export type Template = ReadonlyArray<string | number>

/** One compiled regexes.yaml entry; `repl[i]` is the replacement for field i (undefined: none given). */
export interface CompiledRule {
  readonly regex: RegExp
  readonly repl: ReadonlyArray<Template | undefined>
}

export interface CompiledRegexes {
  readonly file: string
  readonly userAgent: readonly CompiledRule[]
  readonly os: readonly CompiledRule[]
  readonly device: readonly CompiledRule[]
  /** Patterns that needed a Python → JS rewrite (0 for uap-core's own file). */
  readonly translatedCount: number
}

/** Replacement keys per section, in field order (family, major, minor, patch, patch_minor / family, brand, model). */
const sections = {
  user_agent_parsers: ['family_replacement', 'v1_replacement', 'v2_replacement', 'v3_replacement', 'v4_replacement'],
  os_parsers: ['os_replacement', 'os_v1_replacement', 'os_v2_replacement', 'os_v3_replacement', 'os_v4_replacement'],
  device_parsers: ['device_replacement', 'brand_replacement', 'model_replacement']
} as const

type SectionName = keyof typeof sections

/** Path of the regexes.yaml shipped by the uap-core package. */
export function defaultRegexesFile (): string {
  return createRequire(import.meta.url).resolve('uap-core/regexes.yaml')
}

let bundled: CompiledRegexes | undefined

/** Reads, validates and compiles a regexes.yaml. The bundled file is compiled once per process and shared. */
export function loadRegexes (file?: string): CompiledRegexes {
  if (file === undefined) {
    bundled ??= compileRegexesFile(defaultRegexesFile())
    return bundled
  }
  return compileRegexesFile(file)
}

export function compileRegexesFile (file: string): CompiledRegexes {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw invalid(file, `cannot read: ${(err as Error).message}`, err)
  }
  return compileRegexesText(text, file)
}

/** yaml is needed only while compiling (once per process, on the first device parse): loaded then. */
function parseYaml (text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse: typeof YamlParse }
  return yaml.parse(text)
}

/** `file` only names the source in messages. */
export function compileRegexesText (text: string, file: string): CompiledRegexes {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw invalid(file, `not valid YAML: ${(err as Error).message}`, err)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid(file, 'expected a mapping with user_agent_parsers, os_parsers and/or device_parsers')
  }
  const root = doc as Record<string, unknown>
  if (!Object.keys(sections).some((name) => name in root)) {
    throw invalid(file, 'none of user_agent_parsers, os_parsers, device_parsers is present')
  }
  const counter = { translated: 0 }
  const compiled: CompiledRegexes = {
    file,
    userAgent: compileSection(root, 'user_agent_parsers', file, counter),
    os: compileSection(root, 'os_parsers', file, counter),
    device: compileSection(root, 'device_parsers', file, counter),
    translatedCount: counter.translated
  }
  logger.debug('device regexes loaded', {
    file,
    user_agent_parsers: compiled.userAgent.length,
    os_parsers: compiled.os.length,
    device_parsers: compiled.device.length,
    translated: compiled.translatedCount
  })
  return compiled
}

function compileSection (root: Record<string, unknown>, name: SectionName, file: string,
  counter: { translated: number }): CompiledRule[] {
  const list = root[name]
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) throw invalid(file, `${name} must be a list`)
  const keys: readonly string[] = sections[name]
  const rules: CompiledRule[] = []
  list.forEach((entry: unknown, index) => {
    const where = `${name}[${index}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(file, `${where} must be a mapping`)
    const fields = entry as Record<string, unknown>
    for (const [key, value] of Object.entries(fields)) {
      if (key !== 'regex' && key !== 'regex_flag' && !keys.includes(key)) {
        throw invalid(file, `${where} has unknown key "${key}"`)
      }
      // YAML turns bare numbers into numbers (v1_replacement: 5); replacements are text either way.
      if (typeof value !== 'string' && typeof value !== 'number') throw invalid(file, `${where}.${key} must be a string`)
    }
    if (typeof fields.regex !== 'string' || fields.regex === '') throw invalid(file, `${where} has no regex`)
    const flag = fields.regex_flag === undefined ? '' : String(fields.regex_flag)
    if (flag !== '' && flag !== 'i') throw invalid(file, `${where}.regex_flag must be "i"`)
    if (flag !== '' && name !== 'device_parsers') throw invalid(file, `${where}: regex_flag is only allowed in device_parsers`)
    let regex: RegExp
    try {
      const t = translatePattern(fields.regex, flag)
      if (t.translated) counter.translated++
      regex = new RegExp(t.source, t.flags)
      if (hasNestedQuantifier(t.source)) {
        logger.warn('device regex may backtrack catastrophically (nested unbounded quantifier)', { file, rule: where })
      }
    } catch (err) {
      const reason = isTrackalertError(err) || err instanceof SyntaxError ? err.message : String(err)
      throw invalid(file, `${where} regex does not compile: ${reason}`, err)
    }
    // An empty replacement counts as none, as in the reference implementations.
    const repl = keys.map((key) => {
      const text = fields[key] === undefined ? '' : String(fields[key])
      return text === '' ? undefined : compileTemplate(text)
    })
    rules.push({ regex, repl })
  })
  return rules
}

export function compileTemplate (text: string): Template {
  const parts: Array<string | number> = []
  let last = 0
  for (const m of text.matchAll(/\$(\d)/g)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    parts.push(Number(m[1]))
    last = m.index + 2
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

function invalid (file: string, reason: string, cause?: unknown): TrackalertError {
  return new TrackalertError('TA_ERR_CONFIG_INVALID', `device regexes file ${file}: ${reason}`,
    cause === undefined ? undefined : { cause })
}
