// The LSP lifecycle as the specification says, over stdio: requests before `initialize` are
// answered with ServerNotInitialized (and notifications dropped, `exit` aside), a second
// `initialize` and every request after `shutdown` with InvalidRequest. A broken stream — a
// framing error on stdin, a closed stdout — ends the process with its reason on stderr (the
// client restarts the server), never a stack trace or a server that answers nothing forever.

import {
  StreamMessageReader,
  StreamMessageWriter,
  ErrorCodes,
  type Message,
  type MessageReader,
  type MessageWriter,
  type DataCallback,
  type Disposable,
  type Event,
  type PartialMessageInfo,
} from 'vscode-languageserver/node';

type State = 'new' | 'running' | 'shutdown';

interface RequestLike {
  id?: number | string | null;
  method?: string;
}

/** Reads stdin and filters what the lifecycle forbids, answering it itself. */
class LifecycleReader implements MessageReader {
  private state: State = 'new';

  constructor(
    private readonly inner: MessageReader,
    private readonly refuse: (id: number | string, code: number, message: string) => void,
  ) {}

  get onError(): Event<Error> {
    return this.inner.onError;
  }

  get onClose(): Event<void> {
    return this.inner.onClose;
  }

  get onPartialMessage(): Event<PartialMessageInfo> {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message: Message) => {
      if (this.allowed(message as RequestLike)) callback(message);
    });
  }

  private allowed(m: RequestLike): boolean {
    if (typeof m.method !== 'string') return true; // a response to one of our requests
    const isRequest = m.id !== undefined && m.id !== null;
    if (m.method === 'exit') return true;
    if (!isRequest) return this.state !== 'new';
    const id = m.id as number | string;
    switch (this.state) {
      case 'new':
        if (m.method === 'initialize') {
          this.state = 'running';
          return true;
        }
        this.refuse(id, ErrorCodes.ServerNotInitialized, `the server is not initialized: send initialize before ${m.method}`);
        return false;
      case 'running':
        if (m.method === 'initialize') {
          this.refuse(id, ErrorCodes.InvalidRequest, 'initialize was already received');
          return false;
        }
        if (m.method === 'shutdown') this.state = 'shutdown';
        return true;
      case 'shutdown':
        this.refuse(id, ErrorCodes.InvalidRequest, `the server is shutting down: ${m.method} after shutdown`);
        return false;
    }
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** Ends the process with a reason on stderr. */
function end(reason: string, code: number): never {
  try {
    process.stderr.write(`tgraph language server: ${reason}\n`);
  } catch {
    // stderr may be gone too
  }
  process.exit(code);
}

/** The reader and writer of a stdio connection, lifecycle enforced. */
export function stdioTransport(): { reader: MessageReader; writer: MessageWriter } {
  const writer = new StreamMessageWriter(process.stdout);
  const reader = new LifecycleReader(new StreamMessageReader(process.stdin), (id, code, message) => {
    void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as Message);
  });
  reader.onError((e) => end(`cannot read the client's messages (${e.message}); stopping`, 1));
  writer.onError(([e]) => end(`cannot write to the client (${e?.message ?? 'closed'}); stopping`, 1));
  process.stdout.on('error', (e: NodeJS.ErrnoException) => end(`the client closed its input (${e.code ?? e.message}); stopping`, 1));
  return { reader, writer };
}
