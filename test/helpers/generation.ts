import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeviceParser } from '../../src/device/index.ts'
import { Generation } from '../../src/generation.ts'
import { type Clock } from '../../src/report/pipeline.ts'
import { DaemonStats } from '../../src/stats/index.ts'
import { inProcessServices } from './in-process.ts'

export interface LoadedGeneration {
  readonly gen: Generation
  /** The fresh folder trackalert.conf is in, removed by close(). */
  readonly dir: string
  readonly stats: DaemonStats
  readonly devices: DeviceParser
  close (): Promise<void>
}

export interface GenerationTestOptions {
  readonly clock?: Clock
  /** Shared between loads so uap-core's rules compile once per test file. */
  readonly devices?: DeviceParser
  /** Start the generation (webhooks, Lua libraries, blacklist; never schedules); default true. */
  readonly start?: boolean
}

/**
 * A configuration generation loaded in this process, exactly as the daemon loads one (config state,
 * report states, dispatcher, report pipeline, custom endpoints), for unit tests of the layers that
 * use it without spawning a daemon.
 */
export async function loadGeneration (config: string | ((dir: string) => string), options: GenerationTestOptions = {}): Promise<LoadedGeneration> {
  const dir = await mkdtemp(join(tmpdir(), 'generation-'))
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, typeof config === 'string' ? config : config(dir))
  const stats = new DaemonStats()
  const devices = options.devices ?? new DeviceParser()
  let loaded: Generation | null = null
  const shared = inProcessServices(stats, devices, 'unit tests', () => loaded, options.clock)
  const gen = await Generation.load({ configFile, configName: 'trackalert.conf' }, shared)
  loaded = gen
  if (options.start ?? true) gen.start({ schedules: false })
  return {
    gen,
    dir,
    stats,
    devices,
    close: async () => {
      await gen.retire(1000)
      await shared.delivery.drain(0)
      await shared.history.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
