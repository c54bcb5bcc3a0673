import { refusedStep } from './refused.js';

/** The runner is started by the agent itself from the registration answer, never as a step. */
export default refusedStep('next-step-runner', 'the next step runner is started by the agent, not as a step');
