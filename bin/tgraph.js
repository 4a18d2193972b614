#!/usr/bin/env node
// Thin launcher: the bundled CLI is built into dist/ by `npm run build` (run by `npm ci`).
'use strict';
const cli = require('../dist/cli.js');
Promise.resolve(cli.main(process.argv.slice(2))).then((code) => cli.finish(code));
