import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { SERVICES, ServiceName } from "../config/services";
import { reloadMetrics } from "../generators/reloadMetrics";
import { API_FUNCTION, STATUS_FUNCTION } from "./apiShell";
import { OneShot } from "./oneShot";
import { dataVolume, dockerName, StackContext } from "./serviceContainer";

export const STAGING_DIR = "/staging";
export const CONFIG_MOUNT = "/config";

/**
 * How the service takes the new files, and how the script knows it did:
 * - `watch`: Prometheus reloads changed files itself (--config.auto-reload); the script reads its
 *   reload metrics before the swap and waits until they show a newer successful reload (the
 *   facts cli/configReload.ts reads for `obs reload`), at most `boundSeconds`.
 * - `post`: Alertmanager reloads on POST /-/reload and answers whether it took.
 * Both ask with the service's API password, read from `passwordFile` (never on a command line).
 */
export type ReloadBy =
  | { readonly kind: "watch"; readonly address: string; readonly passwordFile: string; readonly boundSeconds: number }
  | { readonly kind: "post"; readonly address: string; readonly path: string; readonly passwordFile: string };

export interface ConfigSyncArgs {
  readonly context: StackContext;
  readonly service: ServiceName;
  /** The service's own image: busybox (sh, cp, nc, awk) and its checker (promtool, amtool). */
  readonly image: string;
  /** Relative path → content. */
  readonly files: Readonly<Record<string, string>>;
  /** The service's own checker, run on the staged files before any of them goes live. */
  readonly validate: readonly string[];
  readonly reload: ReloadBy;
  /**
   * The service's API password (a Pulumi secret). It reaches the container in a secret environment
   * variable, which the script writes to reload.passwordFile first: the uploads stay plain config,
   * whose diff `pulumi preview` shows for review.
   */
  readonly password: pulumi.Input<string>;
}

