import { pendingStep } from './pending.js';

export default pendingStep('verify-vips');
