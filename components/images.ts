import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/**
 * One RemoteImage per distinct image name of a stack. Containers reference `imageId` (a tag or a
 * repoDigest there would replace every container on every `up`), and a name used by several
 * containers (the bridge and the demo workload, a service and its config-sync) is pulled once.
 */
export class ImageSet {
  private readonly images = new Map<string, docker.RemoteImage>();

  constructor(
    private readonly name: string,
    private readonly provider: docker.Provider,
    private readonly parent: pulumi.Resource,
  ) {}

  /** The image's id, pulling it (once per stack) if needed. */
  idOf(image: string): pulumi.Output<string> {
    let remote = this.images.get(image);
    if (!remote) {
      remote = new docker.RemoteImage(
        `${this.name}-image-${image.replace(/[^A-Za-z0-9.-]+/g, "-")}`,
        { name: image, keepLocally: true },
        { parent: this.parent, provider: this.provider },
      );
      this.images.set(image, remote);
    }
    return remote.imageId;
  }

  /** Every image name pulled so far, for outputs and preflight. */
  names(): string[] {
    return [...this.images.keys()].sort();
  }
}
