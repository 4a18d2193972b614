// Snapshots sent as deltas (engine/api/snapshotDelta.ts): after random edit sequences on the
// example files and the 1,000-layer chain file, the snapshot the host rebuilt from the
// worker's deltas equals the one made from scratch for the same text (a fresh analysis, no
// delta), field by field. The worker's messages go through a structured clone with their
// buffers transferred, as between threads; explanations asked for by hovers on the way must
// be carried over too.

import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeInStages, type AnalysisOptions } from '../../engine/analysis';
import { explainedHover, keptHeads, snapshotOf, statementsTakenOver } from '../../engine/api/facts';
import { EXPLANATION_PENDING, OCC_FIELDS, type DocumentSnapshot } from '../../engine/api/snapshot';
import { applySnapshotDelta, deltaComparisons, snapshotDelta, textShift } from '../../engine/api/snapshotDelta';
import { AnalysisHost } from '../../engine/api/worker/host';
import { AnalysisService } from '../../engine/api/worker/service';
import type { Channel, FromWorker, ToWorker } from '../../engine/api/worker/messages';
import { generatedChainFile } from '../../bench/editorScenarios';
import { Rng } from '../support/engine';

const ROOT = path.resolve(__dirname, '..', '..');

/** What the service last sent of its one document, whole (its own copy, which deltas are
 *  made against): read from outside, for the comparison only. */
type Sent = () => DocumentSnapshot | undefined;

/** The service behind a structured clone, buffers transferred: what a worker thread sees. */
function clonedChannel(counts: { whole: number; deltas: number }, expose: (sent: Sent) => void): Channel {
  const listeners: ((m: FromWorker) => void)[] = [];
  let closed = false;
  const service: AnalysisService = new AnalysisService((m, transfer) => {
    if (m.type === 'snapshot') counts.whole++;
    if (m.type === 'snapshotDelta') counts.deltas++;
    const copy = structuredClone(m, { transfer });
    if (!closed) setTimeout(() => listeners.forEach((l) => l(copy)), 0);
  });
  expose(() => {
    const docs = (service as unknown as { docs: Map<number, { sent?: { snapshot: DocumentSnapshot } }> }).docs;
    return [...docs.values()][0]?.sent?.snapshot;
  });
  return {
    post: (m: ToWorker) => {
      const copy = structuredClone(m);
      if (!closed) setTimeout(() => service.handle(copy), 0);
    },
    onMessage: (l) => listeners.push(l),
    onExit: () => undefined,
    terminate: () => {
      closed = true;
    },
  };
}

class Session {
  sent: Sent = () => undefined;
  readonly counts = { whole: 0, deltas: 0 };
  private waiting: { version: number; resolve: (s: DocumentSnapshot) => void } | undefined;
  readonly host = new AnalysisHost(
    {
      snapshot: (_uri, version, snapshot) => {
        if (this.waiting && this.waiting.version === version) this.waiting.resolve(snapshot);
      },
      stopped: () => undefined,
      log: (m) => {
        throw new Error(`unexpected log: ${m}`);
      },
    },
    { connect: () => clonedChannel(this.counts, (sent) => (this.sent = sent)), limits: () => ({ graceMs: 60_000, heapMb: 4096 }) },
  );

  analyse(version: number, text: string): Promise<DocumentSnapshot> {
    return new Promise((resolve) => {
      this.waiting = { version, resolve };
      this.host.analyse('file:///doc.tgraph', version, text, UNHURRIED);
    });
  }
}

/** Both sides explain without a clock: an explanation that ran out of its time on a loaded
 *  machine ("counted from the axes") would differ from one that did not. */
const UNHURRIED = { explainTimeoutMs: 3_600_000 };

/** Whole-file edits that keep most of the text, and break and mend statements on the way. */
const INSERTS = ['1', ' + 1.', '\n', ')', '\ny = 2.\n', '# a comment\n', '\n# two\n# comment lines\n', 'a', '(', '\nassert 1 > 2\n'];

/** The .tgraph files under `dir`, relative to it. */
function listTgraph(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.tgraph'))
    .sort();
}

