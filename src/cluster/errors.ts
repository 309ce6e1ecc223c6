/** Errors a host agent raises on top of the driver errors it passes on. */

/** A file the guest needs (image, ISO) has not been copied to the host. */
export class ArtifactMissingError extends Error {
  override name = 'ArtifactMissingError';
  constructor(readonly fileName: string) {
    super(`${fileName} is not on this host; ensure it first`);
  }
}

/** The cloud-init seed ISO could not be built on the host (genisoimage missing or failing). */
export class SeedBuildError extends Error {
  override name = 'SeedBuildError';
}

/** The agent of a host cannot be reached (a peer that does not answer). */
export class AgentUnreachableError extends Error {
  override name = 'AgentUnreachableError';
}
