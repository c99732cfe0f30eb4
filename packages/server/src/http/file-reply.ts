/**
 * A download answer: bytes streamed as they are, for the endpoints the API table marks `binary`
 * (agent packages). The app sends it with its length and content type; errors before the first
 * byte are JSON `{code, message}` as everywhere.
 */
import type { Readable } from 'node:stream';

export class FileReply {
  constructor(
    readonly stream: Readable,
    readonly size: number,
    /** Offered file name (content-disposition). */
    readonly fileName: string,
  ) {}
}
