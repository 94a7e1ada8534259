import { emptyPerfStats, PERF_STAT_NAMES, type PerfStats } from './perf.ts'
import { mergeWindowedStates } from './window-merge.ts'
import { windowTotals, type WindowedState } from './windows.ts'

/** Body of REST `GET /?command=stats`. Windowed sections cover the last windowCount × windowSeconds. */
export interface StatsSnapshot {
  reports: number
  'user-msec': number
  'sys-msec': number
  uptime: number
  perfstats: PerfStats
  commandstats: Record<string, number>
  customstats: Record<string, number>
}

/** Everything a process knows, as plain JSON: what a cluster worker sends to the primary. */
export interface StatsState {
  reports: { success: number, failure: number }
  userMsec: number
  sysMsec: number
  uptime: number
  perf: WindowedState
  commands: WindowedState
  custom: WindowedState
}

/** Names sorted by UTF-16 code unit (like upstream's std::set), values from `totals`. */
function sortedRecord (totals: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of Object.keys(totals).sort()) out[name] = totals[name] ?? 0
  return out
}

export function snapshotFromState (state: StatsState): StatsSnapshot {
  const perfTotals = windowTotals(state.perf)
  const perfstats = emptyPerfStats()
  for (const name of PERF_STAT_NAMES) perfstats[name] = perfTotals[name] ?? 0
  return {
    reports: state.reports.success + state.reports.failure,
    'user-msec': state.userMsec,
    'sys-msec': state.sysMsec,
    uptime: state.uptime,
    perfstats,
    commandstats: sortedRecord(windowTotals(state.commands)),
    customstats: sortedRecord(windowTotals(state.custom))
  }
}

/**
 * Combines the states of several processes: counts and CPU time add up, uptime is the longest
 * (the primary started first), windows are aligned on the newest one.
 */
export function mergeStatsStates (states: readonly StatsState[]): StatsState {
  let success = 0
  let failure = 0
  let userMsec = 0
  let sysMsec = 0
  let uptime = 0
  for (const state of states) {
    success += state.reports.success
    failure += state.reports.failure
    userMsec += state.userMsec
    sysMsec += state.sysMsec
    if (state.uptime > uptime) uptime = state.uptime
  }
  return {
    reports: { success, failure },
    userMsec,
    sysMsec,
    uptime,
    perf: mergeWindowedStates(states.map(s => s.perf)),
    commands: mergeWindowedStates(states.map(s => s.commands)),
    custom: mergeWindowedStates(states.map(s => s.custom))
  }
}

function addInto (target: Record<string, number>, source: Record<string, number>): void {
  for (const name in source) target[name] = (target[name] ?? 0) + (source[name] ?? 0)
}

/** Same rules as mergeStatsStates, for processes that only send finished snapshots. */
export function sumSnapshots (snapshots: readonly StatsSnapshot[]): StatsSnapshot {
  const perfstats = emptyPerfStats()
  const commands: Record<string, number> = {}
  const custom: Record<string, number> = {}
  let reports = 0
  let user = 0
  let sys = 0
  let uptime = 0
  for (const snap of snapshots) {
    reports += snap.reports
    user += snap['user-msec']
    sys += snap['sys-msec']
    if (snap.uptime > uptime) uptime = snap.uptime
    for (const name of PERF_STAT_NAMES) perfstats[name] += snap.perfstats[name] ?? 0
    addInto(commands, snap.commandstats)
    addInto(custom, snap.customstats)
  }
  return {
    reports,
    'user-msec': user,
    'sys-msec': sys,
    uptime,
    perfstats,
    commandstats: sortedRecord(commands),
    customstats: sortedRecord(custom)
  }
}
