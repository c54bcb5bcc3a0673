import { ensureBinary } from './build.js';

/** Runs once before any subsystem file, so the files share one build instead of racing to make it. */
export default async function setup(): Promise<void> {
  await ensureBinary();
}
