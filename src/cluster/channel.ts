import cluster from 'node:cluster'
import { type ToPrimary, type ToWorker } from './messages.ts'

/**
 * The primary's handle on one worker process: the part of node:cluster's Worker it uses, so the
 * cluster code can also run over an in-process channel pair (the unit tests).
 */
export interface WorkerProcess {
  readonly process: { readonly pid?: number, kill (signal: NodeJS.Signals): boolean }
  send (message: unknown): boolean
  isConnected (): boolean
  isDead (): boolean
  on (event: 'message', listener: (message: ToPrimary) => void): unknown
  on (event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown
  once (event: 'exit', listener: () => void): unknown
}

/** Starts one worker process with `env` added to its environment. */
export type ForkWorker = (env: Readonly<Record<string, string>>) => WorkerProcess

export const forkClusterWorker: ForkWorker = (env) => cluster.fork(env)

/** A worker's handle on its primary: the part of `process` (the IPC channel) it uses. */
export interface ParentChannel {
  readonly connected: boolean
  send?: (message: unknown, handle?: undefined, options?: object, callback?: (error: Error | null) => void) => boolean
  /** 'message' (one message from the primary) and 'disconnect' (no argument). */
  on (event: string, listener: (message: ToWorker) => void): unknown
  off (event: string, listener: (message: ToWorker) => void): unknown
}
