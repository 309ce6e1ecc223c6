/**
 * Reverter: undo steps for multi-step side effects (after Incus). Register an undo after each
 * step; on failure call revert() to undo in reverse order; on success call success() to forget.
 */
import { log } from './log.js';

/** Collects undo functions and runs them in reverse on failure. */
export class Reverter {
  private undos: { label: string; fn: () => unknown }[] = [];

  /** Registers an undo for a step that has just succeeded. */
  add(label: string, fn: () => unknown): void {
    this.undos.push({ label, fn });
  }

  /** Runs every registered undo in reverse order; failures are logged, never thrown. Returns the labels of undos that failed. */
  async revert(): Promise<string[]> {
    const steps = this.undos.reverse();
    this.undos = [];
    const failed: string[] = [];
    for (const step of steps) {
      try {
        await step.fn();
      } catch (err) {
        failed.push(step.label);
        log.warn('revert step failed', { step: step.label, error: String(err) });
      }
    }
    return failed;
  }

  /** Forgets the undos: the whole operation succeeded. */
  success(): void {
    this.undos = [];
  }

  /** Runs `work` with a fresh reverter: on throw, reverts and rethrows (as RevertError when an undo failed); on success, forgets. */
  static async run<T>(work: (reverter: Reverter) => Promise<T>): Promise<T> {
    const reverter = new Reverter();
    try {
      const result = await work(reverter);
      reverter.success();
      return result;
    } catch (err) {
      const failed = await reverter.revert();
      if (failed.length > 0) throw new RevertError(err, failed);
      throw err;
    }
  }
}

/** The work failed and some of its undo steps failed too: something may be left behind. */
export class RevertError extends Error {
  override name = 'RevertError';
  constructor(
    /** The error that started the revert. */
    readonly original: unknown,
    /** Labels of the undo steps that failed. */
    readonly failedSteps: string[],
  ) {
    super(`${original instanceof Error ? original.message : String(original)} (and cleaning up failed at: ${failedSteps.join(', ')})`);
  }
}
