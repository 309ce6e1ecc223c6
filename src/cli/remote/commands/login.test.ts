import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverUrl } from './login.js';

test('server URLs: a bare host gets https and port 5870; an explicit port or path prefix is kept', () => {
  const cases: [string, string][] = [
    ['cloud.example.com', 'https://cloud.example.com:5870/'],
    ['https://192.0.2.10:5870', 'https://192.0.2.10:5870/'],
    ['https://192.0.2.10', 'https://192.0.2.10:5870/'],
    ['https://cloud.example.com:443/onebox/', 'https://cloud.example.com/onebox'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/'],
    ['https://[::1]:5871', 'https://[::1]:5871/'],
  ];
  for (const [text, want] of cases) assert.equal(serverUrl(text).toString(), want, text);
  assert.throws(() => serverUrl('ftp://x'), /must start with https:\/\//);
});
