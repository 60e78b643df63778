#!/usr/bin/env node
// npm "install" script: use the prebuilt addon when one loads on this machine, otherwise compile
// it with node-gyp. A failed compile does not fail `npm install`: the package's pure-JS parts
// still work, and the first native call explains what to install (ERR_NATIVE_LOAD).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const fromSource = process.env.npm_config_build_from_source === 'true';

function prebuiltLoads() {
  try {
    require(require('node-gyp-build').resolve(root));
    return true;
  } catch {
    return false;
  }
}

if (!fromSource && prebuiltLoads()) process.exit(0);

// npm hands lifecycle scripts its bundled node-gyp (npm_config_node_gyp); otherwise use PATH.
const nodeGyp = process.env.npm_config_node_gyp;
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const build = spawnSync(command, args, {
  cwd: root,
  stdio: 'inherit',
  shell: !nodeGyp && process.platform === 'win32',
});
if (build.status !== 0) {
  console.warn(
    `rnn-anomaly: no prebuilt addon fits ${process.platform}-${process.arch} and compiling it failed ` +
      `(${build.error ? build.error.message : `node-gyp exited with ${build.status ?? build.signal}`}). ` +
      'The install goes on: CSV reading, metrics and thresholds work; training and scoring raise ' +
      'ERR_NATIVE_LOAD with what to install, then `npm rebuild rnn-anomaly`.',
  );
}
