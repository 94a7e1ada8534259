import { TrackalertError } from '../errors.ts'
import { type WindowedState } from './windows.ts'

/**
 * Sums windowed states from several processes into one. States are shifted onto the newest
 * `window` among them, so a worker that reported slightly earlier has its oldest windows dropped
 * exactly as they would have been had it reported now. Name order: first seen wins.
 */
export function mergeWindowedStates (states: readonly WindowedState[]): WindowedState {
  const first = states[0]
  if (first === undefined) throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'no windowed stats to merge')
  const { windowMs, windowCount } = first
  let newest = first.window
  for (const state of states) {
    if (state.windowMs !== windowMs || state.windowCount !== windowCount) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID',
        `cannot merge stats windows of ${state.windowMs} ms × ${state.windowCount} with ${windowMs} ms × ${windowCount}`)
    }
    if (state.window > newest) newest = state.window
  }
  const counts: Record<string, number[]> = {}
  const lifetime: Record<string, number> = {}
  for (const state of states) {
    const shift = newest - state.window
    for (const name in state.counts) {
      const target = counts[name] ??= new Array<number>(windowCount).fill(0)
      const source = state.counts[name] ?? []
      for (let i = shift; i < windowCount; i++) target[i - shift] = (target[i - shift] ?? 0) + (source[i] ?? 0)
      lifetime[name] = (lifetime[name] ?? 0) + (state.lifetime[name] ?? 0)
    }
  }
  return { windowMs, windowCount, window: newest, counts, lifetime }
}
