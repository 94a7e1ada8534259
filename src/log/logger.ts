import { LogLevel, levelNames, type LogLevelValue } from './levels.ts'
import { formatJson, formatText, type LogFields } from './format.ts'

/** Where formatted lines go. Sinks receive the level so syslog can map it to a priority. */
export interface LogSink {
  write (level: LogLevelValue, message: string, fields: LogFields | undefined, time: Date): void
}

export type TextStyle = 'plain' | 'timestamped' | 'json'

/** Writes to a stream (stdout by default): plain, with an ISO timestamp (`-D`), or JSON lines. */
export class StreamSink implements LogSink {
  readonly #stream: NodeJS.WritableStream
  readonly #style: TextStyle

  constructor (stream: NodeJS.WritableStream = process.stdout, style: TextStyle = 'plain') {
    this.#stream = stream
    this.#style = style
  }

  write (level: LogLevelValue, message: string, fields: LogFields | undefined, time: Date): void {
    const name = levelNames[level] ?? 'info'
    let line: string
    if (this.#style === 'json') line = formatJson(time, name, message, fields)
    else if (this.#style === 'timestamped') line = `${time.toISOString()} ${name} ${formatText(message, fields)}`
    else line = `${name} ${formatText(message, fields)}`
    this.#stream.write(line + '\n')
  }
}

/**
 * The daemon's logger. One instance per process, configured by the CLI (level, verbosity, sink);
 * library code only calls the level methods. A disabled level costs one comparison.
 */
export class Logger {
  #threshold: LogLevelValue = LogLevel.info
  #verbose = false
  #sinks: LogSink[] = [new StreamSink()]

  /** `-l 0-7`: drop everything less severe than this. */
  setLevel (level: LogLevelValue): void { this.#threshold = level }
  get level (): LogLevelValue { return this.#threshold }

  /** `-v`: debug output and the Lua `vinfoLog`/`debugLog` functions are only printed when verbose. */
  setVerbose (verbose: boolean): void {
    this.#verbose = verbose
    if (verbose && this.#threshold < LogLevel.debug) this.#threshold = LogLevel.debug
  }

  get verbose (): boolean { return this.#verbose }

  setSinks (sinks: LogSink[]): void { this.#sinks = sinks }

  enabled (level: LogLevelValue): boolean { return level <= this.#threshold }

  log (level: LogLevelValue, message: string, fields?: LogFields): void {
    if (level > this.#threshold) return
    const now = new Date()
    for (const sink of this.#sinks) {
      try {
        sink.write(level, message, fields, now)
      } catch {
        // A broken sink (closed pipe, vanished syslog socket) must never take the daemon down.
      }
    }
  }

  error (message: string, fields?: LogFields): void { this.log(LogLevel.err, message, fields) }
  warn (message: string, fields?: LogFields): void { this.log(LogLevel.warning, message, fields) }
  notice (message: string, fields?: LogFields): void { this.log(LogLevel.notice, message, fields) }
  info (message: string, fields?: LogFields): void { this.log(LogLevel.info, message, fields) }
  debug (message: string, fields?: LogFields): void { this.log(LogLevel.debug, message, fields) }
}

/** The process-wide logger. */
export const logger = new Logger()
