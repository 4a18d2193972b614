#!/usr/bin/env node
// Thin launcher: the bundled CLI is built into dist/ by `npm run build` (run by `npm ci`).
'use strict';
const code = require('../dist/cli.js').main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