function randomEdit(text: string, rng: Rng, tailOnly: boolean): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const from = tailOnly ? Math.floor(lineStarts.length * 0.9) : 0;
  const line = from + Math.floor(rng.next() * (lineStarts.length - from));
  const start = lineStarts[line];
  const end = line + 1 < lineStarts.length ? lineStarts[line + 1] : text.length;
  const lineText = text.slice(start, end);
  switch (Math.floor(rng.next() * 4)) {
    case 0: {
      // Another number where there is one (values change, offsets may move).
      const m = /\d+(\.\d*)?/.exec(lineText);
      if (m) return text.slice(0, start + m.index) + String(Math.floor(rng.next() * 300) / 10) + text.slice(start + m.index + m[0].length);
      return text.slice(0, start) + '# ' + text.slice(start);
    }
    case 1:
      // A line gone: later bindings may lose their input.
      return text.slice(0, start) + text.slice(end);
    default: {
      const at = start + Math.floor(rng.next() * (lineText.length + 1));
      return text.slice(0, at) + INSERTS[Math.floor(rng.next() * INSERTS.length)] + text.slice(at);
    }
  }
}

/** The snapshot of `text` made from scratch; its explained hovers where `actual` has them
 *  (an explanation asked for on an earlier version stays with an unchanged binding). */
function fromScratch(text: string, version: number, actual: DocumentSnapshot): DocumentSnapshot {
  const analysis = analyzeInStages(text, UNHURRIED).finish();
  const expected = snapshotOf(analysis, { version, explain: false });
  expected.targets.forEach((t, i) => {
    const got = actual.targets[i];
    if (got && got.hover !== t.hover && t.hover.includes(EXPLANATION_PENDING) && !got.hover.includes(EXPLANATION_PENDING))
      expected.targets[i] = { ...t, hover: explainedHover(analysis, i)! };
  });
  return expected;
}

function comparable(s: DocumentSnapshot): DocumentSnapshot {
  return { ...s, status: { ...s.status, milliseconds: 0 }, explaining: [] };
}

async function editSequence(text: string, edits: number, seed: number, tailOnly: boolean, explainEvery: number): Promise<Session> {
  const rng = new Rng(seed);
  const session = new Session();
  let version = 1;
  let snapshot = await session.analyse(version, text);
  expect(comparable(snapshot)).toEqual(comparable(fromScratch(text, version, snapshot)));
  for (let step = 0; step < edits; step++) {
    text = randomEdit(text, rng, tailOnly);
    snapshot = await session.analyse(++version, text);
    if (explainEvery > 0 && step % explainEvery === 0 && snapshot.explaining.length > 0) {
      const target = snapshot.explaining[Math.floor(rng.next() * snapshot.explaining.length)];
      await session.host.request('file:///doc.tgraph', 'explainTarget', target);
    }
    // The worker's own snapshot of this version, explanations included, exactly...
    expect(comparable(snapshot), `step ${step}`).toEqual(comparable(session.sent()!));
    // ...and a fresh analysis's (its gradients explained where the worker's are).
    expect(comparable(snapshot), `step ${step}`).toEqual(comparable(fromScratch(text, version, snapshot)));
  }
  session.host.dispose();
  return session;
}

