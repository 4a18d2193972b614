// When the language server dies: restart it, tell the user once per session, and give up
// (until "tgraph: Restart server") when it keeps dying — a crash loop would otherwise spin
// forever. Kept apart from the vscode API so it can be tested as plain logic.

export interface CrashDecision {
  restart: boolean;
  tellUser: boolean;
  message: string;
}

export class CrashPolicy {
  private crashTimes: number[] = [];
  private told = false;

  constructor(
    private readonly maxCrashes = 5,
    private readonly windowMs = 3 * 60_000,
  ) {}

  onClosed(now: number): CrashDecision {
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.windowMs);
    this.crashTimes.push(now);
    if (this.crashTimes.length > this.maxCrashes) {
      return {
        restart: false,
        tellUser: true,
        message: `The tgraph language server stopped ${this.crashTimes.length} times in ${this.windowMs / 60_000} minutes and will not be restarted. Run "tgraph: Restart server" to try again; the "tgraph" output has details.`,
      };
    }
    const tellUser = !this.told;
    this.told = true;
    return {
      restart: true,
      tellUser,
      message: 'The tgraph language server stopped unexpectedly and was restarted. The "tgraph" output has details.',
    };
  }

  /** After a manual restart the count starts again. */
  reset(): void {
    this.crashTimes = [];
  }
}
