import { runHistoryLayers } from './history-layers.ts'
import { runHistoryReads } from './history-reads.ts'
import { runHistoryWriters } from './history-writers.ts'

/** Measurements of the history store itself, run in process (no wrk): `npm run bench -- history-reads`. */
export const MICRO_BENCHES: Readonly<Record<string, (log: (line: string) => void) => Promise<unknown>>> = {
  'history-layers': runHistoryLayers,
  'history-reads': runHistoryReads,
  'history-writers': runHistoryWriters
}
