#!/usr/bin/env node
// Installs what the editor tests outside VS Code need: Debian's neovim (its built-in LSP
// client runs test/editors/neovim.test.ts) and chromium (the web bundle's tests run the
// server in a real Worker). A no-op when both are installed.
import { ensureDebianPackages } from '../support/debianPackages.mjs';

const log = (message) => process.stdout.write(`[editors setup] ${message}\n`);
try {
  ensureDebianPackages(['neovim', 'chromium'], log);
  log('neovim and chromium are installed');
} catch (error) {
  process.stderr.write(`[editors setup] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
