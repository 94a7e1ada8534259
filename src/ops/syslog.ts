import { TrackalertError } from '../errors.ts'
import { type LogSink, type LogLevelValue, type LogFields, formatText } from '../log/index.ts'
import { createUnixDgramSocket, sendDatagram, type UnixDgramSocket } from './unix-socket.ts'

/** Facility codes from RFC 3164 §4.1.1 (the values glibc's <syslog.h> uses, divided by 8). */
const facilities: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23
}

export const facilityNames: readonly string[] = Object.keys(facilities)

/** `-f/--facility NAME` → facility code. Case-insensitive; anything else is a configuration error. */
export function parseFacility (name: string): number {
  const code = facilities[name.trim().toLowerCase()]
  if (code === undefined) {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID',
      `unknown syslog facility "${name}" (expected one of ${facilityNames.join(', ')})`)
  }
  return code
}

/** Environment variable that overrides the default socket path (tests, chroots, non-Linux hosts). */
export const SYSLOG_SOCKET_ENV = 'TRACKALERT_SYSLOG_SOCKET'
export const DEFAULT_SYSLOG_SOCKET = '/dev/log'

export interface SyslogSinkOptions {
  /** Facility name or code; default `daemon`, as upstream trackalert. */
  facility?: string | number
  /** Socket path; default $TRACKALERT_SYSLOG_SOCKET, then /dev/log. */
  socketPath?: string
  /** Program name in the tag; default `trackalert`. */
  tag?: string
  /** Pid in the tag; default process.pid (read per write, so it stays right in a re-spawned daemon). */
  pid?: number
  /** Close the socket after this long without messages so a forgotten close() cannot hold the process open. */
  idleCloseMs?: number
  /** Longer datagrams are truncated: rsyslog drops anything above its 8 KiB default outright. */
  maxMessageBytes?: number
  /** Where the one-off "syslog unavailable" notice goes; default stderr. */
  report?: (text: string) => void
  /** Environment used to resolve the socket path; default process.env. */
  env?: NodeJS.ProcessEnv
}

function reportOnStderr (text: string): void {
  try {
    process.stderr.write(`trackalert: ${text}\n`)
  } catch {
    // stderr may be closed (daemonized to a closed fd); there is nowhere left to report to.
  }
}

/**
 * A logger sink that sends `<PRI>trackalert[pid]: message key="value"` datagrams to the local syslog socket.
 * Each message is sent unconnected (sendto) so logging resumes by itself when syslogd/journald restarts.
 * Failures never throw: messages are dropped and the first failure of each outage is reported once.
 */
export class SyslogSink implements LogSink {
  readonly facility: number
  readonly socketPath: string
  readonly #tag: string
  readonly #pid: number | undefined
  readonly #idleCloseMs: number
  readonly #maxBytes: number
  readonly #report: (text: string) => void
  #socket: UnixDgramSocket | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #lastUse = 0
  #failing = false
  #dropped = 0
  #closed = false

  constructor (options: SyslogSinkOptions = {}) {
    const facility = options.facility ?? 'daemon'
    this.facility = typeof facility === 'number' ? checkFacilityCode(facility) : parseFacility(facility)
    const env = options.env ?? process.env
    this.socketPath = options.socketPath ?? nonEmpty(env[SYSLOG_SOCKET_ENV]) ?? DEFAULT_SYSLOG_SOCKET
    this.#tag = options.tag ?? 'trackalert'
    this.#pid = options.pid
    this.#idleCloseMs = options.idleCloseMs ?? 1000
    this.#maxBytes = options.maxMessageBytes ?? 8192
    this.#report = options.report ?? reportOnStderr
  }

  /** Messages dropped since construction (socket missing, send failed, or sink closed). */
  get dropped (): number { return this.#dropped }

  /** The exact datagram sent for one log line. */
  format (level: LogLevelValue, message: string, fields?: LogFields): Buffer {
    const pri = this.facility * 8 + level
    const line = `<${pri}>${this.#tag}[${this.#pid ?? process.pid}]: ${formatText(message, fields)}`
    const buf = Buffer.from(line, 'utf8')
    return buf.length > this.#maxBytes ? buf.subarray(0, this.#maxBytes) : buf
  }

  // No timestamp in the datagram: journald and rsyslog stamp local messages on receipt anyway.
  write (level: LogLevelValue, message: string, fields: LogFields | undefined, _time?: Date): void {
    if (this.#closed) {
      this.#dropped++
      return
    }
    const failure = this.#send(this.format(level, message, fields))
    if (failure === undefined) {
      this.#failing = false
      return
    }
    this.#dropped++
    if (!this.#failing) {
      this.#failing = true
      this.#report(`syslog socket ${this.socketPath} unavailable (${failure}); log messages are dropped until it returns`)
    }
  }

  /** Releases the socket; later writes are dropped. Safe to call more than once. */
  close (): void {
    this.#closed = true
    this.#release()
  }

  #send (payload: Buffer): string | undefined {
    try {
      if (this.#socket === undefined) {
        this.#socket = createUnixDgramSocket()
        this.#armIdleTimer()
      }
      this.#lastUse = Date.now()
      return sendDatagram(this.#socket, this.socketPath, payload)
    } catch (err) {
      // Native module missing or socket() failed (fd exhaustion): same treatment as a send failure.
      this.#release()
      return err instanceof Error ? err.message : String(err)
    }
  }

  #armIdleTimer (): void {
    // The native poll handle is ref'd; the unref'd timer bounds how long it can keep an idle process alive.
    this.#idleTimer = setTimeout(() => {
      const idle = Date.now() - this.#lastUse
      if (idle >= this.#idleCloseMs) this.#release()
      else this.#armIdleTimer()
    }, this.#idleCloseMs).unref()
  }

  #release (): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    const socket = this.#socket
    this.#socket = undefined
    if (socket === undefined) return
    try {
      socket.close()
    } catch {
      // Closing an already-broken fd has nothing useful to report.
    }
  }
}

function checkFacilityCode (code: number): number {
  if (!Object.values(facilities).includes(code)) {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', `unknown syslog facility code ${code}`)
  }
  return code
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
