/**
 * ErrorSurprise now lives in the library (src/scoring/online/error-surprise.ts). This re-export
 * only keeps test/eval-runner-lib.test.ts, which another engineer owns, compiling until its
 * import points at src/scoring; delete this file then.
 */
export { ErrorSurprise } from '../../src/scoring/index.js';
