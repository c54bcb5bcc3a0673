/**
 * A long upload must keep moving. The idle timeout closes a connection on which nothing moves for
 * 30 s, but a byte every 29 s would hold one of the few upload slots for the whole request
 * timeout; this cuts an upload that moves less than `minBytes` in any `windowMs`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { HttpError } from '../errors.js';

export class ProgressFloor extends Transform {
  private moved = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(minBytes: number, windowMs: number) {
    super();
    this.timer = setInterval(() => {
      if (this.moved < minBytes) {
        this.destroy(new HttpError(408, `the upload moved ${this.moved} bytes in the last ${windowMs / 1000} s, less than the ${minBytes} it must`));
      }
      this.moved = 0;
    }, windowMs);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.moved += chunk.length;
    done(null, chunk);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearInterval(this.timer);
    done(error);
  }

  override _flush(done: TransformCallback): void {
    clearInterval(this.timer);
    done();
  }
}
