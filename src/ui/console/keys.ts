/**
 * Keys for the graphical console: text turned into the key presses of a US keyboard (what
 * "paste" types into a guest that has no clipboard), and the extra keys a browser keeps for
 * itself (Tab, Esc, F-keys, Ctrl+Alt+F1…). A key is its X keysym and the physical key's code
 * (noVNC sends QEMU the scancode for that code).
 */

/** One physical key. */
export interface Key {
  keysym: number;
  /** KeyboardEvent.code of the key (e.g. "KeyA", "Digit4"). */
  code: string;
}

/** One typed character: the key, pressed with Shift or not. */
export interface Keystroke extends Key {
  shift: boolean;
}

export const SHIFT: Key = { keysym: 0xffe1, code: 'ShiftLeft' };
export const CTRL: Key = { keysym: 0xffe3, code: 'ControlLeft' };
export const ALT: Key = { keysym: 0xffe9, code: 'AltLeft' };
export const TAB: Key = { keysym: 0xff09, code: 'Tab' };
export const ESC: Key = { keysym: 0xff1b, code: 'Escape' };
export const ENTER: Key = { keysym: 0xff0d, code: 'Enter' };
export const BACKSPACE: Key = { keysym: 0xff08, code: 'Backspace' };
export const DELETE: Key = { keysym: 0xffff, code: 'Delete' };

/** F1…F12. */
export const fKey = (n: number): Key => ({ keysym: 0xffbe + n - 1, code: `F${n}` });

/** A letter or digit key. */
const letter = (c: string): Key => ({ keysym: c.charCodeAt(0), code: /[0-9]/.test(c) ? `Digit${c}` : `Key${c.toUpperCase()}` });

/** Punctuation of a US keyboard: the character without Shift, the one with Shift, and the key. */
const PUNCTUATION: [string, string, string][] = [
  ['`', '~', 'Backquote'], ['-', '_', 'Minus'], ['=', '+', 'Equal'], ['[', '{', 'BracketLeft'], [']', '}', 'BracketRight'],
  ['\\', '|', 'Backslash'], [';', ':', 'Semicolon'], ["'", '"', 'Quote'], [',', '<', 'Comma'], ['.', '>', 'Period'], ['/', '?', 'Slash'],
];
const SHIFTED_DIGITS = ')!@#$%^&*(';

/** The keystroke that types `char` on a US keyboard, or undefined when there is none. */
export function keystrokeFor(char: string): Keystroke | undefined {
  const keysym = char.charCodeAt(0);
  if (char === '\n') return { ...ENTER, shift: false };
  if (char === '\t') return { ...TAB, shift: false };
  if (char === ' ') return { keysym, code: 'Space', shift: false };
  if (/^[a-z0-9]$/.test(char)) return { ...letter(char), shift: false };
  if (/^[A-Z]$/.test(char)) return { keysym, code: `Key${char}`, shift: true };
  const digit = SHIFTED_DIGITS.indexOf(char);
  if (digit >= 0) return { keysym, code: `Digit${digit}`, shift: true };
  for (const [plain, shifted, code] of PUNCTUATION) {
    if (char === plain) return { keysym, code, shift: false };
    if (char === shifted) return { keysym, code, shift: true };
  }
  return undefined;
}

/** The keystrokes of `text` (\r\n as one Enter) and how many characters have no key and are left out. */
export function keystrokesFor(text: string): { strokes: Keystroke[]; skipped: number } {
  const strokes: Keystroke[] = [];
  let skipped = 0;
  for (const char of text.replace(/\r\n?/g, '\n')) {
    const stroke = keystrokeFor(char);
    if (stroke) strokes.push(stroke);
    else skipped++;
  }
  return { strokes, skipped };
}

/** Something that takes key presses (noVNC's RFB). */
export interface KeySink {
  sendKey(keysym: number, code: string, down?: boolean): void;
}

/** Presses `keys` together: down in order, up in reverse. */
export function sendCombo(sink: KeySink, keys: Key[]): void {
  for (const k of keys) sink.sendKey(k.keysym, k.code, true);
  for (const k of [...keys].reverse()) sink.sendKey(k.keysym, k.code, false);
}

/** Types keystrokes, holding Shift where a character needs it. */
export function typeKeystrokes(sink: KeySink, strokes: Keystroke[]): void {
  for (const s of strokes) sendCombo(sink, s.shift ? [SHIFT, s] : [s]);
}

/** The extra keys menu: a label and the keys pressed together. */
export const EXTRA_KEYS: { id: string; label: string; keys: Key[] }[] = [
  { id: 'tab', label: 'Tab', keys: [TAB] },
  { id: 'esc', label: 'Esc', keys: [ESC] },
  { id: 'ctrl-c', label: 'Ctrl+C', keys: [CTRL, letter('c')] },
  { id: 'ctrl-d', label: 'Ctrl+D', keys: [CTRL, letter('d')] },
  { id: 'ctrl-alt-backspace', label: 'Ctrl+Alt+Backspace', keys: [CTRL, ALT, BACKSPACE] },
  ...[1, 2, 3, 7].map((n) => ({ id: `ctrl-alt-f${n}`, label: `Ctrl+Alt+F${n}`, keys: [CTRL, ALT, fKey(n)] })),
  ...Array.from({ length: 12 }, (_, i) => ({ id: `f${i + 1}`, label: `F${i + 1}`, keys: [fKey(i + 1)] })),
];
