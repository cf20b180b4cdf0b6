/** What a page handler reads from a posted form (src/web/context.ts formValues). */
import { describe, expect, test } from "bun:test";
import { formValues } from "../src/web/context";

describe("form values a page reads", () => {
  test("a multipart field keeps its first value, whatever its name (constructor and toString included)", () => {
    const body = new FormData();
    for (const [name, value] of [["username", "ada"], ["username", "eve"], ["constructor", "kept"], ["toString", "also kept"], ["file", new Blob(["x"])]] as const) body.append(name, value);
    expect(formValues(body)).toEqual({ username: "ada", constructor: "kept", toString: "also kept" });
  });
});
