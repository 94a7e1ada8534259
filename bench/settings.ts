/** Load shape of a bench run; durations can be shortened from the environment for a quick check. */
export interface BenchSettings {
  /** Seconds per measured wrk run (BENCH_DURATION, default 15). */
  readonly duration: number
  /** Seconds of warm-up load per server before its first measured run (BENCH_WARMUP, default 5). */
  readonly warmup: number
  /** Measured runs per server, alternating trackalert and bare (BENCH_ROUNDS, default 2, at least 2). */
  readonly rounds: number
  /** Processes of the baseline: 1 (default) is the bare server; more make it a node:cluster (BENCH_BARE_PROCESSES). */
  readonly bareProcesses: number
  readonly connections: number
  /**
   * wrk threads (BENCH_THREADS, default 1). One thread drives the 50 connections faster than the bare
   * server answers, and leaves the other core to the server under test instead of competing with it.
   */
  readonly threads: number
  readonly password: string
}

function envNumber (name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`)
  return n
}

export function readSettings (): BenchSettings {
  return {
    duration: envNumber('BENCH_DURATION', 15, 1),
    warmup: envNumber('BENCH_WARMUP', 5, 0),
    rounds: Math.floor(envNumber('BENCH_ROUNDS', 2, 2)),
    bareProcesses: Math.floor(envNumber('BENCH_BARE_PROCESSES', 1, 1)),
    connections: 50,
    threads: Math.floor(envNumber('BENCH_THREADS', 1, 1)),
    password: 'bench-secret'
  }
}

export const WRK_INSTALL_HINT = `wrk is not installed. The benchmark drives the daemon with wrk (HTTP/1.1 keep-alive load generator).
Install it with:
  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk
  Fedora:        sudo dnf install wrk
  macOS:         brew install wrk
`
