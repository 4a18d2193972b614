// The entry point of dist/web/server.js: the language server in a Web Worker, talking to
// the client that started the worker (client/browser.ts) through the worker's own messages.
import { startOn, type ServerPort } from './browser';

declare const self: unknown;

startOn(self as ServerPort);
