// Typed htmx attributes (hx-get, hx-target, ...) for the JSX in src/web.
/// <reference types="@kitajs/html/htmx.d.ts" />
