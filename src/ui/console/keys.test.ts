/** Text to keystrokes for the graphical console's paste, and key combinations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keystrokeFor, keystrokesFor, sendCombo, typeKeystrokes, CTRL, ALT, DELETE, type KeySink } from './keys.js';

const recorder = () => {
  const events: string[] = [];
  const sink: KeySink = { sendKey: (keysym, code, down) => void events.push(`${down ? '+' : '-'}${code}:${keysym.toString(16)}`) };
  return { events, sink };
};

test('characters map to the keys of a US keyboard, with Shift where needed', () => {
  const cases: [string, string, boolean][] = [
    ['a', 'KeyA', false],
    ['Z', 'KeyZ', true],
    ['7', 'Digit7', false],
    ['$', 'Digit4', true],
    ['(', 'Digit9', true],
    [')', 'Digit0', true],
    ['>', 'Period', true],
    ['/', 'Slash', false],
    ['_', 'Minus', true],
    ['"', 'Quote', true],
    [' ', 'Space', false],
    ['\n', 'Enter', false],
  ];
  for (const [char, code, shift] of cases) assert.deepEqual([keystrokeFor(char)?.code, keystrokeFor(char)?.shift], [code, shift], JSON.stringify(char));
  assert.equal(keystrokeFor('$')?.keysym, 0x24, 'the keysym is the character');
});

test('text becomes keystrokes; characters without a key are counted, not sent', () => {
  const { strokes, skipped } = keystrokesFor('ls -l\r\n中');
  assert.deepEqual(strokes.map((s) => s.code), ['KeyL', 'KeyS', 'Space', 'Minus', 'KeyL', 'Enter']);
  assert.equal(skipped, 1);
});

test('Shift is held around a shifted character; combos press in order and release in reverse', () => {
  const { events, sink } = recorder();
  typeKeystrokes(sink, keystrokesFor('A').strokes);
  assert.deepEqual(events, ['+ShiftLeft:ffe1', '+KeyA:41', '-KeyA:41', '-ShiftLeft:ffe1']);
  const combo = recorder();
  sendCombo(combo.sink, [CTRL, ALT, DELETE]);
  assert.deepEqual(combo.events, ['+ControlLeft:ffe3', '+AltLeft:ffe9', '+Delete:ffff', '-Delete:ffff', '-AltLeft:ffe9', '-ControlLeft:ffe3']);
});
