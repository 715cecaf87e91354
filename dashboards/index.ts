import { ServiceName } from "../config/services";
import { DashboardJson, LOKI } from "./builder";
import { channelHealth } from "./channelHealth";
import { dataQuality } from "./dataQuality";
import { home } from "./home";
import { infra } from "./infra";
import { llmSupabase } from "./llmSupabase";
import { matching } from "./matching";
import { overview } from "./overview";
import { quality } from "./quality";
import { realtime } from "./realtime";
import { stack } from "./stack";

export const FOLDER = { uid: "tutordex", title: "TutorDex" } as const;

/** Every dashboard provisioned into the TutorDex folder, in docs/spec.md §9 order. */
export const DASHBOARDS: readonly DashboardJson[] = [
  home,
  overview,
  infra,
  llmSupabase,
  quality,
  channelHealth,
  dataQuality,
  matching,
  realtime,
  stack,
];

/** The dashboards of a stack: without Loki, panels that query it would only show errors. */
export function dashboardsFor(on: Readonly<Record<ServiceName, boolean>>): DashboardJson[] {
  if (on.loki) return [...DASHBOARDS];
  return DASHBOARDS.map((d) => ({
    ...d,
    panels: (d.panels as { datasource?: { uid?: string } }[]).filter((p) => p.datasource?.uid !== LOKI.uid),
  }));
}
