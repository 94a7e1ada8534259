/**
 * Loads an optional dependency on first use. A daemon that never talks to Redis, sends mail or
 * makes outbound HTTP requests then does not carry those libraries: several MB of RSS each, in
 * every worker process. The import is started once and shared by every caller.
 */
export function lazyImport<T> (load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null
  return () => (loading ??= load())
}
