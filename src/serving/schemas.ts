/** JSON schemas of every request body and the hot responses (fastify validates and serializes with them). */

export const MAX_KEY_LENGTH = 256;
export const MAX_TIME_LENGTH = 64;
export const MAX_POINTS_PER_REQUEST = 10_000;

const modelParams = {
  type: 'object',
  required: ['model'],
  properties: { model: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const streamParams = {
  type: 'object',
  required: ['model', 'id'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 128 },
    id: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
  },
} as const;

export { modelParams };

export const pointsBody = {
  type: 'object',
  required: ['points'],
  additionalProperties: false,
  properties: {
    points: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_POINTS_PER_REQUEST,
      items: {
        type: 'object',
        required: ['stream', 'values'],
        additionalProperties: false,
        properties: {
          stream: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
          time: { type: 'string', minLength: 1, maxLength: MAX_TIME_LENGTH },
          // The width is the model's and is checked by the pool (a 400 naming the stream).
          values: { type: 'array', minItems: 1, maxItems: 4096, items: { type: ['number', 'null'] } },
        },
      },
    },
  },
} as const;

export interface PointsBody {
  points: { stream: string; time?: string; values: (number | null)[] }[];
}

export const pointsResponse = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          stream: { type: 'string' },
          time: { type: ['string', 'null'] },
          score: { type: 'number' },
          threshold: { type: ['number', 'null'] },
          anomaly: { type: 'boolean' },
          ready: { type: 'boolean' },
          imputed: { type: 'boolean' },
          features: {
            type: 'array',
            items: { type: 'object', properties: { name: { type: 'string' }, contribution: { type: 'number' } } },
          },
        },
      },
    },
  },
} as const;

/** detect as JSON: rows of values (null = missing), optional timestamps (ISO strings or epoch ms). */
export const detectJsonBody = {
  type: 'object',
  required: ['rows'],
  additionalProperties: false,
  properties: {
    rows: {
      type: 'array',
      minItems: 1,
      items: { type: 'array', minItems: 1, maxItems: 4096, items: { type: ['number', 'null'] } },
    },
    timestamps: { type: 'array', items: { type: ['string', 'number'] } },
  },
} as const;

export interface DetectJsonBody {
  rows: (number | null)[][];
  timestamps?: (string | number)[];
}
