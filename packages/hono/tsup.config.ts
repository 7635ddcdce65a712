import { packageBuild } from "../tsup.shared";

export default packageBuild({ index: "src/index.ts", openapi: "src/openapi.ts" });
