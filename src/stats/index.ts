export {
  WINDOW_SECONDS, WINDOW_COUNT, METRIC_PREFIX, PERF_BOUNDS_MS, DURATION_BUCKETS_SECONDS,
  WEBHOOK_BUCKETS_SECONDS, BACKGROUND_BUCKETS_SECONDS
} from './constants.ts'
export { WindowedCounters, windowTotals, type Clock, type WindowOptions, type WindowedState } from './windows.ts'
export { mergeWindowedStates } from './window-merge.ts'
export {
  WTW_NAMES, WTR_NAMES, PERF_STAT_NAMES, perfBucket, sanitizeMs, emptyPerfStats,
  type PerfStatName, type PerfStats
} from './perf.ts'
export { cpuMsec, uptimeSeconds, type CpuUsageSource } from './process-stats.ts'
export {
  snapshotFromState, mergeStatsStates, sumSnapshots, type StatsSnapshot, type StatsState
} from './snapshot.ts'
export {
  statsText, showPerfStatsText, showCommandStatsText, showCustomStatsText, namedPairs
} from './console-text.ts'
export { periodicLogLines, PeriodicStatsLogger, type PeriodicLogOptions } from './periodic-log.ts'
export {
  PromMetrics, aggregateMetricsText, METRICS_CONTENT_TYPE, GAUGE_SOURCE_NAMES,
  type GaugeSourceName, type BackgroundResult, type MetricsJson, type MetricFeeds, type PromMetricsOptions
} from './metrics.ts'
export { DaemonStats, type DaemonStatsOptions, type DaemonTotals } from './daemon-stats.ts'
export { registerLuaLibraryMetrics, type LuaLibraryFigures } from './lualib-metrics.ts'
export { registerBlacklistMetrics, type BlacklistMetricFigures } from './blacklist-metrics.ts'
