import { pendingStep } from './pending.js';

export default pendingStep('tang-connectivity-check');
