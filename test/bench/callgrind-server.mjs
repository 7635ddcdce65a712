// Child process run under valgrind by instructions.mjs: builds one app configuration
// (apps.mjs) and prints its URL on stdout. argv: the configuration as JSON.
import { builders } from "./apps.mjs";

const config = JSON.parse(process.argv[2]);
const app = await builders[config.framework](config);
console.log(`listening ${app.url}`);
