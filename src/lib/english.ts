/** Small helpers for the English sentences of error messages. */

/** "1 instance", "2 instances"; irregular plurals are given ("1 address", "2 addresses"). */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** Bytes as GiB with one decimal, e.g. "1.5 GiB". */
export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** Names quoted and joined: 'a', 'b' (quoted, so the UI can pick them out when it translates the sentence). */
export function quotedNames(names: string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}
