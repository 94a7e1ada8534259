import { lazyImport } from '../lazy-import.ts'

/** undici, loaded by the first outbound request (webhook delivery or Lua HTTP call), not at startup. */
export const loadUndici = lazyImport(() => import('undici'))
