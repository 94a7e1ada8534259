/** `npm run eval` settings: a preset, then environment variables, then command-line flags. */
export interface Preset { readonly users: number, readonly days: number }

export const PRESETS: Readonly<Record<string, Preset>> = {
  tiny: { users: 40, days: 2 },
  small: { users: 200, days: 3 },
  default: { users: 2000, days: 30 },
  full: { users: 10_000, days: 30 }
}

export const DEFAULT_SEED = 17

export interface EvalSettings {
  readonly preset: string
  readonly seed: number
  readonly users: number
  readonly days: number
  readonly concurrency: number
  /** The city MMDB to draw places from; null: the bundled DB-IP City Lite. */
  readonly geoDb: string | null
  /** Where results go; null: eval/results in the source tree. */
  readonly outDir: string | null
  /** Networks sampled from the geo database. */
  readonly geoSamples: number
  /** The daemon's CLI entry point; null: this build's dist/src/cli/main.js. */
  readonly daemon: string | null
}

const FLAGS: Record<string, string> = {
  '--preset': 'EVAL_PRESET', '--seed': 'EVAL_SEED', '--users': 'EVAL_USERS', '--days': 'EVAL_DAYS',
  '--concurrency': 'EVAL_CONCURRENCY', '--geo-db': 'EVAL_GEO_DB', '--out': 'EVAL_RESULTS_DIR', '--geo-samples': 'EVAL_GEO_SAMPLES', '--daemon': 'EVAL_DAEMON'
}

export const USAGE = `usage: npm run eval -- [--preset tiny|small|default|full] [--seed N] [--users N] [--days N]
       [--concurrency N] [--geo-db FILE.mmdb] [--out DIR] [--geo-samples N] [--daemon main.js]
(or the environment variables ${Object.values(FLAGS).join(', ')})`

function int (name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${value}'\n${USAGE}`)
  return n
}

export function readSettings (argv: readonly string[], env: NodeJS.ProcessEnv): EvalSettings {
  const values: Record<string, string | undefined> = {}
  for (const key of Object.values(FLAGS)) values[key] = env[key]
  for (let i = 0; i < argv.length; i++) {
    const key = FLAGS[argv[i]!]
    if (key === undefined || argv[i + 1] === undefined) throw new Error(`unknown or incomplete argument '${argv[i]!}'\n${USAGE}`)
    values[key] = argv[++i]
  }
  const preset = values.EVAL_PRESET ?? 'default'
  const base = PRESETS[preset]
  if (base === undefined) throw new Error(`unknown preset '${preset}' (one of ${Object.keys(PRESETS).join(', ')})\n${USAGE}`)
  return {
    preset,
    seed: values.EVAL_SEED === undefined ? DEFAULT_SEED : int('seed', values.EVAL_SEED, 0),
    users: values.EVAL_USERS === undefined ? base.users : int('users', values.EVAL_USERS, 1),
    days: values.EVAL_DAYS === undefined ? base.days : int('days', values.EVAL_DAYS, 1),
    concurrency: values.EVAL_CONCURRENCY === undefined ? 16 : int('concurrency', values.EVAL_CONCURRENCY, 1),
    geoDb: values.EVAL_GEO_DB ?? null,
    outDir: values.EVAL_RESULTS_DIR ?? null,
    geoSamples: values.EVAL_GEO_SAMPLES === undefined ? 20_000 : int('geo-samples', values.EVAL_GEO_SAMPLES, 100),
    daemon: values.EVAL_DAEMON ?? null
  }
}
