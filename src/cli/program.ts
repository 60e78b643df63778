import { LIBRARY_VERSION } from '../persistence/library-version.js';
import type { CliCommand, CliIo } from './command.js';
import { detectCommand } from './commands/detect.js';
import { infoCommand } from './commands/info.js';
import { nabScoreCommand } from './commands/nab-score.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';
import { updateCommand } from './commands/update.js';
import { describeError } from './error-message.js';
import { UsageError } from './usage-error.js';

export const PROGRAM = 'rnn-anomaly';

/** Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted (Ctrl-C, the shell convention). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

const COMMANDS: readonly CliCommand[] = [
  runCommand,
  trainCommand,
  updateCommand,
  detectCommand,
  infoCommand,
  nabScoreCommand,
  serveCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Anomaly detection in time series with recurrent neural networks (RNN, GRU, LSTM).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
    `Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted.`,
    '',
  ].join('\n');
}

/** The command named by the first one or two words, and the arguments after them. */
function findCommand(argv: readonly string[]): { command: CliCommand; rest: readonly string[] } | undefined {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

function wantsVerbose(argv: readonly string[]): boolean {
  return argv.includes('--verbose') || argv.includes('-v');
}

/** Runs one command line; never throws. */
export async function runCli(argv: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    io.stderr.write(overview());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(overview());
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${LIBRARY_VERSION}\n`);
    return EXIT_OK;
  }
  const helpFor = first === 'help';
  const found = findCommand(helpFor ? argv.slice(1) : argv);
  if (!found) {
    if (helpFor && argv.length === 1) {
      io.stdout.write(overview());
      return EXIT_OK;
    }
    const given = helpFor ? argv.slice(1).join(' ') : first;
    io.stderr.write(`${PROGRAM}: unknown command "${given}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return EXIT_USAGE;
  }
  const { command, rest } = found;
  const context = { io, program: PROGRAM, signal };
  try {
    return await command.run(helpFor ? ['--help'] : rest, context);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `${PROGRAM} ${command.name}: ${err.message}\nRun "${PROGRAM} ${command.name} --help" for the options.\n`,
      );
      return EXIT_USAGE;
    }
    if (signal.aborted) {
      io.stderr.write(`${PROGRAM} ${command.name}: interrupted; nothing was written\n`);
      return EXIT_INTERRUPTED;
    }
    io.stderr.write(`${PROGRAM} ${command.name}: ${describeError(err)}\n`);
    if (wantsVerbose(rest) && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return EXIT_FAILED;
  }
}
