import { describe, expect, it } from 'vitest';

import * as engine from '../src/engine/index.js';

describe('rnn-anomaly/engine entry', () => {
  it('exports the stack, the network, their streams and the runtime controls, and no internals', () => {
    expect(Object.keys(engine).sort()).toEqual(
      [
        'AnomalyNetwork',
        'NetworkStream',
        'RecurrentStack',
        'Stepper',
        'activeIsa',
        'forceIsa',
        'isaSelectionNote',
        'setThreads',
        'supportedIsas',
        'threads',
      ].sort(),
    );
  });
});
