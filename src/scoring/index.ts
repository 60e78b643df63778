export { predictionErrors, residuals, ERROR_KINDS } from './prediction-errors.js';
export type { ErrorKind, PredictionErrors, PredictionErrorOptions } from './prediction-errors.js';
export { GaussianErrorModel } from './gaussian-error-model.js';
export type { GaussianErrorModelJSON, GaussianScores } from './gaussian-error-model.js';
export { ewma, alphaFromSpan, smoothingAlpha, EwmaSmoother } from './ewma.js';
export type { EwmaState } from './ewma.js';
export { averageOverlappingWindows } from './window-overlap.js';
export type { RowAverages } from './window-overlap.js';
