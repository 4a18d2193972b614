// Workspace trust: whether the documents of this workspace may make the server read files.
// The one thing a .tgraph file can read is a .npy file through load(); in a workspace the
// user has not trusted (VS Code's workspace trust), load() is disabled with a diagnostic
// that says why, and everything else works.
//
// The client says whether the workspace is trusted in `initializationOptions.workspaceTrusted`
// and sends `tgraph/workspaceTrust` ({trusted: true}) when the user grants trust later (VS
// Code cannot take trust back without reloading the window, which restarts the server).
// A client that says nothing is trusted: other editors (`tgraph lsp --stdio` from Neovim,
// Emacs, Helix...) have no workspace trust, and their users open files deliberately, as with
// the CLI. load() still never reads outside the workspace folders.

import type { LoadContext } from '../engine/ops/npy';

/** The diagnostic code of a load() in an untrusted workspace. */
export const UNTRUSTED_LOAD_CODE = 'load-untrusted';

/** The engine prefixes it with "load() is disabled: ". */
export const UNTRUSTED_LOAD_REASON = 'this workspace is not trusted (VS Code workspace trust); trust the workspace to read .npy files';

export class WorkspaceTrust {
  private trustedNow: boolean;

  constructor(trusted = true) {
    this.trustedNow = trusted;
  }

  /** From the initialize request's `initializationOptions`: only an explicit
   *  `workspaceTrusted: false` makes the workspace untrusted. */
  static fromInitializationOptions(options: unknown): WorkspaceTrust {
    const flag = options !== null && typeof options === 'object' ? (options as { workspaceTrusted?: unknown }).workspaceTrusted : undefined;
    return new WorkspaceTrust(flag !== false);
  }

  get trusted(): boolean {
    return this.trustedNow;
  }

  /** Applies a `tgraph/workspaceTrust` notification; true when the trust changed (the open
   *  documents should be analysed again). Anything but `{trusted: boolean}` is ignored. */
  update(params: unknown): boolean {
    const trusted = params !== null && typeof params === 'object' ? (params as { trusted?: unknown }).trusted : undefined;
    if (typeof trusted !== 'boolean' || trusted === this.trustedNow) return false;
    this.trustedNow = trusted;
    return true;
  }

  /** The load context as trust allows it: unchanged when trusted, disabled with the reason
   *  and code otherwise. */
  restrict(load: Partial<LoadContext> | undefined): Partial<LoadContext> | undefined {
    if (this.trustedNow) return load;
    return { ...load, enabled: false, disabledReason: UNTRUSTED_LOAD_REASON, disabledCode: UNTRUSTED_LOAD_CODE };
  }
}
