import { ERROR_KINDS, type ErrorKind } from './prediction-errors.js';

/**
 * How the prediction errors of a row become its score: the mean absolute or squared error of
 * the scored features, or 'loglik', the negative log-likelihood of the residual vector under a
 * GaussianErrorModel fitted to calibration residuals.
 */
export type ScoreKind = ErrorKind | 'loglik';
export const SCORE_KINDS: readonly ScoreKind[] = [...ERROR_KINDS, 'loglik'];
