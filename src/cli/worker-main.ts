import { App } from '../app.ts'
import { ClusterWorkerLink } from '../cluster/index.ts'
import { isTrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { resolveConfigPath } from './config-path.ts'
import { type CliOptions } from './options.ts'

/**
 * A worker of a multi-process daemon: loads the same configuration, serves HTTP on the listeners
 * it shares with the other workers, and leaves console, schedules and supervision to the primary.
 */
export async function runWorker (opts: CliOptions): Promise<number> {
  const config = resolveConfigPath(opts.config)
  process.chdir(config.folder)
  let app: App
  try {
    app = await App.start({ configFile: config.absolute, configName: config.name, regexesFile: opts.regexes, worker: true })
  } catch (err) {
    logger.error(isTrackalertError(err) ? err.message : `worker startup failed: ${(err as Error).stack ?? String(err)}`)
    // The IPC channel would keep this process alive, and a disconnect makes cluster exit with 0:
    // exit here so the primary sees the failure (stdout and syslog writes are synchronous).
    process.exit(1)
  }
  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => { stopped = resolve })
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    app.close().then(stopped, (err: unknown) => { logger.error('worker shutdown failed', { error: err as Error }); stopped() })
  }
  const link = new ClusterWorkerLink({
    ownFigures: () => app.ownFigures(),
    reloadLocal: () => app.reloadLocal(),
    reloadGeoIP: () => app.current.geoip.reloadAllAsync(),
    applyLiveSettings: (live) => { app.applyLiveSettings(live) },
    stop
  })
  app.setPeerLink(link)
  // SIGTERM reaches every process of the unit (systemd) or the group (Ctrl-C): stop like the primary
  // asked. SIGHUP is the primary's to act on.
  const onTerm = (): void => { stop() }
  const ignore = (): void => {}
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onTerm)
  process.on('SIGHUP', ignore)
  link.attach(app.http.listening)
  await done
  link.detach()
  process.off('SIGTERM', onTerm)
  process.off('SIGINT', onTerm)
  process.off('SIGHUP', ignore)
  // The IPC channel would keep this process alive.
  if (process.connected) process.disconnect()
  return 0
}
