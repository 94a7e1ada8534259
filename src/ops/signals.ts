import { constants as osConstants } from 'node:os'
import { logger } from '../log/index.ts'

export type ShutdownSignal = 'SIGTERM' | 'SIGINT'

export interface SignalHandlerOptions {
  /**
   * First SIGTERM/SIGINT: stop accepting, finish in-flight work, then exit. The callback owns exiting
   * (it knows the exit code); if it throws or rejects, the process exits 1.
   */
  shutdown: (signal: ShutdownSignal) => void | Promise<void>
  /** SIGHUP. Without it SIGHUP is logged and ignored: a daemon must not die from its default action. */
  reload?: () => void | Promise<void>
  /** Injected for tests; default process.exit. */
  exit?: (code: number) => void
}

/**
 * Installs SIGTERM/SIGINT/SIGHUP handlers and returns a function that removes them again.
 * A second SIGTERM/SIGINT during shutdown exits at once with 128+signo (the operator insists).
 * SIGHUPs arriving while a reload runs are coalesced into one follow-up reload; during shutdown they are ignored.
 */
export function installSignalHandlers (options: SignalHandlerOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  let shuttingDown = false
  let reloading = false
  let reloadPending = false

  const onStop = (signal: ShutdownSignal): void => {
    if (shuttingDown) {
      logger.warn('second signal during shutdown, exiting immediately', { signal })
      exit(128 + osConstants.signals[signal])
      return
    }
    shuttingDown = true
    logger.notice('shutting down', { signal })
    run(() => options.shutdown(signal), (err) => {
      logger.error('shutdown failed', { error: err })
      exit(1)
    })
  }

  const runReload = (): void => {
    reloading = true
    run(() => options.reload?.(), (err) => {
      // A failed reload keeps the old configuration running; it is not a reason to stop serving.
      logger.error('reload failed', { error: err })
    }, () => {
      reloading = false
      if (reloadPending && !shuttingDown) {
        reloadPending = false
        runReload()
      }
    })
  }

  const onHup = (): void => {
    if (shuttingDown) return
    if (options.reload === undefined) {
      logger.notice('SIGHUP ignored: reload is not supported here')
      return
    }
    if (reloading) {
      reloadPending = true
      return
    }
    logger.notice('reloading', { signal: 'SIGHUP' })
    runReload()
  }

  const onTerm = (): void => { onStop('SIGTERM') }
  const onInt = (): void => { onStop('SIGINT') }
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onInt)
  process.on('SIGHUP', onHup)
  return () => {
    process.removeListener('SIGTERM', onTerm)
    process.removeListener('SIGINT', onInt)
    process.removeListener('SIGHUP', onHup)
  }
}

/** Runs a sync-or-async callback, routing both throw and rejection to `onError`, then `onSettled`. */
function run (fn: () => void | Promise<void>, onError: (err: unknown) => void, onSettled?: () => void): void {
  let result: void | Promise<void>
  try {
    result = fn()
  } catch (err) {
    onError(err)
    onSettled?.()
    return
  }
  Promise.resolve(result).then(() => { onSettled?.() }, (err: unknown) => {
    onError(err)
    onSettled?.()
  })
}
