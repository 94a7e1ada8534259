import { parseDuration } from '../../scheduler/index.ts'
import { type HostFunction } from '../host.ts'
import { pushNumber } from '../values.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

/** Schedules for background functions (config only) and durationToSeconds (everywhere). */
export function backgroundFunctions ({ lua, args, services }: ApiContext<Pick<HostServices, 'settings' | 'scheduler'>>): HostFunction[] {
  const { scheduler, settings } = services
  const known = (name: string, fnName: string): void => {
    if (!settings.backgroundFunctions.has(name)) {
      throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fnName}: no background function named '${name}' (register it first with setBackground)`)
    }
  }
  return [
    configOnly('cronScheduleBackgroundFunc',
      (L) => [args.string(L, 1, 'cronScheduleBackgroundFunc'), args.string(L, 2, 'cronScheduleBackgroundFunc')],
      ([expr, name]) => {
        known(name, 'cronScheduleBackgroundFunc')
        scheduler.addCron(expr, name)
      }),
    configOnly('intervalScheduleBackgroundFunc',
      (L) => [args.string(L, 1, 'intervalScheduleBackgroundFunc'), args.string(L, 2, 'intervalScheduleBackgroundFunc')],
      ([duration, name]) => {
        known(name, 'intervalScheduleBackgroundFunc')
        scheduler.addInterval(parseDuration(duration), name)
      }),
    configOnly('setBackgroundClusterWide', (L) => args.string(L, 1, 'setBackgroundClusterWide'), (name) => {
      known(name, 'setBackgroundClusterWide')
      scheduler.setClusterWide(name)
    }),
    configOnly('setNumSchedulerThreads', (L) => {
      const n = args.integer(L, 1, 'setNumSchedulerThreads')
      if (n < 1) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `setNumSchedulerThreads: expected a positive number, got ${n}`)
      return n
    }, (n) => { scheduler.setMaxConcurrent(n) }),
    configOnly('setSchedulerTimeZone', (L) => args.string(L, 1, 'setSchedulerTimeZone'), (tz) => { scheduler.setTimeZone(tz) }),
    fn('durationToSeconds', (L) => {
      pushNumber(lua, L, parseDuration(args.string(L, 1, 'durationToSeconds')))
      return 1
    })
  ]
}
