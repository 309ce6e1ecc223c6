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

  /** Runs every registered undo in reverse order; failures are logged, never thrown. */
  async revert(): Promise<void> {
    const steps = this.undos.reverse();
    this.undos = [];
    for (const step of steps) {
      try {
        await step.fn();
      } catch (err) {
        log.warn('revert step failed', { step: step.label, error: String(err) });
      }
    }
  }

  /** Forgets the undos: the whole operation succeeded. */
  success(): void {
    this.undos = [];
  }

  /** Runs `work` with a fresh reverter: on throw, reverts and rethrows; on success, forgets. */
  static async run<T>(work: (reverter: Reverter) => Promise<T>): Promise<T> {
    const reverter = new Reverter();
    try {
      const result = await work(reverter);
      reverter.success();
      return result;
    } catch (err) {
      await reverter.revert();
      throw err;
    }
  }
}
