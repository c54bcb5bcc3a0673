import { pendingStep } from './pending.js';

export default pendingStep('container-image-availability');
