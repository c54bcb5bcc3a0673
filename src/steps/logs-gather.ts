import { pendingStep } from './pending.js';

export default pendingStep('logs-gather');
