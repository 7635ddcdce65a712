// The control for the Node-import check: the core's Node build, which imports node:http.
import { createVerifier } from "@keyguard/core";

export default createVerifier;
