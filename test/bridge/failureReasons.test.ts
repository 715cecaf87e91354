import * as fs from "fs";
import * as path from "path";
import { DELIVERY_FAILURE_REASONS, DeliveryFailureReason } from "../../bridge/src/metrics";
import { ApiOutcome, PermanentReason } from "../../bridge/src/telegram";

/**
 * One list of delivery failure reasons (bridge/src/metrics.ts): the Bot API client's outcomes and
 * the outbox count only reasons of it, /status lists it (serverInProcess.test.ts), and the runbook
 * of TelegramBridgeDeliveryFailing explains each of them and no other.
 */

const ROOT = path.join(__dirname, "..", "..");

/** Every reason the Bot API client can give a failed call. */
type ClientReason =
  | PermanentReason
  | Extract<ApiOutcome, { kind: "transient" }>["reason"]
  | Extract<ApiOutcome["kind"], "unparseable" | "too_long" | "rate_limited">;
// Compile-time (npm test runs tsc): a reason the client gives that the list (and so the metric) lacks is a type error here.
const everyClientReasonListed: [Exclude<ClientReason, DeliveryFailureReason>] extends [never] ? true : false = true;
const everyListedReasonGiven: [Exclude<DeliveryFailureReason, ClientReason>] extends [never] ? true : false = true;

it("the Bot API client's reasons are exactly the list", () => {
  expect([everyClientReasonListed, everyListedReasonGiven]).toEqual([true, true]);
});

it("every reason the bridge's code counts by name is one of the list", () => {
  const dir = path.join(ROOT, "bridge", "src");
  const text = ["delivery.ts", "telegram.ts", "server.ts"].map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
  const named = new Set([...text.matchAll(/\breason: "([a-z_]+)"/g)].map((m) => m[1]));
  expect([...named].filter((r) => !(DELIVERY_FAILURE_REASONS as readonly string[]).includes(r))).toEqual([]);
});

it("the runbook of TelegramBridgeDeliveryFailing explains every reason, and no other", () => {
  const text = fs.readFileSync(path.join(ROOT, "runbooks", "TelegramBridgeDeliveryFailing.md"), "utf8");
  const meaning = text.slice(text.indexOf("## Meaning"), text.indexOf("## What to check"));
  const named = [...meaning.matchAll(/`([a-z]+(?:_[a-z]+)*)`/g)].map((m) => m[1]).filter((w) => w !== "reason");
  expect([...named].sort()).toEqual([...DELIVERY_FAILURE_REASONS].sort());
});