export function contentHash(files: Readonly<Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest("hex").slice(0, 10);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The environment variable config-sync's container gets the password in. */
export const PASSWORD_ENV = "SERVICE_API_PASSWORD";

/** Prometheus's reload metrics, `successful timestamp` on one line (cli/configReload.ts names them). */
function reloadStateFunction(reload: Extract<ReloadBy, { kind: "watch" }>): string {
  const m = reloadMetrics("prometheus");
  return [
    "reload_state() {",
    `  r=$(api GET ${q(reload.address)} /metrics ${q(reload.passwordFile)}) || return 1`,
    '  s=$(status_of "$r")',
    '  if [ "$s" != 200 ]; then echo "status $s"; return 0; fi',
    `  printf '%s\n' "$r" | awk '$1 == "${m.successful}" { s = $2 } $1 == "${m.timestamp}" { t = $2 } END { if (s == "" || t == "") print "missing"; else printf "%d %d\\n", s, t }'`,
    "}",
  ].join("\n");
}

/**
 * The shell the sync container runs (busybox sh); exported so a test runs it against real
 * directories and a real server. Order matters: check the staged files with the service's own
 * tool, keep the live ones, swap each file in by rename, then see the reload take. A reload the
 * service refuses puts the previous files back and fails, so the volume always holds the config
 * the service is running and a restart cannot pick up a config it rejected. A service that is not
 * running yet (first deployment) reads the files when it starts.
 */
export function syncScript(args: {
  files: readonly string[];
  validate: readonly string[];
  reload: ReloadBy;
  configDir?: string;
  stagingDir?: string;
}): string {
  const config = args.configDir ?? CONFIG_MOUNT;
  const staging = args.stagingDir ?? STAGING_DIR;
  const files = [...args.files].sort();
  const list = files.map(q).join(" ");
  const previous = `${config}/.previous`;
  const r = args.reload;
  const rollback = [
    `  for f in ${list}; do`,
    `    if [ -f ${q(previous)}/"$f" ]; then mv -f ${q(previous)}/"$f" ${q(config)}/"$f"; else rm -f ${q(config)}/"$f"; fi`,
    "  done",
    '  echo "the previous configuration is back in place"',
  ].join("\n");
  const head = [
    "set -u",
    // printf is a shell builtin: the password goes from the environment to the file through no argv.
    `if [ -n "\${${PASSWORD_ENV}:-}" ]; then mkdir -p "$(dirname ${q(r.passwordFile)})" && (umask 077 && printf '%s' "$${PASSWORD_ENV}" > ${q(r.passwordFile)}) || exit 1; unset ${PASSWORD_ENV}; fi`,
    API_FUNCTION,
    STATUS_FUNCTION,
    `rollback() {\n${rollback}\n}`,
    ...(r.kind === "watch" ? [reloadStateFunction(r)] : []),
    `cd ${q(staging)}`,
    `${args.validate.map(q).join(" ")} || { echo "the new configuration is invalid; nothing was changed"; exit 1; }`,
    // Nothing changed (a password rotation re-runs the sync): the service has nothing to reload.
    "same=1",
    `for f in ${list}; do cmp -s ${q(staging)}/"$f" ${q(config)}/"$f" || same=0; done`,
    'if [ "$same" = 1 ]; then echo "unchanged: the service already has these files"; exit 0; fi',
    ...(r.kind === "watch" ? ['before=$(reload_state) || before=""'] : []),
    `rm -rf ${q(previous)} && mkdir -p ${q(previous)} || exit 1`,
    `for f in ${list}; do`,
    `  if [ -f ${q(config)}/"$f" ]; then mkdir -p "$(dirname ${q(previous)}/"$f")" && cp -p ${q(config)}/"$f" ${q(previous)}/"$f" || exit 1; fi`,
    "done",
    `for f in ${list}; do`,
    `  mkdir -p "$(dirname ${q(config)}/"$f")" && cp ${q(staging)}/"$f" ${q(config)}/"$f".next && chmod 0644 ${q(config)}/"$f".next && mv -f ${q(config)}/"$f".next ${q(config)}/"$f" || exit 1`,
    "done",
  ];
  const notRunning =
    'echo "not reloaded (nothing answered at the service\'s address): the service reads the new files when it starts"; exit 0';
  const wrongPassword = (got: string) =>
    `echo "not reloaded (the service answered ${got} to the stack's password, so it runs with an older one; its replacement reads the new files when it starts)"; exit 0`;
  if (r.kind === "post") {
    return [
      ...head,
      `answer=$(api POST ${q(r.address)} ${q(r.path)} ${q(r.passwordFile)}) || { ${notRunning}; }`,
      'code=$(status_of "$answer")',
      'if [ "$code" = 200 ]; then echo "reloaded"; exit 0; fi',
      `if [ "$code" = 401 ]; then ${wrongPassword("401")}; fi`,
      `echo "${r.address}${r.path} refused the reload ($code): $(printf '%s\n' "$answer" | sed '1,/^\r*$/d' | head -c 2000)"`,
      "rollback",
      "exit 1",
    ].join("\n");
  }
  return [
    ...head,
    `if [ -z "$before" ]; then ${notRunning}; fi`,
    'case "$before" in "status 401") ' +
      wrongPassword("401") +
      ';; status*|missing) echo "cannot see whether the reload takes: ${r.address}/metrics answered $before"; rollback; exit 1;; esac',
    "set -- $before; was_ok=$1; was_at=$2",
    "i=0",
    `while [ "$i" -lt ${r.boundSeconds} ]; do`,
    "  sleep 1; i=$((i + 1))",
    "  now=$(reload_state) || continue",
    '  case "$now" in status*|missing) continue;; esac',
    "  set -- $now",
    '  if [ "$1" = 1 ] && [ "$2" -gt "$was_at" ]; then echo "reloaded: the service loaded the new files after ${i}s"; exit 0; fi',
    '  if [ "$1" = 0 ] && [ "$was_ok" = 1 ]; then',
    `    echo "the service refused the new configuration (${reloadMetrics("prometheus").successful} is 0; its log says why)"`,
    "    rollback; exit 1",
    "  fi",
    "done",
    `echo "the service did not reload the new files within ${r.boundSeconds}s (${reloadMetrics("prometheus").timestamp} stayed at $was_at)"`,
    "rollback",
    "exit 1",
  ].join("\n");
}

/**
 * Delivers config files into a volume the service mounts read-only, then sees the service
 * reload them. The service container never sees file content among its inputs, so a rule edit
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
        script: syncScript({ files: Object.keys(args.files), validate: args.validate, reload: args.reload }),
        // The images run as nobody; a fresh volume is root-owned, and the files must stay world-readable.
        user: "0",
        volumes: [{ volumeName: this.volumeName, containerPath: CONFIG_MOUNT, readOnly: false }],
        envs: pulumi.secret(pulumi.output(args.password).apply((password) => [`${PASSWORD_ENV}=${password}`])),
        uploads: Object.entries(args.files).map(([file, content]) => ({ file: `${STAGING_DIR}/${file}`, content })),
      },
      { parent: this },
    );
    this.registerOutputs({ volumeName: this.volumeName });
  }
}
