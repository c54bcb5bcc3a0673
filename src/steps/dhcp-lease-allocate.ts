import { pendingStep } from './pending.js';

export default pendingStep('dhcp-lease-allocate');
