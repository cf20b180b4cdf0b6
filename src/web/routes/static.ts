/**
 * /static/<name>.<hash>.<ext>: content-addressed, so cacheable for a year. /favicon.ico, which
 * browsers and crawlers ask for whatever the page says, answers with the same icon (SVG: every
 * current browser takes it under that name) for a day, so it is not a 404 in every log.
 */
import { Elysia, NotFoundError } from "elysia";
import type { AssetManifest } from "../assets";

export function staticFiles(assets: AssetManifest) {
  return new Elysia({ detail: { hide: true } }).get("/static/:file", ({ request }) => {
    const asset = assets.byUrl(new URL(request.url).pathname);
    if (!asset) throw new NotFoundError();
    return new Response(asset.body, {
      headers: {
        "content-type": asset.contentType,
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
  }).get("/favicon.ico", () => {
    const icon = assets.byUrl(assets.url("favicon.svg"))!;
    return new Response(icon.body, { headers: { "content-type": icon.contentType, "cache-control": "public, max-age=86400" } });
  });
}
