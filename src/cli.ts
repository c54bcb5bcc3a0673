import { isSea } from 'node:sea';
import { main } from './main.js';

/**
 * Process entry of the bundle and of the single executable. In the executable, argv[0] is the name
 * it was invoked through (a symlink such as `inventory`); under node it is the script's path.
 */
// undici flags its proxy agent as experimental on every start; that notice is not for operators.
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'UNDICI-EHPA') process.stderr.write(`inband: warning: ${warning.message}\n`);
});

const invokedAs = isSea() ? process.argv0 : (process.argv[1] ?? 'inband');
void main(process.argv.slice(2), invokedAs).then((code) => {
  process.exitCode = code;
});
