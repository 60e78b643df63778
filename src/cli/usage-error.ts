import { InvalidArgumentError } from '../core/errors.js';

/**
 * A command line the CLI cannot act on (unknown flag, missing value, wrong number of files).
 * Kept apart from library argument errors because it maps to exit code 2 and is followed by a
 * hint to run `--help`.
 */
export class UsageError extends InvalidArgumentError {
  readonly command: string;
  constructor(message: string, command: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
