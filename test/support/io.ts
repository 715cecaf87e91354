import { Io } from "../../cli/io";

/** An Io that keeps what a command printed, for assertions. */
export function capture(): Io & { text: () => string } {
  const lines: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => lines.push(l), text: () => lines.join("\n") };
}
