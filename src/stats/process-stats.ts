/** Source of CPU usage; `process.cpuUsage` in production, a fixed value in tests. */
export type CpuUsageSource = () => NodeJS.CpuUsage

/** `user-msec` / `sys-msec` of the stats body: whole milliseconds of CPU time since process start. */
export function cpuMsec (usage: NodeJS.CpuUsage = process.cpuUsage()): { user: number, sys: number } {
  return { user: Math.floor(usage.user / 1000), sys: Math.floor(usage.system / 1000) }
}

/** Whole seconds between two clock readings in ms (never negative, even if the clock stepped back). */
export function uptimeSeconds (startMs: number, nowMs: number): number {
  return nowMs > startMs ? Math.floor((nowMs - startMs) / 1000) : 0
}
