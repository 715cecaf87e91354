/**
 * The child process of apply.ts `up`: runs index.ts under Pulumi's mocks, and answers every
 * registration by carrying out the provider's step on the engine. Usage:
 *   ts-node --transpile-only harness/docker/applyMain.ts <request.json> <result.json>
 * Like the Pulumi language host, an error thrown anywhere in the program (also inside an `apply`)
 * fails the run; like the Pulumi engine, the first failed step stops further steps, and resources
 * the program no longer registers are deleted only when the program succeeded.
 */
import * as fs from "fs";
import Docker from "dockerode";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../config/stackFile";
import { SERVICE_LABEL } from "../../config/labels";
import {
  CONTAINER,
  ChildRequest,
  deleteEntry,
  dockerNameOf,
  Injection,
  NETWORK,
  REMOTE_IMAGE,
  ResourceOptions,
  StateEntry,
  Step,
  UpResult,
  VOLUME,
} from "./apply";
import { createContainer, createNetwork, createRemoteImage, createVolume, getNetwork, ProviderError, updateContainer } from "./engineOps";
import {
  AttrDiff,
  CONTAINER_ATTRS,
  checkMapped,
  diffAttrs,
  NETWORK_ATTRS,
  PROVIDER_INPUTS,
  REMOTE_IMAGE_ATTRS,
  VOLUME_ATTRS,
} from "./providerMapping";
import { newRandomPassword, RANDOM_PASSWORD } from "../randomPassword";

const [requestFile, resultFile] = process.argv.slice(2);
const req = JSON.parse(fs.readFileSync(requestFile, "utf8")) as ChildRequest;
const started = Date.now();

function dockerClient(): Docker {
  if (req.engine.socketPath) return new Docker({ socketPath: req.engine.socketPath });
  const u = new URL(req.engine.dockerHost ?? "unix:///var/run/docker.sock");
  if (u.protocol === "unix:") return new Docker({ socketPath: u.pathname });
  return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: u.protocol === "https:" ? "https" : "http" });
}
const docker = dockerClient();

