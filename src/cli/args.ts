import { UsageError } from './usage-error.js';

/**
 * A small typed command-line parser. Each flag is declared once with its parser, and the parsed
 * values come back typed from that declaration, so a misspelt option name is a compile error
 * rather than a silently ignored flag.
 */

export interface Flag<T> {
  /** `value` flags consume the next token (or `=value`); `switch` flags take none. */
  readonly kind: 'value' | 'switch';
  readonly description: string;
  /** Shown in help after the flag name, e.g. `<n>`. */
  readonly placeholder: string;
  /** Shown in help as "(default: ...)"; the default itself is applied by the command. */
  readonly defaultText?: string;
  readonly short?: string;
  readonly parse: (raw: string, flagName: string) => T;
}

export interface Positional {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
}

export type FlagSet = Record<string, Flag<unknown>>;

export interface CommandSpec<F extends FlagSet> {
  /** Full command path as typed, e.g. `run` or `nab score`. */
  readonly name: string;
  readonly summary: string;
  readonly positionals: readonly Positional[];
  readonly flags: F;
  /** Flags grouped under headings in the help text, in order; ungrouped flags go under "Options". */
  readonly groups?: readonly { title: string; flags: readonly (keyof F & string)[] }[];
  readonly examples?: readonly string[];
}

export type FlagValues<F extends FlagSet> = { [K in keyof F]?: F[K] extends Flag<infer T> ? T : never };

export interface ParsedCommandLine<F extends FlagSet> {
  readonly positionals: string[];
  readonly flags: FlagValues<F>;
  readonly help: boolean;
}

interface FlagOptions {
  description: string;
  placeholder?: string;
  default?: string | number;
  short?: string;
}

function defaultText(options: FlagOptions): string | undefined {
  return options.default === undefined ? undefined : String(options.default);
}

function parseFiniteNumber(raw: string, flagName: string): number {
  const trimmed = raw.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new UsageError(`${flagName} expects a number, got "${raw}"`, '');
  }
  return value;
}

