import { parseDuration } from '../../scheduler/index.ts'
import { type HostFunction } from '../host.ts'
import { pushNumber } from '../values.ts'
import { type ApiContext, fn } from './context.ts'

/** Schedules for background functions (config only) and durationToSeconds (everywhere). */
export function backgroundFunctions ({ lua, args, services }: ApiContext): HostFunction[] {
  const { scheduler, settings } = services
  const known = (name: string, fnName: string): void => {
    if (!settings.backgroundFunctions.has(name)) {
      throw new Error(`${fnName}: no background function named '${name}' (register it first with setBackground)`)
    }
  }
  return [
    fn('cronScheduleBackgroundFunc', (L, state) => {
      const expr = args.string(L, 1, 'cronScheduleBackgroundFunc')
      const name = args.string(L, 2, 'cronScheduleBackgroundFunc')
      if (state.role !== 'config') return 0
      known(name, 'cronScheduleBackgroundFunc')
      scheduler.addCron(expr, name)
      return 0
    }),
    fn('intervalScheduleBackgroundFunc', (L, state) => {
      const duration = args.string(L, 1, 'intervalScheduleBackgroundFunc')
      const name = args.string(L, 2, 'intervalScheduleBackgroundFunc')
      if (state.role !== 'config') return 0
      known(name, 'intervalScheduleBackgroundFunc')
      scheduler.addInterval(parseDuration(duration), name)
      return 0
    }),
    fn('setBackgroundClusterWide', (L, state) => {
      const name = args.string(L, 1, 'setBackgroundClusterWide')
      if (state.role !== 'config') return 0
      known(name, 'setBackgroundClusterWide')
      scheduler.setClusterWide(name)
      return 0
    }),
    fn('setNumSchedulerThreads', (L, state) => {
      const n = args.integer(L, 1, 'setNumSchedulerThreads')
      if (n < 1) throw new Error(`setNumSchedulerThreads: expected a positive number, got ${n}`)
      if (state.role === 'config') scheduler.setMaxConcurrent(n)
      return 0
    }),
    fn('setSchedulerTimeZone', (L, state) => {
      const tz = args.string(L, 1, 'setSchedulerTimeZone')
      if (state.role === 'config') scheduler.setTimeZone(tz)
      return 0
    }),
    fn('durationToSeconds', (L) => {
      pushNumber(lua, L, parseDuration(args.string(L, 1, 'durationToSeconds')))
      return 1
    })
  ]
}
