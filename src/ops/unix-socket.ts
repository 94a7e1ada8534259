import { createRequire } from 'node:module'
import { constants as osConstants } from 'node:os'

/** The part of the `unix-dgram` socket API we use (the package ships no type declarations). */
export interface UnixDgramSocket {
  bind (path: string): void
  send (buf: Buffer, offset: number, length: number, path: string, callback: (err?: Error & { code?: unknown }) => void): void
  close (): void
  on (event: 'message', listener: (buf: Buffer) => void): this
  on (event: 'error', listener: (err: Error) => void): this
}

interface UnixDgramModule {
  createSocket (type: 'unix_dgram', listener?: (buf: Buffer) => void): UnixDgramSocket
}

let loaded: UnixDgramModule | Error | undefined

/**
 * Loads the native module on first use so a platform where it failed to build only loses syslog/sd_notify
 * instead of refusing to start. Throws the load error (cached) when unavailable.
 */
function unixDgram (): UnixDgramModule {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule
    } catch (err) {
      loaded = err instanceof Error ? err : new Error(String(err))
    }
  }
  if (loaded instanceof Error) throw loaded
  return loaded
}

/** Opens an unbound AF_UNIX/SOCK_DGRAM socket. Its poll handle keeps the event loop alive until close(). */
export function createUnixDgramSocket (listener?: (buf: Buffer) => void): UnixDgramSocket {
  const socket = unixDgram().createSocket('unix_dgram', listener)
  // Without an error listener a failed bind would throw asynchronously out of the EventEmitter.
  socket.on('error', () => {})
  return socket
}

const errnoNames = new Map<number, string>()
for (const [name, value] of Object.entries(osConstants.errno)) errnoNames.set(value, name)

/** unix-dgram reports failures as negative errno numbers; turn them into `ENOENT`-style names. */
export function describeSocketError (err: Error & { code?: unknown }): string {
  if (typeof err.code === 'number') {
    if (err.code === 1) return 'EAGAIN (socket buffer full)'
    return errnoNames.get(-err.code) ?? `errno ${-err.code}`
  }
  return err.message
}

/**
 * Sends one datagram to `path` from `socket`. The binding completes synchronously, so the result
 * is known on return: undefined on success, otherwise a short description of the failure.
 */
export function sendDatagram (socket: UnixDgramSocket, path: string, payload: Buffer): string | undefined {
  let failure: string | undefined
  socket.send(payload, 0, payload.length, path, (err) => {
    if (err !== undefined && err !== null) failure = describeSocketError(err)
  })
  return failure
}
