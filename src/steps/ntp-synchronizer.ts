import { pendingStep } from './pending.js';

export default pendingStep('ntp-synchronizer');
