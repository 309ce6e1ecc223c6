/** sha512Crypt against the reference vectors of the SHA-crypt specification and, when installed, `openssl passwd -6`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { command, skipUnlessPresent } from '../../test/require-system.js';
import { newCryptSalt, sha512Crypt } from './sha512-crypt.js';

describe('sha512Crypt', () => {
  const vectors: [string, string, number | undefined, string][] = [
    ['Hello world!', 'saltstring', undefined, '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
    ['Hello world!', 'saltstringsaltstring', 10000, '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
    ['This is just a test', 'toolongsaltstring', 5000, '$6$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
    ['we have a short salt string but not a short password', 'short', 77777, '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0'],
  ];
  for (const [password, salt, rounds, expected] of vectors) {
    it(`${JSON.stringify(password)} with salt ${salt}`, () => assert.equal(sha512Crypt(password, salt, rounds), expected));
  }

  it('makes a fresh 16-character salt each time', () => {
    const [a, b] = [sha512Crypt('Passw0rdX'), sha512Crypt('Passw0rdX')];
    assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.notEqual(a, b);
    assert.match(newCryptSalt(), /^[./0-9A-Za-z]{16}$/);
  });

  it('refuses salts that would break the format and absurd round counts', () => {
    assert.throws(() => sha512Crypt('x', 'a$b'), RangeError);
    assert.throws(() => sha512Crypt('x', 'ab', 10), RangeError);
  });

  const skip = skipUnlessPresent(command('openssl', ['passwd', '-6', '-salt', 'abc', 'x'], 'openssl'));
  it('agrees with openssl passwd -6 (UTF-8 and long passwords too)', { skip }, () => {
    for (const password of ['Passw0rdX', 'pässwörd😀', 'a'.repeat(200)]) {
      const salt = newCryptSalt();
      const r = spawnSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${password}\n`, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(sha512Crypt(password, salt), r.stdout.trim());
    }
  });
});
