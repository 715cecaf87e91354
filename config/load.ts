import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, rawConfigFromPulumi, SECRET_KEYS, StackConfig } from "./schema";
import { stackFileName } from "./stackFile";

// Not in the type declarations, but part of the runtime's config module: which keys the CLI decrypted.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a module the package exports but declares no types for
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };

/** The stack's secrets as Pulumi secrets, so they stay secret into containers, state and outputs. */
export interface StackSecrets {
  readonly telegramBotToken: pulumi.Output<string> | undefined;
  readonly grafanaAdminPassword: pulumi.Output<string> | undefined;
  readonly registryPassword: pulumi.Output<string> | undefined;
  /** Store name → password or token of a remote_write store. */
  readonly remoteWriteCredentials: Readonly<Record<string, pulumi.Output<string>>>;
  readonly objectStorageSecretKey: pulumi.Output<string> | undefined;
}

export interface LoadedConfig {
  readonly config: StackConfig;
  readonly secrets: StackSecrets;
}

const secretOrUndefined = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));

/**
 * The stack's configuration, validated. A refused one is a RunError: Pulumi prints its message
 * (every problem, with key and value) and no stack trace of this program.
 */
function validated(project: string, stack: string): StackConfig {
  const raw = rawConfigFromPulumi(project, pulumi.runtime.allConfig());
  const secretKeys = new Set(SECRET_KEYS.filter((k) => runtimeConfig.isConfigSecret?.(`${project}:${k}`) ?? false));
  try {
    return parseStackConfig(stack, raw, secretKeys);
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`${stackFileName(stack)}: ${e.message}`);
    throw e;
  }
}

/** The only place that reads Pulumi's stack configuration. */
export function loadStackConfig(): LoadedConfig {
  const config = validated(pulumi.getProject(), pulumi.getStack());
  return {
    config,
    secrets: {
      telegramBotToken: secretOrUndefined(config.telegramBotToken),
      grafanaAdminPassword: secretOrUndefined(config.grafanaAdminPassword),
      registryPassword: secretOrUndefined(config.registryAuth?.password),
      remoteWriteCredentials: Object.fromEntries(
        Object.entries(config.remoteWriteCredentials).map(([store, value]) => [store, pulumi.secret(value)]),
      ),
      objectStorageSecretKey: secretOrUndefined(config.objectStorageSecretKey),
    },
  };
}