describe('snapshot deltas', () => {
  const examples = fs
    .readdirSync(path.join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.tgraph'))
    .sort();

  it.each(examples)('rebuild the snapshot made from scratch after random edits of %s', async (file) => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8');
    const session = await editSequence(text, 12, file.length * 7919, false, 3);
    expect(session.counts.whole).toBe(1);
    expect(session.counts.deltas).toBe(12);
  });

  it('rebuild the chain file snapshot after edits near its end, and are small there', async () => {
    const session = await editSequence(generatedChainFile(), 4, 15, true, 2);
    expect(session.counts.deltas).toBe(4);
  }, 180_000);

  it('carry only what changed: an end edit of the chain file sends a few targets, not a thousand', () => {
    const text = generatedChainFile();
    const edited = text.replace(/loss = reduce_sum\((h\d+) \* 1\.5\)/, 'loss = reduce_sum($1 * 2.5)');
    const before = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
    const previous = analyzeInStages(text, {}).finish();
    const after = snapshotOf(analyzeInStages(edited, { previous, cache: previous.valueCache }).finish(), { version: 2, explain: false });
    const delta = snapshotDelta(before, text, after, edited);
    expect(before.targets.length).toBeGreaterThan(1000);
    expect(delta.targets.middle.map((t) => t.name)).toEqual(['loss']);
    expect(delta.hints.middle.length).toBeLessThanOrEqual(2);
    expect(delta.occurrences.middle.length).toBeLessThanOrEqual(5 * 4);
    expect(comparable(applySnapshotDelta(before, delta))).toEqual(comparable(after));
  }, 120_000);

  it('keep as the very same objects the kept items an edit does not move', () => {
    // The receiving thread allocates only for what moved: here, nothing before the edit.
    const text = generatedChainFile(100, 20);
    const edited = text.replace(/loss = reduce_sum\((h\d+) \* 1\.5\)/, 'loss = reduce_sum($1 * 12.5)');
    const before = snapshotOf(analyzeInStages(text, {}).finish(), { version: 1, explain: false });
    const after = snapshotOf(analyzeInStages(edited, {}).finish(), { version: 2, explain: false });
    const applied = applySnapshotDelta(before, snapshotDelta(before, text, after, edited));
    expect(comparable(applied)).toEqual(comparable(after));
    const editAt = text.indexOf('loss = ');
    const unmoved = before.targets.filter((t) => t.definition && t.definition.end < editAt);
    expect(unmoved.length).toBeGreaterThan(100);
    for (const t of unmoved) expect(applied.targets).toContain(t);
    for (const list of ['hints', 'symbols'] as const)
      expect(applied[list].filter((item) => (before[list] as object[]).includes(item)).length).toBeGreaterThan(100);
  });

  // The worker makes each snapshot from the previous one for the statements its analysis
  // kept (facts.ts, `previous`): whatever the edit, that must be the snapshot made from
  // scratch. Taking a kept statement's description over shows in its targets being the very
  // objects of the previous snapshot (a snapshot made from scratch makes its own).
  async function keptSequence(
    text: string,
    edits: number,
    seed: number,
    tailOnly: boolean,
    options: AnalysisOptions = {},
    edit: (text: string, rng: Rng, step: number) => string = (t, rng, step) =>
      step % 5 === 4 ? t + 'tanh = 2.\n' : randomEdit(t, rng, tailOnly),
  ): Promise<{ taken: number; takenOver: number }> {
    const rng = new Rng(seed);
    let analysis = analyzeInStages(text, options).finish();
    let snapshot = snapshotOf(analysis, { version: 1, explain: false });
    let taken = 0;
    let takenOver = 0;
    for (let step = 0; step < edits; step++) {
      const before = text;
      text = edit(text, rng, step);
      const next = analyzeInStages(text, { ...options, previous: analysis, cache: analysis.valueCache }).finish();
      const made = snapshotOf(next, { version: step + 2, explain: false, previous: snapshot });
      const expected = snapshotOf(analyzeInStages(text, options).finish(), { version: step + 2, explain: false });
      expect(comparable(made), `step ${step}`).toEqual(comparable(expected));
      const shared = made.targets.findIndex((t) => t.kind === 'op' || t.kind === 'keyword');
      if (shared >= 0 && snapshot.targets.includes(made.targets[shared])) taken++;
      if (statementsTakenOver(made) > 0) takenOver++;
      // The delta that starts its comparisons after what the snapshot says it took over
      // rebuilds it too.
      const known = keptHeads(snapshot, made);
      expect(known === null, `step ${step}`).toBe(statementsTakenOver(made) === 0);
      const delta = snapshotDelta(snapshot, before, made, text, known);
      expect(comparable(applySnapshotDelta(snapshot, delta)), `step ${step}`).toEqual(comparable(made));
      analysis = next;
      snapshot = made;
    }
    return { taken, takenOver };
  }

  it.each(examples)('make from the kept statements the snapshot made from scratch, after random edits of %s', async (file) => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8');
    await keptSequence(text, 15, file.length * 104729, file.length % 2 === 0);
  });

  it('make the chain file snapshot from its kept statements after edits near its end', async () => {
    const { taken, takenOver } = await keptSequence(generatedChainFile(), 10, 17, true);
    // Most end edits keep the statements before them (a binding of an op's name does not).
    expect(taken).toBeGreaterThanOrEqual(4);
    expect(takenOver).toBeGreaterThanOrEqual(4);
  }, 180_000);

  // Every fixture, sampled edits anywhere (or near the end), under budgets small enough that
  // the hostile ones stop at the same statement every time (a clock would not).
  const fixtures = listTgraph(path.join(ROOT, 'test', 'fixtures'));
  const SMALL_BUDGETS: AnalysisOptions = { maxElements: 100_000, maxTotalElements: 400_000, maxGraphNodes: 20_000, maxCallDepth: 12 };
  it.each(fixtures)('make from the kept statements the snapshot made from scratch, after sampled edits of fixture %s', async (file) => {
    const text = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', file), 'utf8');
    await keptSequence(text, 8, file.length * 7907, file.length % 2 === 1, SMALL_BUDGETS);
  });

  it('take over the statements before an edit at the end whatever it adds, removes or moves', async () => {
    // Bindings added (later targets move), one named before it removed, comment runs that
    // the cut is in or goes on from: each step is compared with the snapshot made from scratch.
    const steps = [
      (t: string) => t + '# one\n# run\n',
      (t: string) => t + '# goes on\nz = x * 2.\n',
      (t: string) => t + 'u = z + 1.\nv = u * u\n',
      (t: string) => t.replace(/v = u \* u\n$/, ''),
      (t: string) => t + '\n\n# after a gap\n',
      (t: string) => t.replace(/# after a gap\n$/, '# after a gap, longer\nw = tanh(u)\n'),
      (t: string) => t.replace(/u = z \+ 1\.\n/, 'u = z + 1.5\n'),
      (t: string) => t.replace('later = 3.\n', ''),
      (t: string) => t + 'later = 4.\n',
    ];
    const text = 'x = placeholder(float32, [2])\nfeed x = [1., 2.]\n# a\n# block\ny = reduce_sum(tanh(x) * later)\nlater = 3.\n';
    const { takenOver } = await keptSequence(text, steps.length, 1, true, {}, (t, _rng, step) => steps[step](t));
    expect(takenOver).toBeGreaterThanOrEqual(steps.length - 2);
  });

  it('take over the statements before an edit right at the end of the last one', async () => {
    // Text added right after a statement (no final newline) may continue it: that one is read
    // again, those before it are taken over, and a value hint at its end goes with the edit.
    const steps = [(t: string) => t + '\nc = b * 2.', (t: string) => t + '\n# done', (t: string) => t + '\nd = c']; // no final newline
    const { takenOver } = await keptSequence('a = 2.\nb = a * 3.', steps.length, 1, true, {}, (t, _rng, step) => steps[step](t));
    expect(takenOver).toBeGreaterThanOrEqual(1);
  });

  it('move the hints and lenses after a feed whose edit moved them in place', async () => {
    // A feed's edit is taken without building again: the statements after it move in place,
    // and what was made of them before (a binding's hints, a statement's lenses) must move too,
    // whether or not its value depends on the feed.
    const text = 'x = placeholder(float32, [2])\nfeed x = [1., 2.]\nk = 3. * 2.\ny = reduce_sum(x * k)\ng = gradients(y, x)[0]\n';
    const values = ['10.5', '7.', '123.25', '1.'];
    await keptSequence(text, values.length, 1, true, {}, (t, _rng, step) => t.replace(/feed x = \[[^,]*,/, `feed x = [${values[step]},`));
  });

  it('shift offsets after the edited region only', () => {
    expect(textShift('a = 1\nb = 2\n', 'a = 1\nb = 22\n')).toEqual({ from: 11, by: 1 });
    expect(textShift('abc', 'abc')).toEqual({ from: 3, by: 0 });
    expect(textShift('aa', 'aaa')).toEqual({ from: 2, by: 1 });
    expect(textShift('xaa', 'aa')).toEqual({ from: 1, by: -1 });
  });

  it('compare the occurrence rows an end edit changed, not the file: the kept rows are known the same', () => {
    // The kept statements' rows point at the kept bindings and at the op and keyword targets
    // made after the bindings; the edit's own binding target sits between the two, so the
    // latter stay as the targets' tail. (Before, every row of the chain file was compared
    // again per end edit: 5,111 of its 5,114.)
    const lines = generatedChainFile().split('\n');
    const last = lines.length - 2;
    let text = lines.join('\n');
    let analysis = analyzeInStages(text, {}).finish();
    let snapshot = snapshotOf(analysis, { version: 1, explain: false });
    for (let step = 0; step < 3; step++) {
      lines[last] = lines[last].replace(/\d+\.\d/, `${step + 2}.5`);
      const edited = lines.join('\n');
      const next = analyzeInStages(edited, { previous: analysis, cache: analysis.valueCache }).finish();
      const made = snapshotOf(next, { version: step + 2, explain: false, previous: snapshot });
      const known = keptHeads(snapshot, made);
      expect(known).not.toBeNull();
      const compared = { ...deltaComparisons };
      const delta = snapshotDelta(snapshot, text, made, edited, known);
      const rows = made.occurrences.length / OCC_FIELDS;
      expect(rows).toBeGreaterThan(5000);
      expect(delta.occurrences.head + delta.occurrences.tail).toBeGreaterThanOrEqual(rows - 4);
      expect(deltaComparisons.occurrences - compared.occurrences).toBeLessThanOrEqual(8);
      expect(deltaComparisons.items - compared.items).toBeLessThanOrEqual(40);
      expect(comparable(applySnapshotDelta(snapshot, delta))).toEqual(comparable(made));
      analysis = next;
      snapshot = made;
      text = edited;
    }
  }, 120_000);
});
