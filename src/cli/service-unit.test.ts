import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execWord, unitFile, unitServeArgs } from './service-unit.js';

test('the unit runs the absolute executable with serve, the data dir and the flags given, restarting on failure', () => {
  const text = unitFile(['/usr/local/bin/onebox'], unitServeArgs(['--data-dir', 'state', '--port', '5871', '--tls-cert=c.pem', '--tls-key', '/etc/k.pem'], '/srv'));
  assert.equal(
    text,
    `# Written by 'onebox service install'; 'onebox service uninstall' removes it.
[Unit]
Description=onebox private cloud (API, UI and host agent)
After=network-online.target libvirtd.service
Wants=network-online.target libvirtd.service

[Service]
Type=simple
ExecStart=/usr/local/bin/onebox serve --data-dir /srv/state --port 5871 --tls-cert /srv/c.pem --tls-key /etc/k.pem
Restart=on-failure
RestartSec=5
TimeoutStopSec=60
KillMode=mixed
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`,
  );
});

test('without --data-dir the unit names the default one', () => {
  assert.deepEqual(unitServeArgs(['--accel', 'tcg']), ['--data-dir', '/var/lib/onebox', '--accel', 'tcg']);
});

test('ExecStart words are quoted and escaped for systemd', () => {
  const cases: [string, string][] = [
    ['/usr/bin/onebox', '/usr/bin/onebox'],
    ['--public-url=https://cloud.example.com', '--public-url=https://cloud.example.com'],
    ['/data dir', '"/data dir"'],
    ['50%', '50%%'],
    ['$HOME', '"$$HOME"'],
    ['a"b', '"a\\"b"'],
    ['', '""'],
  ];
  for (const [word, expected] of cases) assert.equal(execWord(word), expected, word);
});
