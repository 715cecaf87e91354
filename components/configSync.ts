import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { SERVICES, ServiceName } from "../config/services";
import { OneShot } from "./oneShot";
import { dataVolume, dockerName, StackContext } from "./serviceContainer";

export const STAGING_DIR = "/staging";
export const CONFIG_MOUNT = "/config";

export interface ConfigSyncArgs {
  readonly context: StackContext;
  readonly service: ServiceName;
  /** The service's own image: busybox (sh, cp, wget) and its checker (promtool, amtool). */
  readonly image: string;
  /** Relative path → content. */
  readonly files: Readonly<Record<string, string>>;
  /** The service's own checker, run on the staged files before any of them goes live. */
  readonly validate: readonly string[];
  /** POSTed after copying, e.g. http://prometheus:9090/-/reload. */
  readonly reloadUrl: string;
}

export function contentHash(files: Readonly<Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest("hex").slice(0, 10);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The shell the sync container runs (busybox sh); exported so a test runs it against real
 * directories and a real server. Order matters: check the staged files with the service's own
 * tool, keep the live ones, swap each file in by rename, then reload. A reload the service
 * refuses puts the previous files back and fails, so the volume always holds the config the
 * service is running and a restart cannot pick up a config it rejected. A service that is not
 * running yet (first deployment) reads the files when it starts.
 */
export function syncScript(args: { files: readonly string[]; validate: readonly string[]; reloadUrl: string; configDir?: string; stagingDir?: string }): string {
  const config = args.configDir ?? CONFIG_MOUNT;
  const staging = args.stagingDir ?? STAGING_DIR;
  const files = [...args.files].sort();
  return [
    "set -u",
    `cd ${q(staging)}`,
    `${args.validate.map(q).join(" ")} || { echo "the new configuration is invalid; nothing was changed"; exit 1; }`,
    `rm -rf ${q(`${config}/.previous`)} && mkdir -p ${q(`${config}/.previous`)} || exit 1`,
    `for f in ${files.map(q).join(" ")}; do`,
    `  if [ -f ${q(config)}/"$f" ]; then mkdir -p "$(dirname ${q(`${config}/.previous`)}/"$f")" && cp -p ${q(config)}/"$f" ${q(`${config}/.previous`)}/"$f" || exit 1; fi`,
    "done",
    `for f in ${files.map(q).join(" ")}; do`,
    `  mkdir -p "$(dirname ${q(config)}/"$f")" && cp ${q(staging)}/"$f" ${q(config)}/"$f".next && chmod 0644 ${q(config)}/"$f".next && mv -f ${q(config)}/"$f".next ${q(config)}/"$f" || exit 1`,
    "done",
    `answer=$(wget -q -O /dev/null --post-data= ${q(args.reloadUrl)} 2>&1)`,
    "status=$?",
    'if [ "$status" -eq 0 ]; then echo "reloaded"; exit 0; fi',
    'case "$answer" in',
    "  *'server returned error'*)",
    `    echo "${args.reloadUrl} refused the reload: $answer"`,
    `    for f in ${files.map(q).join(" ")}; do`,
    `      if [ -f ${q(`${config}/.previous`)}/"$f" ]; then mv -f ${q(`${config}/.previous`)}/"$f" ${q(config)}/"$f"; else rm -f ${q(config)}/"$f"; fi`,
    "    done",
    '    echo "the previous configuration is back in place"',
    "    exit 1;;",
    `  *) echo "not reloaded ($answer): the service reads the new files when it starts"; exit 0;;`,
    "esac",
  ].join("\n");
}

/**
 * Delivers config files into a volume the service mounts read-only, then asks the service to
 * reload. The service container never sees file content among its inputs, so a rule edit
 * replaces only this one-shot container (its name carries the content hash) and Prometheus keeps
 * running with its TSDB untouched. An invalid file or a refused reload fails `pulumi up`.
 */
export class ConfigSync extends pulumi.ComponentResource {
  readonly run: OneShot;
  /** The volume the service mounts read-only; derived from the files, so never protected. */
  readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: ConfigSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:ConfigSync", name, {}, opts);
    const { context } = args;
    this.volumeName = dataVolume(`${name}-volume`, { ...context, protectData: false }, args.service, "config", this).name;
    this.run = new OneShot(
      name,
      {
        context,
        service: args.service,
        role: "config-sync",
        name: dockerName(context.stack, `${SERVICES[args.service].alias}-config-sync-${contentHash(args.files)}`),
        image: args.image,
        script: syncScript({ files: Object.keys(args.files), validate: args.validate, reloadUrl: args.reloadUrl }),
        // The images run as nobody; a fresh volume is root-owned, and the files must stay world-readable.
        user: "0",
        volumes: [{ volumeName: this.volumeName, containerPath: CONFIG_MOUNT, readOnly: false }],
        uploads: Object.entries(args.files).map(([file, content]) => ({ file: `${STAGING_DIR}/${file}`, content })),
      },
      { parent: this },
    );
    this.registerOutputs({ volumeName: this.volumeName });
  }
}
