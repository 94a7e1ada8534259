import { TrackalertError } from '../errors.ts'
import { TAG_BYTES } from './cipher.ts'

/** Every message is a 2-byte big-endian length followed by that many bytes of sealed box. */
export const MAX_FRAME_BYTES = 0xffff
/** The largest plaintext that still fits a frame once sealed. */
export const MAX_PLAINTEXT_BYTES = MAX_FRAME_BYTES - TAG_BYTES

/** A frame that can never be valid: the connection is dropped with this reason (not an internal error). */
export class FrameError extends TrackalertError {
  constructor (message: string) {
    super('TA_ERR_CONSOLE', message)
    this.name = 'FrameError'
  }
}

export function encodeFrame (body: Uint8Array): Buffer {
  if (body.length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${body.length} bytes exceeds ${MAX_FRAME_BYTES}`)
  const frame = Buffer.allocUnsafe(2 + body.length)
  frame.writeUInt16BE(body.length, 0)
  frame.set(body, 2)
  return frame
}

/**
 * Reassembles frames from a byte stream that arrives in arbitrary chunks. A frame shorter than a
 * bare tag or longer than `maxBody` can never be valid, so it raises `FrameError` as soon as its
 * length prefix is seen instead of waiting for (possibly 64 KiB of) body.
 */
export class FrameDecoder {
  readonly #maxBody: number
  #buffer: Buffer = Buffer.alloc(0)

  constructor (maxBody: number = MAX_FRAME_BYTES) {
    this.#maxBody = Math.min(maxBody, MAX_FRAME_BYTES)
  }

  /** Appends a chunk and returns every frame body it completed, in order. */
  push (chunk: Uint8Array): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk])
    const frames: Buffer[] = []
    let offset = 0
    while (this.#buffer.length - offset >= 2) {
      const length = this.#buffer.readUInt16BE(offset)
      if (length < TAG_BYTES) throw new FrameError(`frame of ${length} bytes is shorter than a ${TAG_BYTES}-byte tag`)
      if (length > this.#maxBody) throw new FrameError(`frame of ${length} bytes exceeds the ${this.#maxBody}-byte limit`)
      if (this.#buffer.length - offset - 2 < length) break
      frames.push(this.#buffer.subarray(offset + 2, offset + 2 + length))
      offset += 2 + length
    }
    if (offset > 0) this.#buffer = this.#buffer.subarray(offset)
    return frames
  }

  /** Bytes of an incomplete frame held back; non-zero at end of stream means the peer truncated a frame. */
  get pendingBytes (): number {
    return this.#buffer.length
  }
}
