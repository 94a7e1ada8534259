import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeviceParser } from '../../src/device/index.ts'
import { Generation, ProcessDelivery, type SharedServices } from '../../src/generation.ts'
import { LuaLibraryCounters } from '../../src/lualib/index.ts'
import { systemClock, type Clock } from '../../src/report/pipeline.ts'
import { DaemonStats } from '../../src/stats/index.ts'

export interface LoadedGeneration {
  readonly gen: Generation
  readonly stats: DaemonStats
  readonly devices: DeviceParser
  close (): Promise<void>
}

export interface GenerationTestOptions {
  readonly clock?: Clock
  /** Shared between loads so uap-core's rules compile once per test file. */
  readonly devices?: DeviceParser
}

/**
 * A configuration generation loaded in this process, exactly as the daemon loads one (config state,
 * report states, dispatcher, report pipeline, custom endpoints), for unit tests of the layers that
 * use it without spawning a daemon.
 */
export async function loadGeneration (config: string, options: GenerationTestOptions = {}): Promise<LoadedGeneration> {
  const dir = await mkdtemp(join(tmpdir(), 'generation-'))
  const configFile = join(dir, 'trackalert.conf')
  await writeFile(configFile, config)
  const stats = new DaemonStats()
  const devices = options.devices ?? new DeviceParser()
  const lualibCounters = new LuaLibraryCounters()
  const delivery = new ProcessDelivery(stats, lualibCounters)
  const shared: SharedServices = {
    stats,
    devices,
    output: { capturing: false, write: () => {} },
    clock: options.clock ?? systemClock,
    lualibCounters,
    delivery,
    requestShutdown: () => { throw new Error('shutdown() called in a unit test') },
    reloadConfig: async () => 'reloadConfig() is not available in unit tests',
    peers: () => null,
    isWorker: false
  }
  const gen = await Generation.load({ configFile, configName: 'trackalert.conf' }, shared)
  gen.start({ schedules: false })
  return {
    gen,
    stats,
    devices,
    close: async () => {
      await gen.retire(1000)
      await delivery.drain(0)
      await rm(dir, { recursive: true, force: true })
    }
  }
}
