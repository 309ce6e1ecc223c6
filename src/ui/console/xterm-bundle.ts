/** xterm.js and its addons, loaded together as one lazy chunk by the serial console. */
export { Terminal } from '@xterm/xterm';
export { FitAddon } from '@xterm/addon-fit';
export { AttachAddon } from '@xterm/addon-attach';
