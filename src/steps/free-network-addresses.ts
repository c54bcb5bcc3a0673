import { pendingStep } from './pending.js';

export default pendingStep('free-network-addresses');
