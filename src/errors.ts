/**
 * One error type per failure kind. The top-level handler in src/main.ts decides what the user sees
 * and which exit code the process ends with, so modules throw these instead of calling process.exit.
 */

/** A problem with how the command was invoked: print the message and the usage, exit 2 (as Go's flag package). */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The usage text of the command that was misused, when known. */
    readonly help = '',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on, with a chosen exit code; printed without a stack. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** Step arguments that do not match the step type's request model; the reply carries exit_code -1. */
export class StepArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepArgsError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
