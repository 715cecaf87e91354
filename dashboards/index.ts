import { DashboardJson } from "./builder";
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

/** Every dashboard provisioned into the TutorDex folder, in SPEC §9 order. */
export const DASHBOARDS: readonly DashboardJson[] = [home, overview, infra, llmSupabase, quality, channelHealth, dataQuality, matching, realtime, stack];
