import type { Readable } from 'node:stream';
import { MlcError } from '@mlc/errors';

/**
 * Reads a request body into one Buffer, refusing it as soon as it passes `limit` bytes: a declared
 * Content-Length over the limit is refused before a byte is read, and a chunked or lying upload
 * is refused at the first chunk that crosses it. The stream is left paused with our listeners
 * removed, so nothing more is buffered; the caller answers 413 and closes the connection.
 */
export function readLimitedBody(stream: Readable, limit: number, declaredLength: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (received: number) =>
      new MlcError('MLC_PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, { context: { limit, received } });
    const declared = declaredLength === undefined ? undefined : Number(declaredLength);
    if (declared !== undefined && Number.isFinite(declared) && declared > limit) {
      stream.pause();
      reject(tooLarge(declared));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    function onData(chunk: Buffer) {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        stream.pause();
        chunks.length = 0;
        reject(tooLarge(received));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    }
    function onError(error: Error) {
      cleanup();
      reject(error);
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
