import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DeviceParser } from '../../src/device/index.ts'
import { type Generation } from '../../src/generation.ts'
import { type Clock } from '../../src/report/pipeline.ts'
import { type DaemonStats } from '../../src/stats/index.ts'
import { loadGeneration, type LoadedGeneration } from '../helpers/generation.ts'
import { LUA_DUMPER } from '../helpers/lua-dumper.ts'
import { parsePrometheus, sample } from '../integration/helpers.ts'

/** A generation loaded in-process by the daemon's own loader, with the services it borrows. */
export interface LoadedConfig extends LoadedGeneration {
  /** The file LUA_DUMPER's record() appends to. */
  readonly recordFile: string
}

/** Device rules compile once for the whole file. */
const devices = new DeviceParser()

/**
 * Loads `config` (LUA_DUMPER and FILE are defined before it) as trackalert.conf in a fresh folder,
 * not started: the pipeline runs, the webhooks, Lua libraries and blacklist stay idle.
 */
export async function loadConfig (config: string, clock: Clock = () => Date.now() / 1000): Promise<LoadedConfig> {
  const recordFileIn = (dir: string): string => join(dir, 'records.log')
  const loaded = await loadGeneration((dir) => `FILE = ${JSON.stringify(recordFileIn(dir))}\n${LUA_DUMPER}\n${config}\n`, { clock, devices, start: false })
  return { ...loaded, recordFile: recordFileIn(loaded.dir) }
}

/** Submits a report body; resolves with the rejection reason, or null once the report was handled. */
export function submit (gen: Generation, body: unknown): Promise<string | null> {
  return new Promise((resolve) => { gen.pipeline.submit(body, { reportDone: resolve, reportShed: () => resolve('shed') }) })
}

/** The records written by record(), each as a map of path → "type:value". */
export async function records (file: string): Promise<Array<Map<string, string>>> {
  if (!existsSync(file)) return []
  const text = await readFile(file, 'utf8')
  return text.split('--\n').filter((r) => r !== '').map((r) => new Map(r.trimEnd().split('\n').map((line) => {
    const eq = line.indexOf('=')
    return [line.slice(0, eq), line.slice(eq + 1)]
  })))
}

/** A counter of the generation's stats by name and labels (0 when never counted). */
export async function counter (stats: DaemonStats, name: string, labels: Record<string, string>): Promise<number> {
  const families = parsePrometheus(await stats.metricsText())
  if (!families.some((f) => f.name === name)) return 0
  return sample(families, name, labels) ?? 0
}
