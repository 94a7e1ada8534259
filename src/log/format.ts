/** Key/value pairs attached to a log line; values are printed as `key="value"`. */
export type LogFields = Readonly<Record<string, unknown>>

/** Renders one value the way upstream's Lua log functions do: strings bare inside quotes, the rest via String(). */
function renderValue (value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Error) return value.message
  if (value !== null && typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** `message key1="v1" key2="v2"`; quotes and backslashes inside values are escaped so the line stays parseable. */
export function formatText (message: string, fields?: LogFields): string {
  if (fields === undefined) return message
  let line = message
  for (const key in fields) {
    const value = renderValue(fields[key]).replace(/["\\]/g, '\\$&').replace(/\n/g, '\\n')
    line += ` ${key}="${value}"`
  }
  return line
}

/** One JSON object per line, for log shippers (`--log-format json`). */
export function formatJson (time: Date, level: string, message: string, fields?: LogFields): string {
  const record: Record<string, unknown> = { time: time.toISOString(), level, msg: message }
  if (fields !== undefined) {
    for (const key in fields) {
      const value = fields[key]
      record[key] = value instanceof Error ? value.message : value
    }
  }
  return JSON.stringify(record)
}
