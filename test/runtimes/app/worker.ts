import { handle } from "./control";

/** A Cloudflare Worker (module syntax), served by workerd through Miniflare. */
export default { fetch: handle };
