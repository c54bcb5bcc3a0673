import { refusedStep } from './refused.js';

/** A security boundary: the service may ask for typed steps only, never for arbitrary commands (upstream MGMT-10154). */
export default refusedStep('execute', 'running arbitrary commands sent by the service is refused by design');
