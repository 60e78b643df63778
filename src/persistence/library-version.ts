/**
 * The package version, recorded in every model file so a file can be traced to the library that
 * wrote it. Read from package.json, which sits two levels up from both src/persistence and
 * dist/persistence.
 */
import { createRequire } from 'node:module';

export const LIBRARY_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
