// load() in the browser build of the server: workspaces there are not on a disk (vscode.dev,
// github.dev: `vscode-vfs://`, `vscode-test-web://` URIs), so the paths load() checks are the
// paths of the document's and the workspace folders' URIs, and the files are read by the
// client through the editor's workspace file system (`tgraph/readFile`) and handed to the
// engine (LoadContext.preloaded). The engine's checks of the path stay the ones that decide.

import * as path from 'path';
import type { Connection } from 'vscode-languageserver';
import type { AnalysisOptions } from '../../engine/analysis';
import type { PreloadedFile } from '../../engine/ops/npy';
import { ServerRequests, type ReadFileParams, type ReadFileResult } from '../../protocol';

/** Most files one document's load() calls may make the client read. */
export const MAX_LOADED_FILES = 64;

/** A URI as its origin (`scheme://authority`) and its decoded path. */
function splitUri(uri: string): { origin: string; path: string } | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:(?:\/\/[^/?#]*)?)(\/[^?#]*)?/.exec(uri);
  if (!m || !m[2]) return null;
  try {
    return { origin: m[1], path: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

/** Where load() may read for a document: its folder, inside the workspace folders of the
 *  same origin (or its own folder when it is in none); nothing for an untitled document. */
export function webLoadContext(uri: string, workspaceFolders: readonly string[]): AnalysisOptions['load'] {
  const doc = splitUri(uri);
  if (!doc || uri.startsWith('untitled:')) return { baseDir: null, workspaceRoots: [], enabled: true };
  const dir = path.dirname(doc.path);
  const roots = workspaceFolders
    .map(splitUri)
    .filter((f): f is { origin: string; path: string } => f !== null && f.origin === doc.origin)
    .map((f) => (f.path.length > 1 ? f.path.replace(/\/$/, '') : f.path))
    .filter((r) => dir === r || dir.startsWith(r === '/' ? r : r + '/'));
  return { baseDir: dir, workspaceRoots: roots.length ? roots : [dir], enabled: true };
}

/** The string literals of the load() calls in a text (the paths the analysis will ask for). */
export function loadPaths(text: string): string[] {
  const paths = new Set<string>();
  const call = /\bload\s*\(\s*(?:(?:file|path|filename)\s*=\s*)?(['"])((?:(?!\1)[^\\\n]|\\.)*)\1/g;
  for (let m = call.exec(text); m && paths.size < MAX_LOADED_FILES; m = call.exec(text)) paths.add(m[2]);
  return [...paths];
}

function bytesOf(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Reads, through the client, the files the text's load() calls name, and returns the load
 *  context with them. A path the engine will refuse anyway (absolute, outside the roots) is
 *  not asked for; a file the client cannot read comes back as its refusal. */
export async function readLoadsThroughClient(
  connection: Connection,
  uri: string,
  text: string,
  load: AnalysisOptions['load'],
): Promise<AnalysisOptions['load']> {
  const doc = splitUri(uri);
  const preloaded: Record<string, PreloadedFile> = {};
  if (!doc || !load?.baseDir) return { ...load, preloaded };
  const roots = load.workspaceRoots?.length ? load.workspaceRoots : [load.baseDir];
  const maxBytes = load.maxBytes ?? 64 * 1024 * 1024;
  await Promise.all(
    loadPaths(text).map(async (relative) => {
      if (relative === '' || path.isAbsolute(relative) || path.win32.isAbsolute(relative)) return;
      const target = path.resolve(load.baseDir!, relative);
      if (!roots.some((r) => target === r || target.startsWith(r === '/' ? r : r + '/'))) return;
      const params: ReadFileParams = { uri: doc.origin + target.split('/').map(encodeURIComponent).join('/'), maxBytes };
      try {
        const answer = await connection.sendRequest<ReadFileResult>(ServerRequests.readFile, params);
        preloaded[target] = 'base64' in answer ? { bytes: bytesOf(answer.base64) } : { refused: answer.refused, code: answer.code };
      } catch (e) {
        preloaded[target] = { refused: `cannot read '${relative}': ${(e as Error)?.message ?? String(e)}`, code: 'load-missing' };
      }
    }),
  );
  return { ...load, preloaded };
}
