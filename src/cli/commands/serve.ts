import { readFile } from 'node:fs/promises';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../usage-error.js';
import { parseModelSource } from '../../serving/served-model.js';
import { ScoringService } from '../../serving/service.js';

const serveFlags = {
  model: flag.string({
    description:
      'Model file to serve, as path or name=path; repeat for more models (the name defaults to the file name)',
    placeholder: '<[name=]model.rnnad>',
  }),
  host: flag.string({ description: 'Address to bind', placeholder: '<address>', default: '127.0.0.1' }),
  port: flag.number({ description: 'TCP port (0 picks a free one)', integer: true, min: 0, max: 65535, default: 8080 }),
  state: flag.string({
    description: 'SQLite file for stream states, resumed on restart (needs the optional package better-sqlite3)',
    placeholder: '<state.db>',
  }),
  checkpointMs: flag.number({
    description: 'Milliseconds between checkpoints of changed streams',
    integer: true,
    min: 10,
    max: 3_600_000,
    default: 1000,
  }),
  tokenFile: flag.string({
    description: 'File holding a bearer token every request but /healthz and /readyz must send',
    placeholder: '<file>',
  }),
  maxStreams: flag.number({
    description: 'Streams per model at most; the least recently pushed is evicted',
    integer: true,
    min: 1,
    max: 1 << 24,
    default: 1_000_000,
  }),
  maxBodyBytes: flag.number({
    description: 'Request body limit in bytes (413 above)',
    integer: true,
    min: 1024,
    max: 1 << 30,
    default: 1 << 20,
  }),
  idleTtlMs: flag.number({
    description: 'Evict streams without a point for this long; 0 = never',
    integer: true,
    min: 0,
    default: 0,
  }),
  maxQueuedPoints: flag.number({
    description: 'Points waiting per model before requests get 429',
    integer: true,
    min: 1,
    default: 50_000,
  }),
  maxInFlightRequests: flag.number({
    description:
      'Requests being read, queued or scored at most (health and metrics not counted); more get 429 before their body is read',
    integer: true,
    min: 1,
    max: 1_000_000,
    default: 256,
  }),
  logLevel: flag.choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    description: 'Log level (pino JSON lines on stdout)',
    default: 'info',
  }),
} as const;

export const serveSpec: CommandSpec<typeof serveFlags> = {
  name: 'serve',
  summary: 'Score points of many streams over HTTP (JSON), with stream states checkpointed to SQLite.',
  positionals: [],
  flags: serveFlags,
  groups: [
    { title: 'Models', flags: ['model'] },
    {
      title: 'Network',
      flags: ['host', 'port', 'tokenFile', 'maxBodyBytes', 'maxQueuedPoints', 'maxInFlightRequests'],
    },
    { title: 'Streams and state', flags: ['state', 'checkpointMs', 'maxStreams', 'idleTtlMs'] },
  ],
  examples: [
    'rnn-anomaly serve --model model.rnnad --state state.db',
    'rnn-anomaly serve --model cpu=cpu.rnnad --model disk=disk.rnnad --port 9000 --token-file token.txt',
  ],
};

/** --model may repeat, which the shared parser refuses: take every occurrence out first. */
function takeModels(argv: readonly string[]): { models: string[]; rest: string[] } {
  const models: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (token === '--model') {
      const value = argv[i + 1];
      if (value === undefined || value === '')
        throw new UsageError('--model expects a value <[name=]model.rnnad>', serveSpec.name);
      models.push(value);
      i++;
    } else if (token.startsWith('--model=')) {
      models.push(token.slice('--model='.length));
    } else {
      rest.push(token);
    }
  }
  return { models, rest };
}

export const serveCommand: CliCommand = {
  name: serveSpec.name,
  summary: serveSpec.summary,
  async run(argv, context) {
    const { models, rest } = takeModels(argv);
    const { flags, help } = parseCommandLine(serveSpec, rest);
    if (help) {
      context.io.stdout.write(formatHelp(serveSpec, context.program));
      return 0;
    }
    if (models.length === 0) throw new UsageError('"serve" needs --model <model.rnnad>', serveSpec.name);
    let token: string | undefined;
    if (flags.tokenFile) {
      token = (await readFile(flags.tokenFile, 'utf8')).trim();
      if (token.length === 0) throw new UsageError(`${flags.tokenFile} (--token-file) is empty`, serveSpec.name);
    }
    const service = await ScoringService.start({
      models: models.map(parseModelSource),
      host: flags.host ?? '127.0.0.1',
      port: flags.port ?? 8080,
      ...(flags.state ? { statePath: flags.state } : {}),
      checkpointMs: flags.checkpointMs ?? 1000,
      ...(token ? { token } : {}),
      maxStreams: flags.maxStreams ?? 1_000_000,
      maxBodyBytes: flags.maxBodyBytes ?? 1 << 20,
      idleTtlMs: flags.idleTtlMs ?? 0,
      maxQueuedPoints: flags.maxQueuedPoints ?? 50_000,
      maxInFlightRequests: flags.maxInFlightRequests ?? 256,
      logger: { level: flags.logLevel ?? 'info' },
    });
    context.io.stderr.write(`${context.program} serve: listening on ${service.address}\n`);
    // SIGTERM (and Ctrl-C) stop accepting, drain in-flight requests and write the final checkpoint.
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGTERM', stop);
      if (context.signal.aborted) stop();
      else context.signal.addEventListener('abort', stop, { once: true });
    });
    await service.stop();
    return 0;
  },
};
