// Installs Debian packages a test harness needs (code-server's build tools, chromium, neovim),
// when they are missing. Several people (and CI) share a machine, so another apt-get may
// hold the dpkg or lists lock: we wait for it instead of failing.
import { spawnSync } from 'node:child_process';

const lockWaitSeconds = 600;

/** The packages of `names` that dpkg does not report as installed. */
export function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** apt-get with the lock timeouts; a lock apt does not wait for by itself (the lists lock
 *  of `update`) is retried every few seconds until `lockWaitSeconds` have passed. */
function aptGet(args, log) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = ['-o', `DPkg::Lock::Timeout=${lockWaitSeconds}`, '-q'];
  const deadline = Date.now() + lockWaitSeconds * 1000;
  for (;;) {
    const r = spawnSync('apt-get', [...options, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
    if (r.status === 0) return;
    const stderr = r.stderr ?? '';
    const locked = /Could not get lock|Unable to lock|is another process using it/i.test(stderr);
    if (!locked || Date.now() > deadline) {
      process.stderr.write(stderr);
      throw new Error(`apt-get ${args.join(' ')} failed with exit code ${r.status}`);
    }
    log(`apt-get ${args[0]}: another apt holds the lock; waiting`);
    spawnSync('sleep', ['5']);
  }
}

/** Installs whichever of `names` are missing (as root; otherwise says what to run). */
export function ensureDebianPackages(names, log) {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} (install them as root: apt-get install ${missing.join(' ')})`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  aptGet(['update'], log);
  aptGet(['install', '-y', '--no-install-recommends', ...missing], log);
}
