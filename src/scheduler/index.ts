export { parseDuration, tryParseDuration, formatDuration } from './duration.ts'
export { parseCron, nextRun, validateTimeZone, type CronSchedule } from './cron.ts'
export { systemClock, type SchedulerClock } from './clock.ts'
export { formatBackgroundFuncs, type BackgroundFuncStats, type RunResult } from './stats.ts'
export {
  Scheduler,
  DEFAULT_SCHEDULER_THREADS,
  type SchedulerOptions,
  type BackgroundRunner,
  type RunObserver
} from './scheduler.ts'
export { ClusterWide, nextOnGrid, type TickClaimer } from './cluster-wide.ts'
