// A Channel that runs the analysis service on the calling thread: for hosts without workers
// and for tests of the protocol between host and service. Messages are delivered as
// macrotasks, as a worker's would be; nothing can be stopped by force.

import { AnalysisService } from './service';
import type { Channel, FromWorker, ToWorker } from './messages';

export function inProcessChannel(): Channel {
  const listeners: ((m: FromWorker) => void)[] = [];
  let closed = false;
  const service = new AnalysisService((m) => {
    if (!closed) setTimeout(() => listeners.forEach((l) => l(m)), 0);
  });
  return {
    post: (m: ToWorker) => {
      if (closed) return;
      // A same-thread service has no shared memory: it is never cancelled mid-turn.
      const message = m.type === 'init' ? { ...m, control: null } : m;
      setTimeout(() => service.handle(message), 0);
    },
    onMessage: (l) => listeners.push(l),
    onExit: () => undefined,
    terminate: () => {
      closed = true;
    },
  };
}
