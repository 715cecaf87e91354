import { quoteEnvReference } from "../../generators/objectStorage";

/** Loki and Tempo read their S3 secret through -config.expand-env: the file's one $ must be a quoted, whole value. */
describe("the ${VAR} reference of a file read with -config.expand-env", () => {
  it("is refused unless it stands alone as a key's value, even as the only $ of the file", () => {
    for (const text of ["secret_keys:\n  - ${TEMPO_S3_SECRET_KEY}\n", "secret_key: x${TEMPO_S3_SECRET_KEY}\n"]) {
      expect(() => quoteEnvReference(text, "TEMPO_S3_SECRET_KEY")).toThrow(
        "a config read with -config.expand-env=true must hold exactly one $ (the ${TEMPO_S3_SECRET_KEY} reference), found 1",
      );
    }
  });
});
