/**
 * Applies the real program (index.ts) to a Docker engine the way `pulumi up` with
 * `@pulumi/docker` would, and destroys it the way `pulumi destroy` would.
 *
 * `up` runs index.ts under Pulumi's mocks in a child process (like the Pulumi language host runs a
 * program: its own module registry, and an error thrown in an `apply` fails the run), where every
 * resource registration is answered by carrying out the provider's step on the engine
 * (applyMain.ts): create, same, update in place, or replace (delete-before-replace for
 * containers), decided from the previous state by the provider's rules (providerMapping.ts).
 * Provider functions (`docker.getNetwork`) are answered from the engine. Resources the program no
 * longer registers are deleted at the end, in reverse order; the first failure stops the run, and
 * nothing is deleted after it. The state is a plain object the caller keeps between runs.
 *
 * What this cannot prove: the real provider plugin and the Pulumi engine (the Pulumi CLI and the
 * docker provider plugin cannot be had here); the mapping is read from the provider's source.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { Engine } from "./engine";
import { deleteContainer, deleteNetwork, deleteRemoteImage, deleteVolume } from "./engineOps";

export const ROOT = path.resolve(__dirname, "..", "..");
export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

export interface ResourceOptions {
  readonly protect: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly dependsOn: readonly string[];
  readonly parent?: string;
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
  readonly retainOnDelete?: boolean;
}

export interface StateEntry {
  /** `type::name`: unique in this program. */
  readonly key: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly id?: string;
  readonly inputs: Record<string, any>;
  readonly outputs: Record<string, any>;
  readonly options: ResourceOptions;
  /** Not made on the engine in this tier, and why (no image can be built here). */
  readonly absent?: string;
  /** Create failed after the container existed: Pulumi keeps it and updates it next time. */
  readonly initErrors?: readonly string[];
}

export interface StackState {
  readonly stack: string;
  readonly resources: StateEntry[];
}

export type Op = "create" | "same" | "update" | "replace" | "delete" | "absent";

export interface Step {
  readonly op: Op;
  readonly key: string;
  readonly type: string;
  readonly name: string;
  /** The Docker name, for containers, networks and volumes. */
  readonly dockerName?: string;
  readonly id?: string;
  readonly oldId?: string;
  readonly diffs?: readonly { readonly input: string; readonly change: string }[];
  /** How the replaced or deleted container's process ended when the provider stopped it (137: killed). */
  readonly stoppedExitCode?: number;
  readonly ms: number;
  readonly error?: string;
}

/** A test-only edit of what the program registers, carried out before the step (always reported). */
export type Injection =
  | { readonly kind: "addInvalidRuleGroup"; readonly resource: string; readonly fileSuffix: string; readonly reason: string }
  | { readonly kind: "addEnv"; readonly resource: string; readonly env: readonly string[]; readonly reason: string };

export interface AbsentServices {
  /** Service (label value) → why it is not made on the engine. */
  readonly services: Readonly<Record<string, string>>;
  /** Image names of those services (their RemoteImage resources). */
  readonly images: readonly string[];
}

export interface UpRequest {
  readonly stack: string;
  /** Pulumi's flat `project:key → text` map. */
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
  readonly prev?: StackState;
  readonly absent?: AbsentServices;
  readonly injections?: readonly Injection[];
  /** Bound on one-shot containers (`attach`). */
  readonly attachTimeoutMs?: number;
}

export interface UpResult {
  readonly ok: boolean;
  /** The first error, as `pulumi up` would print it. */
  readonly error?: string;
  readonly steps: Step[];
  readonly state: StackState;
  readonly outputs: Record<string, any>;
  /** Everything made and removed on the engine, for tracking by id. */
  readonly created: { kind: "container" | "network" | "volume"; id: string }[];
  readonly deleted: { kind: "container" | "network" | "volume"; id: string }[];
  readonly invokes: { token: string; inputs: unknown; ok: boolean }[];
  readonly log: string;
  readonly ms: number;
}

export interface ChildRequest extends UpRequest {
  readonly engine: { readonly socketPath?: string; readonly dockerHost?: string };
}

const CHILD = path.join(__dirname, "applyMain.ts");
const TS_NODE = path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js");

/**
 * `pulumi up` of the program against the engine. Never throws for a failed update: the result
 * says what happened (ok, error, steps); it throws only when the harness itself broke.
 */
export async function up(engine: Engine, req: UpRequest, opts: { readonly boundMs?: number } = {}): Promise<UpResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tdx-apply-"));
  const input = path.join(dir, "request.json");
  const output = path.join(dir, "result.json");
  const child: ChildRequest = {
    ...req,
    engine: engine.socketPath ? { socketPath: engine.socketPath } : { dockerHost: process.env.DOCKER_HOST },
  };
  fs.writeFileSync(input, JSON.stringify(child));
  const bound = opts.boundMs ?? 15 * 60_000;
  try {
    const log = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [TS_NODE, "--transpile-only", CHILD, input, output], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      });
      let text = "";
      p.stdout.on("data", (c: Buffer) => (text += c.toString()));
      p.stderr.on("data", (c: Buffer) => (text += c.toString()));
      const timer = setTimeout(() => {
        p.kill("SIGKILL");
        reject(new Error(`the apply did not finish within ${bound / 1000}s; its log:\n${text.slice(-4000)}`));
      }, bound);
      p.on("error", reject);
      p.on("exit", (code) => {
        clearTimeout(timer);
        if (!fs.existsSync(output))
          reject(new Error(`the apply harness exited (${code}) without a result; its log:\n${text.slice(-6000)}`));
        else resolve(text);
      });
    });
    const result = JSON.parse(fs.readFileSync(output, "utf8")) as UpResult;
    for (const c of result.created) engine.track(c.kind, c.id);
    for (const d of result.deleted) engine.forget(d.kind, d.id);
    return { ...result, log };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export class ProtectedError extends Error {}

