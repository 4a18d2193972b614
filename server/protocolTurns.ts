// The protocol library's own tasks go before the analysis host's slices. The JSON-RPC library
// handles each message one task after its bytes are read (a setImmediate per message), and
// writes each response one task after the handler made it (its write lock takes a
// setImmediate too). The host takes a worker's snapshot in by slices of a few ms, each slice
// a task of its own: a hover that arrived during one slice waited behind the next slice for
// its handling and behind another for its response's write.
//
// So the host asks, before each slice, whether such a protocol task is queued, and when one
// is it queues its next slice behind it (a setImmediate runs after the ones queued before
// it). What is queued is counted: messages the reader delivered minus those the connection
// handled (its message strategy sees each one), and responses given to the writer whose
// write task has not run yet. The count can drift from what the library really queues (a
// request cancelled before it was handled is dropped unhandled), so a turn given away that
// saw no protocol task run is not given again for the same count, and at most
// MAX_TURNS_GIVEN turns in a row are: a steady stream of messages never starves an arrival.
//
// Order is the library's own: messages are still handled one by one as they came (an edit
// before a hover is applied before the hover reads the text); only the host's work on a
// snapshot waits, and a hover meanwhile answers from the previous complete snapshot.

import type { ConnectionOptions, DataCallback, Disposable, Message, MessageReader, MessageWriter } from 'vscode-languageserver';

/** Slices put off in a row at most, whatever the count says. */
const MAX_TURNS_GIVEN = 8;

export class ProtocolTurns {
  private delivered = 0;
  private handled = 0;
  private unwritten = 0;
  private given = 0;
  /** The counts when the last turn was given away: unchanged since, nothing ran in it. */
  private givenAt = '';

  /** Whether a protocol task waits: the caller runs after it, and asks again. */
  yieldToProtocol(): boolean {
    const counts = `${this.delivered} ${this.handled} ${this.unwritten}`;
    const waiting = this.delivered > this.handled || this.unwritten > 0;
    if (!waiting || this.given >= MAX_TURNS_GIVEN || (this.given > 0 && counts === this.givenAt)) {
      // Counted messages that were never handled will not be (dropped by the library).
      if (this.given > 0 && counts === this.givenAt) this.handled = this.delivered;
      this.given = 0;
      return false;
    }
    this.given++;
    this.givenAt = counts;
    return true;
  }

  /** The reader, counting what it delivers. */
  reader(inner: MessageReader): MessageReader {
    const listen = (callback: DataCallback): Disposable =>
      inner.listen((message: Message) => {
        this.delivered++;
        callback(message);
      });
    return new Proxy(inner, { get: (target, key) => (key === 'listen' ? listen : Reflect.get(target, key, target)) });
  }

  /** The writer, counting the responses whose write task is queued. */
  writer(inner: MessageWriter): MessageWriter {
    const write = (message: Message): Promise<void> => {
      this.unwritten++;
      const written = inner.write(message);
      // Queued after the write lock's own task: runs once that one has.
      setImmediate(() => this.unwritten--);
      return written;
    };
    return new Proxy(inner, { get: (target, key) => (key === 'write' ? write : Reflect.get(target, key, target)) });
  }

  /** The connection's options: its message strategy counts each message it handles. */
  connectionOptions(): ConnectionOptions {
    return {
      messageStrategy: {
        handleMessage: (message, next) => {
          this.handled++;
          next(message);
        },
      },
    };
  }
}
