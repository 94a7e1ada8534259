import { createUnixDgramSocket, sendDatagram } from './unix-socket.ts'

export const NOTIFY_SOCKET_ENV = 'NOTIFY_SOCKET'

export interface NotifyOptions {
  /** Environment to read NOTIFY_SOCKET from; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Where a failure is reported (once per distinct problem); default stderr. */
  report?: (text: string) => void
}

const reported = new Set<string>()

function reportOnce (key: string, text: string, report: ((text: string) => void) | undefined): void {
  if (reported.has(key)) return
  reported.add(key)
  if (report !== undefined) {
    report(text)
    return
  }
  try {
    process.stderr.write(`trackalert: ${text}\n`)
  } catch {
    // stderr closed: nothing else to do, readiness reporting is best effort.
  }
}

/**
 * sd_notify(3): sends `state` (newline-separated `KEY=VALUE` assignments) to $NOTIFY_SOCKET.
 * Returns true when a datagram was delivered, false when not running under a notify-aware supervisor
 * (variable unset) or when sending failed; it never throws, as with libsystemd.
 *
 * Abstract-namespace sockets (`@name`) are not supported: unix-dgram copies the path with strncpy and
 * passes sizeof(sockaddr_un) as the address length, so it can neither express the leading NUL nor the exact
 * length the kernel matches abstract names on. systemd itself always uses a filesystem path
 * (/run/systemd/notify); only some container managers and test harnesses hand out abstract names.
 */
export function notify (state: string, options: NotifyOptions = {}): boolean {
  const target = (options.env ?? process.env)[NOTIFY_SOCKET_ENV]
  if (target === undefined || target === '') return false
  if (target.startsWith('@')) {
    reportOnce(`abstract:${target}`,
      `NOTIFY_SOCKET ${target} is an abstract socket, which is not supported; readiness is not reported`, options.report)
    return false
  }
  if (!target.startsWith('/')) {
    reportOnce(`relative:${target}`, `NOTIFY_SOCKET ${target} is not an absolute path; ignored`, options.report)
    return false
  }
  let failure: string | undefined
  try {
    const socket = createUnixDgramSocket()
    try {
      failure = sendDatagram(socket, target, Buffer.from(state, 'utf8'))
    } finally {
      socket.close()
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err)
  }
  if (failure === undefined) return true
  reportOnce(`send:${target}:${failure}`, `sd_notify to ${target} failed (${failure})`, options.report)
  return false
}

/** READY=1: listeners are up and the configuration is loaded (Type=notify). */
export function notifyReady (options?: NotifyOptions): boolean {
  return notify('READY=1', options)
}

/** STOPPING=1: graceful shutdown has begun. */
export function notifyStopping (options?: NotifyOptions): boolean {
  return notify('STOPPING=1', options)
}

/** CLOCK_MONOTONIC in microseconds; libuv's hrtime reads the same clock on Linux, which is what systemd compares with. */
export function monotonicUsec (): bigint {
  return process.hrtime.bigint() / 1000n
}

/**
 * RELOADING=1 with MONOTONIC_USEC, which Type=notify-reload (systemd ≥ 253) requires to tell this reload
 * apart from earlier ones. Follow with notifyReady() once the new configuration is active.
 */
export function notifyReloading (options?: NotifyOptions): boolean {
  return notify(`RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}`, options)
}

/** STATUS=…: free text shown by `systemctl status`. Newlines would start a new assignment, so they become spaces. */
export function notifyStatus (text: string, options?: NotifyOptions): boolean {
  return notify(`STATUS=${text.replace(/[\r\n]+/g, ' ')}`, options)
}