/**
 * `pulumi destroy`: every resource in reverse order. Like Pulumi, it refuses (before deleting
 * anything) while a protected resource is in the state; `excludeProtected` is
 * `pulumi destroy --exclude-protected`: protected resources and what they depend on stay.
 */
export async function destroy(
  engine: Engine,
  state: StackState,
  opts: { readonly excludeProtected?: boolean } = {},
): Promise<{ state: StackState; steps: Step[] }> {
  const keep = new Set<string>();
  const protectedOnes = state.resources.filter((r) => r.options.protect);
  if (protectedOnes.length && !opts.excludeProtected) {
    throw new ProtectedError(
      protectedOnes
        .map(
          (r) =>
            `unable to delete resource "${r.key}"\nas it is currently marked for protection. To unprotect the resource, remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\``,
        )
        .join("\n"),
    );
  }
  for (const r of protectedOnes) {
    keep.add(r.key);
    for (const k of dependenciesOf(state, r)) keep.add(k);
  }
  const steps: Step[] = [];
  const remaining: StateEntry[] = [];
  for (const r of [...state.resources].reverse()) {
    if (keep.has(r.key)) {
      remaining.unshift(r);
      continue;
    }
    const started = Date.now();
    const stoppedExitCode = await deleteEntry(engine.docker, r);
    forgetEntry(engine, r);
    steps.push({
      op: "delete",
      key: r.key,
      type: r.type,
      name: r.name,
      dockerName: dockerNameOf(r),
      id: r.id,
      ms: Date.now() - started,
      stoppedExitCode,
    });
  }
  return { state: { stack: state.stack, resources: remaining }, steps };
}

/** What a resource depends on: dependsOn, its parent chain, and resources whose outputs its inputs carry. */
export function dependenciesOf(state: StackState, r: StateEntry): string[] {
  const out = new Set<string>();
  const byName = new Map(state.resources.map((e) => [e.name, e]));
  const text = JSON.stringify(r.inputs);
  for (const e of state.resources) {
    if (e.key === r.key || !e.custom || e.absent) continue;
    const marks = [e.outputs.imageId, e.type === NETWORK || e.type === VOLUME ? e.outputs.name : undefined, e.id].filter(
      (v): v is string => typeof v === "string" && v.length > 0,
    );
    if (marks.some((m) => text.includes(JSON.stringify(m).slice(1, -1)))) out.add(e.key);
  }
  for (const d of r.options.dependsOn) {
    const e = byName.get(d);
    if (e) out.add(e.key);
  }
  return [...out];
}

export function dockerNameOf(r: StateEntry): string | undefined {
  if (r.type === CONTAINER || r.type === NETWORK || r.type === VOLUME) return r.outputs.name ?? r.inputs.name;
  if (r.type === REMOTE_IMAGE) return r.inputs.name;
  return undefined;
}

export async function deleteEntry(docker: Docker, r: StateEntry): Promise<number | undefined> {
  if (!r.custom || r.absent || r.options.retainOnDelete || !r.id) return undefined;
  if (r.type === CONTAINER) return deleteContainer(docker, r.id, r.outputs);
  else if (r.type === NETWORK) await deleteNetwork(docker, r.id);
  else if (r.type === VOLUME) await deleteVolume(docker, r.id);
  else if (r.type === REMOTE_IMAGE) await deleteRemoteImage(docker, r.outputs);
  return undefined;
}

function forgetEntry(engine: Engine, r: StateEntry): void {
  if (!r.id || r.absent) return;
  if (r.type === CONTAINER) engine.forget("container", r.id);
  if (r.type === NETWORK) engine.forget("network", r.id);
  if (r.type === VOLUME) engine.forget("volume", r.id);
}

// --- reading results -----------------------------------------------------------------------------

export const containersOf = (s: StackState) => s.resources.filter((r) => r.type === CONTAINER && !r.absent);

export function containerEntry(s: StackState, dockerName: string): StateEntry {
  const e = containersOf(s).find((r) => dockerNameOf(r) === dockerName);
  if (!e) throw new Error(`no container ${dockerName} in the state (containers: ${containersOf(s).map(dockerNameOf).join(", ")})`);
  return e;
}

export function summarize(result: Pick<UpResult, "steps">): string {
  const counts = new Map<string, number>();
  for (const s of result.steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  const changed = result.steps
    .filter((s) => s.op !== "same" && s.op !== "absent")
    .map(
      (s) =>
        `${s.op} ${s.dockerName ?? s.key}${s.diffs?.length ? ` [${s.diffs.map((d) => `${d.input}:${d.change}`).join(", ")}]` : ""}${s.error ? ` ERROR ${s.error.split("\n")[0]}` : ""}`,
    );
  return `${[...counts].map(([k, v]) => `${v} ${k}`).join(", ")}${changed.length ? `\n  ${changed.join("\n  ")}` : ""}`;
}
