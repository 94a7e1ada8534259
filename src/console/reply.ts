import { MAX_PLAINTEXT_BYTES } from './frame.ts'

const TRUNCATED_NOTE = '\n[reply truncated: too long for one console message]\n'

/**
 * Encodes a reply for one frame. Upstream silently wraps the length prefix of replies over 64 KiB
 * (desynchronising the stream); we cut at a UTF-8 character boundary and say so instead.
 */
export function encodeReply (text: string, limit: number = MAX_PLAINTEXT_BYTES): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= limit) return bytes
  const note = Buffer.from(TRUNCATED_NOTE, 'utf8')
  let end = Math.max(0, limit - note.length)
  // Step back over UTF-8 continuation bytes so the cut never splits a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return Buffer.concat([bytes.subarray(0, end), note])
}

/** What a console prints for a reply: as is, plus a newline if missing; nothing at all for an empty reply. */
export function formatReplyForDisplay (reply: string): string {
  if (reply === '') return ''
  return reply.endsWith('\n') ? reply : reply + '\n'
}

/**
 * True when a console reply reports a failed command. The wire carries only the reply text (as
 * upstream's), and both upstream and our server answer a Lua error with `Error: <message>`; ours
 * puts it after whatever the line printed before failing. So a reply with a line that starts with
 * `Error: ` is a failure (a command that prints such a line itself counts as failed too).
 */
export function isErrorReply (reply: string): boolean {
  return /(?:^|\n)Error: /.test(reply)
}
