import { App } from '../app.ts'
import { isTrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { type CliOptions } from './options.ts'
import { resolveConfigPath } from './config-path.ts'

/** Runs the daemon until a signal or Lua shutdown(); resolves with the process exit code. */
export async function runServer (opts: CliOptions): Promise<number> {
  const config = resolveConfigPath(opts.config)
  try {
    // Upstream chdirs to the config's folder so relative paths in the config resolve next to it.
    process.chdir(config.folder)
  } catch (err) {
    logger.error(`cannot use configuration folder ${config.folder}: ${(err as Error).message}`)
    return 1
  }
  let app: App
  let stop: (code: number) => void = () => {}
  const stopped = new Promise<number>((resolve) => { stop = resolve })
  let stopping = false
  const shutdown = (why: string): void => {
    if (stopping) return
    stopping = true
    logger.notice('shutting down', { reason: why })
    void app.close().then(() => stop(0), () => stop(1))
  }
  try {
    app = await App.start({
      configFile: config.absolute,
      configName: config.name,
      onShutdownRequest: () => shutdown('shutdown() called')
    })
  } catch (err) {
    logger.error(isTrackalertError(err) ? err.message : `startup failed: ${(err as Error).stack ?? String(err)}`)
    return 1
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`second ${signal}: exiting now`)
      process.exit(1)
    }
    shutdown(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return stopped
}
