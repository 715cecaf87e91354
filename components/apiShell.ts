import { API_USER } from "../generators/apiAuth";
import { Readiness } from "./serviceContainer";

/**
 * Authenticated HTTP from busybox sh (healthchecks and one-shot scripts in the Prometheus-family
 * images). busybox wget could send the password only on its command line, which every process
 * on the host can read in /proc; here it is read from its file and goes through shell builtins
 * (printf) and a pipe into nc, so no argv ever holds it.
 */

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `api METHOD HOST:PORT PATH PASSWORD_FILE` prints the raw HTTP response (status line first) and
 * fails when nothing answered. HTTP/1.0, so the server closes the connection after one answer
 * and never uses chunked encoding. A background sleep holds nc's input open a while: busybox nc
 * half-closes the connection at the end of its input, and a Go server cancels a request whose
 * client did (Alertmanager's /-/reload then answers 503 "context canceled"); nc ends as soon as
 * the server has answered and closed, and the sleep holds nothing the caller waits for.
 */
export const API_FUNCTION =
  "api() { " +
  `a=$(printf '%s:%s' ${q(API_USER)} "$(cat "$4")" | base64) || return 1; ` +
  `{ printf '%s %s HTTP/1.0\\r\\nHost: %s\\r\\nAuthorization: Basic %s\\r\\nContent-Length: 0\\r\\n\\r\\n' "$1" "$3" "$2" "$a"; sleep 10 </dev/null 2>/dev/null & } | nc -w 10 "\${2%:*}" "\${2##*:}"; }`;

/** The status code of a response `api` printed ("" when nothing answered). */
export const STATUS_FUNCTION = "status_of() { printf '%s\\n' \"$1\" | head -n1 | cut -d' ' -f2; }";

/** A healthcheck that passes only when the service answers 200 to its own credentials. */
export function authedHealthcheck(port: number, path: string, passwordFile: string, startPeriod?: string): Readiness {
  return {
    kind: "healthcheck",
    test: ["CMD-SHELL", `${API_FUNCTION}; api GET 127.0.0.1:${port} ${q(path)} ${q(passwordFile)} | head -n1 | grep -q ' 200 '`],
    startPeriod,
  };
}
