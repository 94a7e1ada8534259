/**
 * Polls `check` every `intervalMs` until it holds (a promise resolving true counts too); fails after
 * `timeoutMs` naming `what`. The timeout is a hang guard, not a speed assertion: keep it generous.
 */
export async function eventually (
  check: () => boolean | Promise<boolean>,
  what = 'a condition',
  timeoutMs = 15_000,
  intervalMs = 10
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
