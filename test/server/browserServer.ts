// The browser build of the language server (dist/web/server.js) in a real Web Worker of
// headless Chromium, as a transport for the LSP tests: the page is served from a loopback
// HTTP server (a Worker needs an http origin), and the JSON-RPC messages cross between this
// process and the worker through Playwright. `TGRAPH_LSP_SERVER=browser` makes LspClient use
// it (the `web-server` vitest project runs the LSP feature suites so).

import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver-protocol/node';
import { launchChromium, type Browser, type Page } from '../support/chromium';

const WEB_SERVER = path.resolve(__dirname, '..', '..', 'dist', 'web', 'server.js');

const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>tgraph web server</title></head><body><script>
  const worker = new Worker('/server.js');
  worker.onmessage = (event) => window.toNode(event.data);
  worker.onerror = (event) => window.workerFailed(String(event.message));
  window.toWorker = (message) => worker.postMessage(message);
</script></body></html>`;

export interface ServerTransport {
  reader: MessageReader;
  writer: MessageWriter;
  /** null while the server runs, else its exit code (a worker that failed: 1). */
  exitCode(): number | null;
  /** What the server wrote outside the protocol (the worker's console, its failures). */
  onOutput(listener: (text: string) => void): void;
  end(): Promise<void>;
}

class PageReader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  private readonly early: Message[] = [];

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const m of this.early.splice(0)) callback(m);
    return { dispose: () => (this.callback = undefined) };
  }

  deliver(message: Message): void {
    if (this.callback) this.callback(message);
    else this.early.push(message);
  }
}

class PageWriter extends AbstractMessageWriter {
  /** Messages go one after the other, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly page: Page) {
    super();
  }

  write(message: Message): Promise<void> {
    this.queue = this.queue
      .then(() => this.page.evaluate(`window.toWorker(${JSON.stringify(message)})`))
      .catch((e) => this.fireError([e as Error, message, 0]));
    return this.queue.then(() => undefined);
  }

  end(): void {}
}

/** Serves the page and the bundle on a free loopback port. */
function serve(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else if (req.url === '/server.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(WEB_SERVER));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startBrowserServer(): Promise<ServerTransport> {
  if (!fs.existsSync(WEB_SERVER)) throw new Error(`${WEB_SERVER} is missing: run npm run build`);
  const httpServer = await serve();
  const browser: Browser = await launchChromium();
  const page = await browser.newPage();
  const reader = new PageReader();
  const writer = new PageWriter(page);
  const listeners: ((text: string) => void)[] = [];
  const output = (text: string) => listeners.forEach((l) => l(text));
  let exitCode: number | null = null;
  await page.exposeFunction('toNode', (message: Message) => reader.deliver(message));
  await page.exposeFunction('workerFailed', (message: string) => {
    exitCode = 1;
    output(`[worker failed] ${message}\n`);
  });
  page.on('console', (m) => output(`[console] ${m.text()}\n`));
  await page.goto(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/`);
  return {
    reader,
    writer,
    exitCode: () => exitCode,
    onOutput: (listener) => listeners.push(listener),
    end: async () => {
      exitCode ??= 0;
      await browser.close().catch(() => undefined);
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
