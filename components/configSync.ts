import { createHash } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SERVICES, ServiceName } from "../config/services";
import { dataVolume, dockerName, StackContext, stackLabels } from "./serviceContainer";

export const ROLE_LABEL = "tutordex.observability.role";
export const STAGING_DIR = "/staging";
export const CONFIG_MOUNT = "/config";

export interface ConfigSyncArgs {
  readonly context: StackContext;
  readonly service: ServiceName;
  /** An image with a shell, cp and wget: the service's own busybox-based image. */
  readonly image: string;
  /** Relative path → content. */
  readonly files: Readonly<Record<string, string>>;
  /** POSTed after copying, e.g. http://prometheus:9090/-/reload. */
  readonly reloadUrl: string;
}

export function contentHash(files: Readonly<Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest("hex").slice(0, 10);
}

/** The shell the sync container runs; exported so a test can run it against a real directory. */
export function syncScript(reloadUrl: string, configDir = CONFIG_MOUNT, stagingDir = STAGING_DIR): string {
  return [
    "set -eu",
    `rm -rf ${configDir}/*`,
    `cp -R ${stagingDir}/. ${configDir}/`,
    `wget -q -O /dev/null --post-data= ${reloadUrl} && echo reloaded || echo "not reloaded: the service reads the files when it starts"`,
  ].join("\n");
}

/**
 * Delivers config files into a volume the service mounts read-only, then asks the service to
 * reload. The service container never sees file content among its inputs, so a rule edit
 * replaces only this one-shot container (its name carries the content hash) and Prometheus keeps
 * running with its TSDB untouched.
 */
export class ConfigSync extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** The volume the service mounts read-only; derived from the files, so never protected. */
  readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: ConfigSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:ConfigSync", name, {}, opts);
    const { context } = args;
    this.volumeName = dataVolume(`${name}-volume`, { ...context, protectData: false }, args.service, "config", this).name;
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this, provider: context.provider });
    this.container = new docker.Container(
      name,
      {
        name: dockerName(context.stack, `${SERVICES[args.service].alias}-config-sync-${contentHash(args.files)}`),
        image: image.imageId,
        entrypoints: ["/bin/sh", "-c", syncScript(args.reloadUrl)],
        restart: "no",
        // The images run as nobody; a fresh volume is root-owned, and the files must stay world-readable.
        user: "0",
        mustRun: false,
        attach: true,
        logs: true,
        memory: 32,
        labels: [...stackLabels(context.stack, args.service), { label: ROLE_LABEL, value: "config-sync" }],
        networksAdvanced: [{ name: context.networkName }],
        volumes: [{ volumeName: this.volumeName, containerPath: CONFIG_MOUNT, readOnly: false }],
        uploads: Object.entries(args.files).map(([file, content]) => ({ file: `${STAGING_DIR}/${file}`, content })),
      },
      { parent: this, provider: context.provider },
    );
    this.registerOutputs({});
  }
}