const log = (line: string) => process.stderr.write(`[apply ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

const prev = new Map<string, StateEntry>((req.prev?.resources ?? []).map((r) => [r.key, r]));
const next: StateEntry[] = [];
const steps: Step[] = [];
const created: UpResult["created"] = [];
const deleted: UpResult["deleted"] = [];
const invokes: UpResult["invokes"] = [];
const capturedOptions = new Map<string, ResourceOptions & { unsupported: string[] }>();
const registered = new Set<string>();
/** Old copies of create-before-delete replacements, deleted at the end like Pulumi does. */
const pendingDeletes: StateEntry[] = [];
let firstError: string | undefined;

const keyOf = (type: string, name: string) => `${type}::${name}`;
const nameOf = (r: unknown): string | undefined => (r && typeof r === "object" && "__name" in r ? String(r.__name) : undefined);

/** Pulumi secrets reach the provider as plain values; the mock monitor hands them over wrapped. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
function unwrapSecrets(v: unknown): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

function fail(message: string): never {
  firstError ??= message;
  throw new Error(message);
}

// --- which resources this tier does not make -------------------------------------------------------

function absentReason(type: string, inputs: Record<string, any>): string | undefined {
  const absent = req.absent;
  if (!absent) return undefined;
  if (type.startsWith("grafana:") || type === "pulumi:providers:grafana") return absent.services.grafana;
  const labels = (inputs.labels ?? []) as { label: string; value: string }[];
  const service = labels.find((l) => l.label === SERVICE_LABEL)?.value;
  if ((type === CONTAINER || type === VOLUME) && service && absent.services[service]) return absent.services[service];
  if (type === REMOTE_IMAGE && absent.images.includes(inputs.name)) return `image of a service this tier does not run: ${inputs.name}`;
  return undefined;
}

function absentState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  if (type === REMOTE_IMAGE) return { ...inputs, imageId: `sha256:${"0".repeat(64)}`, repoDigest: "" };
  if (type === CONTAINER) return { ...inputs, id: `absent-${name}`, exitCode: 0, containerLogs: "" };
  return { ...inputs, name: inputs.name ?? name };
}

// --- injections ------------------------------------------------------------------------------------

function inject(name: string, inputs: Record<string, any>): Record<string, any> {
  let out = inputs;
  for (const inj of req.injections ?? ([] as Injection[])) {
    if (!new RegExp(inj.resource).test(name)) continue;
    log(`injection into ${name}: ${inj.kind} (${inj.reason})`);
    if (inj.kind === "addEnv") out = { ...out, envs: [...(out.envs ?? []), ...inj.env] };
    if (inj.kind === "addInvalidRuleGroup") {
      let hit = false;
      const uploads = (out.uploads ?? []).map((u: { file: string; content: string }) => {
        if (!u.file.endsWith(inj.fileSuffix)) return u;
        hit = true;
        const doc = (yaml.load(u.content) ?? {}) as { groups?: unknown[] };
        doc.groups = [
          ...(doc.groups ?? []),
          { name: "docker-tier-injected", rules: [{ alert: "DockerTierInjectedInvalid", expr: "sum(rate(up[5m])" }] },
        ];
        return { ...u, content: yaml.dump(doc) };
      });
      if (!hit) fail(`injection ${inj.kind}: ${name} has no upload ending in ${inj.fileSuffix}`);
      out = { ...out, uploads };
    }
  }
  return out;
}

// --- steps -----------------------------------------------------------------------------------------

const attrsOf = (type: string) =>
  type === CONTAINER
    ? CONTAINER_ATTRS
    : type === NETWORK
      ? NETWORK_ATTRS
      : type === VOLUME
        ? VOLUME_ATTRS
        : type === REMOTE_IMAGE
          ? REMOTE_IMAGE_ATTRS
          : undefined;

async function createOnEngine(type: string, inputs: Record<string, any>): Promise<{ id: string; outputs: Record<string, any> }> {
  if (type === CONTAINER) {
    let made: string | undefined;
    try {
      return await createContainer(docker, inputs, { attachTimeoutMs: req.attachTimeoutMs, onCreated: (id) => (made = id) });
    } finally {
      if (made) created.push({ kind: "container", id: made });
    }
  }
  if (type === NETWORK) {
    const r = await createNetwork(docker, inputs);
    created.push({ kind: "network", id: r.id });
    return r;
  }
  if (type === VOLUME) {
    const r = await createVolume(docker, inputs);
    created.push({ kind: "volume", id: r.id });
    return r;
  }
  if (type === REMOTE_IMAGE) return createRemoteImage(docker, inputs);
  throw new Error(`resource type ${type} is not mapped by the docker-tier harness`);
}

async function deleteOnEngine(entry: StateEntry): Promise<number | undefined> {
  const stopped = await deleteEntry(docker, entry);
  if (!entry.id || entry.absent || entry.options.retainOnDelete) return stopped;
  if (entry.type === CONTAINER) deleted.push({ kind: "container", id: entry.id });
  if (entry.type === NETWORK) deleted.push({ kind: "network", id: entry.id });
  if (entry.type === VOLUME) deleted.push({ kind: "volume", id: entry.id });
  return stopped;
}

const protectedMessage = (key: string, what: string) =>
  `unable to ${what} resource "${key}"\nas it is currently marked for protection. To unprotect the resource, remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\``;

async function step(
  type: string,
  name: string,
  rawInputs: Record<string, any>,
  custom: boolean,
): Promise<{ id: string | undefined; state: Record<string, any> }> {
  const key = keyOf(type, name);
  if (registered.has(key)) fail(`duplicate resource ${key}`);
  registered.add(key);
  const o = capturedOptions.get(key) ?? { protect: false, deleteBeforeReplace: false, dependsOn: [], unsupported: [] };
  const { unsupported, ...options } = o;
  const t0 = Date.now();
  const record = (entry: StateEntry, s: Omit<Step, "key" | "type" | "name" | "ms">) => {
    next.push(entry);
    steps.push({ key, type, name, ms: Date.now() - t0, dockerName: dockerNameOf(entry), ...s });
  };

  if (!custom) {
    record({ key, type, name, custom, inputs: rawInputs, outputs: rawInputs, options }, { op: "same" });
    return { id: undefined, state: rawInputs };
  }
  if (firstError) throw new Error(`not started: the update stopped at the first error (${firstError.split("\n")[0]})`);
  if (unsupported.length) fail(`${key}: resource options the harness does not model: ${unsupported.join(", ")}`);

  if (type.startsWith("pulumi:providers:")) {
    const reason = absentReason(type, rawInputs);
    // The random provider has nothing to map: its resources are made by the harness itself (above).
    if (!reason && type !== "pulumi:providers:random") {
      const unknown = Object.keys(rawInputs).filter((k) => rawInputs[k] !== undefined && !(k in PROVIDER_INPUTS));
      if (unknown.length) fail(`${key}: provider inputs the harness does not map: ${unknown.join(", ")}`);
    }
    record(
      {
        key,
        type,
        name,
        custom,
        id: `${name}-provider`,
        inputs: rawInputs,
        outputs: rawInputs,
        options,
        ...(reason ? { absent: reason } : {}),
      },
      { op: reason ? "absent" : "same" },
    );
    return { id: `${name}-provider`, state: rawInputs };
  }

  const inputs = inject(name, rawInputs);
  const old = prev.get(key);
  // @pulumi/random: made once, then the same value for as long as the inputs stay (every input replaces it).
  if (type === RANDOM_PASSWORD) {
    if (old && JSON.stringify(old.inputs) === JSON.stringify(inputs)) {
      record({ ...old, options }, { op: "same", id: old.id });
      return { id: old.id, state: old.outputs };
    }
    const outputs = { ...inputs, ...newRandomPassword(inputs) };
    const id = `random-password-${name}`;
    record({ key, type, name, custom, id, inputs, outputs, options }, { op: old ? "replace" : "create", id });
    return { id, state: outputs };
  }
  const reason = absentReason(type, inputs);
  if (reason) {
    const outputs = absentState(type, name, inputs);
    record({ key, type, name, custom, id: outputs.id ?? `absent-${name}`, inputs, outputs, options, absent: reason }, { op: "absent" });
    return { id: outputs.id ?? `absent-${name}`, state: outputs };
  }
  const attrs = attrsOf(type);
  if (!attrs) fail(`${key}: resource type ${type} is not mapped by the docker-tier harness`);
  checkMapped(key, attrs, inputs);

  let planned: Step["op"] = !old || old.absent ? "create" : "update";
  try {
    if (!old || old.absent) {
      log(`create ${key}`);
      const r = await createOnEngine(type, inputs);
      record({ key, type, name, custom, id: r.id, inputs, outputs: r.outputs, options }, { op: "create", id: r.id });
      return { id: r.id, state: r.outputs };
    }
    const diffs: AttrDiff[] = diffAttrs(attrs, old.outputs, inputs, {
      ignoreChanges: options.ignoreChanges,
      replaceOnChanges: options.replaceOnChanges,
    });
    const brief = diffs.map((d) => ({ input: d.input, change: d.change }));
    const replace = diffs.some((d) => d.change === "replace");
    if (!replace && diffs.length === 0 && !old.initErrors?.length) {
      record({ ...old, inputs, options }, { op: "same", id: old.id });
      return { id: old.id, state: old.outputs };
    }
    if (!replace) {
      log(`update ${key}: ${diffs.map((d) => d.input).join(", ") || "(init errors)"}`);
      let outputs: Record<string, any> = { ...old.outputs };
      if (type === CONTAINER) outputs = await updateContainer(docker, old.id!, old.outputs, inputs, diffs);
      else for (const d of diffs) outputs[d.input] = d.new;
      record({ key, type, name, custom, id: old.id, inputs, outputs, options }, { op: "update", id: old.id, diffs: brief });
      return { id: old.id, state: outputs };
    }
    planned = "replace";
    if (old.options.protect || options.protect) fail(protectedMessage(key, "replace"));
    // docker_container is DeleteBeforeReplace in pulumi-docker's resources.go; others on request.
    const dbr = type === CONTAINER || options.deleteBeforeReplace;
    log(
      `replace ${key} (${dbr ? "delete first" : "create first"}): ${diffs
        .filter((d) => d.change === "replace")
        .map((d) => d.input)
        .join(", ")}`,
    );
    const stoppedExitCode = dbr ? await deleteOnEngine(old) : undefined;
    const r = await createOnEngine(type, inputs);
    if (!dbr) pendingDeletes.push(old);
    record(
      { key, type, name, custom, id: r.id, inputs, outputs: r.outputs, options },
      { op: "replace", id: r.id, oldId: old.id, diffs: brief, stoppedExitCode },
    );
    return { id: r.id, state: r.outputs };
  } catch (e) {
    const message = (e as Error).message;
    firstError ??= `${key}: ${message}`;
    const partial = e instanceof ProviderError ? e.partialId : undefined;
    if (partial)
      next.push({ key, type, name, custom, id: partial, inputs, outputs: { ...inputs, id: partial }, options, initErrors: [message] });
    else if (old && !steps.some((s) => s.key === key)) {
      // A failed delete-before-replace lost the old resource; a failed update keeps it.
      const oldGone =
        type === CONTAINER &&
        (await docker
          .getContainer(old.id!)
          .inspect()
          .then(
            () => false,
            () => true,
          ));
      if (!oldGone) next.push(old);
    }
    steps.push({ key, type, name, ms: Date.now() - t0, op: planned, error: message, dockerName: inputs.name });
    throw new Error(`${key}: ${message}`, { cause: e });
  }
}

// --- the run ---------------------------------------------------------------------------------------

const programErrors: string[] = [];
process.on("unhandledRejection", (e) => programErrors.push(e instanceof Error ? e.message : String(e)));
process.on("uncaughtException", (e) => programErrors.push(e.message));

async function main(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const r = await step(args.type, args.name, unwrapSecrets(args.inputs ?? {}) as Record<string, any>, args.custom !== false);
        return { id: r.id, state: r.state };
      },
      async call(args) {
        if (args.token === "docker:index/getNetwork:getNetwork") {
          try {
            const r = await getNetwork(docker, unwrapSecrets(args.inputs).name);
            invokes.push({ token: args.token, inputs: args.inputs, ok: true });
            return r;
          } catch (e) {
            invokes.push({ token: args.token, inputs: args.inputs, ok: false });
            throw e;
          }
        }
        invokes.push({ token: args.token, inputs: args.inputs, ok: false });
        throw new Error(`provider function ${args.token} is not mapped by the docker-tier harness`);
      },
    },
    PROJECT,
    req.stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    req.config,
    req.secretKeys.map((k) => `${PROJECT}:${k}`),
  );

  let outputs: Record<string, any> = {};
  try {
    const raw =
      (await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((t) => {
          const opts = t.opts as pulumi.CustomResourceOptions;
          const unsupported = (["aliases", "customTimeouts", "deletedWith", "import", "ignoreChanges"] as const).filter((k) => {
            const v = (opts as Record<string, unknown>)[k];
            return k === "ignoreChanges" ? false : v !== undefined && !(Array.isArray(v) && v.length === 0);
          });
          capturedOptions.set(keyOf(t.type, t.name), {
            protect: opts.protect === true,
            deleteBeforeReplace: opts.deleteBeforeReplace === true,
            dependsOn: ([] as unknown[]).concat(opts.dependsOn ?? []).map((d) => nameOf(d) ?? "?"),
            parent: nameOf(opts.parent),
            ignoreChanges: opts.ignoreChanges,
            replaceOnChanges: opts.replaceOnChanges,
            retainOnDelete: opts.retainOnDelete === true,
            unsupported: [...unsupported],
          });
          return undefined;
        });
        return require("../../index") as Record<string, any>;
      })) ?? {};
    const resolved = (pulumi.output(raw) as unknown as { promise(): Promise<Record<string, any>> }).promise().catch(() => ({}));
    outputs = await Promise.race([resolved, new Promise<Record<string, any>>((r) => setTimeout(() => r({}), 10_000))]);
  } catch (e) {
    programErrors.push((e as Error).message ?? String(e));
  }
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> })
    .waitForRPCs?.()
    .catch((e: Error) => programErrors.push(e.message));
  // Errors thrown in an apply surface as unhandled rejections on a later turn.
  await new Promise((r) => setTimeout(r, 200));

  const error = firstError ?? programErrors[0];
  const ok = error === undefined && programErrors.length === 0;
  if (ok) {
    const removed = [...(req.prev?.resources ?? [])].reverse().filter((r) => !registered.has(r.key));
    for (const r of [...pendingDeletes, ...removed]) {
      const t0 = Date.now();
      if (r.options.protect) {
        firstError = protectedMessage(r.key, "delete");
        steps.push({ key: r.key, type: r.type, name: r.name, op: "delete", ms: 0, error: firstError, dockerName: dockerNameOf(r) });
        break;
      }
      try {
        log(`delete ${r.key}`);
        const stoppedExitCode = await deleteOnEngine(r);
        steps.push({
          key: r.key,
          type: r.type,
          name: r.name,
          op: "delete",
          id: r.id,
          ms: Date.now() - t0,
          dockerName: dockerNameOf(r),
          stoppedExitCode,
        });
      } catch (e) {
        firstError = `${r.key}: ${(e as Error).message}`;
        steps.push({
          key: r.key,
          type: r.type,
          name: r.name,
          op: "delete",
          ms: Date.now() - t0,
          error: firstError,
          dockerName: dockerNameOf(r),
        });
        break;
      }
    }
  }
  // What a failed run leaves: resources it never reached keep their old state.
  const deletedKeys = new Set(steps.filter((s) => s.op === "delete" && !s.error).map((s) => s.key));
  for (const r of req.prev?.resources ?? [])
    if (!next.some((n) => n.key === r.key) && !deletedKeys.has(r.key) && !(registered.has(r.key) && steps.some((s) => s.key === r.key)))
      next.push(r);
  const finalError = firstError ?? programErrors[0];
  const result: UpResult = {
    ok: finalError === undefined,
    error: finalError,
    steps,
    state: { stack: req.stack, resources: next },
    outputs: JSON.parse(JSON.stringify(outputs ?? {})),
    created,
    deleted,
    invokes,
    log: "",
    ms: Date.now() - started,
  };
  fs.writeFileSync(resultFile, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`harness failure: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
