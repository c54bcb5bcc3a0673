import { pendingStep } from './pending.js';

export default pendingStep('download-boot-artifacts');
