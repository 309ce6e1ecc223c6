/** Counted nouns in server sentences: "1 instance", "2 instances" (never "instance(s)"). */

/** `n` with the singular or plural noun. */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Names quoted and joined: 'a', 'b' (quoted, so a translation can pick them out). */
export const quotedNames = (names: string[]): string => names.map((n) => `'${n}'`).join(', ');
