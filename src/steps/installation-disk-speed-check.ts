import { pendingStep } from './pending.js';

export default pendingStep('installation-disk-speed-check');
