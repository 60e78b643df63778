/**
 * Child process for the model-file tests: `Detector.load(argv[2])`, optionally after dropping
 * root (argv[3] === 'as-nobody', so permission checks apply), then one JSON line: what happened,
 * how long it took and the peak resident set.
 */
import { Detector } from '../../src/detector/detector.js';

const [path, asWho] = process.argv.slice(2);
if (asWho === 'as-nobody' && process.getuid?.() === 0) process.setuid!(65534);
const began = performance.now();
let result: Record<string, unknown>;
try {
  const detector = await Detector.load(path!);
  result = { loaded: true, window: detector.config.window };
} catch (error) {
  const e = error as Error & { code?: string; cause?: { code?: string } };
  result = { loaded: false, name: e.name, code: e.code, causeCode: e.cause?.code, message: e.message.slice(0, 500) };
}
result.elapsedMs = performance.now() - began;
result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(result));
