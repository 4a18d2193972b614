// Node's `fs` for the browser build of the server (esbuild aliases 'fs' here). There is no
// file system: load() reads the files the client read through the editor's workspace file
// system (LoadContext.preloaded), so nothing may call these.
const absent = (name: string) => () => {
  throw new Error(`fs.${name}: there is no file system in the browser`);
};

export const realpathSync = absent('realpathSync');
export const statSync = absent('statSync');
export const readFileSync = absent('readFileSync');
export const existsSync = () => false;
