import { createRequire } from 'node:module'
import { logger, StreamSink, levelNames, type LogFields, type LogLevelValue } from '../../src/log/index.ts'

export interface CapturedLine { level: string, message: string, fields: LogFields | undefined }

/**
 * Routes the process logger into an array for the duration of a test. The logger exposes no getter
 * for its sinks, so restore() puts back its default (plain stdout), which is what tests start with.
 */
export function captureLog (): { lines: CapturedLine[], restore: () => void } {
  const lines: CapturedLine[] = []
  logger.setSinks([{
    write (level: LogLevelValue, message: string, fields: LogFields | undefined): void {
      lines.push({ level: levelNames[level] ?? String(level), message, fields })
    }
  }])
  return { lines, restore: () => logger.setSinks([new StreamSink()]) }
}

/** A clock the test moves by hand. */
export function fakeClock (start = 0): { now: () => number, set: (ms: number) => void, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, set: (ms) => { t = ms }, advance: (ms) => { t += ms } }
}

/** Shape produced by parse-prometheus-text-format (prom2json compatible); values stay strings. */
export interface ParsedSample {
  value?: string
  labels?: Record<string, string>
  buckets?: Record<string, string>
  count?: string
  sum?: string
}
export interface ParsedFamily { name: string, help: string, type: string, metrics: ParsedSample[] }

// The package ships CommonJS without type declarations, so load it through require with a local type.
const require = createRequire(import.meta.url)
export const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[]

export function family (families: readonly ParsedFamily[], name: string): ParsedFamily {
  const found = families.find(f => f.name === name)
  if (found === undefined) throw new Error(`metric family ${name} missing`)
  return found
}

/** Value of the sample whose labels equal `labels` exactly (no labels: pass {}). */
export function sampleValue (families: readonly ParsedFamily[], name: string, labels: Record<string, string> = {}): string | undefined {
  const want = JSON.stringify(Object.entries(labels).sort())
  const sample = family(families, name).metrics.find(m => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want)
  return sample?.value
}
