import { App } from '../app.ts'
import { ClusterWorkerLink } from '../cluster/index.ts'
import { isTrackalertError, TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { configFromPrimary } from './config-path.ts'
import { type CliOptions } from './options.ts'

/** Loads the config the primary resolved; until ready, any failure ends this process (see failStartup). */
async function startWorkerApp (opts: CliOptions, link: ClusterWorkerLink): Promise<App> {
  try {
    const config = configFromPrimary(process.env)
    process.chdir(config.folder)
    return await App.start({ configFile: config.absolute, configName: config.name, regexesFile: opts.regexes, worker: true, peerLink: link })
  } catch (err) {
    return await failStartup(isTrackalertError(err) ? err.message : `worker startup failed: ${(err as Error).stack ?? String(err)}`)
  }
}

/**
 * The primary stops the whole daemon with this message. The IPC channel would keep this process
 * alive (and a disconnect makes cluster exit with 0), so it exits here once the message is sent.
 */
async function failStartup (message: string): Promise<never> {
  // Logged here only when the primary cannot log it: once per failure in the daemon's log.
  if (!await ClusterWorkerLink.reportStartupFailure(message)) logger.error(message)
  process.exit(1)
}

/**
 * A worker of a multi-process daemon: loads the same configuration, serves HTTP on the listeners
 * it shares with the other workers, and leaves console, schedules and supervision to the primary.
 */
export async function runWorker (opts: CliOptions): Promise<number> {
  let app: App | null = null
  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => { stopped = resolve })
  let stopping = false
  const close = (running: App): void => {
    running.close().then(stopped, (err: unknown) => { logger.error('worker shutdown failed', { error: err as Error }); stopped() })
  }
  /** The primary asked, went away, or a signal came; while the config still loads, it closes once loaded. */
  const stop = (): void => {
    if (stopping) return
    stopping = true
    if (app !== null) close(app)
  }
  const started = (): App => {
    if (app === null) throw new TrackalertError('TA_ERR_CLUSTER', 'this worker is still starting')
    return app
  }
  // The primary asks a worker for nothing until it announces itself ready, after start-up.
  const link = new ClusterWorkerLink({
    ownFigures: () => started().ownFigures(),
    reloadLocal: () => started().reloadLocal(),
    reloadGeoIP: () => started().current.geoip.reloadAllAsync(),
    applyLiveSettings: (live) => { started().applyLiveSettings(live) },
    stop
  })
  link.connect()
  const running = await startWorkerApp(opts, link)
  app = running
  if (stopping) close(running)
  // SIGTERM reaches every process of the unit (systemd) or the group (Ctrl-C): stop like the primary
  // asked. SIGHUP is the primary's to act on. Until now the default SIGTERM action ended this process.
  const onTerm = (): void => { stop() }
  const ignore = (): void => {}
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onTerm)
  process.on('SIGHUP', ignore)
  link.announceReady(running.http.listening)
  await done
  link.detach()
  process.off('SIGTERM', onTerm)
  process.off('SIGINT', onTerm)
  process.off('SIGHUP', ignore)
  // The IPC channel would keep this process alive.
  if (process.connected) process.disconnect()
  return 0
}
