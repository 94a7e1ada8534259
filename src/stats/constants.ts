/** Length of one statistics window. Upstream trackalert rolls its windowed stats in the same way. */
export const WINDOW_SECONDS = 15

/** Number of windows kept: 20 × 15 s = the 5-minute view that `stats` and the periodic log report. */
export const WINDOW_COUNT = 20

/** Prefix of every Prometheus metric name, including prom-client's default process metrics. */
export const METRIC_PREFIX = 'trackalert_'

/** Upper bounds (ms, inclusive) of the perf buckets; anything above the last one is "Slow". */
export const PERF_BOUNDS_MS = [1, 10, 100, 1000] as const

/** The same bounds in seconds, used as histogram buckets so `/metrics` and `stats` agree. */
export const DURATION_BUCKETS_SECONDS = [0.001, 0.01, 0.1, 1]

/** Webhook attempts are remote HTTP calls, so their histogram reaches further than the worker one. */
export const WEBHOOK_BUCKETS_SECONDS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10]

/** Background (scheduled Lua) runs can be long: reports, database sweeps. */
export const BACKGROUND_BUCKETS_SECONDS = [0.01, 0.1, 1, 10, 60, 300]
