#!/usr/bin/env node
/**
 * The `rnn-anomaly` executable. First Ctrl-C aborts the running job (training stops at the next
 * batch, nothing is written); a second one quits at once.
 */
import { EXIT_INTERRUPTED, runCli } from './program.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
  process.stderr.write('\nstopping... (Ctrl-C again to quit at once)\n');
  controller.abort();
});

// A closed pipe (e.g. `| head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  controller.signal,
);
