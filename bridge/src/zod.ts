import { config } from "zod/mini";
import { en } from "zod/locales";

/**
 * zod for the bridge's edges (its environment, webhooks, Telegram's and Alertmanager's answers, the
 * state file): the functional build, zod/mini, whose unused parts esbuild leaves out. The classic
 * build carries every method on every schema and made most of a bundle that each stack's Pulumi
 * state keeps. zod/mini loads no locale: English is set here, so issues read as the classic build
 * words them ("Invalid input: expected object, received null") rather than "Invalid input".
 */
config(en());

export * from "zod/mini";
