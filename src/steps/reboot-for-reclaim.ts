import { pendingStep } from './pending.js';

export default pendingStep('reboot-for-reclaim');
