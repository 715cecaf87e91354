import type { ApiMethods, InlineKeyboardButton, Opts } from "@grammyjs/types";
import type { input, output, ZodMiniType } from "zod/mini";

/**
 * The Telegram Bot API as @grammyjs/types describes it: every object and method the bridge sends
 * or reads is typed from there, not by hand. Types only: nothing of it reaches the bundle (a test
 * reads esbuild's account of the bundle to make sure). Files are uploaded as Blobs (telegram.ts).
 */
export type BotApi = ApiMethods<Blob>;
export type BotMethod = keyof BotApi;
/** The parameters of a method (`{}` for those that take none). */
export type BotParams<M extends BotMethod> = Opts<Blob>[M];
/** What Telegram answers a method with, on success. */
export type BotResult<M extends BotMethod> = ReturnType<BotApi[M]>;

/** The buttons of a message's inline keyboard: the bridge's all carry callback data. */
export type InlineKeyboard = InlineKeyboardButton.CallbackButton[][];

/** Known keys of an object type, without the index signature a loose zod object adds. */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: 0 } & string;
/** A zod object's input without the index signatures a loose object adds (an interface has none to match). */
type Declared<T> = T extends readonly (infer E)[]
  ? Declared<E>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: Declared<T[K]> }
    : T;
/** Keys of any member of a union (Chat is one type per kind of chat). */
type AnyKey<T> = T extends unknown ? keyof T : never;
type At<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
type Element<T> = T extends readonly (infer E)[] ? E : never;

/** The fields a view of a Bot API object names that the object does not have, as "path.to.field". */
export type FieldsNotInBotApi<View, Api, Path extends string = ""> = View extends readonly (infer E)[]
  ? FieldsNotInBotApi<E, Element<NonNullable<Api>>, Path>
  : View extends object
    ? {
        [K in KnownKeys<View>]: K extends AnyKey<NonNullable<Api>>
          ? FieldsNotInBotApi<NonNullable<View[K]>, NonNullable<At<NonNullable<Api>, K>>, `${Path}${K}.`>
          : `${Path}${K}`;
      }[KnownKeys<View>]
    : never;

/**
 * `true` when a zod schema of a Bot API object reads it faithfully: it names only fields the
 * object has (so a field Telegram does not have is a type error), and every object the API
 * describes is an input it takes (no field required that Telegram may leave out, none of another
 * type). Otherwise a type naming what is wrong, which `BotApiView` refuses at compile time.
 */
export type ReadsBotApi<S extends ZodMiniType, Api> = [FieldsNotInBotApi<output<S>, Api>] extends [never]
  ? [Api] extends [Declared<input<S>>]
    ? true
    : { "the schema refuses objects the Bot API sends": Api }
  : { "fields the Bot API object does not have": FieldsNotInBotApi<output<S>, Api> };

/** A compile-time assertion: `BotApiView<ReadsBotApi<typeof schema, Update>>` fails to type-check unless it is true. */
export type BotApiView<Check extends true> = Check;
