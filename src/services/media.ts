/** ISO media: upload (streamed, checksummed, checked for an ISO 9660 signature), list, get, download, delete. */
import { eq } from 'drizzle-orm';
import type { ArtifactRef, ArtifactSource } from '../cluster/agent-types.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { getByIdOrName } from '../db/lookup.js';
import { instances, media } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { FileLibrary } from '../storage/library.js';
import { ownedBy, type Actor } from './actor.js';
import type { AuditService } from './audit.js';
import { plural, quotedNames } from '../lib/english.js';
import { artifactSource, download, type Download } from './library-files.js';
import { storeUpload, type UploadBody, type UploadLimits } from './uploads.js';

/** A media row. */
export type Media = typeof media.$inferSelect;

/** The ISO library. */
export class MediaService {
  /** ISOs being inserted into an instance right now: deleting them waits for that to finish. */
  private readonly inUse = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly library: FileLibrary,
    private readonly limits: UploadLimits,
    private readonly audit: AuditService,
    /** Tells every host to drop its copy of a deleted file (best effort: a host that is offline drops it when it returns). */
    private readonly forgetOnHosts: (ref: ArtifactRef) => Promise<void>,
  ) {}

  list(): Media[] {
    return this.db.select().from(media).orderBy(media.name).all();
  }

  /** By id or name; throws media_not_found. */
  get(idOrName: string): Media {
    return getByIdOrName(this.db, media, 'media', idOrName);
  }

  /** What a host needs to fetch and verify its copy of the ISO. */
  artifact(item: Media): { ref: ArtifactRef; source: ArtifactSource } {
    const ref: ArtifactRef = { shelf: 'media', fileName: item.fileName, sha256: item.sha256, sizeBytes: item.sizeBytes };
    return { ref, source: artifactSource(this.library, ref, item.name) };
  }

  /** Runs `work` (an insert) while the ISO cannot be deleted. */
  async using<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.inUse.set(id, (this.inUse.get(id) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const n = (this.inUse.get(id) ?? 1) - 1;
      if (n === 0) this.inUse.delete(id);
      else this.inUse.set(id, n);
    }
  }

  /** The ISO file as a download. */
  async download(idOrName: string): Promise<Download> {
    const item = this.get(idOrName);
    return download(this.library, 'media', item.fileName, item.name.endsWith('.iso') ? item.name : `${item.name}.iso`, item.name, item.sha256);
  }

  /** Changes an ISO's name or description. */
  update(idOrName: string, patch: { name?: string; description?: string }, actor: Actor): Media {
    const item = this.get(idOrName);
    const name = patch.name ?? item.name;
    const taken = () => new AppError('media_name_taken', `An ISO named '${name}' already exists.`);
    if (name !== item.name && this.db.select({ id: media.id }).from(media).where(eq(media.name, name)).get()) throw taken();
    try {
      const row = this.db.update(media).set({ name, ...(patch.description !== undefined ? { description: patch.description } : {}) }).where(eq(media.id, item.id)).returning().get();
      this.audit.record(actor, 'update', 'media', item.id, name);
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw taken();
      throw err;
    }
  }

  /** Receives an uploaded ISO. Nothing is visible until it is complete and valid. */
  async upload(body: UploadBody, declaredBytes: number | undefined, name: string, actor: Actor): Promise<Media> {
    const nameTaken = () => new AppError('media_name_taken', `An ISO named '${name}' already exists.`);
    if (this.db.select({ id: media.id }).from(media).where(eq(media.name, name)).get()) throw nameTaken();
    const row = await storeUpload({
      library: this.library, limits: this.limits, body, declaredBytes, shelf: 'media', nameTaken,
      accept: async (received) => {
        if (!(await this.library.isIso9660(received)))
          throw new AppError('not_an_iso', 'The file is not an ISO 9660 image (no CD001 signature).');
        const id = newId('iso');
        return { id, fileName: `${id}.iso` };
      },
      insert: (received, { id, fileName }) =>
        this.db.insert(media).values({ id, name, fileName, sizeBytes: received.sizeBytes, sha256: received.sha256, ...ownedBy(actor) }).returning().get(),
    });
    this.audit.record(actor, 'upload', 'media', row.id, name);
    return row;
  }

  /** Deletes an ISO unless it is inserted in an instance (or being inserted); hosts drop their copies. */
  async delete(idOrName: string, actor: Actor): Promise<void> {
    const item = this.get(idOrName);
    if (this.inUse.has(item.id)) throw new AppError('media_in_use', `ISO '${item.name}' is being inserted into an instance right now; try again in a moment.`);
    const users = this.db.select({ name: instances.name }).from(instances).where(eq(instances.mediaId, item.id)).all();
    if (users.length > 0)
      throw new AppError('media_in_use', `ISO '${item.name}' is inserted in ${plural(users.length, 'instance')} (${quotedNames(users.map((u) => u.name))}); eject it first.`);
    this.db.delete(media).where(eq(media.id, item.id)).run();
    await this.library.remove('media', item.fileName);
    this.audit.record(actor, 'delete', 'media', item.id, item.name);
    await this.forgetOnHosts(this.artifact(item).ref);
  }
}
