/**
 * The bridge's small text helpers, pinned with awkward input: HTML escaping and its plain-text
 * fallback, what Telegram counts against its limit, secret redaction, durations and log lines.
 */
import { escapeHtml, htmlToText, link, safeUrl } from "../../bridge/src/html";
import { describeError, Logger } from "../../bridge/src/log";
import { Redactor, secretPattern, withoutCredentials } from "../../bridge/src/redact";
import { BRIDGE_DURATION, formatDuration } from "../../config/durations";

const parseDuration = (text: string) => BRIDGE_DURATION.parse(text);
import { TELEGRAM_TEXT_LIMIT, visibleLength, visibleText } from "../../bridge/src/telegramText";

describe("html", () => {
  it("escapes only the four reserved characters, every occurrence", () => {
    expect(escapeHtml(`a<<b>>&&"" 'é🔥`)).toBe("a&lt;&lt;b&gt;&gt;&amp;&amp;&quot;&quot; 'é🔥");
    expect(escapeHtml("")).toBe("");
  });
  it("keeps absolute http and https URLs, normalised; drops other schemes, relative paths and nothing", () => {
    expect([safeUrl("http://am.test:9093"), safeUrl("https://rb.test/a b")]).toEqual(["http://am.test:9093/", "https://rb.test/a%20b"]);
    expect([safeUrl("ftp://x.test/"), safeUrl("javascript:alert(1)"), safeUrl("/runbooks/x.md"), safeUrl(""), safeUrl(undefined)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
  it("a link escapes its label and target", () => {
    expect(link("<Runbook & co>", "https://rb.test/?a=1&b=2")).toBe('<a href="https://rb.test/?a=1&amp;b=2">&lt;Runbook &amp; co&gt;</a>');
    expect(link("Runbook", "mailto:x@y.test")).toBeUndefined();
  });
  it("the plain-text fallback removes tags, spells out links and decodes each entity once", () => {
    expect(htmlToText('<b>x</b> &quot;q&quot; &lt;t&gt; &amp;lt; <a href="https://x.test/">L</a> <i>end</i>')).toBe(
      'x "q" <t> &lt; L (https://x.test/) end',
    );
    // Every entity, every occurrence.
    expect(htmlToText("&quot;&quot;&lt;&lt;&gt;&gt;&amp;&amp;")).toBe('""<<>>&&');
  });
});

describe("what Telegram counts", () => {
  it("the limit is Telegram's 4096", () => {
    expect(TELEGRAM_TEXT_LIMIT).toBe(4096);
  });
  it("decodes the four named entities, and no other name", () => {
    expect(visibleText("&lt;&gt;&amp;&quot;")).toBe('<>&"');
    expect(visibleText("&nbsp;&LT;&foo;")).toBe("&nbsp;&LT;&foo;");
  });
  it("decodes decimal and hexadecimal references of either case", () => {
    expect(visibleText("&#65;&#x42;&#X43;&#x1F525;")).toBe("ABC🔥");
    expect(visibleLength("&#x1f525;")).toBe(2);
  });
  it("leaves references to no character as they are", () => {
    expect(visibleText("&#0;&#x0;&#x110000;&#1114112;")).toBe("&#0;&#x0;&#x110000;&#1114112;");
    expect(visibleText("&#x10FFFF;&#1114111;")).toBe(String.fromCodePoint(0x10ffff).repeat(2));
  });
  it("removes tags with their attributes; a lone < is text", () => {
    expect(visibleText('<a href="https://x.test/very/long">L</a> 1 < 2')).toBe("L 1 < 2");
  });
});

describe("redaction", () => {
  const redactor = (...secrets: (string | undefined)[]) => {
    const r = new Redactor();
    for (const s of secrets) r.add(s);
    return r;
  };
  it("an empty or missing secret redacts nothing", () => {
    expect(redactor("", undefined).apply("abc")).toBe("abc");
  });
  it("replaces every occurrence, and only the secret", () => {
    expect(redactor("s3cr3tvalue").apply("a s3cr3tvalue b s3cr3tvalue c")).toBe("a <redacted> b <redacted> c");
  });
  it("regex characters in a secret are literal", () => {
    const r = redactor("p.ss+(x)");
    expect(r.apply("p.ss+(x) pass pXss+(x) p.sss(x)")).toBe("<redacted> pass pXss+(x) p.sss(x)");
  });
  it("matches characters percent-encoded in upper or lower case, multi-byte ones too", () => {
    const r = redactor("é.k");
    expect(r.apply("%C3%A9%2Ek")).toBe("<redacted>");
    expect(r.apply("%c3%a9%2ek")).toBe("<redacted>");
    expect(r.apply("%c3%A9.%6B")).toBe("<redacted>");
    expect(secretPattern("é").source).toBe("(?:é|%[cC]3%[aA]9)");
  });
  it("a bot token is redacted whole, and its secret half on its own", () => {
    const r = redactor("12345:abcdefgh");
    expect(r.apply("t=12345:abcdefgh")).toBe("t=<redacted>");
    expect(r.apply("12345%3Aabcdefgh")).toBe("<redacted>");
    expect(r.apply("half abcdefgh")).toBe("half <redacted>");
    expect(r.apply("id 12345")).toBe("id 12345");
  });
  it("the half after a colon counts only as a token's secret: eight characters or more, after an id", () => {
    expect(redactor("12345:abcdefg").apply("abcdefg")).toBe("abcdefg");
    expect(redactor(":abcdefghijk").apply("abcdefghijk")).toBe("abcdefghijk");
    expect(redactor(":abcdefghijk").apply(":abcdefghijk")).toBe("<redacted>");
    expect(redactor("a:abcdefgh").apply("abcdefgh")).toBe("<redacted>");
  });
  it("a URL loses its user and password, and only those", () => {
    expect(withoutCredentials("http://am.test:9093")).toBe("http://am.test:9093");
    expect(withoutCredentials("http://bob:pw@am.test:9093/api")).toBe("http://***:***@am.test:9093/api");
    expect(withoutCredentials("http://bob@am.test/")).toBe("http://***@am.test/");
    expect(withoutCredentials("http://:pw@am.test/")).toBe("http://:***@am.test/");
  });
  it("a string that is no URL loses what looks like credentials", () => {
    expect(withoutCredentials("//bob:pw@am.test/x")).toBe("//***@am.test/x");
    expect(withoutCredentials("am.test:9093")).toBe("am.test:9093");
  });
});

describe("durations", () => {
  it("parses every unit, combined, around spaces", () => {
    expect([
      parseDuration("1s"),
      parseDuration("2m"),
      parseDuration("3h"),
      parseDuration("4d"),
      parseDuration("1w"),
      parseDuration(" 1h30m "),
    ]).toEqual([1000, 120_000, 10_800_000, 345_600_000, 604_800_000, 5_400_000]);
  });
  it("refuses anything else, anywhere in the text", () => {
    expect([
      parseDuration(""),
      parseDuration("h"),
      parseDuration("1"),
      parseDuration("x1h"),
      parseDuration("1hx"),
      parseDuration("1.5h"),
      parseDuration("-1h"),
    ]).toEqual(Array(7).fill(undefined));
  });
  it("prints the shortest exact spelling, rounded to the second", () => {
    expect([
      formatDuration(0),
      formatDuration(400),
      formatDuration(1000),
      formatDuration(90_061_000),
      formatDuration(86_400_000),
      formatDuration(3_599_000),
    ]).toEqual(["0s", "0s", "1s", "1d1h1m1s", "1d", "59m59s"]);
  });
});

describe("log lines", () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, log: new Logger((l) => lines.push(l)) };
  };
  it("one JSON object per line: time, level, logger, message, fields", () => {
    const { lines, log } = capture();
    log.info("sent", { chat_id: "-1" });
    log.warn("slow");
    log.error("failed", { msg: "overridden?" });
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { level: "info", logger: "telegram-bridge", msg: "sent", chat_id: "-1" },
      { level: "warning", logger: "telegram-bridge", msg: "slow" },
      { level: "error", logger: "telegram-bridge", msg: "overridden?" },
    ]);
    for (const p of parsed) expect(Date.parse(p.ts)).not.toBeNaN();
  });
  it("writes to stdout by default, one line each", () => {
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      new Logger().info("hello");
      expect(write).toHaveBeenCalledTimes(1);
      expect(write.mock.calls[0][0]).toMatch(/^\{.*"msg":"hello"\}\n$/);
    } finally {
      write.mockRestore();
    }
  });
  it("removes registered secrets from the message and the fields", () => {
    const { lines, log } = capture();
    log.redact("123:abcdefghij");
    log.redact(undefined);
    log.warn("token 123:abcdefghij", { url: "https://api.test/bot123%3Aabcdefghij/x" });
    expect(JSON.parse(lines[0])).toMatchObject({ msg: "token <redacted>", url: "https://api.test/bot<redacted>/x" });
  });
});

