import cluster from 'node:cluster'
import { join } from 'node:path'
import { App } from '../app.ts'
import { consoleCompletions, runRepl } from '../console/index.ts'
import { isTrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import {
  acquirePidFile, installSignalHandlers, isDaemonChild, notifyReady, notifyReloading, notifyStopping,
  signalDaemonFailure, signalDaemonReady, type PidFile
} from '../ops/index.ts'
import { PrimaryTopology, SingleProcess, type Topology, type TopologyChoice } from '../topology/index.ts'
import { resolveConfigPath, workerConfigEnv, type ConfigPath } from './config-path.ts'
import { type CliOptions } from './options.ts'
import { runWorker } from './worker-main.ts'

/** Runs the daemon until a signal, Lua shutdown() or the end of the foreground console; resolves with the exit code. */
export async function runServer (opts: CliOptions): Promise<number> {
  if (cluster.isWorker) return runWorker(opts)
  // Resolved once, before the chdir below: the workers get this absolute path (workerConfigEnv).
  const config = resolveConfigPath(opts.config)
  const fail = (message: string): number => {
    logger.error(message)
    signalDaemonFailure(message)
    return 1
  }
  let pidFile: PidFile | null = null
  try {
    if (opts.pidfile !== undefined && isDaemonChild()) pidFile = acquirePidFile(opts.pidfile)
    // Upstream chdirs to the config's folder so relative paths in the config resolve next to it.
    process.chdir(config.folder)
  } catch (err) {
    return fail((err as Error).message)
  }
  let app: App | null = null
  let finish: (code: number) => void = () => {}
  const finished = new Promise<number>((resolve) => { finish = resolve })
  let stopping = false
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return
    stopping = true
    if (why === 'shutdown() called' || why === 'console closed') logger.notice('shutting down', { reason: why })
    notifyStopping()
    // During start-up there is nothing to close yet; runServer sees `stopping` once App.start returns.
    if (app === null) return
    try {
      await app.close()
      finish(0)
    } catch (err) {
      logger.error('shutdown failed', { error: err as Error })
      finish(1)
    }
  }
  // Installed before start-up, which logs "trackalert ready": a supervisor may signal right after it.
  const uninstall = installSignalHandlers({
    shutdown: (signal) => shutdown(signal), // installSignalHandlers logs the signal
    reload: async () => {
      if (app === null) { logger.warn('SIGHUP during start-up ignored: the configuration is still loading'); return }
      logger.notice('SIGHUP: reloading configuration')
      await app.reload()
    }
  })
  /** What every way out of runServer undoes: the signal handlers and the pid file. */
  const release = (): void => { uninstall(); pidFile?.release() }
  try {
    app = await App.start({
      configFile: config.absolute,
      configName: config.name,
      regexesFile: opts.regexes,
      topology: chooseTopology(config, () => { void shutdown('shutdown() called') }),
      unattended: opts.supervised || opts.docker || isDaemonChild()
    })
  } catch (err) {
    release()
    return fail(isTrackalertError(err) ? err.message : `startup failed: ${(err as Error).stack ?? String(err)}`)
  }
  const running = app
  if (stopping || running.stopRequested) {
    // shutdown() ran in the config itself: the listeners were never opened.
    await running.close()
    release()
    return 0
  }
  try {
    await running.startDaemon()
  } catch (err) {
    await running.close()
    release()
    return fail(`startup failed: ${(err as Error).message}`)
  }
  if (stopping) return await finished
  signalDaemonReady()
  notifyReady()
  const interactive = !opts.supervised && !opts.docker && !isDaemonChild() && process.stdin.isTTY === true
  if (interactive) {
    // The foreground console, as upstream: leaving it (quit, Ctrl-D) stops the daemon.
    void runRepl({ execute: (line) => running.runConsoleLine(line), historyFile: join(config.folder, '.history'), completions: consoleCompletions })
      .then(() => shutdown('console closed'))
  }
  const code = await finished
  release()
  return code
}

/**
 * This process runs alone, or as the primary of `setNumWorkerThreads(n > 1)` worker processes:
 * which one, the first configuration says. Until it has loaded, the process acts alone.
 */
function chooseTopology (config: ConfigPath, onShutdownRequest: () => void): TopologyChoice {
  const hooks = { onShutdownRequest, onReloadStart: () => notifyReloading(), onReloadEnd: () => notifyReady() }
  const single = new SingleProcess(hooks)
  return {
    first: single,
    choose: (settings): Topology => (settings.numWorkerThreads > 1
      ? new PrimaryTopology({ ...hooks, workers: settings.numWorkerThreads, env: workerConfigEnv(config) })
      : single)
  }
}
