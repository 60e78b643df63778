// Lint configuration. The boundaries rule enforces the dependency order of ARCHITECTURE.md:
// a module may import from its own layer or from a layer below it, never above.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Layers from the bottom up; each may import its own layer and every layer listed before it. */
const layers = [
  ['foundation', ['src/core']],
  ['engine', ['src/engine']],
  ['data', ['src/data']],
  ['scoring', ['src/scoring']],
  ['thresholds', ['src/thresholds']],
  ['model', ['src/model', 'src/results']],
  ['training', ['src/training']],
  ['streaming', ['src/streaming']],
  ['persistence', ['src/persistence']],
  ['detector', ['src/detector']],
  ['report', ['src/report']],
  ['eval', ['src/eval']],
  ['serving', ['src/serving']],
  ['cli', ['src/cli']],
];

/** Layers that sit side by side: neither may import the other. */
const peers = [
  ['data', 'scoring', 'thresholds'],
  ['training', 'streaming', 'persistence'],
  ['report', 'eval', 'serving'],
];

function allowedBelow(index) {
  const [type] = layers[index];
  const group = peers.find((g) => g.includes(type)) ?? [type];
  return layers
    .slice(0, index + 1)
    .map(([t]) => t)
    .filter((t) => t === type || !group.includes(t));
}

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'native/build/**', 'node_modules/**', 'coverage/**', 'prebuilds/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // src/index.ts is the package entry: it sits above every layer and may re-export any of them.
    files: ['src/**/*.ts'],
    ignores: ['src/index.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/elements': layers.map(([type, pattern]) => ({ type, pattern, partialMatch: false })),
    },
    rules: {
      'boundaries/no-unknown-files': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: layers.map(([type], i) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: allowedBelow(i) } } } },
          })),
        },
      ],
    },
  },
  prettier,
);
