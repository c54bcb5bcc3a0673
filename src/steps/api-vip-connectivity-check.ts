import { pendingStep } from './pending.js';

export default pendingStep('api-vip-connectivity-check');
