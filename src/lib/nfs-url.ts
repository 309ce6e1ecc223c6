/** `nfs://server/path` URLs: how volumes on an NFS pool reached through QEMU's NFS driver are named. Pure. */

/** `nfs://server/export/rel` (export paths and volume names are checked elsewhere: no spaces, `?` or `#`). */
export function nfsUrl(server: string, exportPath: string, rel = ''): string {
  const base = `nfs://${server}${exportPath.replace(/\/+$/, '')}`;
  return rel === '' ? base : `${base}/${rel}`;
}

/** Splits an `nfs://server/path` URL; undefined for anything else (a local path). */
export function parseNfsUrl(url: string): { server: string; path: string } | undefined {
  const m = /^nfs:\/\/([^/?#]+)(\/[^?#\s]*)$/.exec(url);
  return m ? { server: m[1] as string, path: m[2] as string } : undefined;
}
