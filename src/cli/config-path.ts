import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export const DEFAULT_CONFIGS = ['/etc/wforce/trackalert.conf', '/etc/trackalert.conf'] as const

/** The config to use: the one given, else the first default that exists, else the first default. */
export function resolveConfigPath (given: string | undefined): { absolute: string, name: string, folder: string } {
  const name = given ?? DEFAULT_CONFIGS.find((p) => existsSync(p)) ?? DEFAULT_CONFIGS[0]
  const absolute = resolve(name)
  return { absolute, name, folder: dirname(absolute) }
}