describe("describeError", () => {
  const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);
  it("gives the message and the cause chain, with error codes the message does not name", () => {
    expect(describeError(err("fetch failed", { cause: err("connect refused", { code: "ECONNREFUSED" }) }))).toBe(
      "fetch failed: ECONNREFUSED connect refused",
    );
    expect(describeError(err("connect ECONNREFUSED 127.0.0.1:1", { code: "ECONNREFUSED" }))).toBe("connect ECONNREFUSED 127.0.0.1:1");
  });
  it("follows at most four causes", () => {
    const chain = err("1", { cause: err("2", { cause: err("3", { cause: err("4", { cause: err("5") }) }) }) });
    expect(describeError(chain)).toBe("1: 2: 3: 4");
  });
  it("errors of another realm and plain values are described too", () => {
    expect(describeError({ message: "duck", code: "EDUCK" })).toBe("EDUCK duck");
    expect(describeError("plain")).toBe("plain");
    expect(describeError(err("wrapped", { cause: 42 }))).toBe("wrapped: 42");
    expect(describeError({ nothing: true })).toBe("[object Object]");
  });
  it("says unknown error when nothing has a message", () => {
    expect([describeError(undefined), describeError(null), describeError(new Error("")), describeError(err("", { cause: null }))]).toEqual(
      Array(4).fill("unknown error"),
    );
  });
});

describe("describeError reads only objects as errors", () => {
  it("an error without a message still shows its cause", () => {
    expect(describeError(Object.assign(new Error(""), { cause: new Error("inner") }))).toBe("inner");
  });
  it("a function is shown as text, even one with a message property", () => {
    expect(describeError(Object.assign(() => 1, { message: "m" }))).toBe("() => 1");
  });
});
