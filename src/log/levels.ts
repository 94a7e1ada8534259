/** Syslog severities (RFC 5424), the scale that `-l/--loglevel 0-7` filters on. */
export const LogLevel = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7
} as const

export type LogLevelValue = (typeof LogLevel)[keyof typeof LogLevel]

export const levelNames: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']
