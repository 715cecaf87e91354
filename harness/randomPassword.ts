import { createHash, randomBytes } from "crypto";
import * as bcrypt from "bcryptjs";

/** The type token of `@pulumi/random`'s RandomPassword, as mocks and the docker tier see it. */
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** What the random provider computes for a RandomPassword: the password and its bcrypt hash. */
export interface RandomPasswordOutputs {
  readonly result: string;
  readonly bcryptHash: string;
}

function alnum(bytes: Buffer, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i % bytes.length] % ALNUM.length];
  return out;
}

/**
 * The provider's answer, as the mocks give it: derived from the resource name, so two runs of one
 * program register the same inputs everywhere (a second `up` changes nothing), and a real bcrypt
 * hash (bcryptjs, pure JavaScript) that Prometheus's web config accepts. A low cost keeps it fast.
 */
export function mockRandomPassword(name: string, inputs: Record<string, any>): RandomPasswordOutputs {
  const length = Number(inputs.length ?? 32);
  const seed = createHash("sha256").update(`mock-random-password\0${name}`).digest();
  const result = alnum(Buffer.concat([seed, createHash("sha256").update(seed).digest()]), length);
  const salt = `$2b$04$${bcrypt.encodeBase64([...seed.subarray(0, 16)], 16)}`;
  return { result, bcryptHash: bcrypt.hashSync(result, salt) };
}

/** A fresh password and hash, as the provider makes one on create (the docker tier). */
export function newRandomPassword(inputs: Record<string, any>): RandomPasswordOutputs {
  const result = alnum(randomBytes(64), Number(inputs.length ?? 32));
  return { result, bcryptHash: newRandomPasswordHash(result) };
}

/** A bcrypt hash of a given password at the provider's cost. */
export function newRandomPasswordHash(password: string): string {
  return bcrypt.hashSync(password, 10);
}
