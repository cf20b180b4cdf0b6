/** /static/<name>.<hash>.<ext>: content-addressed, so cacheable for a year. */
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
  });
}
