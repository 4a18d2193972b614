// The README inside the .vsix is what the Marketplace page and VS Code's extension details
// view show. Packages the extension as `npm run package` does (same vsce flags, into a
// temporary folder), opens the .vsix, and follows every link and image of the packaged
// README, and of the packaged documents it links to: a relative one must be a file of the
// package (and its #anchor a heading there), an absolute one must point into this
// repository (package.json's `repository`) at a file that exists at that path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// markdown-it ships no types; this is the little of its token API the test reads.
interface MdToken {
  type: string;
  tag: string;
  content: string;
  children: MdToken[] | null;
  attrGet(name: string): string | null;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (options: { html: boolean }) => { parse(src: string, env: object): MdToken[] };

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const markdown = new MarkdownIt({ html: true });

interface Reference {
  kind: 'link' | 'image';
  target: string;
}

/** Every link and image target of a markdown document, inline HTML included. */
function references(source: string): { refs: Reference[]; anchors: Set<string> } {
  const refs: Reference[] = [];
  const anchors = new Set<string>();
  const fromHtml = (html: string) => {
    for (const m of html.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) refs.push({ kind: 'image', target: m[1] });
    for (const m of html.matchAll(/<a\b[^>]*\bhref\s*=\s*["']([^"']+)["']/gi)) refs.push({ kind: 'link', target: m[1] });
  };
  const tokens = markdown.parse(source, {});
  tokens.forEach((token, i) => {
    if (token.type === 'heading_open') anchors.add(githubSlug(tokens[i + 1].content));
    if (token.type === 'html_block') fromHtml(token.content);
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') refs.push({ kind: 'link', target: child.attrGet('href') ?? '' });
      if (child.type === 'image') refs.push({ kind: 'image', target: child.attrGet('src') ?? '' });
      if (child.type === 'html_inline') fromHtml(child.content);
    }
  });
  return { refs, anchors };
}

/** The anchor GitHub (and VS Code's markdown preview) gives a heading. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** https://github.com/OWNER/REPO from package.json's repository, if it names one. */
function repositoryUrl(): string | null {
  const repo = manifest.repository;
  const url: string | undefined = typeof repo === 'string' ? repo : repo?.url;
  if (!url) return null;
  return url
    .replace(/^git\+/, '')
    .replace(/\.git$/, '')
    .replace(/\/$/, '');
}

/** The file of this repository an absolute URL points at, or why it does not. */
function repositoryPath(url: string): { path: string } | { problem: string } {
  const repo = repositoryUrl();
  if (!repo) return { problem: 'an absolute link, but package.json names no repository to check it against' };
  const raw = repo.replace('https://github.com/', 'https://raw.githubusercontent.com/');
  for (const prefix of [`${repo}/blob/`, `${repo}/raw/`, `${raw}/`]) {
    if (url.startsWith(prefix)) {
      const rest = url.slice(prefix.length).split('#')[0].split('?')[0];
      return { path: rest.split('/').slice(1).join('/') }; // after the branch name
    }
  }
  return { problem: `an absolute link outside the repository ${repo}` };
}

function trackedInRepository(file: string): boolean {
  const out = execFileSync('git', ['ls-files', '--', file], { cwd: root, encoding: 'utf8' });
  return out.trim() === file;
}

let workDir: string;
let vsix: JSZip;
let readmePath: string;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'extension.js')) || !existsSync(path.join(root, 'dist', 'server.js'))) {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
  }
  // The flags of `npm run package`, so this checks the package users get.
  const script: string = manifest.scripts.package;
  const flags = script
    .slice(script.indexOf('vsce package') + 'vsce package'.length)
    .trim()
    .split(/\s+/);
  workDir = mkdtempSync(path.join(os.tmpdir(), 'tgraph-vsix-'));
  const out = path.join(workDir, 'tgraph.vsix');
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', ...flags, '--out', out], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  vsix = await JSZip.loadAsync(readFileSync(out));
  // vsce renames the README; the manifest's Details asset says where it is.
  const vsixManifest = await vsix.file('extension.vsixmanifest')!.async('string');
  const details = /Type="Microsoft\.VisualStudio\.Services\.Content\.Details"\s+Path="extension\/([^"]+)"/.exec(vsixManifest);
  readmePath = details ? details[1] : '';
}, 180_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packaged README', () => {
  it('is in the package, with at least one image', async () => {
    expect(readmePath).toMatch(/^readme\.md$/i);
    const readme = await vsix.file(`extension/${readmePath}`)?.async('string');
    expect(readme).toBe(readFileSync(path.join(root, 'README.md'), 'utf8'));
    expect(references(readme!).refs.filter((r) => r.kind === 'image').length).toBeGreaterThan(0);
  });

  it('has every link and image resolve, in it and in the packaged documents it links to', async () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue = [readmePath];
    let checked = 0;
    while (queue.length > 0) {
      const doc = queue.shift()!;
      if (seen.has(doc)) continue;
      seen.add(doc);
      const source = await vsix.file(`extension/${doc}`)!.async('string');
      const { refs, anchors } = references(source);
      for (const { kind, target } of refs) {
        checked++;
        const where = `${doc}: ${kind} ${target}`;
        if (/^mailto:/.test(target)) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          const inRepo = repositoryPath(target);
          if ('problem' in inRepo) problems.push(`${where}: ${inRepo.problem}`);
          else if (!trackedInRepository(inRepo.path)) problems.push(`${where}: ${inRepo.path} is not a file of the repository`);
          continue;
        }
        const [file, anchor] = target.split('#');
        const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURIComponent(file))) : doc;
        const entry = vsix.file(`extension/${resolved}`);
        if (!entry) {
          problems.push(`${where}: ${resolved} is not in the package`);
          continue;
        }
        if (kind === 'image') {
          const bytes = await entry.async('uint8array');
          const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
          const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
          // The Marketplace refuses SVG images in a README.
          if (!png && !jpeg) problems.push(`${where}: not a PNG or JPEG image`);
        }
        if (resolved.endsWith('.md')) {
          if (anchor) {
            const targetAnchors = resolved === doc ? anchors : references(await entry.async('string')).anchors;
            if (!targetAnchors.has(anchor)) problems.push(`${where}: no heading #${anchor} in ${resolved}`);
          }
          queue.push(resolved);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(5);
    expect([...seen]).toEqual(expect.arrayContaining([readmePath, 'docs/guide.md', 'docs/LANGUAGE.md']));
  });
});

describe('the link checker', () => {
  it('finds markdown links, images, reference links and inline HTML, but not code', () => {
    const { refs, anchors } = references(
      [
        '# A Title: with punctuation',
        '[a](docs/a.md#x) ![b](img/b.png) [c][ref] <img src="c.png"> `[not](code.md)`',
        '```',
        '[nor](fenced.md)',
        '```',
        '[ref]: https://example.org/ref',
      ].join('\n'),
    );
    expect(refs).toEqual([
      { kind: 'link', target: 'docs/a.md#x' },
      { kind: 'image', target: 'img/b.png' },
      { kind: 'link', target: 'https://example.org/ref' },
      { kind: 'image', target: 'c.png' },
    ]);
    expect([...anchors]).toEqual(['a-title-with-punctuation']);
  });
});
