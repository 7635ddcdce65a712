// `@keyguard/nestjs/swagger`: the @nestjs/swagger integration, apart so that apps without it never load it.
export { createUnkeyDocument } from "./swagger/create-unkey-document";
