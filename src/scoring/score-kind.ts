import { ERROR_KINDS, type ErrorKind } from './prediction-errors.js';

/**
 * How the prediction errors of a row become its score: the mean absolute or squared error of
 * the scored features, or 'loglik', the negative log-likelihood of the residual vector under a
 * GaussianErrorModel fitted to calibration residuals, or 'nll', the negative log-likelihood of
 * the observation under a Gaussian head's predicted means and variances (predictive-nll.ts).
 */
export type ScoreKind = ErrorKind | 'loglik' | 'nll';
export const SCORE_KINDS: readonly ScoreKind[] = [...ERROR_KINDS, 'loglik', 'nll'];
