/** Child process for the save tests: writes argv[3] MiB atomically to argv[2] (to be killed mid-write). */
import { writeFileAtomic } from '../../src/persistence/atomic-write.js';

const [path, mib] = process.argv.slice(2);
await writeFileAtomic(path!, new Uint8Array(Number(mib) * 2 ** 20).fill(7));
console.log(JSON.stringify({ saved: true }));
