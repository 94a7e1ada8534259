import { existsSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { TrackalertError } from '../errors.ts'

export const DEFAULT_CONFIGS = ['/etc/wforce/trackalert.conf', '/etc/trackalert.conf'] as const

export interface ConfigPath {
  readonly absolute: string
  /** The path as the operator gave it, for messages. */
  readonly name: string
  /** The folder holding the config: the daemon's working directory. */
  readonly folder: string
}

/** The config to use: the one given, else the first default that exists, else the first default. */
export function resolveConfigPath (given: string | undefined): ConfigPath {
  const name = given ?? DEFAULT_CONFIGS.find((p) => existsSync(p)) ?? DEFAULT_CONFIGS[0]
  const absolute = resolve(name)
  return { absolute, name, folder: dirname(absolute) }
}

/**
 * The primary resolves the config once, before it changes directory; its workers start in that
 * folder, where a relative `-C` would point elsewhere, so they take the primary's result instead.
 */
const WORKER_CONFIG = 'TRACKALERT_WORKER_CONFIG'
const WORKER_CONFIG_NAME = 'TRACKALERT_WORKER_CONFIG_NAME'

/** The environment entries that hand `config` to a worker process. */
export function workerConfigEnv (config: ConfigPath): Record<string, string> {
  return { [WORKER_CONFIG]: config.absolute, [WORKER_CONFIG_NAME]: config.name }
}

/** In a worker: the config its primary resolved (see workerConfigEnv). */
export function configFromPrimary (env: NodeJS.ProcessEnv): ConfigPath {
  const absolute = env[WORKER_CONFIG]
  if (absolute === undefined || !isAbsolute(absolute)) {
    throw new TrackalertError('TA_ERR_CLI_USAGE', `worker process started without an absolute ${WORKER_CONFIG} from its primary`)
  }
  return { absolute, name: env[WORKER_CONFIG_NAME] ?? absolute, folder: dirname(absolute) }
}
