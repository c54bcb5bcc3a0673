import { pendingStep } from './pending.js';

export default pendingStep('inventory');
