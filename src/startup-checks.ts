import { type DaemonSettings } from './config/settings.ts'
import { TrackalertError } from './errors.ts'
import { logger } from './log/index.ts'

export interface StartupCheckOptions {
  /** The config file as named in messages. */
  readonly configName: string
  /** Started with -s, -D or -d: there is no foreground console to type into. */
  readonly unattended: boolean
}

/**
 * Settings that load without error but leave the daemon deaf or locking everyone out. Run once per
 * daemon (by the process that speaks for it, see Topology) before anything is opened: it logs a
 * warning for each, and throws when an unattended daemon could receive nothing at all.
 */
export function checkStartupSettings (settings: DaemonSettings, options: StartupCheckOptions): void {
  const config = options.configName
  if (settings.listeners.length === 0) {
    if (options.unattended && settings.controlSocket === null) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID',
        `${config}: no listener (addListener, webserver) and no console (controlSocket): ` +
        'started with -s, -D or -d the daemon could receive nothing; add a listener or a controlSocket')
    }
    logger.warn('no listeners configured (addListener, webserver): the REST API is not reachable', { config })
    return
  }
  if (settings.webserverPassword === null) {
    const open = settings.metricsNoPassword ? 'livez, readyz and /metrics' : 'livez and readyz'
    logger.warn(`no webserver password (setWebserverPassword, webserver): every REST request except ${open} is refused with 401`, { config })
  }
}
