import { pendingStep } from './pending.js';

export default pendingStep('domain-resolution');
