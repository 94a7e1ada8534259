/** A valid report body with `extra` fields merged in. */
export function body (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { login: 'alice', remote: '192.0.2.1', pwhash: 'abcd', success: true, ...extra }
}
