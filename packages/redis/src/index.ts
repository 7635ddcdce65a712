export type { RedisCacheOptions } from "./options";
export { type RedisCache, redisCache } from "./redis-cache";
