// The extension's manifest and its .vsix contents: `vsce ls` (the file list `npm run
// package` puts in the .vsix) holds only what the installed extension runs, and the
// manifest's contributions agree with the client's commands and the server's settings.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../server/settings';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function vsceList(): string[] {
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const out = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

describe('the .vsix file list (vsce ls)', () => {
  it('holds only the bundle, the manifest, the grammar, the language configuration, icons, README, LICENSE and the user docs', () => {
    const files = vsceList();
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE(\.md|\.txt)?$/,
      /^dist\/(web\/)?(extension|server)\.js$/,
      // The language server's analysis worker (dist/server.js starts it).
      /^dist\/analysisWorker\.js$/,
      /^syntaxes\/tgraph\.tmLanguage\.json$/,
      /^language-configuration\.json$/,
      /^icons\/tgraph\.(png|svg)$/,
      /^docs\/(guide|LANGUAGE|engine|python|ops)\.md$/,
      /^docs\/[a-z0-9-]+\.png$/,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    // Nothing from sources, tests, node_modules or source maps.
    expect(
      files.filter((f) => /^(test|engine|server|client|cli|scripts|node_modules|examples)\//.test(f) || /\.(ts|map)$/.test(f)),
    ).toEqual([]);
    for (const needed of [
      'package.json',
      'README.md',
      'syntaxes/tgraph.tmLanguage.json',
      'language-configuration.json',
      'icons/tgraph.png',
      'icons/tgraph.svg',
    ]) {
      expect(files).toContain(needed);
    }
    // The bundle is there whenever it is built (`npm test` builds before vitest runs).
    for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/analysisWorker.js', 'dist/web/extension.js', 'dist/web/server.js']) {
      if (existsSync(path.join(root, bundle))) expect(files).toContain(bundle);
    }
  });
});

describe('the extension manifest', () => {
  it('points at files that exist', () => {
    expect(manifest.main).toBe('./dist/extension.js');
    // VS Code for the Web runs the browser entry, which starts dist/web/server.js in a Worker.
    expect(manifest.browser).toBe('./dist/web/extension.js');
    expect(manifest.activationEvents).toContain('onLanguage:tgraph');
    const [language] = manifest.contributes.languages;
    expect(language.id).toBe('tgraph');
    expect(language.extensions).toEqual(['.tgraph']);
    for (const file of [
      manifest.icon,
      language.configuration,
      language.icon.light,
      language.icon.dark,
      manifest.contributes.grammars[0].path,
    ]) {
      expect(existsSync(path.join(root, file)), file).toBe(true);
    }
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: 'tgraph', scopeName: 'source.tgraph' });
    const grammar = JSON.parse(readFileSync(path.join(root, manifest.contributes.grammars[0].path), 'utf8'));
    expect(grammar.scopeName).toBe('source.tgraph');
    // code-server 4.100.3 runs VS Code 1.100.3: the engine range must admit it.
    const [major, minor] = String(manifest.engines.vscode).replace(/^\^/, '').split('.').map(Number);
    expect(major).toBe(1);
    expect(minor).toBeLessThanOrEqual(100);
  });

  it('contributes exactly the commands the client registers, titled "tgraph: ..."', () => {
    const source = readFileSync(path.join(root, 'client', 'activate.ts'), 'utf8');
    const registered = [...source.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    expect(contributed).toEqual(registered);
    expect(contributed).toEqual(
      expect.arrayContaining([
        'tgraph.computeGradients',
        'tgraph.checkGradients',
        'tgraph.explainSum',
        'tgraph.randomiseFeed',
        'tgraph.restartServer',
      ]),
    );
    for (const c of manifest.contributes.commands) expect(c.category).toBe('tgraph');
  });

  it("declares every setting with the server's defaults", () => {
    const props = manifest.contributes.configuration.properties;
    expect(props['tgraph.maxElements'].default).toBe(DEFAULT_SETTINGS.maxElements);
    expect(props['tgraph.maxElements'].default).toBe(10_000_000);
    expect(props['tgraph.evaluationTimeoutMs'].default).toBe(DEFAULT_SETTINGS.evaluationTimeoutMs);
    expect(props['tgraph.inlayHints.shapes'].default).toBe(DEFAULT_SETTINGS.inlayHints.shapes);
    expect(props['tgraph.inlayHints.values'].default).toBe(DEFAULT_SETTINGS.inlayHints.values);
    expect(props['tgraph.check.eps'].default).toBe(DEFAULT_SETTINGS.check.eps);
    expect(props['tgraph.check.atol'].default).toBe(DEFAULT_SETTINGS.check.atol);
    expect(props['tgraph.check.rtol'].default).toBe(DEFAULT_SETTINGS.check.rtol);
    expect(props['tgraph.trace.server']).toMatchObject({ enum: ['off', 'messages', 'verbose'], default: 'off' });
  });
});

describe("the client's crash policy", () => {
  it('restarts a dying server, tells the user once, and gives up on a crash loop until reset', async () => {
    const { CrashPolicy } = await import('../../client/crashPolicy');
    const policy = new CrashPolicy(5, 180_000);
    const decisions = [0, 1000, 2000, 3000, 4000].map((t) => policy.onClosed(t));
    expect(decisions.map((d) => d.restart)).toEqual([true, true, true, true, true]);
    expect(decisions.map((d) => d.tellUser)).toEqual([true, false, false, false, false]);
    const sixth = policy.onClosed(5000);
    expect(sixth).toMatchObject({ restart: false, tellUser: true });
    expect(sixth.message).toMatch(/Restart server/);
    // Crashes older than the window no longer count.
    expect(policy.onClosed(5000 + 180_000 + 1).restart).toBe(true);
    policy.reset();
    expect(policy.onClosed(400_000)).toMatchObject({ restart: true, tellUser: false });
  });
});
