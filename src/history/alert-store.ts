import { hostname } from 'node:os'
import { type AlertStore } from '../alerts/store.ts'
import { TrackalertError } from '../errors.ts'
import { type HistoryService } from './service.ts'

/**
 * The alert store on a daemon's history database (setHistory on): alerts, their ids and the
 * outbox outlive a restart. Modules are loaded here on first use, as the history stores' are.
 * On PostgreSQL a daemon's alerts are those of its host and configuration file, so daemons
 * sharing the database keep separate lists and a restarted daemon finds its own.
 */
export async function openHistoryAlertStore (history: HistoryService, configFile: string): Promise<AlertStore> {
  const { options } = history
  try {
    if (options.backend === 'postgres') {
      const { PostgresAlertStore } = await import('./postgres/alerts.ts')
      return await PostgresAlertStore.open({ url: options.url ?? '', instance: `${hostname()}:${configFile}` })
    }
    const { SqliteAlertStore } = await import('./sqlite-alerts.ts')
    return new SqliteAlertStore(history.identity.slice('sqlite:'.length), { maxSizeMb: options.maxSizeMb })
  } catch (err) {
    throw new TrackalertError('TA_ERR_HISTORY', `setHistory: alert store: ${(err as Error).message}`, { cause: err })
  }
}
