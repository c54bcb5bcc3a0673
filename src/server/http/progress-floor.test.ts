import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { ProgressFloor } from './progress-floor.js';

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('ProgressFloor', () => {
  it('cuts a stream that moves less than the floor in a window with 408, and lets a steady one through', async () => {
    const drip = new PassThrough();
    const timer = setInterval(() => drip.write('x'), 20);
    const cut = await pipeline(drip, new ProgressFloor(100, 150), sink()).catch((e: unknown) => e);
    clearInterval(timer);
    expect(cut).toBeInstanceOf(HttpError);
    expect((cut as HttpError).status).toBe(408);
    expect((cut as Error).message).toMatch(/^the upload moved \d bytes in the last 0.15 s, less than the 100 it must$/);

    const steady = new PassThrough();
    let sent = 0;
    const pump = setInterval(() => {
      steady.write(Buffer.alloc(64));
      if ((sent += 1) === 10) {
        clearInterval(pump);
        steady.end();
      }
    }, 20);
    await expect(pipeline(steady, new ProgressFloor(100, 150), sink())).resolves.toBeUndefined();
  });
});