/** Flag constructors. Range checks here give exit code 2 before any data is read. */
export const flag = {
  string(options: FlagOptions): Flag<string> {
    return {
      kind: 'value',
      description: options.description,
      placeholder: options.placeholder ?? '<text>',
      defaultText: defaultText(options),
      short: options.short,
      parse(raw, flagName) {
        if (raw === '') throw new UsageError(`${flagName} expects a non-empty value`, '');
        return raw;
      },
    };
  },

  number(
    options: FlagOptions & { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
  ): Flag<number> {
    const kindText = options.integer ? 'an integer' : 'a number';
    return {
      kind: 'value',
      description: options.description,
      placeholder: options.placeholder ?? (options.integer ? '<n>' : '<x>'),
      defaultText: defaultText(options),
      short: options.short,
      parse(raw, flagName) {
        const value = parseFiniteNumber(raw, flagName);
        if (options.integer && !Number.isInteger(value)) {
          throw new UsageError(`${flagName} expects an integer, got "${raw}"`, '');
        }
        const { min, max } = options;
        const belowMin = min !== undefined && (options.exclusiveMin ? value <= min : value < min);
        if (belowMin || (max !== undefined && value > max)) {
          const lower = min === undefined ? '' : `${options.exclusiveMin ? '>' : '>='} ${min}`;
          const upper = max === undefined ? '' : `<= ${max}`;
          const range = [lower, upper].filter(Boolean).join(' and ');
          throw new UsageError(`${flagName} expects ${kindText} ${range}, got ${raw}`, '');
        }
        return value;
      },
    };
  },

  /** A number, or one of a few words (e.g. `--epochs auto`). */
  numberOr<W extends string>(
    words: readonly W[],
    options: FlagOptions & { min?: number; integer?: boolean },
  ): Flag<number | W> {
    const numeric = flag.number(options);
    return {
      ...numeric,
      placeholder: options.placeholder ?? `<n|${words.join('|')}>`,
      parse(raw, flagName) {
        if ((words as readonly string[]).includes(raw)) return raw as W;
        try {
          return numeric.parse(raw, flagName);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          throw new UsageError(
            `${err.message.replace(/, got.*$/, '')} or one of ${words.join(', ')}, got "${raw}"`,
            '',
          );
        }
      },
    };
  },

  choice<C extends string>(choices: readonly C[], options: FlagOptions): Flag<C> {
    return {
      kind: 'value',
      description: options.description,
      placeholder: options.placeholder ?? `<${choices.join('|')}>`,
      defaultText: defaultText(options),
      short: options.short,
      parse(raw, flagName) {
        if (!(choices as readonly string[]).includes(raw)) {
          throw new UsageError(`${flagName} expects one of ${choices.join(', ')}, got "${raw}"`, '');
        }
        return raw as C;
      },
    };
  },

  /** Comma-separated names, e.g. `--columns cpu,memory`. */
  list(options: FlagOptions): Flag<string[]> {
    return {
      kind: 'value',
      description: options.description,
      placeholder: options.placeholder ?? '<a,b,...>',
      defaultText: defaultText(options),
      short: options.short,
      parse(raw, flagName) {
        const items = raw.split(',').map((item) => item.trim());
        if (items.some((item) => item === '')) {
          throw new UsageError(`${flagName} expects a comma-separated list without empty items, got "${raw}"`, '');
        }
        return items;
      },
    };
  },

  switch(options: Omit<FlagOptions, 'placeholder' | 'default'>): Flag<boolean> {
    return {
      kind: 'switch',
      description: options.description,
      placeholder: '',
      short: options.short,
      parse: () => true,
    };
  },
};

/** `trainFraction` -> `--train-fraction`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

export function parseCommandLine<F extends FlagSet>(
  spec: CommandSpec<F>,
  argv: readonly string[],
): ParsedCommandLine<F> {
  const byName = new Map<string, string>();
  for (const key of Object.keys(spec.flags)) {
    byName.set(flagName(key), key);
    const short = spec.flags[key]!.short;
    if (short) byName.set(`-${short}`, key);
  }
  const fail = (message: string): never => {
    throw new UsageError(message, spec.name);
  };

  const positionals: string[] = [];
  const values: Record<string, unknown> = {};
  let help = false;
  let onlyPositionals = false;

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (onlyPositionals || token === '-' || !token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    if (token === '--') {
      onlyPositionals = true;
      continue;
    }
    if (token === '--help' || token === '-h') {
      help = true;
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq >= 0 ? token.slice(0, eq) : token;
    const key = byName.get(name);
    if (key === undefined) {
      const suggestion = closest(
        name,
        [...byName.keys()].filter((n) => n.startsWith('--')),
      );
      fail(`unknown option ${name} for "${spec.name}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
    }
    const definition = spec.flags[key!]!;
    const canonical = flagName(key!);
    if (key! in values) fail(`${canonical} was given more than once`);
    if (definition.kind === 'switch') {
      if (eq >= 0) fail(`${canonical} is a switch and takes no value`);
      values[key!] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) fail(`${canonical} expects a value ${definition.placeholder}`);
      raw = next!;
      i++;
    }
    try {
      values[key!] = definition.parse(raw, canonical);
    } catch (err) {
      if (err instanceof UsageError) fail(err.message);
      throw err;
    }
  }

  if (!help) {
    const required = spec.positionals.filter((p) => !p.optional).length;
    if (positionals.length < required) {
      const missing = spec.positionals
        .slice(positionals.length)
        .filter((p) => !p.optional)
        .map((p) => `<${p.name}>`);
      fail(`"${spec.name}" needs ${missing.join(' ')}`);
    }
    if (positionals.length > spec.positionals.length) {
      fail(
        `"${spec.name}" takes ${spec.positionals.length} file argument(s), got ${positionals.length}: ${positionals.join(' ')}`,
      );
    }
  }
  return { positionals, flags: values as FlagValues<F>, help };
}

function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export function formatHelp<F extends FlagSet>(spec: CommandSpec<F>, program: string): string {
  const usage = [
    program,
    spec.name,
    ...spec.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`)),
    '[options]',
  ];
  const out: string[] = [`Usage: ${usage.join(' ')}`, '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    out.push('Arguments:');
    for (const p of spec.positionals) out.push(`  ${p.name.padEnd(28)}${p.description}`);
    out.push('');
  }
  const keys = Object.keys(spec.flags);
  const grouped = new Set(spec.groups?.flatMap((g) => g.flags) ?? []);
  const sections = [...(spec.groups ?? []), { title: 'Options', flags: keys.filter((k) => !grouped.has(k)) }];
  for (const section of sections) {
    if (section.flags.length === 0) continue;
    out.push(`${section.title}:`);
    for (const key of section.flags) {
      const definition = spec.flags[key]!;
      const names = `${definition.short ? `-${definition.short}, ` : ''}${flagName(key)}`;
      const left = `  ${names}${definition.placeholder ? ` ${definition.placeholder}` : ''}`;
      const description =
        definition.defaultText === undefined
          ? definition.description
          : `${definition.description} (default: ${definition.defaultText})`;
      const pad = 34;
      const head = left.length >= pad ? `${left}\n${' '.repeat(pad)}` : left.padEnd(pad);
      out.push(`${head}${wrap(description, 100 - pad, pad)}`);
    }
    out.push('');
  }
  out.push(`  -h, --help${' '.repeat(24)}Show this help`);
  if (spec.examples && spec.examples.length > 0) {
    out.push('', 'Examples:');
    for (const example of spec.examples) out.push(`  ${example}`);
  }
  return `${out.join('\n')}\n`;
}
