// Node's `path` for the browser build of the server (scripts/build.mjs aliases 'path' here):
// POSIX paths, which is what the paths of workspace URIs are. `win32.isAbsolute` is the one
// Windows function the engine uses (to refuse `C:\...` in load()).
'use strict';
const posix = require('path-browserify');

module.exports = {
  ...posix,
  posix,
  win32: { isAbsolute: (p) => /^([a-zA-Z]:)?[\\/]/.test(p) || /^[\\/]{2}/.test(p) },
};
