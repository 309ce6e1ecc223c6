/**
 * A guest's serial console over the unix socket of a `<serial type='unix'>` chardev (QEMU
 * listens, we connect): wait for what the guest prints, and run shell commands on the mini
 * guest's root shell with their output and exit status.
 */
import { connect, type Socket } from 'node:net';

/** What a command printed and its exit status. */
export interface ShellResult {
  output: string;
  status: number;
}

/** A connected serial console. */
export class SerialConsole {
  private text = '';
  private commands = 0;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8').on('data', (d: string) => (this.text += d));
  }

  /** Connects to the chardev socket at `path`, retrying for up to `timeoutMs` while QEMU creates it. */
  static async connect(path: string, timeoutMs = 10_000): Promise<SerialConsole> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        socket.on('error', () => undefined);
        return new SerialConsole(socket);
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`cannot connect to the serial console at ${path}: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Everything the guest printed since the connection opened. */
  get output(): string {
    return this.text;
  }

  /** Waits until the output (from offset `from`) matches `re`; returns the match. */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.text.slice(from).match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`the guest did not print ${re} within ${timeoutMs} ms; its console ended with:\n${this.text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Runs `command` on the guest's shell and returns what it printed and its exit status. The
   * markers are printed with printf so the terminal's echo of the typed line never matches them.
   */
  async run(command: string, timeoutMs = 30_000): Promise<ShellResult> {
    const n = ++this.commands;
    const from = this.text.length;
    this.socket.write(`printf '%s-%s\\n' OB BEGIN${n}; ${command}; printf '%s-%s-%s\\n' OB END${n} $?\n`);
    const end = await this.waitFor(new RegExp(`OB-END${n}-(\\d+)`), timeoutMs, from);
    const slice = this.text.slice(from);
    const begin = slice.indexOf(`OB-BEGIN${n}`);
    const body = slice.slice(begin + `OB-BEGIN${n}`.length, end.index).replace(/^\r?\n/, '');
    return { output: body.replace(/\r/g, ''), status: Number(end[1]) };
  }

  /** Closes the connection (the guest keeps running). */
  close(): void {
    this.socket.destroy();
  }
}
