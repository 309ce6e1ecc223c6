/** The English texts of adding a server (join tokens), spread into the English catalogue; join-zh-cn.ts has the same shape. */

export const joinEn = {
  join: {
    button: 'Add a server…',
    title: 'Add a server',
    hint: 'Run this as root on the new server (onebox installed there). It checks this server’s certificate by its fingerprint, receives its own certificate and from then on runs the host agent only.',
    expires: (at: string) => `The token works once, until ${at}. It is not shown again.`,
    after: 'The new server then appears in this list without a pool: choose one for it.',
  },
};
