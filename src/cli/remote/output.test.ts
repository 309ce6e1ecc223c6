import assert from 'node:assert/strict';
import { test } from 'node:test';
import { field, render, renderTable, toYaml } from './output.js';
import { barText } from './progress.js';

test('a list renders as a padded table, missing cells as -', () => {
  const rows = [
    { name: 'vm1', state: 'running', address: '10.0.0.5' },
    { name: 'database', state: 'stopped', address: null },
  ];
  assert.equal(renderTable(rows, [field('name', 'NAME'), field('state', 'STATE'), field('address', 'ADDRESS')]), 'NAME      STATE    ADDRESS\nvm1       running  10.0.0.5\ndatabase  stopped  -');
});

test('json output is the API object itself', () => {
  const value = [{ id: 'ins_1', tags: ['a'] }];
  assert.deepEqual(JSON.parse(render(value, 'json')), value);
});

test('yaml output: block style, strings quoted when plain YAML could misread them (words, digits first, colon-space)', () => {
  const value = { name: 'vm1', cores: 2, autostart: false, address: null, description: 'yes', note: 'a: b', tags: ['web', 'db'], nics: [{ mac: '52:54:00:00:00:01', ip: '10.0.0.5' }], empty: [], meta: {} };
  assert.equal(
    toYaml(value),
    `name: vm1
cores: 2
autostart: false
address: null
description: "yes"
note: "a: b"
tags:
  - web
  - db
nics:
  - mac: "52:54:00:00:00:01"
    ip: "10.0.0.5"
empty: []
meta: {}`,
  );
});

test('the progress bar text', () => {
  assert.equal(barText(0.5, 'x', 10), '[#####-----]  50% x');
  assert.equal(barText(2, 'x', 4), '[####] 100% x');
});
