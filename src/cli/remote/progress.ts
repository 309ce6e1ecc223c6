/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */

/** What a bar shows. */
export interface ProgressBar {
  /** Sets the fraction done (0–1) and the text after the bar. */
  update(fraction: number, text: string): void;
  /** Ends the line. */
  done(): void;
}

/** Bytes as a short human figure. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The bar's text for `fraction`: `[#####-----]  50% label`. */
export function barText(fraction: number, label: string, width = 30): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${label}`;
}

/** A bar on `stream` when it is a TTY; a bar that draws nothing otherwise. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let last = '';
  let lastAt = 0;
  let drawn = false;
  return {
    update(fraction, text) {
      const line = barText(fraction, text);
      const now = Date.now();
      if (line === last || (now - lastAt < 100 && fraction < 1)) return;
      last = line;
      lastAt = now;
      drawn = true;
      stream.write(`\r\x1b[K${line}`);
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
