import type { ProgressSink } from './progress.js';

/** What a command may touch: its output streams and the Ctrl-C signal. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressSink;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly program: string;
  /** Aborted on Ctrl-C: long work stops and nothing is written. */
  readonly signal: AbortSignal;
}

export interface CliCommand {
  /** As typed after the program name, e.g. `run` or `nab score`. */
  readonly name: string;
  readonly summary: string;
  /** Returns the exit code. Throws UsageError (exit 2) or any other error (exit 1). */
  run(argv: readonly string[], context: CommandContext): Promise<number>;
}
